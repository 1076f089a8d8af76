/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.h - `natd list KIND [--machinereadable|--json]`, VBoxManage
 * list's words: one entry of a table per kind of thing listed (vms,
 * runningvms, natnetworks, intnets, hostonlyifs, dhcpservers, bwgroups VM).
 */
#ifndef NATD_CMD_LIST_H
#define NATD_CMD_LIST_H

/* argv[0] is "list". Returns the exit status: 0 done, 1 failed (message on
 * stderr), 2 usage error (an unknown kind names the known ones). */
int cmd_list(int argc, char **argv);

#endif
