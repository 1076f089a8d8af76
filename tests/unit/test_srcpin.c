/* SPDX-License-Identifier: MIT */
/*
 * test_srcpin.c - source pinning (forwarders/srcpin.h) on hand-made frames:
 * a leased address passes from its port, is refused from another port with
 * another MAC, moves with its MAC; an unleased address is not pinned; a
 * lease restored from disk (port SRCPIN_NONE) refuses every other MAC and
 * goes to the first port its own MAC sends from.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <string.h>

#include "forwarders/srcpin.h"

static struct srcpin *t;
static const uint8_t mac_a[6] = { 0x08, 0x00, 0x27, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x08, 0x00, 0x27, 0, 0, 0x0b };

static void setup(void)
{
	t = srcpin_new();
	cr_assert_not_null(t);
}

static void teardown(void)
{
	srcpin_free(t);
}

TestSuite(srcpin, .init = setup, .fini = teardown);

static uint32_t addr(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* An IPv4 header (20 bytes, UDP) from `src` behind an Ethernet header from mac. */
static size_t ipv4_frame(uint8_t *f, const uint8_t mac[6], const char *src)
{
	uint32_t s = addr(src), d = addr("198.51.100.1");

	memset(f, 0, 14 + 28);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 9] = 17;
	memcpy(f + 14 + 12, &s, 4);
	memcpy(f + 14 + 16, &d, 4);
	return 14 + 28;
}

/* An ARP reply from mac claiming `src`. */
static size_t arp_frame(uint8_t *f, const uint8_t mac[6], const char *src)
{
	static const uint8_t hdr[8] = { 0, 1, 0x08, 0, 6, 4, 0, 2 };
	uint32_t s = addr(src);

	memset(f, 0, 14 + 28);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 14 + 8, mac, 6);
	memcpy(f + 14 + 14, &s, 4);
	return 14 + 28;
}

Test(srcpin, frame_source)
{
	uint8_t f[64];
	uint32_t src = 0;

	cr_assert_eq(srcpin_frame_source(f, ipv4_frame(f, mac_a, "10.0.2.15"), &src), 1);
	cr_assert_eq(src, addr("10.0.2.15"));
	cr_assert_eq(srcpin_frame_source(f, arp_frame(f, mac_a, "10.0.2.16"), &src), 2);
	cr_assert_eq(src, addr("10.0.2.16"));
	cr_assert_eq(srcpin_frame_source(f, 13, &src), 0, "shorter than Ethernet");
	cr_assert_eq(srcpin_frame_source(f, 14 + 27, &src), 0, "ARP cut short");
	f[12] = 0x86;
	f[13] = 0xdd;
	cr_assert_eq(srcpin_frame_source(f, sizeof(f), &src), 0, "IPv6 has none here");
}

Test(srcpin, leased_address_stays_with_its_port)
{
	uint8_t f[64];
	uint32_t src, owner;
	size_t n;

	srcpin_lease(t, addr("10.0.2.15"), mac_a, 3);
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), 3);
	n = ipv4_frame(f, mac_a, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 3, &src, &owner), SRCPIN_PASS);
	cr_assert_eq(owner, 3);
	n = ipv4_frame(f, mac_b, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_SPOOFED);
	cr_assert_eq(owner, 3);
	cr_assert_eq(src, addr("10.0.2.15"));
	n = arp_frame(f, mac_b, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_SPOOFED, "ARP too");
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), 3, "a refusal moves nothing");
	/* an address nobody leased */
	n = ipv4_frame(f, mac_b, "10.0.2.99");
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_PASS);
	cr_assert_eq(owner, SRCPIN_NONE);
}

Test(srcpin, the_lease_mac_moves_the_pin)
{
	uint8_t f[64];
	uint32_t src, owner;
	size_t n = ipv4_frame(f, mac_a, "10.0.2.15");

	srcpin_lease(t, addr("10.0.2.15"), mac_a, 3);
	cr_assert_eq(srcpin_check(t, f, n, 7, &src, &owner), SRCPIN_MOVED);
	cr_assert_eq(owner, 3, "the port before the move");
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), 7);
	n = ipv4_frame(f, mac_b, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 3, &src, &owner), SRCPIN_SPOOFED,
		     "the old port with another MAC");
}

Test(srcpin, unlease_unpins)
{
	uint8_t f[64];
	uint32_t src, owner;
	size_t n = ipv4_frame(f, mac_b, "10.0.2.15");

	srcpin_lease(t, addr("10.0.2.15"), mac_a, 3);
	srcpin_unlease(t, addr("10.0.2.15"));
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), SRCPIN_NONE);
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_PASS);
	srcpin_lease(t, 0, mac_a, 3);
	cr_assert_eq(srcpin_port(t, 0), SRCPIN_NONE, "address 0 is never pinned");
}

Test(srcpin, restored_lease_waits_for_its_mac)
{
	uint8_t f[64];
	uint32_t src, owner;
	size_t n;

	srcpin_lease(t, addr("10.0.2.15"), mac_a, SRCPIN_NONE);
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), SRCPIN_NONE, "no port yet");
	n = ipv4_frame(f, mac_b, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_SPOOFED,
		     "another MAC before the VM is back");
	cr_assert_eq(owner, SRCPIN_NONE);
	n = arp_frame(f, mac_a, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 5, &src, &owner), SRCPIN_MOVED);
	cr_assert_eq(srcpin_port(t, addr("10.0.2.15")), 5, "the VM's port now");
	n = ipv4_frame(f, mac_b, "10.0.2.15");
	cr_assert_eq(srcpin_check(t, f, n, 4, &src, &owner), SRCPIN_SPOOFED);
	cr_assert_eq(owner, 5);
}

Test(srcpin, slots_past_the_table_take_over)
{
	/* 10.0.0.15 and 10.0.4.15 are SRCPIN_SLOTS (1024) apart: one slot */
	srcpin_lease(t, addr("10.0.0.15"), mac_a, 3);
	srcpin_lease(t, addr("10.0.4.15"), mac_b, 4);
	cr_assert_eq(srcpin_port(t, addr("10.0.4.15")), 4);
	cr_assert_eq(srcpin_port(t, addr("10.0.0.15")), SRCPIN_NONE, "the later lease took it");
}
