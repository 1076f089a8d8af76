/* SPDX-License-Identifier: MIT */
/*
 * csum.h - the Internet checksum (RFC 1071) for the device layer: the
 * pseudo-header sums that offloaded frames carry (vnet.c) and the
 * verification of checksums the device layer vouches for. Sums are kept in
 * host order as RFC 1071 allows: a folded sum stored with memcpy() lands in
 * network order.
 */
#ifndef NATD_CSUM_H
#define NATD_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Adds len bytes at data (16-bit words from data's first byte; an odd last
 * byte counts as its word's high-order byte) to the running sum. Returns the
 * new, unfolded sum.
 */
uint64_t csum_add(uint64_t sum, const void *data, size_t len);

/* Adds a 16-bit value given in host order (a length, a protocol number). */
uint64_t csum_add16(uint64_t sum, uint16_t host_value);

/* Folds a running sum to 16 bits (not complemented). */
uint16_t csum_fold(uint64_t sum);

#endif
