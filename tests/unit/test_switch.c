/* SPDX-License-Identifier: MIT */
/*
 * test_switch.c - the NAT network's Ethernet switch (l2/switch.h) on a
 * real libuv loop: VMs are plain UNIX stream sockets made by the test
 * speaking QEMU's framing, port 0 an "inproc:" device opened by the test.
 * Checks flooding of broadcasts, learning, unicast to a learnt port only,
 * unknown unicast flooded to VMs but never to port 0, frames for the
 * gateway's MAC to port 0 only, frames from port 0 to a VM, forgetting a
 * port whose VM left, and a clean close. Every loop run is bounded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/device.h"
#include "l2/switch.h"

static const uint8_t GW[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x01 };
static const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t MB[6] = { 0x02, 0, 0, 0, 0, 0xbb };
static const uint8_t MX[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct {
	uv_loop_t loop;
	struct eth_switch *sw;
	struct device *nat;
	int nat_frames, nat_up;
	uint8_t nat_last[64];
	bool sw_closed, nat_closed;
	char dir[40], path[100];
} T;

static void nat_frame(void *opaque, const uint8_t *f, size_t len)
{
	(void)opaque;
	T.nat_frames++;
	memcpy(T.nat_last, f, len < sizeof(T.nat_last) ? len : sizeof(T.nat_last));
}

static void nat_link(void *opaque, bool up)
{
	(void)opaque;
	T.nat_up = up;
}

/* Runs the loop for about ms milliseconds. */
static void spin(int ms)
{
	for (int i = 0; i < ms; i++) {
		uv_run(&T.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static int vm_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	return fd;
}

static void vm_send(int fd, const uint8_t dst[6], const uint8_t src[6], uint8_t tag)
{
	uint8_t b[4 + 60] = { 0, 0, 0, 60 };

	memcpy(b + 4, dst, 6);
	memcpy(b + 10, src, 6);
	b[16] = 0x88;
	b[17] = 0xb5; /* local experimental ethertype */
	b[18] = tag;
	cr_assert_eq(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
}

/* Reads every frame waiting on fd (after a spin); returns how many, the
 * last one's tag in *tag. */
static int vm_recv(int fd, uint8_t *tag)
{
	uint8_t b[4096];
	int n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t off = 0;
		ssize_t r;

		if (poll(&p, 1, 0) != 1)
			break;
		r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (r <= 0)
			break;
		while (off + 4 <= (size_t)r) {
			size_t len = (size_t)b[off + 2] << 8 | b[off + 3];

			cr_assert_leq(off + 4 + len, (size_t)r);
			if (tag)
				*tag = b[off + 4 + 14];
			off += 4 + len;
			n++;
		}
	}
	return n;
}

static void on_sw_closed(void *opaque)
{
	(void)opaque;
	T.sw_closed = true;
}

static void on_nat_closed(void *opaque)
{
	(void)opaque;
	T.nat_closed = true;
}

static void setup(void)
{
	struct device_handler h = { .frame = nat_frame, .link = nat_link };
	char err[256];

	memset(&T, 0, sizeof(T));
	cr_assert_eq(uv_loop_init(&T.loop), 0);
	snprintf(T.dir, sizeof(T.dir), "/tmp/natd-sw-XXXXXX");
	cr_assert_not_null(mkdtemp(T.dir));
	snprintf(T.path, sizeof(T.path), "%s/sw.sock", T.dir);
	cr_assert_eq(switch_start(&T.loop, T.path, "test-sw", GW, &T.sw, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(device_open(&T.loop, "inproc:test-sw", &h, &T.nat, err, sizeof(err)), 0,
		     "%s", err);
	spin(20);
	cr_assert(T.nat_up, "port 0 link up");
}

static void teardown(void)
{
	device_close(T.nat, on_nat_closed, NULL);
	switch_close(T.sw, on_sw_closed, NULL);
	for (int i = 0; i < 2000 && !(T.sw_closed && T.nat_closed); i++)
		spin(1);
	cr_expect(T.sw_closed && T.nat_closed, "switch and device closed");
	uv_run(&T.loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&T.loop), 0, "every handle closed");
	cr_expect_neq(access(T.path, F_OK), 0, "socket file removed");
	rmdir(T.dir);
}

TestSuite(switch, .init = setup, .fini = teardown);

Test(switch, forwarding)
{
	char err[256];
	uint8_t tag = 0;
	int a = vm_connect(), b = vm_connect();

	spin(30);

	/* Broadcast from A: B and port 0 get it, A does not. */
	vm_send(a, BC, MA, 1);
	spin(30);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 1);
	cr_expect_eq(vm_recv(a, NULL), 0, "never back to the ingress port");
	cr_expect_eq(T.nat_frames, 1, "port 0 hears broadcasts");

	/* B to A's (learnt) MAC: only A. */
	vm_send(b, MA, MB, 2);
	spin(30);
	cr_expect_eq(vm_recv(a, &tag), 1);
	cr_expect_eq(tag, 2);
	cr_expect_eq(T.nat_frames, 1, "port 0 gets no unicast for others");

	/* An unknown MAC: flooded to the VMs, never to port 0. */
	vm_send(a, MX, MA, 3);
	spin(30);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 3);
	cr_expect_eq(T.nat_frames, 1);

	/* The gateway's MAC: port 0 only. */
	vm_send(b, GW, MB, 4);
	spin(30);
	cr_expect_eq(T.nat_frames, 2);
	cr_expect_eq(T.nat_last[14], 4);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* Port 0 to B's MAC: B only. */
	{
		uint8_t f[60] = { 0 };

		memcpy(f, MB, 6);
		memcpy(f + 6, GW, 6);
		f[12] = 0x88;
		f[13] = 0xb5;
		f[14] = 5;
		cr_assert_eq(device_send(T.nat, f, sizeof(f)), 0);
	}
	spin(30);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 5);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* A forges the gateway's MAC as source: frames for the gateway still go
	 * to port 0. */
	vm_send(a, BC, GW, 6);
	spin(30);
	vm_recv(b, NULL);
	vm_send(b, GW, MB, 7);
	spin(30);
	cr_expect_eq(T.nat_last[14], 7);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* A leaves: its MAC is forgotten, frames for it are flooded. */
	close(a);
	spin(50);
	{
		struct switch_stats st;

		switch_get_stats(T.sw, &st);
		cr_expect_eq(st.ports, 1, "one VM left");
	}
	a = vm_connect();
	spin(30);
	vm_send(b, MA, MB, 8);
	spin(30);
	cr_expect_eq(vm_recv(a, &tag), 1, "flooded to the newcomer");
	cr_expect_eq(tag, 8);
	(void)err;
	close(a);
	close(b);
	spin(30);
}

Test(switch, runt_and_group_source_dropped)
{
	struct switch_stats st;
	uint8_t runt[4 + 10] = { 0, 0, 0, 10 };
	int a = vm_connect(), b = vm_connect();

	spin(30);
	cr_assert_eq(write(a, runt, sizeof(runt)), (ssize_t)sizeof(runt));
	vm_send(a, MB, BC, 1); /* broadcast source address */
	spin(30);
	cr_expect_eq(vm_recv(b, NULL), 0);
	cr_expect_eq(T.nat_frames, 0);
	switch_get_stats(T.sw, &st);
	cr_expect_geq(st.dropped, 1);
	close(a);
	close(b);
	spin(30);
}
