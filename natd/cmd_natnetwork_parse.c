/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork_parse.c - the options of `natd natnetwork add|modify|...`
 * (natd/cmd_natnetwork.c): parsed into a list of operations in the order
 * given, then applied to a definition in that order; the fuzz target
 * tests/fuzz/fuzz_natnet_options.c drives both.
 */
#include "natd/cmd_natnetwork_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "base/hostaddr.h"
#include "natd/cmd_usage.h"
#include "natd/config.h"

static int parse_onoff(const char *v, bool *on)
{
	if (!strcmp(v, "on")) {
		*on = true;
		return 0;
	}
	if (!strcmp(v, "off")) {
		*on = false;
		return 0;
	}
	return -EINVAL;
}

/* Whether --name is an option that takes a value, so that a last --name
 * without one is "missing value" and anything else "unknown option". */
static bool takes_value(const char *name)
{
	static const char *const opts[] = {
		"netname", "user", "network", "dhcp", "ipv6", "ipv6-default", "port-forward-4",
		"port-forward-6", "loopback-4", "loopback-6", "uplink", "source-ip4",
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(name, opts[i]))
			return true;
	return false;
}

int natnet_cli_parse(const char *sub, int argc, char **argv, bool defs_allowed,
		     struct natnet_args *a)
{
	char err[256];

	memset(a, 0, sizeof(*a));
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq, *v;
		char name[32];
		size_t nlen;
		struct natnet_op *op;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (!strcmp(sub, "list") && arg[0] != '-' && !a->pattern) {
			a->pattern = arg;
			continue;
		}
		if (strncmp(arg, "--", 2))
			return cmd_usage("natnetwork", sub, "unexpected argument '%s'", arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) - 2 : strlen(arg) - 2;
		if (nlen >= sizeof(name))
			return cmd_usage("natnetwork", sub, "unknown option '%s'", arg);
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		if (!strcmp(name, "netname") && !strcmp(sub, "list"))
			return cmd_usage("natnetwork", sub, "--netname is not an option of list "
					 "(natd natnetwork list [PATTERN])");
		if (!strcmp(name, "foreground") && !strcmp(sub, "start")) {
			if (eq)
				return cmd_usage("natnetwork", sub, "--foreground takes no value");
			a->foreground = true;
			continue;
		}
		if (!strcmp(name, "enable") || !strcmp(name, "disable")) {
			if (eq)
				return cmd_usage("natnetwork", sub, "--%s takes no value", name);
			if (!defs_allowed)
				return cmd_usage("natnetwork", sub, "--%s is not an option of %s",
						 name, sub);
			if (a->n_ops >= NATNET_MAX_OPS)
				return cmd_usage("natnetwork", sub, "too many options");
			a->ops[a->n_ops++] = (struct natnet_op){ .kind = OP_ENABLE,
							  .on = name[0] == 'e' };
			continue;
		}
		if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else if (!takes_value(name)) {
			return cmd_usage("natnetwork", sub, "unknown option '--%s'", name);
		} else {
			return cmd_usage("natnetwork", sub, "--%s: missing value", name);
		}
		if (!strcmp(name, "netname")) {
			if (!config_name_valid(v))
				return cmd_usage("natnetwork", sub,
						 "--netname: '%s' is not a valid network name "
						 "(letters, digits, '.', '_', '-'; up to %d bytes)",
						 v, NATD_NAME_MAX - 1);
			a->netname = v;
			continue;
		}
		if (!strcmp(name, "user") && !strcmp(sub, "start")) {
			a->user = v;
			continue;
		}
		if (!defs_allowed)
			return cmd_usage("natnetwork", sub, "unknown option '--%s'", name);
		if (a->n_ops >= NATNET_MAX_OPS)
			return cmd_usage("natnetwork", sub, "too many options");
		op = &a->ops[a->n_ops];
		memset(op, 0, sizeof(*op));
		if (!strcmp(name, "network")) {
			op->kind = OP_NETWORK;
			if (natnet_parse_network(v, &op->net, &op->prefixlen, err, sizeof(err)) < 0)
				return cmd_usage("natnetwork", sub, "--network: %s", err);
			a->network_given = true;
		} else if (!strcmp(name, "dhcp") || !strcmp(name, "ipv6") ||
			   !strcmp(name, "ipv6-default")) {
			op->kind = !strcmp(name, "dhcp") ? OP_DHCP : !strcmp(name, "ipv6") ?
				   OP_IPV6 : OP_IPV6_DEFAULT;
			if (parse_onoff(v, &op->on) < 0)
				return cmd_usage("natnetwork", sub,
						 "--%s: expected on or off, not '%s'", name, v);
		} else if (!strcmp(name, "port-forward-4") || !strcmp(name, "port-forward-6")) {
			op->family = name[13] == '4' ? AF_INET : AF_INET6;
			if (!strcmp(v, "delete")) {
				if (strcmp(sub, "modify"))
					return cmd_usage("natnetwork", sub,
							 "--%s delete: only with modify", name);
				if (i + 1 >= argc)
					return cmd_usage("natnetwork", sub,
							 "--%s delete: which rule?", name);
				op->kind = OP_PF_DEL;
				v = argv[++i];
				if (!*v || strlen(v) >= sizeof(op->rule.name))
					return cmd_usage("natnetwork", sub,
							 "--%s delete: '%s' is not a rule name",
							 name, v);
				memcpy(op->rule.name, v, strlen(v) + 1);
			} else {
				op->kind = OP_PF_ADD;
				if (pfrule_parse(v, PFRULE_SYNTAX_NATNET, op->family, &op->rule, err,
						 sizeof(err)) < 0)
					return cmd_usage("natnetwork", sub, "--%s '%s': %s", name,
							 v, err);
			}
		} else if (!strcmp(name, "loopback-4")) {
			op->kind = OP_LOOPBACK;
			if (natnet_parse_loopback(v, &op->lo, err, sizeof(err)) < 0)
				return cmd_usage("natnetwork", sub, "--loopback-4: %s", err);
		} else if (!strcmp(name, "uplink")) {
			struct uplink u;

			op->kind = OP_UPLINK;
			op->uplink = !strcmp(v, "none") ? "" : v;
			if (*op->uplink && (strlen(v) >= UPLINK_TEXT_MAX ||
					    uplink_parse(v, &u, err, sizeof(err)) < 0))
				return cmd_usage("natnetwork", sub, "--uplink: %s",
						 strlen(v) >= UPLINK_TEXT_MAX ? "too long" : err);
		} else if (!strcmp(name, "source-ip4")) {
			op->kind = OP_SOURCE_IP4;
			if (*v && strcmp(v, "none") &&
			    (inet_pton(AF_INET, v, &op->source) != 1 || !op->source.s_addr))
				return cmd_usage("natnetwork", sub,
						 "--source-ip4: '%s' is not an IPv4 address", v);
		} else if (!strcmp(name, "loopback-6")) {
			op->kind = OP_LOOPBACK6;
			if (natnet_parse_loopback6(v, &op->lo6, err, sizeof(err)) < 0)
				return cmd_usage("natnetwork", sub, "--loopback-6: %s", err);
		} else {
			return cmd_usage("natnetwork", sub, "unknown option '--%s'", name);
		}
		a->n_ops++;
	}
	if (strcmp(sub, "list") && !a->netname)
		return cmd_usage("natnetwork", sub, "--netname NAME is required");
	return 0;
}

static int find_rule(const struct pfrule *set, unsigned n, const char *name)
{
	return pfrule_set_find(set, n, name);
}

int natnet_cli_apply(const char *sub, const struct natnet_args *a, struct natnet_def *d)
{
	char err[256];

	for (unsigned i = 0; i < a->n_ops; i++) {
		const struct natnet_op *op = &a->ops[i];
		struct pfrule *set;
		unsigned *n;
		int k;

		switch (op->kind) {
		case OP_NETWORK:
			d->network = op->net;
			d->prefixlen = op->prefixlen;
			break;
		case OP_ENABLE:
			d->enabled = op->on;
			break;
		case OP_DHCP:
			d->dhcp = op->on;
			break;
		case OP_IPV6:
			d->ipv6 = op->on;
			break;
		case OP_IPV6_DEFAULT:
			d->ipv6_default = op->on;
			break;
		case OP_PF_ADD:
		case OP_PF_DEL:
			set = op->family == AF_INET ? d->rules4 : d->rules6;
			n = op->family == AF_INET ? &d->n_rules4 : &d->n_rules6;
			k = find_rule(set, *n, op->rule.name);
			if (op->kind == OP_PF_DEL) {
				if (k < 0) {
					esc_fprintf(stderr, "natd natnetwork %s: %s has no %s rule '%s'\n",
						sub, d->name, op->family == AF_INET ? "IPv4" : "IPv6",
						op->rule.name);
					return 1;
				}
				memmove(&set[k], &set[k + 1], (*n - (unsigned)k - 1) * sizeof(*set));
				(*n)--;
				break;
			}
			if (k >= 0) {
				esc_fprintf(stderr, "natd natnetwork %s: %s already has a rule '%s' "
					"(delete it first: --port-forward-%c delete %s)\n", sub,
					d->name, op->rule.name, op->family == AF_INET ? '4' : '6',
					op->rule.name);
				return 1;
			}
			if (*n >= NATNET_MAX_RULES) {
				esc_fprintf(stderr, "natd natnetwork %s: at most %d rules per family\n",
					sub, NATNET_MAX_RULES);
				return 1;
			}
			set[(*n)++] = op->rule;
			break;
		case OP_LOOPBACK:
			k = -1;
			for (unsigned j = 0; j < d->n_lo4; j++)
				if (d->lo4[j].host.s_addr == op->lo.host.s_addr)
					k = (int)j;
			if (op->lo.offset == 0) {
				if (k < 0) {
					esc_fprintf(stderr, "natd natnetwork %s: %s has no loopback "
						"mapping for %s\n", sub, d->name,
						inet_ntoa(op->lo.host));
					return 1;
				}
				memmove(&d->lo4[k], &d->lo4[k + 1],
					(d->n_lo4 - (unsigned)k - 1) * sizeof(d->lo4[0]));
				d->n_lo4--;
			} else if (k >= 0) {
				d->lo4[k] = op->lo;
			} else if (d->n_lo4 >= NATNET_MAX_LOOPBACK) {
				esc_fprintf(stderr, "natd natnetwork %s: at most %d loopback mappings\n",
					sub, NATNET_MAX_LOOPBACK);
				return 1;
			} else {
				d->lo4[d->n_lo4++] = op->lo;
			}
			break;
		case OP_LOOPBACK6:
			d->lo6 = op->lo6;
			break;
		case OP_UPLINK:
			snprintf(d->uplink, sizeof(d->uplink), "%s", op->uplink);
			break;
		case OP_SOURCE_IP4:
			if (op->source.s_addr && op->source.s_addr != d->source_ip4.s_addr &&
			    hostaddr_check4(op->source, err, sizeof(err)) < 0) {
				esc_fprintf(stderr, "natd natnetwork %s: --source-ip4: %s\n", sub, err);
				return 1;
			}
			d->source_ip4 = op->source;
			break;
		}
	}
	return 0;
}
