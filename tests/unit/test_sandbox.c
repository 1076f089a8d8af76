/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c - natd/sandbox.h: --sandbox and --user parsing (unknown
 * users and groups, root, numbers), and the seccomp allowlist itself in a
 * test process: the calls natd's loop makes still work under it, and
 * execve, fork and setuid kill the process with SIGSYS. (Criterion runs
 * every test in a process of its own, so the filter stays in that test.)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "natd/sandbox.h"

Test(sandbox, modes)
{
	enum sandbox_mode m;
	char err[128];

	cr_assert_eq(sandbox_parse_mode("on", &m, err, sizeof(err)), 0);
	cr_assert_eq(m, SANDBOX_ON);
	cr_assert_eq(sandbox_parse_mode("trap", &m, err, sizeof(err)), 0);
	cr_assert_eq(m, SANDBOX_TRAP);
	cr_assert_eq(sandbox_parse_mode("log", &m, err, sizeof(err)), 0);
	cr_assert_eq(m, SANDBOX_LOG);
	cr_assert_eq(sandbox_parse_mode("off", &m, err, sizeof(err)), 0);
	cr_assert_eq(m, SANDBOX_OFF);
	cr_assert_eq(sandbox_parse_mode("On", &m, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "expected on, off, trap or log, not 'On'");
	cr_assert_str_eq(sandbox_mode_name(SANDBOX_TRAP), "trap");
}

Test(sandbox, users)
{
	struct sandbox_opts o;
	char err[256];

	sandbox_opts_init(&o);
	cr_assert_eq(sandbox_parse_user("no-such-user-natd", &o, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "--user: no user 'no-such-user-natd' on this system");
	cr_assert_eq(sandbox_parse_user("", &o, err, sizeof(err)), -EINVAL);
	cr_assert_eq(sandbox_parse_user("nobody:", &o, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "--user: expected USER or USER:GROUP, not 'nobody:'");
	cr_assert_eq(sandbox_parse_user("nobody:no-such-group-natd", &o, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "--user: no group 'no-such-group-natd' on this system");
	cr_assert_eq(sandbox_parse_user("root", &o, err, sizeof(err)), -EINVAL);
	cr_assert_eq(sandbox_parse_user("0", &o, err, sizeof(err)), -EINVAL);
	cr_assert_not(o.have_user);
	if (geteuid() != 0) {
		cr_assert_eq(sandbox_parse_user("nobody", &o, err, sizeof(err)), -EPERM);
		return;
	}
	cr_assert_eq(sandbox_parse_user("nobody", &o, err, sizeof(err)), 0);
	cr_assert(o.have_user);
	cr_assert_eq(o.uid, 65534);
	cr_assert_eq(sandbox_parse_user("65534:0", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.uid, 65534);
	cr_assert_eq(o.gid, 0);
	cr_assert_str_eq(o.user, "65534:0");
}

static void enter(void)
{
	struct sandbox_opts o;
	char err[256];

	sandbox_opts_init(&o);
	o.mode = SANDBOX_ON;
	cr_assert_eq(sandbox_enter(&o, 0, NULL, err, sizeof(err)), 0, "%s", err);
}

/* What the loop does goes on working under the filter. */
Test(sandbox, allowed_calls_work)
{
	char path[] = "/tmp/natd-test-sandbox.XXXXXX", buf[8];
	uv_loop_t loop;
	int fd, sv[2];

	enter();
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "abc", 3), 3);
	cr_assert_eq(pread(fd, buf, 3, 0), 3);
	cr_assert_eq(rename(path, path), 0);
	cr_assert_eq(unlink(path), 0);
	close(fd);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(send(sv[0], "x", 1, 0), 1);
	cr_assert_eq(recv(sv[1], buf, 1, 0), 1);
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
	cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(sandbox, execve_kills, .signal = SIGSYS)
{
	static char *const argv[] = { "/nonexistent", NULL };

	enter();
	syscall(SYS_execve, argv[0], argv, argv + 1);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
/* (The sanitizers' runtime needs clone at exit, so their builds allow it.) */
Test(sandbox, fork_kills, .signal = SIGSYS)
{
	enter();
	fork();
}
#endif

Test(sandbox, setuid_kills, .signal = SIGSYS)
{
	enter();
	syscall(SYS_setuid, 0);
}
