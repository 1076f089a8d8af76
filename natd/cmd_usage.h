/* SPDX-License-Identifier: MIT */
/*
 * cmd_usage.h - the one-line messages natd's commands end with when they do
 * nothing: a usage error, "natd CMD SUB: MESSAGE (see natd CMD SUB --help)",
 * exit status 2; a refusal, "natd CMD SUB: MESSAGE", exit status 1. What
 * came from outside is escaped (base/esc.h), so each stays one line.
 */
#ifndef NATD_CMD_USAGE_H
#define NATD_CMD_USAGE_H

/*
 * Prints "natd CMD SUB: MESSAGE (see natd CMD SUB --help)" on stderr, or
 * "natd CMD: MESSAGE (see natd CMD --help)" when sub is NULL; MESSAGE is
 * fmt's, cut at 1023 bytes. Returns 2, the exit status of a usage error.
 */
int cmd_usage(const char *cmd, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints "natd CMD SUB: MESSAGE" (sub may be NULL) on stderr. Returns 1,
 * the exit status of a refused or failed command. */
int cmd_refuse(const char *cmd, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
