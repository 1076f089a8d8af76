/* SPDX-License-Identifier: MIT */
/*
 * natnet_service.h - the background service of a NAT network: an Ethernet
 * switch whose ports are the VMs (l2/switch.h) and, on port 0, natd's
 * NAT engine as the network's router: gateway .1 (also the DNS proxy), DHCP
 * server .3 handing out .4 upward with leases kept per MAC across restarts,
 * host loopback mappings (.2 = host 127.0.0.1 by default) and the network's
 * port-forwarding rules.
 *
 * Files, under $NATD_HOME/run/: natnet-NAME.pid (locked by the running
 * service: the lock, not the file, says whether it runs), natnet-NAME.sock
 * (the switch: QEMU -netdev stream, or `natd run --nic<x> natnetwork`),
 * natnet-NAME.ctl (control socket, natd/ctl.h: "status", "apply"),
 * natnet-NAME.key (the switch's secret for hello frames, l2/switch.h),
 * natnet-NAME.log (the service's log).
 */
#ifndef NATD_NATNET_SERVICE_H
#define NATD_NATNET_SERVICE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "natd/natnet_store.h"

/* home/run/natnet-NAME.SUFFIX. 0 or -ENAMETOOLONG. */
int natnet_run_path(const char *home, const char *name, const char *suffix, char *out,
		    size_t outlen);

/* 1 (and *pid when pid is not NULL) when the service of network name runs,
 * 0 when it does not, a negative errno when that cannot be told. */
int natnet_service_running(const char *home, const char *name, pid_t *pid);

/*
 * Starts the service of d in the background (double fork, new session, log
 * in run/natnet-NAME.log) and returns once it is ready to switch frames and
 * serve DHCP, or with the reason it could not start. sb: its --user and
 * sandbox mode (natd/sandbox.h), applied once it is set up. 0 or -errno with
 * err.
 */
struct sandbox_opts;
int natnet_service_start(const char *home, const struct natnet_def *d,
			 const struct sandbox_opts *sb, char *err, size_t errlen);

/*
 * Runs the service of d in this process, logging to stderr, until SIGINT or
 * SIGTERM (`natd natnetwork start --foreground`, a systemd unit's main
 * process). ready(arg) is called once it serves, as natnet_service_start
 * would return. Returns the exit status (0 stopped, 1 failed: the reason is
 * logged), or -errno with err when it could not begin.
 */
int natnet_service_run(const char *home, const struct natnet_def *d,
		       const struct sandbox_opts *sb, void (*ready)(void *), void *arg, char *err,
		       size_t errlen);

/* Asks the service to stop (SIGTERM) and waits until it has exited, its
 * listeners closed. 0 or -errno with err (-ESRCH: not running). */
int natnet_service_stop(const char *home, const char *name, char *err, size_t errlen);

/*
 * Hands the running service a changed definition (`natd natnetwork modify`):
 * rules added and removed, loopback mappings and DHCP on/off take effect at
 * once; all or nothing. 0, or -errno with the service's reason in err.
 */
int natnet_service_apply(const char *home, const struct natnet_def *d, char *err,
			 size_t errlen);

/* The running service's state (ports, leases, counters): a new reference. */
int natnet_service_status(const char *home, const char *name, json_t **out, char *err,
			  size_t errlen);

#endif
