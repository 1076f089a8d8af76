/* SPDX-License-Identifier: MIT */
/*
 * test_device_framing.c - QEMU stream framing (devices/stream_framing.h):
 * header encoding, whole, split and concatenated frames, bad lengths.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/device.h"
#include "devices/stream_framing.h"

Test(framing, header_is_big_endian)
{
	uint8_t h[4];

	stream_frame_header(h, 0x01020304);
	cr_assert(h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4);
	stream_frame_header(h, 60);
	cr_assert(h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 60);
}

Test(framing, whole_frame)
{
	uint8_t buf[4 + 60];
	size_t off = 99, len = 99;

	stream_frame_header(buf, 60);
	memset(buf + 4, 0xab, 60);
	cr_assert_eq(stream_frame_parse(buf, sizeof(buf), &off, &len), 1);
	cr_assert_eq(off, 4);
	cr_assert_eq(len, 60);
}

Test(framing, split_needs_more)
{
	uint8_t buf[4 + 60];
	size_t off, len, i;

	stream_frame_header(buf, 60);
	memset(buf + 4, 1, 60);
	for (i = 0; i < sizeof(buf); i++)
		cr_assert_eq(stream_frame_parse(buf, i, &off, &len), 0, "at %zu", i);
	cr_assert_eq(stream_frame_parse(buf, sizeof(buf), &off, &len), 1);
}

Test(framing, concatenated_frames)
{
	uint8_t buf[3 * 4 + 14 + 60 + 1514];
	size_t lens[3] = { 14, 60, 1514 }, pos = 0, off, len;
	int i;

	for (i = 0; i < 3; i++) {
		stream_frame_header(buf + pos, (uint32_t)lens[i]);
		memset(buf + pos + 4, i + 1, lens[i]);
		pos += 4 + lens[i];
	}
	pos = 0;
	for (i = 0; i < 3; i++) {
		cr_assert_eq(stream_frame_parse(buf + pos, sizeof(buf) - pos, &off, &len), 1);
		cr_assert_eq(len, lens[i]);
		cr_assert_eq(buf[pos + off], i + 1);
		cr_assert_eq(buf[pos + off + len - 1], i + 1);
		pos += off + len;
	}
	cr_assert_eq(pos, sizeof(buf));
	cr_assert_eq(stream_frame_parse(buf + pos, 0, &off, &len), 0);
}

Test(framing, bad_lengths)
{
	uint8_t buf[8] = { 0 };
	size_t off, len;

	stream_frame_header(buf, 0);
	cr_assert_eq(stream_frame_parse(buf, 4, &off, &len), -EPROTO);
	stream_frame_header(buf, DEVICE_MAX_FRAME + 1);
	cr_assert_eq(stream_frame_parse(buf, 8, &off, &len), -EPROTO);
	stream_frame_header(buf, 0xffffffffu);
	cr_assert_eq(stream_frame_parse(buf, 4, &off, &len), -EPROTO);
	/* The largest legal length only needs more bytes. */
	stream_frame_header(buf, DEVICE_MAX_FRAME);
	cr_assert_eq(stream_frame_parse(buf, 8, &off, &len), 0);
	/* A short frame is not a framing error (the device drops it later). */
	stream_frame_header(buf, 1);
	cr_assert_eq(stream_frame_parse(buf, 5, &off, &len), 1);
	cr_assert_eq(len, 1);
}
