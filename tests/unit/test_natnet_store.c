/* SPDX-License-Identifier: MIT */
/*
 * test_natnet_store.c - NAT network definitions and natd.json
 * (natd/natnet_def.h, natd/natnet_store.h): defaults, derived addresses, the
 * checks (network, DHCP room, rules, loopback mappings, overlap), JSON round
 * trip, the parser's messages (line for broken JSON, entry and field for
 * bad content), load/save in a temporary NATD_HOME (atomic, mode 0600,
 * unknown keys kept) and the lease file parser (natd/natnet_leases.h).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natd/natnet_leases.h"
#include "natd/natnet_store.h"

static struct natnet_def mkdef(const char *name, const char *cidr)
{
	struct natnet_def d;
	char err[256];

	natnet_def_init(&d, name);
	cr_assert_eq(natnet_parse_network(cidr, &d.network, &d.prefixlen, err, sizeof(err)), 0,
		     "%s", err);
	return d;
}

static const char *ip(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[k], sizeof(buf[k]));
}

static void add_rule(struct natnet_def *d, const char *text)
{
	char err[256];

	cr_assert_eq(pfrule_parse(text, PFRULE_SYNTAX_NATNET, AF_INET, &d->rules4[d->n_rules4],
				  err, sizeof(err)), 0, "%s", err);
	d->n_rules4++;
}

static void add_rule6(struct natnet_def *d, const char *text)
{
	char err[256];

	cr_assert_eq(pfrule_parse(text, PFRULE_SYNTAX_NATNET, AF_INET6, &d->rules6[d->n_rules6],
				  err, sizeof(err)), 0, "%s", err);
	d->n_rules6++;
}

Test(natnet_store, defaults_and_addresses)
{
	struct natnet_def d = mkdef("natnet1", "192.168.15.0/24");
	struct natnet_addrs a;
	char buf[64];

	cr_expect(d.enabled);
	cr_expect(d.dhcp);
	cr_expect_not(d.ipv6);
	cr_expect_eq(d.n_lo4, 1);
	natnet_format_loopback(&d.lo4[0], buf, sizeof(buf));
	cr_expect_str_eq(buf, "127.0.0.1=2");
	natnet_def_addrs(&d, &a);
	cr_expect_str_eq(ip(a.gateway), "192.168.15.1");
	cr_expect_str_eq(ip(a.dhcp_server), "192.168.15.3");
	cr_expect_str_eq(ip(a.range_first), "192.168.15.4");
	cr_expect_str_eq(ip(a.range_last), "192.168.15.254");
	cr_expect_str_eq(ip(a.broadcast), "192.168.15.255");
	natnet_format_ipv6_prefix(&d, buf, sizeof(buf));
	cr_expect_str_eq(buf, "fd17:625c:f037:a80f::/64");
	cr_expect_str_eq(inet_ntop(AF_INET6, &a.gateway6, buf, sizeof(buf)),
			 "fd17:625c:f037:a80f::1");
	/* VirtualBox's example: the middle two bytes of 10.222.173.0 */
	d = mkdef("dead", "10.222.173.0/24");
	natnet_format_ipv6_prefix(&d, buf, sizeof(buf));
	cr_expect_str_eq(buf, "fd17:625c:f037:dead::/64");
	d = mkdef("natnet1", "192.168.15.0/24");
	cr_expect_eq(natnet_def_check(&d, buf, sizeof(buf)), 0, "%s", buf);

	d = mkdef("small", "10.0.0.8/29");
	natnet_def_addrs(&d, &a);
	cr_expect_str_eq(ip(a.range_first), "10.0.0.12");
	cr_expect_str_eq(ip(a.range_last), "10.0.0.14");

	d = mkdef("big", "10.0.0.0/8");
	natnet_def_addrs(&d, &a);
	cr_expect_eq(ntohl(a.range_last.s_addr) - ntohl(a.range_first.s_addr), 65535u,
		     "at most 65536 leases");

	/* A mapping above .3 ends the lease range below it. */
	d = mkdef("lo", "10.1.0.0/24");
	d.lo4[1].host.s_addr = htonl(0x7f000002);
	d.lo4[1].offset = 200;
	d.n_lo4 = 2;
	natnet_def_addrs(&d, &a);
	cr_expect_str_eq(ip(a.range_last), "10.1.0.199");
	cr_expect_eq(natnet_def_check(&d, buf, sizeof(buf)), 0, "%s", buf);
}

Test(natnet_store, network_parsing)
{
	struct in_addr n;
	unsigned len;
	char err[256];

	cr_expect_eq(natnet_parse_network("10.0.0.0/30", &n, &len, err, sizeof(err)), 0);
	cr_expect_eq(natnet_parse_network("10.0.0.0/31", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "/31 out of range"), "%s", err);
	cr_expect_eq(natnet_parse_network("10.0.0.0/7", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_network("10.0.0.1/24", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "10.0.0.0/24"), "%s", err);
	cr_expect_eq(natnet_parse_network("127.0.0.0/8", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_network("224.0.0.0/24", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_network("0.1.0.0/16", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_network("fd00::/64", &n, &len, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_network("10.0.0.0", &n, &len, err, sizeof(err)), -EINVAL);
}

Test(natnet_store, loopback_parsing)
{
	struct natnet_loopback lo;
	char err[256];

	cr_expect_eq(natnet_parse_loopback("127.0.0.1=2", &lo, err, sizeof(err)), 0);
	cr_expect_eq(lo.offset, 2);
	cr_expect_eq(natnet_parse_loopback("127.1.2.3=0", &lo, err, sizeof(err)), 0);
	cr_expect_eq(natnet_parse_loopback("10.0.0.1=2", &lo, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_loopback("127.0.0.1", &lo, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_loopback("127.0.0.1=x", &lo, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_parse_loopback("=2", &lo, err, sizeof(err)), -EINVAL);
}

Test(natnet_store, checks)
{
	struct natnet_def d = mkdef("n", "192.168.15.0/24"), e;
	char err[256];

	add_rule(&d, "ssh:tcp:[]:1022:[192.168.15.5]:22");
	cr_expect_eq(natnet_def_check(&d, err, sizeof(err)), 0, "%s", err);

	e = d;
	add_rule(&e, "ssh:tcp:[]:1023:[192.168.15.6]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "duplicate name");

	e = d;
	add_rule(&e, "web:tcp:[]:1022:[192.168.15.6]:80");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "same host port");
	cr_expect(strstr(err, "already used by rule 'ssh'"), "%s", err);

	e = d;
	add_rule(&e, "out:tcp:[]:2000:[10.0.0.5]:80");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	cr_expect(strstr(err, "not in the network"), "%s", err);

	e = d;
	add_rule(&e, "gw:tcp:[]:2000:[192.168.15.1]:80");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	e = d;
	add_rule(&e, "lo:tcp:[]:2000:[192.168.15.2]:80");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	cr_expect(strstr(err, "loopback mapping"), "%s", err);

	e = d;
	e.lo4[0].offset = 3;
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "offset 3 is the DHCP server");
	e.lo4[0].offset = 255;
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "offset 255 is the broadcast");
	e.lo4[0].offset = 4;
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "offset 4 is the first lease");

	e = mkdef("tiny", "10.0.0.0/30");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "no room for DHCP");
	e.dhcp = false;
	cr_expect_eq(natnet_def_check(&e, err, sizeof(err)), 0, "%s", err);

	e = mkdef("../x", "10.0.0.0/24");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "bad name");

	/* IPv6 rules: the guest in the network's prefix, not natd's ::1 */
	e = d;
	add_rule6(&e, "ssh6:tcp:[]:1024:[fd17:625c:f037:a80f::5]:22");
	cr_expect_eq(natnet_def_check(&e, err, sizeof(err)), 0, "%s", err);
	e.n_rules6 = 0;
	add_rule6(&e, "ssh6:tcp:[]:1024:[fd17:625c:f037:1::5]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	cr_expect(strstr(err, "not in the network's IPv6 prefix fd17:625c:f037:a80f::/64"), "%s",
		  err);
	e.n_rules6 = 0;
	add_rule6(&e, "ssh6:tcp:[]:1024:[fd17:625c:f037:a80f::1]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	cr_expect(strstr(err, "one of natd's own"), "%s", err);
	e.n_rules6 = 0;
	add_rule6(&e, "any6:tcp:[]:1024:[fd17:625c:f037:a80f::]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "the subnet-router anycast");
	e.n_rules6 = 0;
	add_rule6(&e, "ssh:tcp:[]:1024:[fd17:625c:f037:a80f::5]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0, "a name the IPv4 rules use");

	/* --loopback-6: an offset of the prefix, not the gateway's, no rule's guest */
	e = d;
	cr_expect_eq(natnet_parse_loopback6("2", &e.lo6, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(e.lo6, 2);
	cr_expect_lt(natnet_parse_loopback6("1", &e.lo6, err, sizeof(err)), 0);
	cr_expect(strstr(err, "gateway"), "%s", err);
	cr_expect_lt(natnet_parse_loopback6("-2", &e.lo6, err, sizeof(err)), 0);
	cr_expect_lt(natnet_parse_loopback6("4294967296", &e.lo6, err, sizeof(err)), 0);
	cr_expect_lt(natnet_parse_loopback6("", &e.lo6, err, sizeof(err)), 0);
	cr_expect_eq(natnet_parse_loopback6("0", &e.lo6, err, sizeof(err)), 0, "none");
	e.lo6 = 70000;
	{
		struct in6_addr a6;
		char t6[INET6_ADDRSTRLEN];

		natnet_loopback6_addr(&e, &a6);
		cr_expect_str_eq(inet_ntop(AF_INET6, &a6, t6, sizeof(t6)),
				 "fd17:625c:f037:a80f::1:1170");
	}
	e.lo6 = 5;
	cr_expect_eq(natnet_def_check(&e, err, sizeof(err)), 0, "%s", err);
	add_rule6(&e, "lo6:tcp:[]:1024:[fd17:625c:f037:a80f::5]:22");
	cr_expect_lt(natnet_def_check(&e, err, sizeof(err)), 0);
	cr_expect(strstr(err, "--loopback-6"), "%s", err);
}

Test(natnet_store, overlap)
{
	struct natnet_def a = mkdef("a", "10.0.0.0/16"), b = mkdef("b", "10.0.5.0/24"),
			  c = mkdef("c", "10.1.0.0/24");

	cr_expect(natnet_overlap(&a, &b));
	cr_expect(natnet_overlap(&b, &a));
	cr_expect_not(natnet_overlap(&a, &c));
	cr_expect_not(natnet_overlap(&b, &c));
}

Test(natnet_store, json_round_trip)
{
	struct natnet_def d = mkdef("rt", "172.16.0.0/20"), e;
	char err[256];
	json_t *j;

	d.dhcp = false;
	d.ipv6_default = true;
	add_rule(&d, "a:udp:[127.0.0.1]:5353:[172.16.0.9]:53");
	cr_assert_eq(pfrule_parse("v6:tcp:[::1]:8080:[fd17:625c:f037:1000::5]:80",
				  PFRULE_SYNTAX_NATNET, AF_INET6, &d.rules6[0], err, sizeof(err)),
		     0, "%s", err);
	d.n_rules6 = 1;
	d.lo6 = 9;
	j = natnet_def_to_json(&d);
	cr_assert_not_null(j);
	cr_assert_eq(natnet_def_from_json(j, &e, err, sizeof(err)), 0, "%s", err);
	json_decref(j);
	cr_expect_str_eq(e.name, "rt");
	cr_expect_eq(e.network.s_addr, d.network.s_addr);
	cr_expect_eq(e.prefixlen, 20);
	cr_expect_not(e.dhcp);
	cr_expect(e.ipv6_default);
	cr_expect_eq(e.n_rules4, 1);
	cr_expect_eq(memcmp(&e.rules4[0], &d.rules4[0], sizeof(d.rules4[0])), 0);
	cr_expect_eq(e.n_rules6, 1);
	cr_expect_eq(e.lo6, 9);
	cr_expect_eq(memcmp(&e.rules6[0], &d.rules6[0], sizeof(d.rules6[0])), 0);
	cr_expect_eq(e.n_lo4, 1);
}

static int parse(struct natnet_store *st, const char *text, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	return natnet_store_parse(st, text, strlen(text), "/x/natd.json", err, errlen);
}

Test(natnet_store, parser_messages)
{
	struct natnet_store st;
	char err[512];

	cr_expect_eq(parse(&st, "", err, sizeof(err)), 0);
	cr_expect_eq(st.n, 0);
	natnet_store_release(&st);
	cr_expect_eq(parse(&st, "  \n", err, sizeof(err)), 0);
	natnet_store_release(&st);

	cr_expect_eq(parse(&st, "{\n \"version\": 1,\n \"natnetworks\": [\n  {\"name\": \"a\",",
			   err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "/x/natd.json: line 4"), "%s", err);

	cr_expect_eq(parse(&st, "[]", err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "expected a JSON object"), "%s", err);

	cr_expect_eq(parse(&st, "{\"version\": 9}", err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "newer"), "%s", err);

	cr_expect_eq(parse(&st, "{\"natnetworks\": [{\"name\": \"a\", \"network\": "
			   "\"10.0.0.0/24\"}, {\"name\": \"b\", \"network\": \"10.0.0.0/25\"}]}",
			   err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "natnetworks[1] (b): network 10.0.0.0/25 overlaps"), "%s", err);

	cr_expect_eq(parse(&st, "{\"natnetworks\": [{\"name\": \"a\", \"network\": "
			   "\"10.0.0.0/24\"}, {\"name\": \"a\", \"network\": \"10.1.0.0/24\"}]}",
			   err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "second network of that name"), "%s", err);

	cr_expect_eq(parse(&st, "{\"natnetworks\": [{\"name\": \"a\", \"network\": "
			   "\"10.0.0.0/24\", \"dhcp\": \"yes\"}]}", err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "natnetworks[0] (a): dhcp: expected true or false"), "%s", err);

	cr_expect_eq(parse(&st, "{\"natnetworks\": [{\"name\": \"a\", \"network\": "
			   "\"10.0.0.0/24\", \"port_forward_4\": [\"x\"]}]}", err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "port_forward_4[0] 'x'"), "%s", err);

	cr_expect_eq(parse(&st, "{\"natnetworks\": [{\"name\": \"a\", \"network\": "
			   "\"10.0.0.0/24\"}], \"other\": 1}", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(st.n, 1);
	cr_expect_eq(natnet_store_find(&st, "a"), 0);
	cr_expect_eq(natnet_store_find(&st, "b"), -1);
	natnet_store_release(&st);
}

Test(natnet_store, load_save)
{
	char home[] = "/tmp/natd-store-XXXXXX", path[128], err[512], text[4096];
	struct natnet_store st;
	struct natnet_def d = mkdef("n1", "192.168.15.0/24");
	struct stat sb;
	FILE *f;
	size_t n;

	cr_assert_not_null(mkdtemp(home));
	snprintf(path, sizeof(path), "%s/natd.json", home);
	f = fopen(path, "w");
	fputs("{\"keep\": [1, 2]}\n", f);
	fclose(f);

	cr_assert_eq(natnet_store_load(&st, home, true, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(st.n, 0);
	add_rule(&d, "ssh:tcp:[]:1022:[192.168.15.5]:22");
	cr_assert_eq(natnet_store_check_def(&st, &d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(natnet_store_put(&st, &d), 0);
	cr_assert_eq(natnet_store_save(&st, err, sizeof(err)), 0, "%s", err);
	natnet_store_release(&st);

	cr_assert_eq(stat(path, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0600);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cr_expect(strstr(text, "\"keep\""), "unknown keys kept");
	cr_expect(strstr(text, "ssh:tcp:[]:1022:[192.168.15.5]:22"), "%s", text);
	cr_expect_eq(text[n - 1], '\n');

	cr_assert_eq(natnet_store_load(&st, home, false, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(st.n, 1);
	cr_expect_eq(st.defs[0].n_rules4, 1);
	cr_expect_eq(natnet_store_save(&st, err, sizeof(err)), -ENOLCK, "save needs the lock");
	d = mkdef("n2", "192.168.0.0/16");
	cr_expect_lt(natnet_store_check_def(&st, &d, err, sizeof(err)), 0);
	cr_expect(strstr(err, "overlaps NAT network 'n1'"), "%s", err);
	d = mkdef("n2", "10.0.0.0/24");
	add_rule(&d, "other:tcp:[]:1022:[10.0.0.5]:22");
	cr_expect_lt(natnet_store_check_def(&st, &d, err, sizeof(err)), 0);
	cr_expect(strstr(err, "of NAT network 'n1'"), "%s", err);
	cr_expect_eq(natnet_store_remove(&st, "n1"), 0);
	cr_expect_eq(natnet_store_remove(&st, "n1"), -ENOENT);
	natnet_store_release(&st);

	unlink(path);
	snprintf(path, sizeof(path), "%s/natd.json.lock", home);
	unlink(path);
	rmdir(home);
}

Test(natnet_store, leases)
{
	struct natnet_def d = mkdef("n", "192.168.15.0/24");
	struct natnet_lease l[8];
	char err[256];
	const char *text =
		"{\"version\": 1, \"leases\": ["
		"{\"mac\": \"02:00:00:00:00:01\", \"ip\": \"192.168.15.4\", \"hostname\": \"a\", "
		"\"expires\": 2000},"
		"{\"mac\": \"02:00:00:00:00:02\", \"ip\": \"192.168.15.5\", \"expires\": 500},"
		"{\"mac\": \"02:00:00:00:00:03\", \"ip\": \"192.168.15.3\", \"expires\": 2000},"
		"{\"mac\": \"02:00:00:00:00:04\", \"ip\": \"10.0.0.4\", \"expires\": 2000},"
		"{\"mac\": \"02:00:00:00:00:01\", \"ip\": \"192.168.15.6\", \"expires\": 2000},"
		"{\"mac\": \"zz\", \"ip\": \"192.168.15.7\", \"expires\": 2000},"
		"{\"mac\": \"02:00:00:00:00:08\", \"ip\": \"192.168.15.8\", \"expires\": 3000}]}";

	cr_assert_eq(natnet_leases_parse(text, strlen(text), &d, 1000, l, 8, err, sizeof(err)),
		     2, "%s", err);
	cr_expect_str_eq(ip(l[0].addr), "192.168.15.4");
	cr_expect_str_eq(l[0].hostname, "a");
	cr_expect_eq(l[0].expires, 2000);
	cr_expect_str_eq(ip(l[1].addr), "192.168.15.8");
	cr_expect_eq(natnet_leases_parse(text, strlen(text), &d, 1000, l, 1, err, sizeof(err)),
		     1, "bounded by max");
	cr_expect_eq(natnet_leases_parse("{", 1, &d, 0, l, 8, err, sizeof(err)), -EINVAL);
	cr_expect_eq(natnet_leases_parse("{}", 2, &d, 0, l, 8, err, sizeof(err)), -EINVAL);
}
