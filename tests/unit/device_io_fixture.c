/* SPDX-License-Identifier: MIT */
/*
 * device_io_fixture.c - the loop, recording handler and bounded loop runs of
 * the device I/O unit tests (test_device_io_*.c); see device_io_fixture.h.
 */
#include "device_io_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct ctx *C;

static void on_closed(void *opaque);

static void on_frame(void *opaque, const uint8_t *f, size_t len)
{
	struct ctx *c = opaque;

	cr_assert_leq(c->rxlen + len, sizeof(c->rx));
	memcpy(c->rx + c->rxlen, f, len);
	c->rxlen += len;
	if (c->frames < 64)
		c->frame_lens[c->frames] = len;
	c->frames++;
	if (c->close_in_frame && !c->closed) {
		c->close_in_frame = false;
		device_close(c->dev, on_closed, c);
	}
}

static void on_batch(void *opaque)
{
	((struct ctx *)opaque)->batches++;
}

static void on_link(void *opaque, bool up)
{
	struct ctx *c = opaque;

	if (up)
		c->ups++;
	else
		c->downs++;
}

static void on_closed(void *opaque)
{
	((struct ctx *)opaque)->closed = true;
}

/* Ticks every 10 ms so that UV_RUN_ONCE never sleeps long; 5 s is the limit. */
static void guard_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;

	if (uv_now(&c->loop) - c->started >= 5000)
		c->timed_out = true;
}

const struct device_handler handler = {
	.frame = on_frame, .batch_end = on_batch, .link = on_link,
};

void setup(void)
{
	C = calloc(1, sizeof(*C));
	cr_assert(C);
	cr_assert_eq(uv_loop_init(&C->loop), 0);
	uv_timer_init(&C->loop, &C->guard);
	C->guard.data = C;
	strcpy(C->dir, "/tmp/natd-devtest.XXXXXX");
	cr_assert(mkdtemp(C->dir));
	snprintf(C->path, sizeof(C->path), "%s/vm.sock", C->dir);
}

static void guard_closed(uv_handle_t *h)
{
	(void)h;
}

void teardown(void)
{
	if (C->dev && !C->closed) {
		device_close(C->dev, on_closed, C);
		uv_run(&C->loop, UV_RUN_DEFAULT);
	}
	uv_close((uv_handle_t *)&C->guard, guard_closed);
	uv_run(&C->loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&C->loop), 0, "handles left open");
	unlink(C->path);
	rmdir(C->dir);
	free(C);
}

bool run_until(bool (*cond)(void *), void *arg)
{
	C->timed_out = false;
	uv_update_time(&C->loop);
	C->started = uv_now(&C->loop);
	uv_timer_start(&C->guard, guard_cb, 10, 10);
	while (!cond(arg) && !C->timed_out)
		uv_run(&C->loop, UV_RUN_ONCE);
	uv_timer_stop(&C->guard);
	return cond(arg);
}

bool have_ups(void *n)
{
	return C->ups >= *(int *)n;
}

bool have_downs(void *n)
{
	return C->downs >= *(int *)n;
}

bool have_frames(void *n)
{
	return C->frames >= *(int *)n;
}

bool is_closed(void *unused)
{
	(void)unused;
	return C->closed;
}

bool have_tx_calls(void *n)
{
	struct device_stats st;

	device_get_stats(C->dev, &st);
	return st.tx_calls >= (uint64_t)*(int *)n;
}

void open_dev(const char *spec)
{
	char err[256] = "";
	int r = device_open(&C->loop, spec, &(struct device_handler){
		.frame = on_frame, .batch_end = on_batch, .link = on_link, .opaque = C,
	}, &C->dev, err, sizeof(err));

	cr_assert_eq(r, 0, "device_open(%s): %s", spec, err);
	cr_assert_str_eq(device_spec(C->dev), spec);
}

void close_dev(void)
{
	device_close(C->dev, on_closed, C);
	cr_assert(run_until(is_closed, NULL));
	C->dev = NULL;
}

void fill(uint8_t *f, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

void xwrite(int fd, const void *p, size_t n)
{
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
}

int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
		     "connect %s: %s", path, strerror(errno));
	return fd;
}
static char spec_buf[256];

const char *spec(const char *type, const char *arg)
{
	snprintf(spec_buf, sizeof(spec_buf), "%s:%s", type, arg);
	return spec_buf;
}
