/* SPDX-License-Identifier: MIT */
/*
 * hostonly_store.h - host-only interface definitions (natd/hostonly_def.h)
 * in $NATD_HOME/natd.json, the file of natd/natnet_store.h (one lock, one
 * atomic rewrite, unknown keys kept), as its top-level key "hostonlyifs":
 *   "hostonlyifs": [ { "name": "vboxnet0", "ip": "192.168.56.1",
 *                      "netmask": "255.255.255.0",
 *                      "ipv6": "fd00:56::1", "ipv6_prefixlen": 64 } ]
 * ("ipv6" and "ipv6_prefixlen" only when the host has an IPv6 address
 * there; "uplink": "udp:5001,host-b:5002" only when the interface's switch
 * has an uplink, `natd hostonlyif modify IF --uplink`).
 *
 * hostonly_db loads natd.json with everything a host-only command checks
 * against or changes: the NAT networks, the DHCP servers (an interface's
 * server is defined and removed with it) and the host-only interfaces.
 */
#ifndef NATD_HOSTONLY_STORE_H
#define NATD_HOSTONLY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "natd/dhcpsrv_store.h"
#include "natd/hostonly_def.h"
#include "natd/natnet_store.h"

/* JSON form of a definition (a new reference) and back; errors name the
 * field. hostonly_def_from_json also runs hostonly_def_check. */
json_t *hostonly_def_to_json(const struct hostonly_def *d);
int hostonly_def_from_json(json_t *o, struct hostonly_def *d, char *err, size_t errlen);

struct hostonly_store {
	struct hostonly_def *defs;   /* heap; n entries, in creation order */
	size_t n;
};

/* Reads root's "hostonlyifs" (missing: none) into hs (emptied first); path
 * is for messages. 0 or -EINVAL/-ENOMEM with err. */
int hostonly_store_parse(struct hostonly_store *hs, json_t *root, const char *path,
			 char *err, size_t errlen);
/* The definition of interface name from home's natd.json (no lock). 0,
 * -ENOENT when it has none, or -errno with err. */
int hostonly_store_get(const char *home, const char *name, struct hostonly_def *out,
		       char *err, size_t errlen);
/* Index of interface name, or -1. */
int hostonly_store_find(const struct hostonly_store *hs, const char *name);
/* Adds d or replaces the definition of the same name. 0 or -ENOMEM. */
int hostonly_store_put(struct hostonly_store *hs, const struct hostonly_def *d);
/* Removes interface name. 0 or -ENOENT. */
int hostonly_store_remove(struct hostonly_store *hs, const char *name);
void hostonly_store_free(struct hostonly_store *hs);

struct hostonly_db {
	struct natnet_store st;      /* natd.json; its NAT networks */
	struct dhcpsrv_store ds;     /* its DHCP servers */
	struct hostonly_store hs;    /* its host-only interfaces */
};

/* Loads natd.json (with lock: under its lock, for a change). On failure
 * nothing is held. 0 or -errno with err. */
int hostonly_db_load(struct hostonly_db *db, const char *home, bool lock, char *err,
		     size_t errlen);
/* Writes the DHCP servers and host-only interfaces back (requires the lock). */
int hostonly_db_save(struct hostonly_db *db, char *err, size_t errlen);
void hostonly_db_release(struct hostonly_db *db);

/*
 * Checks d (new, or replacing the definition of its name) on its own and
 * against the other host-only interfaces and the NAT networks of db, and
 * the DHCP server of its interface when db has one (hostonly_dhcp_check).
 * 0 or -EINVAL with the reason in err.
 */
int hostonly_db_check(const struct hostonly_db *db, const struct hostonly_def *d, char *err,
		      size_t errlen);

/*
 * Checks a NAT network definition against the host-only interfaces of the
 * natd.json root object (for `natd natnetwork add|modify`). 0 or -EINVAL
 * with err (also when that part of the file does not parse).
 */
int hostonly_check_natnet(json_t *root, const char *path, const struct natnet_def *n,
			  char *err, size_t errlen);

/*
 * Checks the DHCP server definition s of kind interface against its
 * host-only interface, when the root object defines one (for `natd
 * dhcpserver add|modify --interface`). 0 or -EINVAL with err.
 */
int hostonly_check_dhcpsrv(json_t *root, const char *path, const struct dhcpsrv_def *s,
			   char *err, size_t errlen);

#endif
