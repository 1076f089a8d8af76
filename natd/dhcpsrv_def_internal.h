/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_def_internal.h - helpers of natd/dhcpsrv_def.c that
 * natd/dhcpsrv_store.c (the JSON form of a definition) uses too; not for
 * other modules.
 */
#ifndef NATD_DHCPSRV_DEF_INTERNAL_H
#define NATD_DHCPSRV_DEF_INTERNAL_H

#include <netinet/in.h>
#include <stddef.h>

#include "natd/dhcpsrv_def.h"

/*
 * Checks d's kind, network and interface names as dhcpsrv_def_check() does
 * first. 0 or -EINVAL with the reason in err.
 */
int dhcpsrv_def_check_name(const struct dhcpsrv_def *d, char *err, size_t errlen);

/* a as dotted-quad text in buf; returns buf. */
const char *dhcpsrv_ntoa(struct in_addr a, char buf[INET_ADDRSTRLEN]);

#endif
