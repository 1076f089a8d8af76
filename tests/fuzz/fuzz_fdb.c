/* SPDX-License-Identifier: MIT */
/*
 * fuzz_fdb.c - libFuzzer target for the switch's MAC table (l2/fdb.h): a
 * sequence of learn, lookup, forget-port and count operations on source
 * addresses out of frames, checked against a model of what a learning bridge
 * may answer. The first input byte sets the aging time; then each operation
 * is four bytes: kind (bits 0-1: learn, lookup, forget port, count), port
 * (bits 2-5), group bit of the address (bit 6); time passing (byte 1, in
 * steps of 37 ms); the address (bytes 2-3: 4096 stations, so buckets fill
 * and entries get replaced). Checked:
 *   - a lookup answers the port the address was last learnt on, or nothing
 *     (replaced by another station: the switch then floods); never another
 *     port, never a port that was forgotten, never after the entry aged out;
 *   - group addresses are never learnt;
 *   - learning reports "new or moved" whenever the model says so;
 *   - the table never holds more than FDB_BUCKETS * FDB_WAYS live entries,
 *     nor more than the model.
 * Forget and count walk the whole table: after 16 of them in an input the
 * rest are lookups, to keep long inputs (full buckets) fast. The table's
 * hash secret is random per run (fdb_new()): the invariants hold for every
 * secret.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l2/fdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STATIONS 4096

static struct station {
	bool learnt;        /* learnt and not forgotten since */
	unsigned port;
	uint64_t seen_ms;
} model[STATIONS];

static void mac_of(uint8_t mac[6], unsigned idx, bool group)
{
	mac[0] = group ? 0x03 : 0x02;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x10;
	mac[4] = (uint8_t)(idx >> 8);
	mac[5] = (uint8_t)idx;
}

static bool model_live(const struct station *s, uint64_t now, uint64_t age)
{
	return s->learnt && now < s->seen_ms + age;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t age, now = 1000;
	unsigned walks = 0;
	struct fdb *f;

	if (size < 1)
		return 0;
	age = ((uint64_t)data[0] + 1) * 100;
	f = fdb_new(age);
	if (!f)
		return 0;
	memset(model, 0, sizeof(model));
	for (size_t off = 1; off + 4 <= size; off += 4) {
		unsigned kind = data[off] & 3, port = (data[off] >> 2) & 15;
		bool group = data[off] & 0x40;
		unsigned idx = ((unsigned)data[off + 2] << 8 | data[off + 3]) % STATIONS;
		struct station *s = &model[idx];
		uint8_t mac[6];
		int got;

		if (kind >= 2 && ++walks > 16)
			kind = 1;
		now += (uint64_t)data[off + 1] * 37;
		mac_of(mac, idx, group);
		switch (kind) {
		case 0: {
			bool must_report = !model_live(s, now, age) || s->port != port;
			bool changed = fdb_learn(f, mac, port, now);

			if (group) {
				if (changed || fdb_lookup(f, mac, now) != -1)
					abort();
				break;
			}
			if (must_report && !changed)
				abort();
			s->learnt = true;
			s->port = port;
			s->seen_ms = now;
			if (fdb_lookup(f, mac, now) != (int)port)
				abort(); /* just learnt: never replaced by itself */
			break;
		}
		case 1:
			got = fdb_lookup(f, mac, now);
			if (group && got != -1)
				abort();
			if (got != -1 && (!model_live(s, now, age) || (unsigned)got != s->port))
				abort();
			break;
		case 2:
			fdb_forget_port(f, port);
			for (unsigned i = 0; i < STATIONS; i++)
				if (model[i].learnt && model[i].port == port)
					model[i].learnt = false;
			break;
		default: {
			unsigned n = fdb_count(f, now), live = 0;

			for (unsigned i = 0; i < STATIONS; i++)
				live += model_live(&model[i], now, age);
			if (n > FDB_BUCKETS * FDB_WAYS || n > live)
				abort();
			break;
		}
		}
	}
	fdb_free(f);
	return 0;
}
