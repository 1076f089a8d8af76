/* SPDX-License-Identifier: MIT */
/*
 * dns_msg.c - checking guest DNS queries and building natd's own error
 * answers (see dns_msg.h). Parsing uses a cursor and the remaining length
 * and checks before every read.
 */
#include "forwarders/dns_msg.h"

#include <errno.h>
#include <string.h>

#define DNS_MAX_POINTERS 64

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Skips the name at *off; returns 0 and the offset after it (after the
 * first pointer when compressed), or -EBADMSG.
 */
static int skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t pos = *off, end = 0, total = 0;
	unsigned pointers = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EBADMSG;
		l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len || ++pointers > DNS_MAX_POINTERS)
				return -EBADMSG;
			target = (size_t)(l & 0x3f) << 8 | m[pos + 1];
			if (target >= pos) /* only backwards: no loops */
				return -EBADMSG;
			if (!end)
				end = pos + 2;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* 0x40 and 0x80: not in use */
		if (l == 0) {
			*off = end ? end : pos + 1;
			return total + 1 <= 255 ? 0 : -EBADMSG;
		}
		total += (size_t)l + 1;
		if (total > 255 || pos + 1 + l > len)
			return -EBADMSG;
		pos += 1 + (size_t)l;
	}
}

int dns_query_check(const uint8_t *q, size_t len)
{
	size_t off = DNS_HDR_LEN;
	unsigned qd, an, ns, ar;

	if (len < DNS_HDR_LEN)
		return -EINVAL;
	if (q[2] & 0x80)
		return -EINVAL;          /* a response: not ours to answer */
	if ((q[2] >> 3) & 0x0f)
		return -EBADMSG;         /* only opcode QUERY */
	qd = rd16(q + 4);
	an = rd16(q + 6);
	ns = rd16(q + 8);
	ar = rd16(q + 10);
	if (qd == 0 || qd > 16)
		return -EBADMSG;
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(q, len, &off) < 0 || off + 4 > len)
			return -EBADMSG;
		off += 4;
	}
	for (unsigned i = 0; i < an + ns + ar; i++) {
		size_t rdlen;

		if (skip_name(q, len, &off) < 0 || off + 10 > len)
			return -EBADMSG;
		rdlen = rd16(q + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -EBADMSG;
		off += rdlen;
	}
	return 0;
}

size_t dns_error_answer(const uint8_t *q, size_t len, unsigned rcode, uint8_t *out,
			size_t outcap)
{
	size_t off = DNS_HDR_LEN, n = DNS_HDR_LEN;

	memset(out, 0, DNS_HDR_LEN);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, opcode, RD */
	out[3] = (uint8_t)(rcode & 0x0f);
	if (len >= DNS_HDR_LEN && rd16(q + 4) >= 1 && skip_name(q, len, &off) == 0 &&
	    off + 4 <= len && off + 4 <= outcap && !(q[12] & 0xc0)) {
		/* echo the first question (uncompressed names only) */
		memcpy(out + DNS_HDR_LEN, q + DNS_HDR_LEN, off + 4 - DNS_HDR_LEN);
		n = off + 4;
		out[5] = 1;
	}
	return n;
}

int dns_first_question(const uint8_t *q, size_t len, char *name, size_t namecap,
		       uint16_t *qtype, uint16_t *qclass, size_t *qend)
{
	size_t pos = DNS_HDR_LEN, n = 0;

	if (len < DNS_HDR_LEN || namecap == 0)
		return -EINVAL;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return -EINVAL;
		l = q[pos++];
		if (l == 0)
			break;
		if (l > 63 || pos + l > len || n + l + 2 > namecap)
			return -EINVAL;
		if (n)
			name[n++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = q[pos + i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -EINVAL;
			name[n++] = (char)c;
		}
		pos += l;
	}
	if (n == 0 || pos + 4 > len)
		return -EINVAL;
	name[n] = '\0';
	*qtype = rd16(q + pos);
	*qclass = rd16(q + pos + 2);
	*qend = pos + 4;
	return 0;
}

size_t dns_address_answer(const uint8_t *q, size_t qend, uint16_t qtype, unsigned rcode,
			  const uint8_t (*addrs)[16], unsigned n, uint32_t ttl,
			  uint8_t *out, size_t cap)
{
	size_t alen = qtype == DNS_TYPE_A ? 4 : 16, rr = 12 + alen, o;

	if (qend < DNS_HDR_LEN || qend + n * rr > cap || n > 0xffff)
		return 0;
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79));         /* QR, opcode, RD */
	out[3] = (uint8_t)(0x80 | (rcode & 0x0f));       /* RA */
	out[4] = 0;
	out[5] = 1;
	out[6] = (uint8_t)(n >> 8);
	out[7] = (uint8_t)n;
	memset(out + 8, 0, 4);
	o = qend;
	for (unsigned i = 0; i < n; i++) {
		out[o++] = 0xc0;             /* the question's name */
		out[o++] = DNS_HDR_LEN;
		out[o++] = (uint8_t)(qtype >> 8);
		out[o++] = (uint8_t)qtype;
		out[o++] = 0;
		out[o++] = DNS_CLASS_IN;
		out[o++] = (uint8_t)(ttl >> 24);
		out[o++] = (uint8_t)(ttl >> 16);
		out[o++] = (uint8_t)(ttl >> 8);
		out[o++] = (uint8_t)ttl;
		out[o++] = 0;
		out[o++] = (uint8_t)alen;
		memcpy(out + o, addrs[i], alen);
		o += alen;
	}
	return o;
}
