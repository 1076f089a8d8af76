/* SPDX-License-Identifier: MIT */
/*
 * cmd_usage.c - the one-line usage errors and refusals of natd's commands
 * (cmd_usage.h), printed by their parsers and actions: dhcpserver,
 * natnetwork, hostonlyif (and its modify), bandwidthctl, showvminfo,
 * setextradata.
 */
#include "natd/cmd_usage.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/esc.h"

/* "natd CMD SUB: MESSAGE", with " (see natd CMD SUB --help)" if see_help. */
static void print_line(const char *cmd, const char *sub, bool see_help, const char *fmt,
		       va_list ap) __attribute__((format(printf, 4, 0)));

static void print_line(const char *cmd, const char *sub, bool see_help, const char *fmt,
		       va_list ap)
{
	const char *sp = sub ? " " : "";
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (see_help)
		esc_fprintf(stderr, "natd %s%s%s: %s (see natd %s%s%s --help)\n", cmd, sp,
			    sub ? sub : "", msg, cmd, sp, sub ? sub : "");
	else
		esc_fprintf(stderr, "natd %s%s%s: %s\n", cmd, sp, sub ? sub : "", msg);
}

int cmd_usage(const char *cmd, const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_line(cmd, sub, true, fmt, ap);
	va_end(ap);
	return 2;
}

int cmd_refuse(const char *cmd, const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_line(cmd, sub, false, fmt, ap);
	va_end(ap);
	return 1;
}
