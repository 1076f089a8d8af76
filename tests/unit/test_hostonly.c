/* SPDX-License-Identifier: MIT */
/*
 * test_hostonly.c - host-only interfaces without the kernel: names and
 * VirtualBox's defaults, the checks of a definition, overlaps with other
 * host-only interfaces and NAT networks (IPv4 and IPv6), the DHCP server's
 * default layout and fit, the JSON form and the "hostonlyifs" list of
 * natd.json, and the parser of rtnetlink link messages (devices/hostif.h)
 * on messages built here.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "devices/hostif.h"
#include "natd/hostonly_store.h"

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a;
}

static struct hostonly_def def(const char *name, const char *ip, const char *mask)
{
	struct hostonly_def d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.ip = ip4(ip);
	d.netmask = ip4(mask);
	return d;
}

static void set6(struct hostonly_def *d, const char *a, unsigned len)
{
	cr_assert_eq(inet_pton(AF_INET6, a, &d->ip6), 1);
	d->has_ip6 = true;
	d->prefixlen6 = len;
}

Test(hostonly_def, names)
{
	cr_expect_eq(hostonly_index("vboxnet0"), 0);
	cr_expect_eq(hostonly_index("vboxnet127"), 127);
	cr_expect_eq(hostonly_index("vboxnet128"), -1);
	cr_expect_eq(hostonly_index("vboxnet01"), -1, "no leading zero");
	cr_expect_eq(hostonly_index("vboxnet"), -1);
	cr_expect_eq(hostonly_index("vboxnet1x"), -1);
	cr_expect_eq(hostonly_index("eth0"), -1);
	cr_expect_eq(hostif_name_check("vboxnet0"), 0);
	cr_expect_eq(hostif_name_check(""), -EINVAL);
	cr_expect_eq(hostif_name_check("a/b"), -EINVAL);
	cr_expect_eq(hostif_name_check("0123456789abcdef"), -EINVAL, "16 bytes");
}

Test(hostonly_def, virtualbox_defaults)
{
	struct hostonly_def d;
	uint8_t mac[6];
	char buf[32];

	hostonly_def_init(&d, 0);
	cr_expect_str_eq(d.name, "vboxnet0");
	hostonly_format_ip(&d, buf, sizeof(buf));
	cr_expect_str_eq(buf, "192.168.56.1/24");
	hostonly_mac(&d, mac);
	cr_expect_arr_eq(mac, ((uint8_t[]){ 0x0a, 0, 0x27, 0, 0, 0 }), 6);
	hostonly_def_init(&d, 5);
	hostonly_format_ip(&d, buf, sizeof(buf));
	cr_expect_str_eq(buf, "192.168.61.1/24");
	hostonly_mac(&d, mac);
	cr_expect_eq(mac[5], 5);
	cr_expect_eq(hostonly_def_check(&d, buf, sizeof(buf)), 0);
	cr_expect(!d.has_ip6);
}

Test(hostonly_def, checks)
{
	char err[256];
	struct hostonly_def d = def("vboxnet0", "192.168.56.1", "255.255.255.0");

	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), 0, "%s", err);
	d = def("eth0", "192.168.56.1", "255.255.255.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL);
	d = def("vboxnet0", "192.168.56.0", "255.255.255.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "network address");
	cr_expect(strstr(err, "network address"));
	d = def("vboxnet0", "192.168.56.255", "255.255.255.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "broadcast");
	d = def("vboxnet0", "127.0.0.5", "255.0.0.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "loopback");
	d = def("vboxnet0", "224.0.0.5", "255.255.255.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "multicast");
	d = def("vboxnet0", "192.168.56.1", "255.0.255.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "not contiguous");
	d = def("vboxnet0", "192.168.56.1", "255.255.255.254");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "/31");
	d = def("vboxnet0", "10.1.2.3", "255.0.0.0");
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), 0, "/8 is fine");
	set6(&d, "fd00:56::1", 64);
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), 0, "%s", err);
	set6(&d, "fe80::1", 64);
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "link-local");
	set6(&d, "ff02::1", 64);
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "multicast");
	set6(&d, "fd00:56::1", 4);
	cr_expect_eq(hostonly_def_check(&d, err, sizeof(err)), -EINVAL, "prefix too short");
}

Test(hostonly_def, overlaps)
{
	struct hostonly_def a = def("vboxnet0", "192.168.56.1", "255.255.255.0");
	struct hostonly_def b = def("vboxnet1", "192.168.57.1", "255.255.255.0");
	struct natnet_def n;

	cr_expect(!hostonly_overlap(&a, &b));
	b = def("vboxnet1", "192.168.0.1", "255.255.0.0");
	cr_expect(hostonly_overlap(&a, &b), "a /16 holding the /24");
	b = def("vboxnet1", "10.0.0.1", "255.0.0.0");
	set6(&a, "fd00:56::1", 64);
	cr_expect(!hostonly_overlap(&a, &b), "b has no IPv6");
	set6(&b, "fd00:56::9", 64);
	cr_expect(hostonly_overlap(&a, &b), "same IPv6 prefix");
	set6(&b, "fd00:57::9", 64);
	cr_expect(!hostonly_overlap(&a, &b));
	set6(&b, "fd00::9", 16);
	cr_expect(hostonly_overlap(&a, &b), "a /16 IPv6 prefix holding the /64");

	natnet_def_init(&n, "nn");
	n.network = ip4("192.168.56.0");
	n.prefixlen = 24;
	cr_expect(hostonly_overlap_natnet(&a, &n));
	n.network = ip4("192.168.60.0");
	cr_expect(!hostonly_overlap_natnet(&a, &n));
	/* NAT network 192.168.60.0/24 with IPv6: fd17:625c:f037:a83c::/64. */
	n.ipv6 = true;
	set6(&a, "fd17:625c:f037:a83c::1", 64);
	cr_expect(hostonly_overlap_natnet(&a, &n), "the NAT network's IPv6 prefix");
	n.ipv6 = false;
	cr_expect(!hostonly_overlap_natnet(&a, &n), "only with --ipv6 on");
}

static void layout(const char *ip, const char *mask, int rc, const char *srv, const char *lo,
		   const char *hi)
{
	struct hostonly_def d = def("vboxnet0", ip, mask);
	struct in_addr s, l, h;
	char a[INET_ADDRSTRLEN];

	cr_assert_eq(hostonly_dhcp_layout(&d, &s, &l, &h), rc, "%s/%s", ip, mask);
	if (rc)
		return;
	cr_expect_str_eq(inet_ntop(AF_INET, &s, a, sizeof(a)), srv);
	cr_expect_str_eq(inet_ntop(AF_INET, &l, a, sizeof(a)), lo);
	cr_expect_str_eq(inet_ntop(AF_INET, &h, a, sizeof(a)), hi);
}

Test(hostonly_def, dhcp_layout)
{
	layout("192.168.56.1", "255.255.255.0", 0, "192.168.56.100", "192.168.56.101",
	       "192.168.56.254");
	layout("10.58.0.1", "255.255.0.0", 0, "10.58.0.100", "10.58.0.101", "10.58.0.254");
	layout("192.168.56.1", "255.255.255.128", 0, "192.168.56.64", "192.168.56.65",
	       "192.168.56.126");
	layout("192.168.56.1", "255.255.255.248", 0, "192.168.56.4", "192.168.56.5",
	       "192.168.56.6");
	layout("192.168.56.1", "255.255.255.252", -ENOSPC, NULL, NULL, NULL);
	layout("192.168.56.100", "255.255.255.0", -ENOSPC, NULL, NULL, NULL);
	layout("192.168.56.200", "255.255.255.0", -ENOSPC, NULL, NULL, NULL);
	layout("192.168.56.99", "255.255.255.0", 0, "192.168.56.100", "192.168.56.101",
	       "192.168.56.254");
}

Test(hostonly_def, dhcp_fit)
{
	struct hostonly_def d = def("vboxnet0", "192.168.56.1", "255.255.255.0");
	struct dhcpsrv_def s;
	char err[256];

	cr_assert_eq(dhcpsrv_def_init(&s, DHCPSRV_KIND_INTERFACE, "vboxnet0", err, sizeof(err)), 0);
	s.netmask = d.netmask;
	cr_assert_eq(hostonly_dhcp_layout(&d, &s.server_ip, &s.lower_ip, &s.upper_ip), 0);
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), 0, "%s", err);
	s.lower_ip = ip4("192.168.56.1");
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "holds the host's address"), "%s", err);
	s.lower_ip = ip4("192.168.56.101");
	s.netmask = ip4("255.255.0.0");
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), -EINVAL, "other netmask");
	s.netmask = d.netmask;
	s.server_ip = d.ip;
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), -EINVAL, "server is the host");
	s.server_ip = ip4("192.168.57.100");
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), -EINVAL, "other subnet");
	s.server_ip = ip4("192.168.56.100");
	cr_assert_eq(dhcpsrv_fixed_set(&s, (uint8_t[]){ 8, 0, 0x27, 0, 0, 1 }, d.ip), 0);
	cr_expect_eq(hostonly_dhcp_check(&d, &s, err, sizeof(err)), -EINVAL, "reservation");
}

Test(hostonly_store, json_round_trip)
{
	struct hostonly_def d = def("vboxnet3", "192.168.59.1", "255.255.255.0"), e;
	char err[256];
	json_t *o;

	o = hostonly_def_to_json(&d);
	cr_assert_not_null(o);
	cr_expect_null(json_object_get(o, "ipv6"), "no IPv6 key without an address");
	cr_expect_eq(hostonly_def_from_json(o, &e, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(memcmp(&d, &e, sizeof(d)), 0);
	json_decref(o);
	set6(&d, "fd00:59::1", 64);
	o = hostonly_def_to_json(&d);
	cr_expect_str_eq(json_string_value(json_object_get(o, "ipv6")), "fd00:59::1");
	cr_expect_eq(hostonly_def_from_json(o, &e, err, sizeof(err)), 0, "%s", err);
	cr_expect(e.has_ip6 && e.prefixlen6 == 64);
	cr_expect_eq(memcmp(&d.ip6, &e.ip6, 16), 0);
	json_decref(o);
}

static int parse(const char *text, struct hostonly_store *hs, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	int rc;

	cr_assert_not_null(root, "%s", je.text);
	rc = hostonly_store_parse(hs, root, "natd.json", err, errlen);
	json_decref(root);
	return rc;
}

Test(hostonly_store, list)
{
	struct hostonly_store hs = { 0 };
	struct hostonly_def d = def("vboxnet1", "192.168.57.1", "255.255.255.0");
	char err[512];

	cr_expect_eq(parse("{}", &hs, err, sizeof(err)), 0);
	cr_expect_eq(hs.n, 0);
	cr_expect_eq(parse("{\"hostonlyifs\": [{\"name\": \"vboxnet0\", \"ip\": \"192.168.56.1\","
			   "\"netmask\": \"255.255.255.0\"}]}", &hs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(hs.n, 1);
	cr_expect_eq(hostonly_store_find(&hs, "vboxnet0"), 0);
	cr_expect_eq(hostonly_store_find(&hs, "vboxnet1"), -1);
	cr_expect_eq(hostonly_store_put(&hs, &d), 0);
	cr_expect_eq(hs.n, 2);
	d.ip = ip4("192.168.57.2");
	cr_expect_eq(hostonly_store_put(&hs, &d), 0, "replaces");
	cr_expect_eq(hs.n, 2);
	cr_expect_eq(hs.defs[1].ip.s_addr, d.ip.s_addr);
	cr_expect_eq(hostonly_store_remove(&hs, "vboxnet0"), 0);
	cr_expect_eq(hostonly_store_remove(&hs, "vboxnet0"), -ENOENT);
	cr_expect_eq(hostonly_store_find(&hs, "vboxnet1"), 0);
	hostonly_store_free(&hs);

	cr_expect_eq(parse("{\"hostonlyifs\": {}}", &hs, err, sizeof(err)), -EINVAL);
	cr_expect_eq(parse("{\"hostonlyifs\": [{\"name\": \"vboxnet0\", \"ip\": \"192.168.56.1\","
			   "\"netmask\": \"255.255.255.0\"}, {\"name\": \"vboxnet0\", \"ip\": "
			   "\"192.168.57.1\", \"netmask\": \"255.255.255.0\"}]}", &hs, err,
			   sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "defined twice"), "%s", err);
	cr_expect_eq(parse("{\"hostonlyifs\": [{\"name\": \"vboxnet0\", \"ip\": \"192.168.56.1\","
			   "\"netmask\": \"255.255.255.0\", \"ipv6_prefixlen\": 64}]}", &hs, err,
			   sizeof(err)), -EINVAL, "prefix length without address");
	cr_expect(strstr(err, "hostonlyifs[0] (vboxnet0): ipv6"), "%s", err);
	cr_expect_eq(hs.n, 0, "nothing kept after an error");
}

/* --- rtnetlink link messages --------------------------------------------------- */

struct msg {
	uint8_t buf[1024];
	size_t len;
};

static void add_link(struct msg *m, uint16_t type, int ifindex, const uint8_t *mac,
		     const uint32_t *promisc)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(m->buf + m->len);
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct rtattr *a;

	memset(nh, 0, NLMSG_SPACE(sizeof(*ifi)));
	nh->nlmsg_type = type;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi->ifi_index = ifindex;
	if (mac) {
		a = (struct rtattr *)((uint8_t *)nh + NLMSG_ALIGN(nh->nlmsg_len));
		a->rta_type = IFLA_ADDRESS;
		a->rta_len = RTA_LENGTH(6);
		memcpy(RTA_DATA(a), mac, 6);
		nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(6);
	}
	if (promisc) {
		a = (struct rtattr *)((uint8_t *)nh + NLMSG_ALIGN(nh->nlmsg_len));
		a->rta_type = IFLA_PROMISCUITY;
		a->rta_len = RTA_LENGTH(4);
		memcpy(RTA_DATA(a), promisc, 4);
		nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(4);
	}
	m->len += NLMSG_ALIGN(nh->nlmsg_len);
}

Test(hostif_watch, parse)
{
	static const uint8_t mac[6] = { 0x0a, 0, 0x27, 0, 0, 7 };
	struct hostif_link l;
	struct msg m = { .len = 0 };
	uint32_t one = 1, zero = 0;

	add_link(&m, RTM_NEWLINK, 3, NULL, &one);           /* another interface */
	add_link(&m, RTM_NEWLINK, 7, mac, &one);
	cr_expect_eq(hostif_watch_parse(m.buf, m.len, 7, &l), 1);
	cr_expect(l.have_mac && l.have_promiscuity && !l.gone);
	cr_expect_eq(l.promiscuity, 1);
	cr_expect_arr_eq(l.mac, mac, 6);
	add_link(&m, RTM_NEWLINK, 7, NULL, &zero);           /* the last one wins */
	cr_expect_eq(hostif_watch_parse(m.buf, m.len, 7, &l), 2);
	cr_expect_eq(l.promiscuity, 0);
	cr_expect_eq(hostif_watch_parse(m.buf, m.len, 9, &l), 0, "nothing about 9");
	add_link(&m, RTM_DELLINK, 7, NULL, NULL);
	cr_expect_eq(hostif_watch_parse(m.buf, m.len, 7, &l), 3);
	cr_expect(l.gone);

	/* Truncations: a whole message short of its length, an attribute
	 * running past its message. */
	m.len = 0;
	add_link(&m, RTM_NEWLINK, 7, mac, &one);
	cr_expect_eq(hostif_watch_parse(m.buf, m.len - 4, 7, &l), -EBADMSG);
	((struct rtattr *)(m.buf + NLMSG_SPACE(sizeof(struct ifinfomsg))))->rta_len = 200;
	cr_expect_eq(hostif_watch_parse(m.buf, m.len, 7, &l), -EBADMSG);
	cr_expect_eq(hostif_watch_parse(m.buf, 3, 7, &l), 0, "less than a header: nothing");
}
