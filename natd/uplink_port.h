/* SPDX-License-Identifier: MIT */
/*
 * uplink_port.h - a network's uplink (`--uplink` of `natd natnetwork` and
 * `natd intnet`, l2/uplink.h) as a port of its switch (l2/switch.h): what
 * the NAT network's service and the internal network's daemon share.
 */
#ifndef NATD_UPLINK_PORT_H
#define NATD_UPLINK_PORT_H

#include <jansson.h>
#include <stddef.h>

#include "l2/switch.h"

/*
 * Gives sw the uplink of text ("" or NULL: none): parsed, its UDP port
 * checked against the privileged ports, HOST resolved, then
 * switch_set_uplink() (the old uplink stays when the new one cannot open).
 * 0, or -errno with "uplink TEXT: reason" in err.
 */
int uplink_port_apply(struct eth_switch *sw, const char *text, char *err, size_t errlen);

/* The uplink's state for status answers (a new reference), or JSON null
 * when the switch has none: {"spec", "transport", "up", "frames_in",
 * "frames_out", "dropped", "peer_errors", "peers": [{"address", "frames",
 * "idle_s"}]}. */
json_t *uplink_port_json(const struct eth_switch *sw, const char *text);

#endif
