/* SPDX-License-Identifier: MIT */
/*
 * test_device_offload.c - TCP offloads of packet transports (needs root and
 * /dev/net/tun; skipped otherwise):
 *   - "tap:" opens with virtio-net headers (device_offload() says
 *     DEVICE_OFFLOAD_TCP) for a handler that takes offloads, not with
 *     NATD_TAP_OFFLOAD=0 and not for a handler that relays frames;
 *   - "fd:" adopts a tap fd opened with IFF_VNET_HDR with offloads for a
 *     handler that takes them, without for one that does not (the header is
 *     still there), and a tap fd without IFF_VNET_HDR as plain;
 *   - through the kernel, both ways, in both cases: a frame device_send()
 *     writes arrives whole on the tap's interface (AF_PACKET), and a frame
 *     sent there reaches the frame callback without its header.
 * Each test runs in a network namespace of its own (Criterion forks one
 * process per test), so its taps never appear on the machine.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/device.h"

static uint8_t got[2048];
static size_t got_len;
static bool closed;

static void on_frame(void *o, const uint8_t *f, size_t n)
{
	(void)o;
	if (n <= sizeof(got)) {
		memcpy(got, f, n);
		got_len = n;
	}
}

static void on_closed(void *o)
{
	(void)o;
	closed = true;
}

static void need_tun(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		cr_skip_test("cannot open /dev/net/tun: %s", strerror(errno));
	close(fd);
	if (geteuid() != 0)
		cr_skip_test("needs root");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET): %s", strerror(errno));
}

/* Opens spec on loop; returns the device (asserts success). */
static struct device *open_dev(uv_loop_t *loop, const char *spec, bool offload)
{
	struct device_handler h = { .frame = on_frame, .offload = offload };
	struct device *dev = NULL;
	char err[256];
	int r;

	r = device_open(loop, spec, &h, &dev, err, sizeof(err));
	cr_assert_eq(r, 0, "%s: %s", spec, err);
	return dev;
}

static void close_dev(uv_loop_t *loop, struct device *dev)
{
	int i;

	closed = false;
	device_close(dev, on_closed, NULL);
	for (i = 0; i < 500 && !closed; i++)
		uv_run(loop, UV_RUN_NOWAIT);
	cr_assert(closed);
}

Test(device_offload, tap_has_offloads_unless_disabled, .timeout = 30)
{
	struct device *dev;
	uv_loop_t loop;

	need_tun();
	uv_loop_init(&loop);
	dev = open_dev(&loop, "tap:natdoff0", true);
	cr_assert_eq(device_offload(dev, 1500), DEVICE_OFFLOAD_TCP);
	close_dev(&loop, dev);
	dev = open_dev(&loop, "tap:natdoff0", false);
	cr_assert_eq(device_offload(dev, 1500), 0, "a handler that relays frames");
	close_dev(&loop, dev);
	setenv("NATD_TAP_OFFLOAD", "0", 1);
	dev = open_dev(&loop, "tap:natdoff1", true);
	unsetenv("NATD_TAP_OFFLOAD");
	cr_assert_eq(device_offload(dev, 1500), 0, "NATD_TAP_OFFLOAD=0");
	close_dev(&loop, dev);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
}

/* A tap fd named name, with or without IFF_VNET_HDR. */
static int tap_fd(const char *name, bool vnet)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	cr_assert_eq(ioctl(fd, TUNSETIFF, &ifr), 0, "TUNSETIFF: %s", strerror(errno));
	return fd;
}

/* Frames both ways between dev (an "fd:" on tap ifname) and the kernel. */
static void frames_both_ways(uv_loop_t *loop, struct device *dev, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t frame[60], buf[128];
	char cmd[64];
	ssize_t n;
	int ps, i;

	snprintf(cmd, sizeof(cmd), "ip link set %s up", ifname);
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < 20 && !device_connected(dev); i++)
		uv_run(loop, UV_RUN_NOWAIT);
	cr_assert(device_connected(dev));

	/* natd -> kernel: an ARP-typed frame, as is. */
	ps = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	cr_assert_geq(ps, 0);
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	cr_assert_eq(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	memcpy(frame + 6, "\x52\x55\x0a\x00\x02\x02", 6);
	frame[12] = 0x08;
	frame[13] = 0x06;
	for (i = 14; i < (int)sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	cr_assert_eq(device_send(dev, frame, sizeof(frame)), 0);
	n = recv(ps, buf, sizeof(buf), 0);
	cr_assert_eq(n, (ssize_t)sizeof(frame), "%s: the kernel got %zd bytes", ifname, n);
	cr_assert(memcmp(buf, frame, sizeof(frame)) == 0, "%s: the frame as sent", ifname);

	/* kernel -> natd: the frame without the virtio-net header. */
	frame[0] = 0x02;
	got_len = 0;
	cr_assert_eq(sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)),
		     (ssize_t)sizeof(frame));
	for (i = 0; i < 3000 && got_len == 0; i++) { /* up to ~3 s: a loaded CI machine */
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	cr_assert_eq(got_len, sizeof(frame), "%s", ifname);
	cr_assert(memcmp(got, frame, sizeof(frame)) == 0, "%s: the frame as the kernel sent it",
		  ifname);
	close(ps);
}

Test(device_offload, fd_follows_the_tap_fd, .timeout = 30)
{
	struct device *dev;
	char spec[32];
	uv_loop_t loop;
	int fd;

	need_tun();
	uv_loop_init(&loop);
	fd = tap_fd("natdoff2", false);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	dev = open_dev(&loop, spec, true);
	cr_assert_eq(device_offload(dev, 1500), 0, "a plain tap fd");
	close_dev(&loop, dev);

	fd = tap_fd("natdoff3", true);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	dev = open_dev(&loop, spec, true);
	cr_assert_eq(device_offload(dev, 1500), DEVICE_OFFLOAD_TCP, "IFF_VNET_HDR");
	frames_both_ways(&loop, dev, "natdoff3");
	close_dev(&loop, dev);

	fd = tap_fd("natdoff4", true);
	snprintf(spec, sizeof(spec), "fd:%d", fd);
	dev = open_dev(&loop, spec, false);
	cr_assert_eq(device_offload(dev, 1500), 0, "IFF_VNET_HDR, frames relayed");
	frames_both_ways(&loop, dev, "natdoff4");
	close_dev(&loop, dev);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
}
