/* SPDX-License-Identifier: MIT */
/*
 * switch_json.h - a switch's counters (l2/switch.h) in the JSON of the
 * "status" answers of the NAT network service (natd/natnet_service_ctl.c)
 * and the internal network's daemon (natd/intnet_service_ctl.c), which
 * `natd natnetwork list` and `natd list intnets|hostonlyifs` print.
 */
#ifndef NATD_SWITCH_JSON_H
#define NATD_SWITCH_JSON_H

#include <jansson.h>

#include "l2/switch.h"

/* Adds to obj, in this order, "vms_attached", "addresses_learnt",
 * "frames_switched", "frames_flooded" and "frames_dropped" from
 * switch_get_stats(sw). */
void switch_stats_json(const struct eth_switch *sw, json_t *obj);

#endif
