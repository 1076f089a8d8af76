/* SPDX-License-Identifier: MIT */
/*
 * natnet_def.h - a NAT network's definition (`natd natnetwork`) in memory,
 * the addresses natd uses in it, and its checks.
 *
 * A definition is what `VBoxManage natnetwork add|modify` sets: name,
 * IPv4 network, enabled, DHCP, IPv6 flags, port-forwarding rules (in the
 * NAT-network syntax, forwarders/pfrule.h) and loopback mappings; and
 * natd's own uplink (a UDP tunnel or VDE switch the network's switch joins,
 * so that the network spans hosts) and source address (the manual's
 * `setextradata global NAT/NAME/SourceIp4`). The
 * checks here (natnet_def_check, and natnet_store_check_def against the
 * other networks in natd/natnet_store.h) are the only validation: the CLI,
 * the loader and the service all use them, so a file that loads is a
 * configuration the service can run.
 *
 * Addresses of a network N/len (natnet_def_addrs): gateway N+1, host
 * loopback N+2 (the default mapping 127.0.0.1=2, as in VirtualBox), DHCP
 * server N+3, leases from N+4 up to the broadcast address minus one (or up
 * to the lowest loopback mapping above N+3, and at most 65536 addresses).
 */
#ifndef NATD_NATNET_DEF_H
#define NATD_NATNET_DEF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forwarders/pfrule.h"
#include "l2/uplink.h"
#include "natd/config.h"

#define NATNET_MAX_RULES    NATD_MAX_NATPF   /* per family */
#define NATNET_MAX_LOOPBACK NAT_MAX_LOOPBACK

struct natnet_loopback {
	struct in_addr host;    /* an address in 127.0.0.0/8 */
	uint32_t offset;        /* network + offset reaches host */
};

struct natnet_def {
	char name[NATD_NAME_MAX];
	struct in_addr network; /* network byte order */
	unsigned prefixlen;
	bool enabled;           /* default on */
	bool dhcp;              /* default on */
	bool ipv6;              /* default off */
	bool ipv6_default;      /* default off */
	struct pfrule rules4[NATNET_MAX_RULES];
	unsigned n_rules4;
	struct pfrule rules6[NATNET_MAX_RULES];
	unsigned n_rules6;
	struct natnet_loopback lo4[NATNET_MAX_LOOPBACK];
	unsigned n_lo4;
	uint32_t lo6;           /* --loopback-6: <prefix>::lo6 reaches the host's
				 * ::1 (with --ipv6 on); 0: none (the default) */
	char uplink[UPLINK_TEXT_MAX]; /* --uplink (l2/uplink.h); "" for none */
	struct in_addr source_ip4; /* --source-ip4, the manual's NAT/NAME/SourceIp4:
				    * the source address of the network's
				    * outgoing host sockets; 0: the kernel's */
};

/* The addresses natd uses in a network (network byte order). */
struct natnet_addrs {
	struct in_addr network, netmask, broadcast;
	struct in_addr gateway;      /* .1 */
	struct in_addr dhcp_server;  /* .3 */
	struct in_addr range_first, range_last; /* leases; first > last: none */
	/* IPv6 (with --ipv6 on): VirtualBox's prefix fd17:625c:f037:XXYY::/64,
	 * XXYY the second and third octets of the IPv4 network; the gateway,
	 * which also proxies DNS, is <prefix>::1 (router fe80::1). */
	struct in6_addr prefix6, gateway6;
};

/* A new definition with VirtualBox's defaults: enabled, DHCP on, IPv6 off,
 * loopback mapping 127.0.0.1=2. */
void natnet_def_init(struct natnet_def *d, const char *name);

void natnet_def_addrs(const struct natnet_def *d, struct natnet_addrs *a);

/*
 * Parses --network: IPv4 "a.b.c.d/len", len 8 to 30, no host bits, a unicast
 * range (not 0/8, 127/8, 224/4 or above). Returns 0 or -EINVAL with err.
 */
int natnet_parse_network(const char *text, struct in_addr *net, unsigned *prefixlen,
			 char *err, size_t errlen);

/* The address --loopback-6 maps to the host's ::1: <prefix>::lo6. */
void natnet_loopback6_addr(const struct natnet_def *d, struct in6_addr *out);

/* Parses --loopback-6 OFFSET (0 means "none"). */
int natnet_parse_loopback6(const char *text, uint32_t *offset, char *err, size_t errlen);

/* Parses --loopback-4 "127.x.y.z=OFFSET" (offset 0 means "remove"). */
int natnet_parse_loopback(const char *text, struct natnet_loopback *lo, char *err,
			  size_t errlen);

/* Formats a rule or a loopback mapping as natd.json and `list` show it. */
int natnet_format_rule(const struct pfrule *r, char *buf, size_t len);
void natnet_format_loopback(const struct natnet_loopback *lo, char *buf, size_t len);
/* "192.168.15.0/24" */
void natnet_format_network(const struct natnet_def *d, char *buf, size_t len);
/* The IPv6 prefix of a NAT network, "fd17:625c:f037:a80f::/64". */
void natnet_format_ipv6_prefix(const struct natnet_def *d, char *buf, size_t len);

/*
 * Checks one definition on its own: network, room for DHCP leases when DHCP
 * is on (/29 or shorter), rules (unique names, no host-port conflict, guest
 * address inside the network and not one of natd's), loopback mappings.
 * Returns 0 or -EINVAL with the reason in err.
 */
int natnet_def_check(const struct natnet_def *d, char *err, size_t errlen);

/* True when two networks share an address. */
bool natnet_overlap(const struct natnet_def *a, const struct natnet_def *b);

#endif
