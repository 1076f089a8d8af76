/* SPDX-License-Identifier: MIT */
/*
 * test_ctl_cmd.c - `natd showvminfo` and `natd controlvm` (natd/cmd_ctl.c)
 * against a real control-socket server (ctl_fixture.h) under a temporary
 * NATD_HOME, their output and exit status as a user sees them.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl_fixture.h"
#include "natd/cmd_ctl.h"

static void setup_cmd(void)
{
	char run[96];

	setup();
	snprintf(run, sizeof(run), "%s/run", S.dir);
	cr_assert_eq(mkdir(run, 0700), 0);
	snprintf(S.path, sizeof(S.path), "%s/vm1.ctl", run);
	setenv("NATD_HOME", S.dir, 1);
	cr_redirect_stdout();
	cr_redirect_stderr();
}

TestSuite(cmd, .init = setup_cmd, .fini = teardown, .timeout = 60);

static void start_with_cli_handlers(void)
{
	S.cli_handlers = true;
	srv_start();
}

Test(cmd, showvminfo_prints_both_forms)
{
	char *a1[] = { "showvminfo", "vm1", NULL };
	char *a2[] = { "showvminfo", "--machinereadable", "vm1", NULL };

	start_with_cli_handlers();
	cr_assert_eq(cmd_showvminfo(2, a1), 0);
	cr_assert_eq(cmd_showvminfo(3, a2), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("name: vm1\n"
				"nics[1]:\n"
				"  slot: 1\n"
				"  attach: stream:/x\n"
				"name=\"vm1\"\n"
				"nics_1_slot=1\n"
				"nics_1_attach=\"stream:/x\"\n");
}

Test(cmd, showvminfo_without_natd)
{
	char *a[] = { "showvminfo", "vm2", NULL };
	char want[300];

	cr_assert_eq(cmd_showvminfo(2, a), 1);
	fflush(stderr);
	snprintf(want, sizeof(want), "natd showvminfo: no natd is running VM 'vm2' (no %s/run/vm2.ctl)\n",
		 S.dir);
	cr_assert_stderr_eq_str(want);
}

Test(cmd, showvminfo_usage)
{
	char *none[] = { "showvminfo", NULL };
	char *two[] = { "showvminfo", "a", "b", NULL };
	char *opt[] = { "showvminfo", "vm1", "--details", NULL };
	char *bad[] = { "showvminfo", "../etc", NULL };
	char *help[] = { "showvminfo", "--help", NULL };

	cr_assert_eq(cmd_showvminfo(1, none), 2);
	cr_assert_eq(cmd_showvminfo(3, two), 2);
	cr_assert_eq(cmd_showvminfo(3, opt), 2);
	cr_assert_eq(cmd_showvminfo(2, bad), 2);
	cr_assert_eq(cmd_showvminfo(2, help), 0);
	fflush(stdout);
	cr_assert_stdout_eq_str(
		"Usage: natd showvminfo VM [--machinereadable]\n"
		"\n"
		"Shows what the natd running VM is doing: NICs, leases, port-forwarding\n"
		"rules (with connections forwarded and refused), flows, DNS and drop\n"
		"counters. It asks over $NATD_HOME/run/VM.ctl.\n"
		"\n"
		"  --machinereadable   one key=\"value\" per line (nested keys joined with '_',\n"
		"                      list items numbered from 1), as VBoxManage prints\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 done, 1 natd not running or refused, 2 usage error.\n");
}

Test(cmd, controlvm_sends_subcommand_and_argv)
{
	char *ok[] = { "controlvm", "vm1", "natpf1", "web,tcp,,8080,,80", NULL };
	char *quiet[] = { "controlvm", "vm1", "setlinkstate1", "on", NULL };
	char *refused[] = { "controlvm", "vm1", "natpf1", "delete", "x", NULL };
	char *usage[] = { "controlvm", "vm1", NULL };
	char *unknown[] = { "controlvm", "vm1", "bad", "x", NULL };
	char *value[] = { "controlvm", "vm1", "setlinkstate1", "maybe", NULL };

	start_with_cli_handlers();
	cr_assert_eq(cmd_controlvm(4, ok), 0);
	cr_assert_eq(cmd_controlvm(4, quiet), 0);
	cr_assert_eq(cmd_controlvm(5, refused), 1, "refused by natd: 1");
	cr_assert_eq(cmd_controlvm(2, usage), 2);
	/* checked before natd is asked: usage errors, 2 */
	cr_assert_eq(cmd_controlvm(4, unknown), 2);
	cr_assert_eq(cmd_controlvm(4, value), 2);
	fflush(stdout);
	fflush(stderr);
	cr_assert_stdout_eq_str("natpf1 with 1 args, first 'web,tcp,,8080,,80'\n");
	cr_assert_stderr_eq_str("natd controlvm: natpf1: no rule named 'x'\n"
				"natd controlvm: expected a VM and a subcommand (usage: natd "
				"controlvm VM SUBCOMMAND [ARGS...])\n"
				"natd controlvm: unknown controlvm subcommand 'bad' (natpf<x>, "
				"setlinkstate<x>, nicpromisc<x>, nictrace<x>, nictracefile<x>, "
				"nicbandwidthgroup<x>)\n"
				"natd controlvm: setlinkstate1: expected on or off\n");
}

Test(cmd, controlvm_on_a_natd_without_handler)
{
	char *a[] = { "controlvm", "vm1", "setlinkstate1", "off", NULL };

	srv_start();
	cr_assert_eq(cmd_controlvm(4, a), 1);
	fflush(stderr);
	cr_assert_stderr_eq_str("natd controlvm: unknown command 'controlvm'\n");
}
