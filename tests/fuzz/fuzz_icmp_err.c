/* SPDX-License-Identifier: MIT */
/*
 * fuzz_icmp_err.c - libFuzzer target for the ICMP errors natd relays from
 * its host sockets' error queues (forwarders/nat_icmp.c): a control message
 * as recvmsg(MSG_ERRQUEUE) gives it (arbitrary sock_extended_err and
 * offender bytes, of any length), decoded by nat_err_decode(); the guest's
 * transport header adjusted to the request the host socket quoted
 * (nat_err_header()); the ICMP or ICMPv6 message built for the guest
 * (nat_icmp4_error_build(), nat_icmp6_quote() and nat_icmp6_error_build()).
 * Input: byte 0 flow family (bit 0: IPv6) and which control message (bits
 * 1-2: the family's RECVERR, the other family's, IP_TTL, random), byte 1 the
 * flow's protocol (bit 0: ICMP echo, else UDP), byte 2 the control data's
 * length, the data, two bytes of the guest packet's length, one byte the
 * guest header's length (at most 16), the header, then the quoted packet.
 * Checked: a decoded error matches the flow's family; the built message is
 * within its bounds, its checksum (IPv4: and the quoted IP header's) is
 * right, it quotes the flow's addresses, and an adjusted echo header keeps
 * its one's-complement sum.
 */
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/nat_internal.h"
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One's-complement sum of n bytes, folded, 0xffff taken as 0. */
static uint32_t sum16(uint32_t sum, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t norm(uint32_t s)
{
	return s == 0xffff ? 0 : s;
}

static void check_v4(const struct flow_key *k, const struct nat_err *e, uint8_t proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	uint8_t b[8 + IP_HLEN + 8 + 8];
	size_t n = nat_icmp4_error_build(b, e->type, e->code, (uint16_t)e->info, k, proto, l4,
					 l4len, orig_len);

	if (n != 8 + IP_HLEN + (l4len > 8 ? 8 : l4len) || inet_chksum(b, (u16_t)n) != 0 ||
	    inet_chksum(b + 8, IP_HLEN) != 0 || b[8] != 0x45 || b[8 + 9] != proto ||
	    memcmp(b + 8 + 12, k->gaddr, 4) || memcmp(b + 8 + 16, k->raddr, 4) ||
	    memcmp(b + 8 + IP_HLEN, l4, n - 8 - IP_HLEN) || b[0] != e->type)
		abort();
}

static void check_v6(const struct flow_key *k, const struct nat_err *e, uint8_t proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	static uint8_t b[8 + NAT_ICMP6_QUOTE_MAX];
	uint8_t pkt[IP6_HLEN + 8], pseudo[40];
	size_t q = nat_icmp6_quote(pkt, k, proto, l4, l4len, orig_len), n;

	if (q != IP6_HLEN + (l4len > 8 ? 8 : l4len) || pkt[0] != 0x60 || pkt[6] != proto ||
	    memcmp(pkt + 8, k->gaddr, 16) || memcmp(pkt + 24, k->raddr, 16))
		abort();
	n = nat_icmp6_error_build(b, e->type, e->code, e->info, e->from, k->gaddr, pkt, q);
	if (n != 8 + q || memcmp(b + 8, pkt, q) || b[0] != e->type || b[1] != e->code)
		abort();
	/* the checksum over the pseudo-header (RFC 8200 8.1) and the message */
	memcpy(pseudo, e->from, 16);
	memcpy(pseudo + 16, k->gaddr, 16);
	memset(pseudo + 32, 0, 8);
	pseudo[34] = (uint8_t)(n >> 8);
	pseudo[35] = (uint8_t)n;
	pseudo[39] = 58;
	if (norm(sum16(sum16(0, pseudo, sizeof(pseudo)), b, n)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_key k = { 0 };
	struct nat_err e;
	uint8_t cdata[96], l4[16], hdr[8];
	const uint8_t *quoted, *gl4;
	size_t off = 3, clen, l4len, qlen;
	int level, type, rc;
	uint16_t orig_len;
	uint8_t proto;
	bool v6;

	if (size < 3)
		return 0;
	v6 = data[0] & 1;
	k.family = v6 ? AF_INET6 : AF_INET;
	k.proto = data[1] & 1 ? FLOW_PROTO_ICMP : FLOW_PROTO_UDP;
	proto = data[1] & 1 ? (v6 ? 58 : IP_PROTO_ICMP) : IP_PROTO_UDP;
	if (v6) {
		memcpy(k.gaddr, "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x15", 16);
		memcpy(k.raddr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	} else {
		memcpy(k.gaddr, "\x0a\x00\x02\x0f", 4);
		memcpy(k.raddr, "\xc6\x33\x64\x01", 4);
	}
	switch ((data[0] >> 1) & 3) {
	case 0:
		level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
		type = v6 ? IPV6_RECVERR : IP_RECVERR;
		break;
	case 1:
		level = v6 ? IPPROTO_IP : IPPROTO_IPV6;
		type = v6 ? IP_RECVERR : IPV6_RECVERR;
		break;
	case 2:
		level = IPPROTO_IP;
		type = IP_TTL;
		break;
	default:
		level = data[0] >> 3;
		type = data[1] >> 1;
		break;
	}
	clen = data[2] % (sizeof(cdata) + 1);
	if (size - off < clen)
		return 0;
	memcpy(cdata, data + off, clen);
	off += clen;
	if (size - off < 3)
		return 0;
	orig_len = (uint16_t)(data[off] << 8 | data[off + 1]);
	l4len = data[off + 2] % (sizeof(l4) + 1);
	off += 3;
	if (size - off < l4len)
		return 0;
	memcpy(l4, data + off, l4len);
	off += l4len;
	quoted = data + off;
	qlen = size - off > 64 ? 64 : size - off;

	rc = nat_err_decode(level, type, cdata, clen, k.family, &e);
	if (rc != 0 && rc != 1)
		abort();
	if (!rc)
		return 0;
	if (e.family != k.family || clen < sizeof(struct sock_extended_err) + 8)
		abort();
	gl4 = nat_err_header(proto, l4, l4len, quoted, (ssize_t)qlen, hdr);
	if (gl4 != l4) {
		/* only an echo's sequence number (and its checksum) changed */
		if (gl4 != hdr || l4len < 8 || qlen < 8 || proto == IP_PROTO_UDP ||
		    memcmp(hdr, l4, 2) || memcmp(hdr + 4, l4 + 4, 2) ||
		    memcmp(hdr + 6, quoted + 6, 2) ||
		    norm(sum16(0, hdr, 8)) != norm(sum16(0, l4, 8)))
			abort();
	}
	if (v6)
		check_v6(&k, &e, proto, gl4, l4len, orig_len);
	else
		check_v4(&k, &e, proto, gl4, l4len, orig_len);
	return 0;
}
