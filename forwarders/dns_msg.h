/* SPDX-License-Identifier: MIT */
/*
 * dns_msg.h - the little of DNS's wire format the proxy must understand:
 * checking a guest's query before it is relayed, and building the error
 * answers natd sends itself (FORMERR, SERVFAIL). Pure functions, no I/O;
 * every parser here has a fuzz target.
 */
#ifndef NATD_DNS_MSG_H
#define NATD_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN      12
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/*
 * Checks a query: a 12-byte header with QR clear and opcode QUERY, at least
 * one question, every name well formed (labels of at most 63 bytes, names of
 * at most 255, compression pointers only backwards, at most 64 of them),
 * and every question and record it claims inside len.
 * Returns 0 for a query to relay, -EINVAL when it is too short to answer
 * (drop it), -EBADMSG when it deserves FORMERR.
 */
int dns_query_check(const uint8_t *q, size_t len);

/*
 * Builds in out (at least DNS_HDR_LEN bytes) an answer with rcode to query q
 * (which has at least a header): same id, opcode and RD, QR set, no records.
 * When the first question parses, it is echoed (if it fits in outcap).
 * Returns the answer's length.
 */
size_t dns_error_answer(const uint8_t *q, size_t len, unsigned rcode, uint8_t *out,
			size_t outcap);

/*
 * The first question of a checked query as a dotted name (no trailing dot),
 * its type and class, and the offset just after it. Returns 0, or -EINVAL
 * when the name is compressed or has bytes a host resolver cannot take
 * (anything but letters, digits, '-' and '_'), or does not fit namecap.
 */
int dns_first_question(const uint8_t *q, size_t len, char *name, size_t namecap,
		       uint16_t *qtype, uint16_t *qclass, size_t *qend);

/*
 * An answer to query q (first question ending at qend) with n addresses of
 * qtype (A: 4 bytes each, AAAA: 16) and the given TTL, or with rcode and no
 * records when n is 0. Returns its length, or 0 when it would not fit cap.
 */
size_t dns_address_answer(const uint8_t *q, size_t qend, uint16_t qtype, unsigned rcode,
			  const uint8_t (*addrs)[16], unsigned n, uint32_t ttl,
			  uint8_t *out, size_t cap);

#define DNS_TYPE_A     1
#define DNS_TYPE_AAAA  28
#define DNS_CLASS_IN   1
#define DNS_RCODE_NXDOMAIN 3

#endif
