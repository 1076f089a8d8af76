/* SPDX-License-Identifier: MIT */
/*
 * hostonly_def.h - a host-only interface's definition (`natd hostonlyif`,
 * VBoxManage hostonlyif's words) in memory: its name, the host's addresses
 * on it, the defaults VirtualBox gives, and the checks: one on its own, and
 * against the other host-only interfaces and the NAT networks (no two of
 * them may share addresses), and the fit of its DHCP server.
 *
 * Interfaces are named vboxnet0 to vboxnet127, as on VirtualBox's Linux
 * hosts. vboxnetN's defaults: the host at 192.168.(56+N).1/24, MAC
 * 0a:00:27:00:00:NN, a DHCP server (natd/dhcpsrv_def.h, network
 * "HostInterfaceNetworking-vboxnetN") at .100 handing out .101 to .254,
 * without router (host-only guests have no way out).
 */
#ifndef NATD_HOSTONLY_DEF_H
#define NATD_HOSTONLY_DEF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/hostif.h"
#include "l2/uplink.h"
#include "natd/dhcpsrv_def.h"
#include "natd/natnet_def.h"

#define HOSTONLY_MAX_IFS 128
#define HOSTONLY_NAME_PREFIX "vboxnet"

struct hostonly_def {
	char name[HOSTIF_NAME_MAX];    /* vboxnetN */
	struct in_addr ip, netmask;    /* the host's IPv4 address (network order) */
	bool has_ip6;
	struct in6_addr ip6;           /* the host's IPv6 address (--ipv6), if any */
	unsigned prefixlen6;
	char uplink[UPLINK_TEXT_MAX];  /* `hostonlyif modify --uplink` (l2/uplink.h); "" none */
};

/* N of "vboxnetN" (0 .. HOSTONLY_MAX_IFS - 1, no leading zero), or -1. */
int hostonly_index(const char *name);

/* vboxnetN with VirtualBox's defaults (192.168.(56+N).1/24, no IPv6). */
void hostonly_def_init(struct hostonly_def *d, unsigned n);

/* The interface's MAC: 0a:00:27:00:00:NN, as VirtualBox gives vboxnetN. */
void hostonly_mac(const struct hostonly_def *d, uint8_t mac[6]);

/* Its IPv4 prefix length (the netmask is contiguous after the check). */
unsigned hostonly_prefixlen(const struct hostonly_def *d);

/*
 * Checks d on its own: a vboxnetN name; an IPv4 unicast address (not 0/8,
 * 127/8, 224/3) that is neither the network nor the broadcast address of
 * a contiguous netmask /8 to /30; an IPv6 address, when there is one, that
 * is unicast and not link-local, loopback or IPv4-mapped, prefix length 8
 * to 128. 0 or -EINVAL with the reason in err.
 */
int hostonly_def_check(const struct hostonly_def *d, char *err, size_t errlen);

/* True when a and b share IPv4 addresses (or IPv6 prefixes). */
bool hostonly_overlap(const struct hostonly_def *a, const struct hostonly_def *b);
/* True when d's IPv4 subnet overlaps NAT network n, or d's IPv6 prefix n's
 * (n with --ipv6 on). */
bool hostonly_overlap_natnet(const struct hostonly_def *d, const struct natnet_def *n);

/*
 * VirtualBox's DHCP layout for d's IPv4 subnet: with 256 addresses or more
 * (the subnet's own .0 first), server N+100 and range N+101 to N+254; in a
 * smaller subnet, the upper half: server at its middle, range up to the
 * broadcast address minus one. -ENOSPC when the subnet is too small
 * (/30) or the host's address falls on the server or into the range.
 */
int hostonly_dhcp_layout(const struct hostonly_def *d, struct in_addr *server,
			 struct in_addr *lower, struct in_addr *upper);

/*
 * Does DHCP server s (of kind interface, for d) fit d? Its netmask must be
 * d's, its server, range and reservations inside d's subnet, and neither
 * its server nor its range may be the host's address; a reservation for
 * the host's address is refused too. 0 or -EINVAL with the reason in err.
 */
int hostonly_dhcp_check(const struct hostonly_def *d, const struct dhcpsrv_def *s, char *err,
			size_t errlen);

/* "192.168.56.1/24" */
void hostonly_format_ip(const struct hostonly_def *d, char *buf, size_t len);

#endif
