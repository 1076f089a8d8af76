/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_store.h - DHCP server definitions (natd/dhcpsrv_def.h) in
 * $NATD_HOME/natd.json: their JSON form, the list of them, and the path of
 * the control socket of the daemon that runs one.
 *
 * natd.json is the file of natd/natnet_store.h, loaded and saved with it
 * (under its lock, atomically, unknown keys kept); these definitions are its
 * top-level key "dhcpservers", a list of objects:
 *   { "network": "lab", "kind": "network",
 *     "server_ip": "10.9.0.1", "netmask": "255.255.255.0",
 *     "lower_ip": "10.9.0.10", "upper_ip": "10.9.0.50",
 *     "enabled": true, "lease_time": 86400,
 *     "options": [ { "code": 6, "text": "10.9.0.1" }, { "code": 43, "hex": "0102" } ],
 *     "fixed": [ { "mac": "08:00:27:00:00:01", "ip": "10.9.0.7" } ],
 *     "vm_fixed": [ { "vm": "vm1", "nic": 1, "ip": "10.9.0.8" } ] }
 * with "kind": "interface" and "interface": "vboxnet0" (after "kind") for a
 * host-only interface's server, whose "network" is then
 * "HostInterfaceNetworking-vboxnet0".
 *
 * Leases live in a file per server (natd/dhcpsrv_leases.h). The network's
 * daemon (the switch of the internal network or host-only interface) runs
 * the server and listens on $NATD_HOME/run/intnet/NAME.ctl or
 * $NATD_HOME/run/hostonly/IF.ctl (dhcpsrv_ctl_path).
 */
#ifndef NATD_DHCPSRV_STORE_H
#define NATD_DHCPSRV_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "natd/dhcpsrv_def.h"
#include "natd/natnet_store.h"

#define DHCPSRV_MAX_SERVERS   64

/* JSON form of a definition (a new reference) and back; errors name the
 * field ("lower_ip: ..."). dhcpsrv_def_from_json also runs the check. */
json_t *dhcpsrv_def_to_json(const struct dhcpsrv_def *d);
int dhcpsrv_def_from_json(json_t *o, struct dhcpsrv_def *d, char *err, size_t errlen);

/* --- the definitions in natd.json ------------------------------------------ */

struct dhcpsrv_store {
	struct dhcpsrv_def *defs;    /* heap; n entries */
	size_t n;
};

/*
 * Reads root's "dhcpservers" (missing: none) into ds (emptied first); path
 * is only for messages: "PATH: dhcpservers[i] (NAME): field: reason".
 * 0 or -EINVAL/-ENOMEM with err.
 */
int dhcpsrv_store_parse(struct dhcpsrv_store *ds, json_t *root, const char *path,
			char *err, size_t errlen);

/*
 * natnet_store_load() (with lock: under natd.json's lock, for a change)
 * followed by dhcpsrv_store_parse() of the same file. On failure nothing is
 * held. 0 or -errno with err.
 */
int dhcpsrv_store_load(struct natnet_store *st, struct dhcpsrv_store *ds, const char *home,
		       bool lock, char *err, size_t errlen);

/* The JSON list of ds's definitions (a new reference; NULL: out of memory). */
json_t *dhcpsrv_store_to_json(const struct dhcpsrv_store *ds);

/* Puts ds into st->root's "dhcpservers" and natnet_store_save()s
 * (natnet_store_update_key). */
int dhcpsrv_store_save(struct natnet_store *st, const struct dhcpsrv_store *ds, char *err,
		       size_t errlen);

/* Frees ds's definitions (and st, when not NULL: natnet_store_release). */
void dhcpsrv_store_release(struct natnet_store *st, struct dhcpsrv_store *ds);

/* Index of the server of network (its VirtualBox network name), or -1. */
int dhcpsrv_store_find(const struct dhcpsrv_store *ds, const char *network);

/* Adds d or replaces the server of the same network. 0, -ENOMEM, -ENOSPC. */
int dhcpsrv_store_put(struct dhcpsrv_store *ds, const struct dhcpsrv_def *d);
/* Removes the server of network. 0 or -ENOENT. */
int dhcpsrv_store_remove(struct dhcpsrv_store *ds, const char *network);

/* --- the daemon ------------------------------------------------------------------ */

/* home/run/intnet/NAME.ctl or home/run/hostonly/IF.ctl. 0 or -ENAMETOOLONG. */
int dhcpsrv_ctl_path(const char *home, const struct dhcpsrv_def *d, char *out, size_t outlen);

#endif
