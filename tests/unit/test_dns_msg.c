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

Test(dns_msg, first_question)
{
	char name[256];
	uint16_t t, c;
	size_t end;

	cr_assert_eq(dns_first_question(good, sizeof(good), name, sizeof(name), &t, &c, &end), 0);
	cr_assert_str_eq(name, "h.example.test");
	cr_assert_eq(t, DNS_TYPE_A);
	cr_assert_eq(c, DNS_CLASS_IN);
	cr_assert_eq(end, sizeof(good));
	cr_assert_lt(dns_first_question(good, sizeof(good), name, 5, &t, &c, &end), 0, "too long");
}

Test(dns_msg, first_question_refuses_odd_bytes)
{
	uint8_t q[sizeof(good)];
	char name[256];
	uint16_t t, c;
	size_t end;

	memcpy(q, good, sizeof(q));
	q[13] = '.'; /* a dot inside a label */
	cr_assert_lt(dns_first_question(q, sizeof(q), name, sizeof(name), &t, &c, &end), 0);
	q[13] = 0;
	cr_assert_lt(dns_first_question(q, sizeof(q), name, sizeof(name), &t, &c, &end), 0);
}

Test(dns_msg, address_answer)
{
	uint8_t addrs[2][16] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
	uint8_t out[512];
	size_t n = dns_address_answer(good, sizeof(good), DNS_TYPE_A, 0,
				      (const uint8_t (*)[16])addrs, 2, 60, out, sizeof(out));

	cr_assert_eq(n, sizeof(good) + 2 * 16);
	cr_assert_eq(out[0], 0xbe);
	cr_assert_eq(out[2], 0x81);
	cr_assert_eq(out[3], 0x80, "RA, NOERROR");
	cr_assert_eq(out[7], 2, "two answers");
	cr_assert_eq(out[sizeof(good)], 0xc0);
	cr_assert_eq(out[sizeof(good) + 1], 12);
	cr_assert_eq(out[sizeof(good) + 9], 60, "TTL");
	cr_assert_eq(out[sizeof(good) + 11], 4, "rdlength");
	cr_assert_eq(memcmp(out + sizeof(good) + 12, addrs[0], 4), 0);
	cr_assert_eq(memcmp(out + sizeof(good) + 28, addrs[1], 4), 0);
	n = dns_address_answer(good, sizeof(good), DNS_TYPE_A, DNS_RCODE_NXDOMAIN, NULL, 0, 0,
			       out, sizeof(out));
	cr_assert_eq(n, sizeof(good));
	cr_assert_eq(out[3], 0x83);
	cr_assert_eq(dns_address_answer(good, sizeof(good), DNS_TYPE_AAAA, 0,
					(const uint8_t (*)[16])addrs, 2, 60, out, 40), 0, "no room");
}
