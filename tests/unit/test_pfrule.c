/* SPDX-License-Identifier: MIT */
/*
 * test_pfrule.c - port-forwarding rules: both syntaxes, every malformed
 * field named, generated names, conflicts between rules of one set.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "forwarders/pfrule.h"

static char err[256];

static struct pfrule vbox(const char *text)
{
	struct pfrule r;

	err[0] = '\0';
	cr_assert_eq(pfrule_parse(text, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &r, err, sizeof(err)), 0,
		     "%s: %s", text, err);
	return r;
}

static void vbox_bad(const char *text, const char *needle)
{
	struct pfrule r;

	err[0] = '\0';
	cr_assert_eq(pfrule_parse(text, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &r, err, sizeof(err)),
		     -EINVAL, "%s accepted", text);
	cr_assert(strstr(err, needle), "%s: message '%s' lacks '%s'", text, err, needle);
}

Test(pfrule, vbox_full)
{
	struct pfrule r = vbox("web,tcp,127.0.0.1,8080,10.0.2.15,80");
	char buf[PFRULE_TEXT_MAX];

	cr_assert_str_eq(r.name, "web");
	cr_assert_eq(r.proto, PFRULE_TCP);
	cr_assert_eq(r.host.family, AF_INET);
	cr_assert_eq(r.host.u.v4.s_addr, htonl(0x7f000001));
	cr_assert_eq(r.host_port, 8080);
	cr_assert_eq(r.guest.family, AF_INET);
	cr_assert_eq(r.guest.u.v4.s_addr, htonl(0x0a00020f));
	cr_assert_eq(r.guest_port, 80);
	cr_assert_gt(pfrule_format(&r, PFRULE_SYNTAX_VBOX, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "web,tcp,127.0.0.1,8080,10.0.2.15,80");
}

Test(pfrule, vbox_empty_fields)
{
	struct pfrule r = vbox(",UDP,,5353,,53");
	char buf[PFRULE_TEXT_MAX];

	cr_assert_str_eq(r.name, "");
	cr_assert_eq(r.proto, PFRULE_UDP);
	cr_assert_eq(r.host.family, AF_UNSPEC);
	cr_assert_eq(r.guest.family, AF_UNSPEC);
	pfrule_format(&r, PFRULE_SYNTAX_VBOX, buf, sizeof(buf));
	cr_assert_str_eq(buf, ",udp,,5353,,53");
}

Test(pfrule, vbox_ipv6_host)
{
	struct pfrule r = vbox("v6,tcp,::1,8080,,80");
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;

	cr_assert_eq(r.host.family, AF_INET6);
	cr_assert(!memcmp(&r.host.u.v6, &lo, sizeof(lo)));
}

Test(pfrule, vbox_malformed)
{
	vbox_bad("web,tcp,,8080,,80,extra", "6 comma-separated");
	vbox_bad("web,tcp,,8080,,", "guest port missing");
	vbox_bad("web,tcp,,8080", "got 4");
	vbox_bad("web,sctp,,8080,,80", "protocol 'sctp'");
	vbox_bad("web,tcp,,0,,80", "host port '0'");
	vbox_bad("web,tcp,,65536,,80", "host port '65536'");
	vbox_bad("web,tcp,,80,,999999", "guest port '999999'");
	vbox_bad("web,tcp,,8o,,80", "host port '8o'");
	vbox_bad("web,tcp,,-1,,80", "host port '-1'");
	vbox_bad("web,tcp,300.1.1.1,8080,,80", "host address '300.1.1.1'");
	vbox_bad("web,tcp,,8080,10.0.2,80", "guest address '10.0.2'");
	vbox_bad("web,tcp,,8080,224.0.0.1,80", "guest address '224.0.0.1'");
	vbox_bad("web,tcp,,8080,0.0.0.0,80", "guest address '0.0.0.0'");
	vbox_bad("w\"b,tcp,,8080,,80", "rule name");
	vbox_bad(" web,tcp,,8080,,80", "leading or trailing space");
}

Test(pfrule, natnet_syntax)
{
	struct pfrule r;
	char buf[PFRULE_TEXT_MAX];

	cr_assert_eq(pfrule_parse("ssh:tcp:[]:1022:[192.168.15.5]:22", PFRULE_SYNTAX_NATNET,
				  AF_INET, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(r.name, "ssh");
	cr_assert_eq(r.host.family, AF_UNSPEC);
	cr_assert_eq(r.host_port, 1022);
	cr_assert_eq(r.guest.u.v4.s_addr, htonl(0xc0a80f05));
	pfrule_format(&r, PFRULE_SYNTAX_NATNET, buf, sizeof(buf));
	cr_assert_str_eq(buf, "ssh:tcp:[]:1022:[192.168.15.5]:22");

	cr_assert_eq(pfrule_parse("w6:udp:[::1]:5353:[fd17:625c:f037:2::15]:53",
				  PFRULE_SYNTAX_NATNET, AF_INET6, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.host.family, AF_INET6);
	cr_assert_eq(r.guest.family, AF_INET6);
	cr_assert_eq(r.proto, PFRULE_UDP);

	/* brackets may be left out for IPv4 */
	cr_assert_eq(pfrule_parse("a:tcp:127.0.0.1:80:10.0.0.5:8080", PFRULE_SYNTAX_NATNET,
				  AF_INET, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.host.u.v4.s_addr, htonl(0x7f000001));
}

Test(pfrule, natnet_malformed)
{
	struct pfrule r;
	static const struct {
		const char *text;
		int family;
		const char *needle;
	} bad[] = {
		{ "ssh:tcp:[]:1022:[]:22", AF_INET, "guest address missing" },
		{ ":tcp:[]:1022:[10.0.0.4]:22", AF_INET, "name missing" },
		{ "ssh:tcp:[::1]:1022:[10.0.0.4]:22", AF_INET, "must be an IPv4" },
		{ "ssh:tcp:[]:1022:[10.0.0.4]:22", AF_INET6, "must be an IPv6" },
		{ "ssh:tcp:[]:1022:[10.0.0.4:22", AF_INET, "missing ']'" },
		{ "ssh:tcp:[]:1022:[10.0.0.4]:22:9", AF_INET, "too many" },
		{ "ssh:tcp:[]:1022", AF_INET, "got 4" },
		{ "ssh:icmp:[]:1022:[10.0.0.4]:22", AF_INET, "protocol 'icmp'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(pfrule_parse(bad[i].text, PFRULE_SYNTAX_NATNET, bad[i].family, &r,
					  err, sizeof(err)), -EINVAL, "%s accepted", bad[i].text);
		cr_assert(strstr(err, bad[i].needle), "%s: '%s' lacks '%s'", bad[i].text, err,
			  bad[i].needle);
	}
}

Test(pfrule, set_names_and_conflicts)
{
	struct pfrule set[4];
	struct pfrule r;
	size_t n = 0;

	set[n] = vbox("web,tcp,,8080,,80");
	cr_assert_eq(pfrule_set_check_add(set, n, &set[n], err, sizeof(err)), 0);
	n++;
	/* generated names, unique */
	set[n] = vbox(",tcp,127.0.0.1,9090,,90");
	cr_assert_eq(pfrule_set_check_add(set, n, &set[n], err, sizeof(err)), 0);
	cr_assert_str_eq(set[n].name, "tcp-9090");
	n++;
	set[n] = vbox("tcp-9091,udp,,9091,,91");
	cr_assert_eq(pfrule_set_check_add(set, n, &set[n], err, sizeof(err)), 0);
	n++;
	r = vbox(",tcp,127.0.0.2,9090,,91");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(r.name, "tcp-9090-2");

	/* duplicate name */
	r = vbox("web,udp,,7000,,70");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "'web'"), "%s", err);
	/* same port, all addresses vs a specific one */
	r = vbox("x,tcp,127.0.0.1,8080,,80");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "rule 'web'"), "%s", err);
	/* same address and port */
	r = vbox("y,tcp,127.0.0.1,9090,,80");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), -EEXIST);
	/* other protocol, other address, other port: fine */
	r = vbox("z,udp,,8080,,80");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), 0, "%s", err);
	r = vbox("z,tcp,::1,9090,,80");
	cr_assert_eq(pfrule_set_check_add(set, n, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pfrule_set_find(set, n, "tcp-9091"), 2);
	cr_assert_eq(pfrule_set_find(set, n, "nope"), -1);
}

Test(pfrule, privileged_unprivileged_port)
{
	struct pfrule r = vbox("hi,tcp,,60000,,80");

	cr_assert_eq(pfrule_check_privileged(&r, err, sizeof(err)), 0);
}
