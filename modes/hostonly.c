/* SPDX-License-Identifier: MIT */
/*
 * hostonly.c - the hostonly mode of `natd run` (--nic<x> hostonly
 * --hostonlyadapter<x> vboxnetN, VirtualBox manual 6.7): the VM's adapter
 * joins the switch of host-only interface vboxnetN through an l2 link
 * (link_modes.c), where the host's interface itself is a port; natd starts
 * that switch when this is the first adapter on it (and recreates the
 * interface when it vanished). No NAT and no forwarding: the VMs reach
 * each other and the host, and the DHCP server of the interface is a port
 * of the switch.
 */
#include "modes/link_modes.h"

#include <stdio.h>

static int hostonly_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
			  void **state, char *err, size_t errlen)
{
	char what[NATD_NAME_MAX + 24];

	snprintf(what, sizeof(what), "host-only interface %s", cfg->hostonly_adapter);
	return link_mode_start(env, x, cfg, cfg->hostonly_adapter, what, state, err, errlen);
}

const struct mode_ops hostonly_mode_ops = {
	.mode = NIC_MODE_HOSTONLY, .name = "hostonly",
	.help = "a host-only interface: the host and its VMs (--hostonlyadapter<x> vboxnetN)",
	.start = hostonly_start, .set_cable = link_mode_set_cable,
	.set_promisc = link_mode_set_promisc, .info = link_mode_info, .stop = link_mode_stop,
	.vm_device = link_mode_vm_device,
};
