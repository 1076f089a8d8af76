/* SPDX-License-Identifier: MIT */
/*
 * test_fdb.c - the switch's MAC learning table (l2/fdb.h): learning,
 * moving between ports, aging, group addresses never learnt, forgetting a
 * port, and a flood of forged source addresses that must not evict more than
 * a bucket's worth of what was learnt before.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "l2/fdb.h"

static void mac_of(uint32_t n, uint8_t mac[6])
{
	mac[0] = 0x02; /* locally administered unicast */
	mac[1] = 0x00;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

Test(fdb, learn_lookup_move)
{
	struct fdb *f = fdb_new(1000);
	uint8_t a[6], b[6];

	cr_assert_not_null(f);
	mac_of(1, a);
	mac_of(2, b);
	cr_expect_eq(fdb_lookup(f, a, 0), -1);
	cr_expect(fdb_learn(f, a, 3, 0));
	cr_expect_not(fdb_learn(f, a, 3, 10), "a refresh is not a change");
	cr_expect_eq(fdb_lookup(f, a, 10), 3);
	cr_expect_eq(fdb_lookup(f, b, 10), -1);
	cr_expect(fdb_learn(f, a, 5, 20), "moving to another port is a change");
	cr_expect_eq(fdb_lookup(f, a, 20), 5);
	cr_expect_eq(fdb_count(f, 20), 1);
	fdb_free(f);
}

Test(fdb, aging)
{
	struct fdb *f = fdb_new(1000);
	uint8_t a[6];

	mac_of(7, a);
	fdb_learn(f, a, 1, 100);
	cr_expect_eq(fdb_lookup(f, a, 1099), 1);
	cr_expect_eq(fdb_lookup(f, a, 1100), -1, "aged out after 1000 ms");
	cr_expect_eq(fdb_count(f, 1100), 0);
	cr_expect(fdb_learn(f, a, 1, 1200), "relearning an aged entry is a change");
	cr_expect_eq(fdb_lookup(f, a, 1200), 1);
	fdb_free(f);
}

Test(fdb, group_source_not_learnt)
{
	struct fdb *f = fdb_new(0);
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	cr_expect_not(fdb_learn(f, bcast, 1, 0));
	cr_expect_not(fdb_learn(f, mcast, 1, 0));
	cr_expect_eq(fdb_lookup(f, bcast, 0), -1);
	cr_expect_eq(fdb_count(f, 0), 0);
	fdb_free(f);
}

Test(fdb, forget_port)
{
	struct fdb *f = fdb_new(0);
	uint8_t m[6];

	for (uint32_t i = 0; i < 100; i++) {
		mac_of(i, m);
		fdb_learn(f, m, i % 2 ? 1 : 2, 0);
	}
	fdb_forget_port(f, 1);
	for (uint32_t i = 0; i < 100; i++) {
		mac_of(i, m);
		cr_expect_eq(fdb_lookup(f, m, 0), i % 2 ? -1 : 2, "mac %u", i);
	}
	cr_expect_eq(fdb_count(f, 0), 50);
	fdb_free(f);
}

/* 1000 stations learnt, then 100 000 forged addresses: the table stays
 * bounded and lookups of survivors still give the right port; evicted ones
 * are unknown (flooded), never another port. */
Test(fdb, forged_flood_bounded)
{
	struct fdb *f = fdb_new(0);
	uint8_t m[6];
	unsigned survivors = 0;

	for (uint32_t i = 0; i < 1000; i++) {
		mac_of(i, m);
		fdb_learn(f, m, 1 + i % 7, 0);
	}
	/* A bucket holds FDB_WAYS: a few of 1000 random ones may overflow. */
	cr_expect_geq(fdb_count(f, 0), 990);
	for (uint32_t i = 0; i < 100000; i++) {
		mac_of(0x10000000u + i, m);
		fdb_learn(f, m, 9, 1);
	}
	cr_expect_leq(fdb_count(f, 1), FDB_BUCKETS * FDB_WAYS);
	for (uint32_t i = 0; i < 1000; i++) {
		int p;

		mac_of(i, m);
		p = fdb_lookup(f, m, 1);
		cr_expect(p == -1 || p == (int)(1 + i % 7), "mac %u on port %d", i, p);
		survivors += p != -1;
	}
	cr_log_info("%u of 1000 stations survived the flood", survivors);
	fdb_free(f);
}
