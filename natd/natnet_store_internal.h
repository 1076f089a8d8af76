/* SPDX-License-Identifier: MIT */
/*
 * natnet_store_internal.h - natd/natnet_store.c's file helpers shared with
 * the lease-file modules (natd/natnet_leases.c, natd/dhcpsrv_leases.c):
 * reading a small file whole and writing a JSON text atomically.
 */
#ifndef NATD_NATNET_STORE_INTERNAL_H
#define NATD_NATNET_STORE_INTERNAL_H

#include <stddef.h>

/*
 * Reads a whole small file (a few MiB at most, else -EFBIG). 0 and *text
 * (NUL-terminated, caller frees) and *len; open()'s -errno with err left
 * as it is (-ENOENT: no such file); another negative errno with err.
 */
int natnet_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);

/*
 * Writes text (json_dumps() output, which this takes and frees) plus a
 * final newline to path with natnet_write_atomic(). 0 or -errno with err.
 */
int natnet_write_json(const char *path, char *text, char *err, size_t errlen);

#endif
