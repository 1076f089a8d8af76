/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config_run.c - libFuzzer target for the command line of `natd run`
 * and `natd modifyvm`: the input, split at newlines, is an argument list.
 * config_parse_run() then config_finish() must accept it or refuse it with a
 * message; vm_def_apply() the same, and what it stores must give an even
 * list of run arguments. Each argument is also tried as a bandwidth RATE
 * and as an adapter number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "natd/bwgroup.h"
#include "natd/config.h"
#include "natd/vm_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 24

static void message_ok(const char *err, size_t len)
{
	if (!memchr(err, '\0', len) || !err[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct natd_config cfg;
	char text[2048], *argv[MAX_ARGS + 1], err[1024], **run = NULL;
	struct vm_def d = { .name = "fuzz" };
	int argc = 1, n = 0, rc;
	uint64_t rate;
	unsigned x;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argv[0] = "run";
	for (char *p = text; argc < MAX_ARGS; argc++) {
		argv[argc] = p;
		p = strchr(p, '\n');
		if (!p) {
			argc++;
			break;
		}
		*p++ = '\0';
	}
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++) {
		if (bw_parse_rate(argv[i], &rate) == 0 && !rate && strtoull(argv[i], NULL, 10))
			abort(); /* a non-zero limit never rounds to "no limit" */
		if (config_parse_adapter(argv[i], &x) == 0 && (x < 1 || x > NATD_MAX_NICS))
			abort();
	}

	setenv("NATD_HOME", "/nonexistent/natd-fuzz", 1);
	config_init(&cfg);
	err[0] = '\0';
	rc = config_parse_run(&cfg, argc, argv, err, sizeof(err));
	if (rc < 0)
		message_ok(err, sizeof(err));
	if (rc == 0) {
		rc = config_finish(&cfg, err, sizeof(err));
		if (rc < 0)
			message_ok(err, sizeof(err));
	}
	config_free(&cfg);

	err[0] = '\0';
	rc = vm_def_apply(&d, argc - 1, argv + 1, err, sizeof(err));
	if (rc < 0)
		message_ok(err, sizeof(err));
	if (vm_def_argv(&d, &n, &run) == 0 && (n % 2 || (run && run[n])))
		abort();
	vm_argv_free(n, run);
	vm_def_free(&d);
	return 0;
}
