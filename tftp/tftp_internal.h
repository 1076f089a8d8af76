/* SPDX-License-Identifier: MIT */
/*
 * tftp_internal.h - what tftp_server.c exposes to its unit tests beyond
 * tftp_server.h: the choice of how a file is opened beneath the root, so
 * that the fallback used on kernels without openat2() is tested everywhere.
 */
#ifndef NATD_TFTP_INTERNAL_H
#define NATD_TFTP_INTERNAL_H

#include <stdint.h>

enum tftp_open_how {
	TFTP_OPEN_AUTO,      /* openat2(), or the fallback when the kernel lacks it */
	TFTP_OPEN_OPENAT2,   /* openat2() with RESOLVE_BENEATH only */
	TFTP_OPEN_CHECKED,   /* openat(), then where the descriptor points (/proc) */
};

/* tftp_open_beneath() with the method chosen. */
int tftp_open_beneath_how(const char *root, const char *rel, uint64_t *size,
			  enum tftp_open_how how);

#endif
