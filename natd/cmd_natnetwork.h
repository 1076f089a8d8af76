/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork.h - `natd natnetwork ...`: NAT networks in VBoxManage
 * natnetwork's words (definitions in natd/natnet_store.h, the background
 * service in natd/natnet_service.h).
 */
#ifndef NATD_CMD_NATNETWORK_H
#define NATD_CMD_NATNETWORK_H

/* argv[0] is "natnetwork". Returns the exit status: 0 done, 1 refused or
 * failed (message on stderr, nothing changed), 2 usage error. */
int cmd_natnetwork(int argc, char **argv);

#endif
