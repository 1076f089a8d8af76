/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `natd list KIND`, in VBoxManage list's words and layouts.
 *
 * Each kind is one entry of kinds[] (name, one line for --help, the
 * function that prints it). Listing reads natd.json without its lock
 * (writers replace it atomically) and changes nothing.
 */
#include "natd/cmd_list.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"
#include "base/bytes.h"
#include "natd/config.h"
#include "natd/daemon.h"
#include "natd/cmd_hostonlyif.h"
#include "natd/dhcpsrv_store.h"
#include "natd/cmd_bandwidthctl.h"
#include "natd/cmd_vm.h"
#include "natd/intnet_service.h"

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

/* Internal networks that exist now (a VM is on them), with their ports. */
static int list_intnets(void)
{
	char home[PATH_MAX], dir[PATH_MAX];
	struct dirent **names;
	int n, shown = 0;

	config_default_home(home, sizeof(home));
	if (intnet_run_path(home, NULL, NULL, dir, sizeof(dir)) < 0) {
		esc_fprintf(stderr, "natd list intnets: NATD_HOME is too long\n");
		return 1;
	}
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0; /* no internal network was ever made here */
	for (int i = 0; i < n; i++) {
		char name[NATD_NAME_MAX], pid[PATH_MAX];
		size_t len = strlen(names[i]->d_name);

		if (len > 4 && len - 4 < sizeof(name) && !strcmp(names[i]->d_name + len - 4, ".pid")) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - 4), names[i]->d_name);
			if (config_name_valid(name) &&
			    intnet_run_path(home, name, "pid", pid, sizeof(pid)) == 0 &&
			    daemon_running(pid, NULL) == 1) {
				if (shown++)
					printf("\n");
				list_one_intnet(home, name);
			}
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static const struct list_kind {
	const char *name;
	const char *what;
	int (*fn)(void);
} kinds[] = {
	{ "dhcpservers", "DHCP servers of internal networks and host-only interfaces",
	  list_dhcpservers },
	{ "intnets", "internal networks that exist now (a VM is on them) and their ports",
	  list_intnets },
	{ "vms", "VMs with stored settings (natd modifyvm)", cmd_vm_list_vms },
	{ "runningvms", "VMs a natd run serves now", cmd_vm_list_running },
	{ "hostonlyifs", "host-only interfaces: addresses, MAC, status, DHCP server, VMs",
	  hostonlyif_list },
};

static void known_kinds(FILE *out, const char *sep)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		fprintf(out, "%s%s", i ? sep : "", kinds[i].name);
}

static void help(void)
{
	printf("Usage: natd list KIND\n"
	       "\n"
	       "Shows what natd knows of, as VBoxManage list does. KIND is one of:\n");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		printf("  %-16s %s\n", kinds[i].name, kinds[i].what);
	printf("  %-16s %s\n", "bwgroups VM", "VM's bandwidth groups (natd bandwidthctl)");
	printf("\n"
	       "NAT networks: natd natnetwork list.\n"
	       "\n"
	       "Exit status: 0 done, 1 failed (e.g. natd.json does not load), 2 usage\n"
	       "error.\n");
}

int cmd_list(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : NULL;

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
	if (!strcmp(kind, "bwgroups")) { /* the one kind that takes a VM */
		bool machine = argc > 3 && !strcmp(argv[3], "--machinereadable");

		if (argc < 3 || argc > 4 || (argc == 4 && !machine)) {
			esc_fprintf(stderr, "natd list bwgroups: usage: natd list bwgroups VM "
				"[--machinereadable]\n");
			return 2;
		}
		return cmd_bandwidthctl_list(argv[2], machine);
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kind, kinds[i].name))
			continue;
		for (int k = 2; k < argc; k++) {
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				help();
				return 0;
			}
			esc_fprintf(stderr, "natd list %s: unexpected argument '%s'\n", kind, argv[k]);
			return 2;
		}
		return kinds[i].fn();
	}
	esc_fprintf(stderr, "natd list: unknown kind '%s' (known: ", kind);
	known_kinds(stderr, ", ");
	esc_fprintf(stderr, ")\n");
	return 2;
}
