/* SPDX-License-Identifier: MIT */
/*
 * nat_info.c - what `natd showvminfo` shows of NAT adapters (modes/nat.c):
 * each adapter's addresses, leases, rules, flows, IPv6 and TFTP counters,
 * and the process-wide NAT engine and DNS proxy counters, as JSON.
 */
#include "modes/nat_mode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/fdlimit.h"
#include "dhcp/dhcp_server.h"
#include "forwarders/dns.h"
#include "forwarders/nat.h"
#include "forwarders/portfwd.h"
#include "forwarders/nic.h"
#include "forwarders/nic6.h"
#include "stack/stack.h"
#include "tftp/tftp_service.h"

#define VMINFO_MAX_FLOWS_PER_NIC 200

static json_t *ip_json(struct in_addr a)
{
	char buf[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

struct lease_ctx {
	json_t *arr;
	uint64_t now;
};

static int lease_to_json(void *opaque, const struct dhcp_lease_info *l)
{
	struct lease_ctx *ctx = opaque;
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
		 l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
	json_array_append_new(ctx->arr, json_pack("{s:o, s:s, s:s, s:s, s:I}",
		"ip", ip_json(l->addr), "mac", mac, "hostname", l->hostname,
		"state", l->bound ? "bound" : "offered",
		"expires_in", (json_int_t)(l->expires_ms > ctx->now ?
					   (l->expires_ms - ctx->now) / 1000 : 0)));
	return 0;
}

struct flow_ctx {
	json_t *arr;
	unsigned adapter;
	unsigned total;
	uint64_t now;
};

static int flow_to_json(void *opaque, struct flow *f)
{
	struct flow_ctx *ctx = opaque;
	char g[64], r[64];

	if (f->key.nic != ctx->adapter)
		return 0;
	ctx->total++;
	if (json_array_size(ctx->arr) >= VMINFO_MAX_FLOWS_PER_NIC)
		return 0;
	json_array_append_new(ctx->arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
		"proto", flow_proto_name((enum flow_proto)f->key.proto),
		"guest", flow_key_format_side(&f->key, true, g, sizeof(g)),
		"remote", flow_key_format_side(&f->key, false, r, sizeof(r)),
		"state", nat_flow_state_name(f),
		"bytes_out", (json_int_t)f->bytes_g2h,
		"bytes_in", (json_int_t)f->bytes_h2g,
		"idle", (json_int_t)((ctx->now - f->last_ms) / 1000)));
	return 0;
}

static json_t *ip6_json(const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET6, a, buf, sizeof(buf)));
}

/* The adapter's IPv6: prefix, addresses, the guest's, router counters. */
static json_t *nic_ip6_json(const struct nic_config *n, const struct nic *nic)
{
	struct nic6 *n6 = nic_ip6(nic);
	struct nic6_guest_addr g[NIC6_MAX_GUEST_ADDRS];
	struct nic6_counters c;
	char pfx[INET6_ADDRSTRLEN + 4];
	uint64_t now = stack_now_ms();
	json_t *o, *addrs = json_array();
	int count;

	if (!n6)
		return json_null();
	nic6_get_counters(n6, &c);
	count = nic6_guest_addrs(n6, g, NIC6_MAX_GUEST_ADDRS);
	for (int i = 0; i < count; i++)
		json_array_append_new(addrs, json_pack("{s:o, s:s, s:I}",
			"ip", ip6_json(g[i].addr.addr),
			"state", g[i].confirmed ? "active" : "tentative",
			"idle", (json_int_t)((now - g[i].last_ms) / 1000)));
	inet_ntop(AF_INET6, &n->nat.prefix6, pfx, INET6_ADDRSTRLEN);
	strcat(pfx, "/64");
	o = json_pack("{s:s, s:o, s:s, s:o, s:b}", "prefix", pfx,
		"gateway", ip6_json(&n->nat.gateway6), "router", "fe80::2", "dns", ip6_json(&n->nat.dns6),
		"default_route", nic6_default_route(n6));
	json_object_set_new(o, "guest_addresses", addrs);
	json_object_set_new(o, "counters", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"router_advertisements", (json_int_t)c.ra_sent,
		"router_solicitations", (json_int_t)c.rs_received,
		"dhcp6_replies", (json_int_t)c.dhcp6_replies,
		"dhcp6_ignored", (json_int_t)c.dhcp6_ignored,
		"guest_ra_redirect_ignored", (json_int_t)c.ndp_from_guest_ignored,
		"dropped_malformed_ip6", (json_int_t)c.dropped[NDP_BAD_IP6],
		"dropped_malformed_exthdr", (json_int_t)c.dropped[NDP_BAD_EXTHDR],
		"dropped_malformed_icmp6", (json_int_t)c.dropped[NDP_BAD_ICMP6],
		"dropped_malformed_ndp", (json_int_t)c.dropped[NDP_BAD_NDP]));
	return o;
}

static int rule_to_json(void *opaque, const struct portfwd_info *info)
{
	const struct pfrule *r = info->rule;
	char text[PFRULE_TEXT_MAX], h[64], g[64];

	pfrule_format(r, PFRULE_SYNTAX_VBOX, text, sizeof(text));
	pfrule_addr_format(&r->host, h, sizeof(h));
	pfrule_addr_format(&r->guest, g, sizeof(g));
	json_array_append_new((json_t *)opaque, json_pack(
		"{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:I, s:I}",
		"name", r->name, "proto", pfrule_proto_name(r->proto), "host_ip", h,
		"host_port", (json_int_t)r->host_port, "guest_ip", g,
		"guest_port", (json_int_t)r->guest_port, "rule", text, "bound", info->bound,
		"forwarded", (json_int_t)info->accepted, "refused", (json_int_t)info->refused));
	return 0;
}

json_t *nat_mode_info(const struct nic *nic, unsigned x, const struct nic_config *n)
{
	struct lease_ctx lc = { json_array(), stack_now_ms() };
	struct flow_ctx fc = { json_array(), x, 0, stack_now_ms() };
	struct nic_counters c;
	char net[INET_ADDRSTRLEN + 4];
	json_t *o;

	nic_get_counters(nic, &c);
	nic_foreach_lease(nic, lease_to_json, &lc);
	nat_foreach_flow(flow_to_json, &fc);
	inet_ntop(AF_INET, &n->nat.network, net, INET_ADDRSTRLEN);
	snprintf(net + strlen(net), 4, "/%u", n->nat.prefixlen);
	o = json_pack("{s:I, s:s, s:s, s:b, s:b, s:s, s:s, s:o, s:o, s:I}",
		"adapter", (json_int_t)x, "mode", adapter_mode_name(n->mode), "attach", n->attach,
		"vm_attached", nic_vm_attached(nic), "cable", nic_cable(nic),
		"guest_link", nic_guest_link(nic),
		"network", net, "gateway", ip_json(n->nat.gateway), "dns", ip_json(n->nat.dns),
		"mtu", (json_int_t)n->nat.mtu);
	json_object_set_new(o, "leases", lc.arr);
	json_object_set_new(o, "ipv6", nic_ip6_json(n, nic));
	if (n->mode == NIC_MODE_NAT) {
		json_t *rules = json_array();

		portfwd_foreach(nic, rule_to_json, rules);
		json_object_set_new(o, "rules", rules);
	}
	json_object_set_new(o, "counters", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"rx_frames", (json_int_t)c.rx_frames, "tx_frames", (json_int_t)c.tx_frames,
		"tx_dropped", (json_int_t)c.tx_dropped,
		"rx_dropped_link_down", (json_int_t)c.rx_dropped_link,
		"rx_dropped_no_memory", (json_int_t)c.rx_dropped_nomem,
		"rx_dropped_oversize", (json_int_t)c.rx_dropped_oversize,
		"dhcp_replies", (json_int_t)c.dhcp_sent));
	json_object_set_new(o, "dhcp", nat_mode_info_dhcp(nic));
	if (nic_tftp(nic)) {
		struct tftp_service_counters tc;
		char boot[TFTP_BOOT_FILE_MAX], efi[TFTP_BOOT_FILE_MAX];

		tftp_service_get_counters(nic_tftp(nic), &tc);
		nic_boot_files(&n->nat, boot, efi);
		json_object_set_new(o, "tftp", json_pack(
			"{s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
			"server", ip_json(n->nat.tftp), "root", n->nat.tftp_prefix,
			"boot_file", boot, "boot_file_uefi", efi, "next_server", ip_json(n->nat.tftp_server),
			"transfers_active", (json_int_t)tc.active,
			"transfers_done", (json_int_t)tc.done,
			"transfers_failed", (json_int_t)tc.failed,
			"requests_refused", (json_int_t)tc.refused,
			"bytes", (json_int_t)tc.bytes,
			"blocks_resent", (json_int_t)tc.retransmits));
	}
	json_object_set_new(o, "flows_total", json_integer(fc.total));
	json_object_set_new(o, "flows", fc.arr);
	return o;
}

json_t *nat_mode_info_dhcp(const struct nic *nic)
{
	struct dhcp_counters dc;

	nic_get_dhcp_counters(nic, &dc);
	return json_pack("{s:I, s:I, s:I}", "leases_per_port", (json_int_t)NIC_DHCP_PORT_LEASES,
			 "refused_port_limit", (json_int_t)dc.port_limit,
			 "pool_exhausted", (json_int_t)dc.pool_exhausted);
}

static int guest_to_json(void *opaque, const struct flow_guest_info *g)
{
	json_array_append_new(opaque, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"adapter", (json_int_t)g->nic, "port", (json_int_t)(g->port ? g->port & 0xff : 0),
		"tcp", (json_int_t)g->active[FLOW_PROTO_TCP],
		"udp", (json_int_t)g->active[FLOW_PROTO_UDP],
		"icmp", (json_int_t)g->active[FLOW_PROTO_ICMP],
		"connecting", (json_int_t)g->connecting, "refused", (json_int_t)g->refused));
	return 0;
}

json_t *nat_mode_info_guests(void)
{
	json_t *arr = json_array();

	nat_foreach_guest(guest_to_json, arr);
	return arr;
}

json_t *nat_mode_info_descriptors(void)
{
	struct fdlimit_stats st;

	fdlimit_get_stats(&st);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"limit", (json_int_t)st.limit, "hard_limit", (json_int_t)st.hard,
		"limit_at_start", (json_int_t)st.initial, "reserve", (json_int_t)st.reserve,
		"for_guests", (json_int_t)st.budget, "guests_use", (json_int_t)st.in_use,
		"refused", (json_int_t)st.refused, "exhausted", (json_int_t)st.exhausted);
}

void nat_mode_info_globals(json_t *root)
{
	struct nat_counters nc;
	struct dns_counters dc;
	json_t *fl = json_object(), *drops = json_object();

	nat_get_counters(&nc);
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++)
		json_object_set_new(fl, flow_proto_name((enum flow_proto)p), json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I}", "active", (json_int_t)nc.flows.active[p],
			"max", (json_int_t)nc.flows.max[p],
			"max_per_guest", (json_int_t)nc.flows.guest_max[p],
			"opened", (json_int_t)nc.flows.inserted[p],
			"refused_table_full", (json_int_t)nc.flows.refused_full[p],
			"refused_guest_quota", (json_int_t)nc.flows.refused_guest[p]));
	json_object_set_new(fl, "connecting_max_per_guest",
			    json_integer((json_int_t)nc.flows.guest_connecting_max));
	for (unsigned d = 0; d < NAT_DROP_COUNT; d++)
		json_object_set_new(drops, nat_drop_name((enum nat_drop)d),
				    json_integer((json_int_t)nc.drops[d]));
	json_object_set_new(root, "flow_counters", fl);
	json_object_set_new(root, "drops", drops);
	json_object_set_new(root, "tcp_buffer", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"bytes", (json_int_t)nc.tcp_buffer.bytes, "max", (json_int_t)nc.tcp_buffer.max,
		"peak", (json_int_t)nc.tcp_buffer.peak, "waiting", (json_int_t)nc.tcp_buffer.waiting,
		"waits", (json_int_t)nc.tcp_buffer.waits, "trims", (json_int_t)nc.tcp_buffer.trims,
		"guest_bytes", (json_int_t)nc.tcp_buffer.guest_bytes));
	dns_get_counters(&dc);
	json_object_set_new(root, "dns", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"queries", (json_int_t)dc.queries, "answered", (json_int_t)dc.answered,
		"servfail", (json_int_t)dc.servfail, "relayed_errors", (json_int_t)dc.relayed_errors,
		"malformed", (json_int_t)dc.malformed,
		"tcp_connections", (json_int_t)dc.tcp_connections,
		"resolver_reloads", (json_int_t)dc.reloads,
		"host_resolver", (json_int_t)dc.host_resolver,
		"inflight", (json_int_t)dc.inflight, "refused_busy", (json_int_t)dc.refused_busy,
		"tcp_refused", (json_int_t)dc.tcp_refused,
		"tcp_idle_closed", (json_int_t)dc.tcp_idle_closed));
}
