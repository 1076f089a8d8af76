/* SPDX-License-Identifier: MIT */
/*
 * test_natpf_guest.c - a NAT adapter's port forward must name a guest
 * address that can be a guest there: pfrule_check_guest() on the adapter's
 * network and prefix, and `natd run` refusing --natpf<x> rules outside them
 * (whatever the order of --natnet<x> and --natpf<x>).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "forwarders/nat_config.h"
#include "forwarders/pfrule.h"
#include "natd/config.h"

static char err[512];

static struct pfrule rule(const char *text)
{
	struct pfrule r;

	cr_assert_eq(pfrule_parse(text, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &r, err, sizeof(err)), 0,
		     "%s: %s", text, err);
	return r;
}

/* 10.0.2.0/24 with natd at .2, .3 and .4; fd17:625c:f037:2::/64 at ::2, ::3. */
static struct nat_config nat_adapter(void)
{
	struct nat_config c;

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "10.0.2.0", &c.network);
	inet_pton(AF_INET, "255.255.255.0", &c.netmask);
	c.prefixlen = 24;
	inet_pton(AF_INET, "10.0.2.2", &c.gateway);
	inet_pton(AF_INET, "10.0.2.3", &c.dns);
	inet_pton(AF_INET, "10.0.2.4", &c.tftp);
	c.ipv6 = true;
	inet_pton(AF_INET6, "fd17:625c:f037:2::", &c.prefix6);
	inet_pton(AF_INET6, "fd17:625c:f037:2::2", &c.gateway6);
	inet_pton(AF_INET6, "fd17:625c:f037:2::3", &c.dns6);
	return c;
}

static int check(const struct nat_config *c, const char *text)
{
	struct pfrule r = rule(text);
	struct pfrule_guest_net g;

	nat_config_guest_net(c, &g);
	err[0] = '\0';
	return pfrule_check_guest(&r, &g, err, sizeof(err));
}

Test(natpf_guest, inside_the_network_or_the_lease)
{
	struct nat_config c = nat_adapter();
	static const char *ok[] = {
		"a,tcp,,18080,,80",                      /* the DHCP lease */
		"a,tcp,,18080,10.0.2.15,80",
		"a,udp,,18080,10.0.2.254,80",
		"a,tcp,,18080,10.0.2.1,80",              /* a static guest may hold it */
		"a,tcp,,18080,::,80",                    /* the guest's IPv6 address */
		"a,tcp,,18080,fd17:625c:f037:2:5054:ff:fe12:3456,80",
		"a,tcp,127.0.0.1,18080,10.0.2.15,80",    /* the host side is not checked */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect_eq(check(&c, ok[i]), 0, "%s: %s", ok[i], err);
}

Test(natpf_guest, outside_or_natd_own_refused)
{
	struct nat_config c = nat_adapter();
	static const struct {
		const char *rule, *msg;
	} bad[] = {
		{ "a,tcp,,18080,10.0.3.15,80",
		  "guest address 10.0.3.15 is outside the adapter's network 10.0.2.0/24" },
		{ "a,tcp,,18080,192.0.2.1,80", "outside the adapter's network 10.0.2.0/24" },
		{ "a,tcp,,18080,10.0.2.0,80", "is the network's own address" },
		{ "a,tcp,,18080,10.0.2.255,80", "is the network's broadcast address" },
		{ "a,tcp,,18080,10.0.2.2,80", "10.0.2.2 is one of natd's own" },
		{ "a,tcp,,18080,10.0.2.3,80", "10.0.2.3 is one of natd's own" },
		{ "a,tcp,,18080,10.0.2.4,80", "10.0.2.4 is one of natd's own" },
		{ "a,tcp,,18080,fd17:625c:f037:3::15,80",
		  "outside the adapter's IPv6 prefix fd17:625c:f037:2::/64" },
		{ "a,tcp,,18080,2001:db8::1,80", "outside the adapter's IPv6 prefix" },
		{ "a,tcp,,18080,fd17:625c:f037:2::,80", "the prefix's own address" },
		{ "a,tcp,,18080,fd17:625c:f037:2::2,80", "is one of natd's own" },
		{ "a,tcp,,18080,fd17:625c:f037:2::3,80", "is one of natd's own" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(check(&c, bad[i].rule), -EINVAL, "%s accepted", bad[i].rule);
		cr_expect(strstr(err, bad[i].msg), "%s: got '%s'", bad[i].rule, err);
	}
	c.ipv6 = false;
	cr_expect_eq(check(&c, "a,tcp,,18080,fd17:625c:f037:2::15,80"), -EINVAL);
	cr_expect(strstr(err, "no IPv6"), "%s", err);
}

/* A NAT network's gateway adapter: .1 gateway, .3 DHCP, .2 the loopback. */
Test(natpf_guest, nat_network_own_addresses)
{
	struct nat_config c = nat_adapter();

	inet_pton(AF_INET, "10.0.2.1", &c.gateway);
	inet_pton(AF_INET, "10.0.2.3", &c.dhcp_server);
	memset(&c.tftp, 0, sizeof(c.tftp));
	inet_pton(AF_INET, "10.0.2.2", &c.loopback_net[0]);
	c.n_loopback = 1;
	cr_expect_eq(check(&c, "a,tcp,,18080,10.0.2.1,80"), -EINVAL);
	cr_expect_eq(check(&c, "a,tcp,,18080,10.0.2.2,80"), -EINVAL);
	cr_expect_eq(check(&c, "a,tcp,,18080,10.0.2.4,80"), 0, "%s", err);
}

/* natd run: --natpf<x> against the adapter's network as finally set. */
static struct natd_config cfg;

static int run_args(const char *first, ...)
{
	char *argv[64];
	int argc = 0, rc;
	va_list ap;

	setenv("NATD_HOME", "/tmp/natd-unit-home", 1);
	config_init(&cfg);
	argv[argc++] = (char *)"run";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	err[0] = '\0';
	rc = config_parse_run(&cfg, argc, argv, err, sizeof(err));
	if (rc == 0)
		rc = config_finish(&cfg, err, sizeof(err));
	config_free(&cfg);
	return rc;
}

Test(natpf_guest, natd_run_refuses_a_guest_outside_the_network)
{
	cr_assert_lt(run_args("--nic1", "nat", "--natpf1", "a,tcp,,18080,10.0.3.15,80", NULL), 0);
	cr_assert_str_eq(err, "--natpf1 \"a,tcp,,18080,10.0.3.15,80\": guest address 10.0.3.15 "
			 "is outside the adapter's network 10.0.2.0/24");
	/* adapter 2's default network is 10.0.3.0/24 */
	cr_assert_eq(run_args("--nic2", "nat", "--natpf2", "a,tcp,,18080,10.0.3.15,80", NULL), 0,
		     "%s", err);
	/* --natnet<x> after --natpf<x> counts */
	cr_assert_eq(run_args("--nic1", "nat", "--natpf1", "a,tcp,,18080,10.0.3.15,80",
			      "--natnet1", "10.0.3.0/24", NULL), 0, "%s", err);
	cr_assert_lt(run_args("--nic1", "nat", "--natnet1", "192.168.7.0/24", "--natpf1",
			      "a,tcp,,18080,10.0.2.15,80", NULL), 0);
	cr_assert(strstr(err, "outside the adapter's network 192.168.7.0/24"), "%s", err);
	/* the generated name is shown */
	cr_assert_lt(run_args("--nic1", "nat", "--natpf1", ",udp,,5353,10.0.2.3,53", NULL), 0);
	cr_assert(strstr(err, "--natpf1 \"udp-5353,udp,,5353,10.0.2.3,53\": guest address "
			  "10.0.2.3 is one of natd's own"), "%s", err);
	cr_assert_lt(run_args("--nic1", "nat", "--natpf1", "v6,tcp,,8080,fd17:625c:f037:9::5,80",
			      NULL), 0);
	cr_assert(strstr(err, "outside the adapter's IPv6 prefix fd17:625c:f037:2::/64"), "%s",
		  err);
}
