/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_fixed.c - fixed addresses (reservations, VBoxManage dhcpserver
 * --fixed-address) in dhcp/: the client with the MAC gets its address inside
 * or outside the range and nothing else, no other client ever gets it, the
 * lease shows like any other, restoring and reconfiguring keep all that, and
 * inconsistent reservations are refused.
 */
#include "dhcp_test_util.h"
#include "base/bytes.h"

#include <errno.h>
#include <stdio.h>

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0xbb, 0x00, 0x02 };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0xcc, 0x00, 0x03 };
static const uint8_t MAC_D[6] = { 0x52, 0x54, 0x00, 0xdd, 0x00, 0x04 };

static struct dhcp_server_config cfg;
static struct dhcp_server *srv;

static struct ev_log evs;

static void start(void)
{
	dhcp_server_free(srv);
	srv = dhcp_server_new(&cfg);
	cr_assert_not_null(srv);
	memset(&evs, 0, sizeof(evs));
	dhcp_server_set_lease_cb(srv, t_on_lease, &evs);
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

struct lease_list {
	unsigned n;
	struct dhcp_lease_info l[8];
};

static int collect(void *opaque, const struct dhcp_lease_info *l)
{
	struct lease_list *ll = opaque;

	if (ll->n < 8)
		ll->l[ll->n] = *l;
	ll->n++;
	return 0;
}

TestSuite(dhcp_fixed, .init = setup, .fini = teardown);

Test(dhcp_fixed, inside_range_is_offered_acked_and_listed)
{
	struct dhcp_lease_info li;
	struct lease_list ll = { 0 };
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.50");
	start();
	t_discover(srv, MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"), "not the lowest free, the fixed one");
	t_select(srv, MAC_A, "10.0.2.2", "10.0.2.50", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"));
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 3600);

	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1 * SEC, &li), 1);
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.50"));
	cr_assert(li.bound);
	cr_assert_eq(li.expires_ms, 3600 * SEC);
	dhcp_server_foreach_lease(srv, collect, &ll);
	cr_assert_eq(ll.n, 1);
	cr_assert_eq(ll.l[0].addr.s_addr, t_ip("10.0.2.50"));
	cr_assert_eq(memcmp(ll.l[0].mac, MAC_A, 6), 0);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0], DHCP_EV_BOUND);

	/* Other clients start at the bottom of the range as before. */
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.15"));
}

Test(dhcp_fixed, outside_range_gets_its_own_slot)
{
	struct dhcp_lease_info li;
	struct lease_list ll = { 0 };
	struct tmsg m;
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.5");
	t_add_fixed(&cfg, MAC_C, "10.0.2.6");
	start();
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.5"));
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 1);
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.5"));
	cr_assert_eq(li.expires_ms, 3600 * SEC);
	dhcp_server_foreach_lease(srv, collect, &ll);
	cr_assert_eq(ll.n, 2);

	/* Renewing, releasing and coming back all work on the extra slot. */
	t_renew(srv, MAC_A, "10.0.2.5", 1800 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.5"));
	cr_assert_eq(r.dest.ip.s_addr, t_ip("10.0.2.5"), "unicast to ciaddr");
	t_msg_init(&m, DHCPRELEASE, MAC_A);
	t_msg_ciaddr(&m, "10.0.2.5");
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_send(srv, &m, 1900 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1900 * SEC, NULL), 0);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_RELEASED);
	cr_assert_eq(evs.li[evs.n - 1].addr.s_addr, t_ip("10.0.2.5"));
	cr_assert_eq(t_obtain(srv, MAC_A, 2000 * SEC), t_ip("10.0.2.5"));

	/* Expiry is reported for it too. */
	t_discover(srv, MAC_D, 2000 * SEC + 3600 * SEC, &r);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_EXPIRED);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 5600 * SEC, NULL), 0);
}

Test(dhcp_fixed, request_for_another_address_is_naked)
{
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.50");
	start();
	t_select(srv, MAC_A, "10.0.2.2", "10.0.2.15", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "selecting another address");
	t_init_reboot(srv, MAC_A, "10.0.2.15", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "init-reboot with another address");
	t_init_reboot(srv, MAC_A, "10.0.2.5", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "init-reboot outside the range");
	t_renew(srv, MAC_A, "10.0.2.16", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "renewing another address");
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, NULL), 0);

	t_init_reboot(srv, MAC_A, "10.0.2.50", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK, "init-reboot with its own address");
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"));
	t_renew(srv, MAC_A, "10.0.2.50", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
}

Test(dhcp_fixed, keyed_by_mac_even_with_a_client_identifier)
{
	static const uint8_t cid[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tmsg m;
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.50");
	start();
	t_msg_init(&m, DHCPDISCOVER, MAC_A);
	t_msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	t_send(srv, &m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"));
	t_msg_init(&m, DHCPREQUEST, MAC_A);
	t_msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	t_send(srv, &m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);

	/* The same client identifier from another MAC is another client. */
	t_msg_init(&m, DHCPDISCOVER, MAC_B);
	t_msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	t_send(srv, &m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp_fixed, pool_never_hands_out_a_fixed_address)
{
	struct dhcp_counters ctr;
	struct tmsg m;
	struct treply r;

	cfg.range_last.s_addr = t_ip("10.0.2.17"); /* .15 .16 .17 */
	t_add_fixed(&cfg, MAC_A, "10.0.2.16");
	start();
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.15"));
	cr_assert_eq(t_obtain(srv, MAC_C, 0), t_ip("10.0.2.17"), ".16 skipped");
	t_discover(srv, MAC_D, 0, &r);
	cr_assert_eq(r.len, 0, "the pool is exhausted, .16 is not in it");
	dhcp_server_get_counters(srv, &ctr);
	cr_assert_eq(ctr.pool_exhausted, 1);

	/* Asking for it by name does not help. */
	t_msg_init(&m, DHCPDISCOVER, MAC_D);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.16");
	t_send(srv, &m, 0, &r);
	cr_assert_eq(r.len, 0);
	t_init_reboot(srv, MAC_D, "10.0.2.16", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	t_select(srv, MAC_D, "10.0.2.2", "10.0.2.16", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	t_renew(srv, MAC_D, "10.0.2.16", 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);

	/* Not even once its owner released it. */
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.16"));
	t_msg_init(&m, DHCPRELEASE, MAC_A);
	t_msg_ciaddr(&m, "10.0.2.16");
	t_send(srv, &m, 10 * SEC, &r);
	t_discover(srv, MAC_D, 20 * SEC, &r);
	cr_assert_eq(r.len, 0);
}

Test(dhcp_fixed, may_be_the_router_but_the_pool_still_skips_it)
{
	struct treply r;

	/* An internal network: a router VM in the range with a reservation. */
	cfg.router.s_addr = t_ip("10.0.2.15");
	cfg.dns[0].s_addr = t_ip("10.0.2.15");
	t_add_fixed(&cfg, MAC_A, "10.0.2.15");
	start();
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.16"));
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.15"));
	t_renew(srv, MAC_A, "10.0.2.15", 100 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
}

Test(dhcp_fixed, declined_fixed_address_is_not_replaced_by_a_pool_one)
{
	struct tmsg m;
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.50");
	start();
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.50"));
	t_msg_init(&m, DHCPDECLINE, MAC_A);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_send(srv, &m, 1 * SEC, &r);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_DECLINED);
	t_discover(srv, MAC_A, 2 * SEC, &r);
	cr_assert_eq(r.len, 0, "no pool address instead");
	t_init_reboot(srv, MAC_A, "10.0.2.50", 2 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	t_discover(srv, MAC_A, 11 * 60 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER, "offered again after the decline hold");
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"));
}

Test(dhcp_fixed, reconfigure_adding_a_reservation)
{
	struct dhcp_lease_info li;
	struct treply r;

	start();
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.15"));
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.16"));
	evs.n = 0;

	/* A VM with a reservation joins: .15 becomes A's, B loses it. */
	t_add_fixed(&cfg, MAC_A, "10.0.2.15");
	t_add_fixed(&cfg, MAC_C, "10.0.2.9");
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0], DHCP_EV_RELEASED);
	cr_assert_eq(evs.li[0].addr.s_addr, t_ip("10.0.2.15"));
	cr_assert_eq(memcmp(evs.li[0].mac, MAC_B, 6), 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_B, 10 * SEC, NULL), 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 10 * SEC, &li), 1, "A keeps .16 for now");
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.16"));

	t_renew(srv, MAC_B, "10.0.2.15", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "B's renewal");
	t_renew(srv, MAC_A, "10.0.2.16", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK, "A's renewal of its pool address");
	cr_assert_eq(t_obtain(srv, MAC_A, 10 * SEC), t_ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 10 * SEC, &li), 1);
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.15"), "the pool lease went");
	cr_assert_eq(t_obtain(srv, MAC_B, 10 * SEC), t_ip("10.0.2.16"), "B gets the freed one");
	cr_assert_eq(t_obtain(srv, MAC_C, 10 * SEC), t_ip("10.0.2.9"), "added outside the range");
}

Test(dhcp_fixed, reconfigure_removing_or_moving_a_reservation)
{
	struct lease_list ll = { 0 };
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.5");
	t_add_fixed(&cfg, MAC_B, "10.0.2.6");
	t_add_fixed(&cfg, MAC_C, "10.0.2.40");
	start();
	cr_assert_eq(t_obtain(srv, MAC_A, 0), t_ip("10.0.2.5"));
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.6"));
	cr_assert_eq(t_obtain(srv, MAC_C, 0), t_ip("10.0.2.40"));
	evs.n = 0;

	/* A's entry goes, .6 moves from B to D, C's (in the range) goes. */
	cfg.n_fixed = 0;
	t_add_fixed(&cfg, MAC_D, "10.0.2.6");
	cr_assert_eq(dhcp_server_reconfigure(srv, &cfg), 0);
	cr_assert_eq(evs.n, 2, "A's and B's leases dropped");
	cr_assert_eq(evs.ev[0], DHCP_EV_RELEASED);
	cr_assert_eq(evs.ev[1], DHCP_EV_RELEASED);
	dhcp_server_foreach_lease(srv, collect, &ll);
	cr_assert_eq(ll.n, 1, "C keeps .40 as a pool lease");
	cr_assert_eq(ll.l[0].addr.s_addr, t_ip("10.0.2.40"));

	t_renew(srv, MAC_A, "10.0.2.5", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	t_renew(srv, MAC_B, "10.0.2.6", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	t_renew(srv, MAC_C, "10.0.2.40", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_obtain(srv, MAC_D, 10 * SEC), t_ip("10.0.2.6"));
	cr_assert_eq(t_obtain(srv, MAC_A, 10 * SEC), t_ip("10.0.2.15"));
}

Test(dhcp_fixed, add_lease_restores_a_fixed_one)
{
	struct dhcp_lease_info l = { 0 }, li;
	struct treply r;

	t_add_fixed(&cfg, MAC_A, "10.0.2.5");
	t_add_fixed(&cfg, MAC_B, "10.0.2.30");
	start();
	l.addr.s_addr = t_ip("10.0.2.5");
	memcpy(l.mac, MAC_A, 6);
	l.expires_ms = 500 * SEC;
	cr_assert_eq(dhcp_server_add_lease(srv, &l), 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 1);
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.5"));
	cr_assert_eq(li.expires_ms, 500 * SEC);

	memcpy(l.mac, MAC_C, 6);
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST, "taken");
	l.addr.s_addr = t_ip("10.0.2.30");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST, "fixed for B");
	l.addr.s_addr = t_ip("10.0.2.7");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -ERANGE, "outside, not fixed");

	t_init_reboot(srv, MAC_A, "10.0.2.5", 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK, "the restored lease's owner gets it");
}

Test(dhcp_fixed, inconsistent_reservations_are_refused)
{
	static const char *const bad[] = {
		"10.0.3.5",   /* outside the subnet */
		"10.0.2.0",   /* the network */
		"10.0.2.255", /* broadcast */
		"10.0.2.2",   /* the server */
	};
	struct dhcp_server_config c;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		t_base_cfg(&c);
		t_add_fixed(&c, MAC_A, bad[i]);
		cr_assert_null(dhcp_server_new(&c), "%s", bad[i]);
	}
	t_base_cfg(&c);
	t_add_fixed(&c, MAC_A, "10.0.2.5");
	t_add_fixed(&c, MAC_A, "10.0.2.6");
	cr_assert_null(dhcp_server_new(&c), "a MAC twice");
	t_base_cfg(&c);
	t_add_fixed(&c, MAC_A, "10.0.2.5");
	t_add_fixed(&c, MAC_B, "10.0.2.5");
	cr_assert_null(dhcp_server_new(&c), "an address twice");
	t_base_cfg(&c);
	c.n_fixed = DHCP_MAX_FIXED + 1;
	cr_assert_null(dhcp_server_new(&c), "too many");

	/* reconfigure refuses them as well, and keeps the old list */
	start();
	t_base_cfg(&c);
	t_add_fixed(&c, MAC_A, "10.0.2.5");
	t_add_fixed(&c, MAC_B, "10.0.2.5");
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	cr_assert_eq(t_obtain(srv, MAC_B, 0), t_ip("10.0.2.15"));
}

Test(dhcp_fixed, the_whole_table_of_reservations)
{
	struct dhcp_server_config c;
	struct lease_list ll = { 0 };
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x77, 0x00, 0x00 };
	char a[INET_ADDRSTRLEN];

	/* 64 reservations, half inside a small range and half outside. */
	t_base_cfg(&c);
	c.range_first.s_addr = t_ip("10.0.2.100");
	c.range_last.s_addr = t_ip("10.0.2.131");
	for (unsigned i = 0; i < DHCP_MAX_FIXED; i++) {
		mac[5] = (uint8_t)i;
		snprintf(a, sizeof(a), "10.0.2.%u", i < 32 ? 100 + i : 140 + i - 32);
		t_add_fixed(&c, mac, a);
	}
	cfg = c;
	start();
	for (unsigned i = 0; i < DHCP_MAX_FIXED; i++) {
		mac[5] = (uint8_t)i;
		snprintf(a, sizeof(a), "10.0.2.%u", i < 32 ? 100 + i : 140 + i - 32);
		cr_assert_eq(t_obtain(srv, mac, 0), t_ip(a));
	}
	dhcp_server_foreach_lease(srv, collect, &ll);
	cr_assert_eq(ll.n, DHCP_MAX_FIXED);
}
