/* SPDX-License-Identifier: MIT */
/*
 * shaper.h - a token bucket shared by the adapters of one bandwidth group
 * (VirtualBox manual 6.10): it limits what the VMs send (VM -> world) by
 * delaying their frames, never dropping them.
 *
 * A device with a shaper (device_set_shaper()) charges every frame the VM
 * sends to the bucket and, while the bucket is in debt, stops reading the
 * VM's transport (the frames wait in the tap's queue or QEMU's socket: the
 * VM is slowed down by back-pressure, as a real link would do), checking
 * again every few milliseconds. Rate 0 means no limit.
 */
#ifndef NATD_DEVICES_SHAPER_H
#define NATD_DEVICES_SHAPER_H

#include <stddef.h>
#include <stdint.h>

struct shaper {
	uint64_t rate;        /* bytes per second, 0: no limit */
	int64_t tokens;       /* bytes; negative: in debt */
	uint64_t burst;       /* most tokens kept */
	uint64_t last_ns;     /* last refill */
	uint64_t bytes;       /* charged so far */
	uint64_t waits;       /* times a device waited */
};

/* A bucket of rate bytes/s, full. */
void shaper_init(struct shaper *s, uint64_t rate);
/* A new rate, at once (the debt is forgiven). */
void shaper_set_rate(struct shaper *s, uint64_t rate);
/* Charges len bytes sent by a VM. */
void shaper_charge(struct shaper *s, size_t len);
/* Milliseconds until the bucket is out of debt (0: send now). */
uint64_t shaper_wait_ms(struct shaper *s);

#endif
