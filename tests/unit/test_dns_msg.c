/* SPDX-License-Identifier: MIT */
/* Unit tests for forwarders/dns_msg.c: query checking and error answers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "forwarders/dns_msg.h"

/* id 0xbeef, RD, one question h.example.test A IN */
static const uint8_t good[] = {
	0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	1, 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
	0x00, 0x01, 0x00, 0x01,
};

Test(dns_msg, good_query)
{
	cr_assert_eq(dns_query_check(good, sizeof(good)), 0);
}

Test(dns_msg, query_with_edns_opt)
{
	uint8_t q[sizeof(good) + 11];

	memcpy(q, good, sizeof(good));
	q[11] = 1; /* ARCOUNT */
	memcpy(q + sizeof(good), (uint8_t[]){ 0, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0, 0 }, 11);
	cr_assert_eq(dns_query_check(q, sizeof(q)), 0);
	cr_assert_eq(dns_query_check(q, sizeof(q) - 1), -EBADMSG, "record cut short");
}

Test(dns_msg, too_short_or_response_dropped)
{
	uint8_t r[sizeof(good)];

	cr_assert_eq(dns_query_check(good, 11), -EINVAL);
	cr_assert_eq(dns_query_check(good, 0), -EINVAL);
	memcpy(r, good, sizeof(good));
	r[2] |= 0x80; /* QR: a response */
	cr_assert_eq(dns_query_check(r, sizeof(r)), -EINVAL);
}

Test(dns_msg, malformed_gets_formerr)
{
	uint8_t q[sizeof(good)];

	memcpy(q, good, sizeof(q));
	q[12] = 63; /* label runs past the end */
	cr_assert_eq(dns_query_check(q, sizeof(q)), -EBADMSG);
	memcpy(q, good, sizeof(q));
	q[5] = 0; /* no question */
	cr_assert_eq(dns_query_check(q, sizeof(q)), -EBADMSG);
	memcpy(q, good, sizeof(q));
	q[2] = 0x28; /* opcode 5 (UPDATE) */
	cr_assert_eq(dns_query_check(q, sizeof(q)), -EBADMSG);
	cr_assert_eq(dns_query_check(good, sizeof(good) - 2), -EBADMSG, "no room for qtype");
	memcpy(q, good, sizeof(q));
	q[12] = 0x40; /* reserved label type */
	cr_assert_eq(dns_query_check(q, sizeof(q)), -EBADMSG);
}

Test(dns_msg, compression_loops_refused)
{
	/* a pointer to itself, and a forward pointer */
	uint8_t self[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	uint8_t fwd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1 };

	cr_assert_eq(dns_query_check(self, sizeof(self)), -EBADMSG);
	cr_assert_eq(dns_query_check(fwd, sizeof(fwd)), -EBADMSG);
}

Test(dns_msg, overlong_name_refused)
{
	uint8_t q[12 + 5 * 64 + 1 + 4];
	size_t o = 12;

	memset(q, 0, sizeof(q));
	q[5] = 1;
	for (int i = 0; i < 5; i++) {
		q[o++] = 63;
		memset(q + o, 'a', 63);
		o += 63;
	}
	q[o++] = 0;
	cr_assert_eq(dns_query_check(q, o + 4), -EBADMSG, "a 320-byte name");
}

Test(dns_msg, error_answer_echoes_id_and_question)
{
	uint8_t out[512];
	size_t n = dns_error_answer(good, sizeof(good), DNS_RCODE_SERVFAIL, out, sizeof(out));

	cr_assert_eq(n, sizeof(good));
	cr_assert_eq(out[0], 0xbe);
	cr_assert_eq(out[1], 0xef);
	cr_assert_eq(out[2], 0x81, "QR and RD");
	cr_assert_eq(out[3], 2, "SERVFAIL");
	cr_assert_eq(out[5], 1, "one question");
	cr_assert_eq(memcmp(out + 12, good + 12, sizeof(good) - 12), 0);
}

Test(dns_msg, error_answer_without_question)
{
	uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3f, 'a' };
	uint8_t out[512];
	size_t n = dns_error_answer(q, sizeof(q), DNS_RCODE_FORMERR, out, sizeof(out));

	cr_assert_eq(n, 12);
	cr_assert_eq(out[3], 1);
	cr_assert_eq(out[5], 0);
	n = dns_error_answer(good, sizeof(good), DNS_RCODE_FORMERR, out, 20);
	cr_assert_eq(n, 12, "question does not fit: header only");
}
