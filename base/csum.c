/* SPDX-License-Identifier: MIT */
/*
 * csum.c - the Internet checksum (see csum.h): 32-bit words added into a
 * 64-bit accumulator (no carry handling inside the loop: 2^32 additions of
 * 32-bit words cannot overflow it), folded at the end.
 */
#include "base/csum.h"

#include <arpa/inet.h>
#include <string.h>

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t a = 0, b = 0;
	uint32_t w, x;

	while (len >= 8) {
		memcpy(&w, p, 4);
		memcpy(&x, p + 4, 4);
		a += w;
		b += x;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w, p, 4);
		a += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		a += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t h;

		memcpy(&h, last, 2);
		a += h;
	}
	return sum + a + b;
}

uint64_t csum_add16(uint64_t sum, uint16_t host_value)
{
	return sum + htons(host_value);
}

uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
