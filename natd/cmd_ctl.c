/* SPDX-License-Identifier: MIT */
/*
 * cmd_ctl.c - `natd showvminfo` and `natd controlvm`: parse the command line,
 * send one request to the running natd of the VM over its control socket
 * ($NATD_HOME/run/VM.ctl) with ctl_call(), and print the answer. The natd
 * side of these commands is registered with ctl_server_register() by
 * `natd run`.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "natd/cmd_ctl.h"
#include "natd/cmd_usage.h"
#include "natd/cmd_vm.h"
#include "natd/config.h"
#include "natd/vm_store.h"
#include "natd/ctl_client.h"
#include "natd/ctl_vm.h"

#define CMD_CTL_TIMEOUT_MS 5000

static const char showvminfo_help[] =
"Usage: natd showvminfo VM [--machinereadable]\n"
"\n"
"Shows what the natd running VM is doing: NICs, leases, port-forwarding\n"
"rules (with connections forwarded and refused), flows, DNS and drop\n"
"counters. It asks over $NATD_HOME/run/VM.ctl.\n"
"\n"
"  --machinereadable   one key=\"value\" per line (nested keys joined with '_',\n"
"                      list items numbered from 1), as VBoxManage prints\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 done, 1 natd not running or refused, 2 usage error.\n";

static const char controlvm_help[] =
"Usage: natd controlvm VM SUBCOMMAND [ARGS...]\n"
"\n"
"Changes the running natd of VM (over $NATD_HOME/run/VM.ctl). Subcommands:\n"
"  natpf<x> NAME,PROTO,HOSTIP,HOSTPORT,GUESTIP,GUESTPORT   add a port forward\n"
"  natpf<x> delete NAME                                    remove one\n"
"  setlinkstate<x> on|off                                  plug/unplug the cable\n"
"  nicpromisc<x> deny|allow-vms|allow-all                  promiscuous policy\n"
"                                                          of a natnetwork,\n"
"                                                          intnet, hostonly or\n"
"                                                          bridged adapter\n"
"  nictrace<x> on|off                                      start/stop packet\n"
"                                                          capture (pcap)\n"
"  nictracefile<x> FILE                                    capture into FILE\n"
"                                                          (at once when on)\n"
"  nicbandwidthgroup<x> NAME|none                          join bandwidth group\n"
"                                                          NAME (natd\n"
"                                                          bandwidthctl), or\n"
"                                                          leave it\n"
"\n"
"Nothing is printed on success.\n"
"\n"
"Exit status: 0 done, 1 natd not running or refused the change (nothing\n"
"applied), 2 usage error: an unknown subcommand or a bad value, checked\n"
"before natd is asked.\n";

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* $NATD_HOME/run/VM.ctl. Returns 0 or -ENAMETOOLONG. */
static int ctl_path(const char *vm, char *out, size_t outlen)
{
	char home[PATH_MAX];

	config_default_home(home, sizeof(home));
	if ((size_t)snprintf(out, outlen, "%s/run/%s.ctl", home, vm) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* Sends command to VM's natd; on success *result is a new reference. */
static int call_vm(const char *prog, const char *vm, const char *command, json_t *args,
		   json_t **result)
{
	char path[PATH_MAX], err[512];
	int r;

	if (ctl_path(vm, path, sizeof(path)) < 0) {
		esc_fprintf(stderr, "natd %s: control socket path too long (NATD_HOME)\n", prog);
		return 1;
	}
	r = ctl_call(path, command, args, CMD_CTL_TIMEOUT_MS, result, err, sizeof(err));
	if (r < 0) {
		esc_fprintf(stderr, "natd %s: %s\n", prog, err);
		return 1;
	}
	return 0;
}

int cmd_showvminfo(int argc, char **argv)
{
	char home[PATH_MAX], err[768];
	const char *vm = NULL;
	json_t *result = NULL, *stored = NULL;
	bool machine = false, running;
	int rc, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(showvminfo_help, stdout);
			return 0;
		}
		if (!strcmp(a, "--machinereadable")) {
			machine = true;
		} else if (a[0] == '-' && a[1]) {
			return cmd_usage("showvminfo", NULL, "unknown option '%s'", a);
		} else if (!vm) {
			vm = a;
		} else {
			esc_fprintf(stderr, "natd showvminfo: unexpected argument '%s'\n", a);
			return 2;
		}
	}
	if (!vm) {
		fputs("natd showvminfo: which VM? (usage: natd showvminfo VM "
		      "[--machinereadable])\n", stderr);
		return 2;
	}
	if (!config_name_valid(vm)) {
		esc_fprintf(stderr, "natd showvminfo: '%s' is not a valid VM name\n", vm);
		return 2;
	}
	config_default_home(home, sizeof(home));
	running = vm_running(home, vm);
	r = cmd_vm_stored_info(vm, running, &stored, err, sizeof(err));
	if (r < 0 && r != -ENOENT) {
		esc_fprintf(stderr, "natd showvminfo: %s\n", err);
		return 1;
	}
	if (!running && stored) {
		ctl_print_result(stdout, stored, machine);
		json_decref(stored);
		return 0;
	}
	rc = call_vm("showvminfo", vm, "showvminfo", NULL, &result);
	if (rc == 0) {
		if (stored)
			json_object_set(result, "settings", json_object_get(stored, "settings"));
		ctl_print_result(stdout, result, machine);
	}
	json_decref(stored);
	json_decref(result);
	return rc;
}

int cmd_controlvm(int argc, char **argv)
{
	json_t *args = NULL, *list, *result = NULL, *msg;
	struct ctl_vm_cmd cmd;
	char err[512];
	int rc;

	if (argc > 1 && is_help(argv[1])) {
		fputs(controlvm_help, stdout);
		return 0;
	}
	if (argc < 3) {
		fputs("natd controlvm: expected a VM and a subcommand (usage: natd controlvm "
		      "VM SUBCOMMAND [ARGS...])\n", stderr);
		return 2;
	}
	if (!config_name_valid(argv[1])) {
		esc_fprintf(stderr, "natd controlvm: '%s' is not a valid VM name\n", argv[1]);
		return 2;
	}
	list = json_array();
	args = json_pack("{s:s,s:o}", "subcommand", argv[2], "argv", list);
	if (!args) {
		fputs("natd controlvm: out of memory\n", stderr);
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		if (json_array_append_new(list, json_string(argv[i])) < 0) {
			esc_fprintf(stderr, "natd controlvm: argument %d is not valid UTF-8\n", i);
			rc = 2;
			goto out;
		}
	}
	/* the subcommand and its arguments are checked here first, as the VM's
	 * natd checks them: a bad one is a usage error (2), running VM or not */
	if (ctl_vm_parse_sub(args, &cmd, err, sizeof(err)) < 0 ||
	    ctl_vm_parse_args(&cmd, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd controlvm: %s\n", err);
		rc = 2;
		goto out;
	}
	rc = call_vm("controlvm", argv[1], "controlvm", args, &result);
	if (rc == 0) {
		msg = json_object_get(result, "message");
		if (json_is_string(msg))
			printf("%s\n", json_string_value(msg));
	}
out:
	json_decref(result);
	json_decref(args);
	return rc;
}
