/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork_internal.h - what natd/cmd_natnetwork.c and its help texts
 * (natd/cmd_natnetwork_help.c) share.
 */
#ifndef NATD_CMD_NATNETWORK_INTERNAL_H
#define NATD_CMD_NATNETWORK_INTERNAL_H

extern const char natnetwork_help[];
extern const char natnetwork_add_help[];
extern const char natnetwork_modify_help[];
extern const char natnetwork_start_help[];
extern const char natnetwork_stop_help[];
extern const char natnetwork_remove_help[];
extern const char natnetwork_list_help[];

#endif
