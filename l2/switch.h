/* SPDX-License-Identifier: MIT */
/*
 * switch.h - the Ethernet switch of a NAT network: a learning bridge whose
 * ports are the VMs attached to the network and, on port 0, the NAT
 * service's own adapter (the gateway, DHCP and DNS, forwarders/nic.c).
 *
 * VMs attach by connecting to a UNIX stream socket (QEMU's "-netdev stream"
 * framing: 4-byte big-endian length, then the frame): QEMU itself
 * (server=off) or a `natd run --nic<x> natnetwork` sidecar relaying a tap or
 * another transport. Each connection is one port. Port 0 is an in-process
 * endpoint (devices/inproc.h) the NAT adapter opens as "inproc:NAME".
 *
 * Forwarding (IEEE 802.1D): source addresses are learnt per port and age
 * out after 300 s (l2/fdb.h); broadcast and multicast frames are
 * flooded to every other port; a unicast frame goes to the port its
 * destination was learnt on, or is flooded when unknown, except that port 0
 * only ever receives frames for its own MAC (the gateway's) or group
 * addresses. A port whose output is full drops the frame, as a switch does.
 */
#ifndef NATD_SWITCH_H
#define NATD_SWITCH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SWITCH_MAX_PORTS 128

struct eth_switch;

struct switch_stats {
	unsigned ports;            /* VMs connected now (port 0 not counted) */
	unsigned fdb_entries;      /* learnt addresses */
	uint64_t connects;         /* connections accepted so far */
	uint64_t frames;           /* frames switched */
	uint64_t flooded;          /* of which flooded */
	uint64_t dropped;          /* bad frames, full ports, no port */
};

/*
 * Listens on sock_path (mode 0600; an existing file is replaced: the caller
 * makes sure no other switch owns it) and registers the in-process endpoint
 * inproc_name for port 0, whose own MAC is nat_mac. Returns 0 and *out, or
 * a negative errno with a one-line reason in err.
 */
int switch_start(uv_loop_t *loop, const char *sock_path, const char *inproc_name,
		 const uint8_t nat_mac[6], struct eth_switch **out, char *err, size_t errlen);

void switch_get_stats(const struct eth_switch *sw, struct switch_stats *st);

/* Closes every port and the listener, removes the socket file, frees sw,
 * then calls closed(opaque) (may be NULL). */
void switch_close(struct eth_switch *sw, void (*closed)(void *opaque), void *opaque);

#endif
