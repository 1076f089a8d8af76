/* SPDX-License-Identifier: MIT */
/*
 * test_device_tap.c - "tap:IFNAME" creates a tap in this namespace (needs
 * root and /dev/net/tun; skipped otherwise), and closing the device releases
 * it; the tap takes the MAC it is given (device_set_guest_mac). The link
 * is deleted at the end in case it outlived the fd.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/device.h"

static int links;
static bool closed;

static void on_frame(void *o, const uint8_t *f, size_t n)
{
	(void)o, (void)f, (void)n;
}

static void on_link(void *o, bool up)
{
	(void)o;
	links += up ? 1 : -100;
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

Test(device_tap, create_and_close, .timeout = 30)
{
	struct device_handler h = { .frame = on_frame, .link = on_link };
	struct device *dev = NULL;
	uv_timer_t guard;
	uv_loop_t loop;
	char err[256], mac[32];
	int fd, r, i;
	FILE *f;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		cr_skip_test("cannot open /dev/net/tun: %s", strerror(errno));
	close(fd);
	if (system("ip link del natdtst0 >/dev/null 2>&1")) {
		/* not there: fine */
	}
	uv_loop_init(&loop);
	uv_timer_init(&loop, &guard);
	uv_timer_start(&guard, tick, 10, 10);
	r = device_open(&loop, "tap:natdtst0", &h, &dev, err, sizeof(err));
	if (r == -EPERM || r == -EACCES) {
		uv_close((uv_handle_t *)&guard, tick_closed);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		cr_skip_test("%s", err);
	}
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(system("ip link show natdtst0 >/dev/null 2>&1"), 0,
		     "tap natdtst0 not created");
	for (i = 0; i < 500 && links == 0; i++)
		uv_run(&loop, UV_RUN_ONCE);
	cr_assert_eq(links, 1, "link up reported once");
	cr_assert(device_connected(dev));
	/* The tap's kernel side is the guest's card: it takes the adapter's MAC. */
	cr_assert_eq(device_set_guest_mac(dev, (const uint8_t *)"\x08\x00\x27\x12\x34\x56"),
		     0);
	f = fopen("/sys/class/net/natdtst0/address", "r");
	cr_assert(f);
	cr_assert(fgets(mac, sizeof(mac), f));
	fclose(f);
	cr_assert_str_eq(mac, "08:00:27:12:34:56\n");
	device_close(dev, on_closed, NULL);
	for (i = 0; i < 500 && !closed; i++)
		uv_run(&loop, UV_RUN_ONCE);
	cr_assert(closed);
	uv_close((uv_handle_t *)&guard, tick_closed);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
	if (system("ip link del natdtst0 >/dev/null 2>&1")) {
		/* a non-persistent tap is gone with its fd */
	}
	cr_assert_neq(system("ip link show natdtst0 >/dev/null 2>&1"), 0);
}
