/* SPDX-License-Identifier: MIT */
/*
 * test_dhcpsrv_store.c - DHCP server definitions of internal networks and
 * host-only interfaces (natd/dhcpsrv_def.h, natd/dhcpsrv_store.h,
 * natd/dhcpsrv_leases.h): names, every refusal of the checks, what is
 * allowed, options and reservations, the exact JSON and its round trip, the
 * loader's messages, the engine configuration built from a definition,
 * natd.json load/save next to NAT networks and unknown keys, and the lease
 * file reader.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natd/dhcpsrv_leases.h"
#include "natd/dhcpsrv_store.h"

static const uint8_t MAC1[6] = { 0x08, 0x00, 0x27, 0xaa, 0xbb, 0xcc };
static const uint8_t MAC2[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x02 };

static struct in_addr A(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a;
}

static const char *ip(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int k;

	k = (k + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[k], sizeof(buf[k]));
}

/* lab: 10.9.0.1/24, range .10-.50; on the heap (the struct is large). */
static struct dhcpsrv_def *mkdef(void)
{
	struct dhcpsrv_def *d = calloc(1, sizeof(*d));
	char err[256];

	cr_assert_not_null(d);
	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_NETWORK, "lab", err, sizeof(err)), 0,
		     "%s", err);
	d->server_ip = A("10.9.0.1");
	d->netmask = A("255.255.255.0");
	d->lower_ip = A("10.9.0.10");
	d->upper_ip = A("10.9.0.50");
	cr_assert_eq(dhcpsrv_def_check(d, err, sizeof(err)), 0, "%s", err);
	return d;
}

static void expect_refused(const struct dhcpsrv_def *d, const char *text)
{
	char err[512] = "";

	cr_expect_eq(dhcpsrv_def_check(d, err, sizeof(err)), -EINVAL, "accepted, wanted '%s'",
		     text);
	cr_expect(strstr(err, text) != NULL, "'%s' does not say '%s'", err, text);
}

static void set_opt(struct dhcpsrv_def *d, uint8_t code, const char *v, bool hex)
{
	char err[256];

	cr_assert_eq(dhcpsrv_option_set(d, code, v, hex, err, sizeof(err)), 0, "%s", err);
}

Test(dhcpsrv, names)
{
	struct dhcpsrv_def *d = calloc(1, sizeof(*d));
	char err[256];

	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_NETWORK, "lab", err, sizeof(err)), 0);
	cr_expect_eq(d->kind, DHCPSRV_KIND_NETWORK);
	cr_expect(d->enabled);
	cr_expect_eq(d->lease_time, 86400);
	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_INTERFACE, "vboxnet0", err, sizeof(err)), 0);
	cr_expect_str_eq(d->network, "HostInterfaceNetworking-vboxnet0");
	cr_expect_str_eq(d->interface, "vboxnet0");
	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_NETWORK, "HostInterfaceNetworking-vboxnet3",
				      err, sizeof(err)), 0);
	cr_expect_eq(d->kind, DHCPSRV_KIND_INTERFACE);
	cr_expect_str_eq(d->interface, "vboxnet3");
	cr_expect_str_eq(dhcpsrv_hostonly_ifname("HostInterfaceNetworking-x"), "x");
	cr_expect_null(dhcpsrv_hostonly_ifname("lab"));
	cr_expect_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_NETWORK, "../x", err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "network name '../x'"));
	cr_expect_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_NETWORK, "", err, sizeof(err)), -EINVAL);
	cr_expect_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_INTERFACE, "averyveryverylongif", err,
				      sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "interface name"));
	free(d);
}

Test(dhcpsrv, addresses_refused)
{
	struct dhcpsrv_def *base = mkdef(), *d = mkdef();

	d->netmask = A("255.0.255.0");
	expect_refused(d, "netmask 255.0.255.0 is not contiguous");
	d->netmask = A("0.0.0.0");
	expect_refused(d, "not contiguous");
	d->netmask = A("255.255.255.254");
	expect_refused(d, "/30 at most");
	*d = *base;
	d->server_ip = A("10.9.0.0");
	expect_refused(d, "server IP 10.9.0.0 is the network address of the subnet 10.9.0.0/24");
	d->server_ip = A("10.9.0.255");
	expect_refused(d, "server IP 10.9.0.255 is the broadcast address");
	d->server_ip = A("127.0.0.1");
	d->netmask = A("255.0.0.0");
	expect_refused(d, "not a unicast address");
	*d = *base;
	d->lower_ip = A("10.9.1.10");
	expect_refused(d, "lower IP 10.9.1.10 is outside the subnet 10.9.0.0/24");
	*d = *base;
	d->lower_ip = A("10.9.0.0");
	expect_refused(d, "lower IP 10.9.0.0 is the network address");
	*d = *base;
	d->upper_ip = A("10.9.0.255");
	expect_refused(d, "upper IP 10.9.0.255 is the broadcast address");
	d->upper_ip = A("10.10.0.20");
	expect_refused(d, "upper IP 10.10.0.20 is outside the subnet");
	*d = *base;
	d->lower_ip = A("10.9.0.60");
	expect_refused(d, "lower IP 10.9.0.60 is above upper IP 10.9.0.50");
	*d = *base;
	d->server_ip = A("10.9.0.10");
	expect_refused(d, "server IP 10.9.0.10 is inside the range 10.9.0.10-10.9.0.50");
	d->server_ip = A("10.9.0.50");
	expect_refused(d, "inside the range");
	*d = *base;
	d->lease_time = 0;
	expect_refused(d, "lease time");
	free(base);
	free(d);
}

Test(dhcpsrv, addresses_allowed)
{
	struct dhcpsrv_def *d = mkdef();
	char err[256];

	/* the server above or below the range; a one-address range; /30 */
	d->server_ip = A("10.9.0.254");
	cr_expect_eq(dhcpsrv_def_check(d, err, sizeof(err)), 0, "%s", err);
	d->lower_ip = d->upper_ip = A("10.9.0.20");
	cr_expect_eq(dhcpsrv_def_check(d, err, sizeof(err)), 0, "%s", err);
	d->server_ip = A("192.168.56.1");
	d->netmask = A("255.255.255.252");
	d->lower_ip = d->upper_ip = A("192.168.56.2");
	cr_expect_eq(dhcpsrv_def_check(d, err, sizeof(err)), 0, "%s", err);
	free(d);
}

Test(dhcpsrv, reservations)
{
	struct dhcpsrv_def *base = mkdef(), *d;
	uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	char err[256];

	/* a fixed address outside the range (but in the subnet) is fine */
	cr_assert_eq(dhcpsrv_fixed_set(base, MAC1, A("10.9.0.7")), 0);
	cr_assert_eq(dhcpsrv_vm_fixed_set(base, "vm1", 2, A("10.9.0.20")), 0);
	cr_expect_eq(dhcpsrv_def_check(base, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(dhcpsrv_vm_fixed_find(base, "vm1", 2), 0);
	cr_expect_eq(dhcpsrv_vm_fixed_find(base, "vm1", 1), -1);
	d = mkdef();
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC2, A("10.9.1.7")), 0);
	expect_refused(d, "MAC 08:00:27:00:00:02: fixed address 10.9.1.7 is outside the subnet");
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC2, A("10.9.0.1")), 0);
	expect_refused(d, "fixed address 10.9.0.1 is the server IP");
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC2, A("10.9.0.255")), 0);
	expect_refused(d, "is the broadcast address");
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC2, A("10.9.0.7")), 0);
	expect_refused(d, "MAC 08:00:27:00:00:02: fixed address 10.9.0.7 is already reserved");
	*d = *base;
	cr_assert_eq(dhcpsrv_vm_fixed_set(d, "vm2", 1, A("10.9.0.7")), 0);
	expect_refused(d, "VM vm2 NIC 1: fixed address 10.9.0.7 is already reserved");
	*d = *base;
	d->fixed[1] = d->fixed[0];   /* as a hand-edited file could have it */
	d->fixed[1].addr = A("10.9.0.8");
	d->n_fixed = 2;
	expect_refused(d, "MAC 08:00:27:aa:bb:cc has two reservations");
	*d = *base;
	d->vm_fixed[1] = d->vm_fixed[0];
	d->vm_fixed[1].addr = A("10.9.0.21");
	d->n_vm_fixed = 2;
	expect_refused(d, "VM vm1 NIC 2 has two reservations");
	*d = *base;
	d->vm_fixed[0].nic = 9;
	expect_refused(d, "NIC number 1 to 8");
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, mcast, A("10.9.0.9")), 0);
	expect_refused(d, "is a multicast address");
	/* replacing and removing */
	*d = *base;
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC1, A("10.9.0.9")), 0);
	cr_expect_eq(d->n_fixed, 1);
	cr_expect_str_eq(ip(d->fixed[0].addr), "10.9.0.9");
	cr_expect_eq(dhcpsrv_fixed_remove(d, MAC2), -ENOENT);
	cr_expect_eq(dhcpsrv_fixed_remove(d, MAC1), 0);
	cr_expect_eq(dhcpsrv_vm_fixed_remove(d, "vm1", 1), -ENOENT);
	cr_expect_eq(dhcpsrv_vm_fixed_remove(d, "vm1", 2), 0);
	cr_expect_eq(d->n_fixed + d->n_vm_fixed, 0);
	/* at most DHCP_MAX_FIXED in all */
	for (unsigned i = 0; i < DHCP_MAX_FIXED; i++) {
		uint8_t m[6] = { 0x08, 0, 0x27, 0, 1, (uint8_t)i };

		cr_assert_eq(dhcpsrv_fixed_set(d, m, A("10.9.0.100")), 0);
	}
	cr_expect_eq(dhcpsrv_vm_fixed_set(d, "vm9", 1, A("10.9.0.101")), -ENOSPC);
	free(base);
	free(d);
}

Test(dhcpsrv, options)
{
	struct dhcpsrv_def *d = mkdef();
	char err[256];

	set_opt(d, 6, "10.9.0.1", false);
	set_opt(d, 43, "01:02", true);
	set_opt(d, 6, "10.9.0.2,10.9.0.3", false);   /* replaces */
	cr_expect_eq(d->n_opts, 2);
	cr_expect_str_eq(d->opts[0].value, "10.9.0.2,10.9.0.3");
	cr_expect_eq(d->opts[0].enc.len, 8);
	cr_expect_eq(d->opts[1].enc.len, 2);
	cr_expect(d->opts[1].hex);
	cr_expect_eq(dhcpsrv_option_set(d, 6, "not-an-address", false, err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "option 6"), "%s", err);
	cr_expect_eq(dhcpsrv_option_set(d, 53, "1", false, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "option 53 cannot be set"), "%s", err);
	cr_expect_eq(dhcpsrv_option_set(d, 43, "0x12", true, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(d->opts[0].value, "10.9.0.2,10.9.0.3", "a refused value changes nothing");
	cr_expect_eq(dhcpsrv_def_check(d, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(dhcpsrv_option_unset(d, 7), -ENOENT);
	cr_expect_eq(dhcpsrv_option_unset(d, 6), 0);
	cr_expect_eq(d->n_opts, 1);
	cr_expect_eq(d->opts[0].code, 43);
	set_opt(d, 3, "10.9.0.1,10.9.0.2", false);
	expect_refused(d, "option 3: give one router");
	set_opt(d, 3, "10.9.0.1", false);
	set_opt(d, 6, "10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.4 10.9.0.5", false);
	expect_refused(d, "option 6: at most 4 name servers");
	set_opt(d, 6, "10.9.0.1", false);
	d->opts[d->n_opts] = d->opts[0];
	d->n_opts++;
	expect_refused(d, "option 43 is set twice");
	free(d);
}

/* The definition the JSON tests use. */
static struct dhcpsrv_def *fulldef(void)
{
	struct dhcpsrv_def *d = mkdef();

	set_opt(d, 6, "10.9.0.1", false);
	set_opt(d, 43, "0102", true);
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC1, A("10.9.0.7")), 0);
	cr_assert_eq(dhcpsrv_vm_fixed_set(d, "vm1", 1, A("10.9.0.8")), 0);
	d->lease_time = 3600;
	d->enabled = false;
	return d;
}

Test(dhcpsrv, json_shape_and_round_trip)
{
	struct dhcpsrv_def *d = fulldef(), *e = calloc(1, sizeof(*e));
	json_t *j = dhcpsrv_def_to_json(d), *k;
	char err[256], *text;

	cr_assert_not_null(j);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_expect_str_eq(text,
		"{\"network\":\"lab\",\"kind\":\"network\",\"server_ip\":\"10.9.0.1\","
		"\"netmask\":\"255.255.255.0\",\"lower_ip\":\"10.9.0.10\",\"upper_ip\":\"10.9.0.50\","
		"\"enabled\":false,\"lease_time\":3600,"
		"\"options\":[{\"code\":6,\"text\":\"10.9.0.1\"},{\"code\":43,\"hex\":\"0102\"}],"
		"\"fixed\":[{\"mac\":\"08:00:27:aa:bb:cc\",\"ip\":\"10.9.0.7\"}],"
		"\"vm_fixed\":[{\"vm\":\"vm1\",\"nic\":1,\"ip\":\"10.9.0.8\"}]}");
	free(text);
	cr_assert_eq(dhcpsrv_def_from_json(j, e, err, sizeof(err)), 0, "%s", err);
	k = dhcpsrv_def_to_json(e);
	cr_expect(json_equal(j, k));
	cr_expect_eq(e->n_opts, 2);
	cr_expect_eq(e->opts[1].enc.len, 2);
	cr_expect_eq(e->opts[1].enc.data[1], 2);
	cr_expect_not(e->enabled);
	json_decref(j);
	json_decref(k);

	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_INTERFACE, "vboxnet0", err, sizeof(err)), 0);
	d->server_ip = A("192.168.56.100");
	d->netmask = A("255.255.255.0");
	d->lower_ip = A("192.168.56.101");
	d->upper_ip = A("192.168.56.254");
	j = dhcpsrv_def_to_json(d);
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_expect(!strncmp(text, "{\"network\":\"HostInterfaceNetworking-vboxnet0\",\"kind\":"
			   "\"interface\",\"interface\":\"vboxnet0\",\"server_ip\":", 100), "%s",
		  text);
	free(text);
	cr_assert_eq(dhcpsrv_def_from_json(j, e, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(e->kind, DHCPSRV_KIND_INTERFACE);
	cr_expect_str_eq(e->interface, "vboxnet0");
	json_decref(j);
	free(d);
	free(e);
}

static void expect_json_refused(const char *text, const char *why)
{
	struct dhcpsrv_def *d = calloc(1, sizeof(*d));
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	char err[512] = "";

	cr_assert_not_null(o, "%s: %s", text, je.text);
	cr_expect_eq(dhcpsrv_def_from_json(o, d, err, sizeof(err)), -EINVAL, "%s", text);
	cr_expect(strstr(err, why), "'%s' does not say '%s'", err, why);
	json_decref(o);
	free(d);
}

#define ADDRS "\"server_ip\":\"10.9.0.1\",\"netmask\":\"255.255.255.0\"," \
	      "\"lower_ip\":\"10.9.0.10\",\"upper_ip\":\"10.9.0.50\""

Test(dhcpsrv, json_refused)
{
	expect_json_refused("[]", "expected an object");
	expect_json_refused("{\"kind\":\"network\"," ADDRS "}", "network: missing");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"bridge\"," ADDRS "}", "kind:");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\",\"netmask\":"
			    "\"255.255.255.0\"}", "server_ip: missing");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\",\"server_ip\":\"x\"}",
			    "server_ip: 'x' is not an IPv4 address");
	expect_json_refused("{\"network\":\"HostInterfaceNetworking-vboxnet1\",\"kind\":"
			    "\"interface\",\"interface\":\"vboxnet0\"," ADDRS "}",
			    "is named HostInterfaceNetworking-vboxnet0");
	expect_json_refused("{\"network\":\"HostInterfaceNetworking-vboxnet1\",\"kind\":"
			    "\"network\"," ADDRS "}", "its kind is \"interface\"");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"enabled\":1}", "enabled:");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"lease_time\":0}", "lease_time:");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"options\":[{\"code\":6,\"text\":\"x\",\"hex\":\"01\"}]}",
			    "options[0]: expected \"text\" or \"hex\"");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"options\":[{\"code\":6,\"text\":\"nope\"}]}", "options[0]: option 6");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"options\":[{\"code\":0,\"hex\":\"01\"}]}", "options[0]: code");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"options\":[{\"code\":6,\"text\":\"10.0.0.1\"},"
			    "{\"code\":6,\"text\":\"10.0.0.2\"}]}", "options[1]: option 6 set twice");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"fixed\":[{\"mac\":\"zz\",\"ip\":\"10.9.0.7\"}]}", "fixed[0]: mac");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"vm_fixed\":[{\"vm\":\"a\",\"nic\":0,\"ip\":\"10.9.0.7\"}]}",
			    "vm_fixed[0]: nic");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\"," ADDRS
			    ",\"fixed\":[{\"mac\":\"08:00:27:aa:bb:cc\",\"ip\":\"10.9.0.1\"}]}",
			    "is the server IP");
	expect_json_refused("{\"network\":\"lab\",\"kind\":\"network\","
			    "\"server_ip\":\"10.9.0.1\",\"netmask\":\"255.255.0.255\","
			    "\"lower_ip\":\"10.9.0.10\",\"upper_ip\":\"10.9.0.50\"}",
			    "not contiguous");
}

Test(dhcpsrv, to_config)
{
	struct dhcpsrv_def *d = mkdef();
	struct dhcp_server_config *c = calloc(1, sizeof(*c));
	char err[256];

	cr_assert_eq(dhcpsrv_def_to_config(d, c, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(ip(c->network), "10.9.0.0");
	cr_expect_str_eq(ip(c->netmask), "255.255.255.0");
	cr_expect_str_eq(ip(c->server_id), "10.9.0.1");
	cr_expect_str_eq(ip(c->range_first), "10.9.0.10");
	cr_expect_str_eq(ip(c->range_last), "10.9.0.50");
	cr_expect_eq(c->lease_time, 86400);
	cr_expect_eq(c->router.s_addr, 0, "no option 3: no router");
	cr_expect_eq(c->n_dns, 0, "no option 6: no DNS");
	cr_expect_eq(c->n_opts, 0);
	cr_expect_eq(c->n_fixed, 0);
	cr_expect_eq(c->domain[0], '\0');
	cr_expect_eq(c->boot_file[0], '\0');

	set_opt(d, 3, "10.9.0.254", false);
	set_opt(d, 6, "10.9.0.1,1.1.1.1", false);
	set_opt(d, 15, "example.org", false);
	set_opt(d, 43, "0102", true);
	cr_assert_eq(dhcpsrv_fixed_set(d, MAC1, A("10.9.0.7")), 0);
	cr_assert_eq(dhcpsrv_vm_fixed_set(d, "vm1", 1, A("10.9.0.8")), 0);
	d->lease_time = 600;
	cr_assert_eq(dhcpsrv_def_to_config(d, c, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(ip(c->router), "10.9.0.254");
	cr_expect_eq(c->n_dns, 2);
	cr_expect_str_eq(ip(c->dns[0]), "10.9.0.1");
	cr_expect_str_eq(ip(c->dns[1]), "1.1.1.1");
	cr_expect_eq(c->lease_time, 600);
	cr_assert_eq(c->n_opts, 2, "options 3 and 6 are not repeated in opts[]");
	cr_expect_eq(c->opts[0].code, 15);
	cr_expect_eq(c->opts[0].len, 11);
	cr_expect_eq(memcmp(c->opts[0].data, "example.org", 11), 0);
	cr_expect_eq(c->opts[1].code, 43);
	cr_expect_eq(c->opts[1].len, 2);
	cr_assert_eq(c->n_fixed, 1, "VM reservations wait for the VM's MAC");
	cr_expect_eq(memcmp(c->fixed[0].mac, MAC1, 6), 0);
	cr_expect_str_eq(ip(c->fixed[0].addr), "10.9.0.7");

	/* the daemon adds VM reservations as VMs join */
	cr_expect_eq(dhcpsrv_config_add_vm(d, c, "vm2", 1, MAC2), 0);
	cr_expect_eq(dhcpsrv_config_add_vm(d, c, "vm1", 2, MAC2), 0);
	cr_expect_eq(dhcpsrv_config_add_vm(d, c, "vm1", 1, MAC1), -EEXIST);
	cr_expect_eq(dhcpsrv_config_add_vm(d, c, "vm1", 1, MAC2), 1);
	cr_expect_eq(dhcpsrv_config_add_vm(d, c, "vm1", 1, MAC2), 1, "again: no duplicate");
	cr_assert_eq(c->n_fixed, 2);
	cr_expect_str_eq(ip(c->fixed[1].addr), "10.9.0.8");

	d->lower_ip = A("10.9.0.0");
	cr_expect_eq(dhcpsrv_def_to_config(d, c, err, sizeof(err)), -EINVAL);
	free(c);
	free(d);
}

static char *mkhome(void)
{
	static char home[64];

	snprintf(home, sizeof(home), "/tmp/natd-dhcpsrv-XXXXXX");
	cr_assert_not_null(mkdtemp(home));
	return home;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void cleanup(const char *home)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	cr_expect_eq(system(cmd), 0);
}

Test(dhcpsrv, store_keeps_nat_networks_and_unknown_keys)
{
	const char *home = mkhome();
	struct dhcpsrv_def *d = fulldef(), *e = mkdef();
	struct natnet_store st;
	struct dhcpsrv_store ds;
	char path[128], err[512];
	json_t *before, *after;

	snprintf(path, sizeof(path), "%s/natd.json", home);
	write_file(path, "{\"version\": 1, \"other_tool\": {\"keep\": [1, 2]},\n"
			 " \"natnetworks\": [{\"name\": \"n1\", \"network\": \"10.2.0.0/24\"}]}\n");
	cr_assert_eq(dhcpsrv_store_load(&st, &ds, home, true, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(ds.n, 0);
	before = json_deep_copy(json_object_get(st.root, "natnetworks"));
	cr_assert_eq(dhcpsrv_store_put(&ds, d), 0);
	/* a second server on the same subnet, another network: VirtualBox allows it */
	cr_assert_eq(dhcpsrv_def_init(e, DHCPSRV_KIND_NETWORK, "lab2", err, sizeof(err)), 0);
	e->server_ip = d->server_ip;
	e->netmask = d->netmask;
	e->lower_ip = d->lower_ip;
	e->upper_ip = d->upper_ip;
	cr_assert_eq(dhcpsrv_store_put(&ds, e), 0);
	cr_assert_eq(dhcpsrv_store_save(&st, &ds, err, sizeof(err)), 0, "%s", err);
	dhcpsrv_store_release(&st, &ds);

	cr_assert_eq(dhcpsrv_store_load(&st, &ds, home, false, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(ds.n, 2);
	cr_expect_eq(dhcpsrv_store_find(&ds, "lab"), 0);
	cr_expect_eq(dhcpsrv_store_find(&ds, "lab2"), 1);
	cr_expect_eq(dhcpsrv_store_find(&ds, "nope"), -1);
	cr_expect_eq(ds.defs[0].n_vm_fixed, 1);
	cr_expect_eq(st.n, 1, "the NAT network is still there");
	cr_expect_not_null(json_object_get(json_object_get(st.root, "other_tool"), "keep"));
	after = json_object_get(st.root, "natnetworks");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(after, 0), "network")),
			 json_string_value(json_object_get(json_array_get(before, 0), "network")));
	json_decref(before);
	cr_expect_eq(dhcpsrv_store_remove(&ds, "lab"), 0);
	cr_expect_eq(dhcpsrv_store_remove(&ds, "lab"), -ENOENT);
	cr_expect_eq(dhcpsrv_store_find(&ds, "lab2"), 0);
	dhcpsrv_store_release(&st, &ds);
	cleanup(home);
	free(d);
	free(e);
}

Test(dhcpsrv, store_bad_entry_named_and_file_kept)
{
	const char *home = mkhome();
	struct natnet_store st;
	struct dhcpsrv_store ds;
	char path[128], err[512], *was;
	static const char text[] =
		"{\"dhcpservers\": [{\"network\": \"lab\", \"kind\": \"network\", " ADDRS "},\n"
		"  {\"network\": \"lab2\", \"kind\": \"network\", \"server_ip\": \"10.9.0.1\", "
		"\"netmask\": \"255.255.255.0\", \"lower_ip\": \"10.9.1.10\", "
		"\"upper_ip\": \"10.9.0.50\"}]}\n";

	snprintf(path, sizeof(path), "%s/natd.json", home);
	write_file(path, text);
	cr_expect_eq(dhcpsrv_store_load(&st, &ds, home, true, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "natd.json: dhcpservers[1] (lab2): lower IP 10.9.1.10 is outside"),
		  "%s", err);
	cr_expect_eq(st.lock_fd, -1, "nothing held after a failed load");
	was = slurp(path);
	cr_expect_str_eq(was, text);
	write_file(path, "{\"dhcpservers\": [{\"network\": \"lab\", \"kind\": \"network\", " ADDRS
			 "}, {\"network\": \"lab\", \"kind\": \"network\", " ADDRS "}]}");
	cr_expect_eq(dhcpsrv_store_load(&st, &ds, home, false, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "dhcpservers[1] (lab): a second server"), "%s", err);
	write_file(path, "{\"dhcpservers\": {}}");
	cr_expect_eq(dhcpsrv_store_load(&st, &ds, home, false, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "dhcpservers: expected a list"), "%s", err);
	cleanup(home);
}

Test(dhcpsrv, paths)
{
	struct dhcpsrv_def *d = mkdef();
	char p[256], err[256];

	cr_assert_eq(dhcpsrv_leases_path("/h", d, p, sizeof(p)), 0);
	cr_expect_str_eq(p, "/h/intnet-lab.leases.json");
	cr_assert_eq(dhcpsrv_ctl_path("/h", d, p, sizeof(p)), 0);
	cr_expect_str_eq(p, "/h/run/intnet/lab.ctl");
	cr_assert_eq(dhcpsrv_def_init(d, DHCPSRV_KIND_INTERFACE, "vboxnet0", err, sizeof(err)), 0);
	cr_assert_eq(dhcpsrv_leases_path("/h", d, p, sizeof(p)), 0);
	cr_expect_str_eq(p, "/h/hostonly-vboxnet0.leases.json");
	cr_assert_eq(dhcpsrv_ctl_path("/h", d, p, sizeof(p)), 0);
	cr_expect_str_eq(p, "/h/run/hostonly/vboxnet0.ctl");
	cr_expect_eq(dhcpsrv_ctl_path("/h", d, p, 8), -ENAMETOOLONG);
	free(d);
}

Test(dhcpsrv, leases)
{
	struct dhcpsrv_def *d = mkdef();
	struct dhcpsrv_lease l;
	const char *home = mkhome();
	char err[256], path[128];
	static const char text[] =
		"{\"version\": 1, \"leases\": ["
		"{\"mac\": \"08:00:27:aa:bb:cc\", \"ip\": \"10.9.0.11\", \"hostname\": \"a\", "
		"\"expires\": 1500},"
		"{\"mac\": \"08:00:27:AA:BB:CC\", \"ip\": \"10.9.0.12\", \"hostname\": \"b\", "
		"\"expires\": 2000, \"issued\": 1900, \"state\": \"offered\"},"
		"{\"mac\": \"bogus\", \"ip\": \"10.9.0.13\", \"expires\": 3000},"
		"{\"mac\": \"08:00:27:00:00:02\", \"ip\": \"10.9.0.14\", \"expires\": 900}]}";

	cr_assert_eq(dhcpsrv_leases_find_text(text, strlen(text), d, MAC1, 1000, &l, err,
					      sizeof(err)), 1, "%s", err);
	cr_expect_str_eq(ip(l.addr), "10.9.0.12", "the latest to expire");
	cr_expect_eq(l.issued, 1900);
	cr_expect_eq(l.expires, 2000);
	cr_expect_str_eq(l.state, "offered");
	cr_expect_str_eq(l.hostname, "b");
	cr_assert_eq(dhcpsrv_leases_find_text(text, strlen(text), d, MAC2, 1000, &l, err,
					      sizeof(err)), 1);
	cr_expect_str_eq(l.state, "expired");
	cr_expect_eq(l.issued, 900 - 86400, "issued: a lease time before it expires");
	cr_expect_str_eq(ip(l.addr), "10.9.0.14");
	cr_assert_eq(dhcpsrv_leases_find_text(text, strlen(text), d, (uint8_t[6]){ 1 }, 1000, &l,
					      err, sizeof(err)), 0);
	cr_expect_eq(dhcpsrv_leases_find_text("{", 1, d, MAC1, 0, &l, err, sizeof(err)), -EINVAL);
	cr_expect_eq(dhcpsrv_leases_find_text("{}", 2, d, MAC1, 0, &l, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "leases: expected a list"), "%s", err);

	cr_expect_eq(dhcpsrv_leases_find(home, d, MAC1, 1000, &l, err, sizeof(err)), 0,
		     "no lease file: no lease");
	snprintf(path, sizeof(path), "%s/intnet-lab.leases.json", home);
	write_file(path, text);
	cr_expect_eq(dhcpsrv_leases_find(home, d, MAC1, 1000, &l, err, sizeof(err)), 1, "%s", err);
	write_file(path, "not json");
	cr_expect_eq(dhcpsrv_leases_find(home, d, MAC1, 1000, &l, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "intnet-lab.leases.json: line 1"), "%s", err);
	cleanup(home);
	free(d);
}
