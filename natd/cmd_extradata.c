/* SPDX-License-Identifier: MIT */
/*
 * cmd_extradata.c - `natd setextradata global "NAT/NAME/SourceIp4" IP` and
 * `natd getextradata global KEY|enumerate` (VirtualBox manual 6.4: "Binding
 * NAT sockets to a specific interface" of a NAT network).
 *
 * natd keeps no extra-data store: the key is another name for NAT network
 * NAME's --source-ip4, so setextradata is `natd natnetwork modify --netname
 * NAME --source-ip4 IP` (checks, natd.json's lock, the running network
 * changed live, all or nothing) and getextradata reads the definition.
 */
#include "natd/cmd_extradata.h"
#include "natd/cmd_usage.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "base/hostaddr.h"
#include "natd/cmd_natnetwork.h"
#include "natd/config.h"
#include "natd/natnet_def.h"
#include "natd/natnet_store.h"

#define KEY_PREFIX "NAT/"
#define KEY_SUFFIX "/SourceIp4"

static const char setextradata_help[] =
"Usage: natd setextradata global NAT/NAME/SourceIp4 [IP]\n"
"\n"
"The manual's way (VBoxManage setextradata, section 6.4) of binding a NAT\n"
"network's outgoing host sockets (TCP connections, UDP, ping) to IP, an\n"
"address of this host: the same as natd natnetwork modify --netname NAME\n"
"--source-ip4 IP. Without IP (or with an empty one) the setting is removed\n"
"and the kernel picks the source address again. An address the host does\n"
"not have is refused; a running network takes the change at once (for new\n"
"flows); it is kept in natd.json with the network's definition.\n"
"\n"
"natd has no other extra data: other keys, and targets other than global,\n"
"are refused.\n"
"\n"
"Exit status: 0 done, 1 refused (nothing changed), 2 usage error.\n";

static const char getextradata_help[] =
"Usage: natd getextradata global NAT/NAME/SourceIp4\n"
"       natd getextradata global enumerate\n"
"\n"
"Prints \"Value: IP\" (or \"No value set!\") for a NAT network's SourceIp4\n"
"(natd setextradata --help), as VBoxManage getextradata does; enumerate\n"
"prints \"Key: NAT/NAME/SourceIp4, Value: IP\" for every NAT network that\n"
"has one.\n"
"\n"
"Exit status: 0 done, 1 natd.json does not load, 2 usage error.\n";

/* NAME of "NAT/NAME/SourceIp4" into name; 0, or 2 after a usage message. */
static int parse_key(const char *cmd, const char *key, char *name, size_t len)
{
	size_t kl = strlen(key), pl = strlen(KEY_PREFIX), sl = strlen(KEY_SUFFIX);

	if (kl > pl + sl && !strncmp(key, KEY_PREFIX, pl) && !strcmp(key + kl - sl, KEY_SUFFIX) &&
	    kl - pl - sl < len) {
		snprintf(name, len, "%.*s", (int)(kl - pl - sl), key + pl);
		if (config_name_valid(name))
			return 0;
	}
	esc_fprintf(stderr, "natd %s: unknown key '%s': natd knows only NAT/NAME/SourceIp4 "
		"(NAME a NAT network; see natd %s --help)\n", cmd, key, cmd);
	return 2;
}

/* Checks "global" and the number of arguments; 0, 1 for --help, 2. */
static int parse_common(const char *cmd, int argc, char **argv, int max)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	if (argc < 3 || argc > max) {
		esc_fprintf(stderr, "natd %s: %s (natd %s global KEY ...; see natd %s --help)\n",
			cmd, argc < 3 ? "missing arguments" : "too many arguments", cmd, cmd);
		return 2;
	}
	if (strcmp(argv[1], "global")) {
		esc_fprintf(stderr, "natd %s: '%s': natd keeps extra data for global only (NAT "
			"network settings: global NAT/NAME/SourceIp4)\n", cmd, argv[1]);
		return 2;
	}
	return 0;
}

/*
 * What natnetwork modify would refuse, said in setextradata's words: a bad
 * address, no such network, an address the host does not have or cannot
 * use as a source. 0, or the exit status after the message.
 */
static int check_source(const char *name, const char *value)
{
	char home[PATH_MAX], err[1024];
	struct natnet_store st;
	struct natnet_def d;
	struct in_addr a = { 0 };
	int i, rc = 0;

	if (*value && inet_pton(AF_INET, value, &a) != 1)
		return cmd_usage("setextradata", NULL, "'%s' is not an IPv4 address", value);
	config_default_home(home, sizeof(home));
	if (natnet_store_load(&st, home, false, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd setextradata: %s\n", err);
		return 1;
	}
	i = natnet_store_find(&st, name);
	if (i < 0) {
		esc_fprintf(stderr, "natd setextradata: no NAT network '%s' (natd natnetwork "
			"list shows them)\n", name);
		rc = 1;
	} else if (a.s_addr) {
		d = st.defs[i];
		d.source_ip4 = a;
		if (natnet_def_check(&d, err, sizeof(err)) < 0 ||
		    hostaddr_check4(a, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd setextradata: NAT/%s/SourceIp4: %s\n", name, err);
			rc = 1;
		}
	}
	natnet_store_release(&st);
	return rc;
}

int cmd_setextradata(int argc, char **argv)
{
	char name[NATD_NAME_MAX];
	const char *value = argc > 3 ? argv[3] : "";
	int rc = parse_common("setextradata", argc, argv, 4);

	if (rc == 1) {
		fputs(setextradata_help, stdout);
		return 0;
	}
	if (rc || (rc = parse_key("setextradata", argv[2], name, sizeof(name))) != 0)
		return rc;
	if ((rc = check_source(name, value)) != 0)
		return rc;
	{
		char *args[] = { "natnetwork", "modify", "--netname", name, "--source-ip4",
				 (char *)(*value ? value : "none"), NULL };

		return cmd_natnetwork(6, args);
	}
}

int cmd_getextradata(int argc, char **argv)
{
	char name[NATD_NAME_MAX], home[PATH_MAX], err[1024], a[INET_ADDRSTRLEN];
	struct natnet_store st;
	bool all;
	int i, rc = parse_common("getextradata", argc, argv, 3);

	if (rc == 1) {
		fputs(getextradata_help, stdout);
		return 0;
	}
	if (rc)
		return rc;
	all = !strcmp(argv[2], "enumerate");
	if (!all && (rc = parse_key("getextradata", argv[2], name, sizeof(name))) != 0)
		return rc;
	config_default_home(home, sizeof(home));
	if (natnet_store_load(&st, home, false, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd getextradata: %s\n", err);
		return 1;
	}
	if (all) {
		for (size_t k = 0; k < st.n; k++)
			if (st.defs[k].source_ip4.s_addr)
				printf("Key: " KEY_PREFIX "%s" KEY_SUFFIX ", Value: %s\n",
				       st.defs[k].name, inet_ntop(AF_INET, &st.defs[k].source_ip4, a,
								  sizeof(a)));
	} else {
		i = natnet_store_find(&st, name);
		if (i >= 0 && st.defs[i].source_ip4.s_addr)
			printf("Value: %s\n", inet_ntop(AF_INET, &st.defs[i].source_ip4, a, sizeof(a)));
		else
			printf("No value set!\n");
	}
	natnet_store_release(&st);
	return 0;
}
