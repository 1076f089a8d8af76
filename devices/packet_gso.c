/* SPDX-License-Identifier: MIT */
/*
 * packet_gso.c - checksums completed and TCP segments cut for frames a
 * packet socket received (see packet_gso.h).
 */
#include "devices/packet_gso.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/bytes.h"
#include "base/csum.h"

#define ETH_HLEN 14

/* The L3 header of frame: family 4 or 6, its length, the L4 protocol and
 * the L4 length (from the IP header, never past len). 0 or -EINVAL. */
static int l3_parse(const uint8_t *f, size_t len, int *fam, size_t *l3len, uint8_t *proto,
		    size_t *l4len)
{
	const uint8_t *ip = f + ETH_HLEN;
	size_t pl;

	if (len < ETH_HLEN + 20)
		return -EINVAL;
	pl = len - ETH_HLEN;
	if (get16(f + 12) == 0x0800) {
		size_t hl = (size_t)(ip[0] & 15) * 4, tot = get16(ip + 2);

		if ((ip[0] >> 4) != 4 || hl < 20 || tot < hl || tot > pl ||
		    (get16(ip + 6) & 0x3fff))
			return -EINVAL; /* a fragment has no L4 checksum of its own here */
		*fam = 4;
		*l3len = hl;
		*proto = ip[9];
		*l4len = tot - hl;
		return 0;
	}
	if (get16(f + 12) == 0x86dd) {
		size_t plen;

		if (pl < 40 || (ip[0] >> 4) != 6)
			return -EINVAL;
		plen = get16(ip + 4);
		if (40 + plen > pl)
			return -EINVAL;
		*fam = 6;
		*l3len = 40;
		*proto = ip[6];
		*l4len = plen;
		return 0;
	}
	return -EINVAL;
}

/* The L4 checksum (TCP or UDP) of the packet at ip, its field zeroed first. */
static void l4_sum(uint8_t *ip, int fam, size_t l3len, uint8_t proto, size_t l4len)
{
	uint8_t *l4 = ip + l3len, *field = l4 + (proto == 6 ? 16 : 6);
	uint64_t sum;
	uint16_t c;

	field[0] = field[1] = 0;
	sum = fam == 4 ? csum_add(0, ip + 12, 8) : csum_add(0, ip + 8, 32);
	sum = csum_add16(sum, proto);
	sum = csum_add16(sum, (uint16_t)l4len);
	sum = csum_add(sum, l4, l4len);
	c = (uint16_t)~csum_fold(sum);
	if (proto == 17 && c == 0)
		c = 0xffff;
	memcpy(field, &c, 2);
}

int packet_csum_complete(uint8_t *f, size_t len)
{
	size_t l3len, l4len;
	uint8_t proto;
	int fam;

	if (l3_parse(f, len, &fam, &l3len, &proto, &l4len) < 0)
		return -EINVAL;
	if ((proto != 6 || l4len < 20) && (proto != 17 || l4len < 8))
		return -EINVAL;
	l4_sum(f + ETH_HLEN, fam, l3len, proto, l4len);
	return 0;
}

static void ip4_hdr_sum(uint8_t *ip, size_t hl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~csum_fold(csum_add(0, ip, hl));
	memcpy(ip + 10, &c, 2);
}

int packet_tcp_segment(const uint8_t *f, size_t len, unsigned mtu, uint8_t *buf,
		       size_t bufcap, void (*emit)(void *opaque, const uint8_t *f, size_t flen),
		       void *opaque)
{
	size_t l3len, l4len, doff, hdrs, payload, mss, off;
	uint8_t proto, flags;
	uint32_t seq;
	uint16_t id;
	int fam, n = 0;

	if (l3_parse(f, len, &fam, &l3len, &proto, &l4len) < 0 || proto != 6 || l4len < 20)
		return -EINVAL;
	doff = (size_t)(f[ETH_HLEN + l3len + 12] >> 4) * 4;
	if (doff < 20 || doff > l4len)
		return -EINVAL;
	hdrs = ETH_HLEN + l3len + doff;
	payload = l4len - doff;
	if (mtu <= l3len + doff || (size_t)mtu + ETH_HLEN > bufcap)
		return -EINVAL;
	mss = mtu - l3len - doff;
	if (payload <= mss)
		return -EINVAL; /* nothing to cut */
	seq = get32(f + ETH_HLEN + l3len + 4);
	flags = f[ETH_HLEN + l3len + 13];
	id = fam == 4 ? get16(f + ETH_HLEN + 4) : 0;
	for (off = 0; off < payload; off += mss) {
		size_t chunk = payload - off < mss ? payload - off : mss;
		uint8_t *ip = buf + ETH_HLEN, *tcp = ip + l3len;
		bool last = off + chunk == payload;

		memcpy(buf, f, hdrs);
		memcpy(buf + hdrs, f + hdrs + off, chunk);
		if (fam == 4) {
			put16(ip + 2, (uint16_t)(l3len + doff + chunk));
			put16(ip + 4, (uint16_t)(id + n));
			ip4_hdr_sum(ip, l3len);
		} else {
			put16(ip + 4, (uint16_t)(doff + chunk));
		}
		put32(tcp + 4, seq + (uint32_t)off);
		tcp[13] = (uint8_t)(flags & ~(last ? 0 : 0x09) & ~(off ? 0x80 : 0));
		l4_sum(ip, fam, l3len, 6, doff + chunk);
		emit(opaque, buf, hdrs + chunk);
		n++;
	}
	return n;
}
