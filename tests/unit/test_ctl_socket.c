/* SPDX-License-Identifier: MIT */
/*
 * test_ctl_socket.c - the control socket's file and peers (natd/ctl.c,
 * natd/ctl_client.c): messages without a server, stale sockets replaced,
 * files that are not ours left alone, the socket unlinked on close, other
 * users refused (SO_PEERCRED), and a call to a silent server timing out
 * without leaking anything.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>

#include "ctl_fixture.h"
#include "natd/ctl_client.h"

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 60);

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
	fd = t_raw_connect(S.path);
	/* One round trip, so that the server has accepted the connection. */
	t_raw_send(fd, req, sizeof(req) - 1);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	srv_stop();
	cr_assert_eq(access(S.path, F_OK), -1);
	cr_assert_eq(errno, ENOENT);
	/* The idle client sees EOF. */
	cr_assert_eq(t_raw_line(fd, line, sizeof(line)), -1);
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
	cr_assert_gt(t_raw_line(cfd, line, sizeof(line)), 0);
	cr_assert(strstr(line, "\"command\":\"echo\""), "%s", line);
	cr_assert_eq(t_raw_line(cfd, line, sizeof(line)), -1, "connection not closed");
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
