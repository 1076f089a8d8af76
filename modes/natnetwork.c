/* SPDX-License-Identifier: MIT */
/*
 * natnetwork.c - the natnetwork mode of `natd run` (--nic<x> natnetwork
 * --nat-network<x> NAME): the VM's adapter joins the switch of the NAT
 * network's service, $NATD_HOME/run/natnet-NAME.sock, through an l2 link.
 * The network must be defined and enabled in natd.json; it need not run.
 */
#include "modes/link_modes.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "base/log.h"
#include "devices/device.h"
#include "natd/natnet_service.h"
#include "natd/natnet_store.h"

/* Is the network defined and enabled? Reads natd.json without the lock
 * (it is only ever replaced whole). */
static int natnetwork_check(const char *home, const char *name, char *err, size_t errlen)
{
	struct natnet_store st;
	char why[768];
	int i, rc = 0;

	if (natnet_store_load(&st, home, false, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	i = natnet_store_find(&st, name);
	if (i < 0) {
		snprintf(err, errlen, "no NAT network '%s' (natd natnetwork add --netname %s "
			 "--network CIDR)", name, name);
		rc = -ENOENT;
	} else if (!st.defs[i].enabled) {
		snprintf(err, errlen, "NAT network '%s' is disabled (natd natnetwork modify "
			 "--netname %s --enable)", name, name);
		rc = -EPERM;
	}
	natnet_store_release(&st);
	return rc;
}

static int natnetwork_start(const struct mode_env *env, unsigned adapter,
			    const struct nic_config *cfg, void **state, char *err, size_t errlen)
{
	const char *home = env->home;
	struct l2_link *link;
	char sock[PATH_MAX], spec[PATH_MAX + 32], what[NATD_NAME_MAX + 16];
	struct l2_link_config lc;
	int rc;

	rc = natnetwork_check(home, cfg->nat_network, err, errlen);
	if (rc < 0)
		return rc;
	if (natnet_run_path(home, cfg->nat_network, "sock", sock, sizeof(sock)) < 0 ||
	    (size_t)snprintf(spec, sizeof(spec), "stream-connect:%s", sock) >= sizeof(spec) ||
	    device_spec_check(spec, err, errlen) < 0) {
		snprintf(err, errlen, "the switch socket path under NATD_HOME is too long for "
			 "a UNIX socket");
		return -ENAMETOOLONG;
	}
	snprintf(what, sizeof(what), "NAT network %s", cfg->nat_network);
	lc = (struct l2_link_config){ .adapter = adapter, .attach = cfg->attach,
				      .switch_spec = spec, .network = what,
				      .cable = cfg->cable_connected };
	rc = l2_link_start(env->loop, &lc, &link, err, errlen);
	if (rc < 0)
		return rc;
	*state = link;
	if (natnet_service_running(home, cfg->nat_network, NULL) != 1)
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
