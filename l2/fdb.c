/* SPDX-License-Identifier: MIT */
/*
 * fdb.c - MAC learning table of the Ethernet switch (see fdb.h).
 *
 * An entry is live while now < seen_ms + age_ms. Aging is lazy: an expired
 * entry stays in its slot, is ignored by lookups and is the first one
 * learning overwrites, so nothing has to sweep the table.
 */
#include "l2/fdb.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/siphash.h"

struct fdb_entry {
	uint8_t mac[6];
	bool used;
	uint32_t port;
	uint64_t seen_ms;
};

struct fdb {
	uint64_t age_ms;
	uint8_t secret[16];
	struct fdb_entry e[FDB_BUCKETS][FDB_WAYS];
};

_Static_assert((FDB_BUCKETS & (FDB_BUCKETS - 1)) == 0, "FDB_BUCKETS: power of two");

struct fdb *fdb_new(uint64_t age_ms)
{
	struct fdb *f = calloc(1, sizeof(*f));
	size_t got = 0;

	if (!f)
		return NULL;
	f->age_ms = age_ms ? age_ms : FDB_DEFAULT_AGE_MS;
	while (got < sizeof(f->secret)) {
		ssize_t n = getrandom(f->secret + got, sizeof(f->secret) - got, 0);

		if (n <= 0) {
			free(f);
			return NULL;
		}
		got += (size_t)n;
	}
	return f;
}

void fdb_free(struct fdb *f)
{
	free(f);
}

static struct fdb_entry *bucket(const struct fdb *f, const uint8_t mac[6])
{
	uint64_t h = siphash24(mac, 6, f->secret);

	return (struct fdb_entry *)f->e[h & (FDB_BUCKETS - 1)];
}

static bool live(const struct fdb *f, const struct fdb_entry *e, uint64_t now)
{
	return e->used && now < e->seen_ms + f->age_ms;
}

bool fdb_learn(struct fdb *f, const uint8_t mac[6], unsigned port, uint64_t now_ms)
{
	struct fdb_entry *b = bucket(f, mac), *victim = NULL;
	bool changed;

	if (mac[0] & 1)
		return false; /* group address: never a station */
	for (unsigned i = 0; i < FDB_WAYS; i++) {
		struct fdb_entry *e = &b[i];

		if (e->used && memcmp(e->mac, mac, 6) == 0) {
			changed = !live(f, e, now_ms) || e->port != port;
			e->port = port;
			e->seen_ms = now_ms;
			return changed;
		}
		/* Replace a dead entry first, else the least recently seen. */
		if (!live(f, e, now_ms)) {
			if (!victim || live(f, victim, now_ms))
				victim = e;
		} else if (!victim || (live(f, victim, now_ms) &&
				       e->seen_ms < victim->seen_ms)) {
			victim = e;
		}
	}
	memcpy(victim->mac, mac, 6);
	victim->used = true;
	victim->port = port;
	victim->seen_ms = now_ms;
	return true;
}

int fdb_lookup(const struct fdb *f, const uint8_t mac[6], uint64_t now_ms)
{
	const struct fdb_entry *b = bucket(f, mac);

	for (unsigned i = 0; i < FDB_WAYS; i++)
		if (live(f, &b[i], now_ms) && memcmp(b[i].mac, mac, 6) == 0)
			return (int)b[i].port;
	return -1;
}

void fdb_forget_port(struct fdb *f, unsigned port)
{
	for (unsigned i = 0; i < FDB_BUCKETS; i++)
		for (unsigned j = 0; j < FDB_WAYS; j++)
			if (f->e[i][j].used && f->e[i][j].port == port)
				f->e[i][j].used = false;
}

unsigned fdb_count(const struct fdb *f, uint64_t now_ms)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FDB_BUCKETS; i++)
		for (unsigned j = 0; j < FDB_WAYS; j++)
			n += live(f, &f->e[i][j], now_ms);
	return n;
}
