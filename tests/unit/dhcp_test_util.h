/* SPDX-License-Identifier: MIT */
/*
 * dhcp_test_util.h - helpers of the DHCPv4 server's newer unit tests
 * (test_dhcp_fixed.c, test_dhcp_options.c, test_dhcp_keying.c,
 * test_dhcp_port_limit.c, the test_dhcp_server_*.c pieces): compose a client message byte by
 * byte, hand it to dhcp_server_input(), and read the reply's options back
 * as a guest's DHCP client would (every instance of a code, RFC 3396).
 */
#ifndef NATD_TEST_DHCP_UTIL_H
#define NATD_TEST_DHCP_UTIL_H

#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#define SEC 1000ull

struct tmsg {
	uint8_t b[1024];
	size_t len;
};

struct treply {
	uint8_t b[DHCP_REPLY_MAX];
	int len;
	struct dhcp_reply_dest dest;
};

static inline uint32_t t_ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "bad address %s in a test", s);
	return a.s_addr;
}

static inline void t_msg_init(struct tmsg *m, uint8_t type, const uint8_t mac[6])
{
	memset(m, 0, sizeof(*m));
	m->b[BOOTP_OFF_OP] = BOOTREQUEST;
	m->b[BOOTP_OFF_HTYPE] = 1;
	m->b[BOOTP_OFF_HLEN] = 6;
	m->b[BOOTP_OFF_XID] = 0x5a;
	m->b[BOOTP_OFF_XID + 3] = type;
	memcpy(m->b + BOOTP_OFF_CHADDR, mac, 6);
	m->b[BOOTP_OFF_COOKIE] = DHCP_COOKIE0;
	m->b[BOOTP_OFF_COOKIE + 1] = DHCP_COOKIE1;
	m->b[BOOTP_OFF_COOKIE + 2] = DHCP_COOKIE2;
	m->b[BOOTP_OFF_COOKIE + 3] = DHCP_COOKIE3;
	m->len = BOOTP_OFF_OPTIONS;
	m->b[m->len++] = DHO_MSG_TYPE;
	m->b[m->len++] = 1;
	m->b[m->len++] = type;
}

static inline void t_msg_opt(struct tmsg *m, uint8_t code, const void *d, uint8_t n)
{
	m->b[m->len++] = code;
	m->b[m->len++] = n;
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

static inline void t_msg_opt_ip(struct tmsg *m, uint8_t code, const char *a)
{
	uint32_t v = t_ip(a);

	t_msg_opt(m, code, &v, 4);
}

static inline void t_msg_ciaddr(struct tmsg *m, const char *a)
{
	uint32_t v = t_ip(a);

	memcpy(m->b + BOOTP_OFF_CIADDR, &v, 4);
}

/* Ends the options and sends m to s; checks what the API promises of a reply. */
static inline void t_send(struct dhcp_server *s, struct tmsg *m, uint64_t now,
			  struct treply *r)
{
	m->b[m->len++] = DHO_END;
	if (m->len < BOOTP_MIN_LEN)
		m->len = BOOTP_MIN_LEN;
	memset(r, 0, sizeof(*r));
	r->len = dhcp_server_input(s, m->b, m->len, now, r->b, sizeof(r->b), &r->dest);
	if (r->len > 0) {
		cr_assert_geq(r->len, BOOTP_MIN_LEN);
		cr_assert_leq(r->len, DHCP_REPLY_MAX);
		cr_assert_eq(r->b[BOOTP_OFF_OP], BOOTREPLY);
		cr_assert_eq(memcmp(r->b + BOOTP_OFF_XID, m->b + BOOTP_OFF_XID, 4), 0);
	}
}

/* Concatenates every instance of option code into out; -1 when absent. */
static inline int t_ropt(const struct treply *r, uint8_t code, uint8_t *out, size_t cap)
{
	size_t off = BOOTP_OFF_OPTIONS, n = 0;
	bool found = false, end = false;

	while (off < (size_t)r->len) {
		uint8_t c = r->b[off], l;

		if (c == DHO_PAD) {
			off++;
			continue;
		}
		if (c == DHO_END) {
			end = true;
			break;
		}
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
	cr_assert(end, "the reply has no end option");
	return found ? (int)n : -1;
}

/* How many instances of option code the reply has. */
static inline int t_ropt_count(const struct treply *r, uint8_t code)
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

static inline uint32_t t_ropt_u32(const struct treply *r, uint8_t code)
{
	uint8_t v[4];

	cr_assert_eq(t_ropt(r, code, v, sizeof(v)), 4, "option %u missing or not 4 bytes", code);
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* The reply's message type, 0 when there was none. */
static inline int t_rtype(const struct treply *r)
{
	uint8_t t;

	if (r->len <= 0)
		return r->len;
	cr_assert_eq(t_ropt(r, DHO_MSG_TYPE, &t, 1), 1);
	return t;
}

static inline uint32_t t_ryiaddr(const struct treply *r)
{
	uint32_t v;

	memcpy(&v, r->b + BOOTP_OFF_YIADDR, 4);
	return v;
}

/* 10.0.2.0/24, natd's NAT defaults: server and router .2, DNS .3, range .15-.254. */
static inline void t_base_cfg(struct dhcp_server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->network.s_addr = t_ip("10.0.2.0");
	c->netmask.s_addr = t_ip("255.255.255.0");
	c->server_id.s_addr = t_ip("10.0.2.2");
	c->router.s_addr = t_ip("10.0.2.2");
	c->dns[0].s_addr = t_ip("10.0.2.3");
	c->n_dns = 1;
	c->range_first.s_addr = t_ip("10.0.2.15");
	c->range_last.s_addr = t_ip("10.0.2.254");
	c->lease_time = 3600;
}

static inline void t_add_fixed(struct dhcp_server_config *c, const uint8_t mac[6],
			       const char *addr)
{
	cr_assert_lt(c->n_fixed, DHCP_MAX_FIXED);
	memcpy(c->fixed[c->n_fixed].mac, mac, 6);
	c->fixed[c->n_fixed].addr.s_addr = t_ip(addr);
	c->n_fixed++;
}

/* ---- one message each ---- */

static inline void t_discover(struct dhcp_server *s, const uint8_t mac[6], uint64_t now,
			      struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPDISCOVER, mac);
	t_send(s, &m, now, r);
}

/* REQUEST in SELECTING state for addr, naming server sid. */
static inline void t_select(struct dhcp_server *s, const uint8_t mac[6], const char *sid,
			    const char *addr, uint64_t now, struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPREQUEST, mac);
	t_msg_opt_ip(&m, DHO_SERVER_ID, sid);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, addr);
	t_send(s, &m, now, r);
}

static inline void t_init_reboot(struct dhcp_server *s, const uint8_t mac[6],
				 const char *addr, uint64_t now, struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPREQUEST, mac);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, addr);
	t_send(s, &m, now, r);
}

static inline void t_renew(struct dhcp_server *s, const uint8_t mac[6], const char *ciaddr,
			   uint64_t now, struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPREQUEST, mac);
	t_msg_ciaddr(&m, ciaddr);
	t_send(s, &m, now, r);
}

static inline void t_inform(struct dhcp_server *s, const uint8_t mac[6], const char *ciaddr,
			    uint64_t now, struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPINFORM, mac);
	t_msg_ciaddr(&m, ciaddr);
	t_send(s, &m, now, r);
}

/* DISCOVER + REQUEST(selecting) from server 10.0.2.2; returns the bound address. */
static inline uint32_t t_obtain(struct dhcp_server *s, const uint8_t mac[6], uint64_t now)
{
	struct treply r;
	char a[INET_ADDRSTRLEN];
	uint32_t y;

	t_discover(s, mac, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	y = t_ryiaddr(&r);
	inet_ntop(AF_INET, &y, a, sizeof(a));
	t_select(s, mac, "10.0.2.2", a, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), y);
	return y;
}

/* The lease events a server reported, the first 16 of them kept. */
struct ev_log {
	int n;
	enum dhcp_lease_event_kind ev[16];
	struct dhcp_lease_info li[16];
};

/* A dhcp_server_set_lease_cb() callback: opaque is a struct ev_log. */
static inline void t_on_lease(void *opaque, enum dhcp_lease_event_kind ev,
			      const struct dhcp_lease_info *l)
{
	struct ev_log *e = opaque;

	if (e->n < 16) {
		e->ev[e->n] = ev;
		e->li[e->n] = *l;
	}
	e->n++;
}

#endif
