/* SPDX-License-Identifier: MIT */
/*
 * lease_keeper.h - keeps a DHCP server's leases (a NAT adapter's,
 * forwarders/nic.h) in a file across restarts: the leases of the file are
 * restored at start, and the server's bound leases are written back after
 * every change (once per loop turn) and when it stops. The file's format is
 * the NAT networks' (natd/natnet_leases.h: natnet_leases_read/write). Used by
 * a NAT network's service and by a dhcpserver's port.
 */
#ifndef NATD_LEASE_KEEPER_H
#define NATD_LEASE_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct lease_keeper;
struct nic;

/*
 * Restores the leases of path into nic (those its server takes) and keeps
 * them there from now on (nic_set_lease_observer). 0 and *out, or -errno
 * with err (restoring failures are only logged).
 */
int lease_keeper_start(uv_loop_t *loop, struct nic *nic, const char *path,
		       struct lease_keeper **out, char *err, size_t errlen);

/* Stops observing nic and frees k (after its timer closed); with save,
 * writes the leases once more first. Call before stopping nic. */
void lease_keeper_stop(struct lease_keeper *k, bool save);

#endif
