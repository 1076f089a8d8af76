/* SPDX-License-Identifier: MIT */
/*
 * hostonly_port.h - the host's side of a host-only interface, inside its
 * switch daemon (natd/intnet_service.c): the persistent tap vboxnetN
 * (devices/hostif.h) attached to the switch as its host interface port
 * (switch_add_hostif(), l2/switch.h), and followed through rtnetlink: when
 * its promiscuity count goes above zero (tcpdump on vboxnetN, `ip link set
 * vboxnetN promisc on`) the port gets every frame of the network, and when
 * the interface is deleted the daemon is told.
 */
#ifndef NATD_HOSTONLY_PORT_H
#define NATD_HOSTONLY_PORT_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#include "l2/switch.h"

struct hostonly_port;

/*
 * Attaches interface ifname (which must exist and be a tap) to sw.
 * gone(opaque) is called once if the interface is deleted. 0 and *out, or
 * -errno with a one-line reason in err.
 */
int hostonly_port_start(uv_loop_t *loop, struct eth_switch *sw, const char *ifname,
			void (*gone)(void *opaque), void *opaque, struct hostonly_port **out,
			char *err, size_t errlen);

/* {"interface", "mac", "promiscuous"}: a new reference. */
json_t *hostonly_port_json(const struct hostonly_port *p);

/* Stops following the interface and frees p (from the loop); the tap
 * itself is a port of the switch and closes with it. */
void hostonly_port_stop(struct hostonly_port *p);

#endif
