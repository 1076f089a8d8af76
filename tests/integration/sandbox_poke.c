/* SPDX-License-Identifier: MIT */
/*
 * sandbox_poke.c - a library t_sandbox.sh preloads into natd (LD_PRELOAD) to
 * prove its seccomp filter: on SIGUSR2 the process calls execve(), which the
 * allowlist leaves out, so a sandboxed natd dies of SIGSYS, and one with
 * --sandbox off gets ENOENT back and says so on stderr. Built with the tests
 * only: natd itself carries no hook of this kind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void poke(int sig)
{
	static char *const argv[] = { "/nonexistent/natd-sandbox-poke", NULL };
	static char *const envp[] = { NULL };
	char msg[96];
	long rc;
	int n;

	(void)sig;
	rc = syscall(SYS_execve, argv[0], argv, envp);
	n = snprintf(msg, sizeof(msg), "sandbox_poke: execve returned %ld (%s)\n", rc,
		     strerror(errno));
	if (n > 0)
		(void)!write(2, msg, (size_t)n);
}

__attribute__((constructor)) static void poke_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = poke;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
}
