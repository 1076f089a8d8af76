/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver.c - `natd dhcpserver add|modify|remove|start|stop|restart|
 * findlease`, in VBoxManage dhcpserver's words.
 *
 * Options are read in order, as VBoxManage reads them: --mac-address and
 * --vm open a group that --fixed-address or --remove-config act on, --global
 * (or --remove-config) closes it. Everything is parsed first (option values
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

#define MAX_OPS 256
#define DAEMON_TIMEOUT_MS 5000

enum op_kind { OP_SERVER_IP, OP_NETMASK, OP_LOWER, OP_UPPER, OP_ENABLE, OP_SET_OPT,
	       OP_UNSET_OPT, OP_LEASE, OP_FIXED_MAC, OP_FIXED_VM, OP_REMOVE_MAC,
	       OP_REMOVE_VM };

struct op {
	enum op_kind kind;
	struct in_addr addr;
	bool on;                  /* OP_ENABLE; OP_SET_OPT: hex */
	uint8_t code;
	const char *value;        /* OP_SET_OPT (an argv string) */
	uint32_t lease;
	uint8_t mac[6];
	const char *vm;
	unsigned nic;
};

enum scope { SCOPE_GLOBAL, SCOPE_MAC, SCOPE_VM };

struct args {
	const char *sub;
	bool defs;                /* add, modify */
	const char *network, *interface;
	struct dhcpsrv_def d;     /* the server named; its name only */
	bool server_ip, netmask, lower, upper;
	bool have_mac;
	uint8_t mac[6];           /* findlease */
	struct op ops[MAX_OPS];
	unsigned n_ops;
};

static int usage(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(const char *sub, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	esc_fprintf(stderr, "natd dhcpserver %s: %s (see natd dhcpserver %s --help)\n", sub, msg, sub);
	return 2;
}

static int refuse(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const char *sub, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	esc_fprintf(stderr, "natd dhcpserver %s: %s\n", sub, msg);
	return 1;
}

/* VBoxManage dhcpserver options natd knows of but does not implement. */
static bool vbox_only(const char *name)
{
	static const char *const names[] = {
		"group", "force-opt", "unforce-opt", "suppress-opt", "supress-opt",
		"unsuppress-opt", "zap-options", "min-lease-time", "max-lease-time",
		"incl-mac", "excl-mac", "del-mac", "incl-mac-wild", "excl-mac-wild",
		"del-mac-wild", "incl-vendor", "excl-vendor", "del-vendor", "incl-vendor-wild",
		"excl-vendor-wild", "del-vendor-wild", "incl-user", "excl-user", "del-user",
		"incl-user-wild", "excl-user-wild", "del-user-wild", "zap-conditions", "id",
		"value", "remove", "options",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int parse_u32(const char *v, unsigned long min, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || n < min || n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

struct parse_state {
	enum scope scope;
	bool scope_used;          /* --fixed-address or --remove-config given */
	const char *scope_arg;    /* for messages */
	uint8_t mac[6];
	const char *vm;
	unsigned nic;
};

static int end_scope(const char *sub, struct parse_state *ps)
{
	if (ps->scope != SCOPE_GLOBAL && !ps->scope_used)
		return usage(sub, "%s: give --fixed-address=IP%s for it", ps->scope_arg,
			     strcmp(sub, "modify") ? "" : " or --remove-config");
	ps->scope = SCOPE_GLOBAL;
	return 0;
}

static int set_which(struct args *a, const char *name, const char *v)
{
	char err[256];
	bool net = !strcmp(name, "network") || !strcmp(name, "netname");

	if ((net && a->interface) || (!net && a->network))
		return usage(a->sub, "either --network or --interface, not both");
	if (dhcpsrv_def_init(&a->d, net ? DHCPSRV_KIND_NETWORK : DHCPSRV_KIND_INTERFACE, v,
			     err, sizeof(err)) < 0)
		return usage(a->sub, "--%s: %s", name, err);
	*(net ? &a->network : &a->interface) = v;
	return 0;
}

/* One option of add/modify with its value v (NULL for flags). Returns 0 or
 * the exit status of a usage error. */
static int parse_def_option(struct args *a, struct parse_state *ps, const char *name,
			    const char *v, int argc, char **argv, int *i)
{
	struct op *op = &a->ops[a->n_ops];
	char err[512];
	uint32_t n;

	memset(op, 0, sizeof(*op));
	if (!strcmp(name, "set-opt") || !strcmp(name, "set-opt-hex") ||
	    !strcmp(name, "unset-opt") || !strcmp(name, "del-opt") ||
	    !strcmp(name, "lease-time") || !strcmp(name, "default-lease-time")) {
		if (ps->scope != SCOPE_GLOBAL)
			return usage(a->sub, "--%s after %s: natd's options apply to the whole "
				     "server (give them before --mac-address/--vm, or after "
				     "--global)", name, ps->scope_arg);
	}
	if (!strcmp(name, "server-ip") || !strcmp(name, "ip") || !strcmp(name, "netmask") ||
	    !strcmp(name, "lower-ip") || !strcmp(name, "lowerip") ||
	    !strcmp(name, "upper-ip") || !strcmp(name, "upperip")) {
		bool *given = name[0] == 'n' ? &a->netmask : name[0] == 'l' ? &a->lower :
			      name[0] == 'u' ? &a->upper : &a->server_ip;

		op->kind = name[0] == 'n' ? OP_NETMASK : name[0] == 'l' ? OP_LOWER :
			   name[0] == 'u' ? OP_UPPER : OP_SERVER_IP;
		if (dhcpsrv_parse_ip(v, &op->addr) < 0)
			return usage(a->sub, "--%s: '%s' is not an IPv4 address", name, v);
		*given = true;
	} else if (!strcmp(name, "set-opt") || !strcmp(name, "set-opt-hex")) {
		struct dhcpsrv_def scratch;

		if (parse_u32(v, 1, 254, &n) < 0)
			return usage(a->sub, "--%s: option number 1 to 254, not '%s'", name, v);
		if (*i + 1 >= argc)
			return usage(a->sub, "--%s=%u: missing value", name, n);
		op->kind = OP_SET_OPT;
		op->code = (uint8_t)n;
		op->on = name[7] == '-';
		op->value = argv[++*i];
		memset(&scratch, 0, sizeof(scratch));
		if (dhcpsrv_option_set(&scratch, op->code, op->value, op->on, err,
				       sizeof(err)) < 0)
			return usage(a->sub, "--%s=%u %s: %s", name, n, op->value, err);
	} else if (!strcmp(name, "unset-opt") || !strcmp(name, "del-opt")) {
		if (parse_u32(v, 1, 254, &n) < 0)
			return usage(a->sub, "--%s: option number 1 to 254, not '%s'", name, v);
		op->kind = OP_UNSET_OPT;
		op->code = (uint8_t)n;
	} else if (!strcmp(name, "lease-time") || !strcmp(name, "default-lease-time")) {
		if (parse_u32(v, 1, UINT32_MAX, &op->lease) < 0)
			return usage(a->sub, "--%s: seconds, 1 to %u, not '%s'", name,
				     UINT32_MAX, v);
		op->kind = OP_LEASE;
	} else if (!strcmp(name, "mac-address")) {
		if (end_scope(a->sub, ps))
			return 2;
		if (config_parse_mac(v, ps->mac) < 0)
			return usage(a->sub, "--mac-address: '%s' is not a MAC address", v);
		ps->scope = SCOPE_MAC;
		ps->scope_used = false;
		ps->scope_arg = "--mac-address";
		return 0;
	} else if (!strcmp(name, "vm")) {
		if (end_scope(a->sub, ps))
			return 2;
		if (!config_name_valid(v))
			return usage(a->sub, "--vm: '%s' is not a valid VM name", v);
		ps->scope = SCOPE_VM;
		ps->scope_used = false;
		ps->scope_arg = "--vm";
		ps->vm = v;
		ps->nic = 1;
		return 0;
	} else if (!strcmp(name, "nic")) {
		if (ps->scope != SCOPE_VM || ps->scope_used)
			return usage(a->sub, "--nic needs a --vm=VM before it");
		if (parse_u32(v, 1, NATD_MAX_NICS, &n) < 0)
			return usage(a->sub, "--nic: NIC number 1 to %d, not '%s'", NATD_MAX_NICS,
				     v);
		ps->nic = n;
		return 0;
	} else if (!strcmp(name, "fixed-address") || !strcmp(name, "remove-config")) {
		bool rm = name[0] == 'r';

		if (ps->scope == SCOPE_GLOBAL)
			return usage(a->sub, "--%s needs --mac-address=MAC or --vm=VM before it",
				     name);
		if (rm && strcmp(a->sub, "modify"))
			return usage(a->sub, "--remove-config applies to modify only");
		if (!rm && dhcpsrv_parse_ip(v, &op->addr) < 0)
			return usage(a->sub, "--fixed-address: '%s' is not an IPv4 address", v);
		op->kind = ps->scope == SCOPE_MAC ? (rm ? OP_REMOVE_MAC : OP_FIXED_MAC)
						  : (rm ? OP_REMOVE_VM : OP_FIXED_VM);
		memcpy(op->mac, ps->mac, 6);
		op->vm = ps->vm;
		op->nic = ps->nic;
		ps->scope_used = true;
		if (rm)
			ps->scope = SCOPE_GLOBAL;
	} else {
		return usage(a->sub, vbox_only(name) ? "--%s is a VBoxManage option natd does "
			     "not support" : "unknown option '--%s'", name);
	}
	a->n_ops++;
	return 0;
}

static bool takes_no_value(const char *name)
{
	return !strcmp(name, "enable") || !strcmp(name, "disable") || !strcmp(name, "global") ||
	       !strcmp(name, "remove-config");
}

/* Returns 0, 1 for --help, or 2 after printing a usage error. */
static int parse_args(struct args *a, int argc, char **argv)
{
	struct parse_state ps = { .scope = SCOPE_GLOBAL };

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq, *v = NULL;
		char name[32];
		size_t nlen;
		int rc;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (strncmp(arg, "--", 2))
			return usage(a->sub, "unexpected argument '%s'", arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) - 2 : strlen(arg) - 2;
		if (nlen >= sizeof(name))
			return usage(a->sub, "unknown option '%s'", arg);
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		if (takes_no_value(name)) {
			if (eq)
				return usage(a->sub, "--%s takes no value", name);
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			return usage(a->sub, "--%s: missing value", name);
		}
		if (!strcmp(name, "network") || !strcmp(name, "netname") ||
		    !strcmp(name, "interface") || !strcmp(name, "ifname")) {
			rc = set_which(a, name, v);
			if (rc)
				return rc;
			continue;
		}
		if (!strcmp(a->sub, "findlease") && !strcmp(name, "mac-address")) {
			if (config_parse_mac(v, a->mac) < 0)
				return usage(a->sub, "--mac-address: '%s' is not a MAC address", v);
			a->have_mac = true;
			continue;
		}
		if (!a->defs)
			return usage(a->sub, "unknown option '--%s'", name);
		if (a->n_ops >= MAX_OPS)
			return usage(a->sub, "too many options");
		if (!strcmp(name, "enable") || !strcmp(name, "disable")) {
			a->ops[a->n_ops++] = (struct op){ .kind = OP_ENABLE, .on = name[0] == 'e' };
		} else if (!strcmp(name, "global")) {
			if (end_scope(a->sub, &ps))
				return 2;
		} else {
			rc = parse_def_option(a, &ps, name, v, argc, argv, &i);
			if (rc)
				return rc;
		}
	}
	if (a->defs && end_scope(a->sub, &ps))
		return 2;
	if (!a->network && !a->interface)
		return usage(a->sub, "--network=NAME or --interface=IF is required");
	return 0;
}

/* Applies the options to d in order. 0, or 1 after printing why not. */
static int apply_ops(const struct args *a, struct dhcpsrv_def *d)
{
	uint8_t set_macs[MAX_OPS][6];
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
				return refuse(a->sub, "%s: %s", d->network, err);
			break;
		case OP_UNSET_OPT:
			if (dhcpsrv_option_unset(d, op->code) < 0)
				return refuse(a->sub, "the DHCP server of %s has no option %u",
					      d->network, op->code);
			break;
		case OP_FIXED_MAC:
			for (unsigned k = 0; k < n_set; k++)
				if (!memcmp(set_macs[k], op->mac, 6))
					return refuse(a->sub, "%s: MAC %s has two reservations",
						      d->network, mac);
			memcpy(set_macs[n_set++], op->mac, 6);
			rc = dhcpsrv_fixed_set(d, op->mac, op->addr);
			break;
		case OP_FIXED_VM:
			rc = dhcpsrv_vm_fixed_set(d, op->vm, op->nic, op->addr);
			break;
		case OP_REMOVE_MAC:
			if (dhcpsrv_fixed_remove(d, op->mac) < 0)
				return refuse(a->sub, "the DHCP server of %s has no reservation for "
					      "MAC %s", d->network, mac);
			break;
		case OP_REMOVE_VM:
			if (dhcpsrv_vm_fixed_remove(d, op->vm, op->nic) < 0)
				return refuse(a->sub, "the DHCP server of %s has no reservation for "
					      "VM %s NIC %u", d->network, op->vm, op->nic);
			break;
		}
		if (rc < 0)
			return refuse(a->sub, "%s: at most %d reservations", d->network,
				      DHCP_MAX_FIXED);
	}
	if (dhcpsrv_def_check(d, err, sizeof(err)) < 0)
		return refuse(a->sub, "%s: %s", d->network, err);
	return 0;
}

/* A host-only interface's server must fit the interface (natd/hostonly_def.h).
 * 0, or 1 after printing why not. */
static int fits_interface(const struct args *a, const struct natnet_store *st,
			  const struct dhcpsrv_def *d)
{
	char err[512];

	if (hostonly_check_dhcpsrv(st->root, st->path, d, err, sizeof(err)) < 0)
		return refuse(a->sub, "%s: %s", d->network, err);
	return 0;
}

static int load(const struct args *a, struct natnet_store *st, struct dhcpsrv_store *ds,
		bool lock)
{
	char home[PATH_MAX], err[1024];

	config_default_home(home, sizeof(home));
	if (dhcpsrv_store_load(st, ds, home, lock, err, sizeof(err)) < 0)
		return refuse(a->sub, "%s", err);
	return 0;
}

static int save(const struct args *a, struct natnet_store *st, struct dhcpsrv_store *ds)
{
	char err[512];

	if (dhcpsrv_store_save(st, ds, err, sizeof(err)) < 0)
		return refuse(a->sub, "%s (nothing changed)", err);
	return 0;
}

/* The definition a names, or NULL after printing that there is none. */
static struct dhcpsrv_def *get_def(const struct args *a, const struct dhcpsrv_store *ds)
{
	int i = dhcpsrv_store_find(ds, a->d.network);

	if (i >= 0)
		return &ds->defs[i];
	if (a->d.kind == DHCPSRV_KIND_INTERFACE)
		refuse(a->sub, "no DHCP server for host-only interface '%s' (network '%s')",
		       a->d.interface, a->d.network);
	else
		refuse(a->sub, "no DHCP server for network '%s'", a->d.network);
	return NULL;
}

static int cmd_add(struct args *a)
{
	struct natnet_store st;
	struct dhcpsrv_store ds;
	int rc = 1;

	if (!a->server_ip || !a->netmask || !a->lower || !a->upper)
		return usage("add", "--%s is required", !a->server_ip ? "server-ip=IP" :
			     !a->netmask ? "netmask=MASK" : !a->lower ? "lower-ip=IP" :
			     "upper-ip=IP");
	if (load(a, &st, &ds, true))
		return 1;
	if (dhcpsrv_store_find(&ds, a->d.network) >= 0) {
		refuse("add", "a DHCP server for network '%s' exists (natd dhcpserver modify "
		       "changes it)", a->d.network);
		goto out;
	}
	if (apply_ops(a, &a->d) || fits_interface(a, &st, &a->d))
		goto out;
	if (dhcpsrv_store_put(&ds, &a->d) < 0) {
		refuse("add", "at most %d DHCP servers", DHCPSRV_MAX_SERVERS);
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
		return usage("modify", "nothing to change");
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
		return refuse(sub, "NATD_HOME is too long");
	args = json_pack("{s:s}", "action", action);
	r = args ? ctl_call(ctl, "dhcpserver", args, DAEMON_TIMEOUT_MS, &res, err, sizeof(err))
		 : -ENOMEM;
	json_decref(args);
	json_decref(res);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return -ENOENT;
	if (r < 0)
		return refuse(sub, "%s: %s", where(d, w, sizeof(w)),
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
		return usage("findlease", "--mac-address=MAC is required");
	if (load(a, &st, &ds, false))
		return 1;
	d = get_def(a, &ds);
	if (!d)
		goto out;
	dhcpsrv_format_mac(a->mac, mac, sizeof(mac));
	r = dhcpsrv_leases_find(st.home, d, a->mac, now, &l, err, sizeof(err));
	if (r < 0) {
		refuse("findlease", "%s", err);
		goto out;
	}
	if (r == 0) {
		refuse("findlease", "no lease for MAC %s on %s", mac, where(d, w, sizeof(w)));
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
		rc = parse_args(&a, argc, argv);
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
