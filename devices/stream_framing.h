/* SPDX-License-Identifier: MIT */
/*
 * stream_framing.h - QEMU "-netdev stream" framing, as pure functions: every
 * frame travels as a 4-byte big-endian length followed by that many bytes.
 * stream.c uses these on its reassembly buffer; unit tests and fuzz targets
 * call them directly.
 */
#ifndef NATD_STREAM_FRAMING_H
#define NATD_STREAM_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_HDR_LEN 4

/*
 * Looks for one whole frame at the start of buf[0..len). Returns 1 and sets
 * *frame_off (always STREAM_HDR_LEN) and *frame_len when one is there (it
 * occupies *frame_off + *frame_len bytes); 0 when more bytes are needed;
 * -EPROTO when the length field is 0 or larger than DEVICE_MAX_FRAME (the
 * stream cannot be resynchronised).
 */
int stream_frame_parse(const uint8_t *buf, size_t len, size_t *frame_off,
		       size_t *frame_len);

/* Writes the 4-byte header for a frame of len bytes into hdr. */
void stream_frame_header(uint8_t hdr[STREAM_HDR_LEN], uint32_t len);

#endif
