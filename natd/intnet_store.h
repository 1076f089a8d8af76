/* SPDX-License-Identifier: MIT */
/*
 * intnet_store.h - the settings of internal networks in $NATD_HOME/natd.json.
 *
 * An internal network needs no definition (the name is the network); the
 * only setting is its uplink (`natd intnet modify --network NAME --uplink`,
 * l2/uplink.h), kept under natd.json's top-level key "intnets", a list of
 * { "name": "lab", "uplink": "udp:5001,host-b:5002" }. The file is the one
 * of natd/natnet_store.h (its lock, atomic writes, unknown keys kept); a
 * network without a setting has no entry.
 */
#ifndef NATD_INTNET_STORE_H
#define NATD_INTNET_STORE_H

#include <stddef.h>

#include "l2/uplink.h"
#include "natd/config.h"

struct intnet_def {
	char name[NATD_NAME_MAX];
	char uplink[UPLINK_TEXT_MAX];   /* "" for none */
};

/* The settings of network name ("" when it has none). 0, or -errno with err
 * (a natd.json that does not parse, an entry that does not check). */
int intnet_store_get(const char *home, const char *name, struct intnet_def *out, char *err,
		     size_t errlen);

/*
 * Under natd.json's lock: reads the settings of d->name into *old, calls
 * change(opaque, old, d) (which may refuse with a negative errno, e.g. when
 * a running daemon does not take the change), then writes d (an entry with
 * nothing set is removed). 0, or -errno with err; nothing is written on
 * failure.
 */
int intnet_store_update(const char *home, const struct intnet_def *d,
			int (*change)(void *opaque, const struct intnet_def *old,
				      const struct intnet_def *d, char *err, size_t errlen),
			void *opaque, char *err, size_t errlen);

#endif
