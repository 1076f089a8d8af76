/* SPDX-License-Identifier: MIT */
/*
 * test_switch.c - natd's Ethernet switch (l2/switch.h) on a real libuv loop:
 * VMs are plain UNIX stream sockets made by the test speaking QEMU's
 * framing, host ports "inproc:" devices opened by the test. Checks
 * flooding, learning, the gateway's pinned MAC, the promiscuous policies
 * (deny, allow-vms, allow-all) with real deliveries, hello frames (applied
 * live, wrong secret ignored, never forwarded), a deny port's own MAC after
 * aging, a switch of VMs only, garbage frames counted, port information and
 * observer, several host ports (frames between them deferred), the socket's
 * mode and group, and peers of other uids refused or let in by group
 * (forked children, when the test runs as root). Every loop run is bounded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/device.h"
#include "l2/switch.h"

static const uint8_t GW[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x01 };
static const uint8_t GW2[6] = { 0x52, 0x55, 0x0a, 0x00, 0x00, 0x02 };
static const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t MB[6] = { 0x02, 0, 0, 0, 0, 0xbb };
static const uint8_t MC[6] = { 0x02, 0, 0, 0, 0, 0xcc };
static const uint8_t MD[6] = { 0x02, 0, 0, 0, 0, 0xdd };
static const uint8_t MX[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const uint8_t BC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SECRET[SWITCH_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
						   14, 15, 16 };

struct host {
	struct device *dev;
	int frames, up;
	uint8_t last[64];
	uint32_t last_port;   /* device_rx_port() during the last frame */
	bool closed;
};

static struct {
	uv_loop_t loop;
	struct eth_switch *sw;
	struct host nat;
	bool sw_closed;
	char dir[40], path[100];
	int obs_events, obs_gone;
	struct switch_port_info obs_last;
} T;

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

static void host_closed(void *opaque)
{
	((struct host *)opaque)->closed = true;
}

/* Runs the loop for about ms milliseconds. */
static void spin(int ms)
{
	for (int i = 0; i < ms; i++) {
		uv_run(&T.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static void host_open(struct host *h, const char *name)
{
	struct device_handler dh = { .frame = host_frame, .link = host_link, .opaque = h };
	char spec[80], err[256];

	snprintf(spec, sizeof(spec), "inproc:%s", name);
	cr_assert_eq(device_open(&T.loop, spec, &dh, &h->dev, err, sizeof(err)), 0, "%s", err);
	spin(20);
	cr_assert(h->up, "%s: link up", name);
}

static void host_send(struct host *h, const uint8_t dst[6], const uint8_t src[6], uint8_t tag)
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

static int vm_connect(void)
{
	return vm_connect_to(T.path);
}

/* One frame of any length, with QEMU's 4-byte length in front. */
static void vm_send_raw(int fd, const uint8_t *f, size_t len)
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

static void vm_send(int fd, const uint8_t dst[6], const uint8_t src[6], uint8_t tag)
{
	uint8_t f[60] = { 0 };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	f[14] = tag;
	vm_send_raw(fd, f, sizeof(f));
}

static void vm_hello(int fd, const uint8_t *secret, const char *vm, unsigned adapter,
		     const uint8_t mac[6], enum switch_policy policy)
{
	uint8_t f[SWITCH_HELLO_MAX];
	int n = switch_hello_build(f, sizeof(f), secret, vm, adapter, mac, policy);

	cr_assert_gt(n, 0);
	vm_send_raw(fd, f, (size_t)n);
}

/* Reads every frame waiting on fd (after a spin); returns how many, the
 * last one's tag in *tag. */
static int vm_recv(int fd, uint8_t *tag)
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

static void setup(void)
{
	switch_up(0, true);
}

static void setup_vms_only(void)
{
	switch_up(200, false);
}

static void on_sw_closed(void *opaque)
{
	(void)opaque;
	T.sw_closed = true;
}

static void teardown(void)
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

TestSuite(switch, .init = setup, .fini = teardown);
TestSuite(switch_vms, .init = setup_vms_only, .fini = teardown);

static struct switch_stats stats(void)
{
	struct switch_stats st;

	switch_get_stats(T.sw, &st);
	return st;
}

Test(switch, forwarding)
{
	uint8_t tag = 0;
	int a = vm_connect(), b = vm_connect();

	spin(30);
	cr_expect_eq(stats().ports, 2);
	cr_expect_eq(stats().host_ports, 1);

	/* Broadcast from A: B and the gateway get it, A does not. */
	vm_send(a, BC, MA, 1);
	spin(30);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 1);
	cr_expect_eq(vm_recv(a, NULL), 0, "never back to the ingress port");
	cr_expect_eq(T.nat.frames, 1, "the gateway hears broadcasts");

	/* B to A's (learnt) MAC: only A. */
	vm_send(b, MA, MB, 2);
	spin(30);
	cr_expect_eq(vm_recv(a, &tag), 1);
	cr_expect_eq(tag, 2);
	cr_expect_eq(T.nat.frames, 1, "the gateway gets no unicast for others");

	/* An unknown MAC: flooded, but deny ports (no hello) and the gateway
	 * only take their own addresses. */
	vm_send(a, MX, MA, 3);
	spin(30);
	cr_expect_eq(vm_recv(b, NULL), 0);
	cr_expect_eq(T.nat.frames, 1);
	cr_expect_eq(stats().flooded, 2);

	/* The gateway's MAC: the gateway only. */
	vm_send(b, GW, MB, 4);
	spin(30);
	cr_expect_eq(T.nat.frames, 2);
	cr_expect_eq(T.nat.last[14], 4);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* The gateway to B's MAC: B only. */
	host_send(&T.nat, MB, GW, 5);
	spin(30);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 5);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* A forges the gateway's MAC as source: frames for the gateway still go
	 * to the gateway. */
	vm_send(a, BC, GW, 6);
	spin(30);
	vm_recv(b, NULL);
	vm_send(b, GW, MB, 7);
	spin(30);
	cr_expect_eq(T.nat.last[14], 7);
	cr_expect_eq(vm_recv(a, NULL), 0);

	/* A leaves: its MAC is forgotten. A newcomer whose hello names MA gets
	 * the flooded frames for it, another (deny) VM does not. */
	close(a);
	spin(50);
	cr_expect_eq(stats().ports, 1, "one VM left");
	a = vm_connect();
	{
		int c = vm_connect();

		spin(30);
		vm_hello(a, SECRET, "a2", 1, MA, SWITCH_POLICY_DENY);
		spin(30);
		vm_send(b, MA, MB, 8);
		spin(30);
		cr_expect_eq(vm_recv(a, &tag), 1, "flooded to the hello's MAC");
		cr_expect_eq(tag, 8);
		cr_expect_eq(vm_recv(c, NULL), 0);
		close(c);
	}
	close(a);
	close(b);
	spin(30);
}

/* Ports A deny, B allow-vms, C allow-all, D deny, and the gateway. */
Test(switch, promiscuous_policies)
{
	int a = vm_connect(), b = vm_connect(), c = vm_connect(), d = vm_connect();
	int fds[4] = { a, b, c, d };
	int got[4];
	uint8_t tag;

#define RECV_ALL() \
	do { \
		spin(30); \
		for (int i_ = 0; i_ < 4; i_++) \
			got[i_] = vm_recv(fds[i_], &tag); \
	} while (0)

	spin(30);
	vm_hello(a, SECRET, "vm-a", 1, MA, SWITCH_POLICY_DENY);
	vm_hello(b, SECRET, "vm-b", 1, MB, SWITCH_POLICY_ALLOW_VMS);
	vm_hello(c, SECRET, "vm-c", 2, MC, SWITCH_POLICY_ALLOW_ALL);
	vm_hello(d, SECRET, "vm-d", 1, MD, SWITCH_POLICY_DENY);
	spin(30);
	cr_expect_eq(stats().hellos, 4);
	for (int i = 0; i < 4; i++)
		vm_send(fds[i], BC, (const uint8_t *[]){ MA, MB, MC, MD }[i], 1);
	RECV_ALL();
	for (int i = 0; i < 4; i++)
		cr_expect_eq(got[i], 3, "VM %d: the three other broadcasts", i);
	cr_expect_eq(T.nat.frames, 4, "the gateway: all four broadcasts");

	/* A to D (between two VMs): D, and copies to allow-vms B and allow-all C. */
	vm_send(a, MD, MA, 2);
	RECV_ALL();
	cr_expect_eq(got[0], 0);
	cr_expect_eq(got[1], 1, "allow-vms sees VM-to-VM unicast");
	cr_expect_eq(got[2], 1, "allow-all sees VM-to-VM unicast");
	cr_expect_eq(got[3], 1);
	cr_expect_eq(T.nat.frames, 4);

	/* A to the gateway: the gateway and allow-all C only. */
	vm_send(a, GW, MA, 3);
	RECV_ALL();
	cr_expect_eq(T.nat.frames, 5);
	cr_expect_eq(got[0] + got[1] + got[3], 0, "nor deny nor allow-vms: host unicast");
	cr_expect_eq(got[2], 1, "allow-all sees unicast to the host");

	/* The gateway to A: A and C. */
	host_send(&T.nat, MA, GW, 4);
	RECV_ALL();
	cr_expect_eq(got[0], 1);
	cr_expect_eq(got[1] + got[3], 0);
	cr_expect_eq(got[2], 1, "allow-all sees unicast from the host");

	/* An unknown destination from A: B and C, not deny D, not the gateway. */
	vm_send(a, MX, MA, 5);
	RECV_ALL();
	cr_expect_eq(got[0] + got[3], 0);
	cr_expect_eq(got[1], 1);
	cr_expect_eq(got[2], 1);
	cr_expect_eq(T.nat.frames, 5);

	/* An unknown destination from the gateway: allow-all C only. */
	host_send(&T.nat, MX, GW, 6);
	RECV_ALL();
	cr_expect_eq(got[0] + got[1] + got[3], 0);
	cr_expect_eq(got[2], 1);

	/* C to B: B once (not twice, though B is promiscuous too), nothing back
	 * to C. */
	vm_send(c, MB, MC, 7);
	RECV_ALL();
	cr_expect_eq(got[1], 1);
	cr_expect_eq(got[2], 0);
	cr_expect_eq(got[0] + got[3], 0);
#undef RECV_ALL
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	spin(30);
}

Test(switch, hello_wrong_secret_ignored_and_never_forwarded)
{
	static const uint8_t bad[SWITCH_SECRET_LEN] = { 9 };
	int a = vm_connect(), c = vm_connect();
	uint8_t f[SWITCH_HELLO_MAX];
	int n;

	spin(30);
	vm_hello(c, SECRET, "watcher", 1, MC, SWITCH_POLICY_ALLOW_ALL);
	vm_hello(a, bad, "intruder", 1, MA, SWITCH_POLICY_ALLOW_ALL);
	/* Malformed: a good hello cut short, and one of a later version. */
	n = switch_hello_build(f, sizeof(f), SECRET, "x", 1, MA, SWITCH_POLICY_ALLOW_ALL);
	vm_send_raw(a, f, 30);
	f[18] = 2;
	vm_send_raw(a, f, (size_t)n);
	spin(30);
	cr_expect_eq(stats().hellos, 1);
	cr_expect_eq(stats().bad_hellos, 3);
	cr_expect_eq(vm_recv(c, NULL), 0, "no hello reaches even an allow-all port");
	cr_expect_eq(T.nat.frames, 0);

	/* A is still deny: C's unicast to B is not copied to it. */
	vm_send(c, MB, MC, 1);
	spin(30);
	cr_expect_eq(vm_recv(a, NULL), 0);
	close(a);
	close(c);
	spin(30);
}

static int find_port(void *opaque, const struct switch_port_info *p)
{
	struct switch_port_info *want = opaque;

	if (p->idx == want->idx) {
		*want = *p;
		return 1;
	}
	return 0;
}

Test(switch, hello_changes_policy_live)
{
	int a = vm_connect(), b = vm_connect(), c = vm_connect();
	struct switch_port_info pi;

	spin(30);
	cr_expect_eq(T.obs_events, 4, "the gateway and three VMs appeared");
	vm_send(a, BC, MA, 1);
	vm_send(b, BC, MB, 1);
	spin(30);
	vm_recv(a, NULL);
	vm_recv(b, NULL);
	vm_recv(c, NULL);

	vm_send(a, MB, MA, 2);
	spin(30);
	cr_expect_eq(vm_recv(c, NULL), 0, "deny before any hello");

	vm_hello(c, SECRET, "spy", 3, MC, SWITCH_POLICY_ALLOW_ALL);
	spin(30);
	cr_expect_eq(T.obs_events, 5);
	cr_expect_str_eq(T.obs_last.vm, "spy");
	cr_expect_eq(T.obs_last.policy, SWITCH_POLICY_ALLOW_ALL);
	pi.idx = T.obs_last.idx;
	cr_expect_eq(switch_foreach_port(T.sw, find_port, &pi), 1);
	cr_expect_eq(pi.adapter, 3);
	cr_expect_eq(memcmp(pi.mac, MC, 6), 0);
	cr_expect(pi.mac_known);
	vm_send(a, MB, MA, 3);
	spin(30);
	cr_expect_eq(vm_recv(c, NULL), 1, "allow-all at once");

	vm_hello(c, SECRET, "spy", 3, MC, SWITCH_POLICY_DENY);
	spin(30);
	vm_send(a, MB, MA, 4);
	spin(30);
	cr_expect_eq(vm_recv(c, NULL), 0, "deny again");
	cr_expect_eq(vm_recv(b, NULL), 3);

	close(c);
	spin(30);
	cr_expect_eq(T.obs_gone, 1);
	close(a);
	close(b);
	spin(30);
}

Test(switch, garbage_counted_others_forwarded)
{
	static uint8_t big[SWITCH_FRAME_MAX + 1];
	uint8_t runt[10] = { 0 };
	struct switch_port_info pi;
	uint8_t tag = 0;
	int a = vm_connect(), b = vm_connect();

	spin(30);
	vm_send_raw(a, runt, sizeof(runt)); /* refused by its transport already */
	memcpy(big, BC, 6);
	memcpy(big + 6, MA, 6);
	vm_send_raw(a, big, sizeof(big));   /* oversize */
	vm_send(a, MB, BC, 1);              /* broadcast source address */
	vm_send(a, BC, MA, 2);              /* and a good one */
	spin(50);
	cr_expect_eq(vm_recv(b, &tag), 1, "only the good frame");
	cr_expect_eq(tag, 2);
	cr_expect_eq(T.nat.frames, 1);
	cr_expect_eq(stats().dropped, 2);
	pi.idx = 1;
	cr_assert_eq(switch_foreach_port(T.sw, find_port, &pi), 1);
	cr_expect_eq(pi.rx_dropped, 3, "the switch's two and the transport's runt");
	cr_expect_eq(pi.rx_frames, 1);

	/* A host port can hand the switch anything. */
	cr_assert_eq(device_send(T.nat.dev, runt, sizeof(runt)), 0);
	host_send(&T.nat, BC, GW, 3);
	spin(30);
	cr_expect_eq(stats().dropped, 3);
	cr_expect_eq(vm_recv(b, &tag), 1);
	cr_expect_eq(tag, 3);
	pi.idx = 0;
	cr_assert_eq(switch_foreach_port(T.sw, find_port, &pi), 1);
	cr_expect_eq(pi.rx_dropped, 1);
	cr_expect_eq(pi.rx_frames, 1);
	pi.idx = 2;
	cr_assert_eq(switch_foreach_port(T.sw, find_port, &pi), 1);
	cr_expect_eq(pi.tx_frames, 2);
	cr_expect_eq(pi.rx_dropped, 0);
	close(a);
	close(b);
	spin(30);
}

static int collect(void *opaque, const struct switch_port_info *p)
{
	struct switch_port_info *arr = opaque;

	arr[p->idx] = *p;
	arr[p->idx].rx_frames |= 1ull << 63; /* seen */
	return 0;
}

Test(switch, port_info)
{
	static struct switch_port_info arr[SWITCH_MAX_PORTS];
	int a = vm_connect(), b = vm_connect();

	spin(30);
	vm_hello(a, SECRET, "alpha", 2, MA, SWITCH_POLICY_ALLOW_VMS);
	vm_send(b, BC, MB, 1);
	spin(30);
	cr_expect_eq(switch_foreach_port(T.sw, collect, arr), 0);
	cr_expect(arr[0].rx_frames >> 63 && arr[0].host, "port 0: the gateway");
	cr_expect_eq(memcmp(arr[0].mac, GW, 6), 0);
	cr_expect_eq(arr[0].pid, getpid());
	cr_expect_eq(arr[0].policy, SWITCH_POLICY_DENY);
	cr_expect_eq(arr[0].tx_frames, 1);
	cr_expect(arr[1].rx_frames >> 63 && !arr[1].host);
	cr_expect_str_eq(arr[1].vm, "alpha");
	cr_expect_eq(arr[1].adapter, 2);
	cr_expect_eq(arr[1].policy, SWITCH_POLICY_ALLOW_VMS);
	cr_expect_eq(arr[1].pid, getpid(), "SO_PEERCRED: the test itself");
	cr_expect_eq(arr[1].uid, getuid());
	cr_expect(arr[2].rx_frames >> 63);
	cr_expect_str_eq(arr[2].vm, "");
	cr_expect(arr[2].mac_known, "learnt");
	cr_expect_eq(memcmp(arr[2].mac, MB, 6), 0);
	cr_expect_eq(arr[2].policy, SWITCH_POLICY_DENY);
	cr_expect_eq(arr[2].rx_frames & 0xff, 1);
	cr_expect_eq(arr[3].rx_frames, 0, "no port 3");
	close(a);
	close(b);
	spin(30);
}

Test(switch, host_ports)
{
	struct host h2 = { 0 };
	char err[256];
	int a = vm_connect();

	spin(30);
	cr_expect_eq(switch_add_host_port(T.sw, "test-sw", GW2, err, sizeof(err)), -EEXIST);
	cr_expect_eq(switch_add_host_port(T.sw, "test-sw2", GW, err, sizeof(err)), -EEXIST);
	cr_expect_eq(switch_add_host_port(T.sw, "test-sw2", BC, err, sizeof(err)), -EINVAL);
	cr_assert_eq(switch_add_host_port(T.sw, "test-sw2", GW2, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(T.obs_last.idx, 2, "the lowest free port");
	cr_expect(T.obs_last.host);
	host_open(&h2, "test-sw2");
	cr_expect_eq(stats().host_ports, 2);

	/* Between host ports: delivered later, from the loop, never inside the
	 * sender's call. */
	host_send(&h2, BC, GW2, 1);
	cr_expect_eq(T.nat.frames, 0, "not synchronously");
	spin(30);
	cr_expect_eq(T.nat.frames, 1);
	cr_expect_eq(vm_recv(a, NULL), 1);
	host_send(&T.nat, GW2, GW, 2);
	spin(30);
	cr_expect_eq(h2.frames, 1);
	cr_expect_eq(h2.last[14], 2);

	/* A VM to the second host port's MAC: that port only. */
	vm_send(a, GW2, MA, 3);
	spin(30);
	cr_expect_eq(h2.frames, 2);
	cr_expect_eq(T.nat.frames, 1);

	switch_remove_host_port(T.sw, "test-sw2");
	cr_expect(T.obs_last.host && T.obs_gone == 1, "told it went away");
	spin(30);
	cr_expect(!h2.up, "its adapter's link went down");
	cr_expect_eq(stats().host_ports, 1);
	device_close(h2.dev, host_closed, &h2);
	spin(30);
	cr_expect(h2.closed);
	close(a);
	spin(30);
}

Test(switch, socket_mode)
{
	struct switch_config cfg = { .name = "shared", .owner_uid = getuid(), .share_gid = 4343 };
	struct eth_switch *sw2 = NULL;
	char path[120], err[256];
	struct stat st;

	cr_assert_eq(stat(T.path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	if (getuid() != 0)
		return; /* chown to a group we are not in needs root */
	snprintf(path, sizeof(path), "%s/shared.sock", T.dir);
	cfg.sock_path = path;
	cr_assert_eq(switch_start(&T.loop, &cfg, &sw2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0660);
	cr_expect_eq(st.st_gid, 4343);
	switch_close(sw2, NULL, NULL);
	spin(20);
	cr_expect_neq(access(path, F_OK), 0);
}

/* A child of another uid (and groups) connects to path: 1 when the switch
 * kept the connection (no EOF within 300 ms), 0 when it closed it. */
static int foreign_peer(const char *path, uid_t uid, gid_t gid, gid_t extra)
{
	pid_t pid = fork();
	int status, kept = -1;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct pollfd p;
		char c;
		int fd;

		if (setgroups(extra ? 1 : 0, &extra) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(4);
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 300) == 1 && read(fd, &c, 1) <= 0)
			_exit(0); /* closed on us */
		_exit(1);
	}
	for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		spin(5);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (WIFEXITED(status))
		kept = WEXITSTATUS(status);
	cr_assert(kept == 0 || kept == 1, "child failed (%d)", kept);
	return kept;
}

Test(switch, access_control)
{
	struct switch_config cfg = { .name = "shared", .owner_uid = getuid(), .share_gid = 4343 };
	struct eth_switch *sw2 = NULL;
	char path[120], err[256];

	if (getuid() != 0)
		cr_skip_test("needs root to play other users");
	/* Let the others through the directory and the file: the credentials
	 * decide. */
	chmod(T.dir, 0711);
	chmod(T.path, 0666);
	cr_expect_eq(foreign_peer(T.path, 4242, 4242, 0), 0, "another uid: refused");
	cr_expect_eq(foreign_peer(T.path, 4242, 4343, 0), 0, "not shared: refused");
	cr_expect_eq(stats().refused, 2);
	cr_expect_eq(stats().connects, 0);

	snprintf(path, sizeof(path), "%s/shared.sock", T.dir);
	cfg.sock_path = path;
	cr_assert_eq(switch_start(&T.loop, &cfg, &sw2, err, sizeof(err)), 0, "%s", err);
	chmod(path, 0666);
	cr_expect_eq(foreign_peer(path, 4242, 4242, 0), 0, "not in the group: refused");
	cr_expect_eq(foreign_peer(path, 4242, 4343, 0), 1, "primary group: let in");
	cr_expect_eq(foreign_peer(path, 4242, 4242, 4343), 1, "supplementary group: let in");
	switch_close(sw2, NULL, NULL);
	spin(30);
}

Test(switch_vms, vms_only_and_own_mac_after_aging)
{
	int a = vm_connect(), b = vm_connect(), c = vm_connect();
	uint8_t tag = 0;

	spin(30);
	cr_expect_eq(stats().ports, 3);
	cr_expect_eq(stats().host_ports, 0);
	vm_send(a, BC, MA, 1);
	spin(30);
	cr_expect_eq(vm_recv(b, NULL), 1);
	cr_expect_eq(vm_recv(c, NULL), 1);
	vm_send(b, MA, MB, 2);
	spin(30);
	cr_expect_eq(vm_recv(a, &tag), 1);
	cr_expect_eq(tag, 2);
	cr_expect_eq(vm_recv(c, NULL), 0);
	cr_expect_eq(stats().flooded, 1, "the broadcast only");

	/* 200 ms of silence: the fdb forgets A and B... */
	spin(300);
	cr_expect_eq(stats().fdb_entries, 0);
	/* ... but A keeps its own address: the flooded frame reaches A only. */
	vm_send(b, MA, MB, 3);
	spin(30);
	cr_expect_eq(vm_recv(a, &tag), 1);
	cr_expect_eq(tag, 3);
	cr_expect_eq(vm_recv(c, NULL), 0, "deny: not for another's address");
	cr_expect_eq(stats().flooded, 2);
	close(a);
	close(b);
	close(c);
	spin(30);
}

/* A host port's adapter knows which VM port each frame came from: a tag per
 * port, a new one when the slot takes a new connection, 0 outside frames. */
Test(switch, host_port_sees_the_sending_port)
{
	int a = vm_connect(), b = vm_connect();
	uint32_t ta, tb, ta2;

	spin(30);
	vm_send(a, GW, MA, 1);
	spin(30);
	cr_assert_eq(T.nat.frames, 1);
	ta = T.nat.last_port;
	vm_send(b, GW, MB, 2);
	spin(30);
	cr_assert_eq(T.nat.frames, 2);
	tb = T.nat.last_port;
	cr_assert_neq(ta, 0);
	cr_assert_neq(tb, 0);
	cr_assert_neq(ta, tb);
	vm_send(a, GW, MA, 3);
	spin(30);
	cr_assert_eq(T.nat.last_port, ta, "the same port, the same tag");
	cr_assert_eq(device_rx_port(T.nat.dev), 0, "0 outside a delivery");
	close(a);
	spin(50);
	a = vm_connect();
	spin(30);
	vm_send(a, GW, MA, 4);
	spin(30);
	ta2 = T.nat.last_port;
	cr_assert_neq(ta2, ta, "a new connection is another sender, whatever its slot");
	cr_assert_neq(ta2, tb);
	close(a);
	close(b);
	spin(30);
}
