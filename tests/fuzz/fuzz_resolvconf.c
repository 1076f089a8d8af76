/* SPDX-License-Identifier: MIT */
/*
 * fuzz_resolvconf.c - libFuzzer target for resolvconf_parse() and
 * resolvconf_dhcp_nameservers(): any bytes as resolv.conf text.
 */
#include "base/resolvconf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct resolvconf rc;
	struct in_addr out[4], fb = { htonl(0x0a000203) };
	unsigned i, n;

	if (resolvconf_parse((const char *)data, size, &rc) != 0)
		abort();
	if (rc.n_ns > RESOLVCONF_MAX_NS || rc.n_search > RESOLVCONF_MAX_SEARCH)
		abort();
	if (!memchr(rc.domain, '\0', sizeof(rc.domain)))
		abort();
	for (i = 0; i < rc.n_search; i++)
		if (!memchr(rc.search[i], '\0', sizeof(rc.search[i])) || !rc.search[i][0])
			abort();
	n = resolvconf_dhcp_nameservers(&rc, out, 4, fb);
	if (n < 1 || n > 4)
		abort();
	return 0;
}
