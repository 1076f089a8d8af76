/* SPDX-License-Identifier: MIT */
/*
 * natnetwork.c - the natnetwork mode of `natd run` (--nic<x> natnetwork
 * --nat-network<x> NAME): the VM's adapter joins the switch of the NAT
 * network's service, $NATD_HOME/run/natnet-NAME.sock, through an l2 link.
 * The network must be defined and enabled; it need not run (natd's top
 * layer finds its switch: mode_env.find_switch).
 */
#include "modes/link_modes.h"

#include <errno.h>
#include <stdio.h>

#include "base/log.h"

static int natnetwork_start(const struct mode_env *env, unsigned adapter,
			    const struct nic_config *cfg, void **state, char *err, size_t errlen)
{
	char what[NATD_NAME_MAX + 16];
	struct mode_switch sw;
	struct l2_link_config lc;
	struct l2_link *link;
	int rc;

	rc = env->find_switch(NIC_MODE_NATNETWORK, env->home, cfg->nat_network, &sw, err,
			      errlen);
	if (rc < 0)
		return rc;
	snprintf(what, sizeof(what), "NAT network %s", cfg->nat_network);
	lc = (struct l2_link_config){ .adapter = adapter, .attach = cfg->attach,
				      .switch_spec = sw.spec, .network = what,
				      .cable = cfg->cable_connected };
	rc = l2_link_start(env->loop, &lc, &link, err, errlen);
	if (rc < 0)
		return rc;
	*state = link;
	if (!sw.running)
		log_warn("nic%u: NAT network %s is not running; waiting for `natd natnetwork "
			 "start --netname %s`", adapter, cfg->nat_network, cfg->nat_network);
	return 0;
}

const struct mode_ops natnetwork_mode_ops = {
	.mode = NIC_MODE_NATNETWORK, .name = "natnetwork",
	.help = "a NAT network shared with other VMs (--nat-network<x> NAME)",
	.start = natnetwork_start, .set_cable = link_mode_set_cable, .info = link_mode_info,
	.stop = link_mode_stop,
};
