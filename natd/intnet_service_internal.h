/* SPDX-License-Identifier: MIT */
/*
 * intnet_service_internal.h - what the switch daemon (natd/intnet_service.c)
 * and its callers' side (natd/intnet_client.c) share: what differs between
 * the two kinds of daemon, and the check of their directory.
 */
#ifndef NATD_INTNET_SERVICE_INTERNAL_H
#define NATD_INTNET_SERVICE_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "natd/intnet_service.h"

struct switchd_desc {
	const char *dir;      /* under run/ (host-only; internal networks: intnet_dir.h) */
	const char *command;  /* natd's internal command that runs it */
	const char *what;     /* for messages: "internal network lab" */
};

const struct switchd_desc *switchd_desc(enum switchd_kind k);

/*
 * The daemon's directory dir: an internal network's is intnet_dir_check()'s
 * (created, maybe shared with a group: *share_gid); a host-only interface's
 * is its user's (0700, created when missing; *share_gid (gid_t)-1). 0 or
 * -errno with err.
 */
int switchd_dir_check(enum switchd_kind k, const char *dir, gid_t *share_gid, char *err,
		      size_t errlen);

#endif
