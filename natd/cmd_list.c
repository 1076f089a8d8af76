/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `natd list KIND [--machinereadable|--json]`, in VBoxManage
 * list's words and layouts.
 *
 * Each kind is one entry of kinds[]: its name, one line for --help, the
 * function that prints it for people, and the one that gives the same as
 * data (a JSON list, one item per thing listed) for scripts: --json prints
 * that list, --machinereadable flattens {"KIND": list} into VBoxManage's
 * key="value" lines (natd/ctl_client.h: vms_1_name="web"). Listing reads
 * natd.json without its lock (writers replace it atomically) and changes
 * nothing.
 */
#include "natd/cmd_list.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"
#include "base/log.h"
#include "base/bytes.h"
#include "natd/config.h"
#include "natd/daemon.h"
#include "natd/cmd_hostonlyif.h"
#include "natd/dhcpsrv_store.h"
#include "natd/cmd_bandwidthctl.h"
#include "natd/cmd_vm.h"
#include "natd/bwgroup.h"
#include "natd/cmd_natnetwork.h"
#include "natd/ctl_client.h"
#include "natd/intnet_service.h"
#include "natd/natnet_service.h"
#include "natd/vm_store.h"

/* DHCP servers, as VBoxManage list dhcpservers shows them. */
static int list_dhcpservers(void)
{
	char home[PATH_MAX], err[1024], a[INET_ADDRSTRLEN], mac[18];
	struct natnet_store st;
	struct dhcpsrv_store ds;

	config_default_home(home, sizeof(home));
	if (dhcpsrv_store_load(&st, &ds, home, false, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd list dhcpservers: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < ds.n; i++) {
		const struct dhcpsrv_def *d = &ds.defs[i];

		if (i > 0)
			printf("\n");
		printf("NetworkName:    %s\n", d->network);
		printf("Dhcpd IP:       %s\n", inet_ntop(AF_INET, &d->server_ip, a, sizeof(a)));
		printf("LowerIPAddress: %s\n", inet_ntop(AF_INET, &d->lower_ip, a, sizeof(a)));
		printf("UpperIPAddress: %s\n", inet_ntop(AF_INET, &d->upper_ip, a, sizeof(a)));
		printf("NetworkMask:    %s\n", inet_ntop(AF_INET, &d->netmask, a, sizeof(a)));
		printf("Enabled:        %s\n", d->enabled ? "Yes" : "No");
		printf("Global Configuration:\n");
		printf("    LeaseTime: %u\n", d->lease_time);
		for (unsigned k = 0; k < d->n_opts; k++)
			printf("    %u: %s%s\n", d->opts[k].code, d->opts[k].value,
			       d->opts[k].hex ? " (hex)" : "");
		printf("Individual Configs:%s\n", d->n_fixed + d->n_vm_fixed ? "" : " None");
		for (unsigned k = 0; k < d->n_fixed; k++) {
			dhcpsrv_format_mac(d->fixed[k].mac, mac, sizeof(mac));
			printf("    MAC %s: fixed address %s\n", mac,
			       inet_ntop(AF_INET, &d->fixed[k].addr, a, sizeof(a)));
		}
		for (unsigned k = 0; k < d->n_vm_fixed; k++)
			printf("    VM %s NIC %u: fixed address %s\n", d->vm_fixed[k].vm,
			       d->vm_fixed[k].nic,
			       inet_ntop(AF_INET, &d->vm_fixed[k].addr, a, sizeof(a)));
	}
	dhcpsrv_store_release(&st, &ds);
	return 0;
}

/* One running internal network, from its daemon's status. */
static void list_one_intnet(const char *home, const char *name)
{
	json_t *st = NULL, *port;
	char err[512];
	size_t i;

	if (intnet_service_status(home, name, &st, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd list intnets: %s: %s\n", name, err);
		return;
	}
	printf("Name:        %s\n", name);
	printf("VMs:         %lld\n", (long long)json_integer_value(json_object_get(st,
									"vms_attached")));
	printf("Switched:    %lld frames, %lld flooded, %lld dropped\n",
	       (long long)json_integer_value(json_object_get(st, "frames_switched")),
	       (long long)json_integer_value(json_object_get(st, "frames_flooded")),
	       (long long)json_integer_value(json_object_get(st, "frames_dropped")));
	if (json_is_object(json_object_get(st, "uplink"))) {
		json_t *u = json_object_get(st, "uplink");

		printf("Uplink:      %s (%s, via %s)\n", json_string_value(json_object_get(u, "spec")),
		       json_is_true(json_object_get(u, "up")) ? "up" : "down",
		       json_string_value(json_object_get(u, "transport")));
	}
	json_array_foreach(json_object_get(st, "ports"), i, port) {
		const char *vm = json_string_value(json_object_get(port, "vm"));
		const char *mac = json_string_value(json_object_get(port, "mac"));

		printf("    port %lld: ", (long long)json_integer_value(json_object_get(port,
											 "port")));
		if (json_is_true(json_object_get(port, "host")))
			printf("natd's own (DHCP server)");
		else if (json_is_true(json_object_get(port, "uplink")))
			printf("the uplink");
		else if (vm && vm[0])
			printf("VM %s adapter %lld", vm,
			       (long long)json_integer_value(json_object_get(port, "adapter")));
		else
			printf("a VM connected directly (pid %lld)",
			       (long long)json_integer_value(json_object_get(port, "pid")));
		printf(", MAC %s, promiscuous policy %s, frames in %lld out %lld, dropped %lld\n",
		       mac && mac[0] ? mac : "unknown",
		       json_string_value(json_object_get(port, "promisc")),
		       (long long)json_integer_value(json_object_get(port, "rx_frames")),
		       (long long)json_integer_value(json_object_get(port, "tx_frames")),
		       (long long)(json_integer_value(json_object_get(port, "rx_dropped")) +
				   json_integer_value(json_object_get(port, "tx_dropped"))));
	}
	json_decref(st);
}

/* The internal networks that exist now (their daemon runs), sorted: a
 * JSON list of names; NULL with err. */
static json_t *intnet_names(const char *home, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct dirent **names;
	json_t *arr;
	int n;

	if (intnet_run_path(home, NULL, NULL, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "NATD_HOME is too long");
		return NULL;
	}
	arr = json_array();
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return arr; /* no internal network was ever made here */
	for (int i = 0; i < n; i++) {
		char name[NATD_NAME_MAX], pid[PATH_MAX];
		size_t len = strlen(names[i]->d_name);

		if (len > 4 && len - 4 < sizeof(name) && !strcmp(names[i]->d_name + len - 4, ".pid")) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - 4), names[i]->d_name);
			if (config_name_valid(name) &&
			    intnet_run_path(home, name, "pid", pid, sizeof(pid)) == 0 &&
			    daemon_running(pid, NULL) == 1)
				json_array_append_new(arr, json_string(name));
		}
		free(names[i]);
	}
	free(names);
	return arr;
}

/* Internal networks that exist now (a VM is on them), with their ports. */
static int list_intnets(void)
{
	char home[PATH_MAX], err[256];
	json_t *arr, *v;
	size_t i;

	config_default_home(home, sizeof(home));
	arr = intnet_names(home, err, sizeof(err));
	if (!arr) {
		esc_fprintf(stderr, "natd list intnets: %s\n", err);
		return 1;
	}
	json_array_foreach(arr, i, v) {
		if (i)
			printf("\n");
		list_one_intnet(home, json_string_value(v));
	}
	json_decref(arr);
	return 0;
}

static int list_natnetworks(void)
{
	char *args[] = { "natnetwork", "list", NULL };

	return cmd_natnetwork(2, args);
}

/* --- the same as data ------------------------------------------------------- */

static json_t *json_intnets(const char *arg, char *err, size_t errlen)
{
	char home[PATH_MAX];
	json_t *names, *arr, *v, *st;
	size_t i;

	(void)arg;
	config_default_home(home, sizeof(home));
	names = intnet_names(home, err, errlen);
	if (!names)
		return NULL;
	arr = json_array();
	json_array_foreach(names, i, v) {
		char why[512];

		/* one that ended since: left out */
		if (intnet_service_status(home, json_string_value(v), &st, why, sizeof(why)) == 0)
			json_array_append_new(arr, st);
	}
	json_decref(names);
	return arr;
}

static json_t *json_dhcpservers(const char *arg, char *err, size_t errlen)
{
	char home[PATH_MAX];
	struct natnet_store st;
	struct dhcpsrv_store ds;
	json_t *arr;

	(void)arg;
	config_default_home(home, sizeof(home));
	if (dhcpsrv_store_load(&st, &ds, home, false, err, errlen) < 0)
		return NULL;
	arr = dhcpsrv_store_to_json(&ds);
	dhcpsrv_store_release(&st, &ds);
	return arr;
}

static json_t *json_natnetworks(const char *arg, char *err, size_t errlen)
{
	char home[PATH_MAX];
	struct natnet_store st;
	json_t *arr;

	(void)arg;
	config_default_home(home, sizeof(home));
	if (natnet_store_load(&st, home, false, err, errlen) < 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < st.n; i++) {
		json_t *o = natnet_def_to_json(&st.defs[i]);
		pid_t pid = 0;

		json_object_set_new(o, "running", json_boolean(natnet_service_running(
					    home, st.defs[i].name, &pid) == 1));
		json_array_append_new(arr, o);
	}
	natnet_store_release(&st);
	return arr;
}

static json_t *json_vms(const char *arg, char *err, size_t errlen)
{
	char home[PATH_MAX];
	struct natnet_store st;
	struct vm_store vs;
	json_t *arr;

	(void)arg;
	config_default_home(home, sizeof(home));
	if (vm_store_load(&st, &vs, home, false, err, errlen) < 0)
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < vs.n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:b}", "name", vs.vms[i].name,
						     "running", vm_running(home, vs.vms[i].name)));
	vm_store_release(&st, &vs);
	return arr;
}

static json_t *json_runningvms(const char *arg, char *err, size_t errlen)
{
	json_t *names = cmd_vm_running_names(), *arr = json_array(), *v;
	size_t i;

	(void)arg;
	(void)err;
	(void)errlen;
	json_array_foreach(names, i, v)
		json_array_append_new(arr, json_pack("{s:O}", "name", v));
	json_decref(names);
	return arr;
}

static json_t *json_hostonlyifs(const char *arg, char *err, size_t errlen)
{
	(void)arg;
	return hostonlyif_list_json(err, errlen);
}

static json_t *json_bwgroups(const char *vm, char *err, size_t errlen)
{
	char home[PATH_MAX];
	struct natnet_store st;
	struct vm_store vs;
	json_t *arr;
	int i;

	config_default_home(home, sizeof(home));
	if (vm_store_load(&st, &vs, home, false, err, errlen) < 0)
		return NULL;
	i = vm_store_find(&vs, vm);
	if (i < 0 && !vm_running(home, vm)) {
		errfmt(err, errlen, -ENOENT, "no VM '%s' (natd list vms, natd list runningvms)", vm);
		vm_store_release(&st, &vs);
		return NULL;
	}
	arr = json_array();
	for (size_t k = 0; i >= 0 && k < vs.vms[i].n_bw; k++) {
		const struct vm_bwgroup *g = &vs.vms[i].bw[k];
		uint64_t rate = 0;

		bw_parse_rate(g->limit, &rate);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "name", g->name,
						     "type", "network", "limit", g->limit,
						     "bytes_per_s", (json_int_t)rate));
	}
	vm_store_release(&st, &vs);
	return arr;
}

static int list_bwgroups(void)
{
	return 0; /* bwgroups takes a VM: cmd_list() calls cmd_bandwidthctl_list() */
}

static const struct list_kind {
	const char *name;
	const char *what;
	int (*fn)(void);
	json_t *(*json)(const char *arg, char *err, size_t errlen);
} kinds[] = {
	{ "dhcpservers", "DHCP servers of internal networks and host-only interfaces",
	  list_dhcpservers, json_dhcpservers },
	{ "intnets", "internal networks that exist now (VMs on them), their ports",
	  list_intnets, json_intnets },
	{ "vms", "VMs with stored settings (natd modifyvm)", cmd_vm_list_vms, json_vms },
	{ "runningvms", "VMs a natd run serves now", cmd_vm_list_running, json_runningvms },
	{ "hostonlyifs", "host-only interfaces: addresses, MAC, DHCP server, uplink, VMs",
	  hostonlyif_list, json_hostonlyifs },
	{ "natnetworks", "NAT networks (as natd natnetwork list shows them)",
	  list_natnetworks, json_natnetworks },
	{ "bwgroups", "bwgroups VM: the VM's bandwidth groups (natd bandwidthctl)",
	  list_bwgroups, json_bwgroups },
};

static void known_kinds(FILE *out, const char *sep)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		fprintf(out, "%s%s", i ? sep : "", kinds[i].name);
}

static void help(void)
{
	printf("Usage: natd list KIND [--machinereadable|--json]\n"
	       "       natd list bwgroups VM [--machinereadable|--json]\n"
	       "\n"
	       "Shows what natd knows of, as VBoxManage list does. KIND is one of:\n");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		printf("  %-14s %s\n", kinds[i].name, kinds[i].what);
	printf("\n"
	       "  --machinereadable  for scripts: one key=\"value\" line per value, as\n"
	       "                     VBoxManage --machinereadable, keys named after\n"
	       "                     KIND, the item's number from 1 and the field,\n"
	       "                     joined with '_' (vms_1_name=\"web\",\n"
	       "                     natnetworks_2_port_forward_4_1=\"ssh:tcp:...\");\n"
	       "                     booleans \"true\"/\"false\"; nothing when the list\n"
	       "                     is empty\n"
	       "  --json             for scripts: the same data as one JSON list, an\n"
	       "                     object per item (natd.json's fields, and for\n"
	       "                     running networks their live state)\n"
	       "\n"
	       "Fields of the items: vms: name, running; runningvms: name;\n"
	       "natnetworks: the definition (natd.json's) and running; intnets: the\n"
	       "switch's status (name, ports, counters, uplink); hostonlyifs: the\n"
	       "definition, hardware_address, status, network_name, dhcp_server, vms\n"
	       "and, while its switch runs with an uplink, uplink_state; dhcpservers:\n"
	       "the definitions (natd.json's); bwgroups: name, type, limit,\n"
	       "bytes_per_s.\n"
	       "\n"
	       "Exit status: 0 done, 1 failed (e.g. natd.json does not load), 2 usage\n"
	       "error.\n");
}

/* Prints kind's data for scripts: 0, or 1 after saying why not. */
static int print_data(const struct list_kind *k, const char *arg, bool machine)
{
	char err[1024] = "";
	json_t *data = k->json(arg, err, sizeof(err));
	char *text;

	if (!data) {
		esc_fprintf(stderr, "natd list %s: %s\n", k->name, err[0] ? err : "out of memory");
		return 1;
	}
	if (machine) {
		json_t *wrap = json_pack("{s:o}", k->name, data);

		ctl_print_result(stdout, wrap, 1);
		json_decref(wrap);
		return 0;
	}
	text = json_dumps(data, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(data);
	if (!text) {
		esc_fprintf(stderr, "natd list %s: out of memory\n", k->name);
		return 1;
	}
	printf("%s\n", text);
	free(text);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : NULL, *vm = NULL, *format = NULL;
	const struct list_kind *k = NULL;

	if (kind && (!strcmp(kind, "--help") || !strcmp(kind, "-h") || !strcmp(kind, "help"))) {
		help();
		return 0;
	}
	if (!kind || kind[0] == '-') {
		esc_fprintf(stderr, "natd list: %s (known: ", kind ? "options come after KIND" :
			"which KIND?");
		known_kinds(stderr, ", ");
		esc_fprintf(stderr, "; see natd list --help)\n");
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i].name))
			k = &kinds[i];
	if (!k) {
		esc_fprintf(stderr, "natd list: unknown kind '%s' (known: ", kind);
		known_kinds(stderr, ", ");
		esc_fprintf(stderr, ")\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help();
			return 0;
		}
		if (!strcmp(a, "--machinereadable") || !strcmp(a, "--json")) {
			if (format && strcmp(format, a)) {
				esc_fprintf(stderr, "natd list %s: --machinereadable or --json, not "
					"both\n", kind);
				return 2;
			}
			format = a;
		} else if (k->fn == list_bwgroups && !vm && a[0] != '-') {
			vm = a; /* the one kind that takes a VM */
		} else {
			esc_fprintf(stderr, "natd list %s: unexpected argument '%s' (see natd list "
				"--help)\n", kind, a);
			return 2;
		}
	}
	if (k->fn == list_bwgroups && !vm) {
		esc_fprintf(stderr, "natd list bwgroups: usage: natd list bwgroups VM "
			"[--machinereadable|--json]\n");
		return 2;
	}
	if (format)
		return print_data(k, vm, !strcmp(format, "--machinereadable"));
	if (vm)
		return cmd_bandwidthctl_list(vm, false);
	return k->fn();
}
