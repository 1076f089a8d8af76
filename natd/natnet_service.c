/* SPDX-License-Identifier: MIT */
/*
 * natnet_service.c - a NAT network's background service and the commands
 * that start, stop, change and ask it (see natnet_service.h).
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

static struct {
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
} svc;

/* The adapter's configuration from the network's definition. */
static void svc_fill_nic_config(void)
{
	struct nat_config *c = &svc.ncfg;
	const struct natnet_def *d = &svc.def;
	const struct natnet_addrs *a = &svc.addrs;

	memset(c, 0, sizeof(*c));
	snprintf(svc.attach, sizeof(svc.attach), "inproc:natnet-%s", d->name);
	c->attach = svc.attach;
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

/* --- port forwarding ------------------------------------------------------ */

/*
 * Closes the host sockets of the rules in del, then opens those in add
 * (forwarders/portfwd.c); all or nothing: when a rule cannot be added (its
 * host port is taken, or privileged), the ones added are removed and the
 * deleted ones put back. Changed rules are in both lists.
 */
static int svc_rules_apply(const struct pfrule *del, unsigned n_del,
			   const struct pfrule *add, unsigned n_add, char *err, size_t errlen)
{
	char why[256];
	unsigned i, j;
	int rc = 0;

	for (i = 0; i < n_del; i++)
		portfwd_delete(svc.nic, del[i].name, why, sizeof(why));
	for (i = 0; i < n_add; i++) {
		struct pfrule r = add[i];

		rc = portfwd_add(svc.nic, &r, why, sizeof(why));
		if (rc < 0) {
			errfmt(err, errlen, rc, "rule '%s': %s", add[i].name, why);
			break;
		}
		log_info("port forward %s:%s:%u -> [%s]:%u", r.name, pfrule_proto_name(r.proto),
			 r.host_port, pfrule_addr_format(&r.guest, why, sizeof(why)),
			 r.guest_port);
	}
	if (rc == 0) {
		for (j = 0; j < n_del; j++)
			if (pfrule_set_find(add, n_add, del[j].name) < 0)
				log_info("port forward %s removed", del[j].name);
		return 0;
	}
	while (i-- > 0)
		portfwd_delete(svc.nic, add[i].name, why, sizeof(why));
	for (j = 0; j < n_del; j++) {
		struct pfrule r = del[j];

		if (portfwd_add(svc.nic, &r, why, sizeof(why)) < 0)
			log_err("rule '%s' could not be restored: %s", r.name, why);
	}
	return rc;
}

/* The rules a definition has in force: the IPv4 ones, and the IPv6 ones
 * when IPv6 is on. Returns how many (names are unique across both). */
static unsigned svc_active_rules(const struct natnet_def *d, struct pfrule *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n_rules4; i++)
		out[n++] = d->rules4[i];
	for (unsigned i = 0; d->ipv6 && i < d->n_rules6; i++)
		out[n++] = d->rules6[i];
	return n;
}

/* Rules of old that new lacks or changed (del) and rules of new that old
 * lacks or changed (add). */
static void svc_rules_diff(const struct pfrule *old, unsigned n_old, const struct pfrule *new,
			   unsigned n_new, struct pfrule *del, unsigned *n_del,
			   struct pfrule *add, unsigned *n_add)
{
	*n_del = *n_add = 0;
	for (unsigned i = 0; i < n_old; i++) {
		int k = pfrule_set_find(new, n_new, old[i].name);

		if (k < 0 || memcmp(&new[k], &old[i], sizeof(old[i])))
			del[(*n_del)++] = old[i];
	}
	for (unsigned i = 0; i < n_new; i++) {
		int k = pfrule_set_find(old, n_old, new[i].name);

		if (k < 0 || memcmp(&old[k], &new[i], sizeof(new[i])))
			add[(*n_add)++] = new[i];
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
	uv_close((uv_handle_t *)&svc.sig_int, svc_handle_closed);
	uv_close((uv_handle_t *)&svc.sig_term, svc_handle_closed);
}

static void svc_switch_closed(void *opaque)
{
	(void)opaque;
	svc.sw = NULL;
	stack_shutdown(svc_stack_closed, NULL);
}

static void svc_nic_closed(void *opaque)
{
	(void)opaque;
	if (svc.sw)
		switch_close(svc.sw, svc_switch_closed, NULL);
	else
		svc_switch_closed(NULL);
}

static void svc_nat_closed(void *opaque)
{
	(void)opaque;
	if (svc.nic) {
		struct nic *nic = svc.nic;

		if (svc.leases)
			lease_keeper_stop(svc.leases, !svc.failure[0]);
		svc.leases = NULL;
		svc.nic = NULL;
		nic_stop(nic, svc_nic_closed, NULL);
	} else {
		svc_nic_closed(NULL);
	}
}

static void svc_dns_closed(void *opaque)
{
	(void)opaque;
	if (svc.nat_started)
		nat_shutdown(svc_nat_closed, NULL);
	else
		svc_nat_closed(NULL);
}

static void svc_stop(void)
{
	if (svc.stopping)
		return;
	svc.stopping = true;
	if (svc.ctl) {
		ctl_server_close(svc.ctl, NULL, NULL);
		svc.ctl = NULL;
	}
	/* The rules' host sockets close with the NAT engine (portfwd.c). */
	if (svc.dns_started)
		dns_shutdown(svc_dns_closed, NULL);
	else
		svc_dns_closed(NULL);
}

static void svc_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (svc.stopping) {
		log_warn("second %s: exiting at once", strsignal(signum));
		exit(1);
	}
	log_info("%s: stopping", strsignal(signum));
	svc_stop();
}

/* --- control socket ------------------------------------------------------- */

/* At most this many leases in a status answer (the control protocol caps a
 * message at CTL_MAX_MESSAGE bytes); "leases_total" counts them all. */
#define SVC_STATUS_MAX_LEASES 256

static int svc_lease_json(void *opaque, const struct dhcp_lease_info *l)
{
	json_t *arr = opaque;
	char ip[INET_ADDRSTRLEN], mac[18];

	if (!l->bound || json_array_size(arr) >= SVC_STATUS_MAX_LEASES)
		return 0;
	inet_ntop(AF_INET, &l->addr, ip, sizeof(ip));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
		 l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "ip", ip, "mac", mac,
					     "hostname", l->hostname, "expires_in",
					     (json_int_t)((l->expires_ms - stack_now_ms()) / 1000)));
	return 0;
}

static int svc_count_one(void *opaque, const struct dhcp_lease_info *l)
{
	*(size_t *)opaque += l->bound;
	return 0;
}

static size_t svc_count_leases(void)
{
	size_t n = 0;

	if (svc.nic)
		nic_foreach_lease(svc.nic, svc_count_one, &n);
	return n;
}

static json_t *svc_ctl_status(void *opaque, json_t *args, char *err, size_t errlen)
{
	struct switch_stats ss;
	json_t *r, *leases = json_array();
	char net[INET_ADDRSTRLEN + 4];

	(void)opaque;
	(void)args;
	(void)err;
	(void)errlen;
	switch_get_stats(svc.sw, &ss);
	if (svc.nic)
		nic_foreach_lease(svc.nic, svc_lease_json, leases);
	natnet_format_network(&svc.def, net, sizeof(net));
	r = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "name", svc.def.name, "network", net, "pid", (json_int_t)getpid(),
		      "uptime", (json_int_t)((stack_now_ms() - svc.started_ms) / 1000),
		      "vms_attached", (json_int_t)ss.ports,
		      "addresses_learnt", (json_int_t)ss.fdb_entries,
		      "frames_switched", (json_int_t)ss.frames,
		      "frames_flooded", (json_int_t)ss.flooded,
		      "frames_dropped", (json_int_t)ss.dropped);
	json_object_set_new(r, "leases", leases);
	if (svc.nic && nic_ip6(svc.nic)) {
		ip6_addr_t g[NIC6_MAX_GUEST_ADDRS];
		json_t *arr = json_array();
		int n = nic_guest_ip6(svc.nic, g, NIC6_MAX_GUEST_ADDRS);

		for (int i = 0; i < n; i++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, g[i].addr, a, sizeof(a));
			json_array_append_new(arr, json_string(a));
		}
		json_object_set_new(r, "ipv6_guests", arr);
	}
	json_object_set_new(r, "leases_total", json_integer((json_int_t)svc_count_leases()));
	json_object_set_new(r, "uplink", uplink_port_json(svc.sw, svc.def.uplink));
	json_object_set_new(r, "descriptors", nat_mode_info_descriptors());
	nat_mode_info_globals(r);
	json_object_set_new(r, "guests", nat_mode_info_guests());
	if (svc.nic)
		json_object_set_new(r, "dhcp", nat_mode_info_dhcp(svc.nic));
	json_object_set_new(r, "definition", natnet_def_to_json(&svc.def));
	return r;
}

/* `modify` of the running network: {"definition": {...}}. All or nothing. */
static json_t *svc_ctl_apply(void *opaque, json_t *args, char *err, size_t errlen)
{
	static struct pfrule old[2 * NATNET_MAX_RULES], new[2 * NATNET_MAX_RULES];
	static struct pfrule del[2 * NATNET_MAX_RULES], add[2 * NATNET_MAX_RULES];
	static struct natnet_def d;
	unsigned n_old, n_new, n_del, n_add;

	(void)opaque;
	if (natnet_def_from_json(json_object_get(args, "definition"), &d, err, errlen) < 0)
		return NULL;
	if (strcmp(d.name, svc.def.name) || d.network.s_addr != svc.def.network.s_addr ||
	    d.prefixlen != svc.def.prefixlen) {
		snprintf(err, errlen, "the network itself cannot change while it runs");
		return NULL;
	}
	if (d.ipv6 != svc.def.ipv6) {
		snprintf(err, errlen, "--ipv6 cannot change while the network runs");
		return NULL;
	}
	n_old = svc_active_rules(&svc.def, old);
	n_new = svc_active_rules(&d, new);
	svc_rules_diff(old, n_old, new, n_new, del, &n_del, add, &n_add);
	/* The uplink first: when it cannot open, the old one stays. */
	if (strcmp(d.uplink, svc.def.uplink) &&
	    uplink_port_apply(svc.sw, d.uplink, err, errlen) < 0)
		return NULL;
	if (svc_rules_apply(del, n_del, add, n_add, err, errlen) < 0) {
		char why[256];

		if (strcmp(d.uplink, svc.def.uplink) &&
		    uplink_port_apply(svc.sw, svc.def.uplink, why, sizeof(why)) < 0)
			log_err("the previous uplink could not be restored: %s", why);
		return NULL;
	}
	if (d.ipv6_default != svc.def.ipv6_default && svc.nic && nic_ip6(svc.nic)) {
		svc.ncfg.ipv6_default = d.ipv6_default ? TRI_ON : TRI_OFF;
		nic6_readvertise(nic_ip6(svc.nic));
	}
	if (d.lo6 != svc.def.lo6 && svc.nic && nic_ip6(svc.nic)) {
		/* flows to the old address keep their host sockets */
		svc.ncfg.loopback6_set = d.lo6 != 0;
		natnet_loopback6_addr(&d, &svc.ncfg.loopback6);
		nic6_set_loopback6(nic_ip6(svc.nic), d.lo6 ? &svc.ncfg.loopback6 : NULL);
	}
	/* New flows bind to the new source address (forwarders/nat.c). */
	svc.ncfg.bind_ip_set = d.source_ip4.s_addr != 0;
	svc.ncfg.bind_ip = d.source_ip4;
	svc.def = d;
	natnet_def_addrs(&svc.def, &svc.addrs);
	/* Loopback mappings and DHCP on/off are read from the config per packet. */
	svc.ncfg.dhcp_disabled = !d.dhcp;
	svc.ncfg.n_loopback = d.n_lo4;
	for (unsigned i = 0; i < d.n_lo4; i++) {
		svc.ncfg.loopback_net[i].s_addr =
			htonl(ntohl(svc.addrs.network.s_addr) + d.lo4[i].offset);
		svc.ncfg.loopback_host[i] = d.lo4[i].host;
	}
	log_info("definition changed (modify): %u rule%s removed, %u added; DHCP %s; IPv6 "
		 "default route %s", n_del, n_del == 1 ? "" : "s", n_add, d.dhcp ? "on" : "off",
		 !d.ipv6 ? "-" : d.ipv6_default ? "on" : "off");
	return json_object();
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

	svc.started_ms = stack_now_ms();
	/* The reserve also covers the switch's VM ports. */
	nat_fit_descriptors(lim.max_flows, NAT_FD_RESERVE + SWITCH_MAX_PORTS);
	/* Several VMs share the table: each may hold a share of it. */
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++)
		lim.guest_flows[p] = lim.max_flows[p] / NAT_GUEST_SHARE ?
				     lim.max_flows[p] / NAT_GUEST_SHARE : 1;
	lim.guest_connecting = NAT_GUEST_CONNECTING;
	rc = nat_init(svc.loop, &lim, err, errlen);
	if (rc < 0)
		return rc;
	svc.nat_started = true;
	rc = dns_init(svc.loop, err, errlen);
	if (rc < 0)
		return rc;
	svc.dns_started = true;

	natnet_run_path(svc.home, svc.def.name, "sock", sock, sizeof(sock));
	natnet_run_path(svc.home, svc.def.name, "key", key, sizeof(key));
	snprintf(name, sizeof(name), "natnet-%s", svc.def.name);
	snprintf(what, sizeof(what), "NAT network %s", svc.def.name);
	scfg = (struct switch_config){ .sock_path = sock, .name = what,
				       .owner_uid = geteuid(), .share_gid = (gid_t)-1 };
	rc = daemon_new_secret(key, scfg.secret, sizeof(scfg.secret), err, errlen);
	if (rc < 0)
		return rc;
	rc = switch_start(svc.loop, &scfg, &svc.sw, err, errlen);
	if (rc < 0)
		return rc;
	/* The gateway (the NAT adapter): port 0, its MAC pinned. */
	nic_gateway_mac(&svc.ncfg, mac);
	rc = switch_add_host_port(svc.sw, name, mac, err, errlen);
	if (rc < 0)
		return rc;
	if (svc.def.uplink[0]) {
		rc = uplink_port_apply(svc.sw, svc.def.uplink, err, errlen);
		if (rc < 0)
			return rc;
	}
	/* checked when set; at boot the address may come later: only a warning */
	if (svc.def.source_ip4.s_addr && hostaddr_check4(svc.def.source_ip4, err, errlen) < 0)
		log_warn("--source-ip4: %s (yet): its outgoing flows fail until it is", err);
	rc = nic_start(svc.loop, 1, &svc.ncfg, &svc.nic, err, errlen);
	if (rc < 0)
		return rc;
	rc = dns_nic_start(svc.nic, err, errlen);
	if (rc < 0)
		return rc;
	natnet_leases_path(svc.home, svc.def.name, path, sizeof(path));
	rc = lease_keeper_start(svc.loop, svc.nic, path, &svc.leases, err, errlen);
	if (rc < 0)
		return rc;
	{
		static struct pfrule none[1], rules[2 * NATNET_MAX_RULES];
		unsigned n = svc_active_rules(&svc.def, rules);

		rc = n ? svc_rules_apply(none, 0, rules, n, err, errlen) : 0;
		if (rc < 0)
			return rc;
	}
	natnet_run_path(svc.home, svc.def.name, "ctl", ctl, sizeof(ctl));
	rc = ctl_server_start(svc.loop, ctl, &svc.ctl, err, errlen);
	if (rc < 0)
		return rc;
	ctl_server_register(svc.ctl, "status", svc_ctl_status, NULL);
	ctl_server_register(svc.ctl, "apply", svc_ctl_apply, NULL);
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

	memset(&svc, 0, sizeof(svc));
	svc.pid_fd = -1;
	snprintf(svc.home, sizeof(svc.home), "%s", home);
	svc.def = *d;
	natnet_def_addrs(d, &svc.addrs);
	natnet_run_path(home, d->name, "pid", svc.pid_path, sizeof(svc.pid_path));
	log_set_prefix(d->name);
	rc = daemon_lock_pid(svc.pid_path, &svc.pid_fd, err, sizeof(err));
	if (rc < 0) {
		daemon_report(ready_fd, "error: %s", err);
		return 1;
	}
	natnet_format_network(d, net, sizeof(net));
	inet_ntop(AF_INET, &svc.addrs.gateway, gw, sizeof(gw));
	inet_ntop(AF_INET, &svc.addrs.range_first, first, sizeof(first));
	log_info("starting NAT network %s (%s), pid %ld", d->name, net, (long)getpid());
	svc_fill_nic_config();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	fdlimit_raise();
	svc.loop = uv_default_loop();
	rc = stack_init(svc.loop);
	if (rc < 0) {
		daemon_report(ready_fd, "error: cannot start the stack: %s", uv_strerror(rc));
		return 1;
	}
	uv_signal_init(svc.loop, &svc.sig_int);
	uv_signal_init(svc.loop, &svc.sig_term);
	uv_signal_start(&svc.sig_int, svc_signal, SIGINT);
	uv_signal_start(&svc.sig_term, svc_signal, SIGTERM);
	err[0] = '\0';
	rc = svc_setup(err, sizeof(err));
	if (rc == 0)
		rc = sandbox_enter_natnet(sb, svc.home, svc.def.name, err, sizeof(err));
	if (rc < 0) {
		snprintf(svc.failure, sizeof(svc.failure), "%s", err[0] ? err : strerror(-rc));
		log_err("%s", svc.failure);
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
	uv_run(svc.loop, UV_RUN_DEFAULT);
	uv_loop_close(svc.loop);
	/* The lock goes with the process; remove the file while still holding it. */
	unlink(svc.pid_path);
	if (svc.failure[0]) {
		daemon_report(ready_fd, "error: %s", svc.failure);
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
