/* SPDX-License-Identifier: MIT */
/*
 * nat.c - the NAT engine: the flow table, lwIP's "accept any destination"
 * hook, and dispatch to the protocol proxies (see nat.h).
 *
 * Which guest packets natd terminates: unicast IPv4 to any address outside
 * the adapter's own network (the gateway and service addresses in it are
 * lwIP's own or natd's services). Loopback (127/8), "this network" (0/8),
 * multicast, class E and broadcast destinations are never proxied.
 */
#include "forwarders/nat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/nat_internal.h"
#include "lwip/ip4_addr.h"
#include "natd/log.h"
#include "natd_lwip_hooks.h"
#include "stack/nic.h"
#include "stack/stack.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct nat nat;

static const char *const drop_names[] = {
	[NAT_DROP_FLOWS_FULL] = "flow_table_full",
	[NAT_DROP_CONNECT_REFUSED] = "connect_refused",
	[NAT_DROP_UNREACHABLE] = "unreachable",
	[NAT_DROP_SOCKET] = "host_socket_error",
	[NAT_DROP_BROADCAST] = "broadcast",
};
_Static_assert(ARRAY_SIZE(drop_names) == NAT_DROP_COUNT, "drop_names");

const char *nat_drop_name(enum nat_drop d)
{
	return (unsigned)d < NAT_DROP_COUNT ? drop_names[d] : "?";
}

struct nic *nat_nic_of(struct netif *netif)
{
	struct nic *nic;

	if (!netif || netif->linkoutput == NULL)
		return NULL;
	nic = netif->state;
	if (!nic || nic_config(nic)->mode != NIC_MODE_NAT)
		return NULL;
	return nic;
}

bool nat_is_local(const struct nic *nic, uint32_t dest)
{
	const struct nic_config *c = nic_config(nic);

	return (dest & c->netmask.s_addr) == c->network.s_addr;
}

/* Destinations a NAT must never re-originate, whatever the netmask. */
static bool nat_dest_forbidden(uint32_t dest)
{
	uint32_t h = lwip_ntohl(dest);
	uint8_t a = (uint8_t)(h >> 24);

	return a == 0 || a == 127 || a >= 224;
}

int natd_hook_ip4_accept(struct netif *netif, const struct ip4_addr *dest)
{
	struct nic *nic = nat_nic_of(netif);
	uint32_t d = ip4_addr_get_u32(dest);

	if (!nic || nat.flows == NULL || nat.shutting_down || !nic_cable(nic))
		return 0;
	if (nat_dest_forbidden(d) || ip4_addr_isbroadcast(dest, netif))
		return 0;
	if (nat_is_local(nic, d)) {
		const struct nic_config *c = nic_config(nic);

		/* natd's own service addresses (DNS proxy, TFTP) */
		return d == c->dns.s_addr || d == c->tftp.s_addr;
	}
	return 1;
}

void nat_key4(struct flow_key *k, enum flow_proto proto, const struct nic *nic,
	      const ip4_addr_t *gaddr, uint16_t gport, const ip4_addr_t *raddr,
	      uint16_t rport)
{
	uint32_t g = ip4_addr_get_u32(gaddr), r = ip4_addr_get_u32(raddr);

	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->proto = (uint8_t)proto;
	k->nic = (uint8_t)nic_adapter(nic);
	k->gport = gport;
	k->rport = rport;
	memcpy(k->gaddr, &g, 4);
	memcpy(k->raddr, &r, 4);
}

void nat_close_begin(void)
{
	nat.closing++;
}

void nat_close_end(void)
{
	if (--nat.closing == 0 && nat.shutting_down && nat.closed) {
		void (*cb)(void *) = nat.closed;

		nat.closed = NULL;
		flow_table_free(nat.flows);
		nat.flows = NULL;
		cb(nat.closed_opaque);
	}
}

void nat_flow_closed(struct flow *f)
{
	flow_remove(nat.flows, f);
}

int nat_init(uv_loop_t *loop, char *err, size_t errlen)
{
	struct flow_limits lim = { .max = { 16384, 4096, 256 } };
	int rc;

	memset(&nat, 0, sizeof(nat));
	nat.loop = loop;
	nat.flows = flow_table_new(&lim);
	if (!nat.flows) {
		snprintf(err, errlen, "flow table: %s", strerror(errno));
		return -errno;
	}
	rc = fwd_tcp_init(err, errlen);
	if (rc < 0) {
		flow_table_free(nat.flows);
		nat.flows = NULL;
	}
	return rc;
}

void nat_shutdown(void (*closed)(void *opaque), void *opaque)
{
	nat.shutting_down = true;
	nat.closed = closed;
	nat.closed_opaque = opaque;
	nat_close_begin(); /* held until every flow below has started closing */
	fwd_tcp_shutdown_all();
	nat_close_end();
}

void nat_get_counters(struct nat_counters *c)
{
	memcpy(c->drops, nat.drops, sizeof(c->drops));
	if (nat.flows)
		flow_table_get_stats(nat.flows, &c->flows);
	else
		memset(&c->flows, 0, sizeof(c->flows));
}

int nat_foreach_flow(int (*fn)(void *opaque, struct flow *f), void *opaque)
{
	return nat.flows ? flow_foreach(nat.flows, fn, opaque) : 0;
}

const char *nat_flow_state_name(const struct flow *f)
{
	switch (f->key.proto) {
	case FLOW_PROTO_TCP:
		return fwd_tcp_state_name(f->state);
	default:
		return "active";
	}
}
