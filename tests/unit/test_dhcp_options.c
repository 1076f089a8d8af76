/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_options.c - options set by the administrator (VBoxManage
 * dhcpserver --set-opt / --set-opt-hex): the text and hex encoders of
 * dhcp/dhcp_options.c byte by byte, and what the server's replies carry:
 * no router or DNS when none is configured, custom options appended or
 * replacing the server's own (never both), refused codes, and a full reply
 * that leaves custom options out (counted) instead of overflowing.
 */
#include "dhcp_test_util.h"
#include "base/bytes.h"

#include <errno.h>
#include <stdio.h>

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x0a, 0x00, 0x01 };

static struct dhcp_opt o;
static char err[256];

/* Encodes text as option code and checks the bytes. */
static void text_ok(uint8_t code, const char *text, const uint8_t *want, size_t n)
{
	memset(&o, 0xee, sizeof(o));
	err[0] = '\0';
	cr_assert_eq(dhcp_opt_from_text(code, text, &o, err, sizeof(err)), 0,
		     "option %u '%s': %s", code, text, err);
	cr_assert_eq(o.code, code);
	cr_assert_eq(o.len, n, "option %u '%s': %u bytes, not %zu", code, text, o.len, n);
	cr_assert_eq(memcmp(o.data, want, n), 0, "option %u '%s': wrong bytes", code, text);
}

/* Refuses text for option code with a message naming the option and containing what. */
static void text_bad(uint8_t code, const char *text, const char *what)
{
	char prefix[16];

	err[0] = '\0';
	cr_assert_eq(dhcp_opt_from_text(code, text, &o, err, sizeof(err)), -EINVAL,
		     "option %u '%s' accepted", code, text);
	snprintf(prefix, sizeof(prefix), "option %u", code);
	cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "'%s' does not name it", err);
	cr_assert_not_null(strstr(err, what), "'%s' does not say '%s'", err, what);
	cr_assert_null(strchr(err, '\n'));
}

#define TEXT_OK(code, text, ...) do { \
		static const uint8_t want_[] = { __VA_ARGS__ }; \
		text_ok(code, text, want_, sizeof(want_)); \
	} while (0)

/* ---- encoders ---- */

Test(dhcp_opt, settable)
{
	static const uint8_t refused[] = { 0, 255, 50, 52, 53, 54, 55, 57, 61 };

	for (unsigned c = 0; c < 256; c++)
		cr_assert_eq(dhcp_opt_settable((uint8_t)c),
			     memchr(refused, (int)c, sizeof(refused)) == NULL, "code %u", c);
	for (size_t i = 0; i < sizeof(refused); i++) {
		text_bad(refused[i], "1", "cannot be set");
		cr_assert_eq(dhcp_opt_from_hex(refused[i], "01", &o, err, sizeof(err)), -EINVAL);
		cr_assert_not_null(strstr(err, "cannot be set"));
	}
}

Test(dhcp_opt, ip_lists)
{
	TEXT_OK(3, "10.0.2.1", 10, 0, 2, 1);
	TEXT_OK(6, "10.0.2.3, 8.8.8.8 1.1.1.1", 10, 0, 2, 3, 8, 8, 8, 8, 1, 1, 1, 1);
	TEXT_OK(6, " 10.0.2.3,,8.8.8.8 ", 10, 0, 2, 3, 8, 8, 8, 8);
	TEXT_OK(42, "192.168.0.1", 192, 168, 0, 1);
	TEXT_OK(76, "10.0.0.1 10.0.0.2", 10, 0, 0, 1, 10, 0, 0, 2);
	TEXT_OK(1, "255.255.255.0", 255, 255, 255, 0);
	TEXT_OK(28, "10.0.2.255", 10, 0, 2, 255);
	TEXT_OK(33, "10.1.0.0 10.0.2.1, 10.2.0.0 10.0.2.2",
		10, 1, 0, 0, 10, 0, 2, 1, 10, 2, 0, 0, 10, 0, 2, 2);
	TEXT_OK(21, "10.1.0.0,255.255.0.0", 10, 1, 0, 0, 255, 255, 0, 0);

	cr_assert_eq(dhcp_opt_from_text(3, "10.0.0.300", &o, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "option 3: '10.0.0.300' is not an IPv4 address");
	text_bad(6, "10.0.2.3, dns.example", "'dns.example' is not an IPv4 address");
	text_bad(6, "10.0.2", "is not an IPv4 address");
	text_bad(6, "", "no IPv4 address");
	cr_assert_eq(dhcp_opt_from_text(6, NULL, &o, err, sizeof(err)), -EINVAL);
	cr_assert_eq(dhcp_opt_from_hex(6, NULL, &o, err, sizeof(err)), -EINVAL);
	text_bad(1, "255.0.0.0 255.255.0.0", "one IPv4 address");
	text_bad(33, "10.1.0.0 10.0.2.1 10.2.0.0", "pairs");
}

Test(dhcp_opt, ip_list_of_63_but_not_64)
{
	char text[64 * 16] = "";
	uint8_t want[255];

	for (unsigned i = 0; i < 63; i++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "10.0.1.%u ", i);
		memcpy(want + 4 * i, (const uint8_t[]){ 10, 0, 1, (uint8_t)i }, 4);
	}
	text_ok(6, text, want, 252);
	strcat(text, "10.0.1.63");
	text_bad(6, text, "too many");
}

Test(dhcp_opt, numbers)
{
	TEXT_OK(51, "600", 0, 0, 2, 88);
	TEXT_OK(24, "4294967295", 0xff, 0xff, 0xff, 0xff);
	TEXT_OK(58, "0", 0, 0, 0, 0);
	TEXT_OK(2, "-3600", 0xff, 0xff, 0xf1, 0xf0);
	TEXT_OK(2, "2147483647", 0x7f, 0xff, 0xff, 0xff);
	TEXT_OK(2, "-2147483648", 0x80, 0, 0, 0);
	TEXT_OK(26, "1400", 0x05, 0x78);
	TEXT_OK(13, "65535", 0xff, 0xff);
	TEXT_OK(23, "64", 64);
	TEXT_OK(37, " 255 ", 255);

	text_bad(24, "4294967296", "'4294967296' is not a number from 0 to 4294967295");
	text_bad(24, "-1", "is not a number");
	text_bad(24, "12abc", "'12abc' is not a number");
	text_bad(24, "99999999999999999999999", "is not a number");
	text_bad(2, "2147483648", "from -2147483648 to 2147483647");
	text_bad(26, "65536", "from 0 to 65535");
	text_bad(23, "256", "from 0 to 255");
	text_bad(23, "-", "is not a number");
	text_bad(23, "", "no number");
	text_bad(23, "1 2", "takes one number");
	text_bad(51, "0", "lease time of 0");
}

Test(dhcp_opt, booleans)
{
	TEXT_OK(19, "1", 1);
	TEXT_OK(19, "0", 0);
	TEXT_OK(20, "true", 1);
	TEXT_OK(27, "False", 0);
	TEXT_OK(31, "on", 1);
	TEXT_OK(39, "OFF", 0);
	text_bad(19, "maybe", "'maybe' is not 0/1, true/false or on/off");
	text_bad(19, "2", "is not 0/1");
	text_bad(19, "", "is not 0/1");
	text_bad(19, "on off", "is not 0/1");
}

Test(dhcp_opt, strings)
{
	char big[300];

	TEXT_OK(15, "example.org", 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g');
	TEXT_OK(67, "pxelinux.0", 'p', 'x', 'e', 'l', 'i', 'n', 'u', 'x', '.', '0');
	TEXT_OK(100, "EST5EDT, M3.2.0", 'E', 'S', 'T', '5', 'E', 'D', 'T', ',', ' ', 'M', '3',
		'.', '2', '.', '0');
	memset(big, 'x', sizeof(big));
	big[255] = '\0';
	cr_assert_eq(dhcp_opt_from_text(12, big, &o, err, sizeof(err)), 0);
	cr_assert_eq(o.len, 255);
	big[255] = 'x';
	big[256] = '\0';
	text_bad(12, big, "256 bytes, at most 255");
	text_bad(66, "", "empty");
}

Test(dhcp_opt, domain_search_119)
{
	TEXT_OK(119, "example.com, corp.example.net",
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0);
	TEXT_OK(119, "a.b. c", 1, 'a', 1, 'b', 0, 1, 'c', 0);
	text_bad(119, "a..b", "'a..b' is not a domain name");
	text_bad(119, "", "no domain name");
	/* 4 names of 63-byte labels: 4 * 65 bytes > 255 */
	text_bad(119, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		 "baaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		 "caaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		 "daaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "more than 255 bytes");
}

Test(dhcp_opt, classless_routes_121)
{
	TEXT_OK(121, "10.0.0.0/8 10.0.2.1, 0.0.0.0/0 10.0.2.2, 192.168.1.0/24 10.0.2.1",
		8, 10, 10, 0, 2, 1,
		0, 10, 0, 2, 2,
		24, 192, 168, 1, 10, 0, 2, 1);
	TEXT_OK(121, "10.1.2.3/32 10.0.2.1,", 32, 10, 1, 2, 3, 10, 0, 2, 1);
	TEXT_OK(121, "172.16.0.0/12\t10.0.2.1", 12, 172, 16, 10, 0, 2, 1);
	text_bad(121, "10.1.0.0/8 10.0.2.1", "host bits are set");
	text_bad(121, "10.0.0.0/33 10.0.2.1", "'33' is not a prefix length from 0 to 32");
	text_bad(121, "10.0.0.0 10.0.2.1", "'10.0.0.0' is not a network");
	text_bad(121, "10.0.0.0/8", "'10.0.0.0/8' is not a route 'net/len gateway'");
	text_bad(121, "10.0.0.0/8 10.0.2.1 10.0.2.2", "is not a route");
	text_bad(121, "10.0.0.0/8 gw", "'gw' is not an IPv4 address");
	text_bad(121, "10.0.0.999/8 10.0.2.1", "'10.0.0.999' is not an IPv4 address");
	text_bad(121, " , ", "no route");
}

Test(dhcp_opt, codes_without_text_form_want_hex)
{
	text_bad(43, "01", "hex");
	text_bad(252, "http://wpad/wpad.dat", "hex");
	text_bad(121 + 1, "x", "hex");
}

Test(dhcp_opt, hex)
{
	uint8_t want[255];
	char text[3 * 256 + 1] = "";

	cr_assert_eq(dhcp_opt_from_hex(43, "01:02:ff", &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(o.code, 43);
	cr_assert_eq(o.len, 3);
	cr_assert_eq(memcmp(o.data, "\x01\x02\xff", 3), 0);
	cr_assert_eq(dhcp_opt_from_hex(252, "0102FF", &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(o.len, 3);
	cr_assert_eq(memcmp(o.data, "\x01\x02\xff", 3), 0);

	for (unsigned i = 0; i < 255; i++) {
		want[i] = (uint8_t)i;
		snprintf(text + 2 * i, 3, "%02x", i);
	}
	cr_assert_eq(dhcp_opt_from_hex(224, text, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(o.len, 255);
	cr_assert_eq(memcmp(o.data, want, 255), 0);
	strcat(text, "00");
	cr_assert_eq(dhcp_opt_from_hex(224, text, &o, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "option 224: more than 255 bytes");

	static const char *const bad[] = { "", "0102f", "01:2", "01:02:", ":01", "0g", "01 02",
					   "01:0203" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(dhcp_opt_from_hex(224, bad[i], &o, err, sizeof(err)), -EINVAL,
			     "'%s' accepted", bad[i]);
		cr_assert_eq(strncmp(err, "option 224: ", 12), 0, "%s", err);
		cr_assert_eq(o.len, 0);
	}
}

/* ---- replies ---- */

static struct dhcp_server_config cfg;
static struct dhcp_server *srv;

static void start(void)
{
	dhcp_server_free(srv);
	srv = dhcp_server_new(&cfg);
	cr_assert_not_null(srv);
}

static void setup(void)
{
	t_base_cfg(&cfg);
	srv = NULL;
}

static void teardown(void)
{
	dhcp_server_free(srv);
	srv = NULL;
}

static void add_text(uint8_t code, const char *text)
{
	cr_assert_lt(cfg.n_opts, DHCP_MAX_OPTS);
	cr_assert_eq(dhcp_opt_from_text(code, text, &cfg.opts[cfg.n_opts], err, sizeof(err)),
		     0, "%s", err);
	cfg.n_opts++;
}

static void add_bytes(uint8_t code, uint8_t fill, uint8_t len)
{
	struct dhcp_opt *op = &cfg.opts[cfg.n_opts++];

	op->code = code;
	op->len = len;
	memset(op->data, fill, len);
}

/* OFFER then ACK to MAC_A, checked with fn(reply) each. */
static void offer_and_ack(void (*fn)(const struct treply *r))
{
	struct treply r;

	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	fn(&r);
	t_select(srv, MAC_A, "10.0.2.2", "10.0.2.15", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	fn(&r);
}

TestSuite(dhcp_reply, .init = setup, .fini = teardown);

static void no_router_no_dns(const struct treply *r)
{
	uint8_t b[64];

	cr_assert_eq(t_ropt(r, DHO_ROUTER, b, sizeof(b)), -1, "option 3 sent");
	cr_assert_eq(t_ropt(r, DHO_DNS, b, sizeof(b)), -1, "option 6 sent");
	cr_assert_eq(t_ropt_u32(r, DHO_SUBNET_MASK), 0xffffff00);
}

Test(dhcp_reply, no_router_or_dns_when_none_configured)
{
	struct treply r;

	cfg.router.s_addr = 0;
	cfg.n_dns = 0;
	start();
	offer_and_ack(no_router_no_dns);
	t_inform(srv, MAC_A, "10.0.2.99", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	no_router_no_dns(&r);
}

static void replaced(const struct treply *r)
{
	static const uint8_t dns[] = { 10, 0, 0, 53, 10, 0, 0, 54 };
	static const uint8_t search[] = { 3, 'l', 'a', 'b', 0 };
	uint8_t b[255];

	cr_assert_eq(t_ropt_count(r, DHO_ROUTER), 1);
	cr_assert_eq(t_ropt_u32(r, DHO_ROUTER), 0x0a000201);
	cr_assert_eq(t_ropt_count(r, DHO_DNS), 1);
	cr_assert_eq(t_ropt(r, DHO_DNS, b, sizeof(b)), 8);
	cr_assert_eq(memcmp(b, dns, 8), 0);
	cr_assert_eq(t_ropt_count(r, DHO_SUBNET_MASK), 1);
	cr_assert_eq(t_ropt_u32(r, DHO_SUBNET_MASK), 0xfffffe00);
	cr_assert_eq(t_ropt_count(r, DHO_DOMAIN_NAME), 1);
	cr_assert_eq(t_ropt(r, DHO_DOMAIN_NAME, b, sizeof(b)), 3);
	cr_assert_eq(memcmp(b, "lab", 3), 0);
	cr_assert_eq(t_ropt_count(r, DHO_DOMAIN_SEARCH), 1);
	cr_assert_eq(t_ropt(r, DHO_DOMAIN_SEARCH, b, sizeof(b)), (int)sizeof(search));
	cr_assert_eq(memcmp(b, search, sizeof(search)), 0);
	cr_assert_eq(t_ropt_count(r, DHO_MTU), 1);
	cr_assert_eq(t_ropt(r, DHO_MTU, b, sizeof(b)), 2);
	cr_assert_eq(get16(b), 1400);
	cr_assert_eq(t_ropt_count(r, DHO_BROADCAST), 1);
}

Test(dhcp_reply, custom_options_replace_the_servers_own)
{
	cfg.mtu = 9000;
	strcpy(cfg.domain, "example.com");
	strcpy(cfg.search[0], "example.com");
	cfg.n_search = 1;
	add_text(3, "10.0.2.1");
	add_text(6, "10.0.0.53 10.0.0.54");
	add_text(1, "255.255.254.0");
	add_text(15, "lab");
	add_text(119, "lab");
	add_text(26, "1400");
	start();
	offer_and_ack(replaced);
}

Test(dhcp_reply, custom_router_when_the_server_has_none)
{
	struct treply r;

	cfg.router.s_addr = 0;
	add_text(3, "10.0.2.254");
	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt_count(&r, DHO_ROUTER), 1);
	cr_assert_eq(t_ropt_u32(&r, DHO_ROUTER), 0x0a0002fe);
}

static void appended(const struct treply *r)
{
	uint8_t b[255];

	cr_assert_eq(t_ropt(r, 42, b, sizeof(b)), 8);
	cr_assert_eq(memcmp(b, "\x0a\x00\x02\x7b\x0a\x00\x02\x7c", 8), 0);
	cr_assert_eq(t_ropt(r, 252, b, sizeof(b)), 3);
	cr_assert_eq(memcmp(b, "\x01\x02\x03", 3), 0);
	cr_assert_eq(t_ropt_u32(r, DHO_ROUTER), 0x0a000202, "the server's own stay");
	cr_assert_eq(t_ropt_u32(r, DHO_DNS), 0x0a000203);
}

Test(dhcp_reply, custom_options_appended_to_offer_ack_and_inform)
{
	struct dhcp_counters c;
	struct treply r;

	add_text(42, "10.0.2.123,10.0.2.124");
	cr_assert_eq(dhcp_opt_from_hex(252, "01:02:03", &cfg.opts[cfg.n_opts++], err,
				       sizeof(err)), 0);
	start();
	offer_and_ack(appended);
	t_inform(srv, MAC_A, "10.0.2.99", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	appended(&r);

	t_init_reboot(srv, MAC_A, "192.168.1.10", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	cr_assert_eq(t_ropt_count(&r, 42), 0, "not in a NAK");
	cr_assert_eq(t_ropt_count(&r, 252), 0);
	dhcp_server_get_counters(srv, &c);
	cr_assert_eq(c.opts_truncated, 0);
}

Test(dhcp_reply, custom_lease_time_is_the_servers)
{
	struct dhcp_lease_info li;
	struct treply r;

	add_text(51, "600");
	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt_count(&r, DHO_LEASE_TIME), 1);
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 600);
	cr_assert_eq(t_ropt_u32(&r, DHO_T1), 300);
	cr_assert_eq(t_ropt_u32(&r, DHO_T2), 525);
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 1);
	cr_assert_eq(li.expires_ms, 600 * SEC);
	t_inform(srv, MAC_A, "10.0.2.15", 0, &r);
	cr_assert_eq(t_ropt_count(&r, DHO_LEASE_TIME), 0, "no lease time in INFORM's ACK");
}

Test(dhcp_reply, refused_configurations)
{
	static const uint8_t refused[] = { 0, 255, 50, 52, 53, 54, 55, 57, 61 };
	struct dhcp_server_config c;

	for (size_t i = 0; i < sizeof(refused); i++) {
		t_base_cfg(&c);
		c.opts[0] = (struct dhcp_opt){ .code = refused[i], .len = 1 };
		c.n_opts = 1;
		cr_assert_null(dhcp_server_new(&c), "code %u", refused[i]);
	}
	t_base_cfg(&c);
	c.opts[0] = (struct dhcp_opt){ .code = 42, .len = 4 };
	c.opts[1] = (struct dhcp_opt){ .code = 42, .len = 4 };
	c.n_opts = 2;
	cr_assert_null(dhcp_server_new(&c), "a code twice");
	c.n_opts = DHCP_MAX_OPTS + 1;
	cr_assert_null(dhcp_server_new(&c), "too many");
	t_base_cfg(&c);
	c.opts[0] = (struct dhcp_opt){ .code = 51, .len = 2 };
	c.n_opts = 1;
	cr_assert_null(dhcp_server_new(&c), "51 not of 4 bytes");
	c.opts[0].len = 4;
	cr_assert_null(dhcp_server_new(&c), "51 of 0 seconds");

	/* reconfigure: refused too, accepted when right */
	start();
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	c.opts[0].data[3] = 60;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), 0);
}

Test(dhcp_reply, reconfigure_sets_options)
{
	struct treply r;

	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt_count(&r, 42), 0);
	add_text(42, "10.0.2.123");
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt_u32(&r, 42), 0x0a00027b);
	cfg.n_opts = 0;
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt_count(&r, 42), 0);
}

Test(dhcp_reply, full_reply_leaves_custom_options_out_and_counts_them)
{
	struct dhcp_counters c;
	uint8_t b[255];
	struct treply r;

	/* The server's own options take 51 bytes after the 240-byte header. */
	add_bytes(224, 0xaa, 200);
	add_bytes(225, 0xbb, 200); /* does not fit after 224 */
	add_bytes(226, 0xcc, 50);  /* fits */
	add_text(6, "10.0.0.1 10.0.0.2"); /* replaces: goes first */
	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_leq(r.len, DHCP_REPLY_MAX);
	cr_assert_eq(t_ropt(&r, DHO_DNS, b, sizeof(b)), 8);
	cr_assert_eq(t_ropt(&r, 224, b, sizeof(b)), 200);
	cr_assert_eq(t_ropt(&r, 225, b, sizeof(b)), -1);
	cr_assert_eq(t_ropt(&r, 226, b, sizeof(b)), 50);
	cr_assert_eq(t_ropt_u32(&r, DHO_ROUTER), 0x0a000202, "the server's own all there");
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 3600);
	cr_assert_eq(t_ropt_u32(&r, DHO_BROADCAST), 0x0a0002ff);
	dhcp_server_get_counters(srv, &c);
	cr_assert_eq(c.opts_truncated, 1);

	/* Every slot full of 255-byte options: the reply stays whole. */
	cfg.n_opts = 0;
	for (uint8_t i = 0; i < DHCP_MAX_OPTS; i++)
		add_bytes((uint8_t)(200 + i), i, 255);
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ropt(&r, 200, b, sizeof(b)), 255);
	cr_assert_eq(t_ropt(&r, 201, b, sizeof(b)), -1);
	dhcp_server_get_counters(srv, &c);
	cr_assert_eq(c.opts_truncated, 1 + DHCP_MAX_OPTS - 1);
}

Test(dhcp_reply, replacement_kept_when_additions_do_not_fit)
{
	uint8_t b[255];
	struct treply r;

	add_bytes(224, 0xaa, 250);
	add_bytes(DHO_DNS, 10, 240); /* configured after, sent first */
	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_ropt(&r, DHO_DNS, b, sizeof(b)), 240);
	cr_assert_eq(t_ropt(&r, 224, b, sizeof(b)), -1);
}
