/* SPDX-License-Identifier: MIT */
/*
 * link_modes.c - what the switch-joining modes share (see link_modes.h):
 * cable, showvminfo entry, stop.
 */
#include "modes/link_modes.h"

void link_mode_set_cable(void *state, bool connected)
{
	l2_link_set_cable(state, connected);
}

json_t *link_mode_info(void *state, unsigned x, const struct nic_config *cfg)
{
	struct l2_link_stats st;
	const char *network = cfg->mode == NIC_MODE_NATNETWORK ? cfg->nat_network : cfg->intnet;

	l2_link_get_stats(state, &st);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I}",
		"adapter", (json_int_t)x, "mode", adapter_mode_name(cfg->mode),
		cfg->mode == NIC_MODE_NATNETWORK ? "nat_network" : "intnet", network,
		"promisc", adapter_promisc_name(cfg->promisc),
		"attach", cfg->attach, "vm_attached", st.vm_attached, "joined", st.joined,
		"frames_to_network", (json_int_t)st.to_network,
		"frames_from_network", (json_int_t)st.from_network,
		"frames_dropped", (json_int_t)st.dropped, "joins", (json_int_t)st.joins);
}

void link_mode_stop(void *state, void (*closed)(void *opaque), void *opaque)
{
	l2_link_stop(state, closed, opaque);
}
