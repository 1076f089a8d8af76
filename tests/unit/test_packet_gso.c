/* SPDX-License-Identifier: MIT */
/*
 * test_packet_gso.c - frames a packet socket hands over made into wire
 * frames (devices/packet_gso.h): a TCP segment longer than the MTU cut into
 * MTU-sized frames over IPv4 and IPv6 (lengths, sequence numbers, flags,
 * both checksums right, payload whole and in order), and a partial UDP
 * checksum completed.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "base/bytes.h"
#include "base/csum.h"
#include "devices/packet_gso.h"

#define PAYLOAD 5000

static uint8_t big[14 + 40 + 20 + PAYLOAD];
static uint8_t seen[PAYLOAD];
static size_t seen_len;
static unsigned frames, fins, psh, cwr;
static uint32_t next_seq;
static int fam;

static uint16_t l4_fold(const uint8_t *ip, int family, uint8_t proto, size_t l4len)
{
	size_t l3 = family == 4 ? 20 : 40;
	uint64_t s = family == 4 ? csum_add(0, ip + 12, 8) : csum_add(0, ip + 8, 32);

	s = csum_add16(s, proto);
	s = csum_add16(s, (uint16_t)l4len);
	s = csum_add(s, ip + l3, l4len);
	return csum_fold(s);
}

static void emit(void *opaque, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14, *tcp = ip + (fam == 4 ? 20 : 40);
	size_t l4 = len - 14 - (fam == 4 ? 20 : 40);

	(void)opaque;
	cr_assert_leq(len, 14 + 1500);
	if (fam == 4) {
		cr_expect_eq(get16(ip + 2), len - 14);
		cr_expect_eq(csum_fold(csum_add(0, ip, 20)), 0xffff, "IPv4 header checksum");
	} else {
		cr_expect_eq(get16(ip + 4), l4);
	}
	cr_expect_eq(l4_fold(ip, fam, 6, l4), 0xffff, "TCP checksum of frame %u", frames);
	cr_expect_eq(get32(tcp + 4), next_seq);
	next_seq += (uint32_t)(l4 - 20);
	fins += !!(tcp[13] & 0x01);
	psh += !!(tcp[13] & 0x08);
	cwr += !!(tcp[13] & 0x80);
	memcpy(seen + seen_len, tcp + 20, l4 - 20);
	seen_len += l4 - 20;
	frames++;
}

static size_t build(int family)
{
	size_t l3 = family == 4 ? 20 : 40;
	uint8_t *ip = big + 14, *tcp = ip + l3;

	memset(big, 0, sizeof(big));
	put16(big + 12, family == 4 ? 0x0800 : 0x86dd);
	if (family == 4) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + 20 + PAYLOAD));
		put16(ip + 4, 100);
		ip[8] = 64;
		ip[9] = 6;
		inet_pton(AF_INET, "203.0.113.1", ip + 12);
		inet_pton(AF_INET, "203.0.113.10", ip + 16);
	} else {
		ip[0] = 0x60;
		put16(ip + 4, 20 + PAYLOAD);
		ip[6] = 6;
		ip[7] = 64;
		inet_pton(AF_INET6, "2001:db8::1", ip + 8);
		inet_pton(AF_INET6, "2001:db8::10", ip + 24);
	}
	put16(tcp, 8080);
	put16(tcp + 2, 40000);
	put32(tcp + 4, 0xfffff000u); /* wraps */
	tcp[12] = 5 << 4;
	tcp[13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
	for (size_t i = 0; i < PAYLOAD; i++)
		tcp[20 + i] = (uint8_t)(i * 7);
	frames = fins = psh = cwr = 0;
	seen_len = 0;
	next_seq = 0xfffff000u;
	fam = family;
	return 14 + l3 + 20 + PAYLOAD;
}

Test(packet_gso, tcp4_cut)
{
	size_t len = build(4);
	uint8_t buf[1600];

	cr_assert_eq(packet_tcp_segment(big, len, 1500, buf, sizeof(buf), emit, NULL), 4);
	cr_expect_eq(frames, 4, "1460 * 3 + 620");
	cr_expect_eq(seen_len, PAYLOAD);
	cr_expect(!memcmp(seen, big + 14 + 40, PAYLOAD), "payload whole and in order");
	cr_expect_eq(fins, 1);
	cr_expect_eq(psh, 1);
	cr_expect_eq(cwr, 1);
}

Test(packet_gso, tcp6_cut)
{
	size_t len = build(6);
	uint8_t buf[1600];

	cr_assert_eq(packet_tcp_segment(big, len, 1500, buf, sizeof(buf), emit, NULL), 4);
	cr_expect_eq(seen_len, PAYLOAD);
	cr_expect(!memcmp(seen, big + 14 + 60, PAYLOAD));
	cr_expect_eq(fins, 1);
}

Test(packet_gso, refuses)
{
	size_t len = build(4);
	uint8_t buf[1600];

	cr_expect_eq(packet_tcp_segment(big, len, 9000, buf, sizeof(buf), emit, NULL), -EINVAL,
		     "buffer smaller than the MTU");
	cr_expect_eq(packet_tcp_segment(big, 14 + 40 + 100, 1500, buf, sizeof(buf), emit, NULL),
		     -EINVAL, "IP length beyond the frame");
	big[14 + 9] = 17;
	cr_expect_eq(packet_tcp_segment(big, len, 1500, buf, sizeof(buf), emit, NULL), -EINVAL,
		     "not TCP");
	cr_expect_eq(frames, 0);
}

Test(packet_gso, udp_partial_checksum)
{
	uint8_t f[14 + 20 + 8 + 30] = { 0 };
	uint8_t *ip = f + 14, *udp = ip + 20;

	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 30);
	ip[9] = 17;
	inet_pton(AF_INET, "203.0.113.1", ip + 12);
	inet_pton(AF_INET, "203.0.113.10", ip + 16);
	put16(udp + 4, 8 + 30);
	memset(udp + 8, 0x5a, 30);
	put16(udp + 6, 0x1234); /* a pseudo-header sum, as the kernel leaves it */
	cr_assert_eq(packet_csum_complete(f, sizeof(f)), 0);
	cr_expect_eq(l4_fold(ip, 4, 17, 38), 0xffff);
	put16(ip + 6, 0x2000); /* a fragment */
	cr_expect_eq(packet_csum_complete(f, sizeof(f)), -EINVAL);
}
