/* SPDX-License-Identifier: MIT */
/*
 * device_io_fixture.h - what the pieces of the device I/O unit tests
 * (test_device_io_*.c) share: one real libuv loop per test, a device handler
 * that records every frame, batch end and link change in C, and loop runs
 * bounded by a 5 s guard timer (run_until() and the WAIT_* assertions). The
 * suite's .init/.fini (setup, teardown) make and remove C and its temporary
 * directory, closing a device a test left open.
 */
#ifndef NATD_TEST_DEVICE_IO_FIXTURE_H
#define NATD_TEST_DEVICE_IO_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "devices/device.h"

#define RXCAP (1 << 20)

struct ctx {
	uv_loop_t loop;
	uv_timer_t guard;
	bool timed_out;
	uint64_t started;
	struct device *dev;
	uint8_t rx[RXCAP];	/* every frame the handler saw, concatenated */
	size_t rxlen;
	size_t frame_lens[64];
	int frames;
	int batches;
	int ups, downs;
	bool closed;
	bool close_in_frame;	/* device_close() from inside the frame callback */
	char dir[64];
	char path[128];
};

extern struct ctx *C;
/* The recording handler, for device_open() calls of the tests themselves. */
extern const struct device_handler handler;

void setup(void);
void teardown(void);

/* Runs the loop until cond(arg) holds; false after 5 s. (UV_RUN_ONCE may run
 * a due timer and then still wait for I/O: hence the 10 ms tick.) */
bool run_until(bool (*cond)(void *), void *arg);
bool have_ups(void *n);
bool have_downs(void *n);
bool have_frames(void *n);
bool is_closed(void *unused);
bool have_tx_calls(void *n);

#define WAIT_UPS(n) do { int n_ = (n); cr_assert(run_until(have_ups, &n_), "link up %d", n_); } while (0)
#define WAIT_DOWNS(n) do { int n_ = (n); cr_assert(run_until(have_downs, &n_), "link down %d", n_); } while (0)
#define WAIT_SENT(n) do { int n_ = (n); cr_assert(run_until(have_tx_calls, &n_), "sendmmsg %d", n_); } while (0)
#define WAIT_FRAMES(n) do { int n_ = (n); cr_assert(run_until(have_frames, &n_), "frames %d (have %d)", n_, C->frames); } while (0)

/* Opens spec on C's loop with the recording handler, into C->dev. */
void open_dev(const char *spec);
/* Closes C->dev and runs the loop until its close callback. */
void close_dev(void);
/* Fills f with a pattern that depends on seed. */
void fill(uint8_t *f, size_t len, uint8_t seed);
void xwrite(int fd, const void *p, size_t n);
int unix_connect(const char *path);
/* "type:arg" in a static buffer. */
const char *spec(const char *type, const char *arg);

#endif
