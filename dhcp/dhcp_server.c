/* SPDX-License-Identifier: MIT */
/*
 * dhcp_server.c - natd's DHCPv4 server for one subnet (see dhcp_server.h):
 * the object, the checks of its configuration and the dispatch of each
 * message to the lease logic (dhcp_lease.c) and the reply builder
 * (dhcp_msg.c); dhcp_internal.h says how the three share the work.
 *
 * Pure protocol logic: the glue hands us the UDP payload a guest sent to
 * port 67 and sends back whatever we build, where struct dhcp_reply_dest
 * says. No sockets, no lwIP, no allocation after dhcp_server_new().
 */
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"
#include "base/bytes.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DHCP_DEFAULT_LEASE   86400u
#define DHCP_MAX_SLOTS       65536u

/* ---- configuration ------------------------------------------------------ */

/* Reservations: in the subnet, not its network, broadcast or server address, no
 * MAC or address twice. */
static int fixed_validate(const struct dhcp_server_config *c)
{
	uint32_t net = ntohl(c->network.s_addr), mask = ntohl(c->netmask.s_addr);

	if (c->n_fixed > DHCP_MAX_FIXED)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_fixed; i++) {
		const struct dhcp_fixed *f = &c->fixed[i];
		uint32_t a = ntohl(f->addr.s_addr);

		if ((a & mask) != net || a == net || a == (net | ~mask) ||
		    f->addr.s_addr == c->server_id.s_addr)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(c->fixed[j].mac, f->mac, 6) ||
			    c->fixed[j].addr.s_addr == f->addr.s_addr)
				return -EINVAL;
	}
	return 0;
}

/* Custom options: settable, each code once, a lease time of 4 bytes and > 0. */
static int opts_validate(const struct dhcp_server_config *c)
{
	const struct dhcp_opt *lt;

	if (c->n_opts > DHCP_MAX_OPTS)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_opts; i++) {
		if (!dhcp_opt_settable(c->opts[i].code))
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (c->opts[j].code == c->opts[i].code)
				return -EINVAL;
	}
	lt = dhcp_msg_custom(c, DHO_LEASE_TIME);
	if (lt && (lt->len != 4 || get32(lt->data) == 0))
		return -EINVAL;
	return 0;
}

/* Checks cfg: 0 or -EINVAL. */
static int cfg_validate(const struct dhcp_server_config *c)
{
	uint32_t net = ntohl(c->network.s_addr), mask = ntohl(c->netmask.s_addr);
	uint32_t first = ntohl(c->range_first.s_addr);
	uint32_t last = ntohl(c->range_last.s_addr);
	uint32_t bcast = net | ~mask;

	if (mask == 0 || ((~mask + 1) & ~mask) != 0 || (~mask) < 3)
		return -EINVAL; /* not contiguous, or shorter than /30 needs */
	if ((net & ~mask) != 0)
		return -EINVAL;
	if ((first & mask) != net || (last & mask) != net || first > last)
		return -EINVAL;
	if (first == net || last == bcast)
		return -EINVAL;
	if (last - first >= DHCP_MAX_SLOTS)
		return -EINVAL;
	if (c->server_id.s_addr == 0)
		return -EINVAL;
	if (dhcp_msg_own_options_size(c) < 0)
		return -EINVAL;
	if (fixed_validate(c) < 0 || opts_validate(c) < 0)
		return -EINVAL;
	return 0;
}

/* The lease time in effect: a custom option 51, else lease_time or the default. */
static uint32_t cfg_lease_time(const struct dhcp_server_config *c)
{
	const struct dhcp_opt *lt = dhcp_msg_custom(c, DHO_LEASE_TIME);

	if (lt)
		return get32(lt->data);
	return c->lease_time ? c->lease_time : DHCP_DEFAULT_LEASE;
}

struct dhcp_server *dhcp_server_new(const struct dhcp_server_config *cfg)
{
	struct dhcp_server *s = NULL;
	uint32_t n;

	if (!cfg || cfg_validate(cfg) < 0)
		goto out;
	n = ntohl(cfg->range_last.s_addr) - ntohl(cfg->range_first.s_addr) + 1;
	s = calloc(1, sizeof(*s) + ((size_t)n + DHCP_MAX_FIXED) * sizeof(s->slots[0]));
	if (!s)
		goto out;
	s->cfg = *cfg;
	s->lease_time = cfg_lease_time(cfg);
	s->net_h = ntohl(cfg->network.s_addr);
	s->mask_h = ntohl(cfg->netmask.s_addr);
	s->first_h = ntohl(cfg->range_first.s_addr);
	s->n_range = n;
	s->n_slots = n + DHCP_MAX_FIXED;
	dhcp_lease_map_fixed(s);
out:
	return s;
}

void dhcp_server_free(struct dhcp_server *s)
{
	free(s);
}

int dhcp_server_reconfigure(struct dhcp_server *s, const struct dhcp_server_config *cfg)
{
	int rc = -EINVAL;

	if (!s || !cfg || cfg_validate(cfg) < 0)
		goto out;
	if (cfg->network.s_addr != s->cfg.network.s_addr ||
	    cfg->netmask.s_addr != s->cfg.netmask.s_addr ||
	    cfg->range_first.s_addr != s->cfg.range_first.s_addr ||
	    cfg->range_last.s_addr != s->cfg.range_last.s_addr ||
	    cfg->key_by_mac != s->cfg.key_by_mac)
		goto out;
	if (cfg != &s->cfg)
		s->cfg = *cfg;
	s->lease_time = cfg_lease_time(cfg);
	dhcp_lease_map_fixed(s);
	rc = 0;
out:
	return rc;
}

void dhcp_server_set_lease_cb(struct dhcp_server *s, dhcp_lease_cb cb, void *opaque)
{
	s->cb = cb;
	s->cb_opaque = opaque;
}

void dhcp_server_get_counters(const struct dhcp_server *s, struct dhcp_counters *c)
{
	*c = s->ctr;
}

/* ---- input ---------------------------------------------------------------- */

int dhcp_server_input(struct dhcp_server *s, const uint8_t *pkt, size_t len,
		      uint64_t now_ms, uint8_t *out, size_t outcap,
		      struct dhcp_reply_dest *dest)
{
	return dhcp_server_input_port(s, DHCP_PORT_ANY, pkt, len, now_ms, out, outcap, dest);
}

void dhcp_server_set_port_limit(struct dhcp_server *s, unsigned leases)
{
	s->port_leases = leases;
}

int dhcp_server_input_port(struct dhcp_server *s, uint32_t port, const uint8_t *pkt,
			   size_t len, uint64_t now_ms, uint8_t *out, size_t outcap,
			   struct dhcp_reply_dest *dest)
{
	struct dhcp_req r;
	struct dhcp_verdict v = { 0, { 0 } };
	uint64_t truncated;
	int rc;

	s->ctr.received++;
	rc = dhcp_msg_parse(pkt, len, &r);
	r.port = port;
	if (rc < 0) {
		s->ctr.malformed++;
		log_ratelimited(&s->rl, LOG_LVL_DEBUG,
				"dhcp: malformed message (%zu bytes): %s", len,
				strerror(-rc));
		goto out;
	}
	if (s->cfg.key_by_mac) {
		r.key.kind = KEY_CHADDR;
		r.key.len = 6;
		memcpy(r.key.b, r.chaddr, 6);
	}
	dhcp_lease_expire(s, now_ms);
	if (s->n_restored)
		dhcp_lease_adopt_restored(s, &r);
	if (r.pxe)
		s->ctr.pxe_clients++;

	switch (r.type) {
	case DHCPDISCOVER:
		dhcp_lease_discover(s, &r, now_ms, &v);
		break;
	case DHCPREQUEST:
		dhcp_lease_request(s, &r, now_ms, &v);
		break;
	case DHCPDECLINE:
		dhcp_lease_decline(s, &r, now_ms);
		break;
	case DHCPRELEASE:
		dhcp_lease_release(s, &r, now_ms);
		break;
	case DHCPINFORM:
		s->ctr.informs++;
		v.type = DHCPACK;
		break;
	default:
		s->ctr.ignored++;
		break;
	}
	rc = 0;
	if (v.type == 0)
		goto out;
	truncated = s->ctr.opts_truncated;
	rc = dhcp_msg_build(&s->cfg, s->lease_time, &r, v.type, v.yiaddr, out, outcap,
			    &s->ctr.opts_truncated);
	if (rc < 0)
		goto out;
	if (s->ctr.opts_truncated != truncated)
		log_ratelimited(&s->rl, LOG_LVL_WARN, "dhcp: %" PRIu64 " custom option(s) "
				"left out of a full reply",
				s->ctr.opts_truncated - truncated);
	dhcp_msg_dest(&r, v.type, v.yiaddr, dest);
	if (s->cfg.boot_file[0] && (r.pxe || r.has_arch) &&
	    (v.type == DHCPOFFER || v.type == DHCPACK)) {
		char sid[INET_ADDRSTRLEN], arch[48];

		inet_ntop(AF_INET, &s->cfg.server_id, sid, sizeof(sid));
		if (r.has_arch)
			snprintf(arch, sizeof(arch), "%u (%s)", r.arch, dhcp_arch_name(r.arch));
		else
			snprintf(arch, sizeof(arch), "not sent");
		log_ratelimited(&s->rl_pxe, LOG_LVL_INFO, "dhcp %s: %s to PXE client "
				"%02x:%02x:%02x:%02x:%02x:%02x, architecture %s: boot file %s",
				sid, v.type == DHCPOFFER ? "OFFER" : "ACK", r.chaddr[0],
				r.chaddr[1], r.chaddr[2], r.chaddr[3], r.chaddr[4], r.chaddr[5],
				arch, dhcp_msg_boot_file(&s->cfg, &r));
	}
	switch (v.type) {
	case DHCPOFFER:
		s->ctr.offers++;
		break;
	case DHCPACK:
		s->ctr.acks++;
		break;
	case DHCPNAK:
		s->ctr.naks++;
		break;
	}
out:
	return rc;
}
