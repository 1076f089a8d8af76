/* SPDX-License-Identifier: MIT */
/*
 * intnet_service_internal.h - what the switch daemon (natd/intnet_service.c)
 * and its callers' side (natd/intnet_client.c) share: what differs between
 * the two kinds of daemon, and the check of their directory. Then the
 * running daemon's state, shared by natd/intnet_service.c (start, shutdown)
 * and natd/intnet_service_ctl.c (its DHCP server and control-socket
 * requests). One daemon per process: isv is that process's.
 */
#ifndef NATD_INTNET_SERVICE_INTERNAL_H
#define NATD_INTNET_SERVICE_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "l2/uplink.h"
#include "natd/intnet_service.h"

struct switchd_desc {
	const char *dir;      /* under run/ (host-only; internal networks: intnet_dir.h) */
	const char *command;  /* natd's internal command that runs it */
	const char *what;     /* for messages: "internal network lab" */
};

const struct switchd_desc *switchd_desc(enum switchd_kind k);

/*
 * The daemon's directory dir: an internal network's is intnet_dir_check()'s
 * (created, maybe shared with a group: *share_gid); a host-only interface's
 * is its user's (0700, created when missing; *share_gid (gid_t)-1). 0 or
 * -errno with err.
 */
int switchd_dir_check(enum switchd_kind k, const char *dir, gid_t *share_gid, char *err,
		      size_t errlen);

/* --- the daemon (intnet_service.c, intnet_service_ctl.c) ----------------- */

struct eth_switch;
struct hostonly_port;
struct ctl_server;
struct dhcpsrv_port;
struct switch_port_info;

struct switchd_svc {
	uv_loop_t *loop;
	enum switchd_kind kind;
	const struct switchd_desc *desc;
	const char *home, *name;
	struct eth_switch *sw;
	struct hostonly_port *hostif; /* host-only: the host's interface */
	struct ctl_server *ctl;
	uv_signal_t sig_int, sig_term;
	uv_timer_t idle;
	unsigned idle_checks;
	struct dhcpsrv_port *dhcp;    /* the network's dhcpserver, when enabled */
	bool dhcp_closing, dhcp_restart;
	bool stack_started;
	bool stopping;
	uint64_t started_ms;
	int pid_fd;
	char pid_path[PATH_MAX];
	gid_t share_gid;              /* the group sharing it, or (gid_t)-1 */
	uid_t owner_uid;              /* whose it is: natd run --user's, or ours */
	char uplink[UPLINK_TEXT_MAX]; /* the uplink in force, "" for none */
};

extern struct switchd_svc isv;

/* Shutdown after the DHCP server is gone: the host's interface, the switch,
 * lwIP, the handles (intnet_service.c). */
void isv_dhcp_closed_stop(void *opaque);

/* Starts the server when natd.json defines one for this network and it is
 * enabled. 0 (also when there is none), or -errno with err. */
int isv_dhcp_start(char *err, size_t errlen);
/* The switch's port observer: the DHCP server follows the ports' changes. */
void isv_port_observer(void *opaque, const struct switch_port_info *p, bool gone);

/* The control socket's "status", "dhcpserver" and "uplink" requests
 * (natd/ctl.h handlers). */
json_t *isv_ctl_status(void *opaque, json_t *args, char *err, size_t errlen);
json_t *isv_ctl_dhcpserver(void *opaque, json_t *args, char *err, size_t errlen);
json_t *isv_ctl_uplink(void *opaque, json_t *args, char *err, size_t errlen);

#endif
