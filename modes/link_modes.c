/* SPDX-License-Identifier: MIT */
/*
 * link_modes.c - what the switch-joining modes share (see link_modes.h).
 *
 * While the link has no switch (the network stopped, its daemon gone), a
 * one-second timer asks mode_env.find_switch again: for an internal network
 * that starts a new daemon, and either way it picks up the switch's new
 * secret, so that the hello sent at the next join is one the switch takes.
 */
#include "modes/link_modes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "l2/switch.h"

#define LINK_MODE_RETRY_MS 1000

struct link_adapter {
	struct l2_link *link;
	struct mode_env env;
	enum nic_mode mode;
	char home[PATH_MAX];
	char vm[NATD_NAME_MAX];
	char name[NATD_NAME_MAX];
	unsigned adapter;
	uint8_t mac[6];
	enum nic_promisc promisc;
	struct mode_switch sw;
	uv_timer_t retry;          /* runs while the switch is gone */
	struct log_ratelimit rl;
	void (*closed)(void *opaque);
	void *closed_opaque;
	unsigned closes;
};

static size_t link_mode_hello(void *opaque, uint8_t *buf, size_t cap)
{
	struct link_adapter *a = opaque;
	int n = switch_hello_build(buf, cap, a->sw.secret, a->vm, a->adapter, a->mac,
				   (enum switch_policy)a->promisc);

	return n > 0 ? (size_t)n : 0;
}

/* The switch again: a new secret, or (internal network) a new daemon. */
static void link_mode_refind(struct link_adapter *a)
{
	struct mode_switch sw;
	char err[512];

	if (a->env.find_switch(a->mode, a->home, a->name, &sw, err, sizeof(err)) < 0) {
		log_ratelimited(&a->rl, LOG_LVL_WARN, "nic%u: %s", a->adapter, err);
		return;
	}
	a->sw = sw;
}

static void link_mode_retry(uv_timer_t *t)
{
	link_mode_refind(t->data);
}

static void link_mode_joined(void *opaque, bool up)
{
	struct link_adapter *a = opaque;

	if (up) {
		link_mode_refind(a); /* the hello about to go out needs its secret */
		uv_timer_stop(&a->retry);
	} else {
		uv_timer_start(&a->retry, link_mode_retry, LINK_MODE_RETRY_MS, LINK_MODE_RETRY_MS);
	}
}

static void link_mode_free_cb(uv_handle_t *h)
{
	free(h->data);
}

int link_mode_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
		    const char *name, const char *what, void **state, char *err, size_t errlen)
{
	struct l2_link_config lc;
	struct link_adapter *a;
	int rc;

	a = calloc(1, sizeof(*a));
	if (!a)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	snprintf(a->home, sizeof(a->home), "%s", env->home);
	snprintf(a->vm, sizeof(a->vm), "%s", env->vm);
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->env = *env;
	a->env.home = a->home;
	a->env.vm = a->vm;
	a->mode = cfg->mode;
	a->adapter = x;
	a->promisc = cfg->promisc;
	memcpy(a->mac, cfg->mac, 6); /* given or derived: the VM's card's */
	rc = env->find_switch(cfg->mode, a->home, name, &a->sw, err, errlen);
	if (rc < 0) {
		free(a);
		return rc;
	}
	lc = (struct l2_link_config){ .adapter = x, .attach = cfg->attach,
				      .switch_spec = a->sw.spec, .network = what,
				      .cable = cfg->cable_connected, .hello = link_mode_hello,
				      .joined = link_mode_joined, .opaque = a };
	uv_timer_init(env->loop, &a->retry); /* before the link: it may join at once */
	a->retry.data = a;
	rc = l2_link_start(env->loop, &lc, &a->link, err, errlen);
	if (rc < 0) {
		uv_close((uv_handle_t *)&a->retry, link_mode_free_cb);
		return rc;
	}
	if (!a->sw.running)
		link_mode_joined(a, false);
	*state = a;
	return 0;
}

bool link_mode_running(void *state)
{
	return ((struct link_adapter *)state)->sw.running;
}

void link_mode_set_cable(void *state, bool connected)
{
	struct link_adapter *a = state;

	l2_link_set_cable(a->link, connected);
}

int link_mode_set_promisc(void *state, enum nic_promisc p, char *err, size_t errlen)
{
	struct link_adapter *a = state;

	(void)err;
	(void)errlen;
	a->promisc = p;
	l2_link_send_hello(a->link);
	return 0;
}

struct device *link_mode_vm_device(void *state)
{
	struct link_adapter *a = state;

	return l2_link_vm_device(a->link);
}

json_t *link_mode_info(void *state, unsigned x, const struct nic_config *cfg)
{
	struct link_adapter *a = state;
	struct l2_link_stats st;

	l2_link_get_stats(a->link, &st);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:I, s:I, s:I, s:I}",
		"adapter", (json_int_t)x, "mode", adapter_mode_name(cfg->mode),
		cfg->mode == NIC_MODE_NATNETWORK ? "nat_network" :
		cfg->mode == NIC_MODE_HOSTONLY ? "hostonly_adapter" : "intnet", a->name,
		"promisc", adapter_promisc_name(a->promisc),
		"attach", cfg->attach, "switch", a->sw.spec + strlen("stream-connect:"),
		"vm_attached", st.vm_attached, "joined", st.joined,
		"cable", l2_link_cable(a->link), "guest_link", l2_link_guest_link(a->link),
		"frames_to_network", (json_int_t)st.to_network,
		"frames_from_network", (json_int_t)st.from_network,
		"frames_dropped", (json_int_t)st.dropped, "joins", (json_int_t)st.joins);
}

static void link_mode_part_closed(void *opaque)
{
	struct link_adapter *a = opaque;
	void (*closed)(void *) = a->closed;
	void *closed_opaque = a->closed_opaque;

	if (--a->closes)
		return;
	free(a);
	if (closed)
		closed(closed_opaque);
}

static void link_mode_timer_closed(uv_handle_t *h)
{
	link_mode_part_closed(h->data);
}

void link_mode_stop(void *state, void (*closed)(void *opaque), void *opaque)
{
	struct link_adapter *a = state;

	a->closed = closed;
	a->closed_opaque = opaque;
	a->closes = 2;
	uv_close((uv_handle_t *)&a->retry, link_mode_timer_closed);
	l2_link_stop(a->link, link_mode_part_closed, a);
}
