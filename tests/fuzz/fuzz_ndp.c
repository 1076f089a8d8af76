/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ndp.c - libFuzzer target for stack/ndp.c: each input is one IPv6
 * packet from a guest (from its IPv6 header). ndp_parse_ip6() must never read
 * outside it, and what it reports must lie inside it. Inputs that parse also
 * drive the RA builder with parameters taken from their bytes, and the RA
 * built must itself pass the parser.
 */
#include <stdlib.h>
#include <string.h>

#include "stack/ndp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const uint8_t *data, size_t size, const struct ndp_ip6_info *i)
{
	if (i->total_len > size || i->l4_off + i->l4_len != i->total_len || i->l4_off < 40)
		abort();
	if (i->src != data + 8 || i->dst != data + 24)
		abort();
	if (i->nd_target && (i->nd_target < data || i->nd_target + 16 > data + i->total_len))
		abort();
	if (i->nd_lladdr && (i->nd_lladdr < data || i->nd_lladdr + 6 > data + i->total_len))
		abort();
}

/* An RA shaped by the input, wrapped as fe80::2 -> ff02::1, must parse. */
static void build_ra(const uint8_t *data, size_t size)
{
	static const uint8_t src[16] = { 0xfe, 0x80, [15] = 2 };
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t pkt[40 + 1024];
	struct ndp_ra ra;
	struct ndp_ip6_info i;
	int n;

	if (size < 48)
		return;
	memset(&ra, 0, sizeof(ra));
	ra.cur_hop_limit = data[0];
	ra.other_config = data[1] & 1;
	ra.router_lifetime = (uint16_t)(data[2] << 8 | data[3]);
	memcpy(ra.src_mac, data + 4, 6);
	ra.mtu = data[10] & 1 ? 1280u + data[11] : 0;
	memcpy(ra.prefix, data + 16, 16);
	ra.prefix_len = data[12];
	ra.valid_lifetime = (uint32_t)data[13] << 8;
	ra.preferred_lifetime = (uint32_t)data[14] << 8;
	ra.n_rdnss = data[15] % (NDP_MAX_RDNSS + 2);
	for (unsigned k = 0; k < NDP_MAX_RDNSS; k++)
		memcpy(ra.rdnss[k], data + 32, 16);
	ra.dnssl = data + 48;
	ra.dnssl_len = size - 48 > 900 ? 900 : size - 48;
	ra.dns_lifetime = 1800;
	n = ndp_build_ra(&ra, pkt + 40, sizeof(pkt) - 40);
	if (n < 0)
		return;
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(n >> 8);
	pkt[5] = (uint8_t)n;
	pkt[6] = NDP_PROTO_ICMP6;
	pkt[7] = 255;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, dst, 16);
	ndp_set_icmp6_checksum(src, dst, pkt + 40, (size_t)n);
	if (ndp_parse_ip6(pkt, 40 + (size_t)n, &i) != 0 || i.icmp_type != NDP_ICMP6_RA)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndp_ip6_info i;
	/* a copy of exactly size bytes, so that ASan sees any overread */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (ndp_parse_ip6(copy, size, &i) == 0) {
		check_info(copy, size, &i);
		build_ra(copy, size);
	} else if (i.bad == NDP_OK || i.bad >= NDP_BAD_COUNT) {
		abort();
	}
	free(copy);
	return 0;
}
