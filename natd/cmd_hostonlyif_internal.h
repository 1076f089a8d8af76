/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostonlyif_internal.h - what natd/cmd_hostonlyif.c and its help texts
 * (natd/cmd_hostonlyif_help.c) share.
 */
#ifndef NATD_CMD_HOSTONLYIF_INTERNAL_H
#define NATD_CMD_HOSTONLYIF_INTERNAL_H

extern const char hostonlyif_help[];
extern const char hostonlyif_create_help[];
extern const char hostonlyif_ipconfig_help[];
extern const char hostonlyif_remove_help[];

#endif
