/* SPDX-License-Identifier: MIT */
/*
 * fuzz_device_spec.c - libFuzzer target for attach specs (--attach<x>, the
 * drivers' dgram: and stream: specs): device_spec_check() must accept a spec
 * or refuse it with a message, never read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec, err[512];

	spec = malloc(size + 1); /* exact size: ASan sees an overread */
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	err[0] = '\0';
	if (device_spec_check(spec, err, sizeof(err)) < 0 &&
	    (!memchr(err, '\0', sizeof(err)) || !err[0]))
		abort();
	free(spec);
	return 0;
}
