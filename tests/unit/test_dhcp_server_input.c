/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_server_input.c - unit tests of dhcp/dhcp_server.c, where replies
 * go (broadcast, relayed, to chaddr) and what becomes of input a client should
 * not send: malformed messages, unknown types, a reply buffer too small.
 */
#include "dhcp_server_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

TestSuite(dhcp, .init = setup, .fini = teardown);

Test(dhcp, destination_rules)
{
	struct tmsg m;
	struct treply r;

	/* broadcast flag */
	msg_init(&m, DHCPDISCOVER, MAC_A, 18);
	m.b[BOOTP_OFF_FLAGS] = 0x80;
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
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
	cr_assert_eq(r.dest.ip.s_addr, t_ryiaddr(&r));
	cr_assert_eq(memcmp(r.dest.mac, MAC_C, 6), 0);
}

Test(dhcp, malformed_inputs_are_rejected_and_counted)
{
	struct tmsg m;
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
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.20");
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
	t_msg_opt(&m, DHO_OVERLOAD, (uint8_t[]){ 3 }, 1);
	rc = dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d);
	cr_assert_gt(rc, 0);
	cr_assert_eq(counters().malformed, before);
}

Test(dhcp, unknown_message_types_are_ignored)
{
	struct tmsg m;
	struct treply r;

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
	struct tmsg m;
	uint8_t out[299];
	struct dhcp_reply_dest d;

	msg_init(&m, DHCPINFORM, MAC_A, 31);
	msg_end(&m);
	cr_assert_eq(dhcp_server_input(srv, m.b, m.len, 0, out, sizeof(out), &d), -ENOSPC);
}
