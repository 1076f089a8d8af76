/* SPDX-License-Identifier: MIT */
/*
 * wifi_nat.h - the MAC-rewriting layer of a bridged adapter in wireless
 * mode (VirtualBox manual 6.5): a wireless interface sends only frames with
 * its own source MAC, so the VM's frames leave with IF's MAC and frames for
 * the VM's addresses come back to IF's MAC; this layer learns the VM's IPv4
 * and IPv6 addresses from what it sends (ARP, IPv4 and IPv6 sources, DHCP
 * replies for its MAC, neighbour discovery) and puts the VM's MAC back on
 * the frames for them. ARP sender/target hardware addresses and NDP
 * link-layer address options are rewritten to match (the ICMPv6 checksum is
 * recomputed), DHCP requests get the broadcast flag so that the server's
 * replies reach the VM. Only IPv4 (with ARP) and IPv6 cross; other
 * EtherTypes are dropped and counted.
 *
 * No I/O: modes/bridged.c calls it for every frame, in place. Every length
 * is checked before a read (the input is a guest's or the LAN's).
 */
#ifndef NATD_L2_WIFI_NAT_H
#define NATD_L2_WIFI_NAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIFI_NAT_ADDRS 8   /* addresses of each family kept (the most recent) */

enum wifi_verdict {
	WIFI_PASS,          /* send (rewritten in place) */
	WIFI_NOT_OURS,      /* to the VM: the frame is for another host */
	WIFI_BAD_TYPE,      /* not IPv4, ARP or IPv6 */
	WIFI_FORGED,        /* from the VM: a source MAC that is not the VM's */
	WIFI_MALFORMED,     /* too short for its headers */
};

struct wifi_nat_stats {
	uint64_t from_vm, to_vm;        /* frames passed each way */
	uint64_t bad_type;              /* other EtherTypes, both ways */
	uint64_t forged;                /* from the VM with another source MAC */
	uint64_t malformed;
	uint64_t not_ours;              /* unicast to IF's MAC for other addresses */
};

struct wifi_nat {
	uint8_t if_mac[6], vm_mac[6];
	struct in_addr v4[WIFI_NAT_ADDRS];
	unsigned n_v4, next_v4;
	struct in6_addr v6[WIFI_NAT_ADDRS];
	unsigned n_v6, next_v6;
	struct wifi_nat_stats st;
};

void wifi_nat_init(struct wifi_nat *w, const uint8_t if_mac[6], const uint8_t vm_mac[6]);
/* IF's MAC changed (rtnetlink). */
void wifi_nat_set_if_mac(struct wifi_nat *w, const uint8_t if_mac[6]);

/* A frame of the VM, rewritten in place for the LAN; counts what it drops. */
enum wifi_verdict wifi_nat_from_vm(struct wifi_nat *w, uint8_t *f, size_t len);
/* A frame seen on IF, rewritten in place for the VM when it is for it
 * (group frames, and unicast to IF's MAC for a learnt address). */
enum wifi_verdict wifi_nat_to_vm(struct wifi_nat *w, uint8_t *f, size_t len);

/* Whether a is a learnt address. */
bool wifi_nat_has_v4(const struct wifi_nat *w, struct in_addr a);
bool wifi_nat_has_v6(const struct wifi_nat *w, const struct in6_addr *a);

#endif
