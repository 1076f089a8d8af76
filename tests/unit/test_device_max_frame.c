/* SPDX-License-Identifier: MIT */
/*
 * test_device_max_frame.c - a NIC model's largest frame on a transport
 * (device_set_max_frame): on an fd: SOCK_SEQPACKET socketpair, whose other
 * end plays the VM, frames up to the limit pass both ways and longer ones
 * are dropped both ways and counted (rx_oversize, tx_oversize), the way a
 * PCnet card drops anything over 1514 bytes; the default is no limit but
 * the transports' own; a socket is not the guest's card, so it takes no
 * MAC. Every loop run is bounded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/device.h"

static uv_loop_t loop;
static struct device *dev;
static size_t lens[16];
static int frames, ups;
static bool closed;

static void on_frame(void *o, const uint8_t *f, size_t n)
{
	(void)o, (void)f;
	if (frames < 16)
		lens[frames] = n;
	frames++;
}

static void on_link(void *o, bool up)
{
	(void)o;
	ups += up;
}

static void on_closed(void *o)
{
	(void)o;
	closed = true;
}

static void tick(uv_timer_t *t)
{
	(void)t;
}

static void tick_closed(uv_handle_t *h)
{
	(void)h;
}

/* Runs the loop until *v reaches want (10 ms ticks, 5 s at most). */
static bool run_until(const int *v, int want)
{
	uv_timer_t t;
	bool ok;
	int i;

	uv_timer_init(&loop, &t);
	uv_timer_start(&t, tick, 10, 10);
	for (i = 0; i < 500 && *v < want; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ok = *v >= want;
	uv_close((uv_handle_t *)&t, tick_closed);
	uv_run(&loop, UV_RUN_NOWAIT);
	return ok;
}

static void xwrite(int fd, size_t len)
{
	static uint8_t buf[20000];

	memset(buf, 0xab, len);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
}

static int sv[2];

static void setup(void)
{
	struct device_handler h = { .frame = on_frame, .link = on_link };
	char spec[32], err[256];

	frames = ups = 0;
	closed = false;
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	snprintf(spec, sizeof(spec), "fd:%d", sv[0]);
	cr_assert_eq(device_open(&loop, spec, &h, &dev, err, sizeof(err)), 0, "%s", err);
	cr_assert(run_until(&ups, 1));
}

static void teardown(void)
{
	device_close(dev, on_closed, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert(closed);
	cr_assert_eq(uv_loop_close(&loop), 0, "handles left open");
	close(sv[1]);
}

TestSuite(device_max_frame, .init = setup, .fini = teardown, .timeout = 30);

Test(device_max_frame, default_passes_jumbo_frames)
{
	uint8_t f[4000] = { 0 }, back[5000];
	struct device_stats st;

	xwrite(sv[1], 4000);
	cr_assert(run_until(&frames, 1));
	cr_assert_eq(lens[0], 4000);
	cr_assert_eq(device_send(dev, f, sizeof(f)), 0);
	cr_assert_eq(read(sv[1], back, sizeof(back)), 4000);
	device_get_stats(dev, &st);
	cr_assert_eq(st.rx_oversize + st.tx_oversize, 0);
	cr_assert_not(device_offloads(dev));
}

Test(device_max_frame, pcnet_limit_both_ways)
{
	uint8_t f[4000] = { 0 }, back[5000];
	struct device_stats st;
	ssize_t n;

	device_set_max_frame(dev, 1514);
	/* From the VM: 1514 passes, 1515 and 4000 are dropped, 60 passes. */
	xwrite(sv[1], 1514);
	xwrite(sv[1], 1515);
	xwrite(sv[1], 4000);
	xwrite(sv[1], 60);
	cr_assert(run_until(&frames, 2));
	cr_assert_eq(frames, 2);
	cr_assert_eq(lens[0], 1514);
	cr_assert_eq(lens[1], 60);
	/* To the VM: 1514 is sent, 1515 refused with EMSGSIZE and never written. */
	cr_assert_eq(device_send(dev, f, 1515), -EMSGSIZE);
	cr_assert_eq(device_send(dev, f, 1514), 0);
	n = recv(sv[1], back, sizeof(back), MSG_DONTWAIT);
	cr_assert_eq(n, 1514);
	cr_assert_eq(recv(sv[1], back, sizeof(back), MSG_DONTWAIT), -1, "nothing else sent");
	device_get_stats(dev, &st);
	cr_assert_eq(st.rx_oversize, 2);
	cr_assert_eq(st.tx_oversize, 1);
	cr_assert_eq(st.rx_frames, 2);
	cr_assert_eq(st.tx_frames, 1);
	cr_assert_eq(st.tx_dropped, 0, "oversize frames are counted apart");
	cr_assert_eq(st.rx_errors, 0);
	/* 0 lifts the limit again. */
	device_set_max_frame(dev, 0);
	cr_assert_eq(device_send(dev, f, 4000), 0);
	cr_assert_eq(recv(sv[1], back, sizeof(back), MSG_DONTWAIT), 4000);
}

Test(device_max_frame, intel_limit)
{
	uint8_t f[16125] = { 0 };

	device_set_max_frame(dev, 16124);
	xwrite(sv[1], 16124);
	xwrite(sv[1], 16125);
	xwrite(sv[1], 9014);
	cr_assert(run_until(&frames, 2));
	cr_assert_eq(lens[0], 16124);
	cr_assert_eq(lens[1], 9014);
	cr_assert_eq(device_send(dev, f, 16125), -EMSGSIZE);
}

Test(device_max_frame, a_socket_takes_no_mac)
{
	static const uint8_t mac[6] = { 0x08, 0x00, 0x27, 1, 2, 3 };

	cr_assert_eq(device_set_guest_mac(dev, mac), -EOPNOTSUPP);
}
