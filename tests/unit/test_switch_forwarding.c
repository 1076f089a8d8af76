/* SPDX-License-Identifier: MIT */
/*
 * test_switch_forwarding.c - natd's Ethernet switch (l2/switch.h) on a real
 * libuv loop (switch_fixture.h), what it forwards: flooding, learning, the
 * gateway's pinned MAC, the promiscuous policies (deny, allow-vms,
 * allow-all) with real deliveries, hello frames (applied live, wrong secret
 * ignored, never forwarded), garbage frames counted. Every loop run is
 * bounded.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "switch_fixture.h"

TestSuite(switch, .init = setup, .fini = teardown);

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
