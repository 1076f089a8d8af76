/* SPDX-License-Identifier: MIT */
/*
 * natnet_control.c - the commands' side of a NAT network's service (see
 * natnet_service.h): where its files are, whether it runs (the pid file's
 * lock), starting it (double fork into natnet_service_main(), natnet_service.c,
 * and waiting for its "ok" or "error: REASON" on a pipe), stopping it
 * (SIGTERM, then waiting for the lock to go), and asking it over its control
 * socket (natd/ctl.h: "apply", "status").
 */
#include "natd/natnet_service.h"
#include "natd/natnet_service_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/ctl.h"

#define SVC_READY_TIMEOUT_MS 20000
#define SVC_STOP_TIMEOUT_MS  15000
#define SVC_CTL_TIMEOUT_MS   10000

int natnet_run_path(const char *home, const char *name, const char *suffix, char *out,
		    size_t outlen)
{
	if (strlen(home) > PATH_MAX - 100 || strlen(name) >= NATD_NAME_MAX ||
	    strlen(suffix) > 8)
		return -ENAMETOOLONG;
	if ((size_t)snprintf(out, outlen, "%.*s/run/natnet-%.63s.%.8s", PATH_MAX - 100, home,
			     name, suffix) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int natnet_service_running(const char *home, const char *name, pid_t *pid)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX];
	int fd, rc;

	if (natnet_run_path(home, name, "pid", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = fcntl(fd, F_GETLK, &fl) < 0 ? -errno : fl.l_type != F_UNLCK;
	if (rc == 1 && pid)
		*pid = fl.l_pid;
	close(fd);
	return rc;
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

int natnet_service_start(const char *home, const struct natnet_def *d, char *err,
			 size_t errlen)
{
	char run[PATH_MAX], path[PATH_MAX], report[1024];
	struct sockaddr_un sa;
	const char *ok, *e;
	long spid = 0;
	int fds[2], rc, status;
	pid_t pid;

	if ((size_t)snprintf(run, sizeof(run), "%s/run", home) >= sizeof(run))
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	rc = natnet_mkdir_p(run);
	if (rc < 0)
		return errfmt(err, errlen, rc, "cannot create %s: %s", run, strerror(-rc));
	if (natnet_run_path(home, d->name, "sock", path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path) ||
	    natnet_run_path(home, d->name, "ctl", path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path))
		return errfmt(err, errlen, -ENAMETOOLONG, "%s is longer than a UNIX socket "
			      "path may be (%zu bytes): use a shorter NATD_HOME or name", path,
			      sizeof(sa.sun_path) - 1);
	natnet_run_path(home, d->name, "log", path, sizeof(path));
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
				natnet_service_report(fds[1], "error: fork: %s", strerror(errno));
			_exit(pid < 0);
		}
		/* The service: no terminal, no inherited descriptors (the store's
		 * lock among them), output to its log. */
		logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (logfd < 0 || nullfd < 0) {
			natnet_service_report(fds[1], "error: %s: %s", path, strerror(errno));
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
		natnet_service_report(fds[1], "pid %ld", (long)getpid());
		exit(natnet_service_main(home, d, fds[1]));
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = read_report(fds[0], report, sizeof(report), SVC_READY_TIMEOUT_MS);
	close(fds[0]);
	sscanf(report, "pid %ld", &spid);
	if (rc == -ETIMEDOUT) {
		if (spid > 0)
			kill((pid_t)spid, SIGTERM);
		return errfmt(err, errlen, -ETIMEDOUT, "the service did not report ready "
			      "within %d s; stopped it (log: %s)", SVC_READY_TIMEOUT_MS / 1000,
			      path);
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

int natnet_service_stop(const char *home, const char *name, char *err, size_t errlen)
{
	pid_t pid;
	int r;

	r = natnet_service_running(home, name, &pid);
	if (r < 0)
		return errfmt(err, errlen, r, "cannot tell whether it runs: %s", strerror(-r));
	if (r == 0)
		return errfmt(err, errlen, -ESRCH, "not running");
	if (kill(pid, SIGTERM) < 0)
		return errfmt(err, errlen, -errno, "cannot signal pid %ld: %s", (long)pid,
			      strerror(errno));
	for (int waited = 0; waited < SVC_STOP_TIMEOUT_MS; waited += 20) {
		r = natnet_service_running(home, name, NULL);
		if (r <= 0)
			return 0;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return errfmt(err, errlen, -ETIMEDOUT, "pid %ld did not stop within %d s", (long)pid,
		      SVC_STOP_TIMEOUT_MS / 1000);
}

static int svc_call(const char *home, const char *name, const char *cmd, json_t *args,
		    json_t **result, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (natnet_run_path(home, name, "ctl", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	return ctl_call(path, cmd, args, SVC_CTL_TIMEOUT_MS, result, err, errlen);
}

int natnet_service_apply(const char *home, const struct natnet_def *d, char *err,
			 size_t errlen)
{
	json_t *args = json_pack("{s:o}", "definition", natnet_def_to_json(d)), *res = NULL;
	int rc;

	if (!args)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	rc = svc_call(home, d->name, "apply", args, &res, err, errlen);
	json_decref(args);
	json_decref(res);
	return rc;
}

int natnet_service_status(const char *home, const char *name, json_t **out, char *err,
			  size_t errlen)
{
	return svc_call(home, name, "status", NULL, out, err, errlen);
}
