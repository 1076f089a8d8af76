/* SPDX-License-Identifier: MIT */
/*
 * switch_hostif.c - the host's own interface as a port of the switch (see
 * switch_add_hostif() in switch.h): a device the switch opens itself, in a
 * slot like a VM port's, whose view is a host port's (pinned MAC, never a
 * promiscuous VM copy) and which gets every frame while `all` is set.
 *
 * Frames from it are switched like a VM port's (switch_port_frame); frames
 * to it go out with device_send(), one write per frame, since a tap takes
 * them synchronously and lwIP is not involved. The device is closed with
 * the other ports in switch_close().
 */
#include "l2/switch_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static struct switch_port *switch_hostif_port(struct eth_switch *sw)
{
	for (unsigned p = 0; p < sw->hi; p++)
		if (sw->ports[p].hostif && sw->ports[p].dev)
			return &sw->ports[p];
	return NULL;
}

static void switch_hostif_link(void *opaque, bool up)
{
	struct switch_port *pt = opaque;
	struct eth_switch *sw = pt->sw;

	if (pt->up == up)
		return;
	pt->up = sw->views[pt->idx].live = up;
	log_info("%s: port %u: the host's interface %s", sw->name, pt->idx,
		 up ? "is attached" : "went away");
	switch_notify(sw, pt, !up);
}

int switch_add_hostif(struct eth_switch *sw, const char *spec, const uint8_t mac[6],
		      bool promisc, char *err, size_t errlen)
{
	struct device_handler h;
	struct switch_port *pt;
	int r;

	if (sw->closing || (mac[0] & 1))
		return errfmt(err, errlen, -EINVAL, "%s: host interface %s: group MAC", sw->name,
			      spec);
	if (switch_hostif_port(sw))
		return errfmt(err, errlen, -EEXIST, "%s: it has a host interface", sw->name);
	pt = switch_port_free_slot(sw);
	if (!pt)
		return errfmt(err, errlen, -ENOSPC, "%s: all %d ports in use", sw->name,
			      SWITCH_MAX_PORTS);
	switch_port_reset(pt, true);
	h = (struct device_handler){ .frame = switch_port_frame,
				     .batch_end = switch_port_batch_end,
				     .link = switch_hostif_link, .opaque = pt,
				     .offload = false };
	r = device_open(sw->loop, spec, &h, &pt->dev, err, errlen);
	if (r < 0) {
		pt->dev = NULL;
		switch_port_reset(pt, false);
		return r;
	}
	pt->hostif = true;
	pt->info.hostif = true;
	pt->info.pid = getpid();
	pt->info.uid = getuid();
	switch_update_hi(sw);
	switch_set_hostif(sw, mac, promisc);
	return 0;
}

void switch_set_hostif(struct eth_switch *sw, const uint8_t mac[6], bool promisc)
{
	struct switch_port *pt = switch_hostif_port(sw);
	struct switch_pview *v;

	if (!pt || (mac[0] & 1))
		return;
	v = &sw->views[pt->idx];
	if (v->all != promisc)
		log_info("%s: port %u: the host's interface is %spromiscuous: it gets %s",
			 sw->name, pt->idx, promisc ? "" : "no longer ",
			 promisc ? "every frame" : "its own and group frames");
	v->all = promisc;
	v->pinned = true;
	memcpy(v->pinned_mac, mac, 6);
	memcpy(pt->info.mac, mac, 6);
	pt->info.mac_known = true;
}
