/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - natd's background services (a NAT network's, an internal
 * network's switch): how they are started, told apart and stopped.
 *
 * daemon_spawn() forks; the child starts a new session and forks again, and
 * the grandchild runs the service's main (so it is nobody's child and has
 * no terminal, stdin /dev/null, stdout and stderr appended to its log). A
 * pipe tells the starting command what happens: the service writes
 * "pid N", then "ok" once it is ready (daemon_ready) or "error: REASON";
 * the command returns when the pipe closes.
 *
 * A running service holds a POSIX write lock on its pid file for as long as
 * it runs (daemon_lock_pid): F_GETLK on that file (daemon_running) is how
 * every command tells whether it runs and which pid to signal; a stale file
 * with no lock means "stopped".
 */
#ifndef NATD_DAEMON_H
#define NATD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Runs fn(arg, ready_fd) as a daemon logging to log_path and waits up to
 * timeout_ms for its report. fn returns the daemon's exit status; it calls
 * daemon_ready(ready_fd) once ready, or daemon_report(ready_fd, "error: ...").
 * 0 when it reported ready, else -errno with the reason (and the log's
 * path) in err; -EPERM at once in a process whose sandbox forbids fork.
 */
int daemon_spawn(const char *log_path, int (*fn)(void *arg, int ready_fd), void *arg,
		 int timeout_ms, char *err, size_t errlen);

/* One line to the starting command (nothing when fd < 0). */
void daemon_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports "ok" and closes *fd (set to -1). */
void daemon_ready(int *fd);

/* Tells systemd the service's state ("READY=1") when it runs as the main
 * process of a Type=notify unit (sd_notify); nothing otherwise. */
void daemon_notify(const char *state);

/* Takes the pid file's lock and writes our pid into it: 0 and *fd (kept
 * open for the process's life), -EBUSY ("already running" in err) when
 * another process holds it, or -errno. */
int daemon_lock_pid(const char *path, int *fd, char *err, size_t errlen);

/* 1 (and *pid when not NULL) when the pid file at path is locked, 0 when
 * not (or missing), a negative errno when that cannot be told. */
int daemon_running(const char *path, pid_t *pid);

/* SIGTERM to the service of pid file path, then waits up to timeout_ms for
 * it to exit. 0, -ESRCH (not running) or -errno with err. */
int daemon_stop(const char *path, int timeout_ms, char *err, size_t errlen);

/*
 * A service's secret (the hello frames of its switch carry it, l2/switch.h):
 * daemon_new_secret() makes n random bytes and writes them as hex to path
 * (mode 0600, atomically) before the switch listens; daemon_read_secret()
 * reads them back in an adapter's process. 0 or -errno with err.
 */
int daemon_new_secret(const char *path, uint8_t *secret, size_t n, char *err, size_t errlen);
int daemon_read_secret(const char *path, uint8_t *secret, size_t n, char *err, size_t errlen);

#endif
