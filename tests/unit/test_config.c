/* SPDX-License-Identifier: MIT */
/* Unit tests for natd/config.c: option parsing, defaults, derived addresses. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "natd/config.h"
#include "modes/nic_model.h"

static struct natd_config cfg;
static char err[512];

static void setup(void)
{
	setenv("NATD_HOME", "/tmp/natd-unit-home", 1);
	config_init(&cfg);
	err[0] = '\0';
}

static void teardown(void)
{
	config_free(&cfg);
}

TestSuite(config, .init = setup, .fini = teardown);

/* Runs config_parse_run + config_finish on a NULL-terminated argument list. */
static int run_args(const char *first, ...)
{
	char *argv[64];
	int argc = 0, rc;
	va_list ap;

	argv[argc++] = (char *)"run";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	rc = config_parse_run(&cfg, argc, argv, err, sizeof(err));
	if (rc == 0)
		rc = config_finish(&cfg, err, sizeof(err));
	return rc;
}

static const char *ip(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

Test(config, embedded_default)
{
	cr_assert_eq(run_args(NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "default");
	cr_assert_eq(cfg.nic[0].mode, NIC_MODE_NAT);
	cr_assert_str_eq(cfg.nic[0].attach, "stream:/tmp/natd-unit-home/run/default.sock");
	cr_assert_str_eq(ip(cfg.nic[0].nat.network), "10.0.2.0");
	cr_assert_str_eq(ip(cfg.nic[0].nat.gateway), "10.0.2.2");
	cr_assert_str_eq(ip(cfg.nic[0].nat.dns), "10.0.2.3");
	cr_assert_str_eq(ip(cfg.nic[0].nat.tftp), "10.0.2.4");
	cr_assert_str_eq(ip(cfg.nic[0].nat.guest_first), "10.0.2.15");
	cr_assert_str_eq(ip(cfg.nic[0].nat.guest_last), "10.0.2.254");
	cr_assert_eq(cfg.nic[0].nat.mtu, 1500);
	cr_assert_eq(cfg.nic[1].mode, NIC_MODE_NONE);
}

Test(config, second_nic_network_and_default_socket)
{
	cr_assert_eq(run_args("--name", "vm1", "--nic2", "nat", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].configured, false);
	cr_assert_str_eq(ip(cfg.nic[1].nat.network), "10.0.3.0");
	cr_assert_str_eq(ip(cfg.nic[1].nat.gateway), "10.0.3.2");
	cr_assert_str_eq(cfg.nic[1].attach, "stream:/tmp/natd-unit-home/run/vm1-nic2.sock");
}

Test(config, natnet_and_equals_form)
{
	cr_assert_eq(run_args("--nic1=nat", "--natnet1=192.168.50.0/23", NULL), 0, "%s", err);
	cr_assert_str_eq(ip(cfg.nic[0].nat.gateway), "192.168.50.2");
	cr_assert_str_eq(ip(cfg.nic[0].nat.guest_last), "192.168.51.254");
	cr_assert_str_eq(ip(cfg.nic[0].nat.netmask), "255.255.254.0");
}

/* A NAT adapter's network is unicast: loopback, "this" and multicast are refused */
Test(config, natnet_rejects_non_unicast)
{
	static const char *const bad[] = { "127.1.0.0/24", "224.1.0.0/24", "0.0.0.0/8",
					   "240.0.0.0/8" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown();
		setup();
		cr_assert_lt(run_args("--nic1", "nat", "--natnet1", bad[i], NULL), 0, "%s", bad[i]);
		cr_assert(strstr(err, "is not a unicast network"), "%s: %s", bad[i], err);
	}
	teardown();
	setup();
	cr_assert_eq(run_args("--nic1", "nat", "--natnet1", "10.0.0.0/8", NULL), 0, "%s", err);
}

Test(config, natsettings_fields)
{
	cr_assert_eq(run_args("--nic1", "nat", "--nictype1", "82545EM", "--natsettings1",
			      "9000,64,128,,0", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].nat.mtu, 9000);
	cr_assert_eq(cfg.nic[0].nat.sock_snd, 64);
	cr_assert_eq(cfg.nic[0].nat.sock_rcv, 128);
	cr_assert_eq(cfg.nic[0].nat.tcp_snd, 0);
	cr_assert_eq(cfg.nic[0].nat.tcp_rcv, 0);
}

/* tcpsnd and tcprcv would be accepted and ignored: lwIP's windows are fixed */
Test(config, natsettings_rejects_tcp_windows)
{
	cr_assert_lt(run_args("--nic1", "nat", "--natsettings1", "1500,64,128,,256", NULL), 0);
	cr_assert(strstr(err, "--natsettings1: tcprcv 256: natd's TCP windows are lwIP's"),
		  "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "nat", "--natsettings1", "1500,,,64", NULL), 0);
	cr_assert(strstr(err, "tcpsnd 64"), "%s", err);
}

Test(config, natsettings_rejects)
{
	cr_assert_lt(run_args("--nic1", "nat", "--natsettings1", "100", NULL), 0);
	cr_assert(strstr(err, "mtu 100 out of range"), "%s", err);
	setup();
	cr_assert_lt(run_args("--nic1", "nat", "--natsettings1", "1500,x", NULL), 0);
	cr_assert(strstr(err, "socksnd must be a number"), "%s", err);
	setup();
	cr_assert_lt(run_args("--nic1", "nat", "--natsettings1", "1,2,3,4,5,6", NULL), 0);
	cr_assert(strstr(err, "too many fields"), "%s", err);
}

Test(config, mac_forms)
{
	uint8_t m[6];

	cr_assert_eq(config_parse_mac("080027AABBCC", m), 0);
	cr_assert_eq(m[0], 0x08);
	cr_assert_eq(m[5], 0xcc);
	cr_assert_eq(config_parse_mac("52:54:00:12:34:56", m), 0);
	cr_assert_eq(m[4], 0x34);
	cr_assert_eq(config_parse_mac("52-54-00-12-34-57", m), 0);
	cr_assert_eq(m[5], 0x57);
	cr_assert_lt(config_parse_mac("01:00:5e:00:00:01", m), 0, "multicast");
	cr_assert_lt(config_parse_mac("52:54:00:12:34", m), 0);
	cr_assert_lt(config_parse_mac("52:54:00:12:34:5g", m), 0);
	cr_assert_lt(config_parse_mac("52:54-00:12:34:56", m), 0);
}

Test(config, cidr)
{
	struct in_addr a;
	unsigned len;

	cr_assert_eq(config_parse_cidr("10.0.2.0/24", &a, &len), 0);
	cr_assert_eq(len, 24);
	cr_assert_lt(config_parse_cidr("10.0.2.0", &a, &len), 0);
	cr_assert_lt(config_parse_cidr("10.0.2.0/33", &a, &len), 0);
	cr_assert_lt(config_parse_cidr("10.0.2.0/", &a, &len), 0);
	cr_assert_lt(config_parse_cidr("10.0.2.0/-1", &a, &len), 0);
	cr_assert_lt(config_parse_cidr("/24", &a, &len), 0);
	cr_assert_lt(config_parse_cidr("10.0.2.0/24x", &a, &len), 0);
}

Test(config, refusals_name_the_option)
{
	static const struct { const char *a, *b, *msg; } cases[] = {
		{ "--nic1", "bogus", "--nic1: unknown mode 'bogus'" },
		{ "--nic0", "nat", "adapter number must be 1 to 8" },
		{ "--nictype1", "rtl8139", "--nictype1: unknown NIC type" },
		{ "--nicpromisc1", "some", "--nicpromisc1: expected deny" },
		{ "--cableconnected1", "yes", "--cableconnected1: expected on or off" },
		{ "--nattftpserver1", "1.2.3", "--nattftpserver1: '1.2.3' is not an IPv4" },
		{ "--nicgenericdrv1", "Foo", "--nicgenericdrv1: unknown driver" },
		{ "--nicproperty1", "novalue", "--nicproperty1: expected key=value" },
		{ "--frob", "x", "unknown option '--frob'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		cr_assert_lt(run_args(cases[i].a, cases[i].b, NULL), 0, "%s accepted", cases[i].a);
		cr_assert(strstr(err, cases[i].msg), "%s: got '%s'", cases[i].a, err);
		teardown();
	}
}

/* Last on the line without a value: an unknown option is still unknown,
 * only a known one lacks its value. */
Test(config, last_option_unknown_or_missing_value)
{
	static const struct { const char *a, *msg; } cases[] = {
		{ "--frob", "unknown option '--frob' (see natd run --help)" },
		{ "--frob2", "unknown option '--frob2' (see natd run --help)" },
		{ "--nictype1", "--nictype1: missing value" },
		{ "--max-tcp-flows", "--max-tcp-flows: missing value" },
		{ "--sandbox", "--sandbox: missing value" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		cr_assert_lt(run_args("--nic1", "nat", cases[i].a, NULL), 0, "%s accepted",
			     cases[i].a);
		cr_assert_str_eq(err, cases[i].msg, "%s", cases[i].a);
		teardown();
	}
}

/* Two adapters with one MAC: refused naming both; adapters left none do
 * not count (config_finish sees them as none). */
Test(config, one_mac_two_adapters)
{
	cr_assert_lt(run_args("--nic1", "nat", "--nic3", "null", "--macaddress1", "080027aabbcc",
			      "--macaddress3", "08:00:27:AA:BB:CC", NULL), 0);
	cr_assert_str_eq(err, "--macaddress1 and --macaddress3 are the same (08:00:27:aa:bb:cc): "
			 "give each adapter its own MAC address");
	teardown();
	setup();
	cr_assert_eq(run_args("--nic1", "nat", "--nic2", "null", "--macaddress1", "080027aabbcc",
			      "--macaddress2", "080027aabbcd", NULL), 0, "%s", err);
}

Test(config, natpf_rules)
{
	cr_assert_eq(run_args("--nic1", "nat", "--natpf1", "web,tcp,,8080,,80",
			      "--natpf1", ",udp,127.0.0.1,5353,10.0.2.15,53", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].nat.n_natpf, 2);
	cr_assert_str_eq(cfg.nic[0].nat.natpf[0].name, "web");
	cr_assert_str_eq(cfg.nic[0].nat.natpf[1].name, "udp-5353", "generated name");
	cr_assert_eq(cfg.nic[0].nat.natpf[1].guest_port, 53);
}

Test(config, natpf_bad_rules_name_the_field)
{
	static const struct {
		const char *rule, *msg;
	} cases[] = {
		{ "web,tcp,,0,,80", "host port '0'" },
		{ "web,tcp,,8080,,70000", "guest port '70000'" },
		{ "web,icmp,,8080,,80", "protocol 'icmp'" },
		{ "web,tcp,1.2.3,8080,,80", "host address '1.2.3'" },
		{ "web,tcp,,8080,,80,1", "6 comma-separated" },
		{ "web,tcp,,8080,ff02::1,80", "guest address 'ff02::1'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_lt(run_args("--nic1", "nat", "--natpf1", cases[i].rule, NULL), 0,
			     "%s accepted", cases[i].rule);
		cr_assert(strstr(err, cases[i].msg), "%s: got '%s'", cases[i].rule, err);
		cr_assert(strstr(err, "--natpf1"), "%s: got '%s'", cases[i].rule, err);
		teardown();
	}
	cr_assert_lt(run_args("--nic1", "nat", "--natpf1", "web,tcp,,8080,,80", "--natpf1",
			      "web,udp,,8081,,81", NULL), 0);
	cr_assert(strstr(err, "'web'"), "%s", err);
	teardown();
	cr_assert_lt(run_args("--nic1", "nat", "--natpf1", "a,tcp,,8080,,80", "--natpf1",
			      "b,tcp,127.0.0.1,8080,,81", NULL), 0);
	cr_assert(strstr(err, "already used by rule 'a'"), "%s", err);
}

Test(config, null_mode_and_cable)
{
	cr_assert_eq(run_args("--nic1", "null", "--nic2", "nat", "--cableconnected2", "off", NULL),
		     0, "%s", err);
	cr_assert_eq(cfg.nic[0].mode, NIC_MODE_NULL);
	cr_assert_eq(cfg.nic[1].cable_connected, false);
}

Test(config, help_returns_one)
{
	cr_assert_eq(run_args("--nic1", "nat", "--help", NULL), 1);
}

Test(config, qemu_models)
{
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_VIRTIO), "virtio-net-pci");
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_82540EM), "e1000");
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_AM79C973), "pcnet");
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_AM79C970A), "pcnet");
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_82543GC), "e1000-82544gc");
	cr_assert_str_eq(adapter_type_qemu_model(NIC_TYPE_82545EM), "e1000-82545em");
}

/* The model decides offloads and the MTU natd accepts. */
Test(config, nic_model_offloads_and_mtu)
{
	cr_assert_eq(run_args("--nic1", "nat", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].type, NIC_TYPE_AM79C973, "VirtualBox's default");
	cr_assert_not(cfg.nic[0].nat.offload, "PCnet: no offloads");
	static const char *const with[] = { "82540EM", "82543GC", "82545EM", "virtio" };
	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		setup();
		cr_assert_eq(run_args("--nic1", "nat", "--nictype1", with[i], NULL), 0, "%s", err);
		cr_assert(cfg.nic[0].nat.offload, "%s takes offloads", with[i]);
	}
	/* PCnet: 1500 at most, refused naming both options; either order. */
	setup();
	cr_assert_eq(run_args("--nic1", "nat", "--natsettings1", "1500", NULL), 0, "%s", err);
	setup();
	cr_assert_lt(run_args("--natsettings1", "1501", "--nictype1", "Am79C970A", NULL), 0);
	cr_assert(strstr(err, "--natsettings1: mtu 1501 needs jumbo frames"), "%s", err);
	cr_assert(strstr(err, "--nictype1 Am79C970A"), "%s", err);
	setup();
	cr_assert_lt(run_args("--nic2", "nat", "--natsettings2", "9000", NULL), 0);
	cr_assert(strstr(err, "--natsettings2: mtu 9000") && strstr(err, "Am79C973"), "%s", err);
	/* Intel: up to 16110; virtio up to natd's 65520. */
	setup();
	cr_assert_eq(run_args("--nictype1", "82540em", "--natsettings1", "16110", NULL), 0, "%s",
		     err);
	setup();
	cr_assert_lt(run_args("--nictype1", "82540EM", "--natsettings1", "16111", NULL), 0);
	cr_assert(strstr(err, "--natsettings1: mtu 16111 is more than --nictype1 82540EM"), "%s",
		  err);
	setup();
	cr_assert_eq(run_args("--nictype1", "virtio", "--natsettings1", "65520", NULL), 0, "%s",
		     err);
}

/* Frame limits: the model's, or the attachment's when it takes less. */
Test(config, nic_model_frame_limits)
{
	cr_assert_eq(run_args("--nic1", "nat", "--nic2", "intnet", "--nictype3", "82545EM",
			      "--nic3", "intnet", "--intnet3", "b", "--nictype4", "virtio",
			      "--nic4", "nat", "--natsettings4", "9000", "--nic5", "intnet",
			      "--nictype5", "virtio", "--nictype6", "82545EM", "--nic6", "nat",
			      NULL), 0, "%s", err);
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[0]), 1514);
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[1]), 1514);
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[2]), 16124, "Intel on a switch");
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[3]), 9014, "NAT: the MTU");
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[4]), 65549);
	cr_assert_eq(nic_model_frame_limit(&cfg.nic[5]), 1514, "Intel on NAT at MTU 1500");
}

/* Default MACs: 08:00:27, stable for a VM and adapter, distinct otherwise. */
Test(config, default_macs)
{
	uint8_t a1[6], a2[6], b1[6];
	char buf[18];

	cr_assert_eq(run_args("--name", "vmA", "--nic1", "nat", "--nic2", "intnet", NULL), 0,
		     "%s", err);
	memcpy(a1, cfg.nic[0].mac, 6);
	memcpy(a2, cfg.nic[1].mac, 6);
	cr_assert_not(cfg.nic[0].mac_set);
	cr_assert_eq(memcmp(a1, "\x08\x00\x27", 3), 0, "%s", nic_model_format_mac(a1, buf));
	cr_assert_eq(memcmp(a2, "\x08\x00\x27", 3), 0);
	cr_assert_neq(memcmp(a1, a2, 6), 0, "two adapters of one VM");
	setup();
	cr_assert_eq(run_args("--name", "vmA", "--nic1", "nat", NULL), 0, "%s", err);
	cr_assert_eq(memcmp(cfg.nic[0].mac, a1, 6), 0, "same VM and adapter: same MAC");
	setup();
	cr_assert_eq(run_args("--name", "vmB", "--nic1", "nat", NULL), 0, "%s", err);
	memcpy(b1, cfg.nic[0].mac, 6);
	cr_assert_neq(memcmp(b1, a1, 6), 0, "another VM");
	/* --macaddress wins; auto is the default; a derived MAC moves off a given one */
	setup();
	cr_assert_eq(run_args("--name", "vmA", "--macaddress1", "08:00:27:00:00:01",
			      "--macaddress2", "auto", "--nic2", "intnet", NULL), 0, "%s", err);
	cr_assert_str_eq(nic_model_format_mac(cfg.nic[0].mac, buf), "08:00:27:00:00:01");
	cr_assert_eq(memcmp(cfg.nic[1].mac, a2, 6), 0);
	setup();
	cr_assert_eq(run_args("--name", "vmA", "--macaddress1", nic_model_format_mac(a2, buf),
			      "--nic2", "intnet", NULL), 0, "%s", err);
	cr_assert_eq(memcmp(cfg.nic[0].mac, a2, 6), 0);
	cr_assert_neq(memcmp(cfg.nic[1].mac, a2, 6), 0, "adapter 2 moved off adapter 1's MAC");
	cr_assert_eq(memcmp(cfg.nic[1].mac, "\x08\x00\x27", 3), 0);
}

Test(config, tftp_defaults_follow_home_name_and_network)
{
	cr_assert_eq(run_args("--name", "vm7", "--nic2", "nat", NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.nic[1].nat.tftp_prefix, "/tmp/natd-unit-home/TFTP");
	cr_assert_str_eq(cfg.nic[1].nat.tftp_file, "vm7.pxe");
	cr_assert_str_eq(ip(cfg.nic[1].nat.tftp_server), "10.0.3.4");
	cr_assert(!cfg.nic[1].nat.tftp_prefix_set && !cfg.nic[1].nat.tftp_file_set &&
		  !cfg.nic[1].nat.tftp_server_set);
}

Test(config, tftp_options)
{
	cr_assert_eq(run_args("--nic1", "nat", "--nattftpprefix1", "/tmp", "--nattftpfile1",
			      "pxelinux.0", "--nattftpserver1", "192.0.2.69", NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.nic[0].nat.tftp_prefix, "/tmp");
	cr_assert_str_eq(cfg.nic[0].nat.tftp_file, "pxelinux.0");
	cr_assert_str_eq(ip(cfg.nic[0].nat.tftp_server), "192.0.2.69");
	cr_assert(cfg.nic[0].nat.tftp_prefix_set && cfg.nic[0].nat.tftp_file_set &&
		  cfg.nic[0].nat.tftp_server_set);
	setup();
	cr_assert_eq(run_args("--natnet1", "10.9.0.0/16", "--nattftpserver1", "10.9.0.4", NULL),
		     0, "natd's own TFTP address: %s", err);
}

Test(config, tftp_refusals)
{
	static char longname[200];
	static const struct { const char *a, *b, *msg; } cases[] = {
		{ "--nattftpprefix1", "/nonexistent/tftp", "--nattftpprefix1: /nonexistent/tftp: "
		  "No such file or directory" },
		{ "--nattftpprefix1", "/etc/passwd", "is not a directory" },
		{ "--nattftpserver1", "127.0.0.1", "cannot reach the host's loopback" },
		{ "--nattftpserver1", "224.0.0.1", "not a unicast address" },
		{ "--nattftpserver1", "0.0.0.0", "not a unicast address" },
		{ "--nattftpserver1", "10.0.2.9", "only natd's TFTP address 10.0.2.4" },
		{ "--nattftpserver1", "10.0.2.255", "only natd's TFTP address" },
		{ "--nattftpfile1", "a\tb", "control characters" },
		{ "--nattftpfile1", longname, "1 to 127 bytes" },
	};

	memset(longname, 'f', 128);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		cr_assert_lt(run_args("--nic1", "nat", cases[i].a, cases[i].b, NULL), 0,
			     "%s %s accepted", cases[i].a, cases[i].b);
		cr_assert(strstr(err, cases[i].msg), "%s: got '%s'", cases[i].a, err);
		teardown();
	}
}

static const char *ip6(const struct in6_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET6, a, buf[i], sizeof(buf[i]));
}

Test(config, ipv6_addresses_from_the_third_octet)
{
	cr_assert_eq(run_args("--nic1", "nat", "--nic2", "nat", "--nic3", "nat",
			      "--natnet3", "192.168.10.0/24", NULL), 0, "%s", err);
	cr_assert_str_eq(ip6(&cfg.nic[0].nat.prefix6), "fd17:625c:f037:2::");
	cr_assert_str_eq(ip6(&cfg.nic[0].nat.gateway6), "fd17:625c:f037:2::2");
	cr_assert_str_eq(ip6(&cfg.nic[0].nat.dns6), "fd17:625c:f037:2::3");
	cr_assert_str_eq(ip6(&cfg.nic[1].nat.prefix6), "fd17:625c:f037:3::");
	cr_assert_str_eq(ip6(&cfg.nic[2].nat.prefix6), "fd17:625c:f037:a::", "10 as the group's value");
	cr_assert_eq(cfg.nic[0].nat.ipv6_default, TRI_DEFAULT);
}

Test(config, same_ipv6_prefix_refused)
{
	cr_assert_lt(run_args("--nic1", "nat", "--nic2", "nat", "--natnet2", "192.168.2.0/24",
			      NULL), 0);
	cr_assert(strstr(err, "same IPv6 prefix fd17:625c:f037:2::/64"), "%s", err);
}

Test(config, natipv6default)
{
	cr_assert_eq(run_args("--nic1", "nat", "--natipv6default1", "on", "--nic2", "nat",
			      "--natipv6default2", "off", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].nat.ipv6_default, TRI_ON);
	cr_assert_eq(cfg.nic[1].nat.ipv6_default, TRI_OFF);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "nat", "--natipv6default1", "maybe", NULL), 0);
	cr_assert(strstr(err, "--natipv6default1"), "%s", err);
}

Test(config, adapter_one_defaults_to_nat_when_named_by_other_options)
{
	cr_assert_eq(run_args("--attach1", "stream:/tmp/x.sock", "--nattftpprefix1", "/tmp", NULL),
		     0, "%s", err);
	cr_assert_eq(cfg.nic[0].mode, NIC_MODE_NAT);
	cr_assert_str_eq(cfg.nic[0].attach, "stream:/tmp/x.sock");
	setup();
	cr_assert_lt(run_args("--attach2", "stream:/tmp/y.sock", NULL), 0, "adapter 2 is none");
	cr_assert(strstr(err, "--nic2 is none"), "%s", err);
	setup();
	cr_assert_eq(run_args("--nic1", "none", "--nic2", "nat", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].mode, NIC_MODE_NONE);
	/* any option of an adapter left none is refused, not ignored */
	teardown();
	setup();
	cr_assert_lt(run_args("--nictype3", "virtio", NULL), 0, "adapter 3 is none");
	cr_assert(strstr(err, "--nictype3 given but --nic3 is none"), "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--cableconnected4", "off", NULL), 0, "adapter 4 is none");
	cr_assert(strstr(err, "--cableconnected4 given but --nic4 is none"), "%s", err);
}

/* A stored adapter disabled for one run (run --name VM --nic2 none after its
 * stored settings): what came before --nic2 none is dropped, not refused. */
Test(config, nic_none_drops_earlier_settings)
{
	cr_assert_eq(run_args("--nic2", "nat", "--attach2", "stream:/tmp/y.sock", "--natpf2",
			      "a,tcp,,8080,,80", "--nictype2", "virtio", "--nic2", "none", NULL),
		     0, "%s", err);
	cr_assert_eq(cfg.nic[1].mode, NIC_MODE_NONE);
	cr_assert_str_eq(cfg.nic[1].attach, "");
	cr_assert_eq(cfg.nic[1].nat.n_natpf, 0);
	teardown();
	setup();
	cr_assert_eq(run_args("--nic2", "generic", "--nicgenericdrv2", "VDE", "--nicproperty2",
			      "network=/tmp/sw", "--nic2", "none", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[1].n_props, 0);
}

/* Every option given either works or is refused: another mode's settings
 * are refused, naming the option. */
/* Bridged adapters: their two properties, no NAT, no packet: transport. */
Test(config, bridged_options)
{
	cr_assert_eq(run_args("--nic1", "bridged", "--bridgeadapter1", "eth0", "--nicproperty1",
			      "wireless=on", "--nicproperty1", "hostreach=off", NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.nic[0].bridge_adapter, "eth0");
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "bridged", "--bridgeadapter1", "eth0", "--nicproperty1",
			      "a=b", NULL), 0);
	cr_assert(strstr(err, "a bridged adapter has two properties"), "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "bridged", "--bridgeadapter1", "eth0", "--nicproperty1",
			      "hostreach=yes", NULL), 0);
	cr_assert(strstr(err, "expected hostreach=on or hostreach=off"), "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "bridged", "--bridgeadapter1", "eth0", "--natpf1",
			      "a,tcp,,8080,,80", NULL), 0);
	cr_assert(strstr(err, "a bridged adapter has no NAT"), "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "bridged", "--bridgeadapter1", "eth0", "--attach1",
			      "packet:eth0", NULL), 0);
	cr_assert(strstr(err, "not a VM's transport"), "%s", err);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "nat", "--attach1", "packet:eth0", NULL), 0);
	cr_assert(strstr(err, "not a VM's transport"), "%s", err);
}

Test(config, other_modes_options_refused)
{
	static const struct {
		const char *a[4];
		const char *why;
	} cases[] = {
		{ { "--nic1", "intnet", "--natdnsproxy1", "off" }, "--natdnsproxy1: a setting of nat" },
		{ { "--nic1", "null", "--nattftpprefix1", "/tmp" }, "--nattftpprefix1: a setting" },
		{ { "--nic2", "none", "--natsettings2", "9000" }, "--natsettings2 given but --nic2 is none" },
		{ { "--nic3", "none", "--nictype3", "virtio" }, "--nictype3 given but --nic3 is none" },
		{ { "--nic1", "nat", "--intnet1", "lab" }, "--intnet1: only with --nic1 intnet" },
		{ { "--nic1", "intnet", "--nat-network1", "n" }, "--nat-network1: only with" },
		{ { "--nic1", "nat", "--bridgeadapter1", "eth0" }, "--bridgeadapter1: only with --nic1 bridged" },
		{ { "--nic1", "bridged", "--attach1", "tap:t0" }, "needs --bridgeadapter1" },
		{ { "--nic1", "bridged", "--bridgeadapter1", "a/b" }, "is not an interface name" },
		{ { "--nic1", "nat", "--nicpromisc1", "deny" }, "is on no switch" },
		{ { "--nic1", "nat", "--nicgenericdrv1", "VDE" }, "--nicgenericdrv1: only with --nic1 generic" },
		{ { "--nic1", "intnet", "--nicproperty1", "a=b" }, "--nicproperty1: only with --nic1 generic or bridged" },
		{ { "--nic1", "generic", "--nicgenericdrv1", "VDE" }, "the VDE driver needs network=" },
		{ { "--nic1", "generic", "--natpf1", "a,tcp,,8080,,80" }, "a generic adapter has no NAT" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown();
		setup();
		cr_assert_lt(run_args(cases[i].a[0], cases[i].a[1], cases[i].a[2], cases[i].a[3],
				      NULL), 0, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].why), "case %zu: %s", i, err);
	}
	teardown();
	setup();
	cr_assert_eq(run_args("--nic1", "intnet", "--intnet1", "lab", "--nicpromisc1",
			      "allow-vms", NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.nic[0].intnet, "lab");
	teardown();
	setup();
	cr_assert_eq(run_args("--nic1", "intnet", NULL), 0, "%s", err);
	cr_assert_str_eq(cfg.nic[0].intnet, "intnet", "VirtualBox's default name");
	teardown();
	setup();
	cr_assert_eq(run_args("--nic1", "generic", "--nicgenericdrv1", "UDPTunnel",
			      "--nicproperty1", "sport=20001,dest=127.0.0.1", "--nicproperty1",
			      "dport=20002", NULL), 0, "%s", err);
	cr_assert_eq(cfg.nic[0].n_props, 2);
	teardown();
	setup();
	cr_assert_lt(run_args("--nic1", "generic", "--nicgenericdrv1", "VDE", "--nicproperty1",
			      "network=/tmp/s", "--nicpromisc1", "deny", NULL), 0);
	cr_assert(strstr(err, "--nicpromisc1: a generic adapter is on no switch"), "%s", err);
}

Test(config, max_tcp_buffer)
{
	size_t v;

	cr_assert_eq(cfg.max_tcp_buffer, (size_t)64 << 20, "default 64 MiB");
	cr_assert_eq(run_args("--max-tcp-buffer", "2M", NULL), 0, "%s", err);
	cr_assert_eq(cfg.max_tcp_buffer, (size_t)2 << 20);
	cr_assert_eq(run_args("--max-tcp-buffer=1048576", NULL), 0, "%s", err);
	cr_assert_eq(cfg.max_tcp_buffer, (size_t)1 << 20);
	cr_assert_eq(run_args("--max-tcp-buffer", "4g", NULL), 0, "%s", err);
	cr_assert_eq(cfg.max_tcp_buffer, (size_t)4 << 30);
	for (const char *const *bad = (const char *const[]){ "512k", "65G", "", "-1", "2MB", "M",
							      "1.5M", "99999999999999999999",
							      "18014398509481984k", NULL };
	     *bad; bad++) {
		cr_assert_eq(run_args("--max-tcp-buffer", *bad, NULL), -EINVAL, "'%s' accepted", *bad);
		cr_assert(strstr(err, "--max-tcp-buffer"), "%s", err);
	}
	cr_assert_eq(config_parse_size("7", &v), 0);
	cr_assert_eq(v, 7);
	cr_assert_eq(config_parse_size("3K", &v), 0);
	cr_assert_eq(v, 3072);
	cr_assert_eq(config_parse_size(" 3K", &v), -EINVAL);
}
