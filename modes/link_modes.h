/* SPDX-License-Identifier: MIT */
/*
 * link_modes.h - the modes whose adapter joins a switch in another process
 * through an l2 link (l2/link.h): natnetwork (natnetwork.c) and intnet
 * (intnet.c). Their state is the struct l2_link; the operations they share
 * are here (link_modes.c).
 */
#ifndef NATD_MODES_LINK_MODES_H
#define NATD_MODES_LINK_MODES_H

#include "l2/link.h"
#include "modes/mode.h"

extern const struct mode_ops natnetwork_mode_ops;

void link_mode_set_cable(void *state, bool connected);
json_t *link_mode_info(void *state, unsigned x, const struct nic_config *cfg);
void link_mode_stop(void *state, void (*closed)(void *opaque), void *opaque);

#endif
