/* SPDX-License-Identifier: MIT */
/*
 * natnet_leases.h - DHCP lease files: a NAT network's
 * $NATD_HOME/natnet-NAME.leases.json, and by path any file of that format
 * (natd/lease_keeper.c keeps a NAT network's and a dhcpserver's).
 *
 * A lease file is {"version": 1, "leases": [{"mac": "08:00:27:..",
 * "ip": "192.168.15.4", "hostname": "..", "expires": SECONDS}, ...]},
 * expiry in wall-clock seconds since the epoch; it is written atomically
 * (natnet_write_atomic) and read back skipping what no longer applies.
 */
#ifndef NATD_NATNET_LEASES_H
#define NATD_NATNET_LEASES_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "natd/natnet_def.h"

#define NATNET_MAX_LEASES   4096

struct natnet_lease {
	uint8_t mac[6];
	struct in_addr addr;
	char hostname[64];
	int64_t expires;        /* wall clock, seconds since the epoch */
};

/* home/natnet-NAME.leases.json */
int natnet_leases_path(const char *home, const char *name, char *out, size_t outlen);

/*
 * Parses a lease file's text into out[0..max); entries that are malformed,
 * outside d's lease range (d NULL: any address; the DHCP server refuses
 * what is not its own) or already expired at now are skipped. Returns
 * the number kept, or -EINVAL with err when the text is not a lease file.
 */
int natnet_leases_parse(const char *text, size_t len, const struct natnet_def *d,
			time_t now, struct natnet_lease *out, size_t max,
			char *err, size_t errlen);

/* Reads the lease file at path (a missing file: 0 leases), any address
 * (the DHCP server refuses what is not its own). */
int natnet_leases_read(const char *path, time_t now, struct natnet_lease *out, size_t max,
		       char *err, size_t errlen);
/* Writes leases to path atomically, in the same format. 0 or -errno. */
int natnet_leases_write(const char *path, const struct natnet_lease *l, size_t n, char *err,
			size_t errlen);

#endif
