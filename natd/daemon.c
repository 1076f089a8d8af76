/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - start, tell apart and stop natd's background services (see
 * daemon.h).
 */
#include "natd/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/natnet_store.h"
#include "natd/sandbox.h"

void daemon_report(int fd, const char *fmt, ...)
{
	char line[768];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(fd, line, (size_t)n) < 0) {
		/* the starting command went away: nothing to tell */
	}
}

void daemon_ready(int *fd)
{
	daemon_report(*fd, "ok");
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void daemon_notify(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_warn("cannot notify systemd (%s): %s", state, strerror(-rc));
}

int daemon_lock_pid(const char *path, int *out, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char text[32];
	int fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int e = errno;

		close(fd);
		if (e == EACCES || e == EAGAIN)
			return errfmt(err, errlen, -EBUSY, "already running");
		return errfmt(err, errlen, -e, "%s: lock: %s", path, strerror(e));
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, text, (size_t)n) != n) {
		int e = errno;

		close(fd);
		return errfmt(err, errlen, -e, "%s: %s", path, strerror(e));
	}
	*out = fd;
	return 0;
}

int daemon_running(const char *path, pid_t *pid)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = fcntl(fd, F_GETLK, &fl) < 0 ? -errno : fl.l_type != F_UNLCK;
	if (rc == 1 && pid)
		*pid = fl.l_pid;
	close(fd);
	return rc;
}

int daemon_stop(const char *path, int timeout_ms, char *err, size_t errlen)
{
	pid_t pid;
	int r;

	r = daemon_running(path, &pid);
	if (r < 0)
		return errfmt(err, errlen, r, "cannot tell whether it runs: %s", strerror(-r));
	if (r == 0)
		return errfmt(err, errlen, -ESRCH, "not running");
	if (kill(pid, SIGTERM) < 0)
		return errfmt(err, errlen, -errno, "cannot signal pid %ld: %s", (long)pid,
			      strerror(errno));
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		r = daemon_running(path, NULL);
		if (r <= 0)
			return 0;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return errfmt(err, errlen, -ETIMEDOUT, "pid %ld did not stop within %d s", (long)pid,
		      timeout_ms / 1000);
}

/* Reads the service's start-up report until the pipe closes or the deadline. */
static int read_report(int fd, char *buf, size_t cap, int timeout_ms)
{
	struct timespec t0, t;
	size_t n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long el;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(timeout_ms - el));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n >= cap - 1)
			break;
	}
	buf[n] = '\0';
	return 0;
}

int daemon_spawn(const char *path, int (*fn)(void *arg, int ready_fd), void *arg,
		 int timeout_ms, char *err, size_t errlen)
{
	char report[1024];
	const char *ok, *e;
	long spid = 0;
	int fds[2], rc, status;
	pid_t pid;

	if (!sandbox_may_spawn())
		return errfmt(err, errlen, -EPERM, "natd runs in its sandbox, which forbids "
			      "starting processes: the next natd that needs this service starts "
			      "it (or run natd with --sandbox off)");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return errfmt(err, errlen, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return errfmt(err, errlen, rc, "fork: %s", strerror(-rc));
	}
	if (pid == 0) {
		int logfd, nullfd;

		close(fds[0]);
		setsid();
		pid = fork();
		if (pid != 0) {
			if (pid < 0)
				daemon_report(fds[1], "error: fork: %s", strerror(errno));
			_exit(pid < 0);
		}
		/* The service: no terminal, no inherited descriptors (a store's
		 * lock among them), output to its log. */
		logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (logfd < 0 || nullfd < 0) {
			daemon_report(fds[1], "error: %s: %s", path, strerror(errno));
			_exit(1);
		}
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			fds[1] = 3;
		}
		close_range(4, ~0u, 0);
		fcntl(3, F_SETFD, FD_CLOEXEC);
		daemon_report(fds[1], "pid %ld", (long)getpid());
		exit(fn(arg, fds[1]));
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = read_report(fds[0], report, sizeof(report), timeout_ms);
	close(fds[0]);
	sscanf(report, "pid %ld", &spid);
	if (rc == -ETIMEDOUT) {
		if (spid > 0)
			kill((pid_t)spid, SIGTERM);
		return errfmt(err, errlen, -ETIMEDOUT, "the service did not report ready "
			      "within %d s; stopped it (log: %s)", timeout_ms / 1000, path);
	}
	ok = strstr(report, "\nok\n");
	if (ok || !strncmp(report, "ok\n", 3))
		return 0;
	e = strstr(report, "error: ");
	if (e) {
		size_t n = strcspn(e + 7, "\n");

		return errfmt(err, errlen, -EIO, "%.*s (log: %s)", (int)n, e + 7, path);
	}
	return errfmt(err, errlen, -EIO, "the service exited during start-up (log: %s)", path);
}

#define DAEMON_SECRET_MAX 64

int daemon_new_secret(const char *path, uint8_t *secret, size_t n, char *err, size_t errlen)
{
	char hex[2 * DAEMON_SECRET_MAX + 2];

	if (n > DAEMON_SECRET_MAX)
		return errfmt(err, errlen, -EINVAL, "secret too long");
	if (getrandom(secret, n, 0) != (ssize_t)n)
		return errfmt(err, errlen, -EIO, "no random bytes for the switch's secret");
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", secret[i]);
	hex[2 * n] = '\n';
	hex[2 * n + 1] = '\0';
	return natnet_write_atomic(path, hex, 2 * n + 1, err, errlen);
}

int daemon_read_secret(const char *path, uint8_t *secret, size_t n, char *err, size_t errlen)
{
	char text[2 * DAEMON_SECRET_MAX + 8];
	ssize_t got;
	int fd;

	if (n > DAEMON_SECRET_MAX)
		return errfmt(err, errlen, -EINVAL, "secret too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "%s: %s", path, strerror(errno));
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got < (ssize_t)(2 * n))
		return errfmt(err, errlen, -EINVAL, "%s: not a switch secret", path);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(text + 2 * i, "%2x", &v) != 1)
			return errfmt(err, errlen, -EINVAL, "%s: not a switch secret", path);
		secret[i] = (uint8_t)v;
	}
	return 0;
}
