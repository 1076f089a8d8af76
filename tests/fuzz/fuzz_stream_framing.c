/* SPDX-License-Identifier: MIT */
/*
 * fuzz_stream_framing.c - libFuzzer target for the QEMU stream framing
 * (devices/stream_framing.h: 4-byte big-endian length, frame) as natd's
 * stream transport reads it: frames are taken from the buffer one after the
 * other; every frame reported lies inside the buffer, is 1..DEVICE_MAX_FRAME
 * bytes, and re-framing it gives the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"
#include "devices/stream_framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, foff, flen;
	int r;

	while ((r = stream_frame_parse(data + off, size - off, &foff, &flen)) == 1) {
		uint8_t hdr[STREAM_HDR_LEN];

		if (foff != STREAM_HDR_LEN || flen == 0 || flen > DEVICE_MAX_FRAME ||
		    foff + flen > size - off)
			abort();
		stream_frame_header(hdr, (uint32_t)flen);
		if (memcmp(hdr, data + off, STREAM_HDR_LEN))
			abort();
		off += foff + flen;
	}
	if (r != 0 && r != -EPROTO)
		abort();
	if (r == 0 && size - off >= STREAM_HDR_LEN) {
		/* incomplete: the length must point past the end */
		uint32_t len = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
			       (uint32_t)data[off + 2] << 8 | data[off + 3];

		if (len == 0 || len > DEVICE_MAX_FRAME || STREAM_HDR_LEN + len <= size - off)
			abort();
	}
	return 0;
}
