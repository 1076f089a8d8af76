/* SPDX-License-Identifier: MIT */
/* Unit tests for stack/ndp.c: guest IPv6 packet checks and the RA builder. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "stack/ndp.h"

static const uint8_t ll_guest[16] = { 0xfe, 0x80, [8] = 0x50, 0x54, 0, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t ll_router[16] = { 0xfe, 0x80, [15] = 2 };
static const uint8_t gw[16] = { 0xfd, 0x17, 0x62, 0x5c, 0xf0, 0x37, 0, 2, [15] = 2 };
static const uint8_t guest[16] = { 0xfd, 0x17, 0x62, 0x5c, 0xf0, 0x37, 0, 2, 0x50, 0x54, 0,
				   0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t remote[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, [15] = 1 };
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t unspec[16];
/* ff02::1:ff00:2, the solicited-node group of ::2 */
static const uint8_t sn_gw[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 2 };

static uint8_t pkt[2048];

/* An IPv6 packet: header with next header nh, then body (len bytes). When
 * the body's upper layer is ICMPv6 at icmp_off, its checksum is set. */
static size_t mk(uint8_t nh, uint8_t hop, const uint8_t *src, const uint8_t *dst,
		 const uint8_t *body, size_t len, long icmp_off)
{
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(len >> 8);
	pkt[5] = (uint8_t)len;
	pkt[6] = nh;
	pkt[7] = hop;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, dst, 16);
	memcpy(pkt + 40, body, len);
	if (icmp_off >= 0)
		ndp_set_icmp6_checksum(src, dst, pkt + 40 + icmp_off, len - (size_t)icmp_off);
	return 40 + len;
}

static size_t mk_icmp(uint8_t hop, const uint8_t *src, const uint8_t *dst, const uint8_t *m,
		      size_t len)
{
	return mk(NDP_PROTO_ICMP6, hop, src, dst, m, len, 0);
}

static int parse(size_t len, struct ndp_ip6_info *i)
{
	return ndp_parse_ip6(pkt, len, i);
}

/* RS with a source link-layer address option */
static const uint8_t rs[16] = { 133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

Test(ndp, router_solicitation)
{
	struct ndp_ip6_info i;

	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_routers, rs, sizeof(rs)), &i), 0);
	cr_assert_eq(i.proto, NDP_PROTO_ICMP6);
	cr_assert_eq(i.icmp_type, NDP_ICMP6_RS);
	cr_assert_eq(i.l4_off, 40);
	cr_assert_eq(i.l4_len, sizeof(rs));
	cr_assert(i.nd_lladdr && i.nd_lladdr[0] == 0x52 && i.nd_lladdr[5] == 0x56);
}

Test(ndp, nd_needs_hop_limit_255_code_0_and_checksum)
{
	struct ndp_ip6_info i;
	uint8_t m[sizeof(rs)];

	cr_assert_eq(parse(mk_icmp(64, ll_guest, all_routers, rs, sizeof(rs)), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_NDP);
	memcpy(m, rs, sizeof(m));
	m[1] = 1;
	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_routers, m, sizeof(m)), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_NDP);
	mk_icmp(255, ll_guest, all_routers, rs, sizeof(rs));
	pkt[42] ^= 0x01; /* checksum */
	cr_assert_eq(parse(40 + sizeof(rs), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_ICMP6);
}

Test(ndp, nd_options_must_fit)
{
	struct ndp_ip6_info i;
	uint8_t m[sizeof(rs)];

	memcpy(m, rs, sizeof(m));
	m[9] = 0; /* option length 0 */
	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_routers, m, sizeof(m)), &i), -EBADMSG);
	m[9] = 2; /* 16 bytes, 8 there */
	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_routers, m, sizeof(m)), &i), -EBADMSG);
	/* a lone option type byte */
	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_routers, m, 9), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_NDP);
}

Test(ndp, rs_from_unspecified_without_lladdr)
{
	struct ndp_ip6_info i;

	cr_assert_eq(parse(mk_icmp(255, unspec, all_routers, rs, sizeof(rs)), &i), -EBADMSG);
	cr_assert_eq(parse(mk_icmp(255, unspec, all_routers, rs, 8), &i), 0);
}

static size_t mk_ns(const uint8_t *src, const uint8_t *dst, const uint8_t *target, bool lladdr,
		    uint8_t hop)
{
	uint8_t m[32] = { 135 };

	memcpy(m + 8, target, 16);
	m[24] = 1;
	m[25] = 1;
	return mk_icmp(hop, src, dst, m, lladdr ? 32 : 24);
}

Test(ndp, neighbour_solicitations)
{
	struct ndp_ip6_info i;

	/* DAD probe: from ::, to the solicited-node group, no lladdr */
	cr_assert_eq(parse(mk_ns(unspec, sn_gw, gw, false, 255), &i), 0);
	cr_assert_eq(i.icmp_type, NDP_ICMP6_NS);
	cr_assert(i.nd_target && !memcmp(i.nd_target, gw, 16));
	cr_assert_null(i.nd_lladdr);
	/* DAD probe with a link-layer address option */
	cr_assert_eq(parse(mk_ns(unspec, sn_gw, gw, true, 255), &i), -EBADMSG);
	/* from :: but to a unicast address */
	cr_assert_eq(parse(mk_ns(unspec, gw, gw, false, 255), &i), -EBADMSG);
	/* resolution: from the guest, with its lladdr */
	cr_assert_eq(parse(mk_ns(guest, sn_gw, gw, true, 255), &i), 0);
	cr_assert_not_null(i.nd_lladdr);
	/* a multicast target */
	cr_assert_eq(parse(mk_ns(guest, sn_gw, all_nodes, true, 255), &i), -EBADMSG);
	/* cut short: the target missing */
	cr_assert_eq(parse(mk_icmp(255, guest, sn_gw, (const uint8_t[8]){ 135 }, 8), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_NDP);
	/* hop limit 64 */
	cr_assert_eq(parse(mk_ns(guest, gw, gw, true, 64), &i), -EBADMSG);
}

Test(ndp, neighbour_advertisement_solicited_flag)
{
	struct ndp_ip6_info i;
	uint8_t m[24] = { 136, 0, 0, 0, 0x60 };

	memcpy(m + 8, guest, 16);
	cr_assert_eq(parse(mk_icmp(255, guest, all_nodes, m, sizeof(m)), &i), -EBADMSG,
		     "solicited NA to a multicast group");
	m[4] = 0x20; /* override only */
	cr_assert_eq(parse(mk_icmp(255, guest, all_nodes, m, sizeof(m)), &i), 0);
	cr_assert_eq(i.na_flags, 0x20);
	cr_assert(!memcmp(i.nd_target, guest, 16));
}

Test(ndp, ra_and_redirect_only_from_link_local)
{
	struct ndp_ip6_info i;
	uint8_t ra[16] = { 134, 0, 0, 0, 64 };
	uint8_t rd[40] = { 137 };

	cr_assert_eq(parse(mk_icmp(255, ll_guest, all_nodes, ra, sizeof(ra)), &i), 0);
	cr_assert_eq(parse(mk_icmp(255, guest, all_nodes, ra, sizeof(ra)), &i), -EBADMSG);
	memcpy(rd + 8, gw, 16);
	memcpy(rd + 24, remote, 16);
	cr_assert_eq(parse(mk_icmp(255, ll_guest, guest, rd, sizeof(rd)), &i), 0);
	cr_assert_eq(parse(mk_icmp(255, guest, guest, rd, sizeof(rd)), &i), -EBADMSG);
}

Test(ndp, nd_never_fragmented)
{
	struct ndp_ip6_info i;
	uint8_t b[8 + sizeof(rs)] = { NDP_PROTO_ICMP6, 0, 0, 0, 0, 0, 0, 1 }; /* atomic fragment */

	memcpy(b + 8, rs, sizeof(rs));
	cr_assert_eq(parse(mk(NDP_PROTO_FRAGMENT, 255, ll_guest, all_routers, b, sizeof(b), 8), &i),
		     -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_NDP);
}

Test(ndp, icmp6_too_short)
{
	struct ndp_ip6_info i;

	cr_assert_eq(parse(mk(NDP_PROTO_ICMP6, 64, guest, remote, (const uint8_t[3]){ 128 }, 3, -1), &i),
		     -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_ICMP6);
}

Test(ndp, packet_too_big_below_minimum_mtu)
{
	struct ndp_ip6_info i;
	uint8_t m[8 + 48] = { 2, 0, 0, 0, 0, 0, 0x05, 0x00 }; /* MTU 1280 */

	m[8] = 0x60;
	cr_assert_eq(parse(mk_icmp(64, guest, gw, m, sizeof(m)), &i), 0);
	m[6] = 0x04; /* 1024 */
	cr_assert_eq(parse(mk_icmp(64, guest, gw, m, sizeof(m)), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_ICMP6);
	cr_assert_eq(parse(mk_icmp(64, guest, gw, m, 6), &i), -EBADMSG, "error message cut short");
}

Test(ndp, ipv6_header)
{
	struct ndp_ip6_info i;
	size_t n = mk_icmp(255, ll_guest, all_routers, rs, sizeof(rs));

	cr_assert_eq(ndp_parse_ip6(pkt, 39, &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_IP6);
	cr_assert_eq(ndp_parse_ip6(pkt, n - 1, &i), -EBADMSG, "payload longer than the frame");
	cr_assert_eq(ndp_parse_ip6(pkt, n + 10, &i), 0, "Ethernet padding is fine");
	cr_assert_eq(i.total_len, n);
	pkt[0] = 0x45;
	cr_assert_eq(ndp_parse_ip6(pkt, n, &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_IP6);
}

/* UDP behind extension headers */
Test(ndp, extension_header_chain)
{
	struct ndp_ip6_info i;
	/* hop-by-hop (router alert, PadN) -> destination options (Pad1 x6) -> UDP */
	uint8_t b[8 + 8 + 8] = { NDP_PROTO_DSTOPTS, 0, 5, 2, 0, 0, 1, 0,
				 NDP_PROTO_UDP, 0, 0, 0, 0, 0, 0, 0,
				 0x12, 0x34, 0x02, 0x22, 0, 8, 0, 0 };

	cr_assert_eq(parse(mk(NDP_PROTO_HOPOPTS, 64, guest, remote, b, sizeof(b), -1), &i), 0);
	cr_assert_eq(i.proto, NDP_PROTO_UDP);
	cr_assert_eq(i.l4_off, 56);
	cr_assert_eq(i.l4_len, 8);
	/* hop-by-hop not first */
	cr_assert_eq(parse(mk(NDP_PROTO_DSTOPTS, 64, guest, remote,
			      (const uint8_t[16]){ NDP_PROTO_HOPOPTS, 0, 1, 4, 0, 0, 0, 0,
						   NDP_PROTO_UDP, 0, 1, 4 }, 16, -1), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_EXTHDR);
	/* an option running past its header */
	b[7] = 1; /* PadN of 1 at offset 6: needs 3 bytes, 2 left */
	cr_assert_eq(parse(mk(NDP_PROTO_HOPOPTS, 64, guest, remote, b, sizeof(b), -1), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_EXTHDR);
	/* a header longer than the packet */
	cr_assert_eq(parse(mk(NDP_PROTO_DSTOPTS, 64, guest, remote,
			      (const uint8_t[8]){ NDP_PROTO_UDP, 1, 1, 4 }, 8, -1), &i), -EBADMSG);
	/* a header cut short */
	cr_assert_eq(parse(mk(NDP_PROTO_ROUTING, 64, guest, remote,
			      (const uint8_t[4]){ NDP_PROTO_UDP }, 4, -1), &i), -EBADMSG);
}

Test(ndp, too_many_extension_headers)
{
	struct ndp_ip6_info i;
	uint8_t b[17 * 8 + 8];

	memset(b, 0, sizeof(b));
	for (int k = 0; k < 17; k++) {
		b[k * 8] = k == 16 ? NDP_PROTO_UDP : NDP_PROTO_DSTOPTS;
		b[k * 8 + 2] = 1; /* PadN of 4 */
		b[k * 8 + 3] = 4;
	}
	cr_assert_eq(parse(mk(NDP_PROTO_DSTOPTS, 64, guest, remote, b, sizeof(b), -1), &i), -EBADMSG);
	cr_assert_eq(i.bad, NDP_BAD_EXTHDR);
	b[15 * 8] = NDP_PROTO_UDP; /* 16 headers: fine */
	cr_assert_eq(parse(mk(NDP_PROTO_DSTOPTS, 64, guest, remote, b, sizeof(b), -1), &i), 0);
	cr_assert_eq(i.l4_off, 40 + 16 * 8);
}

Test(ndp, fragments)
{
	struct ndp_ip6_info i;
	/* first fragment (offset 0, M) of UDP: the UDP header must be in it */
	uint8_t first[8 + 8] = { NDP_PROTO_UDP, 0, 0, 1, 0, 0, 0, 7, 0x12, 0x34, 0, 7, 0x10, 0, 0, 0 };
	uint8_t later[8 + 8] = { NDP_PROTO_UDP, 0, 0x05, 0xa8, 0, 0, 0, 7 };

	cr_assert_eq(parse(mk(NDP_PROTO_FRAGMENT, 64, guest, remote, first, sizeof(first), -1), &i), 0);
	cr_assert_eq(i.proto, NDP_PROTO_UDP);
	cr_assert(i.fragmented);
	cr_assert_eq(parse(mk(NDP_PROTO_FRAGMENT, 64, guest, remote, first, 12, -1), &i), -EBADMSG,
		     "first fragment without the whole UDP header");
	cr_assert_eq(parse(mk(NDP_PROTO_FRAGMENT, 64, guest, remote, later, sizeof(later), -1), &i), 0);
	cr_assert_eq(i.proto, NDP_PROTO_FRAGMENT);
	cr_assert_eq(i.l4_off, 48);
	/* a fragment header after a fragment header */
	first[0] = NDP_PROTO_FRAGMENT;
	cr_assert_eq(parse(mk(NDP_PROTO_FRAGMENT, 64, guest, remote, first, sizeof(first), -1), &i),
		     -EBADMSG);
}

Test(ndp, checksum_roundtrip)
{
	uint8_t m[64];

	for (size_t len = 4; len < sizeof(m); len++) {
		for (size_t k = 0; k < len; k++)
			m[k] = (uint8_t)(k * 37 + len);
		ndp_set_icmp6_checksum(guest, remote, m, len);
		cr_assert_eq(ndp_checksum6(guest, remote, NDP_PROTO_ICMP6, m, len), 0, "len %zu", len);
	}
}

static struct ndp_ra sample_ra(void)
{
	static const uint8_t dnssl[] = { 4, 't', 'e', 's', 't', 0 };
	struct ndp_ra ra = {
		.cur_hop_limit = 64, .other_config = true, .router_lifetime = 1800,
		.src_mac = { 0x52, 0x55, 10, 0, 2, 2 }, .mtu = 1500, .prefix_len = 64,
		.valid_lifetime = 86400, .preferred_lifetime = 14400, .n_rdnss = 1,
		.dnssl = dnssl, .dnssl_len = sizeof(dnssl), .dns_lifetime = 1800,
	};

	memcpy(ra.prefix, gw, 8);
	memcpy(ra.rdnss[0], gw, 16);
	ra.rdnss[0][15] = 3;
	return ra;
}

Test(ndp, router_advertisement)
{
	struct ndp_ra ra = sample_ra();
	struct ndp_ip6_info i;
	uint8_t m[256];
	int n = ndp_build_ra(&ra, m, sizeof(m));

	/* 16 + lladdr 8 + MTU 8 + prefix 32 + RDNSS 24 + DNSSL 16 */
	cr_assert_eq(n, 104);
	cr_assert_eq(m[0], NDP_ICMP6_RA);
	cr_assert_eq(m[4], 64);
	cr_assert_eq(m[5], 0x40, "O flag only");
	cr_assert_eq(m[6] << 8 | m[7], 1800);
	cr_assert(m[16] == 1 && m[17] == 1 && m[18] == 0x52);
	cr_assert(m[24] == 5 && m[25] == 1 && (m[30] << 8 | m[31]) == 1500);
	cr_assert(m[32] == 3 && m[33] == 4 && m[34] == 64 && m[35] == 0xc0);
	cr_assert(!memcmp(m + 48, gw, 8) && m[56] == 0);
	cr_assert(m[64] == 25 && m[65] == 3 && m[87] == 3);
	cr_assert(m[88] == 31 && m[89] == 2 && m[96] == 4 && m[101] == 0 && m[103] == 0);
	/* as the guest sees it: a valid RA from fe80::2 */
	cr_assert_eq(parse(mk_icmp(255, ll_router, all_nodes, m, (size_t)n), &i), 0);
	cr_assert_eq(i.icmp_type, NDP_ICMP6_RA);
	cr_assert(i.nd_lladdr && !memcmp(i.nd_lladdr, ra.src_mac, 6));
}

Test(ndp, router_advertisement_limits)
{
	struct ndp_ra ra = sample_ra();
	uint8_t m[256];

	cr_assert_eq(ndp_build_ra(&ra, m, 103), -ENOSPC);
	ra.preferred_lifetime = ra.valid_lifetime + 1;
	cr_assert_eq(ndp_build_ra(&ra, m, sizeof(m)), -EINVAL);
	ra = sample_ra();
	ra.n_rdnss = NDP_MAX_RDNSS + 1;
	cr_assert_eq(ndp_build_ra(&ra, m, sizeof(m)), -EINVAL);
	ra = sample_ra();
	ra.mtu = 0;
	ra.n_rdnss = 0;
	ra.dnssl_len = 0;
	ra.router_lifetime = 0;
	cr_assert_eq(ndp_build_ra(&ra, m, sizeof(m)), 56, "no MTU, RDNSS, DNSSL options");
	cr_assert_eq(m[6] | m[7], 0);
}

Test(ndp, address_classes)
{
	cr_assert(ndp_addr_is_linklocal(ll_guest));
	cr_assert(!ndp_addr_is_linklocal(guest));
	cr_assert(ndp_addr_is_multicast(all_nodes));
	cr_assert(ndp_addr_is_unspecified(unspec));
	cr_assert(ndp_addr_is_solicited_node(sn_gw));
	cr_assert(!ndp_addr_is_solicited_node(all_nodes));
}
