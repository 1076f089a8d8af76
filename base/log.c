/* SPDX-License-Identifier: MIT */
/*
 * log.c - natd's line-oriented log on stderr (see log.h).
 */
#include "base/log.h"
#include "base/esc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char log_prefix[64];
static enum log_level log_level = LOG_LVL_INFO;

void log_set_prefix(const char *prefix)
{
	if (prefix)
		snprintf(log_prefix, sizeof(log_prefix), "%s: ", prefix);
	else
		log_prefix[0] = '\0';
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024], out[ESC_MAX(sizeof(line))];
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "natd: %s%s", log_prefix,
		     level == LOG_LVL_ERR ? "error: " :
		     level == LOG_LVL_WARN ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* What came from outside (names, paths, a guest's bytes) is shown
	 * escaped: one line of valid UTF-8 (base/esc.h). */
	esc_text(out, sizeof(out), line);
	/* One write per line, so lines from several processes do not mix. */
	fprintf(stderr, "%s\n", out);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static uint64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void log_ratelimited(struct log_ratelimit *rl, enum log_level level,
		     const char *fmt, ...)
{
	const uint32_t burst = 10;
	uint64_t now = log_now_ms();
	va_list ap;

	if (level > log_level)
		return;
	if (rl->last_ms == 0) {
		rl->tokens = burst;
		rl->last_ms = now;
	} else if (now - rl->last_ms >= 1000) {
		uint64_t refill = (now - rl->last_ms) / 1000;

		rl->tokens = refill + rl->tokens > burst ? burst : rl->tokens + (uint32_t)refill;
		rl->last_ms = now;
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return;
	}
	rl->tokens--;
	if (rl->suppressed) {
		log_msg(level, "(%u similar messages suppressed)", rl->suppressed);
		rl->suppressed = 0;
	}
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

noreturn void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

int errfmt(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}
