/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_server_leases.c - unit tests of dhcp/dhcp_server.c's lease table
 * and configuration: the lease callback, dhcp_server_add_lease() and the
 * lease walk, reconfiguring a running server, configurations refused, and
 * the DNS name encoding of the search list (RFC 3396 splitting).
 */
#include "dhcp_server_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

TestSuite(dhcp, .init = setup, .fini = teardown);

Test(dhcp, lease_callback_fires_with_sanitized_hostname)
{
	struct tmsg m;
	struct treply r;

	msg_init(&m, DHCPDISCOVER, MAC_A, 32);
	t_msg_opt(&m, DHO_HOSTNAME, "my\001host\n", 9);
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(evs.n, 0, "no event for an offer");
	msg_init(&m, DHCPREQUEST, MAC_A, 33);
	t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
	t_msg_opt_ip(&m, DHO_REQUESTED_ADDR, "10.0.2.15");
	t_msg_opt(&m, DHO_HOSTNAME, "my\001host\n", 9);
	msg_end(&m);
	send_msg(&m, 5 * SEC, &r);
	cr_assert_eq(t_rtype(&r), DHCPACK);
	cr_assert_eq(evs.n, 1);
	cr_assert_eq(evs.ev[0], DHCP_EV_BOUND);
	cr_assert_eq(evs.li[0].addr.s_addr, t_ip("10.0.2.15"));
	cr_assert_eq(memcmp(evs.li[0].mac, MAC_A, 6), 0);
	cr_assert_str_eq(evs.li[0].hostname, "my_host_");
	cr_assert(evs.li[0].bound);
	cr_assert_eq(evs.li[0].expires_ms, 3605 * SEC);

	/* a long hostname is truncated */
	{
		char longname[200];

		memset(longname, 'h', sizeof(longname));
		msg_init(&m, DHCPREQUEST, MAC_A, 34);
		t_msg_ciaddr(&m, "10.0.2.15");
		t_msg_opt(&m, DHO_HOSTNAME, longname, sizeof(longname));
		msg_end(&m);
		send_msg(&m, 6 * SEC, &r);
		cr_assert_eq(t_rtype(&r), DHCPACK);
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
	struct treply r;

	memset(&l, 0, sizeof(l));
	l.addr.s_addr = t_ip("10.0.2.20");
	memcpy(l.mac, MAC_A, 6);
	strcpy(l.hostname, "restored");
	l.expires_ms = 1000 * SEC;
	l.bound = true;
	cr_assert_eq(dhcp_server_add_lease(srv, &l), 0);
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST);
	l.addr.s_addr = t_ip("10.0.2.21");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -EEXIST, "mac already has a lease");
	memcpy(l.mac, MAC_B, 6);
	l.addr.s_addr = t_ip("10.0.3.20");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -ERANGE);
	l.addr.s_addr = t_ip("10.0.2.3");
	cr_assert_eq(dhcp_server_add_lease(srv, &l), -ERANGE);

	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_A, 0, &got), 1);
	cr_assert_eq(got.addr.s_addr, t_ip("10.0.2.20"));
	cr_assert_str_eq(got.hostname, "restored");
	cr_assert_eq(dhcp_server_lease_by_mac(srv, MAC_B, 0, &got), 0);

	/* the restored client keeps its address */
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.20"));
	discover(MAC_B, 0, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));

	cr_assert_eq(dhcp_server_foreach_lease(srv, collect_fn, &col), 0);
	cr_assert_eq(col.n, 2);
	cr_assert_eq(col.bound, 1);
	cr_assert_eq(col.addrs[0], t_ip("10.0.2.15"));
	cr_assert_eq(col.addrs[1], t_ip("10.0.2.20"));

	memset(&col, 0, sizeof(col));
	col.stop_after = 1;
	cr_assert_eq(dhcp_server_foreach_lease(srv, collect_fn, &col), 1);
	cr_assert_eq(col.n, 1);
}

Test(dhcp, reconfigure_swaps_options_keeps_leases)
{
	struct dhcp_server_config c;
	struct treply r;
	uint8_t buf[64];

	obtain(MAC_A, 0);
	base_cfg(&c);
	c.dns[0].s_addr = t_ip("192.0.2.53");
	c.dns[1].s_addr = t_ip("192.0.2.54");
	c.n_dns = 2;
	c.domain[0] = '\0';
	c.n_search = 0;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), 0);
	discover(MAC_A, 1 * SEC, &r);
	cr_assert_eq(t_ryiaddr(&r), t_ip("10.0.2.15"));
	cr_assert_eq(t_ropt(&r, DHO_DNS, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, (uint8_t[]){ 192, 0, 2, 53, 192, 0, 2, 54 }, 8), 0);
	cr_assert_eq(t_ropt(&r, DHO_DOMAIN_NAME, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), -1);

	c.range_last.s_addr = t_ip("10.0.2.100");
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	base_cfg(&c);
	c.netmask.s_addr = t_ip("255.255.0.0");
	c.network.s_addr = t_ip("10.0.0.0");
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
	base_cfg(&c);
	c.n_dns = 5;
	cr_assert_eq(dhcp_server_reconfigure(srv, &c), -EINVAL);
}

Test(dhcp, inconsistent_configs_are_refused)
{
	struct dhcp_server_config c;

	base_cfg(&c);
	c.netmask.s_addr = t_ip("255.0.255.0");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.3.20");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_first.s_addr = t_ip("10.0.2.100");
	c.range_last.s_addr = t_ip("10.0.2.99");
	cr_assert_null(dhcp_server_new(&c));
	base_cfg(&c);
	c.range_last.s_addr = t_ip("10.0.2.255");
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
	struct treply r;
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
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ropt_count(&r, DHO_DOMAIN_SEARCH), 2);
	cr_assert_eq(t_ropt(&r, DHO_DOMAIN_SEARCH, buf, sizeof(buf)), 272);
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
