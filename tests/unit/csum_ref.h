/* SPDX-License-Identifier: MIT */
/*
 * csum_ref.h - the Internet checksum (RFC 1071) the obvious way, as the
 * reference the unit tests hold natd's checksums against: big-endian 16-bit
 * words summed, an odd last byte as the high half of a word, then folded.
 */
#ifndef NATD_TEST_CSUM_REF_H
#define NATD_TEST_CSUM_REF_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif
