/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_port_limit.c - offers and leases per port in dhcp/
 * (dhcp_server_input_port(), dhcp_server_set_port_limit()): a port whose
 * clients hold the limit gets nothing for a new MAC, while other ports and
 * the clients it has keep being served; offers that are not followed by a
 * REQUEST free the address and the port's share after about a minute, on
 * the server's own clock; fixed addresses and renewals are never refused.
 */
#include "dhcp_test_util.h"

#define PORT_A 0x101u    /* switch port tags, as l2/switch.c makes them */
#define PORT_B 0x102u

static struct dhcp_server_config cfg;
static struct dhcp_server *srv;

static void setup(void)
{
	t_base_cfg(&cfg);
	srv = dhcp_server_new(&cfg);
	cr_assert_not_null(srv);
	dhcp_server_set_port_limit(srv, 3);
}

static void teardown(void)
{
	dhcp_server_free(srv);
	srv = NULL;
}

TestSuite(dhcp_port, .init = setup, .fini = teardown);

static void mac_n(uint8_t mac[6], unsigned n)
{
	const uint8_t base[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x00 };

	memcpy(mac, base, 6);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static void send_port(uint32_t port, struct tmsg *m, uint64_t now, struct treply *r)
{
	m->b[m->len++] = DHO_END;
	if (m->len < BOOTP_MIN_LEN)
		m->len = BOOTP_MIN_LEN;
	memset(r, 0, sizeof(*r));
	r->len = dhcp_server_input_port(srv, port, m->b, m->len, now, r->b, sizeof(r->b),
					&r->dest);
}

static void discover(uint32_t port, const uint8_t mac[6], uint64_t now, struct treply *r)
{
	struct tmsg m;

	t_msg_init(&m, DHCPDISCOVER, mac);
	send_port(port, &m, now, r);
}

static void request(uint32_t port, const uint8_t mac[6], uint32_t addr, bool selecting,
		    uint64_t now, struct treply *r)
{
	struct tmsg m;
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	t_msg_init(&m, DHCPREQUEST, mac);
	if (selecting)
		t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, a);
	send_port(port, &m, now, r);
}

/* DISCOVER, REQUEST from port: the bound address, or 0 when refused. */
static uint32_t obtain(uint32_t port, const uint8_t mac[6], uint64_t now)
{
	struct treply r;
	uint32_t y;

	discover(port, mac, now, &r);
	if (r.len <= 0)
		return 0;
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	y = t_ryiaddr(&r);
	request(port, mac, y, true, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	return y;
}

static uint64_t port_limit_count(void)
{
	struct dhcp_counters c;

	dhcp_server_get_counters(srv, &c);
	return c.port_limit;
}

Test(dhcp_port, a_port_gets_at_most_its_limit_of_leases)
{
	uint8_t mac[6];
	struct treply r;

	for (unsigned i = 0; i < 3; i++) {
		mac_n(mac, i);
		cr_assert_neq(obtain(PORT_A, mac, 1000), 0, "lease %u", i);
	}
	for (unsigned i = 3; i < 40; i++) {
		mac_n(mac, i);
		discover(PORT_A, mac, 1000 + i, &r);
		cr_assert_eq(r.len, 0, "MAC %u of the full port got an offer", i);
	}
	cr_assert_eq(port_limit_count(), 37);
	/* another port is served as before */
	mac_n(mac, 100);
	cr_assert_eq(obtain(PORT_B, mac, 2000), t_ip("10.0.2.18"));
	/* a client of the full port keeps its lease: renewing and a new
	 * DISCOVER from it get its own address back */
	mac_n(mac, 1);
	discover(PORT_A, mac, 3000, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
	request(PORT_A, mac, t_ip("10.0.2.16"), true, 3000, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(port_limit_count(), 37);
}

Test(dhcp_port, init_reboot_for_a_free_address_is_naked_when_full)
{
	uint8_t mac[6];
	struct treply r;

	for (unsigned i = 0; i < 3; i++) {
		mac_n(mac, i);
		obtain(PORT_A, mac, 0);
	}
	mac_n(mac, 9);
	request(PORT_A, mac, t_ip("10.0.2.100"), false, 10, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	cr_assert_eq(port_limit_count(), 1);
	/* from another port the same request binds */
	request(PORT_B, mac, t_ip("10.0.2.100"), false, 20, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
}

Test(dhcp_port, offers_not_taken_free_the_port_after_a_minute)
{
	uint8_t mac[6];
	struct treply r;

	/* three DISCOVERs never followed by a REQUEST hold the port's share */
	for (unsigned i = 0; i < 3; i++) {
		mac_n(mac, i);
		discover(PORT_A, mac, 0, &r);
		cr_assert_eq(t_rtype(&r), DHCPOFFER);
	}
	mac_n(mac, 7);
	discover(PORT_A, mac, 59 * SEC, &r);
	cr_assert_eq(r.len, 0, "the offers still count");
	/* about a minute later they are gone, addresses and share alike */
	discover(PORT_A, mac, 61 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.18"), "a never-used address first");
	mac_n(mac, 8);
	cr_assert_neq(obtain(PORT_A, mac, 62 * SEC), 0);
}

Test(dhcp_port, released_and_expired_leases_leave_the_share)
{
	uint8_t mac[6];
	struct treply r;
	struct tmsg m;

	for (unsigned i = 0; i < 3; i++) {
		mac_n(mac, i);
		obtain(PORT_A, mac, 0);
	}
	mac_n(mac, 0);
	t_msg_init(&m, DHCPRELEASE, mac);
	t_msg_ciaddr(&m, "10.0.2.15");
	send_port(PORT_A, &m, 10, &r);
	mac_n(mac, 5);
	cr_assert_neq(obtain(PORT_A, mac, 20), 0, "a released lease frees a place");
	mac_n(mac, 6);
	discover(PORT_A, mac, 30, &r);
	cr_assert_eq(r.len, 0);
	/* leases run out after lease_time (3600 s) */
	cr_assert_neq(obtain(PORT_A, mac, 3601 * SEC), 0);
}

Test(dhcp_port, fixed_addresses_and_unknown_ports_are_not_limited)
{
	uint8_t mac[6];
	struct treply r;

	mac_n(mac, 50);
	t_add_fixed(&cfg, mac, "10.0.2.50");
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	for (unsigned i = 0; i < 3; i++) {
		uint8_t m[6];

		mac_n(m, i);
		obtain(PORT_A, m, 0);
	}
	cr_assert_eq(obtain(PORT_A, mac, 10), t_ip("10.0.2.50"));
	/* dhcp_server_input() knows no port: no limit */
	for (unsigned i = 10; i < 20; i++) {
		mac_n(mac, i);
		t_discover(srv, mac, 20, &r);
		cr_assert_eq(t_rtype(&r), DHCPOFFER);
	}
	cr_assert_eq(port_limit_count(), 0);
}

Test(dhcp_port, no_limit_by_default)
{
	uint8_t mac[6];

	dhcp_server_set_port_limit(srv, 0);
	for (unsigned i = 0; i < 20; i++) {
		mac_n(mac, i);
		cr_assert_neq(obtain(PORT_A, mac, 0), 0);
	}
}

/* DECLINE an offer, DISCOVER from a new MAC, DECLINE again...: each decline
 * takes an address out of the pool for 10 minutes. The port's declines count
 * in its share as long as they hold addresses, so one VM cannot empty the
 * pool for the others. */
Test(dhcp_port, declined_addresses_count_in_the_share)
{
	uint8_t mac[6];
	struct treply r;
	unsigned offered = 0;

	for (unsigned i = 0; i < 200; i++) {
		struct tmsg m;
		char a[INET_ADDRSTRLEN];
		uint32_t y;

		mac_n(mac, i);
		discover(PORT_A, mac, i, &r);
		if (r.len <= 0)
			continue;
		offered++;
		y = t_ryiaddr(&r);
		inet_ntop(AF_INET, &y, a, sizeof(a));
		t_msg_init(&m, DHCPDECLINE, mac);
		t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
		t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, a);
		send_port(PORT_A, &m, i, &r);
	}
	cr_assert_eq(offered, 3, "port A had %u offers to decline, not its share of 3", offered);
	cr_assert_eq(port_limit_count(), 197);
	/* another port is served from the untouched pool */
	mac_n(mac, 500);
	cr_assert_eq(obtain(PORT_B, mac, 1000), t_ip("10.0.2.18"));
	/* 10 minutes later the declined addresses and the share are back */
	mac_n(mac, 501);
	cr_assert_neq(obtain(PORT_A, mac, 601 * SEC), 0);
}
