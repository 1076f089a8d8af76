/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver_internal.h - what natd/cmd_dhcpserver.c, its option parser
 * (natd/cmd_dhcpserver_parse.c) and its help texts (natd/cmd_dhcpserver_help.c)
 * share.
 */
#ifndef NATD_CMD_DHCPSERVER_INTERNAL_H
#define NATD_CMD_DHCPSERVER_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "natd/dhcpsrv_def.h"

#define DHCPSRV_CLI_MAX_OPS 256

enum op_kind { OP_SERVER_IP, OP_NETMASK, OP_LOWER, OP_UPPER, OP_ENABLE, OP_SET_OPT,
	       OP_UNSET_OPT, OP_LEASE, OP_FIXED_MAC, OP_FIXED_VM, OP_REMOVE_MAC,
	       OP_REMOVE_VM };

struct op {
	enum op_kind kind;
	struct in_addr addr;
	bool on;                  /* OP_ENABLE; OP_SET_OPT: hex */
	uint8_t code;
	const char *value;        /* OP_SET_OPT (an argv string) */
	uint32_t lease;
	uint8_t mac[6];
	const char *vm;
	unsigned nic;
};

struct args {
	const char *sub;
	bool defs;                /* add, modify */
	const char *network, *interface;
	struct dhcpsrv_def d;     /* the server named; its name only */
	bool server_ip, netmask, lower, upper;
	bool have_mac;
	uint8_t mac[6];           /* findlease */
	struct op ops[DHCPSRV_CLI_MAX_OPS];
	unsigned n_ops;
};

/* Reads argv[2..] of `natd dhcpserver SUB` into a (whose sub and defs the
 * caller sets), in order. Returns 0, 1 for --help, or 2 after printing a
 * usage error. */
int dhcpsrv_cli_parse(struct args *a, int argc, char **argv);

extern const char dhcpserver_help[];
extern const char dhcpserver_add_help[];
extern const char dhcpserver_modify_help[];
extern const char dhcpserver_remove_help[];
extern const char dhcpserver_start_help[];
extern const char dhcpserver_stop_help[];
extern const char dhcpserver_restart_help[];
extern const char dhcpserver_findlease_help[];

#endif
