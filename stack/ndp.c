/* SPDX-License-Identifier: MIT */
/*
 * ndp.c - IPv6 packet checks and Neighbour Discovery messages (see ndp.h).
 *
 * The parser reads with an offset and the packet's length, checking before
 * every read; anything that does not fit fails to one label. Rules enforced
 * on what a guest sends:
 *   - IPv6: version 6, payload length within the frame (no jumbograms);
 *   - extension headers: each within the packet, hop-by-hop only first,
 *     options of hop-by-hop and destination headers tiling their header
 *     exactly, at most one fragment header, at most NDP_MAX_EXTHDRS headers,
 *     and a first fragment carrying the whole header chain up to the
 *     upper-layer header (RFC 7112);
 *   - ICMPv6: at least its 4-byte header (8 for error messages); "packet too
 *     big" not below 1280 bytes;
 *   - Neighbour Discovery (RFC 4861 6.1.1, 7.1.1, 7.1.2, 8.1): not
 *     fragmented (RFC 6980), hop limit 255, code 0, a correct checksum, the
 *     message's fixed part present, every option of non-zero length and
 *     inside the message, targets not multicast, no link-layer address option
 *     from the unspecified address, NS from the unspecified address only to
 *     a solicited-node group, RA and Redirect only from link-local sources.
 */
#include "stack/ndp.h"
#include "base/bytes.h"
#include "base/csum.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define NDP_MAX_EXTHDRS 16




bool ndp_addr_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

bool ndp_addr_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

bool ndp_addr_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

bool ndp_addr_is_solicited_node(const uint8_t *a)
{
	static const uint8_t sn[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	return memcmp(a, sn, sizeof(sn)) == 0;
}

uint16_t ndp_checksum6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
		       const uint8_t *msg, size_t len)
{
	uint8_t ph[8] = { 0 }; /* upper-layer length and next header (RFC 8200 8.1) */
	uint64_t sum;

	put32(ph, (uint32_t)len);
	ph[7] = proto;
	sum = csum_add(0, src, 16);
	sum = csum_add(sum, dst, 16);
	sum = csum_add(sum, ph, sizeof(ph));
	sum = csum_add(sum, msg, len);
	return ntohs((uint16_t)~csum_fold(sum));
}

void ndp_set_icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], uint8_t *msg,
			    size_t len)
{
	msg[2] = msg[3] = 0;
	put16(msg + 2, ndp_checksum6(src, dst, NDP_PROTO_ICMP6, msg, len));
}

/* Options of a hop-by-hop or destination header must tile it exactly. */
static bool ndp_options_ok(const uint8_t *h, size_t hl)
{
	size_t i = 2;

	while (i < hl) {
		if (h[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > hl || i + 2 + (size_t)h[i + 1] > hl)
			return false;
		i += 2 + (size_t)h[i + 1];
	}
	return true;
}

/* Smallest upper-layer header a first fragment must hold (RFC 7112). */
static size_t ndp_min_l4(uint8_t proto)
{
	switch (proto) {
	case NDP_PROTO_TCP:
		return 20;
	case NDP_PROTO_UDP:
	case NDP_PROTO_ICMP6:
		return 8;
	default:
		return 0;
	}
}

/* Neighbour Discovery: the fixed part's length by type. */
static size_t ndp_fixed_len(uint8_t type)
{
	switch (type) {
	case NDP_ICMP6_RS:
		return 8;
	case NDP_ICMP6_RA:
		return 16;
	case NDP_ICMP6_NS:
	case NDP_ICMP6_NA:
		return 24;
	case NDP_ICMP6_REDIRECT:
		return 40;
	default:
		return 0;
	}
}

static int ndp_check_nd(const uint8_t *m, size_t len, struct ndp_ip6_info *info)
{
	size_t fixed = ndp_fixed_len(info->icmp_type), i;
	bool src_unspec = ndp_addr_is_unspecified(info->src);

	info->bad = NDP_BAD_NDP;
	if (info->fragmented || info->hop_limit != 255 || info->icmp_code != 0 || len < fixed)
		return -EBADMSG;
	if (ndp_checksum6(info->src, info->dst, NDP_PROTO_ICMP6, m, len) != 0) {
		info->bad = NDP_BAD_ICMP6;
		return -EBADMSG;
	}
	for (i = fixed; i < len;) {
		size_t olen;

		if (i + 2 > len || m[i + 1] == 0)
			return -EBADMSG;
		olen = (size_t)m[i + 1] * 8;
		if (i + olen > len)
			return -EBADMSG;
		/* Ethernet link-layer addresses: one 8-byte unit. */
		if (olen == 8 && ((m[i] == 1 && info->icmp_type != NDP_ICMP6_NA &&
				   info->icmp_type != NDP_ICMP6_REDIRECT) ||
				  (m[i] == 2 && (info->icmp_type == NDP_ICMP6_NA ||
						 info->icmp_type == NDP_ICMP6_REDIRECT))))
			info->nd_lladdr = m + i + 2;
		if (m[i] == 1 && src_unspec)
			return -EBADMSG; /* RFC 4861 6.1.1, 7.1.1 */
		i += olen;
	}
	switch (info->icmp_type) {
	case NDP_ICMP6_NS:
		info->nd_target = m + 8;
		if (ndp_addr_is_multicast(info->nd_target))
			return -EBADMSG;
		if (src_unspec && !ndp_addr_is_solicited_node(info->dst))
			return -EBADMSG;
		break;
	case NDP_ICMP6_NA:
		info->nd_target = m + 8;
		info->na_flags = m[4] & 0xe0;
		if (ndp_addr_is_multicast(info->nd_target))
			return -EBADMSG;
		if (ndp_addr_is_multicast(info->dst) && (info->na_flags & 0x40))
			return -EBADMSG;
		break;
	case NDP_ICMP6_RA:
		if (!ndp_addr_is_linklocal(info->src))
			return -EBADMSG;
		break;
	case NDP_ICMP6_REDIRECT:
		info->nd_target = m + 8;
		if (!ndp_addr_is_linklocal(info->src) || ndp_addr_is_multicast(m + 24))
			return -EBADMSG;
		break;
	default:
		break;
	}
	info->bad = NDP_OK;
	return 0;
}

int ndp_parse_ip6(const uint8_t *pkt, size_t len, struct ndp_ip6_info *info)
{
	size_t off = 40, total;
	uint8_t nh;
	bool first_fragment = false;

	memset(info, 0, sizeof(*info));
	info->bad = NDP_BAD_IP6;
	if (len < 40 || pkt[0] >> 4 != 6)
		goto bad;
	total = 40 + (size_t)get16(pkt + 4);
	if (total > len)
		goto bad;
	info->total_len = total;
	info->tclass = (uint8_t)((pkt[0] & 0x0f) << 4 | pkt[1] >> 4);
	info->hop_limit = pkt[7];
	info->src = pkt + 8;
	info->dst = pkt + 24;

	info->bad = NDP_BAD_EXTHDR;
	nh = pkt[6];
	for (int n = 0;; n++) {
		size_t hl;

		if (nh != NDP_PROTO_HOPOPTS && nh != NDP_PROTO_DSTOPTS && nh != NDP_PROTO_ROUTING &&
		    nh != NDP_PROTO_FRAGMENT)
			break;
		if (n == NDP_MAX_EXTHDRS || off + 8 > total)
			goto bad;
		switch (nh) {
		case NDP_PROTO_HOPOPTS:
		case NDP_PROTO_DSTOPTS:
			if (nh == NDP_PROTO_HOPOPTS && n != 0)
				goto bad;
			hl = 8 * ((size_t)pkt[off + 1] + 1);
			if (off + hl > total || !ndp_options_ok(pkt + off, hl))
				goto bad;
			break;
		case NDP_PROTO_ROUTING:
			hl = 8 * ((size_t)pkt[off + 1] + 1);
			if (off + hl > total)
				goto bad;
			break;
		default: { /* fragment */
			uint16_t fo = get16(pkt + off + 2);

			if (info->fragmented)
				goto bad;
			info->fragmented = true;
			hl = 8;
			if (fo & 0xfff8) {
				/* a later fragment: nothing more to look at */
				info->proto = NDP_PROTO_FRAGMENT;
				info->l4_off = off + 8;
				info->l4_len = total - info->l4_off;
				info->bad = NDP_OK;
				return 0;
			}
			first_fragment = (fo & 1) != 0;
			break;
		}
		}
		nh = pkt[off];
		off += hl;
	}
	info->proto = nh;
	info->l4_off = off;
	info->l4_len = total - off;
	if (first_fragment && info->l4_len < ndp_min_l4(nh))
		goto bad;

	if (nh == NDP_PROTO_ICMP6) {
		const uint8_t *m = pkt + off;

		info->bad = NDP_BAD_ICMP6;
		if (info->l4_len < 4)
			goto bad;
		info->icmp_type = m[0];
		info->icmp_code = m[1];
		/* Error messages carry 4 more bytes; a "packet too big" below the
		 * IPv6 minimum MTU is bogus (RFC 8201 4) and would make lwIP
		 * fragment into pieces of nothing. */
		if (info->icmp_type < 128 && info->l4_len < 8)
			goto bad;
		if (info->icmp_type == NDP_ICMP6_PACKET_TOO_BIG &&
		    ((uint32_t)m[4] << 24 | (uint32_t)m[5] << 16 | (uint32_t)m[6] << 8 | m[7]) < 1280)
			goto bad;
		if (info->icmp_type >= NDP_ICMP6_RS && info->icmp_type <= NDP_ICMP6_REDIRECT &&
		    ndp_check_nd(m, info->l4_len, info) < 0)
			return -EBADMSG;
	}
	info->bad = NDP_OK;
	return 0;
bad:
	return -EBADMSG;
}

int ndp_build_ra(const struct ndp_ra *ra, uint8_t *out, size_t outlen)
{
	size_t n = 16, need;
	size_t dnssl_units = ra->dnssl_len ? (8 + ra->dnssl_len + 7) / 8 : 0;

	if (ra->prefix_len > 128 || ra->preferred_lifetime > ra->valid_lifetime ||
	    ra->n_rdnss > NDP_MAX_RDNSS || dnssl_units > 255 || (ra->dnssl_len && !ra->dnssl))
		return -EINVAL;
	need = 16 + 8 + (ra->mtu ? 8 : 0) + 32 + (ra->n_rdnss ? 8 + 16 * ra->n_rdnss : 0) +
	       dnssl_units * 8;
	if (need > outlen)
		return -ENOSPC;
	memset(out, 0, need);
	out[0] = NDP_ICMP6_RA;
	out[4] = ra->cur_hop_limit;
	out[5] = ra->other_config ? 0x40 : 0;
	put16(out + 6, ra->router_lifetime);
	/* reachable time and retransmission timer: unspecified (0) */

	out[n] = 1; /* source link-layer address */
	out[n + 1] = 1;
	memcpy(out + n + 2, ra->src_mac, 6);
	n += 8;
	if (ra->mtu) {
		out[n] = 5;
		out[n + 1] = 1;
		put32(out + n + 4, ra->mtu);
		n += 8;
	}
	out[n] = 3; /* prefix information */
	out[n + 1] = 4;
	out[n + 2] = ra->prefix_len;
	out[n + 3] = 0x80 | 0x40; /* on-link, autonomous */
	put32(out + n + 4, ra->valid_lifetime);
	put32(out + n + 8, ra->preferred_lifetime);
	memcpy(out + n + 16, ra->prefix, 16);
	n += 32;
	if (ra->n_rdnss) {
		out[n] = 25;
		out[n + 1] = (uint8_t)(1 + 2 * ra->n_rdnss);
		put32(out + n + 4, ra->dns_lifetime);
		for (unsigned i = 0; i < ra->n_rdnss; i++)
			memcpy(out + n + 8 + 16 * i, ra->rdnss[i], 16);
		n += 8 + 16 * ra->n_rdnss;
	}
	if (dnssl_units) {
		out[n] = 31;
		out[n + 1] = (uint8_t)dnssl_units;
		put32(out + n + 4, ra->dns_lifetime);
		memcpy(out + n + 8, ra->dnssl, ra->dnssl_len);
		n += dnssl_units * 8; /* zero padding included */
	}
	return (int)n;
}
