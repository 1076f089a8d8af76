/* SPDX-License-Identifier: MIT */
/*
 * hostonly.h - host-only interfaces between their definitions
 * (natd/hostonly_store.h) and the kernel (devices/hostif.h): bringing an
 * interface into being as defined (also one that vanished with a reboot),
 * changing its addresses all or nothing, and finding its switch for a VM's
 * adapter (natd run --nic<x> hostonly --hostonlyadapter<x> vboxnetN).
 */
#ifndef NATD_HOSTONLY_H
#define NATD_HOSTONLY_H

#include <jansson.h>
#include <stddef.h>

#include "modes/mode.h"
#include "natd/hostonly_def.h"

/*
 * Makes sure d's interface exists: when it does not, creates it (needs
 * CAP_NET_ADMIN) owned by us, with d's MAC and addresses, up. Returns 0
 * when it existed (and is a tap), 1 when it was made now, or -errno with
 * err (nothing left half-made): -EEXIST when an interface of that name
 * exists that is not a tap, -EPERM without the capability.
 */
int hostonly_restore(const struct hostonly_def *d, char *err, size_t errlen);

/*
 * Gives the interface the addresses of to instead of those of from (NULL:
 * none known): adds the new ones first, then removes the old ones; when a
 * step fails, what was done is undone. 0 or -errno with err.
 */
int hostonly_apply(const struct hostonly_def *from, const struct hostonly_def *to, char *err,
		   size_t errlen);

/*
 * mode_env.find_switch for host-only adapters: interface name must be
 * defined in natd.json; it is restored when it vanished, and its switch
 * daemon started when it does not run. 0 and *out, or -errno with err.
 */
int hostonly_find_switch(const char *home, const char *name, struct mode_switch *out,
			 char *err, size_t errlen);

/* The switch daemon's status while it runs (a new reference): 0, -ESRCH
 * when it does not run, -errno with err. */
int hostonly_status(const char *home, const char *name, json_t **out, char *err,
		    size_t errlen);

#endif
