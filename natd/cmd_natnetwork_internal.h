/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork_internal.h - what natd/cmd_natnetwork.c and its help texts
 * (natd/cmd_natnetwork_help.c) share, and the parser of its options
 * (natd/cmd_natnetwork_parse.c; also for the fuzz target).
 */
#ifndef NATD_CMD_NATNETWORK_INTERNAL_H
#define NATD_CMD_NATNETWORK_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "forwarders/pfrule.h"
#include "natd/natnet_def.h"

/* The options of one natnetwork command, in the order given. */
#define NATNET_MAX_OPS 256

enum natnet_op_kind { OP_NETWORK, OP_ENABLE, OP_DHCP, OP_IPV6, OP_IPV6_DEFAULT, OP_PF_ADD,
			   OP_PF_DEL, OP_LOOPBACK, OP_LOOPBACK6, OP_UPLINK, OP_SOURCE_IP4 };

struct natnet_op {
	enum natnet_op_kind kind;
	int family;               /* OP_PF_*: AF_INET or AF_INET6 */
	bool on;
	struct in_addr net;
	unsigned prefixlen;
	struct pfrule rule;       /* OP_PF_ADD; OP_PF_DEL: name only */
	struct natnet_loopback lo;
	uint32_t lo6;             /* OP_LOOPBACK6 */
	const char *uplink;       /* OP_UPLINK: the text, "" for none */
	struct in_addr source;    /* OP_SOURCE_IP4: 0 for none */
};

struct natnet_args {
	const char *netname;
	bool network_given;
	struct natnet_op ops[NATNET_MAX_OPS];
	unsigned n_ops;
	const char *pattern;      /* list */
	const char *user;         /* start --user */
	bool foreground;          /* start --foreground */
};

/*
 * Parses the options of add/modify (or only --netname for the others) in
 * argv[2..argc). Returns 0, 1 for --help, or 2 after printing a usage error
 * on stderr. Strings in a point into argv.
 */
int natnet_cli_parse(const char *sub, int argc, char **argv, bool defs_allowed,
		     struct natnet_args *a);

/* Applies a's options to d in order. 0, or 1 after printing why not. */
int natnet_cli_apply(const char *sub, const struct natnet_args *a, struct natnet_def *d);

extern const char natnetwork_help[];
extern const char natnetwork_add_help[];
extern const char natnetwork_modify_help[];
extern const char natnetwork_start_help[];
extern const char natnetwork_stop_help[];
extern const char natnetwork_remove_help[];
extern const char natnetwork_list_help[];

#endif
