/* SPDX-License-Identifier: MIT */
/*
 * test_switch_policy.c - the switch's pure parts: the delivery decision
 * (l2/switch_internal.h) for every kind of destination and promiscuous
 * policy, the ports' own-address lists, the access-control decision, the
 * policies' names, and hello frames (build, parse, every truncation, wrong
 * secret, bad fields).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "l2/switch_internal.h"

static const uint8_t GW[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x01 };
static const uint8_t MAC[5][6] = {
	{ 0 },
	{ 2, 0, 0, 0, 0, 1 },
	{ 2, 0, 0, 0, 0, 2 },
	{ 2, 0, 0, 0, 0, 3 },
	{ 2, 0, 0, 0, 0, 4 },
};
static const uint8_t MX[6] = { 2, 0, 0, 0, 0, 0x99 };
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
static const uint8_t SECRET[SWITCH_SECRET_LEN] = { 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
						   13, 14, 15 };

/* Port 0: the gateway (host); 1 deny, 2 allow-vms, 3 allow-all, 4 deny; each
 * VM owns MAC[i]. */
static struct switch_pview V[5];

static void views(void)
{
	memset(V, 0, sizeof(V));
	V[0] = (struct switch_pview){ .live = true, .host = true, .pinned = true };
	memcpy(V[0].pinned_mac, GW, 6);
	for (unsigned i = 1; i < 5; i++) {
		V[i].live = true;
		switch_pview_learn(&V[i], MAC[i]);
	}
	V[2].policy = SWITCH_POLICY_ALLOW_VMS;
	V[3].policy = SWITCH_POLICY_ALLOW_ALL;
}

/* The receivers of a frame as a bit mask of ports. */
static unsigned who(unsigned in, const uint8_t dst[6], int fdb_port, bool *flooded)
{
	struct switch_portset out;
	unsigned mask = 0, n;
	bool f;

	n = switch_decide(V, 5, in, dst, fdb_port, &out, flooded ? flooded : &f);
	for (unsigned p = 0; p < 5; p++)
		if (switch_portset_has(&out, p))
			mask |= 1u << p;
	cr_assert_eq((unsigned)__builtin_popcount(mask), n, "count matches the set");
	cr_assert_eq(mask & (1u << in), 0, "never back to the ingress port");
	return mask;
}

#define P(x) (1u << (x))

TestSuite(decide, .init = views);

Test(decide, group_to_everyone_but_ingress)
{
	bool flooded;

	cr_expect_eq(who(1, BC, -1, &flooded), P(0) | P(2) | P(3) | P(4));
	cr_expect(flooded);
	cr_expect_eq(who(0, MCAST, -1, NULL), P(1) | P(2) | P(3) | P(4));
	V[4].live = false;
	cr_expect_eq(who(3, BC, -1, NULL), P(0) | P(1) | P(2), "only live ports");
}

Test(decide, unicast_between_two_vms)
{
	bool flooded;

	/* 1 -> 4 (known): 4, copies to allow-vms 2 and allow-all 3. */
	cr_expect_eq(who(1, MAC[4], 4, &flooded), P(4) | P(2) | P(3));
	cr_expect(!flooded);
	/* 3 -> 2: 2 once, whatever its policy. */
	cr_expect_eq(who(3, MAC[2], 2, NULL), P(2));
	/* 2 -> 1: 1 and 3 (2 is the ingress). */
	cr_expect_eq(who(2, MAC[1], 1, NULL), P(1) | P(3));
}

Test(decide, unicast_to_and_from_a_host_port)
{
	/* To the gateway: the gateway and allow-all only. */
	cr_expect_eq(who(1, GW, -1, NULL), P(0) | P(3));
	/* The gateway's MAC wins over what was learnt (a VM forged it). */
	cr_expect_eq(who(1, GW, 4, NULL), P(0) | P(3));
	/* From the gateway to a VM. */
	cr_expect_eq(who(0, MAC[1], 1, NULL), P(1) | P(3));
	/* From the gateway, unknown: allow-all only (and no owner). */
	cr_expect_eq(who(0, MX, -1, NULL), P(3));
	/* To an address the fdb has on the host port (not its pinned one):
	 * not copied to allow-vms. */
	cr_expect_eq(who(1, MX, 0, NULL), P(0) | P(3));
}

Test(decide, unknown_unicast)
{
	bool flooded;

	/* Nobody owns it: allow-vms and allow-all; deny ports and the gateway
	 * not. */
	cr_expect_eq(who(1, MX, -1, &flooded), P(2) | P(3));
	cr_expect(flooded);
	/* A deny port's own address, aged out of the fdb: that port gets it. */
	cr_expect_eq(who(1, MAC[4], -1, NULL), P(4) | P(2) | P(3));
	/* The hello's MAC (pinned) counts as own too. */
	V[4].pinned = true;
	memcpy(V[4].pinned_mac, MX, 6);
	cr_expect_eq(who(2, MX, -1, NULL), P(4) | P(3));
	/* The gateway's learnt (not pinned) address: the owner is a host
	 * port, so allow-vms gets no copy. */
	{
		static const uint8_t HX[6] = { 2, 0, 0, 0, 0, 0x77 };

		switch_pview_learn(&V[0], HX);
		cr_expect_eq(who(1, HX, -1, NULL), P(0) | P(3));
	}
}

Test(decide, destination_on_the_ingress_port)
{
	bool flooded;

	cr_expect_eq(who(1, MAC[1], 1, &flooded), P(2) | P(3), "only the promiscuous copies");
	cr_expect(!flooded);
	V[2].policy = V[3].policy = SWITCH_POLICY_DENY;
	cr_expect_eq(who(1, MAC[1], 1, NULL), 0);
}

Test(decide, only_vms)
{
	V[0].live = false; /* no host port at all */
	cr_expect_eq(who(1, MAC[4], 4, NULL), P(4) | P(2) | P(3));
	cr_expect_eq(who(1, BC, -1, NULL), P(2) | P(3) | P(4));
	cr_expect_eq(who(2, MX, -1, NULL), P(3));
}

Test(decide, the_host_interface_sees_everything_only_while_promiscuous)
{
	/* Port 0 as a host-only interface's tap: a host port. Not promiscuous:
	 * its own address and group frames only, like any host port. */
	cr_expect_eq(who(1, MAC[2], 2, NULL), P(2) | P(3));
	cr_expect_eq(who(1, MX, -1, NULL), P(2) | P(3));
	/* Promiscuous (a capture on the host): every frame, VM to VM,
	 * unknown destinations, and frames to the ingress port's own address. */
	V[0].all = true;
	cr_expect_eq(who(1, MAC[2], 2, NULL), P(0) | P(2) | P(3));
	cr_expect_eq(who(1, MX, -1, NULL), P(0) | P(2) | P(3));
	cr_expect_eq(who(1, MAC[1], 1, NULL), P(0) | P(2) | P(3));
	/* Still never back to itself, and its own frames stay as before. */
	cr_expect_eq(who(0, MAC[1], 1, NULL), P(1) | P(3));
	cr_expect_eq(who(1, GW, -1, NULL), P(0) | P(3));
	/* A dead host port gets nothing, promiscuous or not. */
	V[0].live = false;
	cr_expect_eq(who(1, MAC[2], 2, NULL), P(2) | P(3));
}

Test(decide, the_uplink_is_a_trunk)
{
	bool flooded;

	/* Port 4 becomes the uplink: VMs of other hosts are behind it. */
	V[4].uplink = true;
	cr_expect_eq(who(1, MX, -1, &flooded), P(2) | P(3) | P(4), "unknown unicast reaches it");
	cr_expect(flooded);
	cr_expect_eq(who(1, MAC[2], 2, NULL), P(2) | P(3), "known unicast does not");
	cr_expect_eq(who(4, MAC[1], 1, NULL), P(1) | P(2) | P(3), "from it: switched as usual");
	cr_expect_eq(who(0, MX, -1, NULL), P(3) | P(4), "the gateway's unknown unicast too");
	cr_expect_eq(who(1, BC, -1, NULL), P(0) | P(2) | P(3) | P(4));
	V[4].live = false; /* its VDE switch went away */
	cr_expect_eq(who(1, MX, -1, NULL), P(2) | P(3));
}

Test(decide, a_dead_learnt_port_means_unknown)
{
	V[4].live = false;
	cr_expect_eq(who(1, MAC[4], 4, NULL), P(2) | P(3));
}

Test(pview, own_addresses_ring)
{
	struct switch_pview v = { 0 };
	uint8_t m[6] = { 2, 0, 0, 0, 0, 0 };

	for (unsigned i = 1; i <= SWITCH_OWN_MACS + 2; i++) {
		m[5] = (uint8_t)i;
		switch_pview_learn(&v, m);
		switch_pview_learn(&v, m); /* twice: kept once */
	}
	cr_expect_eq(v.n_own, SWITCH_OWN_MACS);
	m[5] = 1;
	cr_expect(!switch_pview_owns(&v, m), "the oldest went");
	m[5] = 2;
	cr_expect(!switch_pview_owns(&v, m));
	m[5] = 3;
	cr_expect(switch_pview_owns(&v, m));
	switch_pview_forget(&v, m);
	cr_expect(!switch_pview_owns(&v, m), "moved away");
	cr_expect_eq(v.n_own, SWITCH_OWN_MACS - 1);
	m[5] = SWITCH_OWN_MACS + 2;
	cr_expect(switch_pview_owns(&v, m), "the newest stays");
	m[5] = 0x50;
	switch_pview_learn(&v, m);
	m[5] = 4; /* now the oldest: the next one learnt replaces it */
	cr_expect(switch_pview_owns(&v, m));
	m[5] = 0x51;
	switch_pview_learn(&v, m);
	m[5] = 4;
	cr_expect(!switch_pview_owns(&v, m));
	m[5] = 0x50;
	cr_expect(switch_pview_owns(&v, m));
	/* The pinned address is never forgotten. */
	v.pinned = true;
	memcpy(v.pinned_mac, GW, 6);
	switch_pview_forget(&v, GW);
	cr_expect(switch_pview_owns(&v, GW));
}

Test(access, peer_allowed)
{
	struct switch_config c = { .owner_uid = 1000, .share_gid = (gid_t)-1 };
	gid_t g[] = { 20, 4343, 27 };

	cr_expect(switch_peer_allowed(&c, 1000, 1000, NULL, 0), "the owner");
	cr_expect(switch_peer_allowed(&c, 0, 0, NULL, 0), "root");
	cr_expect(!switch_peer_allowed(&c, 1001, 1000, NULL, 0), "another uid");
	cr_expect(!switch_peer_allowed(&c, 1001, 4343, g, 3), "not shared: no group helps");
	c.share_gid = 4343;
	cr_expect(switch_peer_allowed(&c, 1001, 4343, NULL, 0), "primary group");
	cr_expect(switch_peer_allowed(&c, 1001, 100, g, 3), "supplementary group");
	cr_expect(!switch_peer_allowed(&c, 1001, 100, g, 1), "not among its groups");
	cr_expect(!switch_peer_allowed(&c, 1001, 100, NULL, 0));
	cr_expect(switch_peer_allowed(&c, 1000, 5, NULL, 0));
}

Test(policy, names)
{
	enum switch_policy p;

	cr_expect_str_eq(switch_policy_name(SWITCH_POLICY_DENY), "deny");
	cr_expect_str_eq(switch_policy_name(SWITCH_POLICY_ALLOW_VMS), "allow-vms");
	cr_expect_str_eq(switch_policy_name(SWITCH_POLICY_ALLOW_ALL), "allow-all");
	cr_expect_str_eq(switch_policy_name(SWITCH_POLICY_COUNT), "?");
	for (int i = 0; i < SWITCH_POLICY_COUNT; i++) {
		cr_expect_eq(switch_policy_parse(switch_policy_name(i), &p), 0);
		cr_expect_eq(p, i);
	}
	cr_expect_eq(switch_policy_parse("Deny", &p), -EINVAL);
	cr_expect_eq(switch_policy_parse("allow", &p), -EINVAL);
	cr_expect_eq(switch_policy_parse("", &p), -EINVAL);
	cr_expect_eq(switch_policy_parse(NULL, &p), -EINVAL);
}

Test(hello, build_and_parse)
{
	uint8_t f[SWITCH_HELLO_MAX];
	struct switch_hello h;
	char name[64];
	int n;

	n = switch_hello_build(f, sizeof(f), SECRET, "web-1", 3, MAC[1], SWITCH_POLICY_ALLOW_VMS);
	cr_assert_eq(n, 60, "padded to the Ethernet minimum");
	cr_expect_eq(memcmp(f, SWITCH_HELLO_ADDR, 6), 0);
	cr_expect_eq(memcmp(f + 6, MAC[1], 6), 0, "source: the MAC");
	cr_expect_eq(f[12] << 8 | f[13], 0x88b5);
	cr_expect(switch_frame_is_hello(f, (size_t)n));
	cr_assert_eq(switch_hello_parse(f, (size_t)n, SECRET, &h), 0);
	cr_expect_str_eq(h.vm, "web-1");
	cr_expect_eq(h.adapter, 3);
	cr_expect_eq(memcmp(h.mac, MAC[1], 6), 0);
	cr_expect(h.mac_known);
	cr_expect_eq(h.policy, SWITCH_POLICY_ALLOW_VMS);

	/* The longest name, no name, no MAC. */
	memset(name, 'x', 63);
	name[63] = '\0';
	n = switch_hello_build(f, sizeof(f), SECRET, name, 65535, NULL, SWITCH_POLICY_DENY);
	cr_assert_eq(n, 45 + 63);
	cr_assert_leq(n, SWITCH_HELLO_MAX);
	cr_assert_eq(switch_hello_parse(f, (size_t)n, SECRET, &h), 0);
	cr_expect_str_eq(h.vm, name);
	cr_expect_eq(h.adapter, 65535);
	cr_expect(!h.mac_known);
	n = switch_hello_build(f, sizeof(f), SECRET, NULL, 0, NULL, SWITCH_POLICY_ALLOW_ALL);
	cr_assert_eq(switch_hello_parse(f, (size_t)n, SECRET, &h), 0);
	cr_expect_str_eq(h.vm, "");
	cr_expect_eq(h.policy, SWITCH_POLICY_ALLOW_ALL);
	/* Trailing bytes are ignored. */
	cr_expect_eq(switch_hello_parse(f, sizeof(f), SECRET, &h), 0);
}

Test(hello, build_refuses)
{
	uint8_t f[SWITCH_HELLO_MAX];
	char name[65];

	memset(name, 'x', 64);
	name[64] = '\0';
	cr_expect_eq(switch_hello_build(f, sizeof(f), SECRET, name, 1, NULL, 0), -EINVAL);
	cr_expect_eq(switch_hello_build(f, sizeof(f), SECRET, "a\nb", 1, NULL, 0), -EINVAL);
	cr_expect_eq(switch_hello_build(f, sizeof(f), SECRET, "a", 65536, NULL, 0), -EINVAL);
	cr_expect_eq(switch_hello_build(f, sizeof(f), SECRET, "a", 1, BC, 0), -EINVAL);
	cr_expect_eq(switch_hello_build(f, sizeof(f), SECRET, "a", 1, NULL, SWITCH_POLICY_COUNT),
		     -EINVAL);
	cr_expect_eq(switch_hello_build(f, 59, SECRET, "a", 1, NULL, 0), -EINVAL);
	cr_expect_eq(switch_hello_build(NULL, 0, SECRET, "a", 1, NULL, 0), -EINVAL);
}

Test(hello, parse_rejects)
{
	static const uint8_t other[SWITCH_SECRET_LEN] = { 0xa5 };
	uint8_t f[SWITCH_HELLO_MAX], g[SWITCH_HELLO_MAX];
	struct switch_hello h;
	int n = switch_hello_build(f, sizeof(f), SECRET, "vm-with-a-name", 1, MAC[2],
				   SWITCH_POLICY_ALLOW_ALL);

	cr_assert_gt(n, 0);
	cr_expect_eq(switch_hello_parse(f, (size_t)n, other, &h), -EPERM, "wrong secret");
	/* Cut anywhere inside: malformed. */
	for (int len = 0; len < 45 + 14; len++)
		cr_expect_eq(switch_hello_parse(f, (size_t)len, SECRET, &h), -EINVAL, "cut at %d",
			     len);
#define BAD(off, val, why) \
	do { \
		memcpy(g, f, sizeof(g)); \
		g[off] = (val); \
		cr_expect_eq(switch_hello_parse(g, (size_t)n, SECRET, &h), -EINVAL, why); \
	} while (0)
	BAD(5, 0x01, "another destination");
	BAD(13, 0x00, "another EtherType");
	BAD(14, 'N', "magic");
	BAD(18, 2, "a later version");
	BAD(18, 0, "version 0");
	BAD(37, 0x03, "a group MAC");
	BAD(43, SWITCH_POLICY_COUNT, "policy");
	BAD(44, 64, "name too long");
	BAD(44, 60, "name longer than the frame");
	BAD(45, 0x00, "NUL in the name");
	BAD(46, 0x1b, "escape in the name");
	BAD(47, 0x7f, "DEL in the name");
#undef BAD
	/* A frame to another address is no hello at all. */
	memcpy(g, f, sizeof(g));
	memcpy(g, BC, 6);
	cr_expect(!switch_frame_is_hello(g, (size_t)n));
	cr_expect(!switch_frame_is_hello(f, 5));
	cr_expect(switch_frame_is_hello(f, 6), "any frame to the hello address");
}
