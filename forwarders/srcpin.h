/* SPDX-License-Identifier: MIT */
/*
 * srcpin.h - source addresses pinned to the switch port of the VM they were
 * leased to, for a NAT network's adapter (forwarders/nic.c): a DHCP-leased
 * IPv4 address belongs to the port the client asked from (the port its ACK
 * answered), with the lease's MAC. IPv4 and ARP from another port with that
 * source address are refused, unless they come from the lease's MAC: the
 * VM itself, reconnected on another port (a new port tag), which moves the
 * pin. A lease released, declined or expired unpins its address. A lease
 * restored from disk is pinned to no port (SRCPIN_NONE) until its MAC sends
 * from one: then the pin moves there, and meanwhile other MACs are refused.
 *
 * Pure (no I/O, no allocation after srcpin_new()): SRCPIN_SLOTS slots
 * indexed by the address's low bits. DHCP ranges are contiguous, so no two
 * leases of a range up to SRCPIN_SLOTS long share a slot; beyond, the later
 * lease takes the slot (the earlier one is no longer pinned).
 */
#ifndef NATD_SRCPIN_H
#define NATD_SRCPIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRCPIN_SLOTS 1024
#define SRCPIN_NONE UINT32_MAX

struct srcpin;

struct srcpin *srcpin_new(void);
void srcpin_free(struct srcpin *t);

/* addr (network order, not 0) leased to mac by a client on `port`: pinned.
 * port SRCPIN_NONE: restored, the client not seen yet (see above). */
void srcpin_lease(struct srcpin *t, uint32_t addr, const uint8_t mac[6], uint32_t port);
/* addr is no longer leased: unpinned. */
void srcpin_unlease(struct srcpin *t, uint32_t addr);

/* The port addr is pinned to, or SRCPIN_NONE. */
uint32_t srcpin_port(const struct srcpin *t, uint32_t addr);

/*
 * The source address of an Ethernet frame (f, len bytes; no VLAN tag):
 * IPv4's source or an ARP (Ethernet/IPv4) packet's sender address, in
 * *src (network order). 1 for IPv4, 2 for ARP, 0 for anything else or a
 * frame too short to hold it.
 */
int srcpin_frame_source(const uint8_t *f, size_t len, uint32_t *src);

enum srcpin_verdict {
	SRCPIN_PASS,      /* not pinned, or pinned to this port */
	SRCPIN_MOVED,     /* the lease's MAC from another port: the pin moved there */
	SRCPIN_SPOOFED,   /* pinned to *owner, another port, and another MAC */
};

/* What to do with frame f from `port`; *owner is the pin's port (before a
 * move) when the source is pinned, else SRCPIN_NONE. *src as above (0 when
 * the frame has none). */
enum srcpin_verdict srcpin_check(struct srcpin *t, const uint8_t *f, size_t len, uint32_t port,
				 uint32_t *src, uint32_t *owner);

#endif
