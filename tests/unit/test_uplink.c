/* SPDX-License-Identifier: MIT */
/*
 * test_uplink.c - uplinks and the generic driver's properties: the text
 * forms of l2/uplink.h (parse, format, every refusal), the device spec an
 * uplink opens as (numeric addresses, the name localhost, a VDE switch path
 * that exists or not), and modes/generic.c's reading of --nicgenericdrv<x>
 * and --nicproperty<x> (one key per option or several, every missing or
 * unknown property, ports out of range).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/privport.h"
#include "l2/uplink.h"
#include "modes/generic.h"

static void round_trip(const char *text)
{
	struct uplink u;
	char err[256] = "", back[UPLINK_TEXT_MAX];

	cr_assert_eq(uplink_parse(text, &u, err, sizeof(err)), 0, "%s: %s", text, err);
	uplink_format(&u, back, sizeof(back));
	cr_expect_str_eq(back, text);
}

static void refused(const char *text, const char *msg)
{
	struct uplink u;
	char err[256] = "";

	cr_expect_eq(uplink_parse(text, &u, err, sizeof(err)), -EINVAL, "%s accepted", text);
	cr_expect_str_eq(err, msg, "%s", text);
}

Test(uplink, text_forms)
{
	struct uplink u;

	round_trip("udp:5001,198.51.100.1:5002");
	round_trip("udp:1,host.example:65535");
	round_trip("udp:5001,[2001:db8::1]:5002");
	round_trip("vde:/tmp/switch1");
	round_trip("vde:/tmp/switch1[3]");
	cr_assert_eq(uplink_parse("udp:5001,[::1]:5002", &u, NULL, 0), 0);
	cr_expect_str_eq(u.host, "::1");
	cr_expect_eq(u.lport, 5001);
	cr_expect_eq(u.rport, 5002);
	cr_expect_eq(u.kind, UPLINK_UDP);
}

Test(uplink, refusals)
{
	refused("tcp:1", "'tcp:1' is not an uplink (udp:LPORT,HOST:PORT or "
		"vde:/path/to/switch[PORT])");
	refused("udp:", "udp: expected udp:LPORT,HOST:PORT");
	refused("udp:5001", "udp: expected udp:LPORT,HOST:PORT");
	refused("udp:,h:1", "udp: missing or bad local port (udp:LPORT,HOST:PORT)");
	refused("udp:0,h:1", "udp: local port '0' is not a port 1-65535");
	refused("udp:70000,h:1", "udp: local port '70000' is not a port 1-65535");
	refused("udp:5x,h:1", "udp: local port '5x' is not a port 1-65535");
	refused("udp:1,h", "udp: missing the remote port (udp:LPORT,HOST:PORT)");
	refused("udp:1,h:", "udp: remote port '' is not a port 1-65535");
	refused("udp:1,h:65536", "udp: remote port '65536' is not a port 1-65535");
	refused("udp:1,:2", "udp: missing or too long remote host");
	refused("udp:1,::1:2", "udp: an IPv6 address goes in brackets, like "
		"udp:5001,[2001:db8::1]:5002");
	refused("udp:1,[::1]2", "udp: expected [IPV6]:PORT after the comma");
	refused("udp:1,a b:2", "udp: 'a b' is not a host name or address");
	refused("vde:", "vde: missing the switch (vde:/path/to/switch[PORT])");
	refused("vde:/a\nb", "vde: control characters in the switch path");
}

Test(uplink, device_specs)
{
	struct uplink u;
	char spec[UPLINK_SPEC_MAX], err[512] = "", dir[] = "/tmp/natd-uplink.XXXXXX", t[600];

	cr_assert_eq(uplink_parse("udp:5001,198.51.100.1:5002", &u, NULL, 0), 0);
	cr_assert_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(spec, "dgram:0.0.0.0:5001,198.51.100.1:5002");
	cr_assert_eq(uplink_parse("udp:5001,[2001:db8::7]:5002", &u, NULL, 0), 0);
	cr_assert_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(spec, "dgram:[::]:5001,[2001:db8::7]:5002");
	cr_assert_eq(uplink_parse("udp:5001,localhost:5002", &u, NULL, 0), 0);
	cr_assert_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), 0, "%s", err);
	cr_expect(!strcmp(spec, "dgram:0.0.0.0:5001,127.0.0.1:5002") ||
		  !strcmp(spec, "dgram:[::]:5001,[::1]:5002"), "localhost: %s", spec);

	cr_assert(mkdtemp(dir));
	snprintf(t, sizeof(t), "vde:%s[4]", dir);
	cr_assert_eq(uplink_parse(t, &u, NULL, 0), 0);
	cr_assert_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(spec, t, "an existing switch directory, with a port");
	rmdir(dir);
	cr_assert_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), -ENOENT);
	snprintf(t, sizeof(t), "no VDE switch at %s: No such file or directory (start one "
		 "with vde_switch -s %s)", dir, dir);
	cr_expect_str_eq(err, t);
	cr_assert_eq(uplink_parse("vde:vxvde://239.0.0.1", &u, NULL, 0), 0);
	cr_expect_eq(uplink_device_spec(&u, spec, sizeof(spec), err, sizeof(err)), 0,
		     "another libvdeplug module is not checked here");
}

/* --- the generic driver's properties ---------------------------------------- */

static struct nic_config N;

static int props(const char *drv, ...)
{
	va_list ap;
	const char *p;

	memset(&N, 0, sizeof(N));
	N.mode = NIC_MODE_GENERIC;
	snprintf(N.generic_drv, sizeof(N.generic_drv), "%s", drv ? drv : "");
	va_start(ap, drv);
	while ((p = va_arg(ap, const char *)) && N.n_props < NATD_MAX_PROPS)
		N.props[N.n_props++] = (char *)p;
	va_end(ap);
	return 0;
}

static void generic_refused(const char *msg)
{
	struct uplink u;
	char err[512] = "";

	cr_expect_lt(generic_parse(&N, 2, &u, err, sizeof(err)), 0, "accepted");
	cr_expect_str_eq(err, msg);
}

Test(generic, udptunnel_properties)
{
	struct uplink u;
	char err[512] = "";

	props("UDPTunnel", "sport=20001", "dest=127.0.0.1", "dport=20002", NULL);
	cr_assert_eq(generic_parse(&N, 2, &u, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(u.kind, UPLINK_UDP);
	cr_expect_eq(u.lport, 20001);
	cr_expect_eq(u.rport, 20002);
	cr_expect_str_eq(u.host, "127.0.0.1");
	/* several in one option; a later one wins; a bracketed IPv6 dest */
	props("UDPTunnel", "sport=20001,dest=host.example,dport=20002", "dest=[::1]", NULL);
	cr_assert_eq(generic_parse(&N, 2, &u, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(u.host, "::1");
}

Test(generic, udptunnel_refusals)
{
	props("", NULL);
	generic_refused("--nic2 generic needs --nicgenericdrv2 UDPTunnel or VDE");
	props("Slirp", NULL);
	generic_refused("--nicgenericdrv2: unknown driver 'Slirp' (UDPTunnel or VDE)");
	props("UDPTunnel", "sport=20001", NULL);
	generic_refused("--nicproperty2: the UDPTunnel driver needs sport=PORT, dest=HOST and "
			"dport=PORT (missing: dest)");
	props("UDPTunnel", "dest=h,dport=1", NULL);
	generic_refused("--nicproperty2: the UDPTunnel driver needs sport=PORT, dest=HOST and "
			"dport=PORT (missing: sport)");
	props("UDPTunnel", "sport=20001,dest=h", NULL);
	generic_refused("--nicproperty2: the UDPTunnel driver needs sport=PORT, dest=HOST and "
			"dport=PORT (missing: dport)");
	props("UDPTunnel", "sport=65536,dest=h,dport=1", NULL);
	generic_refused("--nicproperty2 sport=65536: not a UDP port (1-65535)");
	props("UDPTunnel", "sport=20001,dest=h,dport=-1", NULL);
	generic_refused("--nicproperty2 dport=-1: not a UDP port (1-65535)");
	props("UDPTunnel", "sport=20001,dest=,dport=1", NULL);
	generic_refused("--nicproperty2 dest=: not a host name or address");
	props("UDPTunnel", "sport=20001,dest=a b,dport=1", NULL);
	generic_refused("--nicproperty2 dest=a b: not a host name or address");
	props("UDPTunnel", "sport=20001,mtu=1500", NULL);
	generic_refused("--nicproperty2 mtu: unknown property 'mtu' of the UDPTunnel driver "
			"(sport, dest, dport)");
	props("UDPTunnel", "=5", NULL);
	generic_refused("--nicproperty2 '=5': expected key=value");
	props("UDPTunnel", "sport=20001,,dest=h", NULL);
	generic_refused("--nicproperty2 '': expected key=value");
}

Test(generic, privileged_source_port)
{
	struct uplink u;
	char err[512] = "";

	props("UDPTunnel", "sport=999,dest=h,dport=20002", NULL);
	if (privport_allowed(999)) {
		cr_expect_eq(generic_parse(&N, 2, &u, err, sizeof(err)), 0, "%s", err);
		return; /* this test runs with CAP_NET_BIND_SERVICE; t_udptunnel drops it */
	}
	cr_expect_eq(generic_parse(&N, 2, &u, err, sizeof(err)), -EACCES);
	cr_expect(strstr(err, "--nicproperty2 sport=999: on Unix hosts only root may bind "
			 "ports below"), "%s", err);
}

Test(generic, vde_properties)
{
	struct uplink u;
	char err[512] = "";

	props("VDE", "network=/tmp/switch1[2]", NULL);
	cr_assert_eq(generic_parse(&N, 2, &u, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(u.kind, UPLINK_VDE);
	cr_expect_str_eq(u.vde, "/tmp/switch1[2]");
	props("VDE", NULL);
	generic_refused("--nicproperty2: the VDE driver needs network=/path/to/switch[PORT] "
			"(missing: network)");
	props("VDE", "network=", NULL);
	generic_refused("--nicproperty2 network=: expected the VDE switch, /path/to/switch or "
			"/path/to/switch[PORT]");
	props("VDE", "network=/tmp/s", "sport=1", NULL);
	generic_refused("--nicproperty2 sport: unknown property 'sport' of the VDE driver "
			"(network)");
}
