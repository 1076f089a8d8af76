/* SPDX-License-Identifier: MIT */
/*
 * dhcp_server_fixture.c - the helpers and the per-test server of the DHCPv4
 * server's unit tests (test_dhcp_server_*.c); see dhcp_server_fixture.h.
 */
#include "dhcp_server_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x03 };

uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

void msg_init(struct msg *m, uint8_t type, const uint8_t mac[6], uint32_t xid)
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

void msg_opt(struct msg *m, uint8_t code, const void *d, uint8_t n)
{
	m->b[m->len++] = code;
	m->b[m->len++] = n;
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

void msg_opt_ip(struct msg *m, uint8_t code, const char *a)
{
	uint32_t v = ip(a);

	msg_opt(m, code, &v, 4);
}

void msg_ciaddr(struct msg *m, const char *a)
{
	uint32_t v = ip(a);

	memcpy(m->b + BOOTP_OFF_CIADDR, &v, 4);
}

void msg_end(struct msg *m)
{
	m->b[m->len++] = DHO_END;
	if (m->len < BOOTP_MIN_LEN)
		m->len = BOOTP_MIN_LEN;
}

/* ---- reading replies ---- */

int ropt(const struct reply *r, uint8_t code, uint8_t *out, size_t cap)
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

int ropt_count(const struct reply *r, uint8_t code)
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

uint32_t ropt_u32(const struct reply *r, uint8_t code)
{
	uint8_t v[4];

	cr_assert_eq(ropt(r, code, v, sizeof(v)), 4, "option %u missing or not 4 bytes", code);
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

uint32_t ropt_ip(const struct reply *r, uint8_t code)
{
	return htonl(ropt_u32(r, code));
}

int rtype(const struct reply *r)
{
	uint8_t t;

	if (r->len <= 0)
		return r->len;
	cr_assert_eq(ropt(r, DHO_MSG_TYPE, &t, 1), 1);
	return t;
}

uint32_t ryiaddr(const struct reply *r)
{
	uint32_t v;

	memcpy(&v, r->b + BOOTP_OFF_YIADDR, 4);
	return v;
}

/* ---- fixture ---- */

struct dhcp_server_config cfg;
struct dhcp_server *srv;
struct ev_log evs;

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

void base_cfg(struct dhcp_server_config *c)
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

void setup(void)
{
	base_cfg(&cfg);
	srv = dhcp_server_new(&cfg);
	cr_assert_not_null(srv);
	memset(&evs, 0, sizeof(evs));
	dhcp_server_set_lease_cb(srv, on_lease, &evs);
}

void teardown(void)
{
	dhcp_server_free(srv);
	srv = NULL;
}

void restart_with(const struct dhcp_server_config *c)
{
	dhcp_server_free(srv);
	srv = dhcp_server_new(c);
	cr_assert_not_null(srv);
	dhcp_server_set_lease_cb(srv, on_lease, &evs);
}

void send_msg(struct msg *m, uint64_t now, struct reply *r)
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

void discover(const uint8_t mac[6], uint64_t now, struct reply *r)
{
	struct msg m;

	msg_init(&m, DHCPDISCOVER, mac, 0x1000 + mac[5]);
	msg_end(&m);
	send_msg(&m, now, r);
}

void request_selecting(const uint8_t mac[6], const char *sid, uint32_t addr,
		       uint64_t now, struct reply *r)
{
	struct msg m;

	msg_init(&m, DHCPREQUEST, mac, 0x2000 + mac[5]);
	msg_opt_ip(&m, DHO_SERVER_ID, sid);
	msg_opt(&m, DHO_REQUESTED_ADDR, &addr, 4);
	msg_end(&m);
	send_msg(&m, now, r);
}

uint32_t obtain(const uint8_t mac[6], uint64_t now)
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

struct dhcp_counters counters(void)
{
	struct dhcp_counters c;

	dhcp_server_get_counters(srv, &c);
	return c;
}

