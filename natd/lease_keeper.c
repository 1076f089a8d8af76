/* SPDX-License-Identifier: MIT */
/*
 * lease_keeper.c - a DHCP server's leases kept in a file (see
 * lease_keeper.h). A lease event marks the table dirty and arms a zero
 * timer: the server updates its table around the event, so the file is
 * written once the loop turns, with the table as it then is.
 */
#include "natd/lease_keeper.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "forwarders/nic.h"
#include "natd/natnet_leases.h"
#include "stack/stack.h"

struct lease_keeper {
	struct nic *nic;
	char path[PATH_MAX];
	uv_timer_t timer;
	bool dirty;
};

struct lease_collect {
	struct natnet_lease *l;
	size_t n, max;
	uint64_t now_ms;
	time_t now;
};

static int keeper_collect(void *opaque, const struct dhcp_lease_info *li)
{
	struct lease_collect *lc = opaque;
	struct natnet_lease *l;

	if (!li->bound || li->expires_ms <= lc->now_ms || lc->n >= lc->max)
		return 0;
	l = &lc->l[lc->n++];
	memset(l, 0, sizeof(*l));
	memcpy(l->mac, li->mac, 6);
	l->addr = li->addr;
	snprintf(l->hostname, sizeof(l->hostname), "%s", li->hostname);
	l->expires = (int64_t)lc->now + (int64_t)((li->expires_ms - lc->now_ms + 999) / 1000);
	return 0;
}

static void keeper_save(struct lease_keeper *k)
{
	static struct natnet_lease buf[NATNET_MAX_LEASES];
	struct lease_collect lc = { buf, 0, NATNET_MAX_LEASES, stack_now_ms(), time(NULL) };
	char err[512];

	k->dirty = false;
	nic_foreach_lease(k->nic, keeper_collect, &lc);
	if (natnet_leases_write(k->path, buf, lc.n, err, sizeof(err)) < 0)
		log_warn("cannot save the leases: %s", err);
}

static void keeper_timer_cb(uv_timer_t *t)
{
	struct lease_keeper *k = t->data;

	if (k->dirty)
		keeper_save(k);
}

static void keeper_event(void *opaque, enum dhcp_lease_event_kind ev,
			 const struct dhcp_lease_info *l)
{
	struct lease_keeper *k = opaque;

	(void)ev;
	(void)l;
	k->dirty = true;
	uv_timer_start(&k->timer, keeper_timer_cb, 0, 0);
}

static void keeper_restore(struct lease_keeper *k)
{
	static struct natnet_lease buf[NATNET_MAX_LEASES];
	time_t now = time(NULL);
	char err[512];
	int n, restored = 0;

	n = natnet_leases_read(k->path, now, buf, NATNET_MAX_LEASES, err, sizeof(err));
	if (n < 0) {
		log_warn("leases not restored: %s", err);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct dhcp_lease_info li;

		memset(&li, 0, sizeof(li));
		li.addr = buf[i].addr;
		memcpy(li.mac, buf[i].mac, 6);
		snprintf(li.hostname, sizeof(li.hostname), "%s", buf[i].hostname);
		li.expires_ms = stack_now_ms() + (uint64_t)(buf[i].expires - now) * 1000u;
		li.bound = true;
		if (nic_restore_lease(k->nic, &li) == 0)
			restored++;
	}
	if (restored)
		log_info("restored %d DHCP lease%s", restored, restored == 1 ? "" : "s");
}

int lease_keeper_start(uv_loop_t *loop, struct nic *nic, const char *path,
		       struct lease_keeper **out, char *err, size_t errlen)
{
	struct lease_keeper *k = calloc(1, sizeof(*k));

	if (!k)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	if ((size_t)snprintf(k->path, sizeof(k->path), "%s", path) >= sizeof(k->path)) {
		free(k);
		return errfmt(err, errlen, -ENAMETOOLONG, "%s: path too long", path);
	}
	k->nic = nic;
	uv_timer_init(loop, &k->timer);
	k->timer.data = k;
	keeper_restore(k);
	nic_set_lease_observer(nic, keeper_event, k);
	*out = k;
	return 0;
}

static void keeper_closed(uv_handle_t *h)
{
	free(h->data);
}

void lease_keeper_stop(struct lease_keeper *k, bool save)
{
	if (save)
		keeper_save(k);
	nic_set_lease_observer(k->nic, NULL, NULL);
	uv_close((uv_handle_t *)&k->timer, keeper_closed);
}
