/* SPDX-License-Identifier: MIT */
/*
 * switch_policy.c - the switch's decisions, as pure functions (no I/O, no
 * state of their own): who receives a frame (switch_internal.h) and which
 * peers may attach (switch.h). switch.c calls them; the unit tests drive
 * them directly.
 */
#include "l2/switch_internal.h"

#include <string.h>

bool switch_peer_allowed(const struct switch_config *cfg, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t n)
{
	if (uid == 0 || uid == cfg->owner_uid)
		return true;
	if (cfg->share_gid == (gid_t)-1)
		return false;
	if (gid == cfg->share_gid)
		return true;
	for (size_t i = 0; i < n; i++)
		if (groups[i] == cfg->share_gid)
			return true;
	return false;
}

/* --- own addresses ------------------------------------------------------- */

bool switch_pview_owns(const struct switch_pview *v, const uint8_t mac[6])
{
	if (v->pinned && !memcmp(v->pinned_mac, mac, 6))
		return true;
	for (unsigned i = 0; i < v->n_own; i++)
		if (!memcmp(v->own[i], mac, 6))
			return true;
	return false;
}

void switch_pview_learn(struct switch_pview *v, const uint8_t mac[6])
{
	if (switch_pview_owns(v, mac))
		return;
	memcpy(v->own[v->own_next], mac, 6);
	v->own_next = (v->own_next + 1) % SWITCH_OWN_MACS;
	if (v->n_own < SWITCH_OWN_MACS)
		v->n_own++;
}

void switch_pview_forget(struct switch_pview *v, const uint8_t mac[6])
{
	uint8_t keep[SWITCH_OWN_MACS][6];
	unsigned n = 0;

	/* Oldest first, so the ring's order survives. */
	for (unsigned i = 0; i < v->n_own; i++) {
		unsigned k = (v->own_next + SWITCH_OWN_MACS - v->n_own + i) % SWITCH_OWN_MACS;

		if (memcmp(v->own[k], mac, 6))
			memcpy(keep[n++], v->own[k], 6);
	}
	if (n == v->n_own)
		return;
	memcpy(v->own, keep, sizeof(keep));
	v->n_own = n;
	v->own_next = n % SWITCH_OWN_MACS;
}

/* --- delivery -------------------------------------------------------------- */

static void set_port(struct switch_portset *s, unsigned p, unsigned *count)
{
	if (!switch_portset_has(s, p)) {
		s->w[p / 64] |= (uint64_t)1 << (p % 64);
		(*count)++;
	}
}

unsigned switch_decide(const struct switch_pview *views, unsigned n, unsigned in,
		       const uint8_t dst[6], int fdb_port, struct switch_portset *out,
		       bool *flooded)
{
	bool dst_host = false;
	unsigned count = 0;
	int target = -1;

	memset(out, 0, sizeof(*out));
	*flooded = true;
	if (dst[0] & 1) {
		for (unsigned p = 0; p < n; p++)
			if (p != in && views[p].live)
				set_port(out, p, &count);
		return count;
	}
	/* A host port's own address means that port, whatever was learnt. */
	for (unsigned p = 0; p < n && target < 0; p++)
		if (views[p].live && views[p].host && views[p].pinned &&
		    !memcmp(views[p].pinned_mac, dst, 6))
			target = (int)p;
	if (target < 0 && fdb_port >= 0 && (unsigned)fdb_port < n && views[fdb_port].live)
		target = fdb_port;
	if (target >= 0) {
		*flooded = false;
		dst_host = views[target].host;
		if ((unsigned)target != in)
			set_port(out, (unsigned)target, &count);
	} else {
		/* Unknown: flooded, but a host or deny port only gets its own
		 * addresses (not aged out here: a silent VM still gets them),
		 * and the others what their policy lets them see (below). */
		for (unsigned p = 0; p < n; p++)
			if (p != in && views[p].live &&
			    (views[p].uplink || switch_pview_owns(&views[p], dst))) {
				dst_host |= views[p].host;
				set_port(out, p, &count);
			}
	}
	/* Promiscuous ports: allow-all sees everything, allow-vms what goes
	 * between two VMs; host ports only when marked `all` (the host's
	 * interface in promiscuous mode: a capture on the host). */
	for (unsigned p = 0; p < n; p++) {
		const struct switch_pview *v = &views[p];

		if (p == in || !v->live)
			continue;
		if (v->host) {
			if (v->all)
				set_port(out, p, &count);
			continue;
		}
		if (v->policy == SWITCH_POLICY_ALLOW_ALL ||
		    (v->policy == SWITCH_POLICY_ALLOW_VMS && !views[in].host && !dst_host))
			set_port(out, p, &count);
	}
	return count;
}
