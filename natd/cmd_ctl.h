/* SPDX-License-Identifier: MIT */
/*
 * cmd_ctl.h - `natd showvminfo` and `natd controlvm`: the command-line side of
 * the control socket ($NATD_HOME/run/VM.ctl, natd/ctl.h) of a running natd.
 */
#ifndef NATD_CMD_CTL_H
#define NATD_CMD_CTL_H

/*
 * `natd showvminfo VM [--machinereadable]` (argv[0] is "showvminfo") and
 * `natd controlvm VM SUBCOMMAND [ARGS...]` (argv[0] is "controlvm").
 * Return the exit status: 0 done, 1 runtime error (message on stderr),
 * 2 usage error.
 */
int cmd_showvminfo(int argc, char **argv);
int cmd_controlvm(int argc, char **argv);

#endif
