/* SPDX-License-Identifier: MIT */
/*
 * switch_json.c - a switch's counters in status answers (see switch_json.h).
 */
#include "natd/switch_json.h"

void switch_stats_json(const struct eth_switch *sw, json_t *obj)
{
	struct switch_stats ss;

	switch_get_stats(sw, &ss);
	json_object_set_new(obj, "vms_attached", json_integer((json_int_t)ss.ports));
	json_object_set_new(obj, "addresses_learnt", json_integer((json_int_t)ss.fdb_entries));
	json_object_set_new(obj, "frames_switched", json_integer((json_int_t)ss.frames));
	json_object_set_new(obj, "frames_flooded", json_integer((json_int_t)ss.flooded));
	json_object_set_new(obj, "frames_dropped", json_integer((json_int_t)ss.dropped));
}
