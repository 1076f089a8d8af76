/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_port.h - a `natd dhcpserver` running: the DHCP server of an
 * internal network as a host port of the network's switch (l2/switch.h),
 * inside the network's daemon (natd/intnet_service.c).
 *
 * The server is a NAT adapter (forwarders/nic.h) without NAT: an lwIP netif
 * at the server's IP on an in-process device, answering ARP and ping for
 * that address and DHCP on port 67 with the definition's configuration as
 * it is (natd/dhcpsrv_store.h: range, options, reservations; no router or
 * DNS of natd's own). Reservations by VM and adapter become reservations by
 * MAC when that adapter's hello frame names its MAC. Leases are kept in
 * $NATD_HOME/intnet-NAME.leases.json across restarts.
 */
#ifndef NATD_DHCPSRV_PORT_H
#define NATD_DHCPSRV_PORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "l2/switch.h"
#include "natd/dhcpsrv_store.h"

struct dhcpsrv_port;

/*
 * Starts the server of d (which must be enabled) on sw, with the
 * reservations of the VMs already on it; lwIP must be running
 * (stack_init). 0 and *out, or -errno with a one-line reason.
 */
int dhcpsrv_port_start(uv_loop_t *loop, const char *home, const struct dhcpsrv_def *d,
		       struct eth_switch *sw, struct dhcpsrv_port **out, char *err,
		       size_t errlen);

/* A port of the switch said who it is (switch_set_port_observer). */
void dhcpsrv_port_port_changed(struct dhcpsrv_port *p, const struct switch_port_info *info);

/* Leases and counters, for the daemon's status (a new reference). */
json_t *dhcpsrv_port_json(const struct dhcpsrv_port *p);

/* Saves the leases, leaves the switch, frees p; closed(opaque) after. */
void dhcpsrv_port_stop(struct dhcpsrv_port *p, void (*closed)(void *opaque), void *opaque);

#endif
