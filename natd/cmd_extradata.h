/* SPDX-License-Identifier: MIT */
/*
 * cmd_extradata.h - `natd setextradata|getextradata global KEY`, the
 * manual's words for the one extra-data key natd knows:
 * NAT/NAME/SourceIp4, NAT network NAME's --source-ip4.
 */
#ifndef NATD_CMD_EXTRADATA_H
#define NATD_CMD_EXTRADATA_H

/* argv[0] is "setextradata". The exit status: 0 done, 1 refused (nothing
 * changed), 2 usage error. */
int cmd_setextradata(int argc, char **argv);
/* argv[0] is "getextradata". */
int cmd_getextradata(int argc, char **argv);

#endif
