/* SPDX-License-Identifier: MIT */
/*
 * cmd_vm.c - VMs' stored settings on the command line: `natd modifyvm`,
 * `natd unregistervm`, `natd list vms|runningvms`, showvminfo's view of a
 * stored VM, and the stored settings `natd run --name VM` starts from (see
 * cmd_vm.h, natd/vm_store.h).
 */
#include "natd/cmd_vm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"
#include "base/log.h"
#include "natd/bwgroup.h"
#include "natd/config.h"
#include "natd/natnet_service.h"
#include "natd/vm_store.h"

static const char modifyvm_help[] =
"Usage: natd modifyvm VM [OPTIONS]\n"
"\n"
"Stores settings of VM in $NATD_HOME/natd.json (created when VM has none):\n"
"any per-adapter option of natd run (--nic<x>, --attach<x>, --natpf<x>,\n"
"--nictype<x>, --macaddress<x>, --cableconnected<x>, --nicpromisc<x>,\n"
"--nictrace<x>, --intnet<x>, ... see natd run --help) and --max-tcp-flows,\n"
"--max-udp-flows, --max-icmp-flows, --udp-timeout, --max-tcp-buffer. natd\n"
"run --name VM starts from them; options given to run override them for\n"
"that run (--natpf<x> adds to the stored rules). natd run's --user and\n"
"--sandbox are not stored: give them to natd run.\n"
"\n"
"A stored option is replaced by a new value, except:\n"
"  --natpf<x> RULE         adds a rule (a rule of the same name is refused)\n"
"  --natpf<x> delete NAME  removes one\n"
"  --nicproperty<x> K=V    replaces the property K\n"
"  --nic<x> none           disables adapter x; its other settings are kept\n"
"                          for when it is enabled again\n"
"  --nic<x> MODE           keeps the settings of x's old mode (--natnet<x>,\n"
"                          --natpf<x>, --intnet<x>, --bridgeadapter<x>...)\n"
"                          stored and unused until x is of that mode again;\n"
"                          a setting given that x's mode does not use is\n"
"                          refused\n"
"The result must be a configuration natd run accepts; otherwise nothing is\n"
"written and the reason is printed. The file is rewritten atomically under\n"
"a lock, like NAT networks'.\n"
"\n"
"What an option names on the host is stored as given and checked when the\n"
"VM starts, as VirtualBox does: a host-only interface (--hostonlyadapter<x>)\n"
"or NAT network (--nat-network<x>) not defined yet, a host interface to\n"
"bridge to (--bridgeadapter<x>) not there. natd run then refuses to start,\n"
"with one line naming the adapter and what is missing.\n"
"\n"
"A running VM is not changed: modifyvm refuses, naming the natd controlvm\n"
"command for what changes live (natpf<x>, setlinkstate<x>, nicpromisc<x>,\n"
"nictrace<x>, nictracefile<x>, nicbandwidthgroup<x>); the rest needs the VM\n"
"stopped first.\n"
"\n"
"Exit status: 0 stored, 1 refused (nothing written), 2 usage error (an\n"
"unknown option, a missing or bad value; nothing written).\n";

static const char unregistervm_help[] =
"Usage: natd unregistervm VM\n"
"\n"
"Forgets VM's stored settings (natd modifyvm). Refused while VM runs.\n"
"Exit status: 0 done, 1 no such VM or running, 2 usage error.\n";

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help");
}

/* What modifyvm of a running VM says of option opt (canonical, no "--"). */
static void running_hint(const char *vm, const char *arg)
{
	static const struct { const char *opt, *sub; } live[] = {
		{ "natpf", "natpf" }, { "cableconnected", "setlinkstate" },
		{ "nicpromisc", "nicpromisc" }, { "nictracefile", "nictracefile" },
		{ "nictrace", "nictrace" }, { "nicbandwidthgroup", "nicbandwidthgroup" },
	};
	const char *name = arg + 2;

	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		size_t l = strlen(live[i].opt);

		if (!strncmp(name, live[i].opt, l) && name[l] >= '1' && name[l] <= '9') {
			esc_fprintf(stderr, "natd modifyvm:   %s changes live with: natd controlvm %s "
				"%s%.1s ...\n", arg, vm, live[i].sub, name + l);
			return;
		}
	}
	esc_fprintf(stderr, "natd modifyvm:   %s needs VM '%s' stopped first\n", arg, vm);
}

static int check_bwgroups(const struct natd_config *cfg, const struct vm_def *d, char *err,
			  size_t errlen);

/* Checks that d's settings make a configuration natd run accepts. */
static int vm_check(const struct vm_def *d, char *err, size_t errlen)
{
	struct natd_config *cfg = calloc(1, sizeof(*cfg));
	char **argv = NULL;
	int argc = 0, rc;

	if (!cfg)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	argv = calloc(4, sizeof(*argv));
	if (!argv || !(argv[0] = strdup("run")) || !(argv[1] = strdup("--name")) ||
	    !(argv[2] = strdup(d->name))) {
		vm_argv_free(3, argv);
		free(cfg);
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	}
	argc = 3;
	rc = vm_def_argv(d, &argc, &argv);
	if (rc == 0) {
		config_init(cfg);
		rc = config_parse_run(cfg, argc, argv, err, errlen);
		if (rc == 0)
			rc = config_finish(cfg, err, errlen);
		if (rc == 0)
			rc = check_bwgroups(cfg, d, err, errlen);
		config_free(cfg);
	} else {
		errfmt(err, errlen, rc, "out of memory");
	}
	vm_argv_free(argc, argv);
	free(cfg);
	return rc < 0 ? rc : 0;
}

int cmd_modifyvm(int argc, char **argv)
{
	char home[PATH_MAX], err[768];
	struct natnet_store st;
	struct vm_store vs;
	struct vm_def copy, *d;
	const char *vm;
	int rc;

	if (argc < 2 || is_help(argv[1])) {
		fputs(modifyvm_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	vm = argv[1];
	if (!config_name_valid(vm)) {
		esc_fprintf(stderr, "natd modifyvm: '%s' is not a valid VM name\n", vm);
		return 2;
	}
	if (argc < 3) {
		esc_fprintf(stderr, "natd modifyvm: nothing to change (natd modifyvm --help)\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(modifyvm_help, stdout);
			return 0;
		}
	}
	/* the command line alone first: a bad option is a usage error (2) even
	 * when VM runs or natd.json does not load */
	memset(&copy, 0, sizeof(copy));
	snprintf(copy.name, sizeof(copy.name), "%s", vm);
	rc = vm_def_apply(&copy, argc - 2, argv + 2, err, sizeof(err));
	vm_def_free(&copy);
	if (rc == -EINVAL) {
		esc_fprintf(stderr, "natd modifyvm: %s (nothing changed)\n", err);
		return 2;
	}
	config_default_home(home, sizeof(home));
	if (vm_running(home, vm)) {
		esc_fprintf(stderr, "natd modifyvm: VM '%s' is running; nothing changed:\n", vm);
		for (int i = 2; i < argc; i++)
			if (!strncmp(argv[i], "--", 2))
				running_hint(vm, argv[i]);
		return 1;
	}
	rc = vm_store_load(&st, &vs, home, true, err, sizeof(err));
	if (rc < 0) {
		esc_fprintf(stderr, "natd modifyvm: %s\n", err);
		return 1;
	}
	d = vm_store_get(&vs, vm);
	if (!d || vm_def_copy(&copy, d) < 0) {
		esc_fprintf(stderr, "natd modifyvm: too many VMs, or out of memory\n");
		vm_store_release(&st, &vs);
		return 1;
	}
	rc = vm_def_apply(&copy, argc - 2, argv + 2, err, sizeof(err));
	if (rc == 0 && vm_check(&copy, err, sizeof(err)) < 0)
		rc = -EPERM; /* the stored settings with the new ones: refused */
	if (rc < 0) {
		esc_fprintf(stderr, "natd modifyvm: %s (nothing changed)\n", err);
		vm_def_free(&copy);
		vm_store_release(&st, &vs);
		return rc == -EINVAL ? 2 : 1; /* a bad option or value : refused */
	}
	vm_def_free(d);
	*d = copy;
	rc = vm_store_save(&st, &vs, err, sizeof(err));
	vm_store_release(&st, &vs);
	if (rc < 0) {
		esc_fprintf(stderr, "natd modifyvm: %s\n", err);
		return 1;
	}
	return 0;
}

int cmd_unregistervm(int argc, char **argv)
{
	char home[PATH_MAX], err[768];
	struct natnet_store st;
	struct vm_store vs;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(unregistervm_help, stdout);
			return 0;
		}
	}
	if (argc < 2) {
		fputs(unregistervm_help, stderr);
		return 2;
	}
	if (argc > 2) {
		esc_fprintf(stderr, "natd unregistervm: unexpected argument '%s' (natd unregistervm "
			    "VM)\n", argv[2]);
		return 2;
	}
	if (!config_name_valid(argv[1])) {
		esc_fprintf(stderr, "natd unregistervm: '%s' is not a valid VM name\n", argv[1]);
		return 2;
	}
	config_default_home(home, sizeof(home));
	if (vm_running(home, argv[1])) {
		esc_fprintf(stderr, "natd unregistervm: VM '%s' is running; stop it first\n", argv[1]);
		return 1;
	}
	rc = vm_store_load(&st, &vs, home, true, err, sizeof(err));
	if (rc < 0) {
		esc_fprintf(stderr, "natd unregistervm: %s\n", err);
		return 1;
	}
	rc = vm_store_remove(&vs, argv[1]);
	if (rc < 0)
		esc_fprintf(stderr, "natd unregistervm: no stored VM '%s' (natd list vms)\n", argv[1]);
	else if ((rc = vm_store_save(&st, &vs, err, sizeof(err))) < 0)
		esc_fprintf(stderr, "natd unregistervm: %s\n", err);
	vm_store_release(&st, &vs);
	return rc < 0 ? 1 : 0;
}

int cmd_vm_list_vms(void)
{
	char home[PATH_MAX], err[768];
	struct natnet_store st;
	struct vm_store vs;

	config_default_home(home, sizeof(home));
	if (vm_store_load(&st, &vs, home, false, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd list vms: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < vs.n; i++)
		printf("\"%s\"\n", vs.vms[i].name);
	vm_store_release(&st, &vs);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *cmd_vm_running_names(void)
{
	char home[PATH_MAX], dir[PATH_MAX + 8];
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	json_t *arr = json_array();
	DIR *dp;

	config_default_home(home, sizeof(home));
	snprintf(dir, sizeof(dir), "%s/run", home);
	dp = opendir(dir);
	if (!dp)
		return arr; /* nothing ever ran */
	while ((e = readdir(dp)) && n < sizeof(names) / sizeof(names[0])) {
		size_t l = strlen(e->d_name);
		char name[NATD_NAME_MAX];

		if (l < 5 || l - 4 >= sizeof(name) || strcmp(e->d_name + l - 4, ".ctl"))
			continue;
		memcpy(name, e->d_name, l - 4);
		name[l - 4] = '\0';
		if (!config_name_valid(name) || !vm_running(home, name))
			continue;
		/* a running NAT network's control socket is run/natnet-NAME.ctl */
		if (!strncmp(name, "natnet-", 7) && natnet_service_running(home, name + 7, NULL) == 1)
			continue;
		names[n] = strdup(name);
		if (names[n])
			n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, json_string(names[i]));
		free(names[i]);
	}
	return arr;
}

int cmd_vm_list_running(void)
{
	json_t *arr = cmd_vm_running_names(), *v;
	size_t i;

	json_array_foreach(arr, i, v)
		printf("\"%s\"\n", json_string_value(v));
	json_decref(arr);
	return 0;
}

/* The settings natd run would start VM from: "--opt value" strings. */
static json_t *settings_json(const struct vm_def *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->n; i++) {
		char *s = NULL;

		if (asprintf(&s, "--%s %s", d->s[i].opt, d->s[i].value) < 0)
			continue;
		json_array_append_new(arr, json_string(s));
		free(s);
	}
	return arr;
}

/* One adapter of a stored VM, as natd run would start it. */
static json_t *nic_json(const struct nic_config *n, unsigned x)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:b, s:s}", "adapter", (json_int_t)x,
			      "mode", adapter_mode_name(n->mode), "attach", n->attach,
			      "nictype", adapter_type_name(n->type),
			      "cable", n->cable_connected, "promisc",
			      adapter_promisc_name(n->promisc));

	if (n->mode == NIC_MODE_INTNET)
		json_object_set_new(o, "intnet", json_string(n->intnet));
	if (n->mode == NIC_MODE_NATNETWORK)
		json_object_set_new(o, "nat_network", json_string(n->nat_network));
	if (n->mode == NIC_MODE_HOSTONLY)
		json_object_set_new(o, "hostonly_adapter", json_string(n->hostonly_adapter));
	if (n->mode == NIC_MODE_BRIDGED)
		json_object_set_new(o, "bridge_adapter", json_string(n->bridge_adapter));
	if (n->mode == NIC_MODE_NAT) {
		json_t *rules = json_array();

		for (unsigned i = 0; i < n->nat.n_natpf; i++)
			json_array_append_new(rules, json_string(n->nat.natpf[i].name));
		json_object_set_new(o, "natpf", rules);
	}
	json_object_set_new(o, "trace", json_boolean(n->trace));
	if (n->trace)
		json_object_set_new(o, "trace_file", json_string(n->trace_file));
	return o;
}

int cmd_vm_stored_info(const char *vm, bool running, json_t **out, char *err, size_t errlen)
{
	char home[PATH_MAX];
	struct natd_config *cfg;
	struct natnet_store st;
	struct vm_store vs;
	char **argv = NULL;
	int argc = 0, i, rc;
	json_t *nics;

	*out = NULL;
	config_default_home(home, sizeof(home));
	rc = vm_store_load(&st, &vs, home, false, err, errlen);
	if (rc < 0)
		return rc;
	i = vm_store_find(&vs, vm);
	if (i < 0) {
		vm_store_release(&st, &vs);
		return errfmt(err, errlen, -ENOENT, "no stored VM '%s'", vm);
	}
	*out = json_pack("{s:s, s:s}", "name", vm, "state", running ? "running" : "not running");
	json_object_set_new(*out, "settings", settings_json(&vs.vms[i]));
	if (running) {
		vm_store_release(&st, &vs);
		return 0;
	}
	cfg = calloc(1, sizeof(*cfg));
	argv = calloc(4, sizeof(*argv));
	rc = -ENOMEM;
	if (cfg && argv && (argv[0] = strdup("run")) && (argv[1] = strdup("--name")) &&
	    (argv[2] = strdup(vm))) {
		argc = 3;
		rc = vm_def_argv(&vs.vms[i], &argc, &argv);
	}
	if (rc == 0) {
		config_init(cfg);
		rc = config_parse_run(cfg, argc, argv, err, errlen);
		if (rc == 0)
			rc = config_finish(cfg, err, errlen);
	}
	if (rc == 0) {
		nics = json_array();
		for (unsigned x = 1; x <= NATD_MAX_NICS; x++)
			if (cfg->nic[x - 1].mode != NIC_MODE_NONE)
				json_array_append_new(nics, nic_json(&cfg->nic[x - 1], x));
		json_object_set_new(*out, "nics", nics);
		config_free(cfg);
	} else if (rc != -ENOMEM) {
		/* a stored setting natd no longer accepts: show it, say why */
		json_object_set_new(*out, "problem", json_string(err));
		config_free(cfg);
		rc = 0;
	}
	vm_argv_free(argc ? argc : 3, argv);
	free(cfg);
	vm_store_release(&st, &vs);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return errfmt(err, errlen, rc, "out of memory");
	}
	return 0;
}

int cmd_vm_run_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err,
		    size_t errlen)
{
	char home[PATH_MAX], name[NATD_NAME_MAX] = "default";
	struct natnet_store st;
	struct vm_store vs;
	char **a;
	int n = 0, i, rc;

	*out_argc = 0;
	*out_argv = NULL;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			snprintf(name, sizeof(name), "%s", argv[i + 1]);
		else if (!strncmp(argv[i], "--name=", 7))
			snprintf(name, sizeof(name), "%s", argv[i] + 7);
	}
	if (!config_name_valid(name))
		return 0; /* config_parse_run says why */
	config_default_home(home, sizeof(home));
	rc = vm_store_load(&st, &vs, home, false, err, errlen);
	if (rc == -EACCES)
		return 0; /* NATD_HOME out of reach: run says so when it gets there */
	if (rc < 0)
		return rc;
	i = vm_store_find(&vs, name);
	if (i < 0) {
		vm_store_release(&st, &vs);
		return 0;
	}
	a = calloc(2, sizeof(*a));
	if (!a || !(a[0] = strdup(argv[0]))) {
		free(a);
		vm_store_release(&st, &vs);
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	}
	n = 1;
	{
		/* run's --nic<x> picks which stored settings apply */
		const char *over[NATD_MAX_NICS] = { 0 };

		for (int k = 1; k < argc; k++) {
			unsigned x;

			if (strncmp(argv[k], "--nic", 5) || !isdigit((unsigned char)argv[k][5]))
				continue;
			x = (unsigned)(argv[k][5] - '0');
			if (x < 1 || x > NATD_MAX_NICS)
				continue;
			if (argv[k][6] == '=')
				over[x - 1] = argv[k] + 7;
			else if (!argv[k][6] && k + 1 < argc)
				over[x - 1] = argv[k + 1];
		}
		rc = vm_def_argv_modes(&vs.vms[i], over, &n, &a);
	}
	vm_store_release(&st, &vs);
	for (i = 1; rc == 0 && i < argc; i++) {
		char **b = realloc(a, (size_t)(n + 2) * sizeof(*a));

		if (!b) {
			rc = -ENOMEM;
			break;
		}
		a = b;
		a[n] = strdup(argv[i]);
		a[n + 1] = NULL;
		if (!a[n]) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	if (rc < 0) {
		vm_argv_free(n, a);
		return errfmt(err, errlen, rc, "out of memory");
	}
	*out_argc = n;
	*out_argv = a;
	return 1;
}

/* Every --nicbandwidthgroup<x> of cfg names a group of d (NULL: none). */
static int check_bwgroups(const struct natd_config *cfg, const struct vm_def *d, char *err,
			  size_t errlen)
{
	for (unsigned x = 1; x <= NATD_MAX_NICS; x++) {
		const char *g = cfg->nic[x - 1].bandwidth_group;

		if (cfg->nic[x - 1].mode == NIC_MODE_NONE || !g[0] || !strcmp(g, "none"))
			continue;
		if (!d || vm_def_find_bwgroup(d, g) < 0)
			return errfmt(err, errlen, -ENOENT, "--nicbandwidthgroup%u: VM '%s' has "
				      "no bandwidth group '%s' (natd bandwidthctl %s add %s --type "
				      "network --limit RATE)", x, cfg->name, g, cfg->name, g);
	}
	return 0;
}

int cmd_vm_bwgroups(const struct natd_config *cfg, struct bw_table *t, char *err,
		    size_t errlen)
{
	struct natnet_store st;
	struct vm_store vs;
	const struct vm_def *d;
	int rc, i;

	rc = vm_store_load(&st, &vs, cfg->home, false, err, errlen);
	if (rc == -EACCES) /* NATD_HOME out of reach: no stored groups */
		return check_bwgroups(cfg, NULL, err, errlen);
	if (rc < 0)
		return rc;
	i = vm_store_find(&vs, cfg->name);
	d = i >= 0 ? &vs.vms[i] : NULL;
	rc = check_bwgroups(cfg, d, err, errlen);
	if (rc == 0)
		rc = bw_table_load(t, d, err, errlen);
	vm_store_release(&st, &vs);
	return rc;
}
