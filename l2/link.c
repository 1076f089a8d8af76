/* SPDX-License-Identifier: MIT */
/*
 * link.c - a VM's adapter joined to a switch in another process (see link.h).
 *
 * Two devices (devices/device.h) on the loop: the VM's transport, opened
 * from --attach<x>, and the switch's "stream-connect:PATH", whose backend
 * reconnects every second while the switch is absent. Each
 * frame from one is sent to the other in its frame callback; a transport
 * that is full or absent drops the frame, as a cable to a switch would. A
 * hello frame (l2/switch_hello.h) from the VM is dropped: only the link's
 * owner introduces the port to the switch.
 */
#include "l2/link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "devices/device.h"
#include "l2/switch_hello.h"

#define LINK_HELLO_MAX SWITCH_HELLO_MAX

struct l2_link {
	unsigned adapter;
	char *attach, *network;
	struct device *vm;       /* the VM's transport */
	struct device *net;      /* the switch */
	bool cable;
	bool once;               /* the other side does not reconnect */
	bool joined_once;
	size_t (*hello)(void *opaque, uint8_t *buf, size_t cap);
	void (*joined)(void *opaque, bool up);
	void *opaque;
	struct l2_link_stats st;
	unsigned closes;
	struct log_ratelimit rl;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

static void link_from_vm(void *opaque, const uint8_t *frame, size_t len)
{
	struct l2_link *l = opaque;

	if (switch_frame_is_hello(frame, len)) {
		/* Only natd speaks for the port: a guest's "hello" never leaves. */
		l->st.dropped++;
		log_ratelimited(&l->rl, LOG_LVL_WARN, "nic%u: the VM sent a switch hello "
				"frame; dropped", l->adapter);
		return;
	}
	if (!l->cable || !l->net || device_send(l->net, frame, len) < 0) {
		l->st.dropped++;
		return;
	}
	l->st.to_network++;
}

static void link_from_net(void *opaque, const uint8_t *frame, size_t len)
{
	struct l2_link *l = opaque;

	if (!l->cable || !l->vm || device_send(l->vm, frame, len) < 0) {
		l->st.dropped++;
		return;
	}
	l->st.from_network++;
}

static void link_vm_link(void *opaque, bool up)
{
	struct l2_link *l = opaque;

	l->st.vm_attached = up;
	log_info("nic%u: VM %s (%s)", l->adapter, up ? "attached" : "detached", l->attach);
}

void l2_link_send_hello(struct l2_link *l)
{
	uint8_t frame[LINK_HELLO_MAX];
	size_t n;

	if (!l->hello || !l->net || !l->st.joined)
		return;
	n = l->hello(l->opaque, frame, sizeof(frame));
	if (n && device_send(l->net, frame, n) < 0)
		log_warn("nic%u: cannot tell %s about this port", l->adapter, l->network);
}

static void link_net_link(void *opaque, bool up)
{
	struct l2_link *l = opaque;

	l->st.joined = up;
	if (up) {
		l->st.joins++;
		log_info("nic%u: joined %s%s", l->adapter, l->network,
			 l->joined_once ? " again" : "");
		l->joined_once = true;
	} else if (l->once) {
		log_warn("nic%u: %s went away; the VM's link stays up, its frames are "
			 "dropped", l->adapter, l->network);
	} else {
		log_warn("nic%u: %s went away (stopped?); the VM's link stays up, "
			 "reconnecting every second", l->adapter, l->network);
	}
	if (l->joined)
		l->joined(l->opaque, up); /* first: the owner may renew what the hello says */
	if (up)
		l2_link_send_hello(l);
}

static void link_free(struct l2_link *l)
{
	free(l->attach);
	free(l->network);
	free(l);
}

int l2_link_start(uv_loop_t *loop, const struct l2_link_config *cfg, struct l2_link **out,
		  char *err, size_t errlen)
{
	struct device_handler h;
	struct l2_link *l;
	int rc;

	l = calloc(1, sizeof(*l));
	if (!l || !(l->attach = strdup(cfg->attach)) || !(l->network = strdup(cfg->network))) {
		snprintf(err, errlen, "out of memory");
		if (l)
			link_free(l);
		return -ENOMEM;
	}
	l->adapter = cfg->adapter;
	l->cable = cfg->cable;
	l->once = cfg->once;
	l->hello = cfg->hello;
	l->joined = cfg->joined;
	l->opaque = cfg->opaque;
	h = (struct device_handler){ .frame = link_from_vm, .link = link_vm_link, .opaque = l };
	rc = device_open(loop, cfg->attach, &h, &l->vm, err, errlen);
	if (rc < 0) {
		link_free(l);
		return rc;
	}
	h = (struct device_handler){ .frame = link_from_net, .link = link_net_link,
				     .opaque = l };
	rc = device_open(loop, cfg->switch_spec, &h, &l->net, err, errlen);
	if (rc < 0) {
		device_close(l->vm, NULL, NULL);
		link_free(l);
		return rc;
	}
	if (!l->cable)
		device_set_carrier(l->vm, false);
	*out = l;
	return 0;
}

void l2_link_set_cable(struct l2_link *l, bool connected)
{
	l->cable = connected;
	device_set_carrier(l->vm, connected);
}

struct device *l2_link_vm_device(struct l2_link *l)
{
	return l->vm;
}

bool l2_link_cable(const struct l2_link *l)
{
	return l->cable;
}

const char *l2_link_guest_link(const struct l2_link *l)
{
	return device_guest_link(l->vm);
}

void l2_link_get_stats(const struct l2_link *l, struct l2_link_stats *st)
{
	*st = l->st;
}

const struct device *l2_link_network(const struct l2_link *l)
{
	return l->net;
}

static void link_dev_closed(void *opaque)
{
	struct l2_link *l = opaque;
	void (*closed)(void *) = l->closed;
	void *closed_opaque = l->closed_opaque;

	if (--l->closes)
		return;
	link_free(l);
	if (closed)
		closed(closed_opaque);
}

void l2_link_stop(struct l2_link *l, void (*closed)(void *opaque), void *opaque)
{
	struct device *vm = l->vm, *net = l->net;

	l->closed = closed;
	l->closed_opaque = opaque;
	l->closes = 2;
	l->vm = l->net = NULL;
	device_close(vm, link_dev_closed, l);
	device_close(net, link_dev_closed, l);
}
