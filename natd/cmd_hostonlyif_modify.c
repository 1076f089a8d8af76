/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif_modify.c - `natd hostonlyif modify IF --uplink SPEC|none`:
 * a host-only interface's switch joins a UDP tunnel or VDE switch
 * (l2/uplink.h), so that the host-only network spans hosts, as `natd
 * intnet modify --uplink` does for internal networks.
 *
 * Under natd.json's lock: the definition is read, the switch (when VMs are
 * attached and so it runs) takes the new uplink first, then natd.json is
 * written; when writing fails the switch gets its old uplink back, so
 * nothing is left half-applied.
 */
#include "natd/cmd_hostonlyif.h"
#include "natd/cmd_hostonlyif_internal.h"
#include "natd/cmd_usage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "natd/config.h"
#include "natd/hostonly_store.h"
#include "natd/intnet_service.h"

/* IF and the uplink's text from argv. 0, 1 for --help, 2 after a usage error. */
static int parse_modify(int argc, char **argv, const char **ifname, const char **uplink)
{
	*ifname = *uplink = NULL;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (strncmp(a, "--", 2)) {
			if (*ifname)
				return cmd_usage("hostonlyif", "modify", "unexpected argument '%s'", a);
			*ifname = a;
			continue;
		}
		if (n != 8 || strncmp(a, "--uplink", 8))
			return cmd_usage("hostonlyif", "modify", "unknown option '%.*s'", (int)n, a);
		if (!eq && i + 1 >= argc)
			return cmd_usage("hostonlyif", "modify", "--uplink: missing value");
		*uplink = eq ? eq + 1 : argv[++i];
	}
	if (!*ifname || !*uplink) {
		esc_fprintf(stderr, "natd hostonlyif modify: %s (natd hostonlyif modify vboxnetN "
			"--uplink SPEC|none; see natd hostonlyif modify --help)\n",
			!*ifname ? "which interface?" : "nothing to change");
		return 2;
	}
	return 0;
}

int hostonlyif_modify(int argc, char **argv)
{
	char home[PATH_MAX], err[1024], why[512];
	const char *ifname, *uplink;
	struct hostonly_db db;
	struct hostonly_def old, d;
	struct uplink u;
	bool live = false;
	int i, rc = parse_modify(argc, argv, &ifname, &uplink);

	if (rc == 1) {
		fputs(hostonlyif_modify_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	if (!strcmp(uplink, "none"))
		uplink = "";
	if (*uplink && (strlen(uplink) >= sizeof(d.uplink) ||
			uplink_parse(uplink, &u, err, sizeof(err)) < 0))
		return cmd_usage("hostonlyif", "modify", "--uplink: %s",
				 strlen(uplink) >= sizeof(d.uplink) ? "too long" : err);
	config_default_home(home, sizeof(home));
	if (hostonly_db_load(&db, home, true, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd hostonlyif modify: %s\n", err);
		return 1;
	}
	rc = 1;
	i = hostonly_store_find(&db.hs, ifname);
	if (i < 0) {
		esc_fprintf(stderr, "natd hostonlyif modify: no host-only interface '%s' (natd list "
			"hostonlyifs)\n", ifname);
		goto out;
	}
	old = d = db.hs.defs[i];
	snprintf(d.uplink, sizeof(d.uplink), "%s", uplink);
	if (strcmp(old.uplink, d.uplink)) {
		int k = switchd_set_uplink(SWITCHD_HOSTONLY, home, d.name, d.uplink, err,
					   sizeof(err));

		if (k < 0 && k != -ESRCH) {
			esc_fprintf(stderr, "natd hostonlyif modify: %s: %s (nothing changed)\n",
				d.name, err);
			goto out;
		}
		live = k == 0;
	}
	db.hs.defs[i] = d;
	if (hostonly_db_save(&db, err, sizeof(err)) < 0) {
		if (live && switchd_set_uplink(SWITCHD_HOSTONLY, home, d.name, old.uplink, why,
					       sizeof(why)) < 0)
			esc_fprintf(stderr, "natd hostonlyif modify: %s: the old uplink could not be "
				"restored: %s\n", d.name, why);
		esc_fprintf(stderr, "natd hostonlyif modify: %s (nothing changed)\n", err);
		goto out;
	}
	rc = 0;
out:
	hostonly_db_release(&db);
	return rc;
}
