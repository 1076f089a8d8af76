/* SPDX-License-Identifier: MIT */
/*
 * sandbox_run.c - what `natd run` and the NAT-network service keep and give
 * away when they enter the sandbox (natd/sandbox.h): the capabilities their
 * features may still need, the files that become the target user's, ICMP
 * "ping" sockets for the target group.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "forwarders/nat.h"
#include "modes/bridged.h"
#include "natd/config.h"
#include "natd/natnet_service.h"
#include "natd/sandbox.h"

/*
 * Kept after --user: CAP_NET_BIND_SERVICE with a NAT adapter (controlvm
 * natpf<x> may add a rule below 1024 at run time), CAP_NET_ADMIN with a tap
 * (setlinkstate<x> sets its carrier), CAP_NET_RAW with a bridged adapter
 * (an AF_PACKET socket opened again when its interface comes back), and
 * CAP_NET_ADMIN with one the host reaches (hostreach=on, the default: its
 * tap and redirect made again then, modes/bridged_host.c).
 * A feature that needs a capability after start-up adds it here. run_dir and the control socket become
 * the user's when NATD_HOME is the user's, so that natd can still remove its
 * sockets when it stops and reach switch sockets made later.
 */
int sandbox_enter_run(const struct natd_config *cfg, const char *run_dir, char *err,
		      size_t errlen)
{
	const struct sandbox_opts *o = &cfg->sandbox;
	char ctl[PATH_MAX];
	const char *own[3] = { run_dir, NULL, NULL };
	unsigned caps = 0;

	if (o->have_user) {
		for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
			const struct nic_config *nc = &cfg->nic[i];

			if (!nc->configured || nc->mode == NIC_MODE_NONE)
				continue;
			if (nc->mode == NIC_MODE_NAT)
				caps |= SANDBOX_CAP_NET_BIND_SERVICE;
			if (!strncmp(nc->attach, "tap:", 4))
				caps |= SANDBOX_CAP_NET_ADMIN;
			if (nc->mode == NIC_MODE_BRIDGED) {
				struct bridged_props bp;
				char e[8];

				caps |= SANDBOX_CAP_NET_RAW;
				if (bridged_parse(nc, i + 1, &bp, e, sizeof(e)) == 0 && bp.hostreach)
					caps |= SANDBOX_CAP_NET_ADMIN;
			}
		}
		if (caps & SANDBOX_CAP_NET_BIND_SERVICE)
			nat_allow_ping_group(o->gid);
		if ((size_t)snprintf(ctl, sizeof(ctl), "%s/%s.ctl", run_dir, cfg->name) <
		    sizeof(ctl))
			own[1] = ctl;
	}
	return sandbox_enter_home(o, caps, cfg->home, own, err, errlen);
}

/* natnetwork start --user: the service keeps CAP_NET_BIND_SERVICE (rules
 * below 1024 applied at run time); its files under run/ become the user's
 * when NATD_HOME is. */
int sandbox_enter_natnet(const struct sandbox_opts *sb, const char *home, const char *name,
			 char *err, size_t errlen)
{
	static const char *const suffixes[] = { "pid", "ctl", "sock", "key", "log" };
	char paths[5][PATH_MAX], run[PATH_MAX];
	const char *own[7];
	unsigned n = 0;

	_Static_assert(sizeof(own) / sizeof(own[0]) <= SANDBOX_OWN_MAX + 1, "own");
	snprintf(run, sizeof(run), "%s/run", home);
	own[n++] = run;
	for (unsigned i = 0; i < 5; i++)
		if (natnet_run_path(home, name, suffixes[i], paths[i], sizeof(paths[i])) == 0)
			own[n++] = paths[i];
	own[n] = NULL;
	if (sb->have_user)
		nat_allow_ping_group(sb->gid);
	return sandbox_enter_home(sb, SANDBOX_CAP_NET_BIND_SERVICE, home, own, err, errlen);
}
