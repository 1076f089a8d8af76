/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver_internal.h - what natd/cmd_dhcpserver.c and its help texts
 * (natd/cmd_dhcpserver_help.c) share.
 */
#ifndef NATD_CMD_DHCPSERVER_INTERNAL_H
#define NATD_CMD_DHCPSERVER_INTERNAL_H

extern const char dhcpserver_help[];
extern const char dhcpserver_add_help[];
extern const char dhcpserver_modify_help[];
extern const char dhcpserver_remove_help[];
extern const char dhcpserver_start_help[];
extern const char dhcpserver_stop_help[];
extern const char dhcpserver_restart_help[];
extern const char dhcpserver_findlease_help[];

#endif
