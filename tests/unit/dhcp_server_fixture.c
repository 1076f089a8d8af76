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

void msg_init(struct tmsg *m, uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	t_msg_init(m, type, mac);
	memcpy(m->b + BOOTP_OFF_XID, &xid, 4);
}

void msg_end(struct tmsg *m)
{
	m->b[m->len++] = DHO_END;
	if (m->len < BOOTP_MIN_LEN)
		m->len = BOOTP_MIN_LEN;
}

uint32_t ropt_ip(const struct treply *r, uint8_t code)
{
	return htonl(t_ropt_u32(r, code));
}

/* ---- fixture ---- */

struct dhcp_server_config cfg;
struct dhcp_server *srv;
struct ev_log evs;

void base_cfg(struct dhcp_server_config *c)
{
	t_base_cfg(c);
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
	dhcp_server_set_lease_cb(srv, t_on_lease, &evs);
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
	dhcp_server_set_lease_cb(srv, t_on_lease, &evs);
}

void send_msg(struct tmsg *m, uint64_t now, struct treply *r)
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

void discover(const uint8_t mac[6], uint64_t now, struct treply *r)
{
	struct tmsg m;

	msg_init(&m, DHCPDISCOVER, mac, 0x1000 + mac[5]);
	msg_end(&m);
	send_msg(&m, now, r);
}

void request_selecting(const uint8_t mac[6], const char *sid, uint32_t addr,
		       uint64_t now, struct treply *r)
{
	struct tmsg m;

	msg_init(&m, DHCPREQUEST, mac, 0x2000 + mac[5]);
	t_msg_opt_ip(&m, DHO_SERVER_ID, sid);
	t_msg_opt(&m, DHO_REQUESTED_ADDR, &addr, 4);
	msg_end(&m);
	send_msg(&m, now, r);
}

uint32_t obtain(const uint8_t mac[6], uint64_t now)
{
	struct treply r;
	uint32_t a;

	discover(mac, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	a = t_ryiaddr(&r);
	request_selecting(mac, "10.0.2.2", a, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), a);
	return a;
}

struct dhcp_counters counters(void)
{
	struct dhcp_counters c;

	dhcp_server_get_counters(srv, &c);
	return c;
}

