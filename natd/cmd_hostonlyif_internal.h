/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif_internal.h - what natd/cmd_hostonlyif.c, its modify
 * subcommand (natd/cmd_hostonlyif_modify.c) and its help texts
 * (natd/cmd_hostonlyif_help.c) share.
 */
#ifndef NATD_CMD_HOSTONLYIF_INTERNAL_H
#define NATD_CMD_HOSTONLYIF_INTERNAL_H

extern const char hostonlyif_help[];
extern const char hostonlyif_create_help[];
extern const char hostonlyif_ipconfig_help[];
extern const char hostonlyif_remove_help[];
extern const char hostonlyif_modify_help[];

/* `natd hostonlyif modify` (natd/cmd_hostonlyif_modify.c): argv[1] is
 * "modify". The exit status. */
int hostonlyif_modify(int argc, char **argv);

#endif
