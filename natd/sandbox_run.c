/* SPDX-License-Identifier: MIT */
/*
 * sandbox_run.c - what `natd run` keeps and gives away when it enters the
 * sandbox (natd/sandbox.h): the capabilities its adapters may still need,
 * the files that become the target user's, ICMP "ping" sockets for the
 * target group.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "forwarders/nat.h"
#include "natd/config.h"
#include "natd/sandbox.h"

/*
 * Kept after --user: CAP_NET_BIND_SERVICE with a NAT adapter (controlvm
 * natpf<x> may add a rule below 1024 at run time), CAP_NET_ADMIN with a tap
 * (setlinkstate<x> sets its carrier). run_dir becomes the user's when
 * NATD_HOME is the user's, so that natd can still remove its sockets when
 * it stops and reach switch sockets made later.
 */
int sandbox_enter_run(const struct natd_config *cfg, const char *run_dir, char *err,
		      size_t errlen)
{
	const struct sandbox_opts *o = &cfg->sandbox;
	char ctl[PATH_MAX];
	const char *own[3] = { NULL, NULL, NULL };
	unsigned caps = 0, n = 0;
	struct stat st;

	if (o->have_user) {
		for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
			const struct nic_config *nc = &cfg->nic[i];

			if (!nc->configured || nc->mode == NIC_MODE_NONE)
				continue;
			if (nc->mode == NIC_MODE_NAT)
				caps |= SANDBOX_CAP_NET_BIND_SERVICE;
			if (!strncmp(nc->attach, "tap:", 4))
				caps |= SANDBOX_CAP_NET_ADMIN;
		}
		if (caps & SANDBOX_CAP_NET_BIND_SERVICE)
			nat_allow_ping_group(o->gid);
		if (stat(cfg->home, &st) == 0 && st.st_uid == o->uid) {
			own[n++] = run_dir;
		} else {
			log_warn("sandbox: NATD_HOME %s is not %s's: natd cannot remove its "
				 "sockets in %s when it stops (the next start replaces them); "
				 "give natd run --user a NATD_HOME of that user's", cfg->home,
				 o->user, run_dir);
		}
		if ((size_t)snprintf(ctl, sizeof(ctl), "%s/%s.ctl", run_dir, cfg->name) <
		    sizeof(ctl))
			own[n++] = ctl;
	}
	return sandbox_enter(o, caps, own, err, errlen);
}
