/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dhcp6_server.c - libFuzzer target for dhcp6_server_input(): each
 * input is one message a guest sends to UDP port 547. A reply must fit the
 * buffer, keep the transaction id and consist of whole options.
 */
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp6_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x52, 0x55, 10, 0, 2, 2 };
	static const char *const names[] = { "test.example", "corp.example.net" };
	static struct dhcp6_server_config c;
	static uint8_t out[DHCP6_REPLY_MAX];
	uint8_t *copy;
	int n;

	if (!c.duid_len) {
		c.duid_len = dhcp6_duid_ll(mac, c.duid);
		c.dns[0][0] = 0xfd;
		c.dns[0][15] = 3;
		c.n_dns = 1;
		c.domains_len = (size_t)dhcp6_domain_list_encode(names, 2, c.domains,
								 sizeof(c.domains));
		c.info_refresh = 86400;
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	n = dhcp6_server_input(&c, copy, size, out, sizeof(out));
	if (n > (int)sizeof(out))
		abort();
	if (n > 0) {
		size_t off = 4;

		if (out[0] != DHCP6_REPLY || memcmp(out + 1, copy + 1, 3))
			abort();
		while (off < (size_t)n) {
			if (off + 4 > (size_t)n)
				abort();
			off += 4 + (size_t)(out[off + 2] << 8 | out[off + 3]);
		}
		if (off != (size_t)n)
			abort();
	}
	free(copy);
	return 0;
}
