/* SPDX-License-Identifier: MIT */
/*
 * hostif.h - host interfaces: the kernel side of a host-only interface
 * (vboxnetN, VirtualBox manual 6.7), a persistent tap that natd creates in
 * its network namespace, owned by the creating user (TUNSETOWNER), so that
 * the switch daemon can later attach to it without privileges
 * (devices/tap.c, "tap:vboxnetN").
 *
 * Everything here talks to the kernel directly: /dev/net/tun ioctls to
 * create and delete the tap, and rtnetlink requests on a NETLINK_ROUTE
 * socket for its MAC address, admin state and addresses (no `ip` command is
 * run). Creating the tap and changing its link or addresses need
 * CAP_NET_ADMIN (hostif_can_admin()); deleting it does not for its owner
 * (TUNSETPERSIST 0 on an attached fd).
 *
 * hostif_query() reads one interface's state (rtnetlink RTM_GETLINK and an
 * RTM_GETADDR dump); hostif_watch_open() and hostif_watch_parse() let a
 * long-lived process follow it (RTMGRP_LINK notifications): its MAC and
 * its promiscuity count (a packet capture on the host raises it).
 */
#ifndef NATD_HOSTIF_H
#define NATD_HOSTIF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HOSTIF_NAME_MAX  16  /* IFNAMSIZ */
#define HOSTIF_MAX_ADDRS 8   /* addresses of each family hostif_query() reports */

struct hostif_addr4 {
	struct in_addr addr;
	unsigned prefixlen;
};

struct hostif_addr6 {
	struct in6_addr addr;
	unsigned prefixlen;
	bool tentative;          /* still in duplicate address detection */
};

struct hostif_state {
	int ifindex;
	bool up;                 /* IFF_UP: administratively up */
	bool carrier;            /* IFF_LOWER_UP: a process holds the tap */
	bool is_tap;             /* a tun/tap device in tap mode */
	bool persist;            /* a persistent tap */
	long owner;              /* the tap's owner uid, -1 when none or unknown */
	uint8_t mac[6];
	unsigned mtu;
	unsigned promiscuity;    /* > 0: promiscuous (a capture, or ip link ... promisc on) */
	struct hostif_addr4 v4[HOSTIF_MAX_ADDRS];
	unsigned n_v4;
	struct hostif_addr6 v6[HOSTIF_MAX_ADDRS]; /* link-local ones included */
	unsigned n_v6;
};

/* True when this process may create interfaces and change their addresses
 * (CAP_NET_ADMIN in its effective set). */
bool hostif_can_admin(void);

/* Checks an interface name (1 to 15 bytes, no '/', ':', blanks or control
 * characters, not "." or ".."). 0 or -EINVAL. */
int hostif_name_check(const char *name);

/*
 * The interface's state: 1 and *st when it exists, 0 when it does not,
 * -errno with err when the kernel cannot be asked.
 */
int hostif_query(const char *name, struct hostif_state *st, char *err, size_t errlen);

/*
 * Creates the persistent tap `name`, owned by uid owner, with MAC mac,
 * administratively up, without addresses. Fails with -EEXIST when an
 * interface of that name exists, -EPERM without CAP_NET_ADMIN. On failure
 * nothing is left behind. 0 or -errno with err.
 */
int hostif_create(const char *name, uid_t owner, const uint8_t mac[6], char *err,
		  size_t errlen);

/*
 * Deletes the persistent tap `name` (its owner or CAP_NET_ADMIN), once no
 * other process holds it. -ENODEV when it does not exist, -EINVAL when it is
 * not a tap, -EBUSY when a process holds it. 0 or -errno with err.
 */
int hostif_delete(const char *name, char *err, size_t errlen);

/*
 * Brings the interface administratively up. 0 or -errno with err.
 */
int hostif_set_up(const char *name, char *err, size_t errlen);

/*
 * Adds an address (IPv4 with its broadcast address; IPv6 without duplicate
 * address detection, usable at once even while no VM is attached), or
 * removes one. Adding an address that is there already is not an error,
 * nor is removing one that is not. 0 or -errno with err.
 */
int hostif_addr4(const char *name, bool add, struct in_addr addr, unsigned prefixlen,
		 char *err, size_t errlen);
int hostif_addr6(const char *name, bool add, const struct in6_addr *addr, unsigned prefixlen,
		 char *err, size_t errlen);

/* --- following an interface ------------------------------------------------ */

/* A non-blocking NETLINK_ROUTE socket subscribed to link changes; -errno. */
int hostif_watch_open(void);

struct hostif_link {
	bool gone;               /* RTM_DELLINK: the interface was deleted */
	bool have_mac;
	uint8_t mac[6];
	bool have_promiscuity;
	unsigned promiscuity;
	bool have_flags;         /* RTM_NEWLINK: ifi_flags (IFF_UP, IFF_LOWER_UP...) */
	unsigned flags;
};

/*
 * Reads the link messages in buf (one recv() of a hostif_watch_open()
 * socket) that concern ifindex into *out (the last one wins). Returns the
 * number of such messages (0: none), or -EBADMSG when buf is malformed.
 */
int hostif_watch_parse(const void *buf, size_t len, int ifindex, struct hostif_link *out);

#endif
