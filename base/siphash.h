/* SPDX-License-Identifier: MIT */
/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash for
 * hash tables fed by untrusted input (the flow table).
 */
#ifndef NATD_SIPHASH_H
#define NATD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const void *data, size_t len, const uint8_t key[16]);

#endif
