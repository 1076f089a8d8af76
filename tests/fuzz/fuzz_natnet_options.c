/* SPDX-License-Identifier: MIT */
/*
 * fuzz_natnet_options.c - libFuzzer target for the options of `natd
 * natnetwork add|modify|start|stop|remove|list` (natd/cmd_natnetwork.c),
 * which fuzz_config_run does not reach. The first input byte picks the
 * subcommand; the rest, split at newlines, is its argument list.
 * natnet_cli_parse() must accept it, ask for help or refuse it (exit status
 * 2, message on stderr); what it accepts is applied with natnet_cli_apply()
 * to a fresh definition (add) or to one with rules, loopback mappings and an
 * uplink already (modify), as the commands do. Checked: the ops are
 * bounded, the definition stays within its tables, an uplink kept parses,
 * and natnet_def_check() accepts it or says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2/uplink.h"
#include "natd/cmd_natnetwork_internal.h"
#include "natd/natnet_def.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

/* The commands' usage errors go to stderr, thousands a second: to
 * /dev/null while they run (libFuzzer keeps its own handle on stderr). */
static FILE *quiet(void)
{
	static FILE *null;
	FILE *saved = stderr;

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	stderr = null;
	return saved;
}

static int parse(const char *sub, int argc, char **argv, bool defs, struct natnet_args *a)
{
	FILE *saved = quiet();
	int rc = natnet_cli_parse(sub, argc, argv, defs, a);

	stderr = saved;
	return rc;
}

static int apply(const char *sub, const struct natnet_args *a, struct natnet_def *d)
{
	FILE *saved = quiet();
	int rc = natnet_cli_apply(sub, a, d);

	stderr = saved;
	return rc;
}

/* The definition modify starts from: a network as `natnetwork add` leaves it. */
static void existing(struct natnet_def *d)
{
	static const char *const argv[] = {
		"natnetwork", "add", "--netname", "nn", "--network", "10.0.5.0/24",
		"--port-forward-4", "ssh:tcp:[]:2222:[10.0.5.4]:22",
		"--port-forward-6", "web:tcp:[]:8080:[fd17:625c:f037:2::4]:80",
		"--loopback-4", "127.0.0.2=4", "--uplink", "udp:5001,localhost:5002",
	};
	static struct natnet_args a;

	natnet_def_init(d, "nn");
	if (parse("add", (int)(sizeof(argv) / sizeof(argv[0])), (char **)argv, true, &a) != 0 ||
	    apply("add", &a, d) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const subs[] = { "add", "modify", "start", "stop", "remove", "list" };
	static struct natnet_args a;
	static struct natnet_def d;
	char text[4096], *argv[MAX_ARGS + 1], err[512];
	const char *sub;
	bool defs;
	int argc = 2, rc;

	if (size < 1 || size > sizeof(text))
		return 0;
	sub = subs[data[0] % 6];
	defs = !strcmp(sub, "add") || !strcmp(sub, "modify");
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	argv[0] = "natnetwork";
	argv[1] = (char *)sub;
	if (size > 1) {
		for (char *p = text; argc < MAX_ARGS; ) {
			argv[argc++] = p;
			p = strchr(p, '\n');
			if (!p)
				break;
			*p++ = '\0';
		}
	}
	argv[argc] = NULL;

	rc = parse(sub, argc, argv, defs, &a);
	if (rc != 0 && rc != 1 && rc != 2)
		abort();
	if (rc != 0)
		return 0;
	if (a.n_ops > NATNET_MAX_OPS || (strcmp(sub, "list") && !a.netname) ||
	    (!defs && a.n_ops))
		abort();
	if (!defs)
		return 0;
	if (!strcmp(sub, "add"))
		natnet_def_init(&d, a.netname);
	else
		existing(&d);
	if (apply(sub, &a, &d) != 0)
		return 0;
	if (d.n_rules4 > NATNET_MAX_RULES || d.n_rules6 > NATNET_MAX_RULES ||
	    d.n_lo4 > NATNET_MAX_LOOPBACK || !memchr(d.uplink, '\0', sizeof(d.uplink)))
		abort();
	if (d.uplink[0]) {
		static struct uplink u;

		if (uplink_parse(d.uplink, &u, err, sizeof(err)) < 0)
			abort(); /* only a checked uplink is stored */
	}
	err[0] = '\0';
	if (natnet_def_check(&d, err, sizeof(err)) < 0 && !err[0])
		abort();
	return 0;
}
