/* SPDX-License-Identifier: MIT */
/*
 * link.h - a patch cable between a VM's transport (--attach<x>) and a
 * switch natd runs in another process (a NAT network's or an internal
 * network's), or another device (a UDP tunnel, a VDE switch: the generic
 * mode): frames are relayed unchanged both ways. The modes that join a
 * switch (modes/natnetwork.c, modes/intnet.c) and the generic mode
 * (modes/generic.c) build on it; the other side does everything else
 * (routing, DHCP, NAT).
 *
 * The VM's side stays up whatever the switch does: while the switch is
 * absent, frames from the VM are dropped and the link reconnects every
 * second, so the VM finds its network (same gateway, same lease) again when
 * it comes back. A hello frame (l2/switch.h: the port's VM, adapter, MAC and
 * promiscuous policy, with the network's secret) is sent first on every
 * join, built by the mode at that moment.
 */
#ifndef NATD_L2_LINK_H
#define NATD_L2_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct l2_link;
struct device;

struct l2_link_config {
	unsigned adapter;           /* 1..8, for log lines */
	const char *attach;         /* the VM's transport spec (devices/device.h) */
	const char *switch_spec;    /* "stream-connect:PATH" of the switch, or the
				     * device spec of the other side */
	const char *network;        /* "NAT network natnet1", for log lines */
	bool cable;                 /* cable connected at start */
	bool once;                  /* the other side does not come back by itself
				     * once lost (a VDE switch), for log lines */
	/* Builds the hello frame sent first on every join (len 0: none);
	 * returns its length or 0. May be NULL. */
	size_t (*hello)(void *opaque, uint8_t *buf, size_t cap);
	/* Told at each join (up; before the hello is built) and each loss of
	 * the switch. May be NULL. */
	void (*joined)(void *opaque, bool up);
	void *opaque;
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

/* Sends a new hello now (cfg->hello builds it), when joined: a live change
 * of what it says. */
void l2_link_send_hello(struct l2_link *l);

/* The cable (setlinkstate), and what the guest's interface shows of the
 * link (devices/device.h). */
bool l2_link_cable(const struct l2_link *l);
/* The VM's transport. */
struct device;
struct device *l2_link_vm_device(struct l2_link *l);
const char *l2_link_guest_link(const struct l2_link *l);

void l2_link_get_stats(const struct l2_link *l, struct l2_link_stats *st);

/* The network side's device (for its statistics and peers). */
const struct device *l2_link_network(const struct l2_link *l);

/* Closes both transports; closed(opaque) once both are closed and l freed. */
void l2_link_stop(struct l2_link *l, void (*closed)(void *opaque), void *opaque);

#endif
