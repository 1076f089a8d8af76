/* SPDX-License-Identifier: MIT */
/*
 * switch_fixture.c - the switch per test, its host port and the VM sockets
 * of the Ethernet switch's unit tests; see switch_fixture.h.
 */
#include "switch_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const uint8_t GW[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x01 };
const uint8_t GW2[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x02 };
const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0xaa };
const uint8_t MB[6] = { 0x02, 0, 0, 0, 0, 0xbb };
const uint8_t MC[6] = { 0x02, 0, 0, 0, 0, 0xcc };
const uint8_t MD[6] = { 0x02, 0, 0, 0, 0, 0xdd };
const uint8_t MX[6] = { 0x02, 0, 0, 0, 0, 0x99 };
const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t SECRET[SWITCH_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
					    14, 15, 16 };

struct switch_test T;

static void host_frame(void *opaque, const uint8_t *f, size_t len)
{
	struct host *h = opaque;

	h->frames++;
	memcpy(h->last, f, len < sizeof(h->last) ? len : sizeof(h->last));
	h->last_port = device_rx_port(h->dev);
}

static void host_link(void *opaque, bool up)
{
	((struct host *)opaque)->up = up;
}

void host_closed(void *opaque)
{
	((struct host *)opaque)->closed = true;
}

void spin(int ms)
{
	for (int i = 0; i < ms; i++) {
		uv_run(&T.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

void host_open(struct host *h, const char *name)
{
	struct device_handler dh = { .frame = host_frame, .link = host_link, .opaque = h };
	char spec[80], err[256];

	snprintf(spec, sizeof(spec), "inproc:%s", name);
	cr_assert_eq(device_open(&T.loop, spec, &dh, &h->dev, err, sizeof(err)), 0, "%s", err);
	spin(20);
	cr_assert(h->up, "%s: link up", name);
}

void host_send(struct host *h, const uint8_t dst[6], const uint8_t src[6], uint8_t tag)
{
	uint8_t f[60] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = tag;
	cr_assert_eq(device_send(h->dev, f, sizeof(f)), 0);
}

static void observer(void *opaque, const struct switch_port_info *p, bool gone)
{
	(void)opaque;
	T.obs_events++;
	T.obs_gone += gone;
	T.obs_last = *p;
}

static int vm_connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	return fd;
}

int vm_connect(void)
{
	return vm_connect_to(T.path);
}

void vm_send_raw(int fd, const uint8_t *f, size_t len)
{
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			   (uint8_t)len };

	cr_assert_eq(write(fd, hdr, 4), 4);
	for (size_t off = 0; off < len;) {
		ssize_t r = write(fd, f + off, len - off);

		cr_assert_gt(r, 0);
		off += (size_t)r;
	}
}

void vm_send(int fd, const uint8_t dst[6], const uint8_t src[6], uint8_t tag)
{
	uint8_t f[60] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	f[14] = tag;
	vm_send_raw(fd, f, sizeof(f));
}

void vm_hello(int fd, const uint8_t *secret, const char *vm, unsigned adapter,
	      const uint8_t mac[6], enum switch_policy policy)
{
	uint8_t f[SWITCH_HELLO_MAX];
	int n = switch_hello_build(f, sizeof(f), secret, vm, adapter, mac, policy);

	cr_assert_gt(n, 0);
	vm_send_raw(fd, f, (size_t)n);
}

int vm_recv(int fd, uint8_t *tag)
{
	static uint8_t b[1 << 17];
	static size_t have;
	int n = 0;

	have = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t off = 0;
		ssize_t r;

		if (poll(&p, 1, 0) != 1)
			break;
		r = recv(fd, b + have, sizeof(b) - have, MSG_DONTWAIT);
		if (r <= 0)
			break;
		have += (size_t)r;
		while (off + 4 <= have) {
			size_t len = (size_t)b[off + 2] << 8 | b[off + 3];

			if (off + 4 + len > have)
				break;
			if (tag)
				*tag = b[off + 4 + 14];
			off += 4 + len;
			n++;
		}
		memmove(b, b + off, have - off);
		have -= off;
	}
	cr_assert_eq(have, 0, "whole frames only");
	return n;
}

static void switch_up(uint32_t age_ms, bool with_gateway)
{
	struct switch_config cfg = { .name = "test switch", .owner_uid = getuid(),
				     .share_gid = (gid_t)-1, .fdb_age_ms = age_ms };
	char err[256];

	memset(&T, 0, sizeof(T));
	cr_assert_eq(uv_loop_init(&T.loop), 0);
	snprintf(T.dir, sizeof(T.dir), "/tmp/natd-sw-XXXXXX");
	cr_assert_not_null(mkdtemp(T.dir));
	snprintf(T.path, sizeof(T.path), "%s/sw.sock", T.dir);
	cfg.sock_path = T.path;
	memcpy(cfg.secret, SECRET, sizeof(SECRET));
	cr_assert_eq(switch_start(&T.loop, &cfg, &T.sw, err, sizeof(err)), 0, "%s", err);
	switch_set_port_observer(T.sw, observer, NULL);
	if (with_gateway) {
		cr_assert_eq(switch_add_host_port(T.sw, "test-sw", GW, err, sizeof(err)), 0, "%s",
			     err);
		host_open(&T.nat, "test-sw");
	}
}

void setup(void)
{
	switch_up(0, true);
}

void setup_vms_only(void)
{
	switch_up(200, false);
}

static void on_sw_closed(void *opaque)
{
	(void)opaque;
	T.sw_closed = true;
}

void teardown(void)
{
	if (T.nat.dev)
		device_close(T.nat.dev, host_closed, &T.nat);
	else
		T.nat.closed = true;
	switch_close(T.sw, on_sw_closed, NULL);
	for (int i = 0; i < 2000 && !(T.sw_closed && T.nat.closed); i++)
		spin(1);
	cr_expect(T.sw_closed && T.nat.closed, "switch and device closed");
	uv_run(&T.loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&T.loop), 0, "every handle closed");
	cr_expect_neq(access(T.path, F_OK), 0, "socket file removed");
	rmdir(T.dir);
}

struct switch_stats stats(void)
{
	struct switch_stats st;

	switch_get_stats(T.sw, &st);
	return st;
}
