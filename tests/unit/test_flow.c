/* SPDX-License-Identifier: MIT */
/*
 * test_flow.c - SipHash-2-4 against the reference vectors of the SipHash
 * paper, and the flow table (forwarders/flow.h): insert, lookup, remove,
 * per-protocol limits, slot reuse, iteration with removal, key distinctness,
 * formatting, and a 10 000-flow stress.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/flow.h"
#include "base/siphash.h"

/* Key 00 01 .. 0f, message 00 01 .. (len-1): vectors from the paper's
 * reference implementation (appendix A gives the 15-byte one). */
Test(siphash, reference_vectors)
{
	static const struct {
		size_t len;
		uint64_t hash;
	} v[] = {
		{ 0, UINT64_C(0x726fdb47dd0e0e31) },
		{ 1, UINT64_C(0x74f839c593dc67fd) },
		{ 2, UINT64_C(0x0d6c8009d9a94f5a) },
		{ 3, UINT64_C(0x85676696d7fb7e2d) },
		{ 7, UINT64_C(0xab0200f58b01d137) },
		{ 8, UINT64_C(0x93f5f5799a932462) },
		{ 15, UINT64_C(0xa129ca6149be45e5) },
		{ 16, UINT64_C(0x3f2acc7f57c29bdb) },
		{ 63, UINT64_C(0x958a324ceb064572) },
		{ 64, UINT64_C(0xacd2c40b8502cad8) },
	};
	uint8_t key[16], msg[64];

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cr_expect_eq(siphash24(msg, v[i].len, key), v[i].hash,
			     "len %zu: got %016llx want %016llx", v[i].len,
			     (unsigned long long)siphash24(msg, v[i].len, key),
			     (unsigned long long)v[i].hash);
}

Test(siphash, key_matters)
{
	uint8_t k1[16] = { 0 }, k2[16] = { 0 };
	const char msg[] = "10.0.2.15:40000";

	k2[15] = 1;
	cr_assert_neq(siphash24(msg, sizeof(msg), k1), siphash24(msg, sizeof(msg), k2));
}

static struct flow_key key4(uint8_t nic, enum flow_proto proto, const char *gaddr,
			    uint16_t gport, const char *raddr, uint16_t rport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.proto = (uint8_t)proto;
	k.nic = nic;
	k.gport = htons(gport);
	k.rport = htons(rport);
	cr_assert_eq(inet_pton(AF_INET, gaddr, k.gaddr), 1);
	cr_assert_eq(inet_pton(AF_INET, raddr, k.raddr), 1);
	return k;
}

static struct flow_key key6(uint8_t nic, enum flow_proto proto, const char *gaddr,
			    uint16_t gport, const char *raddr, uint16_t rport)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	k.proto = (uint8_t)proto;
	k.nic = nic;
	k.gport = htons(gport);
	k.rport = htons(rport);
	cr_assert_eq(inet_pton(AF_INET6, gaddr, k.gaddr), 1);
	cr_assert_eq(inet_pton(AF_INET6, raddr, k.raddr), 1);
	return k;
}

/* A distinct TCP key for each i (guest port and low address bytes vary). */
static struct flow_key key_n(enum flow_proto proto, unsigned i)
{
	struct flow_key k = key4(1, proto, "10.0.2.15", 0, "93.184.216.34", 443);

	k.gport = htons((uint16_t)(1024 + i % 50000));
	k.gaddr[3] = (uint8_t)(15 + i / 50000);
	return k;
}

static struct flow_table *new_table(unsigned tcp, unsigned udp, unsigned icmp)
{
	struct flow_limits lim = { .max = { tcp, udp, icmp } };
	struct flow_table *t = flow_table_new(&lim);

	cr_assert_not_null(t, "flow_table_new: %s", strerror(errno));
	return t;
}

Test(flow, new_rejects_zero_limit)
{
	struct flow_limits lim = { .max = { 16, 0, 4 } };

	errno = 0;
	cr_assert_null(flow_table_new(&lim));
	cr_assert_eq(errno, EINVAL);

	lim.max[1] = 8;
	lim.max[2] = 0;
	errno = 0;
	cr_assert_null(flow_table_new(&lim));
	cr_assert_eq(errno, EINVAL);
}

Test(flow, insert_lookup_remove)
{
	struct flow_table *t = new_table(4, 4, 4);
	struct flow_key k = key4(1, FLOW_PROTO_TCP, "10.0.2.15", 40000, "1.1.1.1", 80);
	struct flow_table_stats st;
	struct flow *f;

	cr_assert_null(flow_lookup(t, &k));
	f = flow_insert(t, &k, 1234);
	cr_assert_not_null(f);
	cr_assert_eq(memcmp(&f->key, &k, sizeof(k)), 0);
	cr_assert_eq(f->created_ms, 1234);
	cr_assert_eq(f->last_ms, 1234);
	cr_assert_null(f->owner);
	cr_assert_eq(f->bytes_g2h, 0);
	cr_assert_eq(f->bytes_h2g, 0);
	cr_assert_eq(f->state, 0);
	cr_assert_eq(flow_lookup(t, &k), f);

	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], 1);
	cr_assert_eq(st.inserted[FLOW_PROTO_TCP], 1);
	cr_assert_eq(st.max[FLOW_PROTO_TCP], 4);
	cr_assert_eq(st.max[FLOW_PROTO_ICMP], 4);

	flow_remove(t, f);
	cr_assert_null(flow_lookup(t, &k));
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], 0);
	cr_assert_eq(st.removed[FLOW_PROTO_TCP], 1);

	/* And it can come back. */
	cr_assert_not_null(flow_insert(t, &k, 5));
	flow_table_free(t);
}

Test(flow, insert_twice_is_eexist)
{
	struct flow_table *t = new_table(4, 4, 4);
	struct flow_key k = key4(1, FLOW_PROTO_UDP, "10.0.2.15", 5353, "10.0.2.3", 53);
	struct flow_table_stats st;
	struct flow *f = flow_insert(t, &k, 0);

	cr_assert_not_null(f);
	errno = 0;
	cr_assert_null(flow_insert(t, &k, 0));
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(flow_lookup(t, &k), f);
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_UDP], 1);
	cr_assert_eq(st.inserted[FLOW_PROTO_UDP], 1);
	cr_assert_eq(st.refused_full[FLOW_PROTO_UDP], 0);
	flow_table_free(t);
}

Test(flow, bad_proto_is_einval)
{
	struct flow_table *t = new_table(4, 4, 4);
	struct flow_key k = key4(1, FLOW_PROTO_TCP, "10.0.2.15", 1, "1.1.1.1", 2);

	k.proto = FLOW_PROTO_COUNT;
	errno = 0;
	cr_assert_null(flow_insert(t, &k, 0));
	cr_assert_eq(errno, EINVAL);
	flow_table_free(t);
}

Test(flow, per_protocol_limit)
{
	struct flow_table *t = new_table(3, 2, 1);
	struct flow_table_stats st;
	struct flow_key k;

	for (unsigned i = 0; i < 2; i++)
		cr_assert_not_null(flow_insert(t, (k = key_n(FLOW_PROTO_UDP, i), &k), 0));
	k = key_n(FLOW_PROTO_UDP, 2);
	errno = 0;
	cr_assert_null(flow_insert(t, &k, 0));
	cr_assert_eq(errno, ENOSPC);
	errno = 0;
	cr_assert_null(flow_insert(t, &k, 0));
	cr_assert_eq(errno, ENOSPC);
	cr_assert_null(flow_lookup(t, &k));

	/* UDP is full; TCP and ICMP still get their share. */
	for (unsigned i = 0; i < 3; i++)
		cr_assert_not_null(flow_insert(t, (k = key_n(FLOW_PROTO_TCP, i), &k), 0));
	cr_assert_not_null(flow_insert(t, (k = key_n(FLOW_PROTO_ICMP, 0), &k), 0));
	errno = 0;
	cr_assert_null(flow_insert(t, (k = key_n(FLOW_PROTO_ICMP, 1), &k), 0));
	cr_assert_eq(errno, ENOSPC);

	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], 3);
	cr_assert_eq(st.active[FLOW_PROTO_UDP], 2);
	cr_assert_eq(st.active[FLOW_PROTO_ICMP], 1);
	cr_assert_eq(st.refused_full[FLOW_PROTO_TCP], 0);
	cr_assert_eq(st.refused_full[FLOW_PROTO_UDP], 2);
	cr_assert_eq(st.refused_full[FLOW_PROTO_ICMP], 1);

	/* Freeing one UDP flow lets exactly one more in. */
	k = key_n(FLOW_PROTO_UDP, 0);
	flow_remove(t, flow_lookup(t, &k));
	cr_assert_not_null(flow_insert(t, (k = key_n(FLOW_PROTO_UDP, 2), &k), 0));
	flow_table_free(t);
}

static int cmp_ptr(const void *a, const void *b)
{
	const struct flow *x = *(struct flow *const *)a, *y = *(struct flow *const *)b;

	return x < y ? -1 : x > y;
}

Test(flow, slots_are_reused)
{
	enum { N = 64 };
	struct flow_table *t = new_table(N, 1, 1);
	struct flow *first[N], *second[N];
	struct flow_table_stats st;
	struct flow_key k;

	for (unsigned i = 0; i < N; i++) {
		k = key_n(FLOW_PROTO_TCP, i);
		first[i] = flow_insert(t, &k, 0);
		cr_assert_not_null(first[i]);
	}
	for (unsigned i = 0; i < N; i++)
		flow_remove(t, first[i]);
	/* Different keys the second time: the slots, not the keys, are reused. */
	for (unsigned i = 0; i < N; i++) {
		k = key_n(FLOW_PROTO_TCP, N + i);
		second[i] = flow_insert(t, &k, 0);
		cr_assert_not_null(second[i], "insert %u after remove-all: %s", i, strerror(errno));
	}
	errno = 0;
	cr_assert_null(flow_insert(t, (k = key_n(FLOW_PROTO_TCP, 3 * N), &k), 0));
	cr_assert_eq(errno, ENOSPC);

	qsort(first, N, sizeof(first[0]), cmp_ptr);
	qsort(second, N, sizeof(second[0]), cmp_ptr);
	cr_assert_eq(memcmp(first, second, sizeof(first)), 0, "the same N slots again");

	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], N);
	cr_assert_eq(st.inserted[FLOW_PROTO_TCP], 2 * N);
	cr_assert_eq(st.removed[FLOW_PROTO_TCP], N);
	flow_table_free(t);
}

struct walk {
	struct flow_table *t;
	unsigned visited;
	bool seen[100];
};

/* Removes the flows whose owner tag is odd, while being iterated. */
static int remove_odd(void *opaque, struct flow *f)
{
	struct walk *w = opaque;
	uintptr_t tag = (uintptr_t)f->owner;

	cr_assert_lt(tag, 100);
	cr_assert(!w->seen[tag], "flow %zu visited twice", (size_t)tag);
	w->seen[tag] = true;
	w->visited++;
	if (tag % 2)
		flow_remove(w->t, f);
	return 0;
}

static int count(void *opaque, struct flow *f)
{
	struct walk *w = opaque;

	cr_assert_eq((uintptr_t)f->owner % 2, 0);
	w->visited++;
	return 0;
}

static int stop_at_third(void *opaque, struct flow *f)
{
	unsigned *n = opaque;

	(void)f;
	return ++*n == 3 ? 42 : 0;
}

Test(flow, foreach_with_removal)
{
	struct walk w = { 0 };
	struct flow_table_stats st;
	struct flow_key k;
	unsigned n = 0;

	w.t = new_table(100, 4, 4);
	for (unsigned i = 0; i < 100; i++) {
		struct flow *f = flow_insert(w.t, (k = key_n(FLOW_PROTO_TCP, i), &k), 0);

		cr_assert_not_null(f);
		f->owner = (void *)(uintptr_t)i;
	}
	cr_assert_eq(flow_foreach(w.t, remove_odd, &w), 0);
	cr_assert_eq(w.visited, 100);

	flow_table_get_stats(w.t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], 50);
	for (unsigned i = 0; i < 100; i++) {
		struct flow *f = flow_lookup(w.t, (k = key_n(FLOW_PROTO_TCP, i), &k));

		if (i % 2)
			cr_assert_null(f, "flow %u should be gone", i);
		else
			cr_assert(f && (uintptr_t)f->owner == i, "flow %u should remain", i);
	}

	w.visited = 0;
	cr_assert_eq(flow_foreach(w.t, count, &w), 0);
	cr_assert_eq(w.visited, 50);

	cr_assert_eq(flow_foreach(w.t, stop_at_third, &n), 42);
	cr_assert_eq(n, 3);
	flow_table_free(w.t);
}

Test(flow, keys_differing_in_one_field_are_distinct)
{
	struct flow_table *t = new_table(16, 16, 16);
	struct flow_key base = key4(1, FLOW_PROTO_UDP, "10.0.2.15", 1000, "8.8.8.8", 53);
	struct flow_key v[8];
	struct flow *f[8];
	unsigned n = 0;

	v[n++] = base;
	v[n] = base, v[n++].nic = 2;
	v[n] = base, v[n++].proto = FLOW_PROTO_TCP;
	v[n] = base, v[n++].family = AF_INET6;
	v[n] = base, v[n++].gport = htons(1001);
	v[n] = base, v[n++].rport = htons(54);
	v[n] = base, v[n++].gaddr[3] = 16;
	v[n] = base, v[n++].raddr[3] = 9;

	for (unsigned i = 0; i < n; i++) {
		f[i] = flow_insert(t, &v[i], i);
		cr_assert_not_null(f[i], "variant %u: %s", i, strerror(errno));
	}
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(flow_lookup(t, &v[i]), f[i], "variant %u", i);
		for (unsigned j = 0; j < i; j++)
			cr_assert_neq(f[i], f[j]);
	}
	flow_table_free(t);
}

Test(flow, ipv6_keys)
{
	struct flow_table *t = new_table(8, 8, 8);
	struct flow_key a = key6(1, FLOW_PROTO_TCP, "fd17::15", 40000, "2001:db8::1", 443);
	struct flow_key b = key6(1, FLOW_PROTO_TCP, "fd17::15", 40000, "2001:db8::2", 443);
	struct flow_key c = key6(1, FLOW_PROTO_ICMP, "fd17::15", 7, "2001:db8::1", 0);
	struct flow *fa = flow_insert(t, &a, 0), *fb = flow_insert(t, &b, 0);
	struct flow *fc = flow_insert(t, &c, 0);

	cr_assert(fa && fb && fc && fa != fb && fb != fc);
	cr_assert_eq(flow_lookup(t, &a), fa);
	cr_assert_eq(flow_lookup(t, &b), fb);
	cr_assert_eq(flow_lookup(t, &c), fc);
	flow_remove(t, fa);
	cr_assert_null(flow_lookup(t, &a));
	cr_assert_eq(flow_lookup(t, &b), fb);
	flow_table_free(t);
}

Test(flow, format_side)
{
	struct flow_key k4 = key4(1, FLOW_PROTO_TCP, "10.0.2.15", 40000, "93.184.216.34", 443);
	struct flow_key k6 = key6(2, FLOW_PROTO_UDP, "fd17::15", 40000, "2001:db8::53", 53);
	struct flow_key ki = key4(1, FLOW_PROTO_ICMP, "10.0.2.15", 0x1234, "1.1.1.1", 0);
	char buf[64], tiny[8];

	cr_assert_str_eq(flow_key_format_side(&k4, true, buf, sizeof(buf)), "10.0.2.15:40000");
	cr_assert_str_eq(flow_key_format_side(&k4, false, buf, sizeof(buf)), "93.184.216.34:443");
	cr_assert_str_eq(flow_key_format_side(&k6, true, buf, sizeof(buf)), "[fd17::15]:40000");
	cr_assert_str_eq(flow_key_format_side(&k6, false, buf, sizeof(buf)), "[2001:db8::53]:53");
	cr_assert_str_eq(flow_key_format_side(&ki, true, buf, sizeof(buf)), "10.0.2.15:4660");
	cr_assert_str_eq(flow_key_format_side(&ki, false, buf, sizeof(buf)), "1.1.1.1:0");
	/* Truncated, but terminated. */
	cr_assert_eq(flow_key_format_side(&k4, true, tiny, sizeof(tiny)), tiny);
	cr_assert_str_eq(tiny, "10.0.2.");
}

Test(flow, proto_names)
{
	cr_assert_str_eq(flow_proto_name(FLOW_PROTO_TCP), "tcp");
	cr_assert_str_eq(flow_proto_name(FLOW_PROTO_UDP), "udp");
	cr_assert_str_eq(flow_proto_name(FLOW_PROTO_ICMP), "icmp");
}

Test(flow, stress_10000)
{
	enum { N = 10000 };
	struct flow_table *t = new_table(N, 1, 1);
	struct flow_table_stats st;
	struct flow_key k;

	for (unsigned i = 0; i < N; i++) {
		struct flow *f = flow_insert(t, (k = key_n(FLOW_PROTO_TCP, i), &k), i);

		cr_assert_not_null(f, "insert %u: %s", i, strerror(errno));
		f->owner = (void *)(uintptr_t)(i + 1);
	}
	for (unsigned i = 0; i < N; i++) {
		struct flow *f = flow_lookup(t, (k = key_n(FLOW_PROTO_TCP, i), &k));

		cr_assert_not_null(f, "lookup %u", i);
		cr_assert_eq((uintptr_t)f->owner, i + 1, "lookup %u found another flow", i);
		cr_assert_eq(f->created_ms, i);
	}
	cr_assert_null(flow_lookup(t, (k = key_n(FLOW_PROTO_TCP, N), &k)));

	/* Remove every third, check the rest still resolve to themselves. */
	for (unsigned i = 0; i < N; i += 3)
		flow_remove(t, flow_lookup(t, (k = key_n(FLOW_PROTO_TCP, i), &k)));
	for (unsigned i = 0; i < N; i++) {
		struct flow *f = flow_lookup(t, (k = key_n(FLOW_PROTO_TCP, i), &k));

		if (i % 3 == 0)
			cr_assert_null(f, "flow %u should be gone", i);
		else
			cr_assert(f && (uintptr_t)f->owner == i + 1, "flow %u", i);
	}
	flow_table_get_stats(t, &st);
	cr_assert_eq(st.active[FLOW_PROTO_TCP], N - (N + 2) / 3);
	flow_table_free(t);
}
