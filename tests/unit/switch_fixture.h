/* SPDX-License-Identifier: MIT */
/*
 * switch_fixture.h - what the pieces of the Ethernet switch's unit tests
 * (test_switch_forwarding.c, test_switch_ports.c) share: one switch
 * (l2/switch.h) on a real libuv loop per test in T, its gateway host port
 * "inproc:test-sw" opened by the test (suite switch) or none and a 200 ms
 * MAC table age (suite switch_vms); VMs that are plain UNIX stream sockets
 * speaking QEMU's framing; and bounded loop runs (spin()).
 */
#ifndef NATD_TEST_SWITCH_FIXTURE_H
#define NATD_TEST_SWITCH_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "devices/device.h"
#include "l2/switch.h"

extern const uint8_t GW[6];
extern const uint8_t GW2[6];
extern const uint8_t MA[6];
extern const uint8_t MB[6];
extern const uint8_t MC[6];
extern const uint8_t MD[6];
extern const uint8_t MX[6];
extern const uint8_t BC[6];
extern const uint8_t SECRET[SWITCH_SECRET_LEN];

struct host {
	struct device *dev;
	int frames, up;
	uint8_t last[64];
	uint32_t last_port;   /* device_rx_port() during the last frame */
	bool closed;
};

struct switch_test {
	uv_loop_t loop;
	struct eth_switch *sw;
	struct host nat;
	bool sw_closed;
	char dir[40], path[100];
	int obs_events, obs_gone;
	struct switch_port_info obs_last;
};
extern struct switch_test T;

/* The suites' .init (switch, switch_vms) and .fini. */
void setup(void);
void setup_vms_only(void);
void teardown(void);

void host_closed(void *opaque);
/* Runs the loop for about ms milliseconds. */
void spin(int ms);
void host_open(struct host *h, const char *name);
void host_send(struct host *h, const uint8_t dst[6], const uint8_t src[6], uint8_t tag);
int vm_connect(void);
/* One frame of any length, with QEMU's 4-byte length in front. */
void vm_send_raw(int fd, const uint8_t *f, size_t len);
void vm_send(int fd, const uint8_t dst[6], const uint8_t src[6], uint8_t tag);
void vm_hello(int fd, const uint8_t *secret, const char *vm, unsigned adapter,
	      const uint8_t mac[6], enum switch_policy policy);
/* Reads every frame waiting on fd (after a spin); returns how many, the
 * last one's tag in *tag. */
int vm_recv(int fd, uint8_t *tag);
struct switch_stats stats(void);

#endif
