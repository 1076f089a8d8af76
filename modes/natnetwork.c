/* SPDX-License-Identifier: MIT */
/*
 * natnetwork.c - the natnetwork mode of `natd run` (--nic<x> natnetwork
 * --nat-network<x> NAME): the VM's adapter joins the switch of the NAT
 * network's service through an l2 link (link_modes.c). The network must be
 * defined and enabled; it need not run: the adapter waits for it.
 */
#include "modes/link_modes.h"

#include <stdio.h>

#include "base/log.h"

static int natnetwork_start(const struct mode_env *env, unsigned x,
			    const struct nic_config *cfg, void **state, char *err, size_t errlen)
{
	char what[NATD_NAME_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "NAT network %s", cfg->nat_network);
	rc = link_mode_start(env, x, cfg, cfg->nat_network, what, state, err, errlen);
	if (rc == 0 && !link_mode_running(*state))
		log_warn("nic%u: NAT network %s is not running; waiting for `natd natnetwork "
			 "start --netname %s`", x, cfg->nat_network, cfg->nat_network);
	return rc;
}

const struct mode_ops natnetwork_mode_ops = {
	.mode = NIC_MODE_NATNETWORK, .name = "natnetwork",
	.help = "a NAT network shared with other VMs (--nat-network<x> NAME)",
	.start = natnetwork_start, .set_cable = link_mode_set_cable,
	.set_promisc = link_mode_set_promisc, .info = link_mode_info, .stop = link_mode_stop,
	.vm_device = link_mode_vm_device,
};
