/* SPDX-License-Identifier: MIT */
/*
 * test_switch_ports.c - natd's Ethernet switch (l2/switch.h) on a real libuv
 * loop (switch_fixture.h), its ports: port information and observer,
 * several host ports (frames between them deferred, the sending port seen),
 * the socket's mode and group, peers of other uids refused or let in by
 * group (forked children, when the test runs as root), a deny port's own
 * MAC after aging on a switch of VMs only. Every loop run is bounded.
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

#include "switch_fixture.h"

TestSuite(switch, .init = setup, .fini = teardown);
TestSuite(switch_vms, .init = setup_vms_only, .fini = teardown);

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
