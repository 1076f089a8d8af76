/* SPDX-License-Identifier: MIT */
/*
 * cmd_intnet.h - `natd intnet modify --network NAME --uplink SPEC|none`:
 * the settings of an internal network (natd/intnet_store.h).
 */
#ifndef NATD_CMD_INTNET_H
#define NATD_CMD_INTNET_H

/* argv[0] is "intnet". Returns the exit status: 0 done, 1 refused or
 * failed (nothing changed), 2 usage error. */
int cmd_intnet(int argc, char **argv);

#endif
