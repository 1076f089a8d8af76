/* SPDX-License-Identifier: MIT */
/*
 * closer.h - waiting for libuv's two-phase closes: a count of closes still
 * outstanding and one callback for when the last of them is done.
 *
 * A part that shuts down calls closer_arm() (which holds the count, so that
 * closes finishing while more are being started cannot fire it early), starts
 * every close with a closer_hold() each, and ends with closer_release(); each
 * close callback calls closer_release() too. done(opaque) runs once, when the
 * count drops to zero after closer_arm().
 */
#ifndef NATD_CLOSER_H
#define NATD_CLOSER_H

struct closer {
	unsigned pending;
	void (*done)(void *opaque);
	void *opaque;
};

void closer_arm(struct closer *c, void (*done)(void *opaque), void *opaque);
void closer_hold(struct closer *c);
void closer_release(struct closer *c);

#endif
