/* SPDX-License-Identifier: MIT */
/*
 * test_device_io_fd.c - fd: devices on a SOCK_SEQPACKET socketpair on a real
 * libuv loop (device_io_fixture.h), their errors, and device_close() called
 * from inside the frame callback (fd: and stream:): no frame nor batch end
 * after it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/stream_framing.h"

#include "device_io_fixture.h"

TestSuite(device_io, .init = setup, .fini = teardown, .timeout = 30);

Test(device_io, fd_seqpacket)
{
	uint8_t f[1514], back[2000];
	struct device_stats st;
	int sv[2], i;
	char s[32];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	snprintf(s, sizeof(s), "fd:%d", sv[0]);
	open_dev(s);
	WAIT_UPS(1);
	cr_assert(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	for (i = 0; i < 3; i++) {
		fill(f, sizeof(f), (uint8_t)i);
		xwrite(sv[1], f, (size_t)(60 + i * 500));
	}
	WAIT_FRAMES(3);
	cr_assert_eq(C->frame_lens[0], 60);
	cr_assert_eq(C->frame_lens[1], 560);
	cr_assert_eq(C->frame_lens[2], 1060);
	cr_assert_eq(C->batches, 1, "all three frames in one wake-up");
	fill(f, 200, 7);
	cr_assert_eq(device_send(C->dev, f, 200), 0);
	cr_assert_eq(read(sv[1], back, sizeof(back)), 200);
	cr_assert_arr_eq(back, f, 200);
	cr_assert_eq(device_send(C->dev, f, DEVICE_MAX_FRAME + 1), -EMSGSIZE);

	/* The peer goes away: link down. */
	close(sv[1]);
	WAIT_DOWNS(1);
	cr_assert(!device_connected(C->dev));
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_frames, 3);
	cr_assert_eq(st.tx_frames, 1);
	close_dev();
	cr_assert_eq(fcntl(sv[0], F_GETFD), -1, "device_close closes the fd");
}

Test(device_io, fd_errors)
{
	struct device *d = NULL;
	char err[256], s[32];
	int sv[2];

	cr_assert_eq(device_open(&C->loop, "fd:987", &handler, &d, err, sizeof(err)),
		     -EBADF);
	cr_assert_str_eq(err, "fd:987: Bad file descriptor");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(s, sizeof(s), "fd:%d", sv[0]);
	cr_assert_eq(device_open(&C->loop, s, &handler, &d, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "a stream socket"), "%s", err);
	close(sv[0]);
	close(sv[1]);
}

static void close_in_frame_case(const char *type, int sv1_is_stream)
{
	uint8_t f[4 + 60];
	char s[160];
	int sv[2], c = -1, i;

	if (sv1_is_stream) {
		open_dev(spec(type, C->path));
		c = unix_connect(C->path);
		WAIT_UPS(1);
	} else {
		cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		snprintf(s, sizeof(s), "fd:%d", sv[0]);
		open_dev(s);
		c = sv[1];
	}
	stream_frame_header(f, 60);
	memset(f + 4, 1, 60);
	C->close_in_frame = true;
	for (i = 0; i < 3; i++) {
		if (sv1_is_stream)
			xwrite(c, f, sizeof(f));
		else
			xwrite(c, f + 4, 60);
	}
	cr_assert(run_until(is_closed, NULL));
	cr_assert_eq(C->frames, 1, "no frame after device_close()");
	cr_assert_eq(C->batches, 0, "no batch_end after device_close()");
	C->dev = NULL;
	close(c);
}

Test(device_io, close_from_frame_callback_fd)
{
	close_in_frame_case("fd", 0);
}

Test(device_io, close_from_frame_callback_stream)
{
	close_in_frame_case("stream", 1);
}
