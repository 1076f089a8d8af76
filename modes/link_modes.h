/* SPDX-License-Identifier: MIT */
/*
 * link_modes.h - the modes whose adapter joins a switch in another process
 * through an l2 link (l2/link.h): natnetwork (natnetwork.c), intnet
 * (intnet.c) and hostonly (hostonly.c). What they share is here (link_modes.c): the switch found
 * through mode_env.find_switch (and found again, or started again, while it
 * is gone), the hello frame that tells the switch the port's VM, adapter,
 * MAC and promiscuous policy with the network's secret, cable, showvminfo
 * entry and stop.
 */
#ifndef NATD_MODES_LINK_MODES_H
#define NATD_MODES_LINK_MODES_H

#include "l2/link.h"
#include "modes/mode.h"

extern const struct mode_ops natnetwork_mode_ops, intnet_mode_ops, hostonly_mode_ops;

/* Joins the switch of network `name` of cfg->mode; *state is the adapter. */
int link_mode_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
		    const char *name, const char *what, void **state, char *err,
		    size_t errlen);
/* True when the adapter's switch ran when it was found at start. */
bool link_mode_running(void *state);
void link_mode_set_cable(void *state, bool connected);
int link_mode_set_promisc(void *state, enum nic_promisc p, char *err, size_t errlen);
struct device *link_mode_vm_device(void *state);
json_t *link_mode_info(void *state, unsigned x, const struct nic_config *cfg);
void link_mode_stop(void *state, void (*closed)(void *opaque), void *opaque);

#endif
