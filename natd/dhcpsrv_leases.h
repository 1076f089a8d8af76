/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_leases.h - lease files of the DHCP servers of natd/dhcpsrv_store.h:
 * $NATD_HOME/intnet-NAME.leases.json (an internal network's server) or
 * $NATD_HOME/hostonly-IF.leases.json (a host-only interface's), written by
 * the network's daemon in the format of NAT networks' lease files
 *   { "version": 1, "leases": [ { "mac": "08:00:27:00:00:01",
 *     "ip": "10.9.0.10", "hostname": "vm1", "expires": 1700000000 } ] }
 * (natnet_leases_write()), where a lease may also carry "issued" (seconds
 * since the epoch) and "state" (VirtualBox's words: "offered", "acked",
 * "released").
 */
#ifndef NATD_DHCPSRV_LEASES_H
#define NATD_DHCPSRV_LEASES_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "natd/dhcpsrv_store.h"

struct dhcpsrv_lease {
	uint8_t mac[6];
	struct in_addr addr;
	char hostname[64];
	char state[16];          /* "acked" (bound), "expired", or the file's */
	int64_t issued, expires; /* wall clock, seconds since the epoch */
};

/* home/intnet-NAME.leases.json or home/hostonly-IF.leases.json. */
int dhcpsrv_leases_path(const char *home, const struct dhcpsrv_def *d, char *out,
			size_t outlen);

/*
 * Finds mac's lease in the lease file text (the latest to expire when there
 * are several). A lease without "issued" was issued lease_time before it
 * expires; one expired at now is "expired". Returns 1 and *out, 0 when mac
 * has none, -EINVAL with err when the text is not a lease file.
 */
int dhcpsrv_leases_find_text(const char *text, size_t len, const struct dhcpsrv_def *d,
			     const uint8_t mac[6], time_t now, struct dhcpsrv_lease *out,
			     char *err, size_t errlen);
/* The same on d's lease file (missing: 0). Errors name the file. */
int dhcpsrv_leases_find(const char *home, const struct dhcpsrv_def *d, const uint8_t mac[6],
			time_t now, struct dhcpsrv_lease *out, char *err, size_t errlen);

#endif
