/* SPDX-License-Identifier: MIT */
/*
 * intnet_service.c - the switch daemon of an internal network or a host-only
 * interface and the calls that start and ask it (see intnet_service.h).
 *
 * Theory of operation
 * -------------------
 * An adapter of `natd run` in intnet mode (modes/intnet.c) calls
 * intnet_service_ensure(): when no daemon holds NAME.pid's lock, it starts
 * one as a daemon (natd/daemon.h) that execs `natd intnet-switch NAME` (a
 * fresh process: `natd run`'s own loop and lwIP must not be shared), and
 * waits until the switch accepts connections. Two adapters starting at
 * once may both try: the second daemon finds the lock taken, reports ready
 * and exits, and both adapters join the first one's switch.
 *
 * The daemon writes a new random secret to NAME.key (0600, 0640 when shared) before it
 * listens; natd adapters read it and put it in their hello frame, so only
 * they (not a guest, and not a QEMU connected directly) can choose a port's
 * promiscuous policy. It checks once a second whether any VM is on the
 * switch and exits after INTNET_IDLE_CHECKS checks without one: the network
 * is gone after the last adapter left. An adapter that comes back later
 * starts it again.
 *
 * Sharing (natd/intnet_dir.h): when the directory is open to a group, the
 * switch accepts that group's processes, and the socket (0660), secret
 * (0640), pid file and log (0660) are the group's, so a member's adapter
 * may join, or start the daemon when none runs. The control socket stays
 * the starting user's (ctl.c accepts natd's own user and root only).
 *
 * When natd.json defines an enabled `natd dhcpserver` for the network, the
 * daemon runs it as a host port of the switch (natd/dhcpsrv_port.h), with
 * lwIP on its loop; `natd dhcpserver start|stop|restart` reach it through
 * the control socket.
 *
 * When natd.json gives the network an uplink (`natd intnet modify --uplink`,
 * natd/intnet_store.h), the daemon opens it as a port of the switch at
 * start (natd/uplink_port.h; a failure fails the start, and so the
 * adapter that started it) and replaces it when `natd intnet modify`
 * asks ("uplink" on the control socket). The uplink is not a VM: the
 * daemon still exits when the last VM has left.
 *
 * The same daemon serves a host-only interface (`natd hostonly-switch IF`,
 * files under $NATD_HOME/run/hostonly/): its switch has one more port, the
 * host's interface itself (natd/hostonly_port.h), and its DHCP server is
 * the one of "HostInterfaceNetworking-IF"; its uplink, when it has one,
 * is the interface's (`natd hostonlyif modify IF --uplink`,
 * natd/hostonly_store.h). It too starts with the first VM
 * and exits after the last one: the interface stays on the host, without
 * carrier meanwhile.
 *
 * The callers' side (starting the daemon, its files, its status) is
 * natd/intnet_client.c; the daemon's DHCP server and its control requests
 * are natd/intnet_service_ctl.c.
 *
 * Shutdown, on SIGTERM or when idle: control socket, DHCP server, switch
 * (ports, socket file), lwIP, timers and signals; the pid file is removed
 * while still locked.
 */
#include "natd/intnet_service.h"
#include "natd/intnet_service_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/esc.h"
#include "base/fdlimit.h"
#include "base/log.h"
#include "natd/config.h"
#include "natd/ctl.h"
#include "natd/daemon.h"
#include "natd/dhcpsrv_port.h"
#include "natd/hostonly_port.h"
#include "natd/hostonly_store.h"
#include "natd/intnet_dir.h"
#include "natd/intnet_store.h"
#include "natd/natnet_store.h"
#include "natd/uplink_port.h"
#include "stack/stack.h"

#define INTNET_IDLE_CHECKS      3     /* seconds without a VM before exiting */

/* ===================================================================== */
/* The daemon                                                             */
/* ===================================================================== */

struct switchd_svc isv;

static void isv_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void isv_stack_closed(void *opaque)
{
	(void)opaque;
	uv_close((uv_handle_t *)&isv.sig_int, isv_handle_closed);
	uv_close((uv_handle_t *)&isv.sig_term, isv_handle_closed);
	uv_close((uv_handle_t *)&isv.idle, isv_handle_closed);
}

static void isv_switch_closed(void *opaque)
{
	(void)opaque;
	if (isv.stack_started)
		stack_shutdown(isv_stack_closed, NULL);
	else
		isv_stack_closed(NULL);
}

/* Shutdown order: control socket, DHCP server, switch, lwIP, handles. */
void isv_dhcp_closed_stop(void *opaque)
{
	(void)opaque;
	isv.dhcp_closing = false;
	if (isv.hostif) {
		hostonly_port_stop(isv.hostif);
		isv.hostif = NULL;
	}
	if (isv.sw)
		switch_close(isv.sw, isv_switch_closed, NULL);
	else
		isv_switch_closed(NULL);
	isv.sw = NULL;
}

static void isv_stop(void)
{
	if (isv.stopping)
		return;
	isv.stopping = true;
	if (isv.ctl) {
		ctl_server_close(isv.ctl, NULL, NULL);
		isv.ctl = NULL;
	}
	if (isv.dhcp) {
		struct dhcpsrv_port *p = isv.dhcp;

		isv.dhcp = NULL;
		isv.dhcp_closing = true;
		dhcpsrv_port_stop(p, isv_dhcp_closed_stop, NULL);
	} else if (!isv.dhcp_closing) {
		isv_dhcp_closed_stop(NULL);
	}
}

static void isv_signal(uv_signal_t *h, int signum)
{
	(void)h;
	log_info("%s: stopping", strsignal(signum));
	isv_stop();
}

static void isv_idle_cb(uv_timer_t *t)
{
	struct switch_stats st;

	(void)t;
	if (isv.stopping)
		return;
	switch_get_stats(isv.sw, &st);
	isv.idle_checks = st.ports ? 0 : isv.idle_checks + 1;
	if (isv.idle_checks >= INTNET_IDLE_CHECKS) {
		log_info("no VM on the network any more: exiting");
		isv_stop();
	}
}



/* The host-only interface went away under us (ip link del): VMs find the
 * switch again, and the interface is recreated, when they retry. */
static void isv_hostif_gone(void *opaque)
{
	(void)opaque;
	log_warn("the host's interface %s was deleted: stopping", isv.name);
	isv_stop();
}


static int isv_setup(char *err, size_t errlen)
{
	struct switch_config sc = { .owner_uid = isv.owner_uid, .share_gid = isv.share_gid };
	char sock[PATH_MAX], ctl[PATH_MAX], key[PATH_MAX], what[NATD_NAME_MAX + 24];
	int rc;

	switchd_run_path(isv.kind, isv.home, isv.name, "key", key, sizeof(key));
	rc = daemon_new_secret(key, sc.secret, sizeof(sc.secret), err, errlen);
	if (rc < 0)
		return rc;
	/* a shared network's members read the secret to prove their adapters */
	rc = intnet_dir_share_path(key, isv.share_gid, 0640);
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: cannot give it to group %ld: %s", key,
			      (long)isv.share_gid, strerror(-rc));
	switchd_run_path(isv.kind, isv.home, isv.name, "sock", sock, sizeof(sock));
	snprintf(what, sizeof(what), "%s %s", isv.desc->what, isv.name);
	sc.sock_path = sock;
	sc.name = what;
	rc = switch_start(isv.loop, &sc, &isv.sw, err, errlen);
	if (rc < 0)
		return rc;
	if (isv.kind == SWITCHD_HOSTONLY) {
		struct hostonly_def h;

		rc = hostonly_port_start(isv.loop, isv.sw, isv.name, isv_hostif_gone, NULL,
					 &isv.hostif, err, errlen);
		if (rc == 0)
			rc = hostonly_store_get(isv.home, isv.name, &h, err, errlen);
		if (rc < 0)
			return rc;
		snprintf(isv.uplink, sizeof(isv.uplink), "%s", h.uplink);
	} else {
		struct intnet_def d;

		rc = intnet_store_get(isv.home, isv.name, &d, err, errlen);
		if (rc < 0)
			return rc;
		snprintf(isv.uplink, sizeof(isv.uplink), "%s", d.uplink);
	}
	if (isv.uplink[0]) {
		rc = uplink_port_apply(isv.sw, isv.uplink, err, errlen);
		if (rc < 0)
			return rc;
	}
	switchd_run_path(isv.kind, isv.home, isv.name, "ctl", ctl, sizeof(ctl));
	rc = ctl_server_start(isv.loop, ctl, &isv.ctl, err, errlen);
	if (rc < 0)
		return rc;
	ctl_server_register(isv.ctl, "status", isv_ctl_status, NULL);
	ctl_server_register(isv.ctl, "dhcpserver", isv_ctl_dhcpserver, NULL);
	ctl_server_register(isv.ctl, "uplink", isv_ctl_uplink, NULL);
	switch_set_port_observer(isv.sw, isv_port_observer, NULL);
	rc = isv_dhcp_start(err, errlen);
	if (rc < 0)
		log_err("DHCP server not started: %s", err); /* the switch still works */
	uv_timer_start(&isv.idle, isv_idle_cb, 1000, 1000);
	return 0;
}

/*
 * The sandbox once the switch is set up: with natd run's --user, the user
 * change too (the switch's directory and files become the user's when
 * NATD_HOME is; a host-only switch keeps CAP_NET_ADMIN for its interface),
 * else the filter only.
 */
static int isv_sandbox(const struct sandbox_opts *sb, const char *dir, char *err,
		       size_t errlen)
{
	static const char *const suffixes[] = { "sock", "pid", "key", "log", "ctl" };
	char paths[5][PATH_MAX];
	const char *own[7];
	unsigned n = 0;

	if (!sb->have_user)
		return sandbox_enter_service(sb->mode, err, errlen);
	_Static_assert(sizeof(own) / sizeof(own[0]) <= SANDBOX_OWN_MAX + 1, "own");
	own[n++] = dir;
	for (unsigned i = 0; i < 5; i++)
		if (switchd_run_path(isv.kind, isv.home, isv.name, suffixes[i], paths[i],
				     sizeof(paths[i])) == 0)
			own[n++] = paths[i];
	own[n] = NULL;
	return sandbox_enter_home(sb, isv.kind == SWITCHD_HOSTONLY ? SANDBOX_CAP_NET_ADMIN : 0,
				  isv.home, own, err, errlen);
}

static int isv_main(enum switchd_kind kind, const char *home, const char *name, int ready_fd,
		    const struct sandbox_opts *sb)
{
	char err[512], dir[PATH_MAX];
	int rc;

	memset(&isv, 0, sizeof(isv));
	isv.kind = kind;
	isv.desc = switchd_desc(kind);
	isv.home = home;
	isv.name = name;
	isv.pid_fd = -1;
	log_set_prefix(name);
	switchd_run_path(kind, home, NULL, NULL, dir, sizeof(dir));
	rc = switchd_dir_check(kind, dir, &isv.share_gid, err, sizeof(err));
	if (rc < 0) {
		daemon_report(ready_fd, "error: %s", err);
		return 1;
	}
	isv.owner_uid = sb->have_user ? sb->uid : geteuid();
	switchd_run_path(kind, home, name, "pid", isv.pid_path, sizeof(isv.pid_path));
	rc = daemon_lock_pid(isv.pid_path, &isv.pid_fd, err, sizeof(err));
	if (rc == -EBUSY) {
		daemon_ready(&ready_fd); /* another daemon serves the network */
		return 0;
	}
	if (rc < 0) {
		daemon_report(ready_fd, "error: %s", err);
		return 1;
	}
	/* members of a shared network tell whether it runs, and start it when
	 * it does not (then taking this file's lock) */
	rc = intnet_dir_share_fd(isv.pid_fd, isv.share_gid, 0660);
	if (rc < 0)
		log_warn("%s: cannot give it to group %ld: %s", isv.pid_path,
			 (long)isv.share_gid, strerror(-rc));
	if (isv.share_gid != (gid_t)-1)
		log_info("shared with group %ld (%s)", (long)isv.share_gid, dir);
	log_info("starting %s %s, pid %ld", isv.desc->what, name, (long)getpid());
	signal(SIGPIPE, SIG_IGN);
	fdlimit_raise();
	signal(SIGHUP, SIG_IGN);
	isv.loop = uv_default_loop();
	isv.started_ms = uv_now(isv.loop);
	uv_signal_init(isv.loop, &isv.sig_int);
	uv_signal_init(isv.loop, &isv.sig_term);
	uv_signal_start(&isv.sig_int, isv_signal, SIGINT);
	uv_signal_start(&isv.sig_term, isv_signal, SIGTERM);
	uv_timer_init(isv.loop, &isv.idle);
	err[0] = '\0';
	rc = isv_setup(err, sizeof(err));
	if (rc == 0)
		rc = isv_sandbox(sb, dir, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err[0] ? err : strerror(-rc));
		daemon_report(ready_fd, "error: %s", err[0] ? err : strerror(-rc));
		isv_stop();
	} else {
		log_info("running: switch %s/%s.sock", dir, name);
		daemon_ready(&ready_fd);
	}
	uv_run(isv.loop, UV_RUN_DEFAULT);
	uv_loop_close(isv.loop);
	unlink(isv.pid_path);
	log_info("stopped");
	return rc < 0 ? 1 : 0;
}

/* The internal command's --help (its usage: natd run starts it). */
static void switchd_help(enum switchd_kind k)
{
	const struct switchd_desc *desc = switchd_desc(k);

	printf("Usage: natd %s NAME [READY_FD [--user UID:GID] [--sandbox MODE]]\n"
	       "\n"
	       "The switch daemon of the %s NAME: an internal command\n"
	       "that natd run's %s adapters start (once, shared by every VM on it)\n"
	       "and that exits after the last VM has left. READY_FD is the pipe it\n"
	       "reports \"ok\" or an error on once its switch accepts connections.\n"
	       "\n"
	       "Options (after READY_FD; natd run passes its own):\n"
	       "  --user UID:GID   become this user and group once the switch is set up\n"
	       "                   (natd run --user); %s\n"
	       "  --sandbox MODE   the seccomp allowlist of system calls installed after\n"
	       "                   start-up: on (any other call kills the daemon with\n"
	       "                   SIGSYS), trap (as on, but the call's name is logged\n"
	       "                   first), log (other calls are allowed and the kernel\n"
	       "                   logs them), off (no filter). The default comes from\n"
	       "                   NATD_SANDBOX (on when unset)\n"
	       "  -h, --help       this text\n",
	       desc->command, desc->what, desc->dir,
	       k == SWITCHD_HOSTONLY ? "CAP_NET_ADMIN is kept for the interface"
				   : "no capability is kept");
}

int switchd_main_cmd(enum switchd_kind k, int argc, char **argv)
{
	const struct switchd_desc *desc = switchd_desc(k);
	struct sandbox_opts sb;
	char home[PATH_MAX], err[256];
	int ready_fd = -1, i;

	sandbox_opts_init(&sb);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		switchd_help(k);
		return 0;
	}
	for (i = 3; i < argc; i += 2) {
		if (strcmp(argv[i], "--user") && strcmp(argv[i], "--sandbox"))
			break;
		if (i + 1 >= argc) {
			esc_fprintf(stderr, "natd %s: %s needs a value (see natd %s --help)\n",
				    desc->command, argv[i], desc->command);
			return 2;
		}
		if (!strcmp(argv[i], "--user") &&
		    sandbox_parse_user(argv[i + 1], &sb, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd %s: %s\n", desc->command, err);
			return 2;
		}
		if (!strcmp(argv[i], "--sandbox") &&
		    sandbox_parse_mode(argv[i + 1], &sb.mode, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd %s: --sandbox: %s\n", desc->command, err);
			return 2;
		}
	}
	if (argc < 2 || i < argc || !config_name_valid(argv[1])) {
		fprintf(stderr, "natd %s: internal command of natd run's %s mode: natd %s "
			"NAME [READY_FD [--user UID:GID] [--sandbox MODE]] (see natd %s "
			"--help)\n", desc->command, desc->dir, desc->command, desc->command);
		return 2;
	}
	if (argc >= 3)
		ready_fd = atoi(argv[2]);
	config_default_home(home, sizeof(home));
	return isv_main(k, home, argv[1], ready_fd, &sb);
}

int intnet_service_main_cmd(int argc, char **argv)
{
	return switchd_main_cmd(SWITCHD_INTNET, argc, argv);
}
