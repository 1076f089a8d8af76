/* SPDX-License-Identifier: MIT */
/*
 * ctl_fixture.c - the control-socket server in a thread and the raw client
 * helpers of the control socket's unit tests (test_ctl_*.c); see ctl_fixture.h.
 */
#include "ctl_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct srv S;

static json_t *h_echo(void *opaque, json_t *args, char *err, size_t errlen)
{
	(void)opaque, (void)err, (void)errlen;
	return args ? json_incref(args) : json_object();
}

static json_t *h_fail(void *opaque, json_t *args, char *err, size_t errlen)
{
	(void)opaque, (void)args;
	snprintf(err, errlen, "it failed on purpose");
	return NULL;
}

/* A result too long for one protocol line. */
static json_t *h_big(void *opaque, json_t *args, char *err, size_t errlen)
{
	char *text = malloc(CTL_MAX_MESSAGE + 1);
	json_t *r;

	(void)opaque, (void)args, (void)err, (void)errlen;
	if (!text)
		return NULL;
	memset(text, 'z', CTL_MAX_MESSAGE);
	text[CTL_MAX_MESSAGE] = '\0';
	r = json_pack("{s:s}", "text", text);
	free(text);
	return r;
}

static json_t *h_showvminfo(void *opaque, json_t *args, char *err, size_t errlen)
{
	(void)opaque, (void)args, (void)err, (void)errlen;
	return json_pack("{s:s,s:[{s:i,s:s}]}", "name", "vm1", "nics", "slot", 1, "attach",
			 "stream:/x");
}

/* Answers with a message naming what it was asked; fails "natpf1 delete"
 * (no rules here), answers "setlinkstate1" with nothing, as natd does. */
static json_t *h_controlvm(void *opaque, json_t *args, char *err, size_t errlen)
{
	const char *sub = json_string_value(json_object_get(args, "subcommand"));
	json_t *argv = json_object_get(args, "argv");
	const char *a0;
	char msg[256];

	(void)opaque;
	if (!sub || !json_is_array(argv)) {
		snprintf(err, errlen, "bad args");
		return NULL;
	}
	a0 = json_string_value(json_array_get(argv, 0));
	if (!strcmp(sub, "natpf1") && a0 && !strcmp(a0, "delete")) {
		snprintf(err, errlen, "natpf1: no rule named 'x'");
		return NULL;
	}
	if (!strcmp(sub, "setlinkstate1"))
		return json_object();
	snprintf(msg, sizeof(msg), "%s with %zu args, first '%s'", sub, json_array_size(argv),
		 json_array_size(argv) ? json_string_value(json_array_get(argv, 0)) : "");
	return json_pack("{s:s}", "message", msg);
}

static void on_closed(void *opaque)
{
	struct srv *v = opaque;

	v->closed = true;
}

static void on_stop(uv_async_t *a)
{
	struct srv *v = a->data;

	ctl_server_close(v->s, on_closed, v);
	uv_close((uv_handle_t *)a, NULL);
}

static void *loop_main(void *arg)
{
	struct srv *v = arg;

	uv_run(&v->loop, UV_RUN_DEFAULT);
	return NULL;
}

static void make_dir(void)
{
	snprintf(S.dir, sizeof(S.dir), "/tmp/natd-test-ctl-XXXXXX");
	cr_assert_not_null(mkdtemp(S.dir));
	snprintf(S.path, sizeof(S.path), "%s/vm1.ctl", S.dir);
}

void srv_start(void)
{
	char err[256] = "";
	int r;

	cr_assert_eq(uv_loop_init(&S.loop), 0);
	cr_assert_eq(uv_async_init(&S.loop, &S.stop, on_stop), 0);
	S.stop.data = &S;
	r = ctl_server_start(&S.loop, S.path, &S.s, err, sizeof(err));
	cr_assert_eq(r, 0, "ctl_server_start: %d %s", r, err);
	cr_assert_eq(ctl_server_register(S.s, "echo", h_echo, NULL), 0);
	cr_assert_eq(ctl_server_register(S.s, "fail", h_fail, NULL), 0);
	cr_assert_eq(ctl_server_register(S.s, "big", h_big, NULL), 0);
	cr_assert_eq(ctl_server_register(S.s, "echo", h_echo, NULL), -EEXIST);
	if (S.cli_handlers) {
		cr_assert_eq(ctl_server_register(S.s, "showvminfo", h_showvminfo, NULL), 0);
		cr_assert_eq(ctl_server_register(S.s, "controlvm", h_controlvm, NULL), 0);
	}
	cr_assert_eq(pthread_create(&S.thread, NULL, loop_main, &S), 0);
	S.running = true;
}

void srv_stop(void)
{
	struct timespec ts;

	if (!S.running)
		return;
	S.running = false;
	cr_assert_eq(uv_async_send(&S.stop), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	cr_assert_eq(pthread_timedjoin_np(S.thread, NULL, &ts), 0,
		     "the server's loop did not finish");
	cr_assert(S.closed, "closed callback not called");
	cr_assert_eq(uv_loop_close(&S.loop), 0, "handles left open");
}

void setup(void)
{
	memset(&S, 0, sizeof(S));
	make_dir();
}

void teardown(void)
{
	char run[96];

	srv_stop();
	unlink(S.path);
	snprintf(run, sizeof(run), "%s/run", S.dir);
	rmdir(run);
	rmdir(S.dir);
}
/* --- raw client helpers -------------------------------------------------- */

void set_path(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		abort();
	memcpy(sa->sun_path, path, n + 1);
}

int t_raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	set_path(&sa, path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	return fd;
}

void t_raw_send(int fd, const char *data, size_t len)
{
	while (len > 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		cr_assert_eq(poll(&p, 1, TIMEOUT_MS), 1, "send timed out");
		n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		cr_assert_gt(n, 0, "send: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
}

ssize_t t_raw_line(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		cr_assert_eq(poll(&p, 1, TIMEOUT_MS), 1, "read timed out");
		n = recv(fd, buf + got, 1, 0);
		/* A server that closes with our bytes unread resets the connection. */
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		cr_assert_geq(n, 0, "recv: %s", strerror(errno));
		if (n == 0) {
			cr_assert_eq(got, 0, "EOF inside a line");
			return -1;
		}
		if (buf[got] == '\n') {
			buf[got] = '\0';
			return (ssize_t)got;
		}
		got++;
		cr_assert_lt(got, cap, "line too long");
	}
}

json_t *parse_resp(const char *line, bool ok)
{
	json_error_t jerr;
	json_t *r = json_loads(line, 0, &jerr);

	cr_assert_not_null(r, "bad response '%s': %s", line, jerr.text);
	cr_assert_eq(json_integer_value(json_object_get(r, "version")), 1);
	cr_assert_eq(json_is_true(json_object_get(r, "ok")), ok, "response: %s", line);
	return r;
}

const char *resp_error(json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}
