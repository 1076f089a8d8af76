/* SPDX-License-Identifier: MIT */
/*
 * natnet_link.c - `natd run` adapters in natnetwork mode (see natnet_link.h).
 *
 * Two devices (devices/device.h) on the loop: the VM's transport, opened
 * from --attach<x>, and "stream-connect:$NATD_HOME/run/natnet-NAME.sock",
 * whose backend reconnects every second while the switch is absent. Each
 * frame from one is sent to the other in its frame callback; a transport
 * that is full or absent drops the frame, as a cable to a switch would.
 */
#include "natd/natnet_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/device.h"
#include "base/log.h"
#include "natd/natnet_service.h"
#include "natd/natnet_store.h"

struct natnet_link {
	unsigned adapter;
	const struct nic_config *cfg;
	struct device *vm;       /* the VM's transport */
	struct device *net;      /* the switch */
	bool cable;
	bool joined_once;
	struct natnet_link_stats st;
	unsigned closes;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

static void link_from_vm(void *opaque, const uint8_t *frame, size_t len)
{
	struct natnet_link *l = opaque;

	if (!l->cable || !l->net || device_send(l->net, frame, len) < 0) {
		l->st.dropped++;
		return;
	}
	l->st.to_network++;
}

static void link_from_net(void *opaque, const uint8_t *frame, size_t len)
{
	struct natnet_link *l = opaque;

	if (!l->cable || !l->vm || device_send(l->vm, frame, len) < 0) {
		l->st.dropped++;
		return;
	}
	l->st.from_network++;
}

static void link_vm_link(void *opaque, bool up)
{
	struct natnet_link *l = opaque;

	l->st.vm_attached = up;
	log_info("nic%u: VM %s (%s)", l->adapter, up ? "attached" : "detached",
		 l->cfg->attach);
}

static void link_net_link(void *opaque, bool up)
{
	struct natnet_link *l = opaque;

	l->st.joined = up;
	if (up) {
		l->st.joins++;
		log_info("nic%u: joined NAT network %s%s", l->adapter, l->cfg->nat_network,
			 l->joined_once ? " again" : "");
		l->joined_once = true;
	} else {
		log_warn("nic%u: NAT network %s went away (stopped?); the VM's link stays "
			 "up, reconnecting every second", l->adapter, l->cfg->nat_network);
	}
}

/* Is the network defined and enabled? Reads natd.json without the lock
 * (it is only ever replaced whole). */
static int link_check_network(const char *home, const char *name, char *err, size_t errlen)
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

int natnet_link_start(uv_loop_t *loop, unsigned adapter, const struct nic_config *cfg,
		      const char *home, struct natnet_link **out, char *err, size_t errlen)
{
	char sock[PATH_MAX], spec[PATH_MAX + 32];
	struct device_handler h;
	struct natnet_link *l;
	int rc;

	rc = link_check_network(home, cfg->nat_network, err, errlen);
	if (rc < 0)
		return rc;
	if (natnet_run_path(home, cfg->nat_network, "sock", sock, sizeof(sock)) < 0 ||
	    (size_t)snprintf(spec, sizeof(spec), "stream-connect:%s", sock) >= sizeof(spec) ||
	    device_spec_check(spec, err, errlen) < 0) {
		snprintf(err, errlen, "the switch socket path under NATD_HOME is too long for "
			 "a UNIX socket");
		return -ENAMETOOLONG;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->adapter = adapter;
	l->cfg = cfg;
	l->cable = cfg->cable_connected;
	h = (struct device_handler){ .frame = link_from_vm, .link = link_vm_link, .opaque = l };
	rc = device_open(loop, cfg->attach, &h, &l->vm, err, errlen);
	if (rc < 0) {
		free(l);
		return rc;
	}
	h = (struct device_handler){ .frame = link_from_net, .link = link_net_link,
				     .opaque = l };
	rc = device_open(loop, spec, &h, &l->net, err, errlen);
	if (rc < 0) {
		device_close(l->vm, NULL, NULL);
		free(l);
		return rc;
	}
	if (natnet_service_running(home, cfg->nat_network, NULL) != 1)
		log_warn("nic%u: NAT network %s is not running; waiting for `natd natnetwork "
			 "start --netname %s`", adapter, cfg->nat_network, cfg->nat_network);
	*out = l;
	return 0;
}

void natnet_link_set_cable(struct natnet_link *l, bool connected)
{
	l->cable = connected;
}

void natnet_link_get_stats(const struct natnet_link *l, struct natnet_link_stats *st)
{
	*st = l->st;
}

static void link_dev_closed(void *opaque)
{
	struct natnet_link *l = opaque;
	void (*closed)(void *) = l->closed;
	void *closed_opaque = l->closed_opaque;

	if (--l->closes)
		return;
	free(l);
	if (closed)
		closed(closed_opaque);
}

void natnet_link_stop(struct natnet_link *l, void (*closed)(void *opaque), void *opaque)
{
	struct device *vm = l->vm, *net = l->net;

	l->closed = closed;
	l->closed_opaque = opaque;
	l->closes = 2;
	l->vm = l->net = NULL;
	device_close(vm, link_dev_closed, l);
	device_close(net, link_dev_closed, l);
}
