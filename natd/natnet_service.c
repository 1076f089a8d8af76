/* SPDX-License-Identifier: MIT */
/*
 * natnet_service.c - a NAT network's background service and the commands
 * that start, stop, change and ask it (see natnet_service.h); its
 * port-forwarding rules and control-socket requests are in
 * natd/natnet_service_ctl.c.
 *
 * Theory of operation
 * -------------------
 * `natd natnetwork start` runs the service as a daemon (natd/daemon.h):
 * it returns once the service reported ready or why it could not start.
 * Everything the service logs goes to run/natnet-NAME.log. The service
 * holds the lock of run/natnet-NAME.pid while it runs; `stop` sends SIGTERM
 * and waits for the lock to go.
 *
 * Inside: lwIP on a libuv loop as in `natd run`, with one NAT adapter
 * (forwarders/nic.c) whose "VM" is the network's switch (l2/switch.c)
 * through its host port 0, an in-process device "inproc:natnet-NAME". The
 * switch's secret is written to run/natnet-NAME.key (0600) before it
 * listens: `natd run` adapters put it in their hello frames, which set
 * their ports' promiscuous policies.
 * The adapter's configuration is derived from the network's definition:
 * gateway and DNS proxy .1, DHCP server .3 (its replies come from .3, it
 * answers ARP for .3), leases from .4, host nameservers minus 127/8 handed
 * out (falling back to .1), loopback mappings; with --ipv6 on, router
 * advertisements for the network's prefix from fe80::1, the gateway and DNS
 * proxy <prefix>::1, a default route only with --ipv6-default on, the
 * --loopback-6 address (reaching the host's ::1) and the --port-forward-6
 * rules. Leases are written to
 * $NATD_HOME/natnet-NAME.leases.json after every change (debounced to once
 * per loop turn) and restored at start, keyed by MAC, so guests keep their
 * addresses and an unrenewed lease stays valid across restarts.
 *
 * With an uplink (--uplink, l2/uplink.h) the switch has one more port, a
 * UDP tunnel or VDE switch to other hosts (natd/uplink_port.h), opened at
 * start (a failure fails the start) and replaced live by `modify`.
 *
 * Shutdown, on SIGTERM or a failed start: control socket, then DNS, NAT
 * flows, the adapter, the switch (VMs' connections, socket file), lwIP's
 * timer, then the signals and the lease timer; the loop ends when every
 * handle is closed.
 */
#include "natd/natnet_service.h"
#include "natd/natnet_service_internal.h"
#include "natd/sandbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "l2/switch.h"
#include "forwarders/dns.h"
#include "forwarders/nat.h"
#include "forwarders/portfwd.h"
#include "natd/ctl.h"
#include "natd/ctl_client.h"
#include "natd/daemon.h"
#include "natd/lease_keeper.h"
#include "natd/natnet_leases.h"
#include "natd/uplink_port.h"
#include "modes/nat_mode.h"
#include "base/fdlimit.h"
#include "base/hostaddr.h"
#include "base/log.h"
#include "forwarders/nic.h"
#include "forwarders/nic6.h"
#include "stack/stack.h"

#define SVC_READY_TIMEOUT_MS 20000
#define SVC_STOP_TIMEOUT_MS  15000
#define SVC_CTL_TIMEOUT_MS   10000

int natnet_run_path(const char *home, const char *name, const char *suffix, char *out,
		    size_t outlen)
{
	if (strlen(home) > PATH_MAX - 100 || strlen(name) >= NATD_NAME_MAX ||
	    strlen(suffix) > 8)
		return -ENAMETOOLONG;
	if ((size_t)snprintf(out, outlen, "%.*s/run/natnet-%.63s.%.8s", PATH_MAX - 100, home,
			     name, suffix) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int natnet_service_running(const char *home, const char *name, pid_t *pid)
{
	char path[PATH_MAX];

	if (natnet_run_path(home, name, "pid", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	return daemon_running(path, pid);
}

/* ===================================================================== */
/* The service process                                                    */
/* ===================================================================== */

struct natnet_svc natnet_svc;

/* The adapter's configuration from the network's definition. */
static void svc_fill_nic_config(void)
{
	struct nat_config *c = &natnet_svc.ncfg;
	const struct natnet_def *d = &natnet_svc.def;
	const struct natnet_addrs *a = &natnet_svc.addrs;

	memset(c, 0, sizeof(*c));
	snprintf(natnet_svc.attach, sizeof(natnet_svc.attach), "inproc:natnet-%s", d->name);
	c->attach = natnet_svc.attach;
	c->natnet_set = true;
	c->network = a->network;
	c->netmask = a->netmask;
	c->prefixlen = d->prefixlen;
	c->broadcast = a->broadcast;
	c->gateway = a->gateway;
	c->dns = a->gateway;          /* the gateway proxies DNS */
	c->bind_ip_set = d->source_ip4.s_addr != 0; /* --source-ip4 */
	c->bind_ip = d->source_ip4;
	c->dns_proxy = false;         /* DHCP: host nameservers minus 127/8, else .1 */
	c->dhcp_server = a->dhcp_server;
	c->dhcp_disabled = !d->dhcp;
	c->dhcp_client_id = true;
	if (ntohl(a->range_first.s_addr) <= ntohl(a->range_last.s_addr)) {
		c->guest_first = a->range_first;
		c->guest_last = a->range_last;
	} else {
		/* no room (a /30 without DHCP): a range the server never hands out */
		c->guest_first = c->guest_last = a->gateway;
	}
	/* IPv6: RAs for the prefix, the gateway ::1 routes and proxies DNS
	 * (forwarders/nic6.c); RDNSS and DHCPv6 hand out the host's IPv6
	 * nameservers, else ::1. */
	c->ipv6 = d->ipv6;
	c->prefix6 = a->prefix6;
	c->gateway6 = a->gateway6;
	c->dns6 = a->gateway6;
	c->ipv6_default = d->ipv6_default ? TRI_ON : TRI_OFF;
	c->loopback6_set = d->ipv6 && d->lo6;
	natnet_loopback6_addr(d, &c->loopback6);
	c->mtu = 1500;
	c->cable_connected = true;
	c->n_loopback = d->n_lo4;
	for (unsigned i = 0; i < d->n_lo4; i++) {
		c->loopback_net[i].s_addr = htonl(ntohl(a->network.s_addr) + d->lo4[i].offset);
		c->loopback_host[i] = d->lo4[i].host;
	}
}

/* --- shutdown ------------------------------------------------------------- */

static void svc_handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void svc_stack_closed(void *opaque)
{
	(void)opaque;
	uv_close((uv_handle_t *)&natnet_svc.sig_int, svc_handle_closed);
	uv_close((uv_handle_t *)&natnet_svc.sig_term, svc_handle_closed);
}

static void svc_switch_closed(void *opaque)
{
	(void)opaque;
	natnet_svc.sw = NULL;
	stack_shutdown(svc_stack_closed, NULL);
}

struct svc_port_name {
	unsigned idx;
	char *buf;
	size_t len;
};

static int svc_port_name_cb(void *opaque, const struct switch_port_info *p)
{
	struct svc_port_name *n = opaque;

	if (p->idx != n->idx)
		return 0;
	if (p->vm[0] && p->adapter)
		snprintf(n->buf, n->len, "%s nic%u", p->vm, p->adapter);
	else if (p->vm[0])
		snprintf(n->buf, n->len, "%s", p->vm);
	return 1;
}

/* The NAT engine's names for the VMs in its logs (nic_set_guest_namer()):
 * the VM and adapter of the switch port from its hello. */
static void svc_guest_name(void *opaque, uint32_t port, char *buf, size_t len)
{
	struct svc_port_name n = { .idx = port & 0xff, .buf = buf, .len = len };

	(void)opaque;
	if (natnet_svc.sw)
		switch_foreach_port(natnet_svc.sw, svc_port_name_cb, &n);
}

static void svc_nic_closed(void *opaque)
{
	(void)opaque;
	if (natnet_svc.sw)
		switch_close(natnet_svc.sw, svc_switch_closed, NULL);
	else
		svc_switch_closed(NULL);
}

static void svc_nat_closed(void *opaque)
{
	(void)opaque;
	if (natnet_svc.nic) {
		struct nic *nic = natnet_svc.nic;

		if (natnet_svc.leases)
			lease_keeper_stop(natnet_svc.leases, !natnet_svc.failure[0]);
		natnet_svc.leases = NULL;
		natnet_svc.nic = NULL;
		nic_stop(nic, svc_nic_closed, NULL);
	} else {
		svc_nic_closed(NULL);
	}
}

static void svc_dns_closed(void *opaque)
{
	(void)opaque;
	if (natnet_svc.nat_started)
		nat_shutdown(svc_nat_closed, NULL);
	else
		svc_nat_closed(NULL);
}

static void svc_stop(void)
{
	if (natnet_svc.stopping)
		return;
	natnet_svc.stopping = true;
	if (natnet_svc.ctl) {
		ctl_server_close(natnet_svc.ctl, NULL, NULL);
		natnet_svc.ctl = NULL;
	}
	/* The rules' host sockets close with the NAT engine (portfwd.c). */
	if (natnet_svc.dns_started)
		dns_shutdown(svc_dns_closed, NULL);
	else
		svc_dns_closed(NULL);
}

static void svc_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (natnet_svc.stopping) {
		log_warn("second %s: exiting at once", strsignal(signum));
		exit(1);
	}
	log_info("%s: stopping", strsignal(signum));
	svc_stop();
}

/* --- start ---------------------------------------------------------------- */

static int svc_setup(char *err, size_t errlen)
{
	char sock[PATH_MAX], ctl[PATH_MAX], key[PATH_MAX], path[PATH_MAX], name[NATD_NAME_MAX + 8];
	char what[NATD_NAME_MAX + 16];
	struct switch_config scfg;
	uint8_t mac[6];
	struct nat_limits lim = { .max_flows = { 16384, 4096, 256 }, .udp_timeout_s = 60 };
	int rc;

	natnet_svc.started_ms = stack_now_ms();
	/* The reserve also covers the switch's VM ports. */
	nat_fit_descriptors(lim.max_flows, NAT_FD_RESERVE + SWITCH_MAX_PORTS);
	/* Several VMs share the table: each may hold a share of it. */
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++)
		lim.guest_flows[p] = lim.max_flows[p] / NAT_GUEST_SHARE ?
				     lim.max_flows[p] / NAT_GUEST_SHARE : 1;
	lim.guest_connecting = NAT_GUEST_CONNECTING;
	rc = nat_init(natnet_svc.loop, &lim, err, errlen);
	if (rc < 0)
		return rc;
	natnet_svc.nat_started = true;
	rc = dns_init(natnet_svc.loop, err, errlen);
	if (rc < 0)
		return rc;
	natnet_svc.dns_started = true;

	natnet_run_path(natnet_svc.home, natnet_svc.def.name, "sock", sock, sizeof(sock));
	natnet_run_path(natnet_svc.home, natnet_svc.def.name, "key", key, sizeof(key));
	snprintf(name, sizeof(name), "natnet-%s", natnet_svc.def.name);
	snprintf(what, sizeof(what), "NAT network %s", natnet_svc.def.name);
	scfg = (struct switch_config){ .sock_path = sock, .name = what,
				       .owner_uid = geteuid(), .share_gid = (gid_t)-1 };
	rc = daemon_new_secret(key, scfg.secret, sizeof(scfg.secret), err, errlen);
	if (rc < 0)
		return rc;
	rc = switch_start(natnet_svc.loop, &scfg, &natnet_svc.sw, err, errlen);
	if (rc < 0)
		return rc;
	/* The gateway (the NAT adapter): port 0, its MAC pinned. */
	nic_gateway_mac(&natnet_svc.ncfg, mac);
	rc = switch_add_host_port(natnet_svc.sw, name, mac, err, errlen);
	if (rc < 0)
		return rc;
	if (natnet_svc.def.uplink[0]) {
		rc = uplink_port_apply(natnet_svc.sw, natnet_svc.def.uplink, err, errlen);
		if (rc < 0)
			return rc;
	}
	/* checked when set; at boot the address may come later: only a warning */
	if (natnet_svc.def.source_ip4.s_addr && hostaddr_check4(natnet_svc.def.source_ip4, err, errlen) < 0)
		log_warn("--source-ip4: %s (yet): its outgoing flows fail until it is", err);
	rc = nic_start(natnet_svc.loop, 1, &natnet_svc.ncfg, &natnet_svc.nic, err, errlen);
	if (rc < 0)
		return rc;
	nic_set_guest_namer(natnet_svc.nic, svc_guest_name, NULL);
	rc = dns_nic_start(natnet_svc.nic, err, errlen);
	if (rc < 0)
		return rc;
	natnet_leases_path(natnet_svc.home, natnet_svc.def.name, path, sizeof(path));
	rc = lease_keeper_start(natnet_svc.loop, natnet_svc.nic, path, &natnet_svc.leases, err, errlen);
	if (rc < 0)
		return rc;
	{
		static struct pfrule none[1], rules[2 * NATNET_MAX_RULES];
		unsigned n = natnet_svc_active_rules(&natnet_svc.def, rules);

		rc = n ? natnet_svc_rules_apply(none, 0, rules, n, err, errlen) : 0;
		if (rc < 0)
			return rc;
	}
	natnet_run_path(natnet_svc.home, natnet_svc.def.name, "ctl", ctl, sizeof(ctl));
	rc = ctl_server_start(natnet_svc.loop, ctl, &natnet_svc.ctl, err, errlen);
	if (rc < 0)
		return rc;
	ctl_server_register(natnet_svc.ctl, "status", natnet_svc_ctl_status, NULL);
	ctl_server_register(natnet_svc.ctl, "apply", natnet_svc_ctl_apply, NULL);
	return 0;
}

/*
 * The service's main: returns the process's exit status. Once ready it
 * reports "ok" on ready_fd (daemon_spawn's pipe; -1 in the foreground) and
 * calls ready(ready_arg) when given (the foreground's caller: its lock, and
 * systemd's readiness).
 */
static int svc_main(const char *home, const struct natnet_def *d,
		    const struct sandbox_opts *sb, int ready_fd, void (*ready)(void *),
		    void *ready_arg)
{
	char err[512], net[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN], first[INET_ADDRSTRLEN];
	int rc;

	memset(&natnet_svc, 0, sizeof(natnet_svc));
	natnet_svc.pid_fd = -1;
	snprintf(natnet_svc.home, sizeof(natnet_svc.home), "%s", home);
	natnet_svc.def = *d;
	natnet_def_addrs(d, &natnet_svc.addrs);
	natnet_run_path(home, d->name, "pid", natnet_svc.pid_path, sizeof(natnet_svc.pid_path));
	log_set_prefix(d->name);
	rc = daemon_lock_pid(natnet_svc.pid_path, &natnet_svc.pid_fd, err, sizeof(err));
	if (rc < 0) {
		daemon_report(ready_fd, "error: %s", err);
		return 1;
	}
	natnet_format_network(d, net, sizeof(net));
	inet_ntop(AF_INET, &natnet_svc.addrs.gateway, gw, sizeof(gw));
	inet_ntop(AF_INET, &natnet_svc.addrs.range_first, first, sizeof(first));
	log_info("starting NAT network %s (%s), pid %ld", d->name, net, (long)getpid());
	svc_fill_nic_config();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	fdlimit_raise();
	natnet_svc.loop = uv_default_loop();
	rc = stack_init(natnet_svc.loop);
	if (rc < 0) {
		daemon_report(ready_fd, "error: cannot start the stack: %s", uv_strerror(rc));
		return 1;
	}
	uv_signal_init(natnet_svc.loop, &natnet_svc.sig_int);
	uv_signal_init(natnet_svc.loop, &natnet_svc.sig_term);
	uv_signal_start(&natnet_svc.sig_int, svc_signal, SIGINT);
	uv_signal_start(&natnet_svc.sig_term, svc_signal, SIGTERM);
	err[0] = '\0';
	rc = svc_setup(err, sizeof(err));
	if (rc == 0)
		rc = sandbox_enter_natnet(sb, natnet_svc.home, natnet_svc.def.name, err, sizeof(err));
	if (rc < 0) {
		snprintf(natnet_svc.failure, sizeof(natnet_svc.failure), "%s", err[0] ? err : strerror(-rc));
		log_err("%s", natnet_svc.failure);
		svc_stop();
	} else {
		log_info("running: gateway and DNS %s, DHCP %s, switch %s/run/natnet-%s.sock",
			 gw, d->dhcp ? first : "off", home, d->name);
		if (d->ipv6) {
			char pfx[INET6_ADDRSTRLEN + 4];

			natnet_format_ipv6_prefix(d, pfx, sizeof(pfx));
			log_info("IPv6: prefix %s, gateway and DNS ::1 (router fe80::1), default "
				 "route %s", pfx, d->ipv6_default ? "advertised" : "not advertised");
		}
		daemon_ready(&ready_fd);
		if (ready)
			ready(ready_arg);
	}
	uv_run(natnet_svc.loop, UV_RUN_DEFAULT);
	uv_loop_close(natnet_svc.loop);
	/* The lock goes with the process; remove the file while still holding it. */
	unlink(natnet_svc.pid_path);
	if (natnet_svc.failure[0]) {
		daemon_report(ready_fd, "error: %s", natnet_svc.failure);
		return 1;
	}
	log_info("stopped");
	return 0;
}

struct svc_args {
	const char *home;
	const struct natnet_def *d;
	const struct sandbox_opts *sb;
};

static int svc_daemon_main(void *arg, int ready_fd)
{
	const struct svc_args *a = arg;

	return svc_main(a->home, a->d, a->sb, ready_fd, NULL, NULL);
}

/* ===================================================================== */
/* The commands' side                                                     */
/* ===================================================================== */

/* Makes $home/run and checks that the service's socket paths fit. */
static int svc_prepare(const char *home, const struct natnet_def *d, char *err, size_t errlen)
{
	char run[PATH_MAX], path[PATH_MAX];
	struct sockaddr_un sa;
	int rc;

	if ((size_t)snprintf(run, sizeof(run), "%s/run", home) >= sizeof(run))
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	rc = natnet_private_dir(run, err, errlen);
	if (rc < 0)
		return rc;
	if (natnet_run_path(home, d->name, "sock", path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path) ||
	    natnet_run_path(home, d->name, "ctl", path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path))
		return errfmt(err, errlen, -ENAMETOOLONG, "%s is longer than a UNIX socket "
			      "path may be (%zu bytes): use a shorter NATD_HOME or name", path,
			      sizeof(sa.sun_path) - 1);
	return 0;
}

int natnet_service_start(const char *home, const struct natnet_def *d,
			 const struct sandbox_opts *sb, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc;

	rc = svc_prepare(home, d, err, errlen);
	if (rc < 0)
		return rc;
	natnet_run_path(home, d->name, "log", path, sizeof(path));
	return daemon_spawn(path, svc_daemon_main, (void *)&(struct svc_args){ home, d, sb },
			    SVC_READY_TIMEOUT_MS, err, errlen);
}

int natnet_service_run(const char *home, const struct natnet_def *d,
		       const struct sandbox_opts *sb, void (*ready)(void *), void *arg, char *err,
		       size_t errlen)
{
	int rc = svc_prepare(home, d, err, errlen);

	if (rc < 0)
		return rc;
	return svc_main(home, d, sb, -1, ready, arg);
}

int natnet_service_stop(const char *home, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (natnet_run_path(home, name, "pid", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	return daemon_stop(path, SVC_STOP_TIMEOUT_MS, err, errlen);
}

static int svc_call(const char *home, const char *name, const char *cmd, json_t *args,
		    json_t **result, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (natnet_run_path(home, name, "ctl", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	return ctl_call(path, cmd, args, SVC_CTL_TIMEOUT_MS, result, err, errlen);
}

int natnet_service_apply(const char *home, const struct natnet_def *d, char *err,
			 size_t errlen)
{
	json_t *args = json_pack("{s:o}", "definition", natnet_def_to_json(d)), *res = NULL;
	int rc;

	if (!args)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	rc = svc_call(home, d->name, "apply", args, &res, err, errlen);
	json_decref(args);
	json_decref(res);
	return rc;
}

int natnet_service_status(const char *home, const char *name, json_t **out, char *err,
			  size_t errlen)
{
	return svc_call(home, name, "status", NULL, out, err, errlen);
}
