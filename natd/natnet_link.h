/* SPDX-License-Identifier: MIT */
/*
 * natnet_link.h - an adapter of `natd run` in natnetwork mode
 * (--nic<x> natnetwork --nat-network<x> NAME): a patch cable between the
 * VM's transport (--attach<x>) and the NAT network's switch socket
 * $NATD_HOME/run/natnet-NAME.sock. Frames are relayed unchanged both ways;
 * the network's service does the routing, DHCP and NAT.
 *
 * The VM's side stays up whatever the network does: while the network is
 * stopped, frames from the VM are dropped and the link reconnects to the
 * switch every second, so the VM finds its network (same gateway, same
 * lease) again when it starts.
 */
#ifndef NATD_NATNET_LINK_H
#define NATD_NATNET_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "natd/config.h"

struct natnet_link;

struct natnet_link_stats {
	uint64_t to_network, from_network;  /* frames relayed */
	uint64_t dropped;                   /* network absent, transport full, cable */
	uint64_t joins;                     /* connections to the switch so far */
	bool joined;                        /* connected to the switch now */
	bool vm_attached;
};

/*
 * Starts adapter `adapter` as configured by cfg (which must outlive the link;
 * cfg->nat_network names the network, home is $NATD_HOME). The network must
 * be defined and enabled in natd.json; it need not run. Returns 0 and *out,
 * or a negative errno with a one-line reason in err.
 */
int natnet_link_start(uv_loop_t *loop, unsigned adapter, const struct nic_config *cfg,
		      const char *home, struct natnet_link **out, char *err, size_t errlen);

/* setlinkstate: while false, frames are dropped both ways. */
void natnet_link_set_cable(struct natnet_link *l, bool connected);

void natnet_link_get_stats(const struct natnet_link *l, struct natnet_link_stats *st);

/* Closes both transports; closed(opaque) once both are closed and l freed. */
void natnet_link_stop(struct natnet_link *l, void (*closed)(void *opaque), void *opaque);

#endif
