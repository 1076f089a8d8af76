/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_server_exchange.c - unit tests of dhcp/dhcp_server.c, a client's
 * exchanges: DISCOVER/OFFER with every option, REQUEST in each state, renew,
 * RELEASE, DECLINE, INFORM, the pool running out and leases expiring. Client
 * messages are composed byte by byte and the replies read back as a guest's
 * DHCP client would see them (dhcp_server_fixture.h).
 */
#include "dhcp_server_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

TestSuite(dhcp, .init = setup, .fini = teardown);

Test(dhcp, discover_gets_offer_with_every_option)
{
	static const uint8_t search_wire[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		4, 'c', 'o', 'r', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	};
	uint8_t buf[512];
	struct treply r;
	char file[128];

	discover(MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(r.b[BOOTP_OFF_HTYPE], 1);
	cr_assert_eq(r.b[BOOTP_OFF_HLEN], 6);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	cr_assert_eq(ropt_ip(&r, DHO_SERVER_ID), t_ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_SUBNET_MASK), t_ip("255.255.255.0"));
	cr_assert_eq(ropt_ip(&r, DHO_ROUTER), t_ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_DNS), t_ip("10.0.2.3"));
	cr_assert_eq(ropt_ip(&r, DHO_BROADCAST), t_ip("10.0.2.255"));
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 3600);
	cr_assert_eq(t_ropt_u32(&r, DHO_T1), 1800);
	cr_assert_eq(t_ropt_u32(&r, DHO_T2), 3150);
	cr_assert_eq(t_ropt(&r, DHO_DOMAIN_NAME, buf, sizeof(buf)), 11);
	cr_assert_eq(memcmp(buf, "example.com", 11), 0);
	cr_assert_eq(t_ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), (int)sizeof(search_wire));
	cr_assert_eq(memcmp(buf, search_wire, sizeof(search_wire)), 0);
	cr_assert_eq(t_ropt(&r, DHO_MTU, buf, sizeof(buf)), -1, "MTU 1500 is not sent");
	cr_assert_eq(t_ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_HOSTNAME, buf, sizeof(buf)), -1);
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
	cr_assert_eq(r.dest.ip.s_addr, t_ip("10.0.2.15"));
	cr_assert_eq(memcmp(r.dest.mac, MAC_A, 6), 0);
	cr_assert_eq(counters().offers, 1);
	cr_assert_eq(counters().discovers, 1);
}

Test(dhcp, mtu_and_boot_file_when_configured)
{
	struct dhcp_server_config c;
	uint8_t buf[256];
	struct treply r;

	base_cfg(&c);
	c.mtu = 9000;
	c.next_server.s_addr = t_ip("10.0.2.4");
	strcpy(c.boot_file, "pxelinux.0");
	c.lease_time = 0; /* default: one day */
	restart_with(&c);

	discover(MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ropt(&r, DHO_MTU, buf, sizeof(buf)), 2);
	cr_assert_eq(buf[0] << 8 | buf[1], 9000);
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 86400);
	cr_assert_eq(t_ropt_u32(&r, DHO_T1), 43200);
	cr_assert_eq(t_ropt_u32(&r, DHO_T2), 75600);
	cr_assert_eq(t_ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "10.0.2.4", 8), 0);
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 10);
	cr_assert_eq(memcmp(buf, "pxelinux.0", 10), 0);
	cr_assert_str_eq((const char *)r.b + BOOTP_OFF_FILE, "pxelinux.0");
	cr_assert_eq(r.b[BOOTP_OFF_SNAME], 0);
	{
		uint32_t si;

		memcpy(&si, r.b + BOOTP_OFF_SIADDR, 4);
		cr_assert_eq(si, t_ip("10.0.2.4"));
	}
}

Test(dhcp, request_selecting_gets_ack_and_binds)
{
	struct dhcp_lease_info li;
	struct treply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 0, "an offer is no lease");
	request_selecting(MAC_A, "10.0.2.2", t_ip("10.0.2.15"), 1 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	cr_assert_eq(t_ropt_u32(&r, DHO_LEASE_TIME), 3600);
	cr_assert(r.dest.to_chaddr);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 2 * SEC, &li), 1);
	cr_assert_eq(li.addr.s_addr, t_ip("10.0.2.15"));
	cr_assert(li.bound);
	cr_assert_eq(li.expires_ms, 1 * SEC + 3600 * SEC);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 3602 * SEC, &li), 0, "expired");
	cr_assert_eq(counters().acks, 1);
	cr_assert_eq(counters().requests, 1);
}

Test(dhcp, second_client_gets_next_address)
{
	cr_assert_eq(obtain(MAC_A, 0), t_ip("10.0.2.15"));
	cr_assert_eq(obtain(MAC_B, 0), t_ip("10.0.2.16"));
}

Test(dhcp, same_client_rediscovering_gets_same_address)
{
	struct treply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
	discover(MAC_A, 1 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	obtain(MAC_A, 2 * SEC);
	discover(MAC_A, 3 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp, client_identifier_is_the_key)
{
	static const uint8_t cid[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tmsg m;
	struct treply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 1);
	t_msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	/* same client id, other chaddr: same client */
	msg_init(&m, DHCPDISCOVER, MAC_B, 2);
	t_msg_opt(&m, DHO_CLIENT_ID, cid, sizeof(cid));
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	/* MAC_A without the client id: another client */
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
}

Test(dhcp, requested_address_is_honoured)
{
	struct tmsg m;
	struct treply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 1);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.100");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.100"));

	/* taken by A: B asking for it gets the lowest free one */
	msg_init(&m, DHCPDISCOVER, MAC_B, 2);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.100");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));

	/* outside the range, or a server address inside it: not honoured */
	msg_init(&m, DHCPDISCOVER, MAC_C, 3);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.5");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
}

Test(dhcp, server_addresses_in_range_are_never_offered)
{
	struct dhcp_server_config c;
	struct treply r;

	base_cfg(&c);
	c.range_first.s_addr = t_ip("10.0.2.2");
	c.range_last.s_addr = t_ip("10.0.2.5");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.4")); /* .2 router/server, .3 DNS */
	discover(MAC_B, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.5"));
	discover(MAC_C, 0, &r);
	cr_assert_eq(r.len, 0);
}

Test(dhcp, request_for_another_server_drops_offer)
{
	struct dhcp_lease_info li;
	struct treply r;

	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	request_selecting(MAC_A, "10.0.2.99", t_ip("10.0.2.15"), 0, &r);
	cr_assert_eq(r.len, 0, "no reply when the client chose another server");
	cr_assert_eq(counters().ignored, 1);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &li), 0);
	/* the offer is gone: B gets .15 at once */
	discover(MAC_B, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp, selecting_with_wrong_address_is_nakked)
{
	struct treply r;

	discover(MAC_A, 0, &r);
	discover(MAC_B, 0, &r);
	/* A asks for B's offered address */
	request_selecting(MAC_A, "10.0.2.2", t_ip("10.0.2.16"), 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
}

Test(dhcp, init_reboot)
{
	struct tmsg m;
	struct treply r;
	uint8_t buf[64];

	/* outside our network: NAK, broadcast, only 53 and 54 */
	msg_init(&m, DHCPREQUEST, MAC_A, 7);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "192.168.1.10");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	cr_assert_eq(ropt_ip(&r, DHO_SERVER_ID), t_ip("10.0.2.2"));
	cr_assert_eq(t_ryiaddr(&r), 0);
	cr_assert_eq(t_ropt(&r, DHO_LEASE_TIME, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_SUBNET_MASK, buf, sizeof(buf)), -1);
	cr_assert(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(r.dest.ip.s_addr, INADDR_BROADCAST);
	cr_assert_eq(memcmp(r.dest.mac, MAC_A, 6), 0);
	cr_assert_eq(counters().naks, 1);

	/* a free address of the range: ACK and bind */
	msg_init(&m, DHCPREQUEST, MAC_A, 8);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.50"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, NULL), 1);

	/* the same again (reboot): ACK */
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);

	/* B asking for A's address: NAK */
	msg_init(&m, DHCPREQUEST, MAC_B, 9);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.50");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);

	/* in our network but not ours to give (outside the range, or the
	 * router): NAK, since natd is the only server on the link */
	msg_init(&m, DHCPREQUEST, MAC_B, 10);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.5");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	msg_init(&m, DHCPREQUEST, MAC_B, 11);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 10 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_B, 10 * SEC, NULL), 0);
}

Test(dhcp, renew_is_acked_by_unicast)
{
	struct tmsg m;
	struct treply r;
	struct dhcp_lease_info li;

	obtain(MAC_A, 0);
	msg_init(&m, DHCPREQUEST, MAC_A, 10);
	t_msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	{
		uint32_t ci;

		memcpy(&ci, r.b + BOOTP_OFF_CIADDR, 4);
		cr_assert_eq(ci, t_ip("10.0.2.15"));
	}
	cr_assert_not(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(r.dest.ip.s_addr, t_ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1800 * SEC, &li), 1);
	cr_assert_eq(li.expires_ms, (1800 + 3600) * SEC, "lease extended");

	/* B renewing A's address, or an address we never gave: NAK */
	msg_init(&m, DHCPREQUEST, MAC_B, 11);
	t_msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
	cr_assert(r.dest.broadcast);
	msg_init(&m, DHCPREQUEST, MAC_B, 12);
	t_msg_ciaddr(&m, "10.0.2.77");
	msg_end(&m);
	send_msg(&m, 1800 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPNAK);
}

Test(dhcp, release_frees_the_address)
{
	struct dhcp_server_config c;
	struct tmsg m;
	struct treply r;

	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.2.15"); /* one address */
	restart_with(&c);
	obtain(MAC_A, 0);
	discover(MAC_B, 0, &r);
	cr_assert_eq(r.len, 0, "pool is full");

	/* a RELEASE from another client does nothing */
	msg_init(&m, DHCPRELEASE, MAC_B, 13);
	t_msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1 * SEC, NULL), 1);

	msg_init(&m, DHCPRELEASE, MAC_A, 14);
	t_msg_ciaddr(&m, "10.0.2.15");
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 2 * SEC, &r);
	cr_assert_eq(r.len, 0, "RELEASE has no reply");
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 2 * SEC, NULL), 0);
	cr_assert_eq(counters().releases, 2);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_RELEASED);

	discover(MAC_B, 3 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp, released_address_goes_back_to_its_client_first)
{
	struct tmsg m;
	struct treply r;

	obtain(MAC_A, 0);
	msg_init(&m, DHCPRELEASE, MAC_A, 15);
	t_msg_ciaddr(&m, "10.0.2.15");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	/* B gets a never-used address, A its old one */
	discover(MAC_B, 2 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
	discover(MAC_A, 2 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp, decline_makes_address_unavailable)
{
	struct dhcp_server_config c;
	struct tmsg m;
	struct treply r;

	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.2.16");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	request_selecting(MAC_A, "10.0.2.2", t_ip("10.0.2.15"), 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);

	msg_init(&m, DHCPDECLINE, MAC_A, 16);
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.15");
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	msg_end(&m);
	send_msg(&m, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(counters().declines, 1);
	cr_assert_eq(evs.ev[evs.n - 1], DHCP_EV_DECLINED);
	cr_assert_eq(evs.li[evs.n - 1].addr.s_addr, t_ip("10.0.2.15"));
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 1 * SEC, NULL), 0);

	discover(MAC_A, 2 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
	discover(MAC_B, 2 * SEC, &r);
	cr_assert_eq(r.len, 0, ".15 declined, .16 offered to A");
	cr_assert_eq(counters().pool_exhausted, 1);
	/* ten minutes later .15 is usable again */
	discover(MAC_B, 11 * 60 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
}

Test(dhcp, inform_gets_ack_without_lease)
{
	struct tmsg m;
	struct treply r;
	uint8_t buf[64];

	msg_init(&m, DHCPINFORM, MAC_A, 17);
	t_msg_ciaddr(&m, "10.0.2.200");
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(t_ryiaddr(&r), 0);
	cr_assert_eq(t_ropt(&r, DHO_LEASE_TIME, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_T1, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_T2, buf, sizeof(buf)), -1);
	cr_assert_eq(ropt_ip(&r, DHO_SUBNET_MASK), t_ip("255.255.255.0"));
	cr_assert_eq(ropt_ip(&r, DHO_ROUTER), t_ip("10.0.2.2"));
	cr_assert_eq(ropt_ip(&r, DHO_DNS), t_ip("10.0.2.3"));
	cr_assert_eq(r.dest.ip.s_addr, t_ip("10.0.2.200"));
	cr_assert_not(r.dest.broadcast);
	cr_assert_not(r.dest.to_chaddr);
	cr_assert_eq(counters().informs, 1);
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, NULL), 0);
}

Test(dhcp, pool_exhaustion_is_counted_and_offers_expire)
{
	struct dhcp_server_config c;
	struct treply r;

	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.2.16");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.16"));
	discover(MAC_C, 1 * SEC, &r);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(counters().pool_exhausted, 1);
	cr_assert_eq(counters().offers, 2);
	/* offers are held about a minute */
	discover(MAC_C, 61 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
}

Test(dhcp, expired_lease_is_reclaimed_and_reported)
{
	struct dhcp_server_config c;
	struct treply r;

	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.2.15");
	restart_with(&c);
	obtain(MAC_A, 0);
	cr_assert_eq(evs.n, 1);
	discover(MAC_B, 3599 * SEC, &r);
	cr_assert_eq(r.len, 0);
	discover(MAC_B, 3600 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	cr_assert_eq(evs.n, 2);
	cr_assert_eq(evs.ev[1], DHCP_EV_EXPIRED);
	cr_assert_eq(memcmp(evs.li[1].mac, MAC_A, 6), 0);
}
