/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_server.c - unit tests of dhcp/dhcp_server.c: real client
 * messages are composed here byte by byte, fed to dhcp_server_input(), and
 * the replies are parsed back and checked as a guest's DHCP client would
 * see them (address, options, destination), plus lease table and counters.
 */
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define SEC 1000ull

/* ---- composing client messages ---- */

struct msg {
	uint8_t b[1024];
	size_t len;
};

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void msg_init(struct msg *m, uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	memset(m, 0, sizeof(*m));
	m->b[BOOTP_OFF_OP] = BOOTREQUEST;
	m->b[BOOTP_OFF_HTYPE] = 1;
	m->b[BOOTP_OFF_HLEN] = 6;
	memcpy(m->b + BOOTP_OFF_XID, &xid, 4);
	memcpy(m->b + BOOTP_OFF_CHADDR, mac, 6);
	m->b[BOOTP_OFF_COOKIE] = 99;
	m->b[BOOTP_OFF_COOKIE + 1] = 130;
	m->b[BOOTP_OFF_COOKIE + 2] = 83;
	m->b[BOOTP_OFF_COOKIE + 3] = 99;
	m->len = BOOTP_OFF_OPTIONS;
	m->b[m->len++] = DHO_MSG_TYPE;
	m->b[m->len++] = 1;
	m->b[m->len++] = type;
}

static void msg_opt(struct msg *m, uint8_t code, const void *d, uint8_t n)
{
	m->b[m->len++] = code;
	m->b[m->len++] = n;
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

static void msg_opt_ip(struct msg *m, uint8_t code, const char *a)
{
	uint32_t v = ip(a);

	msg_opt(m, code, &v, 4);
}

static void msg_ciaddr(struct msg *m, const char *a)
{
	uint32_t v = ip(a);

	memcpy(m->b + BOOTP_OFF_CIADDR, &v, 4);
}

static void msg_end(struct msg *m)
{
	m->b[m->len++] = DHO_END;
	if (m->len < BOOTP_MIN_LEN)
		m->len = BOOTP_MIN_LEN;
}

/* ---- reading replies ---- */

struct reply {
	uint8_t b[DHCP_REPLY_MAX];
	int len;
	struct dhcp_reply_dest dest;
};

/* Concatenates every instance of option code (RFC 3396); -1 when absent. */
static int ropt(const struct reply *r, uint8_t code, uint8_t *out, size_t cap)
{
	size_t off = BOOTP_OFF_OPTIONS, n = 0;
	bool found = false;

	while (off < (size_t)r->len) {
		uint8_t c = r->b[off], l;

		if (c == DHO_PAD) {
			off++;
			continue;
		}
		if (c == DHO_END)
			break;
		cr_assert_lt(off + 1, (size_t)r->len);
		l = r->b[off + 1];
		cr_assert_leq(off + 2 + l, (size_t)r->len, "option %u runs past the end", c);
		if (c == code) {
			cr_assert_leq(n + l, cap);
			memcpy(out + n, r->b + off + 2, l);
			n += l;
			found = true;
		}
		off += 2 + (size_t)l;
	}
	return found ? (int)n : -1;
}

static int ropt_count(const struct reply *r, uint8_t code)
{
	size_t off = BOOTP_OFF_OPTIONS;
	int n = 0;

	while (off < (size_t)r->len && r->b[off] != DHO_END) {
		if (r->b[off] == DHO_PAD) {
			off++;
			continue;
		}
		n += r->b[off] == code;
		off += 2 + (size_t)r->b[off + 1];
	}
	return n;
}

static uint32_t ropt_u32(const struct reply *r, uint8_t code)
{
	uint8_t v[4];

	cr_assert_eq(ropt(r, code, v, sizeof(v)), 4, "option %u missing or not 4 bytes", code);
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static uint32_t ropt_ip(const struct reply *r, uint8_t code)
{
	return htonl(ropt_u32(r, code));
}

static int rtype(const struct reply *r)
{
	uint8_t t;

	if (r->len <= 0)
		return r->len;
	cr_assert_eq(ropt(r, DHO_MSG_TYPE, &t, 1), 1);
	return t;
}

static uint32_t ryiaddr(const struct reply *r)
{
	uint32_t v;

	memcpy(&v, r->b + BOOTP_OFF_YIADDR, 4);
	return v;
}

/* ---- fixture ---- */

static struct dhcp_server_config cfg;
static struct dhcp_server *srv;

struct ev_log {
	int n;
	enum dhcp_lease_event_kind ev[16];
	struct dhcp_lease_info li[16];
};
static struct ev_log evs;

static void on_lease(void *opaque, enum dhcp_lease_event_kind ev,
		     const struct dhcp_lease_info *l)
{
	struct ev_log *e = opaque;

	if (e->n < 16) {
		e->ev[e->n] = ev;
		e->li[e->n] = *l;
	}
	e->n++;
}

static void base_cfg(struct dhcp_server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->network.s_addr = ip("10.0.2.0");
	c->netmask.s_addr = ip("255.255.255.0");
	c->server_id.s_addr = ip("10.0.2.2");
	c->router.s_addr = ip("10.0.2.2");
	c->dns[0].s_addr = ip("10.0.2.3");
	c->n_dns = 1;
	c->range_first.s_addr = ip("10.0.2.15");
	c->range_last.s_addr = ip("10.0.2.254");
	c->lease_time = 3600;
	c->mtu = 1500;
	strcpy(c->domain, "example.com");
	strcpy(c->search[0], "example.com");
	strcpy(c->search[1], "corp.example.net");
	c->n_search = 2;
}

static void setup(void)
{
	base_cfg(&cfg);
	srv = dhcp_server_new(&cfg);
	cr_assert_not_null(srv);
	memset(&evs, 0, sizeof(evs));
	dhcp_server_set_lease_cb(srv, on_lease, &evs);
}

static void teardown(void)
{
	dhcp_server_free(srv);
	srv = NULL;
}

static void restart_with(const struct dhcp_server_config *c)
{
	dhcp_server_free(srv);
	srv = dhcp_server_new(c);
	cr_assert_not_null(srv);
	dhcp_server_set_lease_cb(srv, on_lease, &evs);
}

static void send_msg(struct msg *m, uint64_t now, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	r->len = dhcp_server_input(srv, m->b, m->len, now, r->b, sizeof(r->b), &r->dest);
	if (r->len > 0) {
		cr_assert_geq(r->len, BOOTP_MIN_LEN);
		cr_assert_leq(r->len, DHCP_REPLY_MAX);
		cr_assert_eq(r->b[BOOTP_OFF_OP], BOOTREPLY);
		cr_assert_eq(memcmp(r->b + BOOTP_OFF_XID, m->b + BOOTP_OFF_XID, 4), 0);
		cr_assert_eq(memcmp(r->b + BOOTP_OFF_CHADDR, m->b + BOOTP_OFF_CHADDR, 16), 0);
		cr_assert_eq(memcmp(r->dest.mac, m->b + BOOTP_OFF_CHADDR, 6), 0);
	}
}

static void discover(const uint8_t mac[6], uint64_t now, struct reply *r)
{
	struct msg m;

	msg_init(&m, DHCPDISCOVER, mac, 0x1000 + mac[5]);
	msg_end(&m);
	send_msg(&m, now, r);
}

static void request_selecting(const uint8_t mac[6], const char *sid, uint32_t addr,
			      uint64_t now, struct reply *r)
{
	struct msg m;

	msg_init(&m, DHCPREQUEST, mac, 0x2000 + mac[5]);
	msg_opt_ip(&m, DHO_SERVER_ID, sid);
	msg_opt(&m, DHO_REQUESTED_ADDR, &addr, 4);
	msg_end(&m);
	send_msg(&m, now, r);
}

/* DISCOVER + REQUEST(selecting); returns the bound address. */
static uint32_t obtain(const uint8_t mac[6], uint64_t now)
{
	struct reply r;
	uint32_t a;

	discover(mac, now, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	a = ryiaddr(&r);
	request_selecting(mac, "10.0.2.2", a, now, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(ryiaddr(&r), a);
	return a;
}

static struct dhcp_counters counters(void)
{
	struct dhcp_counters c;

	dhcp_server_get_counters(srv, &c);
	return c;
}

TestSuite(dhcp, .init = setup, .fini = teardown);

/* ---- the tests ---- */

Test(dhcp, discover_gets_offer_with_every_option)
{
	static const uint8_t search_wire[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	};
	uint8_t buf[512];
	struct reply r;
	char file[128];

	discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(r.b[BOOTP_OFF_HTYPE], 1);
	cr_assert_eq(r.b[BOOTP_OFF_HLEN], 6);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	cr_assert_eq(ropt_ip(&r, DHO_SERVER_ID), ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_SUBNET_MASK), ip("255.255.255.0"));
	cr_assert_eq(ropt_ip(&r, DHO_ROUTER), ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_DNS), ip("10.0.2.3"));
	cr_assert_eq(ropt_ip(&r, DHO_BROADCAST), ip("10.0.2.255"));
	cr_assert_eq(ropt_u32(&r, DHO_LEASE_TIME), 3600);
	cr_assert_eq(ropt_u32(&r, DHO_T1), 1800);
	cr_assert_eq(ropt_u32(&r, DHO_T2), 3150);
	cr_assert_eq(ropt(&r, DHO_DOMAIN_NAME, buf, sizeof(buf)), 11);
	cr_assert_eq(memcmp(buf, "example.com", 11), 0);
	cr_assert_eq(ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), (int)sizeof(search_wire));
	cr_assert_eq(memcmp(buf, search_wire, sizeof(search_wire)), 0);
	cr_assert_eq(ropt(&r, DHO_MTU, buf, sizeof(buf)), -1, "MTU 1500 is not sent");
	cr_assert_eq(ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_HOSTNAME, buf, sizeof(buf)), -1);
	/* siaddr 0, sname and file empty, ciaddr 0 */
	memset(file, 0, sizeof(file));
	cr_assert_eq(memcmp(r.b + BOOTP_OFF_SIADDR, file, 4), 0);
	cr_assert_eq(memcmp(r.b + BOOTP_OFF_CIADDR, file, 4), 0);
	cr_assert_eq(memcmp(r.b + BOOTP_OFF_SNAME, file, 64), 0);
	cr_assert_eq(memcmp(r.b + BOOTP_OFF_FILE, file, 128), 0);
	cr_assert_eq(r.b[BOOTP_OFF_COOKIE], 99);
	/* broadcast flag clear, ciaddr 0: unicast to chaddr without ARP */
	cr_assert(r.dest.to_chaddr);
	cr_assert_not(r.dest.broadcast);
	cr_assert_eq(r.dest.ip.s_addr, ip("10.0.2.15"));
	cr_assert_eq(memcmp(r.dest.mac, MAC_A, 6), 0);
	cr_assert_eq(counters().offers, 1);
	cr_assert_eq(counters().discovers, 1);
}

Test(dhcp, mtu_and_boot_file_when_configured)
{
	struct dhcp_server_config c;
	uint8_t buf[256];
	struct reply r;

	base_cfg(&c);
	c.mtu = 9000;
	c.next_server.s_addr = ip("10.0.2.4");
	strcpy(c.boot_file, "pxelinux.0");
	c.lease_time = 0; /* default: one day */
	restart_with(&c);

	discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(ropt(&r, DHO_MTU, buf, sizeof(buf)), 2);
	cr_assert_eq(buf[0] << 8 | buf[1], 9000);
	cr_assert_eq(ropt_u32(&r, DHO_LEASE_TIME), 86400);
	cr_assert_eq(ropt_u32(&r, DHO_T1), 43200);
	cr_assert_eq(ropt_u32(&r, DHO_T2), 75600);
	cr_assert_eq(ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "10.0.2.4", 8), 0);
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 10);
	cr_assert_eq(memcmp(buf, "pxelinux.0", 10), 0);
	cr_assert_str_eq((const char *)r.b + BOOTP_OFF_FILE, "pxelinux.0");
	cr_assert_eq(r.b[BOOTP_OFF_SNAME], 0);
	{
		uint32_t si;

		memcpy(&si, r.b + BOOTP_OFF_SIADDR, 4);
		cr_assert_eq(si, ip("10.0.2.4"));
	}
}

Test(dhcp, request_selecting_gets_ack_and_binds)
{
	struct dhcp_lease_info li;
	struct reply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 0, "an offer is no lease");
	request_selecting(MAC_A, "10.0.2.2", ip("10.0.2.15"), 1 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	cr_assert_eq(ropt_u32(&r, DHO_LEASE_TIME), 3600);
	cr_assert(r.dest.to_chaddr);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 2 * SEC, &li), 1);
	cr_assert_eq(li.addr.s_addr, ip("10.0.2.15"));
	cr_assert(li.bound);
	cr_assert_eq(li.expires_ms, 1 * SEC + 3600 * SEC);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 3602 * SEC, &li), 0, "expired");
	cr_assert_eq(counters().acks, 1);
	cr_assert_eq(counters().requests, 1);
}

Test(dhcp, second_client_gets_next_address)
{
	cr_assert_eq(obtain(MAC_A, 0), ip("10.0.2.15"));
	cr_assert_eq(obtain(MAC_B, 0), ip("10.0.2.16"));
}

Test(dhcp, same_client_rediscovering_gets_same_address)
{
	struct reply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
	discover(MAC_A, 1 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	obtain(MAC_A, 2 * SEC);
	discover(MAC_A, 3 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
}

Test(dhcp, client_identifier_is_the_key)
{
	static const uint8_t cid[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct msg m;
	struct reply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 1);
	msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	/* same client id, other chaddr: same client */
	msg_init(&m, DHCPDISCOVER, MAC_B, 2);
	msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	/* MAC_A without the client id: another client */
	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
}

Test(dhcp, requested_address_is_honoured)
{
	struct msg m;
	struct reply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 1);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.100");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.100"));

	/* taken by A: B asking for it gets the lowest free one */
	msg_init(&m, DHCPDISCOVER, MAC_B, 2);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.100");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));

	/* outside the range, or a server address inside it: not honoured */
	msg_init(&m, DHCPDISCOVER, MAC_C, 3);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.5");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
}

Test(dhcp, server_addresses_in_range_are_never_offered)
{
	struct dhcp_server_config c;
	struct reply r;

	base_cfg(&c);
	c.range_first.s_addr = ip("10.0.2.2");
	c.range_last.s_addr = ip("10.0.2.5");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.4")); /* .2 router/server, .3 DNS */
	discover(MAC_B, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.5"));
	discover(MAC_C, 0, &r);
	cr_assert_eq(r.len, 0);
}

Test(dhcp, request_for_another_server_drops_offer)
{
	struct dhcp_lease_info li;
	struct reply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	request_selecting(MAC_A, "10.0.2.99", ip("10.0.2.15"), 0, &r);
	cr_assert_eq(r.len, 0, "no reply when the client chose another server");
	cr_assert_eq(counters().ignored, 1);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 0);
	/* the offer is gone: B gets .15 at once */
	discover(MAC_B, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
}

Test(dhcp, selecting_with_wrong_address_is_nakked)
{
	struct reply r;

	discover(MAC_A, 0, &r);
	discover(MAC_B, 0, &r);
	/* A asks for B's offered address */
	request_selecting(MAC_A, "10.0.2.2", ip("10.0.2.16"), 0, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
}

Test(dhcp, init_reboot)
{
	struct msg m;
	struct reply r;
	uint8_t buf[64];

	/* outside our network: NAK, broadcast, only 53 and 54 */
	msg_init(&m, DHCPREQUEST, MAC_A, 7);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "192.168.1.10");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
	cr_assert_eq(ropt_ip(&r, DHO_SERVER_ID), ip("10.0.2.2"));
	cr_assert_eq(ryiaddr(&r), 0);
	cr_assert_eq(ropt(&r, DHO_LEASE_TIME, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_SUBNET_MASK, buf, sizeof(buf)), -1);
	cr_assert(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(r.dest.ip.s_addr, INADDR_BROADCAST);
	cr_assert_eq(memcmp(r.dest.mac, MAC_A, 6), 0);
	cr_assert_eq(counters().naks, 1);

	/* a free address of the range: ACK and bind */
	msg_init(&m, DHCPREQUEST, MAC_A, 8);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.50"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, NULL), 1);

	/* the same again (reboot): ACK */
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPACK);

	/* B asking for A's address: NAK */
	msg_init(&m, DHCPREQUEST, MAC_B, 9);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);

	/* in our network but not ours to give (outside the range, or the
	 * router): NAK, since natd is the only server on the link */
	msg_init(&m, DHCPREQUEST, MAC_B, 10);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.5");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
	msg_init(&m, DHCPREQUEST, MAC_B, 11);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_B, 10 * SEC, NULL), 0);
}

Test(dhcp, renew_is_acked_by_unicast)
{
	struct msg m;
	struct reply r;
	struct dhcp_lease_info li;

	obtain(MAC_A, 0);
	msg_init(&m, DHCPREQUEST, MAC_A, 10);
	msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	{
		uint32_t ci;

		memcpy(&ci, r.b + BOOTP_OFF_CIADDR, 4);
		cr_assert_eq(ci, ip("10.0.2.15"));
	}
	cr_assert_not(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(r.dest.ip.s_addr, ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1800 * SEC, &li), 1);
	cr_assert_eq(li.expires_ms, (1800 + 3600) * SEC, "lease extended");

	/* B renewing A's address, or an address we never gave: NAK */
	msg_init(&m, DHCPREQUEST, MAC_B, 11);
	msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
	cr_assert(r.dest.broadcast);
	msg_init(&m, DHCPREQUEST, MAC_B, 12);
	msg_ciaddr(&m, "10.0.2.77");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPNAK);
}

Test(dhcp, release_frees_the_address)
{
	struct dhcp_server_config c;
	struct msg m;
	struct reply r;

	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.2.15"); /* one address */
	restart_with(&c);
	obtain(MAC_A, 0);
	discover(MAC_B, 0, &r);
	cr_assert_eq(r.len, 0, "pool is full");

	/* a RELEASE from another client does nothing */
	msg_init(&m, DHCPRELEASE, MAC_B, 13);
	msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1 * SEC, NULL), 1);

	msg_init(&m, DHCPRELEASE, MAC_A, 14);
	msg_ciaddr(&m, "10.0.2.15");
	msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 2 * SEC, &r);
	cr_assert_eq(r.len, 0, "RELEASE has no reply");
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 2 * SEC, NULL), 0);
	cr_assert_eq(counters().releases, 2);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_RELEASED);

	discover(MAC_B, 3 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
}

Test(dhcp, released_address_goes_back_to_its_client_first)
{
	struct msg m;
	struct reply r;

	obtain(MAC_A, 0);
	msg_init(&m, DHCPRELEASE, MAC_A, 15);
	msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	/* B gets a never-used address, A its old one */
	discover(MAC_B, 2 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
	discover(MAC_A, 2 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
}

Test(dhcp, decline_makes_address_unavailable)
{
	struct dhcp_server_config c;
	struct msg m;
	struct reply r;

	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.2.16");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	request_selecting(MAC_A, "10.0.2.2", ip("10.0.2.15"), 0, &r);
	cr_assert_eq(rtype(&r), DHCPACK);

	msg_init(&m, DHCPDECLINE, MAC_A, 16);
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.15");
	msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(counters().declines, 1);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_DECLINED);
	cr_assert_eq(evs.li[evs.n - 1].addr.s_addr, ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1 * SEC, NULL), 0);

	discover(MAC_A, 2 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
	discover(MAC_B, 2 * SEC, &r);
	cr_assert_eq(r.len, 0, ".15 declined, .16 offered to A");
	cr_assert_eq(counters().pool_exhausted, 1);
	/* ten minutes later .15 is usable again */
	discover(MAC_B, 11 * 60 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
}

Test(dhcp, inform_gets_ack_without_lease)
{
	struct msg m;
	struct reply r;
	uint8_t buf[64];

	msg_init(&m, DHCPINFORM, MAC_A, 17);
	msg_ciaddr(&m, "10.0.2.200");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(ryiaddr(&r), 0);
	cr_assert_eq(ropt(&r, DHO_LEASE_TIME, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_T1, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_T2, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt_ip(&r, DHO_SUBNET_MASK), ip("255.255.255.0"));
	cr_assert_eq(ropt_ip(&r, DHO_ROUTER), ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_DNS), ip("10.0.2.3"));
	cr_assert_eq(r.dest.ip.s_addr, ip("10.0.2.200"));
	cr_assert_not(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(counters().informs, 1);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, NULL), 0);
}

Test(dhcp, pool_exhaustion_is_counted_and_offers_expire)
{
	struct dhcp_server_config c;
	struct reply r;

	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.2.16");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.16"));
	discover(MAC_C, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(counters().pool_exhausted, 1);
	cr_assert_eq(counters().offers, 2);
	/* offers are held about a minute */
	discover(MAC_C, 61 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
}

Test(dhcp, expired_lease_is_reclaimed_and_reported)
{
	struct dhcp_server_config c;
	struct reply r;

	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.2.15");
	restart_with(&c);
	obtain(MAC_A, 0);
	cr_assert_eq(evs.n, 1);
	discover(MAC_B, 3599 * SEC, &r);
	cr_assert_eq(r.len, 0);
	discover(MAC_B, 3600 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	cr_assert_eq(evs.n, 2);
	cr_assert_eq(evs.ev[1], DHCP_EV_EXPIRED);
	cr_assert_eq(memcmp(evs.li[1].mac, MAC_A, 6), 0);
}

Test(dhcp, destination_rules)
{
	struct msg m;
	struct reply r;

	/* broadcast flag */
	msg_init(&m, DHCPDISCOVER, MAC_A, 18);
	m.b[BOOTP_OFF_FLAGS] = 0x80;
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(r.dest.ip.s_addr, INADDR_BROADCAST);
	cr_assert_eq(memcmp(r.dest.mac, MAC_A, 6), 0);
	cr_assert_eq(r.b[BOOTP_OFF_FLAGS], 0x80, "flags echoed");

	/* relayed (giaddr set): not supported, broadcast; giaddr echoed */
	msg_init(&m, DHCPDISCOVER, MAC_B, 19);
	memcpy(m.b + BOOTP_OFF_GIADDR, (uint8_t[]){ 10, 9, 9, 1 }, 4);
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert(r.dest.broadcast);
	cr_assert_eq(memcmp(r.b + BOOTP_OFF_GIADDR, (uint8_t[]){ 10, 9, 9, 1 }, 4), 0);

	/* no flag, no ciaddr: to chaddr */
	discover(MAC_C, 0, &r);
	cr_assert(r.dest.to_chaddr);
	cr_assert_not(r.dest.broadcast);
	cr_assert_eq(r.dest.ip.s_addr, ryiaddr(&r));
	cr_assert_eq(memcmp(r.dest.mac, MAC_C, 6), 0);
}

Test(dhcp, malformed_inputs_are_rejected_and_counted)
{
	struct msg m;
	uint8_t out[DHCP_REPLY_MAX];
	struct dhcp_reply_dest d;
	uint64_t before;
	int rc;

	memset(&m, 0, sizeof(m));
	/* zero-length buffer, NULL included */
	cr_assert_lt(dhcp_server_input(srv, m.b, 0, 0, out, sizeof(out), &d), 0);
	cr_assert_lt(dhcp_server_input(srv, NULL, 0, 0, out, sizeof(out), &d), 0);
	cr_assert_eq(counters().malformed, 2);

	/* truncated header */
	msg_init(&m, DHCPDISCOVER, MAC_A, 20);
	msg_end(&m);
	rc = dhcp_server_input(srv, m.b, 200, 0, out, sizeof(out), &d);
	cr_assert_eq(rc, -EINVAL);
	rc = dhcp_server_input(srv, m.b, BOOTP_OFF_OPTIONS - 1, 0, out, sizeof(out), &d);
	cr_assert_eq(rc, -EINVAL);

	/* bad cookie */
	msg_init(&m, DHCPDISCOVER, MAC_A, 21);
	msg_end(&m);
	m.b[BOOTP_OFF_COOKIE + 3] = 98;
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	/* an option's length runs past the end of the buffer */
	msg_init(&m, DHCPDISCOVER, MAC_A, 22);
	m.b[m.len++] = DHO_HOSTNAME;
	m.b[m.len++] = 200;
	memcpy(m.b + m.len, "host", 4);
	m.len += 4;
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);
	/* an option code with no room for its length */
	msg_init(&m, DHCPDISCOVER, MAC_A, 23);
	m.b[m.len++] = DHO_HOSTNAME;
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	/* no option 53 */
	msg_init(&m, DHCPDISCOVER, MAC_A, 24);
	m.len = BOOTP_OFF_OPTIONS;
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.20");
	msg_end(&m);
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	/* hlen 16 */
	msg_init(&m, DHCPDISCOVER, MAC_A, 25);
	msg_end(&m);
	m.b[BOOTP_OFF_HLEN] = 16;
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	/* a BOOTREPLY */
	msg_init(&m, DHCPDISCOVER, MAC_A, 26);
	msg_end(&m);
	m.b[BOOTP_OFF_OP] = BOOTREPLY;
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	/* option 53 with a wrong length */
	msg_init(&m, DHCPDISCOVER, MAC_A, 27);
	m.b[BOOTP_OFF_OPTIONS + 1] = 2;
	msg_end(&m);
	cr_assert_lt(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), 0);

	cr_assert_eq(counters().malformed, 11);
	cr_assert_eq(counters().offers, 0);
	cr_assert_eq(counters().received, 11);

	/* overload (52) is ignored; options without an end option are fine */
	before = counters().malformed;
	msg_init(&m, DHCPDISCOVER, MAC_A, 28);
	msg_opt(&m, DHO_OVERLOAD, (uint8_t[]){ 3 }, 1);
	rc = dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d);
	cr_assert_gt(rc, 0);
	cr_assert_eq(counters().malformed, before);
}

Test(dhcp, unknown_message_types_are_ignored)
{
	struct msg m;
	struct reply r;

	msg_init(&m, DHCPOFFER, MAC_A, 29);
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(r.len, 0);
	msg_init(&m, 200, MAC_A, 30);
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(counters().ignored, 2);
	cr_assert_eq(counters().malformed, 0);
}

Test(dhcp, small_output_buffer_gives_enospc)
{
	struct msg m;
	uint8_t out[299];
	struct dhcp_reply_dest d;

	msg_init(&m, DHCPINFORM, MAC_A, 31);
	msg_end(&m);
	cr_assert_eq(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), -ENOSPC);
}

Test(dhcp, lease_callback_fires_with_sanitized_hostname)
{
	struct msg m;
	struct reply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 32);
	msg_opt(&m, DHO_HOSTNAME, "my\001host\n", 9);
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(evs.n, 0, "no event for an offer");
	msg_init(&m, DHCPREQUEST, MAC_A, 33);
	msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.15");
	msg_opt(&m, DHO_HOSTNAME, "my\001host\n", 9);
	msg_end(&m);
	send_msg(&m, 5 * SEC, &r);
	cr_assert_eq(rtype(&r), DHCPACK);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0], DHCP_EV_BOUND);
	cr_assert_eq(evs.li[0].addr.s_addr, ip("10.0.2.15"));
	cr_assert_eq(memcmp(evs.li[0].mac, MAC_A, 6), 0);
	cr_assert_str_eq(evs.li[0].hostname, "my_host_");
	cr_assert(evs.li[0].bound);
	cr_assert_eq(evs.li[0].expires_ms, 3605 * SEC);

	/* a long hostname is truncated */
	{
		char longname[200];

		memset(longname, 'h', sizeof(longname));
		msg_init(&m, DHCPREQUEST, MAC_A, 34);
		msg_ciaddr(&m, "10.0.2.15");
		msg_opt(&m, DHO_HOSTNAME, longname, sizeof(longname));
		msg_end(&m);
		send_msg(&m, 6 * SEC, &r);
		cr_assert_eq(rtype(&r), DHCPACK);
		cr_assert_eq(evs.n, 2);
		cr_assert_eq(evs.ev[1], DHCP_EV_BOUND, "renewal reports bound too");
		cr_assert_eq(strlen(evs.li[1].hostname), 63);
	}
}

struct collect {
	int n, bound;
	uint32_t addrs[8];
	int stop_after;
};

static int collect_fn(void *opaque, const struct dhcp_lease_info *l)
{
	struct collect *c = opaque;

	if (c->n < 8)
		c->addrs[c->n] = l->addr.s_addr;
	c->n++;
	c->bound += l->bound;
	return c->stop_after && c->n >= c->stop_after;
}

Test(dhcp, add_lease_foreach_and_lease_by_mac)
{
	struct dhcp_lease_info l, got;
	struct collect col = { 0 };
	struct reply r;

	memset(&l, 0, sizeof(l));
	l.addr.s_addr = ip("10.0.2.20");
	memcpy(l.mac, MAC_A, 6);
	strcpy(l.hostname, "restored");
	l.expires_ms = 1000 * SEC;
	l.bound = true;
	cr_assert_eq(dhcp_server_add_lease(srv, &l), 0);
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST);
	l.addr.s_addr = ip("10.0.2.21");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST, "mac already has a lease");
	memcpy(l.mac, MAC_B, 6);
	l.addr.s_addr = ip("10.0.3.20");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -ERANGE);
	l.addr.s_addr = ip("10.0.2.3");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -ERANGE);

	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &got), 1);
	cr_assert_eq(got.addr.s_addr, ip("10.0.2.20"));
	cr_assert_str_eq(got.hostname, "restored");
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_B, 0, &got), 0);

	/* the restored client keeps its address */
	discover(MAC_A, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.20"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));

	cr_assert_eq(dhcp_server_foreach_lease(srv, collect_fn, &col), 0);
	cr_assert_eq(col.n, 2);
	cr_assert_eq(col.bound, 1);
	cr_assert_eq(col.addrs[0], ip("10.0.2.15"));
	cr_assert_eq(col.addrs[1], ip("10.0.2.20"));

	memset(&col, 0, sizeof(col));
	col.stop_after = 1;
	cr_assert_eq(dhcp_server_foreach_lease(srv, collect_fn, &col), 1);
	cr_assert_eq(col.n, 1);
}

Test(dhcp, reconfigure_swaps_options_keeps_leases)
{
	struct dhcp_server_config c;
	struct reply r;
	uint8_t buf[64];

	obtain(MAC_A, 0);
	base_cfg(&c);
	c.dns[0].s_addr = ip("192.0.2.53");
	c.dns[1].s_addr = ip("192.0.2.54");
	c.n_dns = 2;
	c.domain[0] = '\0';
	c.n_search = 0;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), 0);
	discover(MAC_A, 1 * SEC, &r);
	cr_assert_eq(ryiaddr(&r), ip("10.0.2.15"));
	cr_assert_eq(ropt(&r, DHO_DNS, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, (uint8_t[]){ 192, 0, 2, 53, 192, 0, 2, 54 }, 8), 0);
	cr_assert_eq(ropt(&r, DHO_DOMAIN_NAME, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), -1);

	c.range_last.s_addr = ip("10.0.2.100");
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	base_cfg(&c);
	c.netmask.s_addr = ip("255.255.0.0");
	c.network.s_addr = ip("10.0.0.0");
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	base_cfg(&c);
	c.n_dns = 5;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
}

Test(dhcp, inconsistent_configs_are_refused)
{
	struct dhcp_server_config c;

	base_cfg(&c);
	c.netmask.s_addr = ip("255.0.255.0");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.3.20");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_first.s_addr = ip("10.0.2.100");
	c.range_last.s_addr = ip("10.0.2.99");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_last.s_addr = ip("10.0.2.255");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.server_id.s_addr = 0;
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	strcpy(c.search[0], "bad..name");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	memset(c.domain, 'x', sizeof(c.domain)); /* not terminated */
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.n_search = 7;
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c); /* options that cannot fit one reply */
	memset(c.domain, 'd', 250);
	c.domain[250] = '\0';
	memset(c.boot_file, 'b', 120);
	c.boot_file[120] = '\0';
	cr_assert_null(dhcp_server_new(&c));
}

Test(dhcp, long_search_list_is_split_per_rfc3396)
{
	struct dhcp_server_config c;
	uint8_t want[300], buf[600];
	struct reply r;
	size_t n = 0;
	unsigned i;

	base_cfg(&c);
	c.domain[0] = '\0';
	c.n_search = 4;
	for (i = 0; i < 4; i++) {
		memset(c.search[i], 'a' + (char)i, 62);
		strcpy(c.search[i] + 62, ".com");
		want[n++] = 62;
		memset(want + n, 'a' + (int)i, 62);
		n += 62;
		memcpy(want + n, "\003com\000", 5);
		n += 5;
	}
	cr_assert_eq(n, 272);
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(ropt_count(&r, DHO_DOMAIN_SEARCH), 2);
	cr_assert_eq(ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), 272);
	cr_assert_eq(memcmp(buf, want, n), 0);
}

Test(dhcp, dns_name_encoding)
{
	uint8_t b[300];

	cr_assert_eq(dhcp_dns_name_encode("a.bc", b, sizeof(b)), 6);
	cr_assert_eq(memcmp(b, "\001a\002bc\000", 6), 0);
	cr_assert_eq(dhcp_dns_name_encode("a.bc.", b, sizeof(b)), 6, "trailing dot");
	cr_assert_eq(dhcp_dns_name_encode("", b, sizeof(b)), -EINVAL);
	cr_assert_eq(dhcp_dns_name_encode(".", b, sizeof(b)), -EINVAL);
	cr_assert_eq(dhcp_dns_name_encode("a..b", b, sizeof(b)), -EINVAL);
	cr_assert_eq(dhcp_dns_name_encode("a.bc", b, 3), -ENOSPC);
	cr_assert_eq(dhcp_dns_name_encode("a.bc", b, 5), -ENOSPC);
	{
		char label[65];

		memset(label, 'x', 64);
		label[64] = '\0';
		cr_assert_eq(dhcp_dns_name_encode(label, b, sizeof(b)), -EINVAL);
		label[63] = '\0';
		cr_assert_eq(dhcp_dns_name_encode(label, b, sizeof(b)), 65);
	}
}

/* ---- PXE ---- */

static const char PXE_VCI[] = "PXEClient:Arch:00000:UNDI:002001";
static const uint8_t PXE_UUID[17] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };

static void pxe_cfg(struct dhcp_server_config *c, const char *efi)
{
	base_cfg(c);
	c->next_server.s_addr = ip("10.0.2.4");
	strcpy(c->boot_file, "vm1.pxe");
	if (efi)
		strcpy(c->boot_file_efi, efi);
}

/* A DISCOVER as a PXE ROM sends it: 60, 93 (arch, -1 for none), 97. */
static void pxe_discover(const uint8_t mac[6], int arch, struct reply *r)
{
	struct msg m;

	msg_init(&m, DHCPDISCOVER, mac, 0x3000 + mac[5]);
	msg_opt(&m, DHO_VENDOR_CLASS, PXE_VCI, (uint8_t)strlen(PXE_VCI));
	if (arch >= 0)
		msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ (uint8_t)(arch >> 8), (uint8_t)arch }, 2);
	msg_opt(&m, DHO_CLIENT_UUID, PXE_UUID, sizeof(PXE_UUID));
	msg_end(&m);
	send_msg(&m, 0, r);
}

static const char *rfile(const struct reply *r)
{
	return (const char *)r->b + BOOTP_OFF_FILE;
}

Test(dhcp, pxe_client_gets_pxeclient_discovery_control_and_uuid)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct reply r;
	uint32_t si;

	pxe_cfg(&c, NULL);
	restart_with(&c);
	pxe_discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	memcpy(&si, r.b + BOOTP_OFF_SIADDR, 4);
	cr_assert_eq(si, ip("10.0.2.4"));
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 7);
	cr_assert_eq(memcmp(buf, "vm1.pxe", 7), 0);
	cr_assert_eq(ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "10.0.2.4", 8), 0);
	cr_assert_eq(ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), 9);
	cr_assert_eq(memcmp(buf, "PXEClient", 9), 0);
	cr_assert_eq(ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, (uint8_t[]){ 6, 1, 8, 255 }, 4), 0);
	cr_assert_eq(ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), 17);
	cr_assert_eq(memcmp(buf, PXE_UUID, 17), 0);
	cr_assert_eq(counters().pxe_clients, 1);

	/* the REQUEST that follows is ACKed with the same */
	{
		struct msg m;
		uint32_t a = ryiaddr(&r);

		msg_init(&m, DHCPREQUEST, MAC_A, 0x3100);
		msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
		msg_opt(&m, DHO_REQUESTED_ADDR, &a, 4);
		msg_opt(&m, DHO_VENDOR_CLASS, PXE_VCI, (uint8_t)strlen(PXE_VCI));
		msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ 0, 0 }, 2);
		msg_end(&m);
		send_msg(&m, 0, &r);
		cr_assert_eq(rtype(&r), DHCPACK);
		cr_assert_str_eq(rfile(&r), "vm1.pxe");
		cr_assert_eq(ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), 9);
		cr_assert_eq(ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), -1, "none sent, none echoed");
	}
}

Test(dhcp, plain_client_gets_boot_file_without_pxe_options)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct reply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	cr_assert_eq(ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), -1);
	cr_assert_eq(counters().pxe_clients, 0);
}

Test(dhcp, pxe_client_without_boot_file_gets_plain_dhcp)
{
	uint8_t buf[64];
	struct reply r;

	pxe_discover(MAC_A, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(rfile(&r)[0], '\0');
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), -1);
}

Test(dhcp, uefi_client_gets_the_efi_file_when_there_is_one)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct reply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	pxe_discover(MAC_A, 7, &r); /* EFI BC, what OVMF x64 sends */
	cr_assert_str_eq(rfile(&r), "vm1.efi");
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 7);
	cr_assert_eq(memcmp(buf, "vm1.efi", 7), 0);
	pxe_discover(MAC_B, 11, &r);
	cr_assert_str_eq(rfile(&r), "vm1.efi", "ARM64 UEFI");
	pxe_discover(MAC_C, 0, &r);
	cr_assert_str_eq(rfile(&r), "vm1.pxe", "BIOS");

	pxe_cfg(&c, NULL);
	restart_with(&c);
	pxe_discover(MAC_A, 9, &r);
	cr_assert_str_eq(rfile(&r), "vm1.pxe", "no UEFI file: the one boot file");
}

Test(dhcp, malformed_pxe_options_are_ignored_not_fatal)
{
	struct dhcp_server_config c;
	struct msg m;
	struct reply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	msg_init(&m, DHCPDISCOVER, MAC_A, 0x4000);
	msg_opt(&m, DHO_VENDOR_CLASS, "PXECl", 5); /* too short to be PXEClient */
	msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ 0, 7, 1 }, 3); /* odd length */
	{
		uint8_t big[40] = { 0 };

		msg_opt(&m, DHO_CLIENT_UUID, big, sizeof(big)); /* longer than 17 */
	}
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	cr_assert_eq(counters().pxe_clients, 0);
	cr_assert_eq(counters().malformed, 0);
}

Test(dhcp, pxe_options_fit_next_to_long_host_options)
{
	struct dhcp_server_config c;
	struct reply r;
	uint8_t buf[300];

	pxe_cfg(&c, NULL);
	memset(c.boot_file, 'b', 100);
	c.boot_file[100] = '\0';
	memset(c.boot_file_efi, 'e', 120);
	c.boot_file_efi[120] = '\0';
	strcpy(c.domain, "corp.example.com");
	restart_with(&c);
	pxe_discover(MAC_A, 7, &r);
	cr_assert_eq(rtype(&r), DHCPOFFER);
	cr_assert_eq(ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 120);
	cr_assert_eq(ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), 17);

	/* what cannot fit with every PXE option is refused up front */
	memset(c.domain, 'd', 200);
	c.domain[200] = '\0';
	cr_assert_null(dhcp_server_new(&c));
}

Test(dhcp, architecture_names)
{
	cr_assert_str_eq(dhcp_arch_name(0), "x86 BIOS");
	cr_assert_str_eq(dhcp_arch_name(7), "x64 UEFI");
	cr_assert_str_eq(dhcp_arch_name(11), "ARM64 UEFI");
	cr_assert_str_eq(dhcp_arch_name(0x1234), "unknown");
	cr_assert(!dhcp_arch_is_uefi(0));
	cr_assert(dhcp_arch_is_uefi(6));
	cr_assert(dhcp_arch_is_uefi(7));
	cr_assert(dhcp_arch_is_uefi(9));
	cr_assert(!dhcp_arch_is_uefi(16), "HTTP boot is not TFTP");
	cr_assert(!dhcp_arch_is_uefi(0x1234));
}
