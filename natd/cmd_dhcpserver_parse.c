/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver_parse.c - the options of `natd dhcpserver` read into a
 * struct args (see cmd_dhcpserver_internal.h), in order, as VBoxManage
 * reads them: --mac-address and --vm open a group that --fixed-address or
 * --remove-config act on, --global (or --remove-config) closes it. Option
 * values are checked through the DHCP engine's encoder here; natd/
 * cmd_dhcpserver.c applies them.
 */
#include "natd/cmd_dhcpserver_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"
#include "natd/cmd_usage.h"
#include "natd/config.h"

enum scope { SCOPE_GLOBAL, SCOPE_MAC, SCOPE_VM };

static bool name_in(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* Whether --name is an option of natd's that takes a value, so that a last
 * --name without one is "missing value" and anything else unknown. */
static bool takes_value(const char *name)
{
	static const char *const names[] = {
		"network", "netname", "interface", "ifname", "server-ip", "ip", "netmask",
		"lower-ip", "lowerip", "upper-ip", "upperip", "set-opt", "set-opt-hex",
		"unset-opt", "del-opt", "lease-time", "default-lease-time", "mac-address",
		"vm", "nic", "fixed-address",
	};

	return name_in(name, names, sizeof(names) / sizeof(names[0]));
}

/* Prints that --name is not an option of natd's: a VBoxManage dhcpserver
 * option natd knows of but does not implement, or an unknown one. 2. */
static int unknown_option(const char *sub, const char *name)
{
	static const char *const vbox_only[] = {
		"group", "force-opt", "unforce-opt", "suppress-opt", "supress-opt",
		"unsuppress-opt", "zap-options", "min-lease-time", "max-lease-time",
		"incl-mac", "excl-mac", "del-mac", "incl-mac-wild", "excl-mac-wild",
		"del-mac-wild", "incl-vendor", "excl-vendor", "del-vendor", "incl-vendor-wild",
		"excl-vendor-wild", "del-vendor-wild", "incl-user", "excl-user", "del-user",
		"incl-user-wild", "excl-user-wild", "del-user-wild", "zap-conditions", "id",
		"value", "remove", "options",
	};

	if (name_in(name, vbox_only, sizeof(vbox_only) / sizeof(vbox_only[0])))
		return cmd_usage("dhcpserver", sub,
				 "--%s is a VBoxManage option natd does not support", name);
	return cmd_usage("dhcpserver", sub, "unknown option '--%s'", name);
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
		return cmd_usage("dhcpserver", sub, "%s: give --fixed-address=IP%s for it",
				 ps->scope_arg, strcmp(sub, "modify") ? "" : " or --remove-config");
	ps->scope = SCOPE_GLOBAL;
	return 0;
}

static int set_which(struct args *a, const char *name, const char *v)
{
	char err[256];
	bool net = !strcmp(name, "network") || !strcmp(name, "netname");

	if ((net && a->interface) || (!net && a->network))
		return cmd_usage("dhcpserver", a->sub, "either --network or --interface, not both");
	if (dhcpsrv_def_init(&a->d, net ? DHCPSRV_KIND_NETWORK : DHCPSRV_KIND_INTERFACE, v,
			     err, sizeof(err)) < 0)
		return cmd_usage("dhcpserver", a->sub, "--%s: %s", name, err);
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
			return cmd_usage("dhcpserver", a->sub,
					 "--%s after %s: natd's options apply to the whole "
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
			return cmd_usage("dhcpserver", a->sub, "--%s: '%s' is not an IPv4 address",
					 name, v);
		*given = true;
	} else if (!strcmp(name, "set-opt") || !strcmp(name, "set-opt-hex")) {
		struct dhcpsrv_def scratch;

		if (parse_u32(v, 1, 254, &n) < 0)
			return cmd_usage("dhcpserver", a->sub,
					 "--%s: option number 1 to 254, not '%s'", name, v);
		if (*i + 1 >= argc)
			return cmd_usage("dhcpserver", a->sub, "--%s=%u: missing value", name, n);
		op->kind = OP_SET_OPT;
		op->code = (uint8_t)n;
		op->on = name[7] == '-';
		op->value = argv[++*i];
		memset(&scratch, 0, sizeof(scratch));
		if (dhcpsrv_option_set(&scratch, op->code, op->value, op->on, err,
				       sizeof(err)) < 0)
			return cmd_usage("dhcpserver", a->sub, "--%s=%u %s: %s", name, n, op->value,
					 err);
	} else if (!strcmp(name, "unset-opt") || !strcmp(name, "del-opt")) {
		if (parse_u32(v, 1, 254, &n) < 0)
			return cmd_usage("dhcpserver", a->sub,
					 "--%s: option number 1 to 254, not '%s'", name, v);
		op->kind = OP_UNSET_OPT;
		op->code = (uint8_t)n;
	} else if (!strcmp(name, "lease-time") || !strcmp(name, "default-lease-time")) {
		if (parse_u32(v, 1, UINT32_MAX, &op->lease) < 0)
			return cmd_usage("dhcpserver", a->sub, "--%s: seconds, 1 to %u, not '%s'",
					 name, UINT32_MAX, v);
		op->kind = OP_LEASE;
	} else if (!strcmp(name, "mac-address")) {
		if (end_scope(a->sub, ps))
			return 2;
		if (config_parse_mac(v, ps->mac) < 0)
			return cmd_usage("dhcpserver", a->sub,
					 "--mac-address: '%s' is not a MAC address", v);
		ps->scope = SCOPE_MAC;
		ps->scope_used = false;
		ps->scope_arg = "--mac-address";
		return 0;
	} else if (!strcmp(name, "vm")) {
		if (end_scope(a->sub, ps))
			return 2;
		if (!config_name_valid(v))
			return cmd_usage("dhcpserver", a->sub, "--vm: '%s' is not a valid VM name",
					 v);
		ps->scope = SCOPE_VM;
		ps->scope_used = false;
		ps->scope_arg = "--vm";
		ps->vm = v;
		ps->nic = 1;
		return 0;
	} else if (!strcmp(name, "nic")) {
		if (ps->scope != SCOPE_VM || ps->scope_used)
			return cmd_usage("dhcpserver", a->sub, "--nic needs a --vm=VM before it");
		if (parse_u32(v, 1, NATD_MAX_NICS, &n) < 0)
			return cmd_usage("dhcpserver", a->sub,
					 "--nic: NIC number 1 to %d, not '%s'", NATD_MAX_NICS, v);
		ps->nic = n;
		return 0;
	} else if (!strcmp(name, "fixed-address") || !strcmp(name, "remove-config")) {
		bool rm = name[0] == 'r';

		if (ps->scope == SCOPE_GLOBAL)
			return cmd_usage("dhcpserver", a->sub,
					 "--%s needs --mac-address=MAC or --vm=VM before it", name);
		if (rm && strcmp(a->sub, "modify"))
			return cmd_usage("dhcpserver", a->sub,
					 "--remove-config applies to modify only");
		if (!rm && dhcpsrv_parse_ip(v, &op->addr) < 0)
			return cmd_usage("dhcpserver", a->sub,
					 "--fixed-address: '%s' is not an IPv4 address", v);
		op->kind = ps->scope == SCOPE_MAC ? (rm ? OP_REMOVE_MAC : OP_FIXED_MAC)
						  : (rm ? OP_REMOVE_VM : OP_FIXED_VM);
		memcpy(op->mac, ps->mac, 6);
		op->vm = ps->vm;
		op->nic = ps->nic;
		ps->scope_used = true;
		if (rm)
			ps->scope = SCOPE_GLOBAL;
	} else {
		return unknown_option(a->sub, name);
	}
	a->n_ops++;
	return 0;
}

static bool takes_no_value(const char *name)
{
	return !strcmp(name, "enable") || !strcmp(name, "disable") || !strcmp(name, "global") ||
	       !strcmp(name, "remove-config");
}

int dhcpsrv_cli_parse(struct args *a, int argc, char **argv)
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
			return cmd_usage("dhcpserver", a->sub, "unexpected argument '%s'", arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) - 2 : strlen(arg) - 2;
		if (nlen >= sizeof(name))
			return cmd_usage("dhcpserver", a->sub, "unknown option '%s'", arg);
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		if (takes_no_value(name)) {
			if (eq)
				return cmd_usage("dhcpserver", a->sub, "--%s takes no value", name);
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else if (!takes_value(name)) {
			return unknown_option(a->sub, name);
		} else {
			return cmd_usage("dhcpserver", a->sub, "--%s: missing value", name);
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
				return cmd_usage("dhcpserver", a->sub,
						 "--mac-address: '%s' is not a MAC address", v);
			a->have_mac = true;
			continue;
		}
		if (!a->defs)
			return cmd_usage("dhcpserver", a->sub, "unknown option '--%s'", name);
		if (a->n_ops >= DHCPSRV_CLI_MAX_OPS)
			return cmd_usage("dhcpserver", a->sub, "too many options");
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
		return cmd_usage("dhcpserver", a->sub,
				 "--network=NAME or --interface=IF is required");
	return 0;
}
