/* SPDX-License-Identifier: MIT */
/* Unit tests for dhcp/dhcp6_server.c: stateless DHCPv6. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "dhcp/dhcp6_server.h"

static struct dhcp6_server_config cfg;
static uint8_t out[DHCP6_REPLY_MAX];

static void setup(void)
{
	static const uint8_t mac[6] = { 0x52, 0x55, 10, 0, 2, 2 };
	static const char *const names[] = { "test.example", "corp.example" };

	memset(&cfg, 0, sizeof(cfg));
	cfg.duid_len = dhcp6_duid_ll(mac, cfg.duid);
	cfg.dns[0][0] = 0xfd;
	cfg.dns[0][15] = 3;
	cfg.n_dns = 1;
	cfg.domains_len = (size_t)dhcp6_domain_list_encode(names, 2, cfg.domains,
							   sizeof(cfg.domains));
	cfg.info_refresh = 86400;
}

TestSuite(dhcp6, .init = setup);

/* Information-request, xid 0x123456, client id DUID-LL, ORO 23 24 */
static const uint8_t info_req[] = {
	11, 0x12, 0x34, 0x56,
	0, 1, 0, 10, 0, 3, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
	0, 6, 0, 4, 0, 23, 0, 24,
	0, 8, 0, 2, 0, 0,
};

/* The option `code` of a reply, or NULL; *len its length. */
static const uint8_t *opt(const uint8_t *m, size_t mlen, uint16_t code, size_t *len)
{
	for (size_t off = 4; off + 4 <= mlen;) {
		uint16_t c = (uint16_t)(m[off] << 8 | m[off + 1]);
		size_t l = (size_t)(m[off + 2] << 8 | m[off + 3]);

		cr_assert_leq(off + 4 + l, mlen, "reply option inside the reply");
		if (c == code) {
			*len = l;
			return m + off + 4;
		}
		off += 4 + l;
	}
	return NULL;
}

Test(dhcp6, information_request_answered)
{
	int n = dhcp6_server_input(&cfg, info_req, sizeof(info_req), out, sizeof(out));
	const uint8_t *o;
	size_t l;

	cr_assert_gt(n, 0);
	cr_assert_eq(out[0], DHCP6_REPLY);
	cr_assert(out[1] == 0x12 && out[2] == 0x34 && out[3] == 0x56, "transaction id");
	o = opt(out, (size_t)n, DHCP6_OPT_SERVERID, &l);
	cr_assert(o && l == 10 && !memcmp(o, cfg.duid, 10));
	o = opt(out, (size_t)n, DHCP6_OPT_CLIENTID, &l);
	cr_assert(o && l == 10 && !memcmp(o, info_req + 8, 10), "client id echoed");
	o = opt(out, (size_t)n, DHCP6_OPT_DNS_SERVERS, &l);
	cr_assert(o && l == 16 && o[0] == 0xfd && o[15] == 3);
	o = opt(out, (size_t)n, DHCP6_OPT_DOMAIN_LIST, &l);
	cr_assert(o && l == cfg.domains_len && !memcmp(o, "\x04test\x07" "example\x00", 14));
	o = opt(out, (size_t)n, DHCP6_OPT_INFO_REFRESH_TIME, &l);
	cr_assert(o && l == 4 && (o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]) == 86400);
}

Test(dhcp6, server_id_must_be_ours)
{
	uint8_t m[sizeof(info_req) + 14];
	int n;

	memcpy(m, info_req, sizeof(info_req));
	memcpy(m + sizeof(info_req), (const uint8_t[4]){ 0, 2, 0, 10 }, 4);
	memcpy(m + sizeof(info_req) + 4, cfg.duid, 10);
	n = dhcp6_server_input(&cfg, m, sizeof(m), out, sizeof(out));
	cr_assert_gt(n, 0, "our own server id");
	m[sizeof(m) - 1] ^= 1;
	cr_assert_eq(dhcp6_server_input(&cfg, m, sizeof(m), out, sizeof(out)), 0, "another server's");
}

Test(dhcp6, stateful_messages_ignored)
{
	uint8_t m[sizeof(info_req) + 16];

	memcpy(m, info_req, sizeof(info_req));
	m[0] = DHCP6_SOLICIT;
	cr_assert_eq(dhcp6_server_input(&cfg, m, sizeof(info_req), out, sizeof(out)), 0);
	m[0] = DHCP6_RELAY_FORW;
	cr_assert_eq(dhcp6_server_input(&cfg, m, sizeof(info_req), out, sizeof(out)), 0);
	/* an Information-request with an IA_NA */
	m[0] = DHCP6_INFORMATION_REQUEST;
	memcpy(m + sizeof(info_req), (const uint8_t[16]){ 0, 3, 0, 12 }, 16);
	cr_assert_eq(dhcp6_server_input(&cfg, m, sizeof(m), out, sizeof(out)), 0);
}

Test(dhcp6, malformed)
{
	uint8_t m[sizeof(info_req) + 14];

	cr_assert_eq(dhcp6_server_input(&cfg, info_req, 3, out, sizeof(out)), -EBADMSG);
	cr_assert_eq(dhcp6_server_input(&cfg, info_req, sizeof(info_req) - 1, out, sizeof(out)),
		     -EBADMSG, "last option cut short");
	cr_assert_eq(dhcp6_server_input(&cfg, info_req, 6, out, sizeof(out)), -EBADMSG,
		     "half an option header");
	/* the client id twice */
	memcpy(m, info_req, sizeof(info_req));
	memcpy(m + sizeof(info_req), info_req + 4, 14);
	cr_assert_eq(dhcp6_server_input(&cfg, m, sizeof(m), out, sizeof(out)), -EBADMSG);
	/* a client id of 1 byte */
	memcpy(m, info_req, 4);
	memcpy(m + 4, (const uint8_t[5]){ 0, 1, 0, 1, 7 }, 5);
	cr_assert_eq(dhcp6_server_input(&cfg, m, 9, out, sizeof(out)), -EBADMSG);
}

Test(dhcp6, minimal_request_and_small_buffer)
{
	int n = dhcp6_server_input(&cfg, info_req, 4, out, sizeof(out));
	size_t l;

	cr_assert_gt(n, 0, "no options at all is fine");
	cr_assert_null(opt(out, (size_t)n, DHCP6_OPT_CLIENTID, &l));
	cr_assert_eq(dhcp6_server_input(&cfg, info_req, sizeof(info_req), out, 20), -ENOSPC);
}

Test(dhcp6, domain_list_encoding)
{
	static const char *const names[] = { "a.example", "bad..name", "b.example." };
	uint8_t b[64];
	int n = dhcp6_domain_list_encode(names, 3, b, sizeof(b));

	cr_assert_eq(n, 11 + 11, "the bad name skipped");
	cr_assert(!memcmp(b, "\x01" "a\x07" "example\x00\x01" "b\x07" "example\x00", 22));
	cr_assert_eq(dhcp6_domain_list_encode(names, 3, b, 15), -ENOSPC);
}
