/* SPDX-License-Identifier: MIT */
/*
 * natnet_service_internal.h - the running NAT network service's state,
 * shared by natd/natnet_service.c (start, shutdown) and
 * natd/natnet_service_ctl.c (its port-forwarding rules and control-socket
 * requests). One service per process: natnet_svc is that process's.
 */
#ifndef NATD_NATNET_SERVICE_INTERNAL_H
#define NATD_NATNET_SERVICE_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "forwarders/nat_config.h"
#include "forwarders/pfrule.h"
#include "natd/natnet_def.h"

struct nic;
struct eth_switch;
struct ctl_server;
struct lease_keeper;

struct natnet_svc {
	uv_loop_t *loop;
	char home[PATH_MAX];
	struct natnet_def def;
	struct natnet_addrs addrs;
	struct nat_config ncfg;
	char attach[NATD_NAME_MAX + 16]; /* the adapter's transport: the switch's port 0 */
	struct nic *nic;
	struct eth_switch *sw;
	struct ctl_server *ctl;
	uv_signal_t sig_int, sig_term;
	struct lease_keeper *leases;  /* natnet-NAME.leases.json */
	bool nat_started, dns_started, stopping;
	uint64_t started_ms;
	int pid_fd;
	char pid_path[PATH_MAX];
	char failure[512];        /* why the start failed, for the starting command */
};

extern struct natnet_svc natnet_svc;

/*
 * Closes the host sockets of the rules in del, then opens those in add;
 * all or nothing (see natnet_service_ctl.c). 0 or -errno with err.
 */
int natnet_svc_rules_apply(const struct pfrule *del, unsigned n_del,
			   const struct pfrule *add, unsigned n_add, char *err, size_t errlen);

/* The rules definition d has in force into out (2 * NATNET_MAX_RULES
 * entries); returns how many. */
unsigned natnet_svc_active_rules(const struct natnet_def *d, struct pfrule *out);

/* The control socket's "status" and "apply" requests (natd/ctl.h handlers). */
json_t *natnet_svc_ctl_status(void *opaque, json_t *args, char *err, size_t errlen);
json_t *natnet_svc_ctl_apply(void *opaque, json_t *args, char *err, size_t errlen);

#endif
