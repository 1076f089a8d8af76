/* SPDX-License-Identifier: MIT */
/*
 * test_device_spec.c - device_spec_check(): good attach specs pass, bad ones
 * fail with -EINVAL and a one-line reason.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "devices/device.h"

static void good(const char *spec)
{
	char err[256] = "";

	cr_expect_eq(device_spec_check(spec, err, sizeof(err)), 0, "%s: %s", spec, err);
}

static void bad(const char *spec, const char *msg)
{
	char err[256] = "";

	cr_expect_eq(device_spec_check(spec, err, sizeof(err)), -EINVAL, "%s", spec);
	cr_expect_str_eq(err, msg, "%s", spec);
	cr_expect_null(strchr(err, '\n'));
}

Test(spec, good_specs)
{
	good("tap:tap0");
	good("tap:natd-vm1.0");
	good("fd:3");
	good("fd:0");
	good("stream:/run/natd/vm.sock");
	good("stream:relative.sock");
	good("stream-connect:/tmp/x.sock");
	good("vhost-user:/tmp/x.sock");
	good("dgram:127.0.0.1:5555,127.0.0.1:5556");
	good("dgram:[::1]:5555,[::1]:5556");
	good("dgram:0.0.0.0:1,10.0.0.1:65535");
	good("vde:/tmp/switch1");
	good("vde:/tmp/switch1[3]");
	good("vde:vxvde://239.0.0.1");
}

Test(spec, bad_specs)
{
	bad("", "empty attach spec");
	bad("tap", "tap: expected TYPE:ARGUMENT (tap:, fd:, stream:, stream-connect:, dgram:, vde:, vhost-user:)");
	bad("vdx:/x", "vdx: unknown attach type (want tap:, fd:, stream:, stream-connect:, dgram:, vde:, vhost-user:)");
	bad("vde:", "vde: missing the switch (vde:/path/to/switch[PORT])");
	bad("vde:/a\tb", "vde: control characters in the switch name");
	bad("tap:", "tap: missing interface name");
	bad("tap:abcdefghijklmnop", "tap: interface name 'abcdefghijklmnop' longer than 15 bytes");
	bad("tap:a/b", "tap: bad character in interface name 'a/b'");
	bad("tap:a b", "tap: bad character in interface name 'a b'");
	bad("fd:", "fd: missing file descriptor number");
	bad("fd:x", "fd: 'x' is not a file descriptor number");
	bad("fd:-1", "fd: '-1' is not a file descriptor number");
	bad("fd:99999999999", "fd: '99999999999' is not a file descriptor number");
	bad("stream:", "stream: missing socket path");
	bad("stream-connect:", "stream-connect: missing socket path");
	bad("vhost-user:", "vhost-user: missing socket path");
	bad("dgram:", "dgram: expected LADDR:LPORT,RADDR:RPORT");
	bad("dgram:127.0.0.1:5555", "dgram: missing ',RADDR:RPORT' (remote address)");
	bad("dgram:127.0.0.1:5555,127.0.0.1", "dgram: missing remote port");
	bad("dgram:127.0.0.1:5555,127.0.0.1:", "dgram: missing remote port");
	bad("dgram:127.0.0.1,127.0.0.1:1", "dgram: missing local port");
	bad("dgram:127.0.0.1:0,127.0.0.1:1", "dgram: local port 0 out of range 1-65535");
	bad("dgram:127.0.0.1:70000,127.0.0.1:1", "dgram: local port 70000 out of range 1-65535");
	bad("dgram:127.0.0.1:5x,127.0.0.1:1", "dgram: bad local port '5x'");
	bad("dgram:1.2.3:5,127.0.0.1:1", "dgram: bad local IPv4 address '1.2.3'");
	bad("dgram:::1:5,127.0.0.1:1",
	    "dgram: local IPv6 address must be in brackets, like [::1]:5555");
	bad("dgram:[::1:5,127.0.0.1:1", "dgram: missing ']' in local address");
	bad("dgram:[::1]:5,127.0.0.1:1",
	    "dgram: local and remote addresses are of different families");
	bad("dgram:[zz]:5,[::1]:1", "dgram: bad local IPv6 address 'zz'");
	bad("dgram:1.1.1.1:1,2.2.2.2:2,3", "dgram: expected LADDR:LPORT,RADDR:RPORT");
	bad("dgram::5,1.1.1.1:1", "dgram: missing or bad local address");
}

Test(spec, long_stream_path)
{
	char spec[300], err[256];

	memset(spec, 'a', sizeof(spec));
	memcpy(spec, "stream:/", 8);
	spec[sizeof(spec) - 1] = '\0';
	cr_assert_eq(device_spec_check(spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "stream: socket path longer than 107 bytes");
}

Test(spec, open_reports_check_errors)
{
	uv_loop_t loop;
	struct device *dev = (struct device *)1;
	struct device_handler h = { 0 };
	char err[256];

	h.frame = (void (*)(void *, const uint8_t *, size_t))(uintptr_t)1;
	uv_loop_init(&loop);
	cr_assert_eq(device_open(&loop, "dgram:1.2.3.4:5", &h, &dev, err, sizeof(err)),
		     -EINVAL);
	cr_assert_null(dev);
	cr_assert_str_eq(err, "dgram: missing ',RADDR:RPORT' (remote address)");
	cr_assert_eq(uv_loop_close(&loop), 0);
}
