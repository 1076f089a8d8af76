/* SPDX-License-Identifier: MIT */
/*
 * fuzz_switch_hello.c - libFuzzer target for the switch's hello parser
 * (l2/switch_hello.h): any bytes as a frame from a switch port. The input is
 * parsed as is under a fixed secret (the corpus's hellos carry it), and
 * again with the secret copied from the input's own secret field, so that
 * the fuzzer gets past the secret check. A hello that parses must have
 * sane fields and build back into a frame that parses to the same hello.
 */
#include "l2/switch_hello.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t SECRET[SWITCH_SECRET_LEN] = "natd-fuzz-secret";

static void check(const uint8_t *data, size_t size, const uint8_t *secret)
{
	uint8_t f[SWITCH_HELLO_MAX];
	struct switch_hello h, h2;
	int n;

	if (switch_hello_parse(data, size, secret, &h) != 0)
		return;
	if (!switch_frame_is_hello(data, size) || (unsigned)h.policy >= SWITCH_POLICY_COUNT ||
	    h.adapter > 0xffff || !memchr(h.vm, '\0', sizeof(h.vm)) || (h.mac[0] & 1))
		abort();
	n = switch_hello_build(f, sizeof(f), secret, h.vm, h.adapter, h.mac_known ? h.mac : NULL,
			       h.policy);
	if (n < 60 || n > SWITCH_HELLO_MAX || switch_hello_parse(f, (size_t)n, secret, &h2) != 0 ||
	    memcmp(&h, &h2, sizeof(h)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t secret[SWITCH_SECRET_LEN];

	check(data, size, SECRET);
	if (size >= 19 + SWITCH_SECRET_LEN) {
		memcpy(secret, data + 19, SWITCH_SECRET_LEN);
		check(data, size, secret);
	}
	(void)switch_frame_is_hello(data, size);
	return 0;
}
