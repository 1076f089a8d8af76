/* SPDX-License-Identifier: MIT */
/*
 * test_ctl.c - the control socket (natd/ctl.c, natd/ctl_client.c): a real
 * server on a libuv loop run in a background thread, blocking ctl_call()s
 * and raw clients from the test thread. Handlers "echo" (returns args) and "fail" (error) stand in for
 * natd's. Every wait is bounded (poll timeouts, a timed join of the loop
 * thread, which is stopped through a uv_async_t that closes the server).
 * ctl_print_result() is checked byte for byte against a fixed object, and
 * `natd showvminfo` / `natd controlvm` (natd/cmd_ctl.c) against the same
 * server under a temporary NATD_HOME.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "natd/cmd_ctl.h"
#include "natd/ctl.h"
#include "natd/ctl_client.h"

#define TIMEOUT_MS 5000

struct srv {
	uv_loop_t loop;
	uv_async_t stop;
	struct ctl_server *s;
	pthread_t thread;
	bool running;
	bool closed;
	bool cli_handlers;	/* also register showvminfo and controlvm */
	char dir[64];
	char path[128];
};

static struct srv S;

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

static json_t *h_showvminfo(void *opaque, json_t *args, char *err, size_t errlen);
static json_t *h_controlvm(void *opaque, json_t *args, char *err, size_t errlen);

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

/* Starts the server on S.path and its loop thread. */
static void srv_start(void)
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

/* Asks the loop thread to close the server, joins it within 5 s. */
static void srv_stop(void)
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

static void setup(void)
{
	memset(&S, 0, sizeof(S));
	make_dir();
}

static void teardown(void)
{
	char run[96];

	srv_stop();
	unlink(S.path);
	snprintf(run, sizeof(run), "%s/run", S.dir);
	rmdir(run);
	rmdir(S.dir);
}

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 60);

/* --- raw client helpers -------------------------------------------------- */

static void set_path(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		abort();
	memcpy(sa->sun_path, path, n + 1);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	set_path(&sa, path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	return fd;
}

static void raw_send(int fd, const char *data, size_t len)
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

/*
 * Reads one line (without '\n') into buf. Returns its length, or -1 on EOF
 * (or reset) before any byte. Bytes after the line stay in the socket: reads one byte
 * at a time, which is plenty for tests.
 */
static ssize_t raw_line(int fd, char *buf, size_t cap)
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

/* Parses a response line and checks version/ok; returns it (caller frees). */
static json_t *parse_resp(const char *line, bool ok)
{
	json_error_t jerr;
	json_t *r = json_loads(line, 0, &jerr);

	cr_assert_not_null(r, "bad response '%s': %s", line, jerr.text);
	cr_assert_eq(json_integer_value(json_object_get(r, "version")), 1);
	cr_assert_eq(json_is_true(json_object_get(r, "ok")), ok, "response: %s", line);
	return r;
}

static const char *resp_error(json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}

/* --- server and client --------------------------------------------------- */

Test(ctl, call_ok_returns_result)
{
	json_t *args = json_pack("{s:i,s:s,s:[i,i]}", "a", 1, "b", "x\ny", "c", 2, 3);
	json_t *res = NULL;
	char err[256] = "";
	int r;

	srv_start();
	r = ctl_call(S.path, "echo", args, TIMEOUT_MS, &res, err, sizeof(err));
	cr_assert_eq(r, 0, "ctl_call: %d %s", r, err);
	cr_assert(json_equal(res, args));
	json_decref(res);
	/* No args: the handler sees NULL. */
	r = ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err));
	cr_assert_eq(r, 0, "ctl_call: %d %s", r, err);
	cr_assert(json_is_object(res) && json_object_size(res) == 0);
	json_decref(res);
	json_decref(args);
}

Test(ctl, handler_error_is_eremoteio)
{
	json_t *res = (json_t *)1;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "fail", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_null(res);
	cr_assert_str_eq(err, "it failed on purpose");
}

Test(ctl, unknown_command)
{
	json_t *res = NULL;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "nope", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_str_eq(err, "unknown command 'nope'");
}

Test(ctl, socket_mode_is_0600)
{
	struct stat st;

	srv_start();
	cr_assert_eq(stat(S.path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
}

Test(ctl, several_requests_on_one_connection)
{
	const char two[] =
		"{\"version\":1,\"command\":\"echo\",\"args\":{\"n\":1}}\n"
		"\n" /* empty lines are skipped */
		"{\"version\":1,\"command\":\"fail\"}\n";
	const char third[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"n\":3}}\n";
	char line[1024];
	json_t *r;
	int fd;

	srv_start();
	fd = raw_connect(S.path);
	raw_send(fd, two, sizeof(two) - 1);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "n")), 1);
	json_decref(r);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, false);
	cr_assert_str_eq(resp_error(r), "it failed on purpose");
	json_decref(r);
	/* A request split across two writes. */
	raw_send(fd, third, 10);
	usleep(20000);
	raw_send(fd, third + 10, sizeof(third) - 1 - 10);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "n")), 3);
	json_decref(r);
	/* EOF from us: the server closes its side. */
	shutdown(fd, SHUT_WR);
	cr_assert_eq(raw_line(fd, line, sizeof(line)), -1);
	close(fd);
}

Test(ctl, malformed_requests_get_errors_and_connection_survives)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "{not json\n", "malformed request: " },
		{ "[1,2]\n", "malformed request: not a JSON object" },
		{ "{\"version\":2,\"command\":\"echo\"}\n", "unsupported protocol version" },
		{ "{\"command\":\"echo\"}\n", "unsupported protocol version" },
		{ "{\"version\":1,\"command\":7}\n", "malformed request: no \"command\" string" },
	};
	const char ok[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"still\":true}}\n";
	char line[1024];
	json_t *r;
	int fd;

	srv_start();
	fd = raw_connect(S.path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		raw_send(fd, cases[i].line, strlen(cases[i].line));
		cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
		r = parse_resp(line, false);
		cr_assert(!strncmp(resp_error(r), cases[i].error, strlen(cases[i].error)),
			  "case %zu: error '%s'", i, resp_error(r));
		json_decref(r);
	}
	raw_send(fd, ok, sizeof(ok) - 1);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert(json_is_true(json_object_get(json_object_get(r, "result"), "still")));
	json_decref(r);
	close(fd);
}

Test(ctl, overlong_line_gets_error_and_close)
{
	char *big = malloc(CTL_MAX_MESSAGE + 100);
	char line[1024], err[256] = "";
	json_t *r, *res = NULL;
	int fd;

	cr_assert_not_null(big);
	memset(big, 'x', CTL_MAX_MESSAGE + 100);
	srv_start();
	fd = raw_connect(S.path);
	raw_send(fd, big, CTL_MAX_MESSAGE + 100);
	free(big);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, false);
	cr_assert_str_eq(resp_error(r), "request longer than 65536 bytes");
	json_decref(r);
	cr_assert_eq(raw_line(fd, line, sizeof(line)), -1, "connection not closed");
	close(fd);
	/* The server still answers others. */
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}

Test(ctl, line_of_maximum_length_is_accepted)
{
	/* {"version":1,"command":"echo","args":{"p":"xxx..."}}\n = CTL_MAX_MESSAGE */
	const char head[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"p\":\"";
	const char tail[] = "\"}}\n";
	size_t fill = CTL_MAX_MESSAGE - (sizeof(head) - 1) - (sizeof(tail) - 1);
	char *req = malloc(CTL_MAX_MESSAGE + 1), *line = malloc(CTL_MAX_MESSAGE + 1);
	json_t *r;
	int fd;

	cr_assert(req && line);
	memcpy(req, head, sizeof(head) - 1);
	memset(req + sizeof(head) - 1, 'y', fill);
	memcpy(req + sizeof(head) - 1 + fill, tail, sizeof(tail));
	cr_assert_eq(strlen(req), CTL_MAX_MESSAGE);
	srv_start();
	fd = raw_connect(S.path);
	raw_send(fd, req, CTL_MAX_MESSAGE);
	cr_assert_gt(raw_line(fd, line, CTL_MAX_MESSAGE + 1), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_string_length(json_object_get(json_object_get(r, "result"), "p")),
		     fill);
	json_decref(r);
	close(fd);
	free(req);
	free(line);
}

Test(ctl, too_large_response_becomes_an_error)
{
	json_t *res = NULL;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "big", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_str_eq(err, "response too large");
}

Test(ctl, second_server_on_same_path_fails)
{
	uv_loop_t loop2;
	struct ctl_server *s2 = (struct ctl_server *)1;
	char err[256] = "", want[300];
	json_t *res = NULL;

	srv_start();
	cr_assert_eq(uv_loop_init(&loop2), 0);
	cr_assert_eq(ctl_server_start(&loop2, S.path, &s2, err, sizeof(err)), -EADDRINUSE);
	cr_assert_null(s2);
	snprintf(want, sizeof(want), "another natd is running VM 'vm1' (%s)", S.path);
	cr_assert_str_eq(err, want);
	uv_run(&loop2, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop2), 0);
	/* The first one is untouched. */
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}

/* A socket file bound and closed without unlink, as a crashed natd leaves. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	set_path(&sa, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

Test(ctl, client_messages_without_server)
{
	json_t *res = NULL;
	char err[256] = "", want[300];

	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -ENOENT);
	snprintf(want, sizeof(want), "no natd is running VM 'vm1' (no %s)", S.path);
	cr_assert_str_eq(err, want);
	make_stale_socket(S.path);
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -ECONNREFUSED);
	snprintf(want, sizeof(want), "no natd is running VM 'vm1' (stale socket %s)", S.path);
	cr_assert_str_eq(err, want);
	cr_assert_null(res);
}

Test(ctl, stale_socket_is_replaced)
{
	json_t *res = NULL;
	char err[256] = "";

	make_stale_socket(S.path);
	srv_start();
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}

Test(ctl, not_a_socket_is_left_alone)
{
	uv_loop_t loop2;
	struct ctl_server *s2;
	char err[256] = "";
	FILE *f = fopen(S.path, "w");

	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(uv_loop_init(&loop2), 0);
	cr_assert_eq(ctl_server_start(&loop2, S.path, &s2, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "exists and is not a socket"), "%s", err);
	cr_assert_eq(access(S.path, F_OK), 0);
	uv_run(&loop2, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop2), 0);
}

Test(ctl, close_unlinks_socket_even_with_idle_client)
{
	const char req[] = "{\"version\":1,\"command\":\"echo\"}\n";
	json_t *res = NULL;
	char err[256] = "", line[256];
	int fd;

	srv_start();
	fd = raw_connect(S.path);
	/* One round trip, so that the server has accepted the connection. */
	raw_send(fd, req, sizeof(req) - 1);
	cr_assert_gt(raw_line(fd, line, sizeof(line)), 0);
	srv_stop();
	cr_assert_eq(access(S.path, F_OK), -1);
	cr_assert_eq(errno, ENOENT);
	/* The idle client sees EOF. */
	cr_assert_eq(raw_line(fd, line, sizeof(line)), -1);
	close(fd);
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -ENOENT);
}

Test(ctl, close_keeps_a_file_that_is_not_ours)
{
	struct stat st;
	FILE *f;

	srv_start();
	/* Someone replaced the socket (e.g. a second natd after removing ours). */
	cr_assert_eq(unlink(S.path), 0);
	f = fopen(S.path, "w");
	cr_assert_not_null(f);
	fclose(f);
	srv_stop();
	cr_assert_eq(stat(S.path, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

/* Child side of the credentials test: as uid 65534, expect EOF, no answer. */
static int peer_child(const char *path)
{
	const char req[] = "{\"version\":1,\"command\":\"echo\"}\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd p;
	char buf[64];
	int fd;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	set_path(&sa, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 11;
	send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL); /* may fail: the server hung up */
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return 12;
	return recv(fd, buf, sizeof(buf), 0) <= 0 ? 0 : 13;
}

Test(ctl, other_users_are_refused)
{
	json_t *res = NULL;
	char err[256] = "";
	pid_t pid;
	int status;

	if (geteuid() != 0)
		cr_skip_test("needs root to connect as another user");
	srv_start();
	/* Open up the directory and socket so that only SO_PEERCRED stops them. */
	cr_assert_eq(chmod(S.dir, 0755), 0);
	cr_assert_eq(chmod(S.path, 0666), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(peer_child(S.path));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "child status %d", WEXITSTATUS(status));
	/* root still gets in. */
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}

/* Number of descriptors this process has open (entries of /proc/self/fd). */
static int open_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/*
 * A server that listens but never answers: the call gives up with -ETIMEDOUT
 * and says so, not before its timeout (nor stuck forever: 30 s is only a
 * guard against a hang, no speed claim), and leaves nothing behind: the
 * request was sent whole, its connection is closed (the listener reads the
 * line, then EOF), no descriptor leaks, and the next call to a real server
 * on the same path works.
 */
Test(ctl, call_times_out_on_a_silent_server)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *res = NULL;
	char err[256] = "", line[256];
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timespec t0, t1;
	int fds, cfd;
	long ms;

	cr_assert_geq(lfd, 0);
	set_path(&sa, S.path);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	fds = open_fds();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ctl_call(S.path, "echo", NULL, 200, &res, err, sizeof(err)), -ETIMEDOUT,
		     "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_assert_geq(ms, 190, "gave up after %ld ms, before its 200 ms", ms);
	cr_assert_lt(ms, 30000, "took %ld ms: hung?", ms);
	cr_assert_null(res);
	cr_assert(strstr(err, "no answer from natd within 200 ms"), "%s", err);
	cr_assert_eq(open_fds(), fds, "the call left a descriptor open");

	/* The pending connection: the whole request, then the client's close. */
	cfd = accept(lfd, NULL, NULL);
	cr_assert_geq(cfd, 0, "accept: %s", strerror(errno));
	cr_assert_gt(raw_line(cfd, line, sizeof(line)), 0);
	cr_assert(strstr(line, "\"command\":\"echo\""), "%s", line);
	cr_assert_eq(raw_line(cfd, line, sizeof(line)), -1, "connection not closed");
	close(cfd);
	close(lfd);
	cr_assert_eq(unlink(S.path), 0);

	/* A later call, to a server that answers, works. */
	srv_start();
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(json_is_object(res));
	json_decref(res);
}

/* --- printing ------------------------------------------------------------ */

static const char sample[] =
	"{\"name\":\"vm1\",\"running\":true,\"uptime\":12,"
	"\"nics\":[{\"slot\":1,\"mac\":\"08:00:27:00:00:01\","
	"\"flows\":[{\"proto\":\"tcp\",\"state\":\"established\"},"
	"{\"proto\":\"udp\",\"state\":\"open\"}]}],"
	"\"leases\":[],\"dns\":[\"10.0.2.3\",\"1.1.1.1\"],"
	"\"counters\":{\"drops\":3,\"ratio\":0.5,\"none\":null},"
	"\"note\":\"say \\\"hi\\\" C:\\\\x\\nline2\"}";

static char *print_to_string(json_t *v, int machine)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	ctl_print_result(f, v, machine);
	fclose(f);
	return buf;
}

Test(ctl_print, human)
{
	json_error_t jerr;
	json_t *v = json_loads(sample, 0, &jerr);
	char *out;

	cr_assert_not_null(v, "%s", jerr.text);
	out = print_to_string(v, 0);
	cr_assert_str_eq(out,
		"name: vm1\n"
		"running: true\n"
		"uptime: 12\n"
		"nics[1]:\n"
		"  slot: 1\n"
		"  mac: 08:00:27:00:00:01\n"
		"  flows[1]:\n"
		"    proto: tcp\n"
		"    state: established\n"
		"  flows[2]:\n"
		"    proto: udp\n"
		"    state: open\n"
		"leases: (none)\n"
		"dns[1]: 10.0.2.3\n"
		"dns[2]: 1.1.1.1\n"
		"counters:\n"
		"  drops: 3\n"
		"  ratio: 0.5\n"
		"  none: null\n"
		"note: say \"hi\" C:\\x\\nline2\n");
	free(out);
	json_decref(v);
}

Test(ctl_print, machine_readable)
{
	json_error_t jerr;
	json_t *v = json_loads(sample, 0, &jerr);
	char *out;

	cr_assert_not_null(v, "%s", jerr.text);
	out = print_to_string(v, 1);
	cr_assert_str_eq(out,
		"name=\"vm1\"\n"
		"running=\"true\"\n"
		"uptime=12\n"
		"nics_1_slot=1\n"
		"nics_1_mac=\"08:00:27:00:00:01\"\n"
		"nics_1_flows_1_proto=\"tcp\"\n"
		"nics_1_flows_1_state=\"established\"\n"
		"nics_1_flows_2_proto=\"udp\"\n"
		"nics_1_flows_2_state=\"open\"\n"
		"dns_1=\"10.0.2.3\"\n"
		"dns_2=\"1.1.1.1\"\n"
		"counters_drops=3\n"
		"counters_ratio=0.5\n"
		"counters_none=\"\"\n"
		"note=\"say \\\"hi\\\" C:\\\\x\\nline2\"\n");
	free(out);
	json_decref(v);
}

Test(ctl_print, scalars_and_empty)
{
	json_t *v = json_string("just text");
	char *out;

	out = print_to_string(v, 0);
	cr_assert_str_eq(out, "just text\n");
	free(out);
	out = print_to_string(v, 1);
	cr_assert_str_eq(out, "value=\"just text\"\n");
	free(out);
	json_decref(v);
	v = json_object();
	out = print_to_string(v, 0);
	cr_assert_str_eq(out, "");
	free(out);
	json_decref(v);
}

/* --- natd showvminfo / controlvm ----------------------------------------- */

static json_t *h_showvminfo(void *opaque, json_t *args, char *err, size_t errlen)
{
	(void)opaque, (void)args, (void)err, (void)errlen;
	return json_pack("{s:s,s:[{s:i,s:s}]}", "name", "vm1", "nics", "slot", 1, "attach",
			 "stream:/x");
}

/* Answers with a message naming what it was asked, or fails on "bad". */
static json_t *h_controlvm(void *opaque, json_t *args, char *err, size_t errlen)
{
	const char *sub = json_string_value(json_object_get(args, "subcommand"));
	json_t *argv = json_object_get(args, "argv");
	char msg[256];

	(void)opaque;
	if (!sub || !json_is_array(argv)) {
		snprintf(err, errlen, "bad args");
		return NULL;
	}
	if (!strcmp(sub, "bad")) {
		snprintf(err, errlen, "natpf1: no rule named 'x'");
		return NULL;
	}
	if (!strcmp(sub, "quiet"))
		return json_object();
	snprintf(msg, sizeof(msg), "%s with %zu args, first '%s'", sub, json_array_size(argv),
		 json_array_size(argv) ? json_string_value(json_array_get(argv, 0)) : "");
	return json_pack("{s:s}", "message", msg);
}

static void setup_cmd(void)
{
	char run[96];

	setup();
	snprintf(run, sizeof(run), "%s/run", S.dir);
	cr_assert_eq(mkdir(run, 0700), 0);
	snprintf(S.path, sizeof(S.path), "%s/vm1.ctl", run);
	setenv("NATD_HOME", S.dir, 1);
	cr_redirect_stdout();
	cr_redirect_stderr();
}

TestSuite(cmd, .init = setup_cmd, .fini = teardown, .timeout = 60);

static void start_with_cli_handlers(void)
{
	S.cli_handlers = true;
	srv_start();
}

Test(cmd, showvminfo_prints_both_forms)
{
	char *a1[] = { "showvminfo", "vm1", NULL };
	char *a2[] = { "showvminfo", "--machinereadable", "vm1", NULL };

	start_with_cli_handlers();
	cr_assert_eq(cmd_showvminfo(2, a1), 0);
	cr_assert_eq(cmd_showvminfo(3, a2), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("name: vm1\n"
				"nics[1]:\n"
				"  slot: 1\n"
				"  attach: stream:/x\n"
				"name=\"vm1\"\n"
				"nics_1_slot=1\n"
				"nics_1_attach=\"stream:/x\"\n");
}

Test(cmd, showvminfo_without_natd)
{
	char *a[] = { "showvminfo", "vm2", NULL };
	char want[300];

	cr_assert_eq(cmd_showvminfo(2, a), 1);
	fflush(stderr);
	snprintf(want, sizeof(want), "natd showvminfo: no natd is running VM 'vm2' (no %s/run/vm2.ctl)\n",
		 S.dir);
	cr_assert_stderr_eq_str(want);
}

Test(cmd, showvminfo_usage)
{
	char *none[] = { "showvminfo", NULL };
	char *two[] = { "showvminfo", "a", "b", NULL };
	char *opt[] = { "showvminfo", "vm1", "--details", NULL };
	char *bad[] = { "showvminfo", "../etc", NULL };
	char *help[] = { "showvminfo", "--help", NULL };

	cr_assert_eq(cmd_showvminfo(1, none), 2);
	cr_assert_eq(cmd_showvminfo(3, two), 2);
	cr_assert_eq(cmd_showvminfo(3, opt), 2);
	cr_assert_eq(cmd_showvminfo(2, bad), 2);
	cr_assert_eq(cmd_showvminfo(2, help), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"Usage: natd showvminfo VM [--machinereadable]\n"
		"\n"
		"Shows what the natd running VM is doing: NICs, leases, port-forwarding\n"
		"rules (with connections forwarded and refused), flows, DNS and drop\n"
		"counters. It asks over $NATD_HOME/run/VM.ctl.\n"
		"\n"
		"  --machinereadable   one key=\"value\" per line (nested keys joined with '_',\n"
		"                      list items numbered from 1), as VBoxManage prints\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 done, 1 natd not running or refused, 2 usage error.\n");
}

Test(cmd, controlvm_sends_subcommand_and_argv)
{
	char *ok[] = { "controlvm", "vm1", "natpf1", "web,tcp,,8080,,80", NULL };
	char *quiet[] = { "controlvm", "vm1", "quiet", NULL };
	char *bad[] = { "controlvm", "vm1", "bad", "x", NULL };
	char *usage[] = { "controlvm", "vm1", NULL };

	start_with_cli_handlers();
	cr_assert_eq(cmd_controlvm(4, ok), 0);
	cr_assert_eq(cmd_controlvm(3, quiet), 0);
	cr_assert_eq(cmd_controlvm(4, bad), 1);
	cr_assert_eq(cmd_controlvm(2, usage), 2);
	fflush(stdout);
	fflush(stderr);
	cr_assert_stdout_eq_str("natpf1 with 1 args, first 'web,tcp,,8080,,80'\n");
	cr_assert_stderr_eq_str("natd controlvm: natpf1: no rule named 'x'\n"
				"natd controlvm: expected a VM and a subcommand (usage: natd "
				"controlvm VM SUBCOMMAND [ARGS...])\n");
}

Test(cmd, controlvm_on_a_natd_without_handler)
{
	char *a[] = { "controlvm", "vm1", "setlinkstate1", "off", NULL };

	srv_start();
	cr_assert_eq(cmd_controlvm(4, a), 1);
	fflush(stderr);
	cr_assert_stderr_eq_str("natd controlvm: unknown command 'controlvm'\n");
}
