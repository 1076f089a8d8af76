/* SPDX-License-Identifier: MIT */
/*
 * flow.c - the flow table (see flow.h): every guest TCP connection, UDP
 * association and ICMP echo id that natd proxies, found by its guest-side
 * key. The TCP, UDP and ICMP forwarders insert and remove flows; the control
 * socket lists them through flow_foreach() and flow_table_get_stats().
 *
 * Theory of operation
 *
 * Memory. flow_table_new() allocates everything the table will ever use: one
 * array of sum(lim->max) slots (struct flow) and one array of bucket heads.
 * Nothing is allocated afterwards, so a guest opening flows as fast as it can
 * costs no memory beyond what the limits allowed at start.
 *
 * Links. A slot is referred to by its index + 1 (a uint32_t), so that 0 means
 * "none" and the arrays can be zero-filled. Each slot's next_ is used for
 * exactly one list at a time:
 *   - a free slot (used_ false) is on the free list, headed by free_head;
 *   - a used slot (used_ true) is on the chain of the bucket its key hashes
 *     to, headed by buckets[h].
 * Inserting pops the free list and pushes onto the bucket's chain; removing
 * unlinks from the chain and pushes onto the free list (LIFO, so a busy table
 * keeps reusing the same, cache-warm slots).
 *
 * Hashing. The bucket is siphash24(key bytes, secret) & mask, where secret is
 * 16 bytes from getrandom(2) drawn per table. The guest chooses most of the
 * key (its ports and the destinations), but without the secret it cannot
 * predict which keys collide, so it cannot build long chains. There are at
 * least twice as many buckets as slots (a power of two), so chains stay short
 * even when the table is full. Keys are compared with memcmp(): callers zero
 * the whole key before filling it (flow.h), and the static_assert below
 * guarantees struct flow_key has no padding the compiler could leave dirty.
 *
 * Limits. Each protocol has its own limit and active count; a protocol at its
 * limit gets ENOSPC (counted in refused_full) while the others keep inserting,
 * so a UDP flood cannot starve TCP. The table never evicts: the forwarders
 * expire idle flows themselves and call flow_remove(). Since the slot count is
 * the sum of the limits, the free list cannot be empty while some protocol is
 * below its limit.
 *
 * Guests. Several VMs may share one adapter (a NAT network's gateway), so a
 * flow also belongs to a guest: its adapter and the switch port its packets
 * came from. guests[] has an entry per guest with flows (found by a scan:
 * only inserting looks, and there are at most FLOW_MAX_GUESTS); each counts
 * its flows per protocol and its connects under way, against guest_max[]
 * and guest_connecting, so that a guest flooding SYNs to a black hole or
 * opening flows as fast as it can is refused (EDQUOT) long before the
 * table's limits, which the others still have room under. An entry is free
 * again when its guest has no flow left; a flow refers to its entry by
 * index + 1 in guest_.
 *
 * Iteration. flow_foreach() walks the slot array by index, not the buckets:
 * removing a flow only clears its used_ flag and relinks other slots' next_,
 * so the callback may remove the flow it was given (or any other) without
 * disturbing the walk. A flow inserted during the walk may or may not be
 * visited. The cost is one pass over all slots, which is fine for periodic
 * expiry and listing.
 */
#include "forwarders/flow.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "base/siphash.h"
#include "base/bytes.h"


/* Beyond this many slots the bucket count would not fit the uint32_t links. */
#define FLOW_MAX_SLOTS (UINT32_C(1) << 30)

static_assert(sizeof(struct flow_key) == 40, "struct flow_key must have no padding");

struct flow_guest {
	struct flow_guest_info i;
	unsigned flows;           /* all protocols; 0: the entry is free */
};

struct flow_table {
	struct flow *slots;
	uint32_t nslots;
	uint32_t *buckets;        /* slot index + 1 of the chain head, 0 = empty */
	uint32_t bucket_mask;     /* bucket count - 1 (a power of two) */
	uint32_t free_head;       /* slot index + 1, 0 = no free slot */
	uint8_t secret[16];
	struct flow_table_stats st;
	unsigned guests_hi;       /* entries in use are below it */
	struct flow_guest guests[FLOW_MAX_GUESTS];
};

static const char *const proto_names[] = {
	[FLOW_PROTO_TCP] = "tcp",
	[FLOW_PROTO_UDP] = "udp",
	[FLOW_PROTO_ICMP] = "icmp",
};
static_assert(ARRAY_SIZE(proto_names) == FLOW_PROTO_COUNT, "proto_names");

/* Fills buf with len random bytes; 0 or a negative errno. */
static int fill_random(uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint32_t flow_bucket(const struct flow_table *t, const struct flow_key *k)
{
	return (uint32_t)siphash24(k, sizeof(*k), t->secret) & t->bucket_mask;
}

static struct flow *slot_of(const struct flow_table *t, uint32_t link)
{
	return link ? &t->slots[link - 1] : NULL;
}

static uint32_t link_of(const struct flow_table *t, const struct flow *f)
{
	return (uint32_t)(f - t->slots) + 1;
}

struct flow_table *flow_table_new(const struct flow_limits *lim)
{
	struct flow_table *t = NULL;
	uint64_t total = 0;
	uint32_t nbuckets = 1;
	int err;

	if (!lim) {
		err = EINVAL;
		goto fail;
	}
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++) {
		if (lim->max[p] == 0) {
			err = EINVAL;
			goto fail;
		}
		total += lim->max[p];
	}
	if (total > FLOW_MAX_SLOTS) {
		err = EINVAL;
		goto fail;
	}
	while (nbuckets < 2 * total)
		nbuckets <<= 1;

	t = calloc(1, sizeof(*t));
	if (!t) {
		err = ENOMEM;
		goto fail;
	}
	t->nslots = (uint32_t)total;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (!t->slots || !t->buckets) {
		err = ENOMEM;
		goto fail;
	}
	t->bucket_mask = nbuckets - 1;
	err = -fill_random(t->secret, sizeof(t->secret));
	if (err)
		goto fail;

	/* Free list in slot order: 1 -> 2 -> ... -> nslots -> end. */
	for (uint32_t i = 0; i < t->nslots; i++)
		t->slots[i].next_ = i + 1 < t->nslots ? i + 2 : 0;
	t->free_head = 1;
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++) {
		t->st.max[p] = lim->max[p];
		t->st.guest_max[p] = lim->guest_max[p];
	}
	t->st.guest_connecting_max = lim->guest_connecting;
	return t;

fail:
	flow_table_free(t);
	errno = err;
	return NULL;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->buckets);
	free(t);
}

struct flow *flow_lookup(const struct flow_table *t, const struct flow_key *k)
{
	struct flow *f;

	for (f = slot_of(t, t->buckets[flow_bucket(t, k)]); f; f = slot_of(t, f->next_)) {
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	}
	return NULL;
}

/* The entry of guest (nic, port), or a free one for it; NULL when all
 * FLOW_MAX_GUESTS are taken. */
static struct flow_guest *guest_find(struct flow_table *t, uint8_t nic, uint32_t port,
				     bool make)
{
	struct flow_guest *free_g = NULL;

	for (unsigned i = 0; i < t->guests_hi; i++) {
		struct flow_guest *g = &t->guests[i];

		if (!g->flows) {
			if (!free_g)
				free_g = g;
		} else if (g->i.nic == nic && g->i.port == port) {
			return g;
		}
	}
	if (!make)
		return NULL;
	if (!free_g && t->guests_hi < FLOW_MAX_GUESTS)
		free_g = &t->guests[t->guests_hi++];
	if (free_g) {
		memset(free_g, 0, sizeof(*free_g));
		free_g->i.nic = nic;
		free_g->i.port = port;
	}
	return free_g;
}

/* Whether g may have one more flow of proto (connecting: a connect). */
static bool guest_allows(const struct flow_table *t, const struct flow_guest *g,
			 unsigned proto, bool connecting)
{
	if (t->st.guest_max[proto] && g->i.active[proto] >= t->st.guest_max[proto])
		return false;
	return !connecting || !t->st.guest_connecting_max ||
	       g->i.connecting < t->st.guest_connecting_max;
}

/*
 * Also refuses (EINVAL) a family other than AF_INET / AF_INET6: such a key
 * cannot be formatted or proxied.
 */
struct flow *flow_insert_guest(struct flow_table *t, const struct flow_key *k, uint32_t port,
			       bool connecting, uint64_t now_ms)
{
	struct flow_guest *g = NULL;
	struct flow *f;
	uint32_t h;

	if (k->proto >= FLOW_PROTO_COUNT || (k->family != AF_INET && k->family != AF_INET6)) {
		errno = EINVAL;
		return NULL;
	}
	if (flow_lookup(t, k)) {
		errno = EEXIST;
		return NULL;
	}
	if (t->st.active[k->proto] >= t->st.max[k->proto]) {
		t->st.refused_full[k->proto]++;
		errno = ENOSPC;
		return NULL;
	}
	if (port != FLOW_GUEST_NONE) {
		g = guest_find(t, k->nic, port, true);
		if (!g || !guest_allows(t, g, k->proto, connecting)) {
			if (g && g->flows)
				g->i.refused++;
			t->st.refused_guest[k->proto]++;
			errno = EDQUOT;
			return NULL;
		}
	}

	/* Slots = sum of limits, and this protocol is below its limit. */
	assert(t->free_head != 0);
	f = slot_of(t, t->free_head);
	t->free_head = f->next_;

	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->created_ms = now_ms;
	f->last_ms = now_ms;
	f->used_ = true;
	if (g) {
		if (!g->flows++)
			t->st.guests++;
		g->i.active[k->proto]++;
		if (connecting) {
			g->i.connecting++;
			f->connecting_ = true;
		}
		f->guest_ = (uint16_t)(g - t->guests + 1);
	}

	h = flow_bucket(t, k);
	f->next_ = t->buckets[h];
	t->buckets[h] = link_of(t, f);

	t->st.active[k->proto]++;
	t->st.inserted[k->proto]++;
	return f;
}

struct flow *flow_insert(struct flow_table *t, const struct flow_key *k, uint64_t now_ms)
{
	return flow_insert_guest(t, k, FLOW_GUEST_NONE, false, now_ms);
}

void flow_connected(struct flow_table *t, struct flow *f)
{
	if (!f->connecting_)
		return;
	f->connecting_ = false;
	t->guests[f->guest_ - 1].i.connecting--;
}

/* f leaves its guest; a guest without flows frees its entry. */
static void guest_leave(struct flow_table *t, struct flow *f)
{
	struct flow_guest *g;

	if (!f->guest_)
		return;
	flow_connected(t, f);
	g = &t->guests[f->guest_ - 1];
	g->i.active[f->key.proto]--;
	if (--g->flows == 0) {
		t->st.guests--;
		while (t->guests_hi > 0 && !t->guests[t->guests_hi - 1].flows)
			t->guests_hi--;
	}
	f->guest_ = 0;
}

int flow_foreach_guest(const struct flow_table *t,
		       int (*fn)(void *opaque, const struct flow_guest_info *g), void *opaque)
{
	for (unsigned i = 0; i < t->guests_hi; i++) {
		int ret;

		if (!t->guests[i].flows)
			continue;
		ret = fn(opaque, &t->guests[i].i);
		if (ret)
			return ret;
	}
	return 0;
}

void flow_remove(struct flow_table *t, struct flow *f)
{
	uint32_t self = link_of(t, f);
	uint32_t *link;

	assert(f >= t->slots && f < t->slots + t->nslots && f->used_);

	/* Find the link that points at f in its bucket's chain and splice it out. */
	for (link = &t->buckets[flow_bucket(t, &f->key)]; *link != self;
	     link = &slot_of(t, *link)->next_)
		assert(*link != 0);
	*link = f->next_;

	t->st.active[f->key.proto]--;
	t->st.removed[f->key.proto]++;
	guest_leave(t, f);

	f->used_ = false;
	f->owner = NULL;
	f->next_ = t->free_head;
	t->free_head = self;
}

int flow_foreach(struct flow_table *t, int (*fn)(void *opaque, struct flow *f), void *opaque)
{
	for (uint32_t i = 0; i < t->nslots; i++) {
		int ret;

		if (!t->slots[i].used_)
			continue;
		ret = fn(opaque, &t->slots[i]);
		if (ret)
			return ret;
	}
	return 0;
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st)
{
	*st = t->st;
}

const char *flow_proto_name(enum flow_proto p)
{
	if ((unsigned)p >= ARRAY_SIZE(proto_names))
		return "?";
	return proto_names[p];
}

char *flow_key_format_side(const struct flow_key *k, bool guest, char *buf, size_t len)
{
	const uint8_t *addr = guest ? k->gaddr : k->raddr;
	unsigned port = ntohs(guest ? k->gport : k->rport);
	char a[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (!inet_ntop(k->family, addr, a, sizeof(a))) {
		snprintf(buf, len, "?:%u", port);
		return buf;
	}
	if (k->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
	return buf;
}
