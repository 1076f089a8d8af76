/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif.h - `natd hostonlyif create|ipconfig|modify|remove` and `natd list
 * hostonlyifs`: host-only interfaces in VBoxManage hostonlyif's words
 * (definitions in natd/hostonly_store.h, the kernel side in
 * natd/hostonly.h).
 */
#ifndef NATD_CMD_HOSTONLYIF_H
#define NATD_CMD_HOSTONLYIF_H

/* argv[0] is "hostonlyif". Returns the exit status: 0 done, 1 refused or
 * failed (message on stderr, nothing changed), 2 usage error. */
int cmd_hostonlyif(int argc, char **argv);

#include <jansson.h>
#include <stddef.h>

/* `natd list hostonlyifs`: 0, or 1 when natd.json does not load. */
int hostonlyif_list(void);

/* The same as data (`natd list hostonlyifs --json`): a list of objects, a
 * new reference; NULL with err when natd.json does not load. */
json_t *hostonlyif_list_json(char *err, size_t errlen);

#endif
