/* SPDX-License-Identifier: MIT */
/*
 * log.h - natd's log: one line per event on stderr, prefixed "natd:" (and the
 * VM name once known). Levels follow syslog. On the data path use
 * log_ratelimited() so that a misbehaving guest cannot flood the log.
 */
#ifndef NATD_LOG_H
#define NATD_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Prefix after "natd:" on every line (e.g. the VM name); NULL for none. */
void log_set_prefix(const char *prefix);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* A token bucket: at most `burst` lines, refilled at one line per second. */
struct log_ratelimit {
	uint64_t last_ms;
	uint32_t tokens;
	uint32_t suppressed;
};
#define LOG_RATELIMIT_INIT { 0, 0, 0 }

void log_ratelimited(struct log_ratelimit *rl, enum log_level level,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Writes a one-line reason into a caller's err buffer (nothing when err is
 * NULL or errlen 0) and returns rc: the "0 or -errno, reason in err"
 * convention of natd's modules, e.g. `return errfmt(err, errlen, -EINVAL, ...)`.
 */
int errfmt(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Start-up failure or broken invariant: log and exit(1). */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
