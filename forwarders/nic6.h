/* SPDX-License-Identifier: MIT */
/*
 * nic6.h - IPv6 on one NAT adapter: natd as the guest's IPv6 router.
 *
 * The adapter's lwIP netif holds fe80::2, the prefix's ::2 (gateway) and ::3
 * (DNS proxy), so lwIP answers neighbour solicitations (and duplicate address
 * detection) for them and ICMPv6 echo. What lwIP has no code for is here:
 * router advertisements (prefix for SLAAC, MTU, RDNSS and DNSSL), answers to
 * router solicitations, stateless DHCPv6, the check of every guest IPv6
 * packet before lwIP sees it (stack/ndp.c), the guest addresses natd has
 * seen, and whether the host has global IPv6 (default route or not).
 */
#ifndef NATD_NIC6_H
#define NATD_NIC6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lwip/ip6_addr.h"
#include "forwarders/nat_config.h"
#include "stack/ndp.h"

struct nic6;
struct netif;
struct pbuf;

#define NIC6_MAX_GUEST_ADDRS 32

struct nic6_counters {
	uint64_t ra_sent, rs_received;
	uint64_t dhcp6_replies, dhcp6_ignored;
	uint64_t ndp_from_guest_ignored;     /* RA and Redirect sent by the guest */
	uint64_t dropped[NDP_BAD_COUNT];     /* malformed, by kind (ndp.h) */
};

/* A guest address in the adapter's prefix, as natd saw it. */
struct nic6_guest_addr {
	ip6_addr_t addr;
	bool confirmed;        /* seen as a packet's source; else only in DAD */
	uint64_t last_ms;      /* stack_now_ms() when last seen */
	uint32_t port;         /* the switch port it was last seen from (nic.h) */
};

/*
 * Sets up IPv6 on netif (its addresses and output) for adapter `adapter`
 * configured by cfg, and starts advertising. Returns 0 and *out, or -errno
 * with a one-line reason in err.
 */
int nic6_start(uv_loop_t *loop, struct netif *netif, unsigned adapter,
	       const struct nat_config *cfg, struct nic6 **out, char *err, size_t errlen);

/* A VM attached (up) or left: forget neighbours and guest addresses; on
 * attach, advertise at once. */
void nic6_link(struct nic6 *n, bool up);

/*
 * One IPv6 packet from the guest (p->payload at the IPv6 header), before
 * lwIP looks at it. Returns 1 when natd took it (p freed): malformed
 * (counted), a router solicitation, a DHCPv6 message, an RA or Redirect from
 * the guest; 0 to let lwIP go on. *info is filled when the packet parsed.
 * port: the switch port it came from (nic_rx_port()), remembered with the
 * guest addresses it shows (nic6_guest_port()).
 */
int nic6_input(struct nic6 *n, struct pbuf *p, struct ndp_ip6_info *info, uint32_t port);

/* The switch port guest address a (16 bytes) was last seen from, or
 * UINT32_MAX (NIC_PORT_NONE) when it was not seen. */
uint32_t nic6_guest_port(const struct nic6 *n, const uint8_t *a);

/* The guest addresses seen, most recent first. Returns how many (<= max). */
int nic6_guest_addrs(const struct nic6 *n, struct nic6_guest_addr *out, int max);

void nic6_get_counters(const struct nic6 *n, struct nic6_counters *c);

/* Whether the RAs make natd the guest's default router now. */
bool nic6_default_route(const struct nic6 *n);

/* The configuration's ipv6_default changed: advertise the new router
 * lifetime at once (when a VM is attached). */
void nic6_readvertise(struct nic6 *n);

/* A NAT network's --loopback-6 address (NULL: none) becomes, or stops
 * being, one of natd's (neighbour discovery answered, packets taken). */
void nic6_set_loopback6(struct nic6 *n, const struct in6_addr *a);

/* The host's resolver file changed: RDNSS, DNSSL and DHCPv6's lists follow;
 * a change is advertised at once. */
void nic6_resolvconf_changed(struct nic6 *n);

/* Stops advertising; netif is the caller's to remove afterwards. */
void nic6_stop(struct nic6 *n);

#endif
