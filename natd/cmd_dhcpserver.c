/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver.c - `natd dhcpserver add|modify|remove|start|stop|restart|
 * findlease`, in VBoxManage dhcpserver's words.
 *
 * Options are read in order, as VBoxManage reads them (natd/
 * cmd_dhcpserver_parse.c). Everything is parsed first (option values
 * through the DHCP engine's encoder), then applied to a copy of the
 * definition, checked as a whole (dhcpsrv_def_check) and written under
 * natd.json's lock; a refusal writes nothing.
 *
 * The server itself runs in the network's daemon (the switch of an internal
 * network or host-only interface, started with the first VM). start, stop
 * and restart tell that daemon over its control socket when it runs;
 * otherwise there is nothing to do now (start still enables the server).
 */
#include "base/esc.h"
#include "natd/cmd_dhcpserver.h"
#include "natd/cmd_dhcpserver_internal.h"
#include "natd/cmd_usage.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "natd/ctl_client.h"
#include "natd/dhcpsrv_leases.h"
#include "natd/dhcpsrv_store.h"
#include "natd/hostonly_store.h"

#define DAEMON_TIMEOUT_MS 5000

/* Applies the options to d in order. 0, or 1 after printing why not. */
static int apply_ops(const struct args *a, struct dhcpsrv_def *d)
{
	uint8_t set_macs[DHCPSRV_CLI_MAX_OPS][6];
	unsigned n_set = 0;
	char err[512], mac[18];

	for (unsigned i = 0; i < a->n_ops; i++) {
		const struct op *op = &a->ops[i];
		int rc = 0;

		dhcpsrv_format_mac(op->mac, mac, sizeof(mac));
		switch (op->kind) {
		case OP_SERVER_IP:
			d->server_ip = op->addr;
			break;
		case OP_NETMASK:
			d->netmask = op->addr;
			break;
		case OP_LOWER:
			d->lower_ip = op->addr;
			break;
		case OP_UPPER:
			d->upper_ip = op->addr;
			break;
		case OP_ENABLE:
			d->enabled = op->on;
			break;
		case OP_LEASE:
			d->lease_time = op->lease;
			break;
		case OP_SET_OPT:
			if (dhcpsrv_option_set(d, op->code, op->value, op->on, err, sizeof(err)) < 0)
				return cmd_refuse("dhcpserver", a->sub, "%s: %s", d->network, err);
			break;
		case OP_UNSET_OPT:
			if (dhcpsrv_option_unset(d, op->code) < 0)
				return cmd_refuse("dhcpserver", a->sub,
						  "the DHCP server of %s has no option %u",
						  d->network, op->code);
			break;
		case OP_FIXED_MAC:
			for (unsigned k = 0; k < n_set; k++)
				if (!memcmp(set_macs[k], op->mac, 6))
					return cmd_refuse("dhcpserver", a->sub,
							  "%s: MAC %s has two reservations",
							  d->network, mac);
			memcpy(set_macs[n_set++], op->mac, 6);
			rc = dhcpsrv_fixed_set(d, op->mac, op->addr);
			break;
		case OP_FIXED_VM:
			rc = dhcpsrv_vm_fixed_set(d, op->vm, op->nic, op->addr);
			break;
		case OP_REMOVE_MAC:
			if (dhcpsrv_fixed_remove(d, op->mac) < 0)
				return cmd_refuse("dhcpserver", a->sub,
						  "the DHCP server of %s has no reservation for "
						  "MAC %s", d->network, mac);
			break;
		case OP_REMOVE_VM:
			if (dhcpsrv_vm_fixed_remove(d, op->vm, op->nic) < 0)
				return cmd_refuse("dhcpserver", a->sub,
						  "the DHCP server of %s has no reservation for "
						  "VM %s NIC %u", d->network, op->vm, op->nic);
			break;
		}
		if (rc < 0)
			return cmd_refuse("dhcpserver", a->sub, "%s: at most %d reservations",
					  d->network, DHCP_MAX_FIXED);
	}
	if (dhcpsrv_def_check(d, err, sizeof(err)) < 0)
		return cmd_refuse("dhcpserver", a->sub, "%s: %s", d->network, err);
	return 0;
}

/* A host-only interface's server must fit the interface (natd/hostonly_def.h).
 * 0, or 1 after printing why not. */
static int fits_interface(const struct args *a, const struct natnet_store *st,
			  const struct dhcpsrv_def *d)
{
	char err[512];

	if (hostonly_check_dhcpsrv(st->root, st->path, d, err, sizeof(err)) < 0)
		return cmd_refuse("dhcpserver", a->sub, "%s: %s", d->network, err);
	return 0;
}

static int load(const struct args *a, struct natnet_store *st, struct dhcpsrv_store *ds,
		bool lock)
{
	char home[PATH_MAX], err[1024];

	config_default_home(home, sizeof(home));
	if (dhcpsrv_store_load(st, ds, home, lock, err, sizeof(err)) < 0)
		return cmd_refuse("dhcpserver", a->sub, "%s", err);
	return 0;
}

static int save(const struct args *a, struct natnet_store *st, struct dhcpsrv_store *ds)
{
	char err[512];

	if (dhcpsrv_store_save(st, ds, err, sizeof(err)) < 0)
		return cmd_refuse("dhcpserver", a->sub, "%s (nothing changed)", err);
	return 0;
}

/* The definition a names, or NULL after printing that there is none. */
static struct dhcpsrv_def *get_def(const struct args *a, const struct dhcpsrv_store *ds)
{
	int i = dhcpsrv_store_find(ds, a->d.network);

	if (i >= 0)
		return &ds->defs[i];
	if (a->d.kind == DHCPSRV_KIND_INTERFACE)
		cmd_refuse("dhcpserver", a->sub,
			   "no DHCP server for host-only interface '%s' (network '%s')",
			   a->d.interface, a->d.network);
	else
		cmd_refuse("dhcpserver", a->sub, "no DHCP server for network '%s'", a->d.network);
	return NULL;
}

static int cmd_add(struct args *a)
{
	struct natnet_store st;
	struct dhcpsrv_store ds;
	int rc = 1;

	if (!a->server_ip || !a->netmask || !a->lower || !a->upper)
		return cmd_usage("dhcpserver", "add", "--%s is required",
				 !a->server_ip ? "server-ip=IP" : !a->netmask ? "netmask=MASK" :
				 !a->lower ? "lower-ip=IP" : "upper-ip=IP");
	if (load(a, &st, &ds, true))
		return 1;
	if (dhcpsrv_store_find(&ds, a->d.network) >= 0) {
		cmd_refuse("dhcpserver", "add",
			   "a DHCP server for network '%s' exists (natd dhcpserver modify "
			   "changes it)", a->d.network);
		goto out;
	}
	if (apply_ops(a, &a->d) || fits_interface(a, &st, &a->d))
		goto out;
	if (dhcpsrv_store_put(&ds, &a->d) < 0) {
		cmd_refuse("dhcpserver", "add", "at most %d DHCP servers", DHCPSRV_MAX_SERVERS);
		goto out;
	}
	rc = save(a, &st, &ds);
out:
	dhcpsrv_store_release(&st, &ds);
	return rc;
}

/* Whether the network's daemon listens on its control socket. */
static bool daemon_listening(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static const char *where(const struct dhcpsrv_def *d, char *buf, size_t len)
{
	if (d->kind == DHCPSRV_KIND_INTERFACE)
		snprintf(buf, len, "host-only interface '%s'", d->interface);
	else
		snprintf(buf, len, "internal network '%s'", d->network);
	return buf;
}

static int cmd_modify(struct args *a)
{
	struct natnet_store st;
	struct dhcpsrv_store ds;
	struct dhcpsrv_def *old;
	char ctl[PATH_MAX], w[NATD_NAME_MAX + 32];
	int rc = 1;

	if (a->n_ops == 0)
		return cmd_usage("dhcpserver", "modify", "nothing to change");
	if (load(a, &st, &ds, true))
		return 1;
	old = get_def(a, &ds);
	if (!old)
		goto out;
	a->d = *old;
	if (apply_ops(a, &a->d) || fits_interface(a, &st, &a->d))
		goto out;
	*old = a->d;
	rc = save(a, &st, &ds);
	if (rc == 0 && dhcpsrv_ctl_path(st.home, old, ctl, sizeof(ctl)) == 0 &&
	    daemon_listening(ctl))
		printf("%s has VMs now: its DHCP server keeps its settings until natd "
		       "dhcpserver restart\n", where(old, w, sizeof(w)));
out:
	dhcpsrv_store_release(&st, &ds);
	return rc;
}

/*
 * Sends {"action": action} to the daemon of d. Returns 0 when it did it,
 * 1 after printing its refusal or a failure, -ENOENT when no daemon runs.
 */
static int tell_daemon(const char *sub, const char *home, const struct dhcpsrv_def *d,
		       const char *action)
{
	char ctl[PATH_MAX], err[512], w[NATD_NAME_MAX + 32];
	json_t *args, *res = NULL;
	int r;

	if (dhcpsrv_ctl_path(home, d, ctl, sizeof(ctl)) < 0)
		return cmd_refuse("dhcpserver", sub, "NATD_HOME is too long");
	args = json_pack("{s:s}", "action", action);
	r = args ? ctl_call(ctl, "dhcpserver", args, DAEMON_TIMEOUT_MS, &res, err, sizeof(err))
		 : -ENOMEM;
	json_decref(args);
	json_decref(res);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return -ENOENT;
	if (r < 0)
		return cmd_refuse("dhcpserver", sub, "%s: %s", where(d, w, sizeof(w)),
				  r == -ENOMEM ? "out of memory" : err);
	return 0;
}

static int cmd_remove(struct args *a)
{
	char lp[PATH_MAX];
	struct natnet_store st;
	struct dhcpsrv_store ds;
	const struct dhcpsrv_def *d;
	int rc = 1;

	if (load(a, &st, &ds, true))
		return 1;
	d = get_def(a, &ds);
	if (!d || tell_daemon("remove", st.home, d, "stop") > 0)
		goto out;
	if (dhcpsrv_leases_path(st.home, d, lp, sizeof(lp)) < 0)
		lp[0] = '\0';
	dhcpsrv_store_remove(&ds, a->d.network);
	rc = save(a, &st, &ds);
	if (rc == 0 && lp[0])
		unlink(lp);
out:
	dhcpsrv_store_release(&st, &ds);
	return rc;
}

static int cmd_startstop(struct args *a)
{
	struct natnet_store st;
	struct dhcpsrv_store ds;
	struct dhcpsrv_def *d, copy;
	char home[PATH_MAX], w[NATD_NAME_MAX + 32];
	bool start = !strcmp(a->sub, "start");
	int rc;

	if (load(a, &st, &ds, start))
		return 1;
	d = get_def(a, &ds);
	if (!d) {
		dhcpsrv_store_release(&st, &ds);
		return 1;
	}
	rc = 0;
	if (start && !d->enabled) {
		d->enabled = true;
		rc = save(a, &st, &ds);
	}
	copy = *d;
	snprintf(home, sizeof(home), "%s", st.home);
	dhcpsrv_store_release(&st, &ds); /* the daemon may read natd.json */
	if (rc)
		return rc;
	rc = tell_daemon(a->sub, home, &copy, a->sub);
	if (rc != -ENOENT)
		return rc;
	printf("natd: %s has no VMs now; its DHCP server %s\n", where(&copy, w, sizeof(w)),
	       !strcmp(a->sub, "stop") ? "is not running" : copy.enabled ?
	       "starts with the first one" : "is disabled (natd dhcpserver start enables it)");
	return 0;
}

static void print_time(const char *label, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, sizeof(buf), "?");
	printf("%-13s%s (%lld)\n", label, buf, (long long)t);
}

static int cmd_findlease(struct args *a)
{
	struct natnet_store st;
	struct dhcpsrv_store ds;
	struct dhcpsrv_lease l;
	const struct dhcpsrv_def *d;
	char err[PATH_MAX + 256], mac[18], addr[INET_ADDRSTRLEN], w[NATD_NAME_MAX + 32];
	time_t now = time(NULL);
	int rc = 1, r;

	if (!a->have_mac)
		return cmd_usage("dhcpserver", "findlease", "--mac-address=MAC is required");
	if (load(a, &st, &ds, false))
		return 1;
	d = get_def(a, &ds);
	if (!d)
		goto out;
	dhcpsrv_format_mac(a->mac, mac, sizeof(mac));
	r = dhcpsrv_leases_find(st.home, d, a->mac, now, &l, err, sizeof(err));
	if (r < 0) {
		cmd_refuse("dhcpserver", "findlease", "%s", err);
		goto out;
	}
	if (r == 0) {
		cmd_refuse("dhcpserver", "findlease", "no lease for MAC %s on %s", mac,
			   where(d, w, sizeof(w)));
		goto out;
	}
	printf("IP Address:  %s\n", inet_ntop(AF_INET, &l.addr, addr, sizeof(addr)));
	printf("MAC Address: %s\n", mac);
	printf("State:       %s\n", l.state);
	print_time("Issued:", l.issued);
	print_time("Expire:", l.expires);
	printf("TTL:         %lld sec, currently %lld sec left\n",
	       (long long)(l.expires > l.issued ? l.expires - l.issued : 0),
	       (long long)(l.expires > (int64_t)now ? l.expires - (int64_t)now : 0));
	rc = 0;
out:
	dhcpsrv_store_release(&st, &ds);
	return rc;
}

int cmd_dhcpserver(int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *help;
		bool defs;
		int (*fn)(struct args *a);
	} subs[] = {
		{ "add", dhcpserver_add_help, true, cmd_add },
		{ "modify", dhcpserver_modify_help, true, cmd_modify },
		{ "remove", dhcpserver_remove_help, false, cmd_remove },
		{ "start", dhcpserver_start_help, false, cmd_startstop },
		{ "stop", dhcpserver_stop_help, false, cmd_startstop },
		{ "restart", dhcpserver_restart_help, false, cmd_startstop },
		{ "findlease", dhcpserver_findlease_help, false, cmd_findlease },
	};
	static struct args a; /* large: not on the stack */
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(dhcpserver_help, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i].name))
			continue;
		memset(&a, 0, sizeof(a));
		a.sub = subs[i].name;
		a.defs = subs[i].defs;
		rc = dhcpsrv_cli_parse(&a, argc, argv);
		if (rc == 1) {
			fputs(subs[i].help, stdout);
			return 0;
		}
		if (rc)
			return rc;
		return subs[i].fn(&a);
	}
	esc_fprintf(stderr, "natd dhcpserver: unknown subcommand '%s' (add, modify, remove, start, "
		"stop, restart, findlease; see natd dhcpserver --help)\n", sub);
	return 2;
}
