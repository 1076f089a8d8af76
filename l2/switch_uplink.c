/* SPDX-License-Identifier: MIT */
/*
 * switch_uplink.c - the switch's uplink (see switch_set_uplink() in
 * switch.h): a port whose device (a dgram: UDP tunnel, a vde: switch) is
 * opened from a spec instead of accepted on the socket. Its view is marked
 * uplink, so the delivery decision (switch_policy.c) floods unknown
 * destinations to it; switch.c's port link callback keeps it in its slot
 * while its device is down.
 */
#include "l2/switch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "devices/device.h"
#include "l2/switch_internal.h"

/* Opens spec in a free slot as the uplink: 0, or -errno with err. */
static int switch_uplink_open(struct eth_switch *sw, const char *spec, char *err,
			      size_t errlen)
{
	struct switch_port *pt = switch_port_free_slot(sw);
	struct device_handler h;
	char *copy;
	int r;

	if (!pt)
		return errfmt(err, errlen, -ENOSPC, "%s: all %d ports in use", sw->name,
			      SWITCH_MAX_PORTS);
	copy = strdup(spec);
	if (!copy)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	switch_port_reset(pt, false);
	pt->info.pid = getpid();
	pt->info.uid = getuid();
	h = (struct device_handler){ .frame = switch_port_frame,
				     .batch_end = switch_port_batch_end,
				     .link = switch_port_link, .opaque = pt };
	pt->uplink = true; /* before the device may report its link */
	sw->views[pt->idx].uplink = true;
	r = device_open(sw->loop, spec, &h, &pt->dev, err, errlen);
	if (r < 0) {
		pt->dev = NULL;
		pt->uplink = false;
		sw->views[pt->idx].uplink = false;
		free(copy);
		return r;
	}
	pt->info.uplink = true;
	sw->uplink = (int)pt->idx;
	free(sw->uplink_spec);
	sw->uplink_spec = copy;
	switch_update_hi(sw);
	return 0;
}

static void switch_uplink_close(struct eth_switch *sw)
{
	struct switch_port *pt;

	if (sw->uplink < 0)
		return;
	pt = &sw->ports[sw->uplink];
	sw->uplink = -1;
	free(sw->uplink_spec);
	sw->uplink_spec = NULL;
	switch_port_reset(pt, false);
	switch_port_close(pt); /* the socket is closed now, its handle later */
}

int switch_set_uplink(struct eth_switch *sw, const char *spec, char *err, size_t errlen)
{
	char *old = NULL, why[256];
	int r;

	if (sw->closing)
		return errfmt(err, errlen, -ESHUTDOWN, "%s: closing", sw->name);
	if (sw->uplink_spec && !(old = strdup(sw->uplink_spec)))
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	switch_uplink_close(sw); /* first: a new one may want the same UDP port */
	r = spec ? switch_uplink_open(sw, spec, err, errlen) : 0;
	if (r < 0 && old && switch_uplink_open(sw, old, why, sizeof(why)) < 0)
		log_err("%s: the previous uplink %s could not be restored: %s", sw->name, old, why);
	if (r == 0)
		log_info("%s: uplink %s", sw->name, spec ? spec : "removed");
	free(old);
	return r;
}

void switch_get_uplink(const struct eth_switch *sw, struct switch_uplink_info *out)
{
	const struct switch_port *pt;

	memset(out, 0, sizeof(*out));
	if (sw->uplink < 0)
		return;
	pt = &sw->ports[sw->uplink];
	out->present = true;
	out->up = pt->up;
	snprintf(out->spec, sizeof(out->spec), "%s", sw->uplink_spec ? sw->uplink_spec : "");
	out->port = pt->info;
	if (pt->dev) {
		device_get_stats(pt->dev, &out->dev);
		out->port.rx_dropped += out->dev.rx_errors;
		out->n_peers = device_peers(pt->dev, out->peers, DEVICE_MAX_PEERS);
	}
}
