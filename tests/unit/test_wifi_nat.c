/* SPDX-License-Identifier: MIT */
/*
 * test_wifi_nat.c - the wireless bridging layer (l2/wifi_nat.h): frames of
 * the VM leave with IF's MAC (ARP sender, NDP options, checksums kept
 * valid), DHCP requests get the broadcast flag, addresses are learnt and
 * frames for them get the VM's MAC back, forged sources and other
 * EtherTypes are dropped and counted, short frames never read past their end.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/csum.h"
#include "l2/wifi_nat.h"

static const uint8_t IFMAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t VMMAC[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x01 };
static const uint8_t LANMAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static size_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

static size_t arp(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t op,
		  const uint8_t *sha, const char *spa, const uint8_t *tha, const char *tpa)
{
	size_t n = eth(f, dst, src, 0x0806);
	uint8_t *p = f + n;

	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	inet_pton(AF_INET, spa, p + 14);
	memcpy(p + 18, tha, 6);
	inet_pton(AF_INET, tpa, p + 24);
	return n + 28;
}

static size_t ip4(uint8_t *f, const uint8_t *dst, const uint8_t *src, const char *sip,
		  const char *dip, uint8_t proto, size_t l4len)
{
	size_t n = eth(f, dst, src, 0x0800);
	uint8_t *p = f + n;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + l4len));
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, sip, p + 12);
	inet_pton(AF_INET, dip, p + 16);
	return n + 20 + l4len;
}

static struct wifi_nat w;

static void setup(void)
{
	wifi_nat_init(&w, IFMAC, VMMAC);
}

TestSuite(wifi_nat, .init = setup);

Test(wifi_nat, arp_out_and_back)
{
	uint8_t f[64];
	size_t n = arp(f, BCAST, VMMAC, 1, VMMAC, "203.0.113.10", (uint8_t[6]){ 0 },
		       "203.0.113.1");
	struct in_addr a;

	cr_assert_eq(wifi_nat_from_vm(&w, f, n), WIFI_PASS);
	cr_expect(!memcmp(f + 6, IFMAC, 6), "source MAC is IF's");
	cr_expect(!memcmp(f + 14 + 8, IFMAC, 6), "ARP sender hardware address is IF's");
	inet_pton(AF_INET, "203.0.113.10", &a);
	cr_expect(wifi_nat_has_v4(&w, a), "sender address learnt");

	n = arp(f, IFMAC, LANMAC, 2, LANMAC, "203.0.113.1", IFMAC, "203.0.113.10");
	cr_assert_eq(wifi_nat_to_vm(&w, f, n), WIFI_PASS);
	cr_expect(!memcmp(f, VMMAC, 6), "destination back to the VM's MAC");
	cr_expect(!memcmp(f + 14 + 18, VMMAC, 6), "ARP target hardware address the VM's");

	n = arp(f, IFMAC, LANMAC, 2, LANMAC, "203.0.113.1", IFMAC, "203.0.113.11");
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_NOT_OURS, "another address is not the VM's");
	n = arp(f, BCAST, LANMAC, 1, LANMAC, "203.0.113.1", (uint8_t[6]){ 0 }, "203.0.113.99");
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_PASS, "broadcast requests pass");
	cr_expect(!memcmp(f, BCAST, 6));
}

Test(wifi_nat, forged_and_other_types)
{
	uint8_t f[64];
	size_t n;

	n = ip4(f, LANMAC, LANMAC, "203.0.113.10", "203.0.113.1", 1, 8);
	cr_expect_eq(wifi_nat_from_vm(&w, f, n), WIFI_FORGED);
	n = arp(f, BCAST, VMMAC, 1, LANMAC, "203.0.113.12", (uint8_t[6]){ 0 }, "203.0.113.1");
	cr_expect_eq(wifi_nat_from_vm(&w, f, n), WIFI_FORGED, "ARP for another MAC");
	cr_expect_eq(w.n_v4, 0, "nothing learnt from forged frames");
	n = eth(f, BCAST, VMMAC, 0x88b5);
	memset(f + n, 0, 46);
	cr_expect_eq(wifi_nat_from_vm(&w, f, n + 46), WIFI_BAD_TYPE);
	n = eth(f, BCAST, LANMAC, 0x88cc);
	memset(f + n, 0, 46);
	cr_expect_eq(wifi_nat_to_vm(&w, f, n + 46), WIFI_BAD_TYPE);
	cr_expect_eq(w.st.forged, 2);
	cr_expect_eq(w.st.bad_type, 2);
	cr_expect_eq(w.st.from_vm, 0);
}

static uint16_t udp_sum(const uint8_t *ip, size_t l4len)
{
	uint64_t s = csum_add(0, ip + 12, 8);

	s = csum_add16(s, 17);
	s = csum_add16(s, (uint16_t)l4len);
	s = csum_add(s, ip + 20, l4len);
	return csum_fold(s);
}

Test(wifi_nat, dhcp_broadcast_flag_and_reply)
{
	uint8_t f[400] = { 0 };
	size_t l4 = 8 + 240, n = ip4(f, BCAST, VMMAC, "0.0.0.0", "255.255.255.255", 17, l4);
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8;
	uint16_t c;
	struct in_addr a;

	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (uint16_t)l4);
	b[0] = 1; b[1] = 1; b[2] = 6;
	memcpy(b + 28, VMMAC, 6);
	c = (uint16_t)~udp_sum(ip, l4);
	memcpy(udp + 6, &c, 2);
	cr_assert_eq(udp_sum(ip, l4), 0xffff);
	cr_assert_eq(wifi_nat_from_vm(&w, f, n), WIFI_PASS);
	cr_expect_eq(get16(b + 10) & 0x8000, 0x8000, "broadcast flag set");
	cr_expect_eq(udp_sum(ip, l4), 0xffff, "UDP checksum still right");
	cr_expect(!memcmp(b + 28, VMMAC, 6), "chaddr kept");
	cr_expect_eq(w.n_v4, 0, "0.0.0.0 not learnt");

	/* The server's broadcast reply teaches the address offered to the VM. */
	n = ip4(f, BCAST, LANMAC, "203.0.113.1", "255.255.255.255", 17, l4);
	put16(udp, 67);
	put16(udp + 2, 68);
	memset(udp + 6, 0, 2);
	b[0] = 2;
	inet_pton(AF_INET, "203.0.113.120", b + 16);
	memcpy(b + 28, VMMAC, 6);
	cr_assert_eq(wifi_nat_to_vm(&w, f, n), WIFI_PASS);
	inet_pton(AF_INET, "203.0.113.120", &a);
	cr_expect(wifi_nat_has_v4(&w, a));
	n = ip4(f, IFMAC, LANMAC, "203.0.113.1", "203.0.113.120", 1, 8);
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_PASS);
	cr_expect(!memcmp(f, VMMAC, 6));
}

static uint16_t icmp6_sum(const uint8_t *ip6, size_t plen)
{
	uint64_t s = csum_add(0, ip6 + 8, 32);

	s = csum_add16(s, (uint16_t)plen);
	s = csum_add16(s, 58);
	s = csum_add(s, ip6 + 40, plen);
	return csum_fold(s);
}

/* A neighbour solicitation or advertisement with a link-layer option. */
static size_t ndp(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t type,
		  const char *sip, const char *dip, const char *target, const uint8_t *ll)
{
	size_t n = eth(f, dst, src, 0x86dd), plen = 32;
	uint8_t *ip = f + n, *m = ip + 40;
	uint16_t c;

	memset(ip, 0, 40 + plen);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)plen);
	ip[6] = 58;
	ip[7] = 255;
	inet_pton(AF_INET6, sip, ip + 8);
	inet_pton(AF_INET6, dip, ip + 24);
	m[0] = type;
	inet_pton(AF_INET6, target, m + 8);
	m[24] = type == 135 ? 1 : 2;
	m[25] = 1;
	memcpy(m + 26, ll, 6);
	c = (uint16_t)~icmp6_sum(ip, plen);
	memcpy(m + 2, &c, 2);
	return n + 40 + plen;
}

Test(wifi_nat, ndp_options_rewritten)
{
	uint8_t f[128];
	size_t n = ndp(f, (uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 1 }, VMMAC, 135, "2001:db8:1::11",
		       "ff02::1:ff00:1", "2001:db8:1::1", VMMAC);
	struct in6_addr a;

	cr_assert_eq(wifi_nat_from_vm(&w, f, n), WIFI_PASS);
	cr_expect(!memcmp(f + 14 + 40 + 26, IFMAC, 6), "source link-layer option is IF's");
	cr_expect_eq(icmp6_sum(f + 14, 32), 0xffff, "ICMPv6 checksum recomputed");
	inet_pton(AF_INET6, "2001:db8:1::11", &a);
	cr_expect(wifi_nat_has_v6(&w, &a));

	/* duplicate address detection teaches the tentative address */
	n = ndp(f, (uint8_t[6]){ 0x33, 0x33, 0xff, 0, 0, 0x22 }, VMMAC, 135, "::",
		"ff02::1:ff00:22", "2001:db8:1::22", VMMAC);
	cr_assert_eq(wifi_nat_from_vm(&w, f, n), WIFI_PASS);
	inet_pton(AF_INET6, "2001:db8:1::22", &a);
	cr_expect(wifi_nat_has_v6(&w, &a));

	n = ndp(f, IFMAC, LANMAC, 136, "2001:db8:1::1", "2001:db8:1::11", "2001:db8:1::1",
		LANMAC);
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_PASS);
	cr_expect(!memcmp(f, VMMAC, 6));
	n = ndp(f, IFMAC, LANMAC, 136, "2001:db8:1::1", "2001:db8:1::99", "2001:db8:1::1",
		LANMAC);
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_NOT_OURS);
	n = ndp(f, VMMAC, LANMAC, 136, "2001:db8:1::1", "2001:db8:1::11", "2001:db8:1::1",
		LANMAC);
	cr_expect_eq(wifi_nat_to_vm(&w, f, n), WIFI_NOT_OURS, "only frames to IF's MAC");
}

Test(wifi_nat, table_keeps_the_most_recent)
{
	uint8_t f[64];
	char ip[32];
	struct in_addr a;

	for (int i = 0; i < WIFI_NAT_ADDRS + 3; i++) {
		size_t n;

		snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + i);
		n = ip4(f, LANMAC, VMMAC, ip, "203.0.113.1", 1, 8);
		cr_assert_eq(wifi_nat_from_vm(&w, f, n), WIFI_PASS);
	}
	cr_expect_eq(w.n_v4, WIFI_NAT_ADDRS);
	inet_pton(AF_INET, "203.0.113.10", &a);
	cr_expect_not(wifi_nat_has_v4(&w, a), "the oldest went");
	snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + WIFI_NAT_ADDRS + 2);
	inet_pton(AF_INET, ip, &a);
	cr_expect(wifi_nat_has_v4(&w, a));
}

Test(wifi_nat, short_frames)
{
	uint8_t f[128];
	size_t full = arp(f, BCAST, VMMAC, 1, VMMAC, "203.0.113.10", (uint8_t[6]){ 0 },
			  "203.0.113.1");

	for (size_t n = 0; n < full; n++) {
		uint8_t g[128];

		memcpy(g, f, full);
		cr_expect_neq(wifi_nat_from_vm(&w, g, n), WIFI_PASS, "%zu bytes", n);
		memcpy(g, f, full);
		cr_expect_neq(wifi_nat_to_vm(&w, g, n), WIFI_PASS, "%zu bytes", n);
	}
}
