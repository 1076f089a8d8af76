/* SPDX-License-Identifier: MIT */
/*
 * nat.c - the NAT engine: the flow table, lwIP's "accept any destination"
 * hook, and dispatch to the protocol proxies (see nat.h).
 *
 * Which guest packets natd terminates: unicast IPv4 to any address outside
 * the adapter's own network (the gateway and service addresses in it are
 * lwIP's own or natd's services). Loopback (127/8), "this network" (0/8),
 * multicast, class E and broadcast destinations are never proxied.
 * IPv6 likewise: unicast to any address outside the adapter's prefix; never
 * ::/8 (unspecified, loopback, IPv4-mapped and -compatible), link-local,
 * site-local or multicast. The guest's source may be link-local: a guest
 * whose SLAAC address is still tentative (duplicate address detection, about
 * a second after natd's router advertisement) sends from its link-local
 * address, and keeps that address for the whole connection; a router would
 * drop such packets, but natd terminates the flow and answers on the link,
 * so a guest that connects at once is not left retrying for its timeout.
 * Every guest IPv6 packet is first checked by forwarders/nic6.c
 * (natd_hook_ip6_input).
 */
#include "forwarders/nat.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/nat_internal.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/ip6.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/raw.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"
#include "stack/ndp.h"
#include "forwarders/nic.h"
#include "forwarders/nic6.h"
#include "stack/stack.h"
#include "base/bytes.h"


struct nat nat;

static const char *const drop_names[] = {
	[NAT_DROP_FLOWS_FULL] = "flow_table_full",
	[NAT_DROP_CONNECT_REFUSED] = "connect_refused",
	[NAT_DROP_UNREACHABLE] = "unreachable",
	[NAT_DROP_SOCKET] = "host_socket_error",
	[NAT_DROP_BROADCAST] = "broadcast",
	[NAT_DROP_PROTOCOL] = "unsupported_protocol",
	[NAT_DROP_FILTERED] = "tftp_filtered",
	[NAT_DROP_DESCRIPTORS] = "descriptor_limit",
	[NAT_DROP_GUEST_QUOTA] = "guest_quota",
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
	if (!nic || nic_config(nic)->unplugged)
		return NULL;
	return nic;
}

bool nat_is_local(const struct nic *nic, uint32_t dest)
{
	const struct nat_config *c = nic_config(nic);

	return (dest & c->netmask.s_addr) == c->network.s_addr;
}

uint32_t nat_host_alias(const struct nic *nic, uint32_t dest)
{
	const struct nat_config *c = nic_config(nic);

	for (unsigned i = 0; i < c->n_loopback; i++)
		if (dest == c->loopback_net[i].s_addr)
			return c->loopback_host[i].s_addr;
	if (c->localhost_reachable && dest == c->gateway.s_addr)
		return htonl(INADDR_LOOPBACK);
	return 0;
}

bool nat_is_host_alias6(const struct nic *nic, const ip6_addr_t *dest)
{
	const struct nat_config *c = nic_config(nic);

	return c->loopback6_set && !memcmp(dest->addr, c->loopback6.s6_addr, 16);
}

bool nat_is_host_alias(const struct nic *nic, uint32_t dest)
{
	return nat_host_alias(nic, dest) != 0;
}

bool nat_is_local6(const struct nic *nic, const ip6_addr_t *dest)
{
	return ip6_addr_islinklocal(dest) ||
	       memcmp(dest->addr, nic_config(nic)->prefix6.s6_addr, 8) == 0;
}

void nat_host_buffers(int fd, const struct nic *nic)
{
	const struct nat_config *c = nic_config(nic);

	/* --natsettings<x> socksnd,sockrcv (KiB) */
	if (c->sock_snd) {
		int v = (int)c->sock_snd * 1024;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	}
	if (c->sock_rcv) {
		int v = (int)c->sock_rcv * 1024;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
}

int nat_host_endpoint(int fd, const struct nic *nic, const struct flow_key *k,
		      struct sockaddr_storage *ss, socklen_t *sslen)
{
	const struct nat_config *c = nic_config(nic);
	struct sockaddr_in *sa = (struct sockaddr_in *)ss;
	uint32_t r;

	nat_host_buffers(fd, nic);
	memset(ss, 0, sizeof(*ss));
	if (k->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(s6->sin6_addr.s6_addr, k->raddr, 16);
		if (c->loopback6_set && !memcmp(k->raddr, c->loopback6.s6_addr, 16))
			s6->sin6_addr = in6addr_loopback; /* --loopback-6 */
		s6->sin6_port = k->proto == FLOW_PROTO_ICMP ? 0 : k->rport;
		*sslen = sizeof(*s6);
		return 0;
	}
	*sslen = sizeof(*sa);
	sa->sin_family = AF_INET;
	memcpy(&r, k->raddr, 4);
	if (nat_is_host_alias(nic, r)) {
		sa->sin_addr.s_addr = nat_host_alias(nic, r);
	} else {
		sa->sin_addr.s_addr = r;
		if (c->bind_ip_set) {
			struct sockaddr_in b = { .sin_family = AF_INET, .sin_addr = c->bind_ip };

			if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0)
				return -errno;
		}
	}
	sa->sin_port = k->proto == FLOW_PROTO_ICMP ? 0 : k->rport;
	return 0;
}

/* Destinations a NAT must never re-originate, whatever the netmask. */
static bool nat_dest_forbidden(uint32_t dest)
{
	uint32_t h = lwip_ntohl(dest);
	uint8_t a = (uint8_t)(h >> 24);

	return a == 0 || a == 127 || a >= 224;
}

int natd_hook_ip4_input(struct pbuf *p, struct netif *inp)
{
	const uint8_t *b = p->payload;

	/* Only the version is checked yet: look at whole headers only. */
	if (p->len >= IP_HLEN && nat_nic_of(inp) && b[9] != IP_PROTO_TCP &&
	    b[9] != IP_PROTO_UDP && b[9] != IP_PROTO_ICMP)
		nat.drops[NAT_DROP_PROTOCOL]++;
	return 0;
}

int natd_hook_ip4_accept(struct netif *netif, const struct ip4_addr *dest)
{
	struct nic *nic = nat_nic_of(netif);
	uint32_t d = ip4_addr_get_u32(dest);

	if (!nic || !nic_cable(nic))
		return 0;
	if (nat_dest_forbidden(d) || ip4_addr_isbroadcast(dest, netif))
		return 0;
	if (nat_is_local(nic, d)) {
		const struct nat_config *c = nic_config(nic);

		/* natd's own service addresses (DNS proxy, TFTP; in a NAT network
		 * the DHCP server and the host loopback mappings), served by lwIP
		 * pcbs whether or not the NAT engine runs */
		return d == c->dns.s_addr || d == c->tftp.s_addr ||
		       d == c->dhcp_server.s_addr || nat_is_host_alias(nic, d);
	}
	return nat.flows != NULL && !nat.shutting_down; /* re-originated by the NAT */
}

int natd_hook_nd6_na_router(struct netif *netif)
{
	struct nic *nic = nat_nic_of(netif);

	/* natd sends router advertisements on every adapter with IPv6 */
	return nic && nic_ip6(nic) != NULL;
}

/* IPv6 destinations a NAT must never re-originate. */
static bool nat_dest6_forbidden(const ip6_addr_t *d)
{
	const uint8_t *b = (const uint8_t *)d->addr;

	return b[0] == 0 || ip6_addr_ismulticast(d) || ip6_addr_islinklocal(d) ||
	       ip6_addr_issitelocal(d);
}

int natd_hook_ip6_input(struct pbuf *p, struct netif *inp)
{
	struct nic *nic = nat_nic_of(inp);
	struct ndp_ip6_info info;

	if (!nic || !nic_ip6(nic))
		return 0;
	if (nic6_input(nic_ip6(nic), p, &info, nic_rx_port(nic)))
		return 1; /* taken (and freed) */
	if (info.proto != IP6_NEXTH_TCP && info.proto != IP6_NEXTH_UDP &&
	    info.proto != IP6_NEXTH_ICMP6 && info.proto != IP6_NEXTH_NONE &&
	    info.proto != IP6_NEXTH_FRAGMENT && !ndp_addr_is_multicast(info.dst))
		nat.drops[NAT_DROP_PROTOCOL]++;
	return 0;
}

int natd_hook_ip6_accept(struct netif *netif, const struct ip6_addr *dest)
{
	struct nic *nic = nat_nic_of(netif);
	const ip6_addr_t *src = ip6_current_src_addr();

	/* Only on the netif the packet came in on (lwIP asks the others too),
	 * and only where IPv6 is on. */
	if (!nic || !nic_ip6(nic) || netif != ip_current_input_netif() || nat.flows == NULL ||
	    nat.shutting_down || !nic_cable(nic))
		return 0;
	if (nat_dest6_forbidden(dest) || nat_is_local6(nic, dest))
		return 0;
	/* a link-local source too: see the top */
	return !ip6_addr_isany(src) && !ip6_addr_ismulticast(src);
}

void nat_key6(struct flow_key *k, enum flow_proto proto, const struct nic *nic,
	      const ip6_addr_t *gaddr, uint16_t gport, const ip6_addr_t *raddr,
	      uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET6;
	k->proto = (uint8_t)proto;
	k->nic = (uint8_t)nic_adapter(nic);
	k->gport = gport;
	k->rport = rport;
	memcpy(k->gaddr, gaddr->addr, 16);
	memcpy(k->raddr, raddr->addr, 16);
}

void nat_key_addr6(ip6_addr_t *out, const uint8_t *a, struct nic *nic)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, a, 16);
	ip6_addr_assign_zone(out, IP6_UNKNOWN, nic_netif(nic));
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

/* Every flow and handle is closed: free the table, tell the caller. */
static void nat_all_closed(void *opaque)
{
	(void)opaque;
	flow_table_free(nat.flows);
	nat.flows = NULL;
	if (nat.closed)
		nat.closed(nat.closed_opaque);
}

void nat_flow_closed(struct flow *f)
{
	flow_remove(nat.flows, f);
}


int nat_output4(struct nic *nic, struct pbuf *p, uint8_t proto, uint32_t src, uint32_t dst)
{
	struct raw_pcb *pcb = proto == IP_PROTO_UDP ? nat.raw_udp : nat.raw_icmp;
	ip_addr_t s4, d4;
	err_t e;

	if (!pcb || !nic_cable(nic))
		return -ENETDOWN;
	ip_addr_set_ip4_u32_val(s4, src);
	ip_addr_set_ip4_u32_val(d4, dst);
	e = raw_sendto_if_src(pcb, p, &d4, nic_netif(nic), &s4);
	stack_kick();
	return e == ERR_OK ? 0 : -EIO;
}

int nat_output6(struct nic *nic, struct pbuf *p, uint8_t proto, const ip6_addr_t *src,
		const ip6_addr_t *dst)
{
	err_t e;

	if (!nic_cable(nic))
		return -ENETDOWN;
	e = ip6_output_if(p, src, dst, 64, 0, proto, nic_netif(nic));
	stack_kick();
	return e == ERR_OK ? 0 : -EIO;
}

/* Every second: expire idle UDP and ICMP flows. */
static int nat_sweep_one(void *opaque, struct flow *f)
{
	uint64_t now = *(uint64_t *)opaque;

	if (f->key.proto == FLOW_PROTO_UDP || f->key.proto == FLOW_PROTO_ICMP)
		fwd_dgram_expire(f, now);
	return 0;
}

static void nat_sweep_cb(uv_timer_t *t)
{
	uint64_t now = stack_now_ms();

	(void)t;
	flow_foreach(nat.flows, nat_sweep_one, &now);
	fwd_tcp_buf_sweep();
}


int nat_init(uv_loop_t *loop, const struct nat_limits *limits, char *err, size_t errlen)
{
	unsigned udp_timeout_s = limits->udp_timeout_s;
	struct flow_limits lim;
	int rc;

	memcpy(lim.max, limits->max_flows, sizeof(lim.max));
	memcpy(lim.guest_max, limits->guest_flows, sizeof(lim.guest_max));
	lim.guest_connecting = limits->guest_connecting;
	memset(&nat, 0, sizeof(nat));
	nat.loop = loop;
	nat.udp_timeout_ms = udp_timeout_s * 1000;
	nat.dns_timeout_ms = udp_timeout_s < 10 ? udp_timeout_s * 1000 : 10000;
	fwd_tcp_buf_init(limits->tcp_buffer_max);
	nat.icmp_timeout_ms = 10000;
	nat.flows = flow_table_new(&lim);
	if (!nat.flows) {
		snprintf(err, errlen, "flow table: %s", strerror(errno));
		return -errno;
	}
	rc = fwd_tcp_init(err, errlen);
	if (rc == 0)
		rc = fwd_dgram_init(err, errlen);
	if (rc < 0) {
		flow_table_free(nat.flows);
		nat.flows = NULL;
		return rc;
	}
	uv_timer_init(loop, &nat.sweep);
	uv_timer_start(&nat.sweep, nat_sweep_cb, 1000, 1000);
	nat.sweep_started = true;
	return 0;
}

static void nat_sweep_closed(uv_handle_t *h)
{
	(void)h;
	closer_release(&nat.closer);
}

void nat_shutdown(void (*closed)(void *opaque), void *opaque)
{
	nat.shutting_down = true;
	nat.closed = closed;
	nat.closed_opaque = opaque;
	closer_arm(&nat.closer, nat_all_closed, NULL);
	if (nat.sweep_started) {
		closer_hold(&nat.closer);
		uv_close((uv_handle_t *)&nat.sweep, nat_sweep_closed);
		nat.sweep_started = false;
	}
	portfwd_shutdown_all();
	fwd_tcp_shutdown_all();
	fwd_dgram_shutdown_all();
	closer_release(&nat.closer);
}

void nat_get_counters(struct nat_counters *c)
{
	memcpy(c->drops, nat.drops, sizeof(c->drops));
	fwd_tcp_buf_get_stats(&c->tcp_buffer);
	if (nat.flows)
		flow_table_get_stats(nat.flows, &c->flows);
	else
		memset(&c->flows, 0, sizeof(c->flows));
}

int nat_foreach_guest(int (*fn)(void *opaque, const struct flow_guest_info *g), void *opaque)
{
	return nat.flows ? flow_foreach_guest(nat.flows, fn, opaque) : 0;
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
		return f->state ? "closing" : "active";
	}
}
