/* SPDX-License-Identifier: MIT */
/*
 * intnet_service.h - the switch of an internal network (--nic<x> intnet
 * --intnet<x> NAME, VirtualBox manual 6.6): a small daemon that the first
 * adapter to join starts and that ends after the last one left. No central
 * configuration: the name is the network.
 *
 * Files, under $NATD_HOME/run/intnet/ (mode 0700: only natd's user and root
 * get in) or under NATD_INTNET_DIR (natd/intnet_dir.h: shared with the
 * directory's group when it is open to it): NAME.sock (the switch, QEMU -netdev stream framing), NAME.pid
 * (locked while the daemon runs), NAME.ctl (control socket: "status",
 * "dhcpserver", "uplink"), NAME.key (the secret a natd adapter proves itself with in
 * its hello frame, l2/switch.h), NAME.log.
 */
#ifndef NATD_INTNET_SERVICE_H
#define NATD_INTNET_SERVICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "l2/switch.h"
#include "natd/intnet_dir.h"
#include "natd/sandbox.h"

/*
 * The daemon serves host-only interfaces too (--nic<x> hostonly
 * --hostonlyadapter<x> vboxnetN): the same switch, started by the first VM
 * and gone after the last, with the host's interface as one more port
 * (natd/hostonly_port.h) and the interface's DHCP server. Its files are
 * under $NATD_HOME/run/hostonly/ (IF.sock, IF.pid, IF.ctl, IF.key, IF.log).
 * The switchd_* calls take the kind; the intnet_* ones are for internal
 * networks.
 */
enum switchd_kind { SWITCHD_INTNET, SWITCHD_HOSTONLY };

int switchd_run_path(enum switchd_kind k, const char *home, const char *name,
		     const char *suffix, char *out, size_t outlen);
int switchd_ensure(enum switchd_kind k, const char *home, const char *name, char *err,
		   size_t errlen);
/* natd run --user: switch daemons this process starts from now on become
 * uid:gid too (`natd intnet-switch NAME FD --user UID:GID`), as natd run does
 * once its adapters are up. */
void switchd_set_user(uid_t uid, gid_t gid);
/* natd run --sandbox (or NATD_SANDBOX's mode): switch daemons this process
 * starts from now on install their filter in mode m (`... --sandbox MODE`);
 * without this call they follow NATD_SANDBOX. */
void switchd_set_sandbox(enum sandbox_mode m);
int switchd_read_secret(enum switchd_kind k, const char *home, const char *name,
			uint8_t secret[SWITCH_SECRET_LEN], char *err, size_t errlen);
int switchd_status(enum switchd_kind k, const char *home, const char *name, json_t **out,
		   char *err, size_t errlen);
/* Gives the running switch of name a new uplink ("" for none: natd intnet
 * modify, natd hostonlyif modify). 0, -ESRCH when it does not run (nothing
 * to do), -errno with err when its daemon refused (the old uplink stays). */
int switchd_set_uplink(enum switchd_kind k, const char *home, const char *name,
		       const char *uplink, char *err, size_t errlen);
/* `natd intnet-switch NAME [READY_FD [--user UID:GID] [--sandbox MODE]]` /
 * `natd hostonly-switch IF ...` (internal; --help prints the usage). */
int switchd_main_cmd(enum switchd_kind k, int argc, char **argv);


/* Makes sure network name's daemon runs (starting it if not) and its switch
 * accepts connections. 0, or -errno with the reason in err. */
int intnet_service_ensure(const char *home, const char *name, char *err, size_t errlen);

/* The running network's secret (its NAME.key). 0 or -errno with err. */
int intnet_read_secret(const char *home, const char *name, uint8_t secret[SWITCH_SECRET_LEN],
		       char *err, size_t errlen);

/* The daemon's "status" (ports and their counters): a new reference. 0,
 * -ESRCH when it does not run, -errno with err. */
int intnet_service_status(const char *home, const char *name, json_t **out, char *err,
			  size_t errlen);

/* Gives the running network's switch a new uplink ("" for none: natd
 * intnet modify). 0, -ESRCH when the network does not run (nothing to
 * do), -errno with err when its daemon refused (the old uplink stays). */
int intnet_service_set_uplink(const char *home, const char *name, const char *uplink,
			      char *err, size_t errlen);

/* `natd intnet-switch NAME` (internal: what intnet_service_ensure starts). */
int intnet_service_main_cmd(int argc, char **argv);

#endif
