/* SPDX-License-Identifier: MIT */
/*
 * cmd_intnet.c - `natd intnet modify|show`: an internal network's settings
 * (natd/intnet_store.h), so far its uplink: a UDP tunnel or VDE switch its
 * switch joins, so that one internal network spans several hosts.
 *
 * `modify` holds natd.json's lock from reading to writing; when the
 * network exists now (its daemon runs), the daemon takes the new uplink
 * first and natd.json is written only when it did, as `natd natnetwork
 * modify` does.
 */
#include "natd/cmd_intnet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/esc.h"
#include "natd/config.h"
#include "natd/intnet_service.h"
#include "natd/intnet_store.h"

static const char intnet_help[] =
"Usage: natd intnet modify --network NAME --uplink SPEC|none\n"
"       natd intnet show --network NAME\n"
"\n"
"Settings of the internal network NAME (--nic<x> intnet --intnet<x> NAME).\n"
"An internal network needs no definition: its switch starts with its first\n"
"VM and goes after the last. What is set here is kept in $NATD_HOME/natd.json\n"
"and applies whenever the network exists (at once when it does now).\n"
"\n"
"  --network NAME            the internal network (letters, digits, '.',\n"
"                            '_', '-')\n"
"  --uplink SPEC|none        the network's switch also joins a wire to other\n"
"                            hosts, so that the network spans them; none\n"
"                            removes it:\n"
"                              udp:LPORT,HOST:PORT  a UDP tunnel: frames in\n"
"                                datagrams to HOST:PORT, taken from any\n"
"                                source on LPORT (every local address);\n"
"                                HOST resolved when the switch starts\n"
"                              vde:/path/to/switch[PORT]  a VDE switch\n"
"                            Frames from the uplink are switched like a\n"
"                            VM's; it gets every frame for an address not\n"
"                            seen on this host. The network still ends when\n"
"                            its last VM leaves. An uplink that cannot open\n"
"                            (a UDP port in use, a privileged port without\n"
"                            CAP_NET_BIND_SERVICE, no VDE switch) keeps the\n"
"                            network's first VM from starting, with the\n"
"                            reason; on a network that exists now, modify\n"
"                            is refused and the old uplink stays.\n"
"  -h, --help                this text\n"
"\n"
"Two hosts, one internal network \"lab\" (host names hosta and hostb):\n"
"  hosta$ natd intnet modify --network lab --uplink udp:10001,hostb:10002\n"
"  hostb$ natd intnet modify --network lab --uplink udp:10002,hosta:10001\n"
"\n"
"Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage error.\n";

struct apply_ctx {
	const char *home;
	bool running;
};

/* Hands the change to the network's daemon, when it runs. */
static int apply_live(void *opaque, const struct intnet_def *old, const struct intnet_def *d,
		      char *err, size_t errlen)
{
	struct apply_ctx *c = opaque;
	int rc;

	if (!strcmp(old->uplink, d->uplink))
		return 0;
	rc = intnet_service_set_uplink(c->home, d->name, d->uplink, err, errlen);
	c->running = rc != -ESRCH;
	return rc == -ESRCH ? 0 : rc;
}

int cmd_intnet(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *network = NULL, *uplink = NULL;
	char home[PATH_MAX], err[1024];
	struct intnet_def d;
	struct uplink u;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(intnet_help, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "modify") && strcmp(sub, "show")) {
		esc_fprintf(stderr, "natd intnet: unknown subcommand '%s' (modify, show; see natd "
			"intnet --help)\n", sub);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		const char **slot = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(intnet_help, stdout);
			return 0;
		}
		if (n == 9 && !strncmp(a, "--network", 9))
			slot = &network;
		else if (n == 8 && !strncmp(a, "--uplink", 8) && !strcmp(sub, "modify"))
			slot = &uplink;
		if (!slot) { /* known first: an unknown option last is not "missing value" */
			esc_fprintf(stderr, "natd intnet %s: %s '%.*s' (see natd intnet --help)\n",
				sub, strncmp(a, "--", 2) ? "unexpected argument" : "unknown option",
				(int)n, a);
			return 2;
		}
		if (!eq && i + 1 >= argc) {
			esc_fprintf(stderr, "natd intnet %s: %s: missing value (see natd intnet "
				"--help)\n", sub, a);
			return 2;
		}
		*slot = eq ? eq + 1 : argv[++i];
	}
	if (!network || !config_name_valid(network)) {
		esc_fprintf(stderr, "natd intnet %s: %s (see natd intnet --help)\n", sub,
			network ? "--network: not a valid internal network name" :
			"--network NAME is required");
		return 2;
	}
	config_default_home(home, sizeof(home));
	if (!strcmp(sub, "show")) {
		if (intnet_store_get(home, network, &d, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd intnet show: %s\n", err);
			return 1;
		}
		printf("Name:    %s\nUplink:  %s\n", network, d.uplink[0] ? d.uplink : "none");
		return 0;
	}
	if (!uplink) {
		esc_fprintf(stderr, "natd intnet modify: nothing to change (--uplink SPEC|none)\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", network);
	if (strcmp(uplink, "none")) {
		if (strlen(uplink) >= sizeof(d.uplink) ||
		    uplink_parse(uplink, &u, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd intnet modify: --uplink: %s (see natd intnet "
				"--help)\n", strlen(uplink) >= sizeof(d.uplink) ? "too long" : err);
			return 2;
		}
		snprintf(d.uplink, sizeof(d.uplink), "%s", uplink);
	}
	struct apply_ctx c = { home, false };

	if (intnet_store_update(home, &d, apply_live, &c, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd intnet modify: %s: %s (nothing changed)\n", network, err);
		return 1;
	}
	return 0;
}
