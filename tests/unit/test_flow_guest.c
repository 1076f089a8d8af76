/* SPDX-License-Identifier: MIT */
/*
 * test_flow_guest.c - per-guest limits of the flow table (forwarders/flow.h):
 * a guest (adapter, switch port) gets at most its share of each protocol and
 * of connects under way, while other guests keep inserting; flows made from
 * the host side (FLOW_GUEST_NONE) count only against the table; a guest's
 * entry and counts go when its flows go; FLOW_MAX_GUESTS at once.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/flow.h"

static struct flow_table *t;

static void setup(void)
{
	struct flow_limits lim = {
		.max = { 100, 50, 10 },
		.guest_max = { 20, 5, 2 },
		.guest_connecting = 4,
	};

	t = flow_table_new(&lim);
	cr_assert_not_null(t);
}

static void teardown(void)
{
	flow_table_free(t);
}

TestSuite(flow_guest, .init = setup, .fini = teardown);

/* A key from guest address 10.0.2.<g>, port `port`. */
static struct flow_key key(enum flow_proto proto, uint8_t g, uint16_t port)
{
	struct flow_key k;
	uint32_t ga = htonl(0x0a000200u | g), ra = htonl(0xcb007105u);

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.proto = (uint8_t)proto;
	k.nic = 1;
	k.gport = htons(port);
	k.rport = htons(80);
	memcpy(k.gaddr, &ga, 4);
	memcpy(k.raddr, &ra, 4);
	return k;
}

struct guests {
	unsigned n;
	struct flow_guest_info g[8];
};

static int collect(void *opaque, const struct flow_guest_info *g)
{
	struct guests *gs = opaque;

	if (gs->n < 8)
		gs->g[gs->n] = *g;
	gs->n++;
	return 0;
}

Test(flow_guest, connects_under_way_are_limited_per_guest)
{
	struct flow_table_stats st;
	struct flow *f[8];

	/* guest port 0x101 floods SYNs: 4 connects under way, then EDQUOT */
	for (int i = 0; i < 4; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 15, (uint16_t)(1000 + i));

		f[i] = flow_insert_guest(t, &k, 0x101, true, 0);
		cr_assert_not_null(f[i]);
	}
	for (int i = 4; i < 8; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 15, (uint16_t)(1000 + i));

		errno = 0;
		cr_assert_null(flow_insert_guest(t, &k, 0x101, true, 0));
		cr_assert_eq(errno, EDQUOT);
	}
	/* another guest on the same adapter connects meanwhile */
	for (int i = 0; i < 4; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 16, (uint16_t)(2000 + i));

		cr_assert_not_null(flow_insert_guest(t, &k, 0x102, true, 0));
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.refused_guest[FLOW_PROTO_TCP], 4);
	cr_assert_eq(st.guests, 2);
	/* a finished connect frees a place under way, not a flow */
	flow_connected(t, f[0]);
	flow_connected(t, f[0]);
	{
		struct flow_key k = key(FLOW_PROTO_TCP, 15, 3000);

		cr_assert_not_null(flow_insert_guest(t, &k, 0x101, true, 0));
	}
	/* removing a connecting flow frees its place too */
	flow_remove(t, f[1]);
	{
		struct flow_key k = key(FLOW_PROTO_TCP, 15, 3001);

		cr_assert_not_null(flow_insert_guest(t, &k, 0x101, true, 0));
	}
}

Test(flow_guest, flows_are_limited_per_guest_and_protocol)
{
	struct flow_table_stats st;
	struct guests gs = { 0 };

	for (int i = 0; i < 20; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 15, (uint16_t)(1000 + i));
		struct flow *f = flow_insert_guest(t, &k, 0x101, true, 0);

		cr_assert_not_null(f, "flow %d", i);
		flow_connected(t, f);
	}
	{
		struct flow_key k = key(FLOW_PROTO_TCP, 15, 999);

		errno = 0;
		cr_assert_null(flow_insert_guest(t, &k, 0x101, false, 0));
		cr_assert_eq(errno, EDQUOT);
	}
	/* its UDP share is its own */
	for (int i = 0; i < 5; i++) {
		struct flow_key k = key(FLOW_PROTO_UDP, 15, (uint16_t)(1000 + i));

		cr_assert_not_null(flow_insert_guest(t, &k, 0x101, false, 0));
	}
	{
		struct flow_key k = key(FLOW_PROTO_UDP, 15, 999);

		cr_assert_null(flow_insert_guest(t, &k, 0x101, false, 0));
	}
	/* host-side flows (port forwards) are nobody's: only the table counts */
	for (int i = 0; i < 30; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 15, (uint16_t)(5000 + i));

		cr_assert_not_null(flow_insert_guest(t, &k, FLOW_GUEST_NONE, false, 0));
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], 50);
	cr_assert_eq(st.refused_guest[FLOW_PROTO_TCP], 1);
	cr_assert_eq(st.refused_guest[FLOW_PROTO_UDP], 1);
	cr_assert_eq(st.guest_max[FLOW_PROTO_TCP], 20);
	cr_assert_eq(st.guest_connecting_max, 4);
	flow_foreach_guest(t, collect, &gs);
	cr_assert_eq(gs.n, 1);
	cr_assert_eq(gs.g[0].nic, 1);
	cr_assert_eq(gs.g[0].port, 0x101);
	cr_assert_eq(gs.g[0].active[FLOW_PROTO_TCP], 20);
	cr_assert_eq(gs.g[0].active[FLOW_PROTO_UDP], 5);
	cr_assert_eq(gs.g[0].connecting, 0);
	cr_assert_eq(gs.g[0].refused, 2);
}

static int remove_all(void *opaque, struct flow *f)
{
	flow_remove(opaque, f);
	return 0;
}

Test(flow_guest, a_guest_leaves_with_its_flows)
{
	struct flow_table_stats st;
	struct guests gs = { 0 };

	for (int i = 0; i < 3; i++) {
		struct flow_key k = key(FLOW_PROTO_ICMP, 15, (uint16_t)i);

		if (i < 2)
			cr_assert_not_null(flow_insert_guest(t, &k, 0x101, false, 0));
		else
			cr_assert_null(flow_insert_guest(t, &k, 0x101, false, 0));
	}
	flow_foreach(t, remove_all, t);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.guests, 0);
	flow_foreach_guest(t, collect, &gs);
	cr_assert_eq(gs.n, 0);
	/* the same guest starts afresh */
	for (int i = 0; i < 2; i++) {
		struct flow_key k = key(FLOW_PROTO_ICMP, 15, (uint16_t)(10 + i));

		cr_assert_not_null(flow_insert_guest(t, &k, 0x101, false, 0));
	}
}

Test(flow_guest, no_guest_limits_when_none_are_set)
{
	struct flow_limits lim = { .max = { 100, 10, 10 } };
	struct flow_table *u = flow_table_new(&lim);

	cr_assert_not_null(u);
	for (int i = 0; i < 100; i++) {
		struct flow_key k = key(FLOW_PROTO_TCP, 15, (uint16_t)(1000 + i));

		cr_assert_not_null(flow_insert_guest(u, &k, 0, true, 0));
	}
	{
		struct flow_key k = key(FLOW_PROTO_TCP, 15, 999);

		errno = 0;
		cr_assert_null(flow_insert_guest(u, &k, 0, true, 0));
		cr_assert_eq(errno, ENOSPC, "the table's limit, not a guest's");
	}
	flow_table_free(u);
}

Test(flow_guest, at_most_FLOW_MAX_GUESTS_guests_at_once)
{
	struct flow_limits lim = { .max = { FLOW_MAX_GUESTS + 10, 10, 10 } };
	struct flow_table *u = flow_table_new(&lim);
	struct flow_key k;

	cr_assert_not_null(u);
	for (uint32_t p = 1; p <= FLOW_MAX_GUESTS; p++) {
		k = key(FLOW_PROTO_TCP, 15, (uint16_t)p);
		cr_assert_not_null(flow_insert_guest(u, &k, p << 8, false, 0), "guest %u", p);
	}
	k = key(FLOW_PROTO_TCP, 15, 60000);
	errno = 0;
	cr_assert_null(flow_insert_guest(u, &k, 0xffff00, false, 0));
	cr_assert_eq(errno, EDQUOT);
	/* one that has flows already may have more */
	cr_assert_not_null(flow_insert_guest(u, &k, 1u << 8, false, 0));
	flow_table_free(u);
}
