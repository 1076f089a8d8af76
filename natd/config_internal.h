/* SPDX-License-Identifier: MIT */
/*
 * config_internal.h - what natd/config.c (config_parse_run, config_finish)
 * and the per-NIC option parsers (natd/config_nic.c) share: the one-line
 * error helper and the table of per-NIC options.
 */
#ifndef NATD_CONFIG_INTERNAL_H
#define NATD_CONFIG_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "natd/config.h"

static inline int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes the message to err; returns -EINVAL. */
static inline int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One per-NIC option. `opt` is the full name the user typed, for messages. */
typedef int (*config_nic_opt_parse)(struct nic_config *n, const char *opt, const char *v,
				    char *err, size_t errlen);

/* The per-NIC options, by their name without the trailing adapter number. */
struct config_nic_opt {
	const char *name;
	config_nic_opt_parse parse;
};

extern const struct config_nic_opt config_nic_opts[];
extern const size_t config_n_nic_opts;

/* The per-NIC option that name (without "--") is, with or without its
 * adapter number; *base is the length of name less that number. NULL if
 * none. */
const struct config_nic_opt *config_nic_opt_find(const char *name, size_t *base);

/* Refuses two adapters (of NATD_MAX_NICS, none left out) with one MAC
 * address, naming both: 0, or -EINVAL with err. */
int config_check_macs(const struct nic_config *nics, char *err, size_t errlen);

/* Puts n back to an adapter's defaults (mode none), freeing what it owns:
 * config_init's start, and what an explicit --nic<x> none leaves of the
 * options before it (a stored adapter disabled for one run). */
void config_nic_defaults(struct nic_config *n);

#endif
