/* SPDX-License-Identifier: MIT */
/*
 * link.h - a patch cable between a VM's transport (--attach<x>) and a
 * switch natd runs in another process (a NAT network's or an internal
 * network's): frames are relayed unchanged both ways. The modes that join a
 * switch (modes/natnetwork.c, modes/intnet.c) build on it; the switch's
 * owner does everything else (routing, DHCP, NAT).
 *
 * The VM's side stays up whatever the switch does: while the switch is
 * absent, frames from the VM are dropped and the link reconnects every
 * second, so the VM finds its network (same gateway, same lease) again when
 * it comes back. When a hello frame is set (l2/switch.h: the port's VM,
 * adapter, MAC and promiscuous policy), it is sent first on every join.
 */
#ifndef NATD_L2_LINK_H
#define NATD_L2_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct l2_link;

struct l2_link_config {
	unsigned adapter;           /* 1..8, for log lines */
	const char *attach;         /* the VM's transport spec (devices/device.h) */
	const char *switch_spec;    /* "stream-connect:PATH" of the switch */
	const char *network;        /* "NAT network natnet1", for log lines */
	bool cable;                 /* cable connected at start */
};

struct l2_link_stats {
	uint64_t to_network, from_network;  /* frames relayed */
	uint64_t dropped;                   /* network absent, transport full, cable,
					     * hello frames from the VM */
	uint64_t joins;                     /* connections to the switch so far */
	bool joined;                        /* connected to the switch now */
	bool vm_attached;
};

/*
 * Opens both transports (the strings of cfg are copied). Returns 0 and
 * *out, or a negative errno with a one-line reason in err.
 */
int l2_link_start(uv_loop_t *loop, const struct l2_link_config *cfg, struct l2_link **out,
		  char *err, size_t errlen);

/* setlinkstate: while false, frames are dropped both ways. */
void l2_link_set_cable(struct l2_link *l, bool connected);

/* The frame sent to the switch on every join (a copy is kept; len 0 for
 * none); sent at once when joined now. 0 or -EINVAL (too long), -ENOMEM. */
int l2_link_set_hello(struct l2_link *l, const uint8_t *frame, size_t len);

void l2_link_get_stats(const struct l2_link *l, struct l2_link_stats *st);

/* Closes both transports; closed(opaque) once both are closed and l freed. */
void l2_link_stop(struct l2_link *l, void (*closed)(void *opaque), void *opaque);

#endif
