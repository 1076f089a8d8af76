/* SPDX-License-Identifier: MIT */
/*
 * arch/cc.h - lwIP port definitions for natd on Linux (glibc, any CPU).
 * Diagnostics go to natd's log; a failed lwIP assertion is a broken invariant
 * and aborts.
 */
#ifndef NATD_LWIP_ARCH_CC_H
#define NATD_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <errno.h>

#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_ERRNO_STDINCLUDE 1

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
	fprintf(stderr, "natd: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
	abort(); \
} while (0)

uint32_t natd_lwip_rand(void);

#endif
