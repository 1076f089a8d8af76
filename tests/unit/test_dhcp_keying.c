/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_keying.c - who a DHCP client is. By default (NAT networks,
 * internal-network DHCP servers) its client identifier (option 61) when it
 * sends one, else its MAC, as RFC 2131 says; with key_by_mac (a NAT
 * adapter, as VirtualBox's NAT engine does) its MAC alone, so that two
 * DHCP clients of one VM (firmware and OS, dhclient and udhcpc) asking with
 * other identifiers share one lease.
 */
#include "dhcp_test_util.h"

#include <errno.h>

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0xbb, 0x00, 0x02 };
/* What udhcpc sends (type 1, the MAC) and an RFC 4361 style one. */
static const uint8_t CID_MAC_A[7] = { 0x01, 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01 };
static const uint8_t CID_DUID[9] = { 0xff, 0, 0, 0, 1, 0, 1, 0x2a, 0x2b };

static struct dhcp_server_config cfg;
static struct dhcp_server *srv;

struct counts {
	int bound, released;
};
static struct counts evs;

static void on_lease(void *opaque, enum dhcp_lease_event_kind ev,
		     const struct dhcp_lease_info *l)
{
	struct counts *c = opaque;

	(void)l;
	c->bound += ev == DHCP_EV_BOUND;
	c->released += ev == DHCP_EV_RELEASED;
}

static void start(bool by_mac)
{
	t_base_cfg(&cfg);
	cfg.key_by_mac = by_mac;
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

TestSuite(dhcp_keying, .fini = teardown);

/* DISCOVER then REQUEST (selecting) with an optional client identifier;
 * returns the address acked. */
static uint32_t obtain(const uint8_t mac[6], const uint8_t *cid, uint8_t cidlen, uint64_t now)
{
	struct tmsg m;
	struct treply r;
	char a[INET_ADDRSTRLEN];
	uint32_t y;

	t_msg_init(&m, DHCPDISCOVER, mac);
	if (cid)
		t_msg_opt(&m, DHO_CLIENT_ID, cid, cidlen);
	t_send(srv, &m, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	y = t_ryiaddr(&r);
	inet_ntop(AF_INET, &y, a, sizeof(a));
	t_msg_init(&m, DHCPREQUEST, mac);
	if (cid)
		t_msg_opt(&m, DHO_CLIENT_ID, cid, cidlen);
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, a);
	t_send(srv, &m, now, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), y);
	return y;
}

static int count_leases(void *opaque, const struct dhcp_lease_info *l)
{
	(void)l;
	(*(int *)opaque)++;
	return 0;
}

static int leases(void)
{
	int n = 0;

	dhcp_server_foreach_lease(srv, count_leases, &n);
	return n;
}

Test(dhcp_keying, by_mac_one_lease_whatever_the_client_identifier)
{
	start(true);
	cr_assert_eq(obtain(MAC_A, NULL, 0, 0), t_ip("10.0.2.15"));           /* dhclient */
	cr_assert_eq(obtain(MAC_A, CID_MAC_A, 7, SEC), t_ip("10.0.2.15"));    /* udhcpc */
	cr_assert_eq(obtain(MAC_A, CID_DUID, 9, 2 * SEC), t_ip("10.0.2.15")); /* an OS */
	cr_assert_eq(leases(), 1, "one lease for one MAC");
	/* another MAC is another client, even with the same identifier */
	cr_assert_eq(obtain(MAC_B, CID_DUID, 9, 3 * SEC), t_ip("10.0.2.16"));
	cr_assert_eq(leases(), 2);
	cr_assert_eq(evs.released, 0);
}

Test(dhcp_keying, by_mac_renewal_and_release_with_another_identifier)
{
	struct tmsg m;
	struct treply r;

	start(true);
	cr_assert_eq(obtain(MAC_A, CID_MAC_A, 7, 0), t_ip("10.0.2.15"));
	/* renewing without option 61: still its lease */
	t_renew(srv, MAC_A, "10.0.2.15", SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	/* init-reboot with another identifier: acked, not NAKed */
	t_msg_init(&m, DHCPREQUEST, MAC_A);
	t_msg_opt(&m, DHO_CLIENT_ID, CID_DUID, sizeof(CID_DUID));
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.15");
	t_send(srv, &m, 2 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	/* a RELEASE from the MAC under a third identity releases it */
	t_msg_init(&m, DHCPRELEASE, MAC_A);
	t_msg_ciaddr(&m, "10.0.2.15");
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_send(srv, &m, 3 * SEC, &r);
	cr_assert_eq(evs.released, 1);
	cr_assert_eq(leases(), 0);
}

Test(dhcp_keying, by_client_identifier_by_default)
{
	start(false);
	cr_assert_eq(obtain(MAC_A, NULL, 0, 0), t_ip("10.0.2.15"));
	cr_assert_eq(obtain(MAC_A, CID_MAC_A, 7, SEC), t_ip("10.0.2.16"),
		     "another identifier is another client");
	cr_assert_eq(leases(), 2);
}

Test(dhcp_keying, reconfigure_keeps_the_keying)
{
	struct dhcp_server_config c2;

	start(true);
	c2 = cfg;
	c2.key_by_mac = false;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c2), -EINVAL);
	c2.key_by_mac = true;
	c2.mtu = 1400;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c2), 0);
}
