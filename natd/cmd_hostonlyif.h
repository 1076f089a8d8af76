/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif.h - `natd hostonlyif create|ipconfig|remove` and `natd list
 * hostonlyifs`: host-only interfaces in VBoxManage hostonlyif's words
 * (definitions in natd/hostonly_store.h, the kernel side in
 * natd/hostonly.h).
 */
#ifndef NATD_CMD_HOSTONLYIF_H
#define NATD_CMD_HOSTONLYIF_H

/* argv[0] is "hostonlyif". Returns the exit status: 0 done, 1 refused or
 * failed (message on stderr, nothing changed), 2 usage error. */
int cmd_hostonlyif(int argc, char **argv);

/* `natd list hostonlyifs`: 0, or 1 when natd.json does not load. */
int hostonlyif_list(void);

#endif
