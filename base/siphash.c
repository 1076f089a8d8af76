/* SPDX-License-Identifier: MIT */
/*
 * siphash.c - SipHash-2-4, implemented from the description in Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF" (2012).
 *
 * The 128-bit key is read as two little-endian 64-bit words k0, k1; the state
 * v0..v3 starts as k0, k1, k0, k1 xor-ed with "somepseudorandomlygeneratedbytes".
 * The message is consumed in little-endian 64-bit words, each mixed in with
 * two SipRounds; the last word carries the remaining bytes and, in its top
 * byte, the message length mod 256. Finalization xors 0xff into v2 and runs
 * four SipRounds. Used by the flow table (flow.c) to pick buckets.
 */
#include "base/siphash.h"

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* Reads 8 bytes as a little-endian word, whatever the host byte order. */
static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t w = 0;

	for (unsigned i = 0; i < 8; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void sipround(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

/* One compression step: c = 2 SipRounds per message word. */
static inline void sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

uint64_t siphash24(const void *data, size_t len, const uint8_t key[16])
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	struct sip_state s = {
		.v0 = k0 ^ UINT64_C(0x736f6d6570736575), /* "somepseu" */
		.v1 = k1 ^ UINT64_C(0x646f72616e646f6d), /* "dorandom" */
		.v2 = k0 ^ UINT64_C(0x6c7967656e657261), /* "lygenera" */
		.v3 = k1 ^ UINT64_C(0x7465646279746573), /* "tedbytes" */
	};
	size_t left = len;
	uint64_t last;

	for (; left >= 8; left -= 8, p += 8)
		sip_compress(&s, load_le64(p));

	last = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	sip_compress(&s, last);

	/* d = 4 finalization rounds. */
	s.v2 ^= 0xff;
	sipround(&s);
	sipround(&s);
	sipround(&s);
	sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
