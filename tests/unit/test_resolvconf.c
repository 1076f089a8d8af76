/* SPDX-License-Identifier: MIT */
/*
 * test_resolvconf.c - unit tests of base/resolvconf.c: nameserver parsing
 * (IPv4, IPv6, scopes), comments, glibc's domain/search rule, limits, the
 * nameservers handed to guests by DHCP, and loading from NATD_RESOLV_CONF.
 */
#include "base/resolvconf.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct resolvconf rc;

static void parse(const char *text)
{
	cr_assert_eq(resolvconf_parse(text, strlen(text), &rc), 0);
}

static const char *ns_str(unsigned i)
{
	static char buf[INET6_ADDRSTRLEN];
	const struct sockaddr_storage *ss = &rc.ns[i];

	if (ss->ss_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
				 buf, sizeof(buf));
	return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
			 buf, sizeof(buf));
}

static struct in_addr v4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

Test(resolvconf, nameservers_v4_v6_and_scope)
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	parse("nameserver 192.0.2.1\n"
	      "nameserver 2001:db8::53\n"
	      "nameserver fe80::1%1\n"
	      "nameserver fe80::2%lo\n"
	      "nameserver fe80::3%no-such-if0\n"
	      "nameserver not-an-address\n"
	      "nameserver 1.2.3\n"
	      "nameserver\n");
	cr_assert_eq(rc.n_ns, 4);
	s4 = (const struct sockaddr_in *)&rc.ns[0];
	cr_assert_eq(s4->sin_family, AF_INET);
	cr_assert_eq(ntohs(s4->sin_port), 53);
	cr_assert_str_eq(ns_str(0), "192.0.2.1");
	s6 = (const struct sockaddr_in6 *)&rc.ns[1];
	cr_assert_eq(s6->sin6_family, AF_INET6);
	cr_assert_eq(ntohs(s6->sin6_port), 53);
	cr_assert_eq(s6->sin6_scope_id, 0);
	cr_assert_str_eq(ns_str(1), "2001:db8::53");
	s6 = (const struct sockaddr_in6 *)&rc.ns[2];
	cr_assert_str_eq(ns_str(2), "fe80::1");
	cr_assert_eq(s6->sin6_scope_id, 1);
	s6 = (const struct sockaddr_in6 *)&rc.ns[3];
	cr_assert_str_eq(ns_str(3), "fe80::2");
	cr_assert_neq(s6->sin6_scope_id, 0, "lo resolves to its index");
}

Test(resolvconf, comments_and_whitespace)
{
	parse("# a comment\n"
	      "; another\n"
	      "   \t nameserver\t192.0.2.1   # trailing comment\r\n"
	      "#nameserver 192.0.2.99\n"
	      "\n"
	      "options edns0 trust-ad\n"
	      "sortlist 130.155.160.0/255.255.240.0\n"
	      "nameserver 192.0.2.2 ignored-extra-word\n"
	      "search a.example ; b.example\n"
	      "nameservers 192.0.2.77\n"
	      "nameserver192.0.2.78\n"
	      "nameserver 192.0.2.3"); /* no final newline */
	cr_assert_eq(rc.n_ns, 3);
	cr_assert_str_eq(ns_str(0), "192.0.2.1");
	cr_assert_str_eq(ns_str(1), "192.0.2.2");
	cr_assert_str_eq(ns_str(2), "192.0.2.3");
	cr_assert_eq(rc.n_search, 1);
	cr_assert_str_eq(rc.search[0], "a.example");
}

Test(resolvconf, domain_only)
{
	parse("domain corp.example\n");
	cr_assert_str_eq(rc.domain, "corp.example");
	cr_assert_eq(rc.n_search, 1);
	cr_assert_str_eq(rc.search[0], "corp.example");
}

Test(resolvconf, search_only_gives_domain)
{
	parse("search one.example two.example\n");
	cr_assert_str_eq(rc.domain, "one.example");
	cr_assert_eq(rc.n_search, 2);
	cr_assert_str_eq(rc.search[0], "one.example");
	cr_assert_str_eq(rc.search[1], "two.example");
}

Test(resolvconf, last_of_domain_and_search_wins)
{
	parse("domain d.example\nsearch s1.example s2.example\n");
	cr_assert_eq(rc.n_search, 2);
	cr_assert_str_eq(rc.search[0], "s1.example");
	cr_assert_str_eq(rc.domain, "s1.example");

	parse("search s1.example s2.example\ndomain d.example\n");
	cr_assert_eq(rc.n_search, 1);
	cr_assert_str_eq(rc.search[0], "d.example");
	cr_assert_str_eq(rc.domain, "d.example");

	parse("search s1.example\nsearch s2.example s3.example\n");
	cr_assert_eq(rc.n_search, 2);
	cr_assert_str_eq(rc.search[0], "s2.example");

	parse("");
	cr_assert_eq(rc.n_search, 0);
	cr_assert_str_eq(rc.domain, "");
	cr_assert_eq(rc.n_ns, 0);
}

Test(resolvconf, limits_and_truncation)
{
	char text[8192], name[300];
	size_t n = 0;
	int i;

	/* more than 8 nameservers: the first 8 kept */
	for (i = 1; i <= 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "nameserver 192.0.2.%d\n", i);
	/* more than 6 search entries, and an overlong name that is skipped */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "search %s a b c d bad..name e f g\n", name);
	parse(text);
	cr_assert_eq(rc.n_ns, 8);
	cr_assert_str_eq(ns_str(7), "192.0.2.8");
	cr_assert_eq(rc.n_search, 6);
	cr_assert_str_eq(rc.search[0], "a");
	cr_assert_str_eq(rc.search[4], "e");
	cr_assert_str_eq(rc.search[5], "f");
	cr_assert_str_eq(rc.domain, "a");

	/* a label over 63 bytes is skipped too; only bad names: line ignored */
	memset(name, 'y', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "domain keep.example\nsearch %s.example\n", name);
	parse(text);
	cr_assert_eq(rc.n_search, 1);
	cr_assert_str_eq(rc.search[0], "keep.example");

	/* a very long line of garbage */
	memset(text, 'z', sizeof(text));
	cr_assert_eq(resolvconf_parse(text, sizeof(text), &rc), 0);
	cr_assert_eq(rc.n_ns, 0);

	/* a NUL byte ends a line; the length bounds the text */
	cr_assert_eq(resolvconf_parse("nameserver 192.0.2.1\0nameserver 192.0.2.2\n",
				      43, &rc), 0);
	cr_assert_eq(rc.n_ns, 2);
	cr_assert_eq(resolvconf_parse("nameserver 192.0.2.123", 21, &rc), 0);
	cr_assert_eq(rc.n_ns, 1);
	cr_assert_str_eq(ns_str(0), "192.0.2.12");
	cr_assert_eq(resolvconf_parse(NULL, 0, &rc), 0);
	cr_assert_eq(rc.n_ns, 0);
}

Test(resolvconf, dhcp_nameservers_loopback_only_gives_fallback)
{
	struct in_addr out[4];
	unsigned n;

	parse("nameserver 127.0.0.53\noptions edns0\nsearch lan\n");
	n = resolvconf_dhcp_nameservers(&rc, out, 4, v4("10.0.2.3"));
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].s_addr, v4("10.0.2.3").s_addr);

	parse("");
	n = resolvconf_dhcp_nameservers(&rc, out, 4, v4("10.0.2.3"));
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].s_addr, v4("10.0.2.3").s_addr);

	parse("nameserver 0.0.0.0\nnameserver 127.1.2.3\nnameserver ::1\n");
	n = resolvconf_dhcp_nameservers(&rc, out, 4, v4("10.0.2.3"));
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].s_addr, v4("10.0.2.3").s_addr);
}

Test(resolvconf, dhcp_nameservers_mix_keeps_order)
{
	struct in_addr out[4];
	unsigned n;

	parse("nameserver 127.0.0.53\n"
	      "nameserver 192.0.2.10\n"
	      "nameserver 2001:db8::1\n"
	      "nameserver 127.0.0.1\n"
	      "nameserver 198.51.100.7\n"
	      "nameserver 192.0.2.10\n"
	      "nameserver 128.0.0.1\n"
	      "nameserver 126.255.255.255\n");
	n = resolvconf_dhcp_nameservers(&rc, out, 4, v4("10.0.2.3"));
	cr_assert_eq(n, 4);
	cr_assert_eq(out[0].s_addr, v4("192.0.2.10").s_addr);
	cr_assert_eq(out[1].s_addr, v4("198.51.100.7").s_addr);
	cr_assert_eq(out[2].s_addr, v4("128.0.0.1").s_addr);
	cr_assert_eq(out[3].s_addr, v4("126.255.255.255").s_addr);

	/* max bounds the output */
	n = resolvconf_dhcp_nameservers(&rc, out, 1, v4("10.0.2.3"));
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].s_addr, v4("192.0.2.10").s_addr);
	n = resolvconf_dhcp_nameservers(&rc, out, 0, v4("10.0.2.3"));
	cr_assert_eq(n, 0);
}

Test(resolvconf, path_and_load)
{
	char path[] = "/tmp/test_resolvconf.XXXXXX";
	static const char text[] = "nameserver 192.0.2.44\nsearch x.example\n";
	int fd;

	unsetenv("NATD_RESOLV_CONF");
	cr_assert_str_eq(resolvconf_path(), "/etc/resolv.conf");
	setenv("NATD_RESOLV_CONF", "", 1);
	cr_assert_str_eq(resolvconf_path(), "/etc/resolv.conf");

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	setenv("NATD_RESOLV_CONF", path, 1);
	cr_assert_str_eq(resolvconf_path(), path);
	cr_assert_eq(resolvconf_load(resolvconf_path(), &rc), 0);
	cr_assert_eq(rc.n_ns, 1);
	cr_assert_str_eq(ns_str(0), "192.0.2.44");
	cr_assert_str_eq(rc.domain, "x.example");
	unlink(path);

	cr_assert_eq(resolvconf_load(path, &rc), -ENOENT);
	cr_assert_eq(rc.n_ns, 0);
	cr_assert_eq(resolvconf_load("/", &rc), -EISDIR);
	unsetenv("NATD_RESOLV_CONF");
}
