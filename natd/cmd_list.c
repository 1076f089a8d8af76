/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `natd list KIND`, in VBoxManage list's words and layouts.
 *
 * Each kind is one entry of kinds[] (name, one line for --help, the
 * function that prints it); `list intnets` and `list hostonlyifs` join the
 * table when their modes exist. Listing reads natd.json without its lock
 * (writers replace it atomically) and changes nothing.
 */
#include "natd/cmd_list.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "natd/config.h"
#include "natd/dhcpsrv_store.h"

/* DHCP servers, as VBoxManage list dhcpservers shows them. */
static int list_dhcpservers(void)
{
	char home[PATH_MAX], err[1024], a[INET_ADDRSTRLEN], mac[18];
	struct natnet_store st;
	struct dhcpsrv_store ds;

	config_default_home(home, sizeof(home));
	if (dhcpsrv_store_load(&st, &ds, home, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "natd list dhcpservers: %s\n", err);
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

static const struct list_kind {
	const char *name;
	const char *what;
	int (*fn)(void);
} kinds[] = {
	{ "dhcpservers", "DHCP servers of internal networks and host-only interfaces",
	  list_dhcpservers },
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
		fprintf(stderr, "natd list: %s (known: ", kind ? "options come after KIND" :
			"which KIND?");
		known_kinds(stderr, ", ");
		fprintf(stderr, "; see natd list --help)\n");
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kind, kinds[i].name))
			continue;
		for (int k = 2; k < argc; k++) {
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				help();
				return 0;
			}
			fprintf(stderr, "natd list %s: unexpected argument '%s'\n", kind, argv[k]);
			return 2;
		}
		return kinds[i].fn();
	}
	fprintf(stderr, "natd list: unknown kind '%s' (known: ", kind);
	known_kinds(stderr, ", ");
	fprintf(stderr, ")\n");
	return 2;
}
