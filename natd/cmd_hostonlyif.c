/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif.c - `natd hostonlyif create|ipconfig|remove`, in VBoxManage
 * hostonlyif's words (`modify`, natd's own, is natd/cmd_hostonlyif_modify.c;
 * `natd list hostonlyifs` natd/cmd_hostonlyif_list.c).
 *
 * Every change runs under natd.json's lock and in the same order: check
 * everything (definitions, overlaps, the DHCP server's fit, the
 * capability), change the kernel, then write natd.json; when writing fails
 * the kernel change is undone, so nothing is left half-applied. create
 * and ipconfig first bring back interfaces that vanished (a reboot).
 */
#include "natd/cmd_hostonlyif.h"
#include "natd/cmd_hostonlyif_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/esc.h"
#include "devices/hostif.h"
#include "natd/cmd_usage.h"
#include "natd/config.h"
#include "natd/ctl_client.h"
#include "natd/daemon.h"
#include "natd/dhcpsrv_leases.h"
#include "natd/hostonly.h"
#include "natd/hostonly_store.h"
#include "natd/intnet_service.h"

#define DAEMON_TIMEOUT_MS 5000

static int need_admin(const char *sub, const char *what)
{
	if (hostif_can_admin())
		return 0;
	return cmd_refuse("hostonlyif", sub,
			  "%s needs CAP_NET_ADMIN: run natd as root, or give it the "
			  "capability (setcap cap_net_admin+ep natd); nothing was changed", what);
}

static int load(const char *sub, struct hostonly_db *db, bool lock)
{
	char home[PATH_MAX], err[1024];

	config_default_home(home, sizeof(home));
	if (hostonly_db_load(db, home, lock, err, sizeof(err)) < 0)
		return cmd_refuse("hostonlyif", sub, "%s", err);
	return 0;
}

/* Interfaces defined but absent from the host come back as defined. */
static int restore_all(const char *sub, struct hostonly_db *db)
{
	char err[512];

	for (size_t i = 0; i < db->hs.n; i++) {
		int rc = hostonly_restore(&db->hs.defs[i], err, sizeof(err));

		if (rc < 0)
			return cmd_refuse("hostonlyif", sub, "%s (nothing was changed)", err);
		if (rc == 1)
			printf("Interface '%s' was recreated (it had vanished)\n",
			       db->hs.defs[i].name);
	}
	return 0;
}

/* The DHCP server definition of interface name in db, or -1. */
static int find_dhcp(const struct hostonly_db *db, const char *name, struct dhcpsrv_def *probe)
{
	char err[256];

	if (dhcpsrv_def_init(probe, DHCPSRV_KIND_INTERFACE, name, err, sizeof(err)) < 0)
		return -1;
	return dhcpsrv_store_find(&db->ds, probe->network);
}

/* --- create ------------------------------------------------------------------- */

/* The lowest N whose vboxnetN is neither defined nor on the host; -1. */
static int free_index(const struct hostonly_db *db)
{
	struct hostonly_def d;
	struct hostif_state st;
	char err[256];

	for (unsigned n = 0; n < HOSTONLY_MAX_IFS; n++) {
		hostonly_def_init(&d, n);
		if (hostonly_store_find(&db->hs, d.name) < 0 &&
		    hostif_query(d.name, &st, err, sizeof(err)) == 0)
			return (int)n;
	}
	return -1;
}

static int cmd_create(void)
{
	struct hostonly_db db;
	struct hostonly_def d;
	struct dhcpsrv_def s;
	char err[768];
	bool found = false;
	int n, rc = 1;

	if (need_admin("create", "creating a host-only interface"))
		return 1;
	if (load("create", &db, true))
		return 1;
	if (restore_all("create", &db))
		goto out;
	n = free_index(&db);
	if (n < 0) {
		cmd_refuse("hostonlyif", "create",
			   "all %d host-only interface names (vboxnet0 to vboxnet%d) are "
			   "taken", HOSTONLY_MAX_IFS, HOSTONLY_MAX_IFS - 1);
		goto out;
	}
	/* 192.168.(56+N).1/24, or the next /24 in 192.168.56-255 free of others. */
	for (unsigned k = 0; k < 200 && !found; k++) {
		hostonly_def_init(&d, (unsigned)n);
		d.ip.s_addr = htonl(0xc0a80001u | (56u + ((unsigned)n + k) % 200u) << 8);
		found = hostonly_db_check(&db, &d, err, sizeof(err)) == 0;
	}
	if (!found) {
		cmd_refuse("hostonlyif", "create", "vboxnet%d: %s", n, err);
		goto out;
	}
	if (find_dhcp(&db, d.name, &s) < 0) {
		s.netmask = d.netmask;
		if (hostonly_dhcp_layout(&d, &s.server_ip, &s.lower_ip, &s.upper_ip) < 0 ||
		    dhcpsrv_def_check(&s, err, sizeof(err)) < 0 ||
		    dhcpsrv_store_put(&db.ds, &s) < 0) {
			cmd_refuse("hostonlyif", "create", "%s: cannot define its DHCP server",
				   d.name);
			goto out;
		}
	}
	if (hostonly_store_put(&db.hs, &d) < 0) {
		cmd_refuse("hostonlyif", "create", "out of memory");
		goto out;
	}
	rc = hostonly_restore(&d, err, sizeof(err));
	if (rc < 0) {
		rc = cmd_refuse("hostonlyif", "create", "%s (nothing was created)", err);
		goto out;
	}
	if (hostonly_db_save(&db, err, sizeof(err)) < 0) {
		char why[256];

		if (hostif_delete(d.name, why, sizeof(why)) < 0)
			esc_fprintf(stderr, "natd hostonlyif create: %s\n", why);
		rc = cmd_refuse("hostonlyif", "create", "%s (nothing was created)", err);
		goto out;
	}
	printf("Interface '%s' was successfully created\n", d.name);
	rc = 0;
out:
	hostonly_db_release(&db);
	return rc;
}

/* --- ipconfig ------------------------------------------------------------------ */

struct ipconfig_args {
	const char *ifname;
	const char *ip, *mask, *ip6, *len6;
};

static int parse_ipconfig(int argc, char **argv, struct ipconfig_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *v = NULL;
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		const char **slot = NULL;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (strncmp(arg, "--", 2)) {
			if (a->ifname)
				return cmd_usage("hostonlyif", "ipconfig",
						 "unexpected argument '%s'", arg);
			a->ifname = arg;
			continue;
		}
		if (nlen == 6 && !strncmp(arg, "--dhcp", 6))
			return cmd_usage("hostonlyif", "ipconfig",
					 "--dhcp is not supported: natd sets the host's "
					 "address itself (--ip, --ipv6)");
#define OPT(name, field) \
		if (nlen == strlen(name) && !strncmp(arg, name, nlen)) slot = &a->field
		OPT("--ip", ip);
		OPT("--netmask", mask);
		OPT("--ipv6", ip6);
		OPT("--netmasklengthv6", len6);
#undef OPT
		if (!slot)
			return cmd_usage("hostonlyif", "ipconfig", "unknown option '%.*s'",
					 (int)nlen, arg);
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return cmd_usage("hostonlyif", "ipconfig", "%s: missing value", arg);
		*slot = v;
	}
	if (!a->ifname)
		return cmd_usage("hostonlyif", "ipconfig",
				 "which interface? (natd hostonlyif ipconfig vboxnetN "
				 "--ip=IP)");
	if (!a->ip && !a->ip6)
		return cmd_usage("hostonlyif", "ipconfig", "give --ip=IP or --ipv6=ADDR");
	if (a->mask && !a->ip)
		return cmd_usage("hostonlyif", "ipconfig", "--netmask goes with --ip");
	if (a->len6 && !a->ip6)
		return cmd_usage("hostonlyif", "ipconfig", "--netmasklengthv6 goes with --ipv6");
	return 0;
}

/* The new definition from the arguments. 0, or 2 after a usage error. */
static int ipconfig_def(const struct ipconfig_args *a, struct hostonly_def *d)
{
	if (a->ip && inet_pton(AF_INET, a->ip, &d->ip) != 1)
		return cmd_usage("hostonlyif", "ipconfig", "--ip: '%s' is not an IPv4 address",
				 a->ip);
	if (a->ip && inet_pton(AF_INET, a->mask ? a->mask : "255.255.255.0", &d->netmask) != 1)
		return cmd_usage("hostonlyif", "ipconfig", "--netmask: '%s' is not an IPv4 netmask",
				 a->mask);
	if (a->ip6) {
		char *end;
		unsigned long len = a->len6 ? strtoul(a->len6, &end, 10) : 64;

		if (inet_pton(AF_INET6, a->ip6, &d->ip6) != 1)
			return cmd_usage("hostonlyif", "ipconfig",
					 "--ipv6: '%s' is not an IPv6 address", a->ip6);
		if (a->len6 && (*a->len6 < '0' || *a->len6 > '9' || *end || len > 128))
			return cmd_usage("hostonlyif", "ipconfig",
					 "--netmasklengthv6: '%s' is not a prefix length "
					 "(8 to 128)", a->len6);
		d->has_ip6 = true;
		d->prefixlen6 = (unsigned)len;
	}
	return 0;
}

/*
 * The interface's DHCP server after the change from old to d: its netmask
 * follows, and it moves to the default layout when it left the subnet.
 * 0 (*moved: the server that moved, or NULL), or 1 after saying why not.
 */
static int ipconfig_dhcp(struct hostonly_db *db, const struct hostonly_def *old,
			 const struct hostonly_def *d, const struct dhcpsrv_def **moved)
{
	struct dhcpsrv_def probe, *s;
	uint32_t m = d->netmask.s_addr, net = d->ip.s_addr & m;
	char err[512];
	int i = find_dhcp(db, d->name, &probe);

	*moved = NULL;
	if (i < 0 || ((old->ip.s_addr & old->netmask.s_addr) == net && old->netmask.s_addr == m))
		return 0;
	s = &db->ds.defs[i];
	s->netmask = d->netmask;
	if ((s->server_ip.s_addr & m) != net || (s->lower_ip.s_addr & m) != net ||
	    (s->upper_ip.s_addr & m) != net) {
		if (hostonly_dhcp_layout(d, &s->server_ip, &s->lower_ip, &s->upper_ip) < 0)
			return cmd_refuse("hostonlyif", "ipconfig",
					  "%s: no room for its DHCP server in the new subnet next to "
					  "the host's address (natd dhcpserver remove --interface=%s "
					  "removes the server)", d->name, d->name);
		*moved = s;
	}
	if (dhcpsrv_def_check(s, err, sizeof(err)) < 0)
		return cmd_refuse("hostonlyif", "ipconfig",
				  "%s: its DHCP server in the new subnet: %s (change it "
				  "first: natd dhcpserver modify --interface=%s)",
				  d->name, err, d->name);
	return 0;
}

/* The running switch restarts the interface's DHCP server, if it runs. */
static void restart_dhcp(const char *home, const char *name)
{
	struct dhcpsrv_def s;
	char ctl[PATH_MAX], err[512];
	json_t *args, *res = NULL;

	if (dhcpsrv_def_init(&s, DHCPSRV_KIND_INTERFACE, name, err, sizeof(err)) < 0 ||
	    dhcpsrv_ctl_path(home, &s, ctl, sizeof(ctl)) < 0 || access(ctl, F_OK) < 0)
		return;
	args = json_pack("{s:s}", "action", "restart");
	if (args && ctl_call(ctl, "dhcpserver", args, DAEMON_TIMEOUT_MS, &res, err,
			     sizeof(err)) == 0)
		printf("%s has VMs: its DHCP server restarted with the new settings\n", name);
	json_decref(args);
	json_decref(res);
}

static int cmd_ipconfig(int argc, char **argv)
{
	struct ipconfig_args a;
	struct hostonly_db db;
	struct hostonly_def old, d;
	char err[768], a1[INET_ADDRSTRLEN + 4], a2[INET_ADDRSTRLEN], a3[INET_ADDRSTRLEN];
	char a4[INET_ADDRSTRLEN];
	const struct dhcpsrv_def *moved;
	int i, rc = parse_ipconfig(argc, argv, &a);

	if (rc == 1) {
		fputs(hostonlyif_ipconfig_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (need_admin("ipconfig", "changing a host interface's addresses"))
		return 1;
	if (load("ipconfig", &db, true))
		return 1;
	rc = 1;
	i = hostonly_store_find(&db.hs, a.ifname);
	if (i < 0) {
		cmd_refuse("hostonlyif", "ipconfig",
			   "no host-only interface '%s' (natd list hostonlyifs)", a.ifname);
		goto out;
	}
	old = d = db.hs.defs[i];
	if ((rc = ipconfig_def(&a, &d)) != 0 || (rc = ipconfig_dhcp(&db, &old, &d, &moved)) != 0)
		goto out;
	rc = 1;
	if (hostonly_db_check(&db, &d, err, sizeof(err)) < 0) {
		cmd_refuse("hostonlyif", "ipconfig", "%s: %s", d.name, err);
		goto out;
	}
	if (restore_all("ipconfig", &db))
		goto out;
	if (hostonly_apply(&old, &d, err, sizeof(err)) < 0) {
		cmd_refuse("hostonlyif", "ipconfig", "%s (nothing was changed)", err);
		goto out;
	}
	db.hs.defs[i] = d;
	if (hostonly_db_save(&db, err, sizeof(err)) < 0) {
		char why[256];

		if (hostonly_apply(&d, &old, why, sizeof(why)) < 0)
			esc_fprintf(stderr, "natd hostonlyif ipconfig: %s\n", why);
		cmd_refuse("hostonlyif", "ipconfig", "%s (nothing was changed)", err);
		goto out;
	}
	if (moved) {
		hostonly_format_ip(&d, a1, sizeof(a1));
		printf("The DHCP server of %s moved into %s: server %s, addresses %s to %s\n",
		       d.name, a1, inet_ntop(AF_INET, &moved->server_ip, a2, sizeof(a2)),
		       inet_ntop(AF_INET, &moved->lower_ip, a3, sizeof(a3)),
		       inet_ntop(AF_INET, &moved->upper_ip, a4, sizeof(a4)));
	}
	if (old.ip.s_addr != d.ip.s_addr || old.netmask.s_addr != d.netmask.s_addr)
		restart_dhcp(db.st.home, d.name);
	rc = 0;
out:
	hostonly_db_release(&db);
	return rc;
}

/* --- remove -------------------------------------------------------------------- */

/* 1 after refusing because VMs are attached; else 0 with the idle daemon gone. */
static int remove_vms(const char *home, const char *name)
{
	char err[512], pid[PATH_MAX], list[1024] = "";
	json_t *st = NULL, *port;
	size_t i, used = 0;
	unsigned vms = 0;

	if (hostonly_status(home, name, &st, err, sizeof(err)) < 0)
		return 0; /* no switch: no VM */
	json_array_foreach(json_object_get(st, "ports"), i, port) {
		const char *vm = json_string_value(json_object_get(port, "vm"));

		if (json_is_true(json_object_get(port, "host")) ||
		    json_is_true(json_object_get(port, "uplink")))
			continue;
		vms++;
		if (used < sizeof(list) - 1)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s%s", used ?
						 ", " : "", vm && vm[0] ? "VM " : "a VM connected "
						 "directly", vm ? vm : "");
	}
	json_decref(st);
	if (vms)
		return cmd_refuse("hostonlyif", "remove",
				  "%s has %u VM%s attached (%s): stop %s or change %s "
				  "adapter%s first; nothing was removed",
				  name, vms, vms == 1 ? "" : "s", list, vms == 1 ? "it" : "them",
				  vms == 1 ? "its" : "their", vms == 1 ? "" : "s");
	/* The switch is about to exit on its own: stop it now. */
	if (switchd_run_path(SWITCHD_HOSTONLY, home, name, "pid", pid, sizeof(pid)) == 0 &&
	    daemon_stop(pid, DAEMON_TIMEOUT_MS, err, sizeof(err)) < 0 &&
	    daemon_running(pid, NULL) == 1)
		return cmd_refuse("hostonlyif", "remove", "%s: its switch does not stop: %s", name,
				  err);
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	struct hostonly_db db;
	struct hostif_state st;
	struct dhcpsrv_def probe;
	const char *name = NULL;
	char err[768], lp[PATH_MAX] = "";
	int i, k, rc = 1;

	for (int j = 2; j < argc; j++) {
		if (!strcmp(argv[j], "-h") || !strcmp(argv[j], "--help")) {
			fputs(hostonlyif_remove_help, stdout);
			return 0;
		}
		if (argv[j][0] == '-' || name)
			return cmd_usage("hostonlyif", "remove", "unexpected argument '%s'",
					 argv[j]);
		name = argv[j];
	}
	if (!name)
		return cmd_usage("hostonlyif", "remove",
				 "which interface? (natd hostonlyif remove vboxnetN)");
	if (load("remove", &db, true))
		return 1;
	i = hostonly_store_find(&db.hs, name);
	if (i < 0) {
		cmd_refuse("hostonlyif", "remove",
			   "no host-only interface '%s' (natd list hostonlyifs)", name);
		goto out;
	}
	if (remove_vms(db.st.home, name))
		goto out;
	k = hostif_query(name, &st, err, sizeof(err));
	if (k < 0 || (k == 1 && st.is_tap && hostif_delete(name, err, sizeof(err)) < 0)) {
		cmd_refuse("hostonlyif", "remove", "%s (nothing was removed)", err);
		goto out;
	}
	if (k == 1 && !st.is_tap)
		esc_fprintf(stderr, "natd hostonlyif remove: %s is not a tap: left on the host\n", name);
	hostonly_store_remove(&db.hs, name);
	k = find_dhcp(&db, name, &probe);
	if (k >= 0) {
		if (dhcpsrv_leases_path(db.st.home, &db.ds.defs[k], lp, sizeof(lp)) < 0)
			lp[0] = '\0';
		dhcpsrv_store_remove(&db.ds, probe.network);
	}
	if (hostonly_db_save(&db, err, sizeof(err)) < 0) {
		cmd_refuse("hostonlyif", "remove",
			   "%s (the interface is gone from the host but still defined: "
			   "the next create or VM start brings it back)", err);
		goto out;
	}
	if (lp[0])
		unlink(lp);
	printf("Interface '%s' was successfully removed\n", name);
	rc = 0;
out:
	hostonly_db_release(&db);
	return rc;
}

int cmd_hostonlyif(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(hostonlyif_help, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (!strcmp(sub, "create")) {
		for (int j = 2; j < argc; j++) {
			if (!strcmp(argv[j], "-h") || !strcmp(argv[j], "--help")) {
				fputs(hostonlyif_create_help, stdout);
				return 0;
			}
			return cmd_usage("hostonlyif", "create", "unexpected argument '%s'",
					 argv[j]);
		}
		return cmd_create();
	}
	if (!strcmp(sub, "ipconfig"))
		return cmd_ipconfig(argc, argv);
	if (!strcmp(sub, "remove"))
		return cmd_remove(argc, argv);
	if (!strcmp(sub, "modify"))
		return hostonlyif_modify(argc, argv);
	esc_fprintf(stderr, "natd hostonlyif: unknown subcommand '%s' (create, ipconfig, modify, remove; "
		"see natd hostonlyif --help)\n", sub);
	return 2;
}
