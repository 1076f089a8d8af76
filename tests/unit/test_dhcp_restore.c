/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_restore.c - leases restored from disk (dhcp_server_add_lease(),
 * used by the NAT-network service) with a server identifier other than the
 * router (.3 and .1, as in a NAT network): the client that held a lease gets
 * it back whether it identifies itself by chaddr or by option 61, in
 * INIT-REBOOT, RENEWING and a fresh DISCOVER; other clients never get it.
 */
#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

static const uint8_t MA[6] = { 0x52, 0x54, 0x00, 0x00, 0x15, 0x01 };
static const uint8_t MB[6] = { 0x52, 0x54, 0x00, 0x00, 0x15, 0x02 };

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A client message; cid: send option 61 (01 + MAC); reqip/ciaddr/sid may be NULL. */
static size_t msg(uint8_t *b, uint8_t type, const uint8_t mac[6], bool cid,
		  const char *reqip, const char *ciaddr, const char *sid)
{
	size_t n = BOOTP_OFF_OPTIONS;
	uint32_t a;

	memset(b, 0, 548);
	b[BOOTP_OFF_OP] = BOOTREQUEST;
	b[BOOTP_OFF_HTYPE] = 1;
	b[BOOTP_OFF_HLEN] = 6;
	b[BOOTP_OFF_XID] = 0x42;
	memcpy(b + BOOTP_OFF_CHADDR, mac, 6);
	if (ciaddr) {
		a = ip(ciaddr);
		memcpy(b + BOOTP_OFF_CIADDR, &a, 4);
	}
	b[BOOTP_OFF_COOKIE] = DHCP_COOKIE0;
	b[BOOTP_OFF_COOKIE + 1] = DHCP_COOKIE1;
	b[BOOTP_OFF_COOKIE + 2] = DHCP_COOKIE2;
	b[BOOTP_OFF_COOKIE + 3] = DHCP_COOKIE3;
	b[n++] = DHO_MSG_TYPE;
	b[n++] = 1;
	b[n++] = type;
	if (cid) {
		b[n++] = DHO_CLIENT_ID;
		b[n++] = 7;
		b[n++] = 1;
		memcpy(b + n, mac, 6);
		n += 6;
	}
	if (reqip) {
		b[n++] = DHO_REQUESTED_ADDR;
		b[n++] = 4;
		a = ip(reqip);
		memcpy(b + n, &a, 4);
		n += 4;
	}
	if (sid) {
		b[n++] = DHO_SERVER_ID;
		b[n++] = 4;
		a = ip(sid);
		memcpy(b + n, &a, 4);
		n += 4;
	}
	b[n++] = DHO_END;
	return n < 300 ? 300 : n;
}

/* Sends a message; returns the reply's type (0: none) and its yiaddr. */
static int ask(struct dhcp_server *s, uint8_t type, const uint8_t mac[6], bool cid,
	       const char *reqip, const char *ciaddr, const char *sid, uint32_t *yiaddr)
{
	uint8_t in[548], out[DHCP_REPLY_MAX];
	struct dhcp_reply_dest dest;
	size_t n = msg(in, type, mac, cid, reqip, ciaddr, sid);
	int rc = dhcp_server_input(s, in, n, 1000, out, sizeof(out), &dest);
	size_t p = BOOTP_OFF_OPTIONS;

	if (rc <= 0)
		return 0;
	memcpy(yiaddr, out + BOOTP_OFF_YIADDR, 4);
	while (p + 2 < (size_t)rc && out[p] != DHO_END) {
		if (out[p] == DHO_MSG_TYPE)
			return out[p + 2];
		p += out[p] == DHO_PAD ? 1 : 2u + out[p + 1];
	}
	return -1;
}

static struct dhcp_server *natnet_server(void)
{
	struct dhcp_server_config c;
	struct dhcp_server *s;

	memset(&c, 0, sizeof(c));
	c.network.s_addr = ip("192.168.15.0");
	c.netmask.s_addr = ip("255.255.255.0");
	c.server_id.s_addr = ip("192.168.15.3");
	c.router.s_addr = ip("192.168.15.1");
	c.range_first.s_addr = ip("192.168.15.4");
	c.range_last.s_addr = ip("192.168.15.254");
	s = dhcp_server_new(&c);
	cr_assert_not_null(s);
	return s;
}

static void restore(struct dhcp_server *s, const uint8_t mac[6], const char *addr)
{
	struct dhcp_lease_info l;

	memset(&l, 0, sizeof(l));
	memcpy(l.mac, mac, 6);
	l.addr.s_addr = ip(addr);
	l.expires_ms = 1000 + 3600 * 1000;
	l.bound = true;
	cr_assert_eq(dhcp_server_add_lease(s, &l), 0);
}

Test(dhcp_restore, client_id_client_keeps_its_address)
{
	struct dhcp_server *s = natnet_server();
	uint32_t y = 0;

	restore(s, MA, "192.168.15.5");
	/* Another client first: it must not get .5. */
	cr_expect_eq(ask(s, DHCPDISCOVER, MB, true, NULL, NULL, NULL, &y), DHCPOFFER);
	cr_expect_eq(y, ip("192.168.15.4"));
	/* The owner, with option 61, rebooting: ACK for .5 from .3. */
	cr_expect_eq(ask(s, DHCPREQUEST, MA, true, "192.168.15.5", NULL, NULL, &y), DHCPACK);
	cr_expect_eq(y, ip("192.168.15.5"));
	/* Renewing (ciaddr) with the same key: ACK. */
	cr_expect_eq(ask(s, DHCPREQUEST, MA, true, NULL, "192.168.15.5", NULL, &y), DHCPACK);
	dhcp_server_free(s);
}

Test(dhcp_restore, renew_without_reboot)
{
	struct dhcp_server *s = natnet_server();
	uint32_t y = 0;

	restore(s, MA, "192.168.15.6");
	/* The guest never noticed the restart: its first message is a renewal. */
	cr_expect_eq(ask(s, DHCPREQUEST, MA, true, NULL, "192.168.15.6", NULL, &y), DHCPACK);
	cr_expect_eq(y, ip("192.168.15.6"));
	dhcp_server_free(s);
}

Test(dhcp_restore, discover_gets_the_restored_address)
{
	struct dhcp_server *s = natnet_server();
	uint32_t y = 0;

	restore(s, MA, "192.168.15.9");
	cr_expect_eq(ask(s, DHCPDISCOVER, MA, false, NULL, NULL, NULL, &y), DHCPOFFER);
	cr_expect_eq(y, ip("192.168.15.9"));
	cr_expect_eq(ask(s, DHCPREQUEST, MA, false, "192.168.15.9", NULL, "192.168.15.3", &y),
		     DHCPACK);
	cr_expect_eq(y, ip("192.168.15.9"));
	/* A request naming the router as server is for another server. */
	cr_expect_eq(ask(s, DHCPREQUEST, MB, false, "192.168.15.4", NULL, "192.168.15.1", &y), 0);
	dhcp_server_free(s);
}

Test(dhcp_restore, others_are_refused_the_address)
{
	struct dhcp_server *s = natnet_server();
	uint32_t y = 0;

	restore(s, MA, "192.168.15.7");
	cr_expect_eq(ask(s, DHCPREQUEST, MB, true, "192.168.15.7", NULL, NULL, &y), DHCPNAK);
	cr_expect_eq(ask(s, DHCPREQUEST, MA, true, "192.168.15.7", NULL, NULL, &y), DHCPACK);
	dhcp_server_free(s);
}
