/* SPDX-License-Identifier: MIT */
/*
 * closer.c - counting outstanding libuv closes (see closer.h). Used by the
 * NAT engine and the DNS proxy to report when they have shut down.
 */
#include "base/closer.h"

#include <stddef.h>

void closer_arm(struct closer *c, void (*done)(void *opaque), void *opaque)
{
	c->done = done;
	c->opaque = opaque;
	c->pending++;
}

void closer_hold(struct closer *c)
{
	c->pending++;
}

void closer_release(struct closer *c)
{
	if (--c->pending == 0 && c->done) {
		void (*done)(void *) = c->done;

		c->done = NULL;
		done(c->opaque);
	}
}
