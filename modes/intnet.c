/* SPDX-License-Identifier: MIT */
/*
 * intnet.c - the intnet mode of `natd run` (--nic<x> intnet [--intnet<x>
 * NAME], VirtualBox manual 6.6): the VM's adapter joins the switch of the
 * internal network NAME through an l2 link (link_modes.c); natd starts that
 * switch when this is the first adapter on the network. Nothing else: no
 * router, no DHCP of its own (a dhcpserver for the network is a port of the
 * switch), no way to the host or the outside.
 */
#include "modes/link_modes.h"

#include <stdio.h>

static int intnet_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
			void **state, char *err, size_t errlen)
{
	char what[NATD_NAME_MAX + 24];

	snprintf(what, sizeof(what), "internal network %s", cfg->intnet);
	return link_mode_start(env, x, cfg, cfg->intnet, what, state, err, errlen);
}

const struct mode_ops intnet_mode_ops = {
	.mode = NIC_MODE_INTNET, .name = "intnet",
	.help = "an internal network: this user's (or a group's) VMs with the same --intnet<x> NAME",
	.start = intnet_start, .set_cable = link_mode_set_cable,
	.set_promisc = link_mode_set_promisc, .info = link_mode_info, .stop = link_mode_stop,
	.vm_device = link_mode_vm_device,
};
