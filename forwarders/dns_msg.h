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

#endif
