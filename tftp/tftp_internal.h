/* SPDX-License-Identifier: MIT */
/*
 * tftp_internal.h - what the TFTP engine's files (tftp_server.c,
 * tftp_path.c, tftp_xfer.c) share, and expose to their unit tests beyond
 * tftp_server.h: the choice of how a file is opened beneath the root, so
 * that the fallback used on kernels without openat2() is tested everywhere.
 */
#ifndef NATD_TFTP_INTERNAL_H
#define NATD_TFTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

enum tftp_open_how {
	TFTP_OPEN_AUTO,      /* openat2(), or the fallback when the kernel lacks it */
	TFTP_OPEN_OPENAT2,   /* openat2() with RESOLVE_BENEATH only */
	TFTP_OPEN_CHECKED,   /* openat(), then where the descriptor points (/proc) */
};

/* tftp_open_beneath() with the method chosen. */
int tftp_open_beneath_how(const char *root, const char *rel, uint64_t *size,
			  enum tftp_open_how how);

/* s[0..n) up to a NUL, as natd's messages show outside text (base/esc.h:
 * control characters and bytes that are not UTF-8 as \xNN), cut to fit. */
void tftp_copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n);

#endif
