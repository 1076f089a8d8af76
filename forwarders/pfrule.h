/* SPDX-License-Identifier: MIT */
/*
 * pfrule.h - port-forwarding rules: parsing, formatting and the checks a set
 * of rules must pass. Pure (no sockets, no lwIP): the per-VM forwarder
 * (portfwd.c), `natd run`'s option parsing and the NAT-network service all
 * use it.
 *
 * Two syntaxes, as VirtualBox spells them:
 *   VBoxManage modifyvm --natpf<x>   "name,proto,hostip,hostport,guestip,guestport"
 *   VBoxManage natnetwork --port-forward-4/-6
 *                                     "name:proto:[hostip]:hostport:[guestip]:guestport"
 * In the first, name, hostip and guestip may be empty (an empty name is
 * generated, an empty host IP means every host address, IPv4 and IPv6, an
 * empty guest IP means the address DHCP leased to the guest). In the second,
 * addresses are in brackets (so IPv6 colons are unambiguous), the guest IP is
 * required and both addresses belong to the rule's family.
 */
#ifndef NATD_PFRULE_H
#define NATD_PFRULE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFRULE_NAME_MAX 64      /* including the NUL */
#define PFRULE_TEXT_MAX 192     /* a formatted rule, including the NUL */

enum pfrule_proto { PFRULE_TCP, PFRULE_UDP };

enum pfrule_syntax {
	PFRULE_SYNTAX_VBOX,     /* name,proto,hostip,hostport,guestip,guestport */
	PFRULE_SYNTAX_NATNET,   /* name:proto:[hostip]:hostport:[guestip]:guestport */
};

/* An address of a rule; family AF_UNSPEC when the rule left it empty. */
struct pfrule_addr {
	int family;             /* AF_UNSPEC, AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct pfrule {
	char name[PFRULE_NAME_MAX];
	int family;                /* NAT-network rules: AF_INET (-4) or AF_INET6
				      (-6), which an empty host address means;
				      VirtualBox syntax: AF_UNSPEC (both) */
	enum pfrule_proto proto;
	struct pfrule_addr host;   /* AF_UNSPEC: every host address */
	uint16_t host_port;        /* host order, 1..65535 */
	struct pfrule_addr guest;  /* AF_UNSPEC: the guest's DHCP lease */
	uint16_t guest_port;       /* host order, 1..65535 */
};

/*
 * Parses one rule. family is the NAT-network rule's family (AF_INET for
 * --port-forward-4, AF_INET6 for --port-forward-6) and is ignored for the
 * VirtualBox syntax. An empty name is left empty (see pfrule_set_check_add(), which
 * generates one). Returns 0, or -EINVAL with a message naming the bad field
 * in err ("host port '0': must be 1 to 65535").
 */
int pfrule_parse(const char *text, enum pfrule_syntax syntax, int family,
		 struct pfrule *out, char *err, size_t errlen);

/* Formats r in the given syntax (empty fields stay empty). Returns the
 * length, or -ENOSPC when len is too small. */
int pfrule_format(const struct pfrule *r, enum pfrule_syntax syntax, char *buf, size_t len);

const char *pfrule_proto_name(enum pfrule_proto p);

/* Formats an address ("" for AF_UNSPEC). */
const char *pfrule_addr_format(const struct pfrule_addr *a, char *buf, size_t len);

/* The family of r's host socket: its host address's, else the rule's
 * (AF_UNSPEC: a dual-stack socket for every address). */
int pfrule_host_family(const struct pfrule *r);

/*
 * True when two rules would need the same host socket: same protocol and
 * port, and addresses that overlap (equal, or either one every address; an
 * IPv4 address also overlaps "every IPv6 address" only through the dual-stack
 * socket, which the "every address" case already covers).
 */
bool pfrule_host_conflict(const struct pfrule *a, const struct pfrule *b);

/*
 * Checks that r may join the n rules of set (one adapter's or one NAT
 * network's): the name is unique, and no rule uses the same host address and
 * port (pfrule_host_conflict). An empty name in r is replaced by a generated
 * one, unique in the set ("tcp-8080", "tcp-8080-2", ...). Returns 0, or
 * -EEXIST with the reason in err.
 */
int pfrule_set_check_add(const struct pfrule *set, size_t n, struct pfrule *r,
			 char *err, size_t errlen);

/*
 * Where a NAT adapter's rule may forward to: its IPv4 network, and its IPv6
 * prefix when it has IPv6, less the addresses natd itself answers there
 * (network and broadcast, gateway, DNS, TFTP...).
 */
struct pfrule_guest_net {
	struct in_addr network, netmask;
	unsigned prefixlen;
	struct in_addr own[6];     /* natd's IPv4 addresses in the network */
	unsigned n_own;
	bool ipv6;
	struct in6_addr prefix6;   /* a /64 */
	struct in6_addr own6[4];   /* natd's IPv6 addresses in it */
	unsigned n_own6;
};

/*
 * Checks that r's guest address can be a guest of net: empty (the DHCP
 * lease), "::" (the guest's IPv6 address natd saw), or an address of the
 * network or prefix that is not natd's own. A rule to anywhere else could
 * never be forwarded. Returns 0, or -EINVAL with the reason in err.
 */
int pfrule_check_guest(const struct pfrule *r, const struct pfrule_guest_net *net,
		       char *err, size_t errlen);

/* Index of the rule called name in set, or -1. */
int pfrule_set_find(const struct pfrule *set, size_t n, const char *name);

/*
 * The lowest unprivileged port (/proc/sys/net/ipv4/ip_unprivileged_port_start,
 * 1024 if unreadable) and whether this process may bind below it (root's
 * effective CAP_NET_BIND_SERVICE). A rule whose host port is below the start
 * needs the capability: returns 0 when r may be bound, or -EACCES with a
 * message naming the rule and why.
 */
int pfrule_check_privileged(const struct pfrule *r, char *err, size_t errlen);

#endif
