/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vm_store.c - libFuzzer target for natd.json's "vms" (natd/vm_store.h):
 * vm_store_parse() accepts or refuses with a message naming the file; every
 * accepted VM gives an even list of run arguments, and its bandwidth groups
 * have unique names.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "natd/vm_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	struct vm_store vs;
	char err[512];

	if (!root)
		return 0;
	if (vm_store_parse(&vs, root, "natd.json", err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "natd.json", 9))
			abort();
		json_decref(root);
		return 0;
	}
	for (size_t i = 0; i < vs.n; i++) {
		char **argv = NULL;
		int argc = 0;

		if (vm_def_argv(&vs.vms[i], &argc, &argv) == 0 && argc % 2)
			abort();
		vm_argv_free(argc, argv);
		for (size_t k = 0; k < vs.vms[i].n_bw; k++)
			if (vm_def_find_bwgroup(&vs.vms[i], vs.vms[i].bw[k].name) != (int)k)
				abort();
	}
	vm_store_release(NULL, &vs);
	json_decref(root);
	return 0;
}
