/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vhost_user_msg.c - libFuzzer target for the vhost-user message
 * parser (devices/vhost_user_msg.h) as the transport reads a connection:
 * the first byte is the number of descriptors that came with each message
 * (0..8), the rest is the byte stream; messages are taken one after the
 * other until one is incomplete or refused. A message reported lies inside
 * the input, its payload fits VU_MAX_PAYLOAD, a memory table has at most
 * VU_MAX_REGIONS regions and as many descriptors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "devices/vhost_user_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_msg m;
	const char *why = NULL;
	char nb[32];
	size_t off = 1;
	unsigned int nfds;
	int r;

	if (size < 1)
		return 0;
	nfds = data[0] % (VU_MAX_FDS + 1);
	while ((r = vu_msg_parse(data + off, size - off, nfds, &m, &why)) > 0) {
		if ((size_t)r > size - off || m.size > VU_MAX_PAYLOAD ||
		    (size_t)r != VU_HDR_SIZE + m.size)
			abort();
		if (m.req == VU_SET_MEM_TABLE &&
		    (m.p.mem.nregions > VU_MAX_REGIONS || m.p.mem.nregions != nfds))
			abort();
		(void)vu_request_name(m.req, nb, sizeof(nb));
		off += (size_t)r;
	}
	if (r < 0 && (r != -EPROTO || !why))
		abort();
	return 0;
}
