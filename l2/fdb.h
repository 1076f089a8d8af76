/* SPDX-License-Identifier: MIT */
/*
 * fdb.h - the forwarding database of natd's Ethernet switch (switch.c):
 * which port each MAC address was last seen on, learnt from source
 * addresses and forgotten after an idle time (aging), as a learning bridge
 * does (IEEE 802.1D 7.8, default aging 300 s).
 *
 * Pure (no I/O, no allocation after fdb_new()): a fixed table of FDB_BUCKETS
 * buckets of FDB_WAYS entries; the bucket is SipHash of the MAC under a
 * random secret, so a guest forging source addresses cannot aim at one
 * bucket. When a bucket is full, learning replaces its expired or least
 * recently seen entry: a flood of forged addresses only makes the switch
 * flood more, never misdeliver.
 */
#ifndef NATD_FDB_H
#define NATD_FDB_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_BUCKETS      1024
#define FDB_WAYS         4
#define FDB_DEFAULT_AGE_MS (300u * 1000u)

struct fdb;

/* A table whose entries expire age_ms after they were last refreshed.
 * NULL when memory or randomness is short. */
struct fdb *fdb_new(uint64_t age_ms);
void fdb_free(struct fdb *f);

/*
 * A frame from mac came in on port: remember (or refresh, or move) it.
 * Multicast source addresses are never learnt. Returns true when the entry
 * is new or moved to another port.
 */
bool fdb_learn(struct fdb *f, const uint8_t mac[6], unsigned port, uint64_t now_ms);

/* The port mac was last seen on, or -1 when unknown or aged out. */
int fdb_lookup(const struct fdb *f, const uint8_t mac[6], uint64_t now_ms);

/* A port went away: forget every address learnt on it. */
void fdb_forget_port(struct fdb *f, unsigned port);

/* Live (not aged-out) entries. */
unsigned fdb_count(const struct fdb *f, uint64_t now_ms);

#endif
