/* SPDX-License-Identifier: MIT */
/*
 * cmd_bandwidthctl.c - `natd bandwidthctl VM add|set|remove|list`
 * (VBoxManage bandwidthctl's words): a VM's bandwidth groups, stored with
 * its settings (natd/vm_store.h) and, while the VM runs, changed in its natd
 * at once over the control socket (natd/bwgroup.h).
 */
#include "natd/cmd_bandwidthctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"
#include "base/log.h"
#include "natd/bwgroup.h"
#include "natd/cmd_usage.h"
#include "natd/config.h"
#include "natd/ctl_client.h"
#include "natd/vm_store.h"

#define BWCTL_TIMEOUT_MS 5000

static const char bandwidthctl_help[] =
"Usage: natd bandwidthctl VM add NAME --type network --limit RATE\n"
"       natd bandwidthctl VM set NAME --limit RATE\n"
"       natd bandwidthctl VM remove NAME\n"
"       natd bandwidthctl VM list [--machinereadable]\n"
"\n"
"Bandwidth groups (VirtualBox manual 6.10) limit what a VM's adapters send\n"
"(VM -> network): every adapter in a group (--nicbandwidthgroup<x> NAME, or\n"
"live: natd controlvm VM nicbandwidthgroup<x> NAME|none) shares one limit.\n"
"Frames over the limit are delayed, never dropped: natd stops reading the\n"
"VM's transport until the group may send again, so the VM is slowed down\n"
"by back-pressure. What the VM receives is not limited.\n"
"\n"
"RATE is a whole number with a unit: k, m, g for kilo-, mega-, gigabits\n"
"per second; K, M, G for kilo-, mega-, gigabytes per second (decimal);\n"
"no unit means megabytes per second, as VBoxManage. 0 lifts the limit.\n"
"\n"
"Groups are stored with VM's settings in $NATD_HOME/natd.json (see natd\n"
"modifyvm); when VM runs, add, set and remove take effect at once. remove\n"
"is refused while an adapter (stored or running) uses the group. Only\n"
"--type network exists (VirtualBox's disk groups are not natd's). Options\n"
"may also be written --type=network, --limit=RATE.\n"
"\n"
"Exit status: 0 done, 1 refused (nothing changed), 2 usage error.\n";

/* Which stored adapter of d uses group name: its number, or 0. */
static unsigned stored_user(const struct vm_def *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strncmp(d->s[i].opt, "nicbandwidthgroup", 17) &&
		    !strcmp(d->s[i].value, name))
			return (unsigned)atoi(d->s[i].opt + 17);
	return 0;
}

/* prog: the command, for messages ("bandwidthctl", "list bwgroups"). */
static int list_groups(const char *prog, const char *vm, bool machine)
{
	char home[PATH_MAX], err[768];
	struct natnet_store st;
	struct vm_store vs;
	int i;

	config_default_home(home, sizeof(home));
	if (vm_store_load(&st, &vs, home, false, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd %s: %s\n", prog, err);
		return 1;
	}
	i = vm_store_find(&vs, vm);
	if (i < 0 && !vm_running(home, vm)) {
		/* neither stored nor running: a typo, not a VM without groups */
		esc_fprintf(stderr, "natd %s: no VM '%s' (natd list vms, natd list runningvms)\n",
			    prog, vm);
		vm_store_release(&st, &vs);
		return 1;
	}
	for (size_t k = 0; i >= 0 && k < vs.vms[i].n_bw; k++) {
		const struct vm_bwgroup *g = &vs.vms[i].bw[k];
		uint64_t rate = 0;

		bw_parse_rate(g->limit, &rate);
		if (machine)
			printf("name=\"%s\"\ntype=\"network\"\nlimit=\"%s\"\nbytes_per_s=%llu\n",
			       g->name, g->limit, (unsigned long long)rate);
		else
			printf("Name: '%s', Type: network, Limit: %s (%llu bytes/s)\n", g->name,
			       g->limit, (unsigned long long)rate);
	}
	vm_store_release(&st, &vs);
	return 0;
}

int cmd_bandwidthctl(int argc, char **argv)
{
	const char *vm, *op, *name = NULL, *type = NULL, *limit = NULL;
	char home[PATH_MAX], err[768], path[PATH_MAX + 16];
	struct natnet_store st;
	struct vm_store vs;
	struct vm_def *d;
	uint64_t rate;
	bool machine = false;
	int rc, g;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(bandwidthctl_help, stdout);
			return 0;
		}
	if (argc < 3)
		return cmd_usage("bandwidthctl", NULL,
				 "expected a VM and add, set, remove or list");
	vm = argv[1];
	op = argv[2];
	if (!config_name_valid(vm))
		return cmd_usage("bandwidthctl", NULL, "'%s' is not a valid VM name", vm);
	if (!strcmp(op, "list")) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--machinereadable"))
				return cmd_usage("bandwidthctl", NULL,
						 "list: unexpected argument '%s'", argv[i]);
			machine = true;
		}
		return list_groups("bandwidthctl", vm, machine);
	}
	if (strcmp(op, "add") && strcmp(op, "set") && strcmp(op, "remove"))
		return cmd_usage("bandwidthctl", NULL,
				 "unknown subcommand '%s' (add, set, remove, list)", op);
	if (argc < 4)
		return cmd_usage("bandwidthctl", NULL, "%s: which group?", op);
	name = argv[3];
	if (!config_name_valid(name))
		return cmd_usage("bandwidthctl", NULL, "'%s' is not a valid group name", name);
	for (int i = 4; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--type") || !strcmp(a, "--limit")) {
			if (i + 1 >= argc)
				return cmd_usage("bandwidthctl", NULL, "%s: missing value", a);
			if (!strcmp(a, "--type"))
				type = argv[++i];
			else
				limit = argv[++i];
		} else if (!strncmp(a, "--type=", 7)) {
			type = a + 7;
		} else if (!strncmp(a, "--limit=", 8)) {
			limit = a + 8;
		} else {
			return cmd_usage("bandwidthctl", NULL, "unexpected argument '%s'", a);
		}
	}
	if (!strcmp(op, "add") && !type)
		return cmd_usage("bandwidthctl", NULL, "add: --type network is required");
	if (type && strcmp(op, "add"))
		return cmd_usage("bandwidthctl", NULL, "--type: only with add");
	if (type && strcmp(type, "network"))
		return cmd_usage("bandwidthctl", NULL,
				 "--type: only network groups exist in natd, not '%s'", type);
	if (strcmp(op, "remove") && !limit)
		return cmd_usage("bandwidthctl", NULL, "%s: --limit RATE is required", op);
	if (!strcmp(op, "remove") && limit)
		return cmd_usage("bandwidthctl", NULL, "remove: unexpected --limit");
	if (limit && (strlen(limit) >= sizeof(((struct vm_bwgroup *)0)->limit) ||
		      bw_parse_rate(limit, &rate) < 0)) /* a usage error, as --type disk is */
		return cmd_usage("bandwidthctl", NULL,
				 "--limit: '%s' is not a rate (a number with k, m, g for "
				 "bits/s or K, M, G for bytes/s)", limit);

	config_default_home(home, sizeof(home));
	rc = vm_store_load(&st, &vs, home, true, err, sizeof(err));
	if (rc < 0) {
		esc_fprintf(stderr, "natd bandwidthctl: %s\n", err);
		return 1;
	}
	d = vm_store_get(&vs, vm);
	g = d ? vm_def_find_bwgroup(d, name) : -1;
	rc = -EINVAL;
	if (!d)
		snprintf(err, sizeof(err), "too many VMs");
	else if (!strcmp(op, "add") && g >= 0)
		snprintf(err, sizeof(err), "VM '%s' has a bandwidth group '%s' already", vm, name);
	else if (!strcmp(op, "add") && d->n_bw >= VM_STORE_MAX_BWGROUPS)
		snprintf(err, sizeof(err), "at most %d bandwidth groups per VM",
			 VM_STORE_MAX_BWGROUPS);
	else if (strcmp(op, "add") && g < 0)
		snprintf(err, sizeof(err), "VM '%s' has no bandwidth group '%s' (natd "
			 "bandwidthctl %s list)", vm, name, vm);
	else if (!strcmp(op, "remove") && stored_user(d, name))
		snprintf(err, sizeof(err), "bandwidth group '%s' is used by VM '%s''s adapter %u "
			 "(natd modifyvm %s --nicbandwidthgroup%u none first)", name, vm,
			 stored_user(d, name), vm, stored_user(d, name));
	else
		rc = 0;
	if (rc == 0 && vm_running(home, vm)) {
		/* the running natd first: if it refuses, nothing is stored */
		json_t *args = json_pack("{s:s, s:s, s:s}", "op", op, "name", name, "limit",
					 limit ? limit : ""), *res = NULL;
		char why[512];

		snprintf(path, sizeof(path), "%s/run/%s.ctl", home, vm);
		rc = ctl_call(path, "bandwidthctl", args, BWCTL_TIMEOUT_MS, &res, why,
			      sizeof(why));
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", why);
		json_decref(args);
		json_decref(res);
	}
	if (rc == 0) {
		if (!strcmp(op, "add")) {
			snprintf(d->bw[d->n_bw].name, sizeof(d->bw[0].name), "%s", name);
			snprintf(d->bw[d->n_bw].limit, sizeof(d->bw[0].limit), "%s", limit);
			d->n_bw++;
		} else if (!strcmp(op, "set")) {
			snprintf(d->bw[g].limit, sizeof(d->bw[0].limit), "%s", limit);
		} else {
			memmove(&d->bw[g], &d->bw[g + 1], (d->n_bw - (size_t)g - 1) * sizeof(d->bw[0]));
			d->n_bw--;
		}
		rc = vm_store_save(&st, &vs, err, sizeof(err));
	}
	vm_store_release(&st, &vs);
	if (rc < 0) {
		esc_fprintf(stderr, "natd bandwidthctl: %s (nothing changed)\n", err);
		return 1;
	}
	return 0;
}

int cmd_bandwidthctl_list(const char *vm, bool machine)
{
	if (!config_name_valid(vm)) {
		esc_fprintf(stderr, "natd list bwgroups: '%s' is not a valid VM name\n", vm);
		return 2;
	}
	return list_groups("list bwgroups", vm, machine);
}
