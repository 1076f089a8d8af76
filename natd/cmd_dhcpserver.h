/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver.h - `natd dhcpserver ...`: DHCP servers of internal
 * networks and host-only interfaces in VBoxManage dhcpserver's words
 * (definitions in natd/dhcpsrv_store.h, leases in natd/dhcpsrv_leases.h).
 */
#ifndef NATD_CMD_DHCPSERVER_H
#define NATD_CMD_DHCPSERVER_H

/* argv[0] is "dhcpserver". Returns the exit status: 0 done, 1 refused or
 * failed (message on stderr, nothing changed), 2 usage error. */
int cmd_dhcpserver(int argc, char **argv);

#endif
