/* SPDX-License-Identifier: MIT */
/*
 * flow.h - the flow table: every guest connection natd proxies (TCP, UDP,
 * ICMP echo), found by its guest-side 5-tuple.
 *
 * One table per VM, sized at start from the limits; slots are preallocated
 * and recycled through a free list, so inserting never allocates. Buckets are
 * chosen by SipHash-2-4 over the key with a random secret drawn at creation,
 * so a guest cannot aim many flows at one bucket. Per-protocol limits: when a
 * protocol is full, flow_insert() refuses (ENOSPC) and counts it; existing
 * flows are never evicted by the table itself (the proxies expire idle ones).
 */
#ifndef NATD_FLOW_H
#define NATD_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum flow_proto { FLOW_PROTO_TCP, FLOW_PROTO_UDP, FLOW_PROTO_ICMP, FLOW_PROTO_COUNT };

/* The guest side of a flow, as the guest sent it. Zero the whole struct
 * before filling it: it is hashed and compared as bytes. */
struct flow_key {
	uint8_t family;     /* AF_INET or AF_INET6 */
	uint8_t proto;      /* enum flow_proto */
	uint8_t nic;        /* adapter 1..8 */
	uint8_t pad;        /* zero */
	uint16_t gport;     /* guest's port, or ICMP echo id; network order */
	uint16_t rport;     /* destination port; 0 for ICMP; network order */
	uint8_t gaddr[16];  /* guest address (IPv4: first 4 bytes, rest zero) */
	uint8_t raddr[16];  /* destination address the guest used */
};

struct flow {
	struct flow_key key;
	void *owner;              /* the proxy's per-flow state */
	uint64_t created_ms;
	uint64_t last_ms;         /* last traffic either way (owners update it) */
	uint64_t bytes_g2h;       /* guest -> host */
	uint64_t bytes_h2g;       /* host -> guest */
	uint8_t state;            /* the owner's state number (for display) */
	/* private to flow.c */
	bool used_;
	bool connecting_;         /* counted in its guest's connecting */
	uint16_t guest_;          /* its guest's entry + 1, 0 for none */
	uint32_t next_;           /* bucket chain / free list: slot index + 1, 0 = end */
};

/*
 * A guest: the adapter (key.nic) and the port its packets came from (a
 * switch port's tag, device_rx_port(); 0 for the one VM of an adapter
 * attached directly). Flows that are no guest's own doing (port forwards,
 * made from the host side) belong to FLOW_GUEST_NONE and count only
 * against the table's limits.
 */
#define FLOW_GUEST_NONE UINT32_MAX
/* Guests with flows at one time; more are refused (EDQUOT). */
#define FLOW_MAX_GUESTS 512

struct flow_limits {
	unsigned max[FLOW_PROTO_COUNT];   /* e.g. { 4096, 1024, 256 } */
	unsigned guest_max[FLOW_PROTO_COUNT]; /* per guest; 0: the table's only */
	unsigned guest_connecting;        /* flows inserted as connecting (TCP
					   * connects under way) per guest; 0: no limit */
};

struct flow_table_stats {
	unsigned active[FLOW_PROTO_COUNT];
	unsigned max[FLOW_PROTO_COUNT];
	unsigned guest_max[FLOW_PROTO_COUNT];
	unsigned guest_connecting_max;
	uint64_t inserted[FLOW_PROTO_COUNT];
	uint64_t removed[FLOW_PROTO_COUNT];
	uint64_t refused_full[FLOW_PROTO_COUNT];
	uint64_t refused_guest[FLOW_PROTO_COUNT]; /* a guest's quota (EDQUOT) */
	unsigned guests;                  /* guests with flows now */
};

/* One guest's flows (flow_foreach_guest()). */
struct flow_guest_info {
	uint8_t nic;
	uint32_t port;
	unsigned active[FLOW_PROTO_COUNT];
	unsigned connecting;
	uint64_t refused;                 /* flows refused by its quotas while
					   * it had flows */
};

struct flow_table;

/* Preallocates every slot. NULL (errno set) when a limit is 0 or memory is short. */
struct flow_table *flow_table_new(const struct flow_limits *lim);
void flow_table_free(struct flow_table *t);

/* The flow with exactly this key, or NULL. */
struct flow *flow_lookup(const struct flow_table *t, const struct flow_key *k);

/*
 * Inserts a flow for k with created_ms = last_ms = now_ms, other fields zero,
 * as a flow of the guest (k->nic, port); with connecting, the flow counts in
 * the guest's connects under way until flow_connected() or its removal.
 * Returns NULL with errno EEXIST (already there), ENOSPC (the protocol's
 * limit is reached: counted in refused_full), EDQUOT (the guest is at its
 * limit for the protocol or, connecting, for connects under way; or
 * FLOW_MAX_GUESTS others have flows: counted in refused_guest) or EINVAL
 * (bad proto).
 */
struct flow *flow_insert_guest(struct flow_table *t, const struct flow_key *k, uint32_t port,
			       bool connecting, uint64_t now_ms);
/* flow_insert_guest(t, k, FLOW_GUEST_NONE, false, now_ms). */
struct flow *flow_insert(struct flow_table *t, const struct flow_key *k, uint64_t now_ms);

/* f's connect finished (or failed): it no longer counts as connecting. */
void flow_connected(struct flow_table *t, struct flow *f);

/* Calls fn for every guest with flows (not FLOW_GUEST_NONE); stops early
 * and returns fn's value when it is non-zero. */
int flow_foreach_guest(const struct flow_table *t,
		       int (*fn)(void *opaque, const struct flow_guest_info *g), void *opaque);

/* Removes f (must be in t) and recycles its slot. */
void flow_remove(struct flow_table *t, struct flow *f);

/* Calls fn for every flow; fn may flow_remove() the flow it was given.
 * Stops early and returns fn's value when it is non-zero. */
int flow_foreach(struct flow_table *t, int (*fn)(void *opaque, struct flow *f), void *opaque);

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *st);

const char *flow_proto_name(enum flow_proto p);   /* "tcp", "udp", "icmp" */

/* "10.0.2.15:40000" / "[fd17::15]:40000" for one side of k (guest or
 * remote); ICMP shows the echo id as the port. Returns buf. */
char *flow_key_format_side(const struct flow_key *k, bool guest, char *buf, size_t len);

#endif
