/* SPDX-License-Identifier: MIT */
/*
 * switch.c - natd's Ethernet switch (see switch.h): its socket, its ports
 * and the forwarding loop; who receives a frame is decided in
 * switch_policy.c, hello frames are parsed in switch_hello.c.
 *
 * Theory of operation
 * -------------------
 * The switch owns a listening UNIX socket (watched by one uv_poll_t), the
 * forwarding database (fdb.c) and a fixed array of ports, each with a view
 * (switch_internal.h: kind, policy, own addresses) the decision reads. An
 * accepted connection whose credentials pass becomes a "stream-fd:N" device
 * (devices/stream.c: QEMU framing, output ring, backpressure by dropping
 * whole frames) in the lowest free slot; the device reports link up from
 * its start timer and link down when the peer leaves, at which point the
 * switch forgets the port's addresses and closes the device. A slot is
 * reused only after the device's close callback. A host port is an
 * in-process endpoint in a slot of its own until it is removed.
 *
 * Frames are switched synchronously inside the receiving device's frame
 * callback. A frame for a host port goes into lwIP, which may answer at once
 * (an ARP reply, a TCP ACK): that answer re-enters switch_input() from the
 * host port and is sent on to VM ports before the outer call returns. This
 * is safe because a frame is never sent back to its ingress port and ports
 * are closed only from their own device's link callback, never from inside
 * forwarding. lwIP must never be entered twice, though: a frame from one
 * host port to another (all of them live in the one lwIP) is copied into a
 * small ring and delivered from an idle callback, at the top of the loop.
 * After each batch of frames from a VM (and after the ring is drained) every
 * host port that got frames gets one batch_end (lwIP's timers).
 *
 * The uplink (switch_uplink.c) is a device port too, opened from a device
 * spec rather than accepted; it keeps its slot while its device is down.
 *
 * Shutdown counts every handle and device still closing in `pending`; the
 * last close callback frees the switch.
 */
#include "l2/switch.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "devices/device.h"
#include "devices/inproc.h"
#include "l2/fdb.h"
#include "l2/switch_internal.h"

void switch_notify(struct eth_switch *sw, const struct switch_port *pt, bool gone)
{
	if (sw->observer && !sw->closing)
		sw->observer(sw->observer_opaque, &pt->info, gone);
}

/* A slot is taken (hi grows) or given back (hi may shrink). */
void switch_update_hi(struct eth_switch *sw)
{
	sw->hi = SWITCH_MAX_PORTS;
	while (sw->hi > 0 && !sw->ports[sw->hi - 1].host && !sw->ports[sw->hi - 1].dev &&
	       !sw->ports[sw->hi - 1].closing)
		sw->hi--;
}

/* --- forwarding ------------------------------------------------------------ */

static void switch_idle_cb(uv_idle_t *h);

/* A port's tag for the host ports' adapters (device_rx_port()): its number
 * and the generation of its slot, so a new connection on the same slot is
 * another sender; never 0 (gen is at least 1 once a slot is used). */
static uint32_t switch_port_tag(const struct switch_port *pt)
{
	uint32_t t = (uint32_t)pt->gen << 8 | (uint32_t)pt->idx;

	static_assert(SWITCH_MAX_PORTS <= 256, "port numbers fit 8 bits of a tag");
	return t ? t : UINT32_C(1) << 31; /* gen wrapped to a multiple of 2^24 */
}

/* Gives a frame from port `from` (its tag) to a host port's adapter (into
 * lwIP, at once). */
static int switch_host_deliver(struct eth_switch *sw, struct switch_port *pt, const uint8_t *f,
			       size_t len, uint32_t from)
{
	int r = pt->up ? inproc_endpoint_send(pt->ep, f, len, from) : -ENOTCONN;

	if (r == 0)
		pt->batch = sw->host_batch = true;
	return r;
}

/* Queues a frame between two host ports: 1 (queued), or -ENOBUFS. */
static int switch_defer(struct eth_switch *sw, const struct switch_port *pt, const uint8_t *f,
			size_t len, uint32_t from)
{
	unsigned i;

	if (!sw->idle_init || len > SWITCH_DEFER_FRAME || sw->defer_n == SWITCH_DEFER_SLOTS)
		return -ENOBUFS;
	i = (sw->defer_head + sw->defer_n++) % SWITCH_DEFER_SLOTS;
	sw->defer[i] = (struct switch_deferred){ pt->idx, pt->gen, from, len };
	memcpy(sw->defer_data[i], f, len);
	uv_idle_start(&sw->idle, switch_idle_cb); /* no-op when active */
	return 1;
}

static void switch_count_tx(struct eth_switch *sw, struct switch_port *pt, int r)
{
	if (r < 0) {
		pt->info.tx_dropped++;
		sw->st.dropped++;
	} else if (r == 0) {
		pt->info.tx_frames++;
	}
}

static void switch_host_batch_end(struct eth_switch *sw)
{
	if (!sw->host_batch || sw->closing)
		return;
	sw->host_batch = false;
	for (unsigned p = 0; p < sw->hi; p++)
		if (sw->ports[p].host && sw->ports[p].batch) {
			sw->ports[p].batch = false;
			inproc_endpoint_batch_end(sw->ports[p].ep);
		}
}

static void switch_idle_cb(uv_idle_t *h)
{
	struct eth_switch *sw = h->data;

	/* Only what was queued before: answers wait for the next turn. */
	for (unsigned n = sw->defer_n; n > 0 && sw->defer_n > 0 && !sw->closing; n--) {
		unsigned i = sw->defer_head;
		struct switch_deferred d = sw->defer[i];
		struct switch_port *pt = &sw->ports[d.port];
		bool same = pt->host && pt->gen == d.gen; /* not removed meanwhile */
		int r = same ? switch_host_deliver(sw, pt, sw->defer_data[i], d.len, d.from) :
			       -ENOTCONN;

		sw->defer_head = (i + 1) % SWITCH_DEFER_SLOTS;
		sw->defer_n--;
		if (same)
			switch_count_tx(sw, pt, r);
		else
			sw->st.dropped++;
	}
	if (sw->defer_n == 0 || sw->closing)
		uv_idle_stop(&sw->idle);
	switch_host_batch_end(sw);
}

static void switch_send(struct eth_switch *sw, const struct switch_port *in,
			struct switch_port *pt, const uint8_t *f, size_t len)
{
	int r = -ENOTCONN;

	if (pt->host && in->host)
		r = switch_defer(sw, pt, f, len, switch_port_tag(in)); /* lwIP is on the stack */
	else if (pt->host)
		r = switch_host_deliver(sw, pt, f, len, switch_port_tag(in));
	else if (pt->dev && pt->up)
		r = device_send(pt->dev, f, len);
	switch_count_tx(sw, pt, r);
}

/* A valid hello changes the port; anything else sent to the hello address
 * is dropped. */
static void switch_hello_in(struct eth_switch *sw, struct switch_port *pt, const uint8_t *f,
			    size_t len)
{
	struct switch_pview *v = &sw->views[pt->idx];
	struct switch_port_info *i = &pt->info;
	struct switch_hello h;
	bool changed;
	int r = pt->host || pt->hostif ? -EINVAL
				       : switch_hello_parse(f, len, sw->cfg.secret, &h);

	if (r < 0) {
		i->rx_dropped++;
		sw->st.dropped++;
		sw->st.bad_hellos++;
		log_ratelimited(&sw->rl, LOG_LVL_WARN, "%s: port %u: hello dropped (%s)", sw->name,
				pt->idx, r == -EPERM ? "wrong secret" : "malformed");
		return;
	}
	i->rx_frames++;
	sw->st.hellos++;
	changed = strcmp(i->vm, h.vm) || i->adapter != h.adapter || i->policy != h.policy ||
		  (h.mac_known && memcmp(i->mac, h.mac, 6));
	memcpy(i->vm, h.vm, sizeof(i->vm));
	i->adapter = h.adapter;
	i->policy = v->policy = h.policy;
	v->pinned = h.mac_known;
	if (h.mac_known) {
		memcpy(i->mac, h.mac, 6);
		memcpy(v->pinned_mac, h.mac, 6);
		i->mac_known = true;
	}
	if (changed)
		log_info("%s: port %u: VM %s%s nic%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, "
			 "promiscuous %s", sw->name, pt->idx, i->vm[0] ? "" : "(unnamed)", i->vm,
			 i->adapter, i->mac[0], i->mac[1], i->mac[2], i->mac[3], i->mac[4],
			 i->mac[5], switch_policy_name(i->policy));
	switch_notify(sw, pt, false);
}

static void switch_learn(struct eth_switch *sw, struct switch_port *in, const uint8_t src[6],
			 uint64_t now)
{
	if (fdb_learn(sw->fdb, src, in->idx, now))
		for (unsigned p = 0; p < sw->hi; p++) /* new or moved: no longer theirs */
			if (p != in->idx)
				switch_pview_forget(&sw->views[p], src);
	switch_pview_learn(&sw->views[in->idx], src);
	if (!in->info.mac_known) {
		memcpy(in->info.mac, src, 6);
		in->info.mac_known = true;
	}
}

static void switch_input(struct eth_switch *sw, struct switch_port *in, const uint8_t *f,
			 size_t len)
{
	struct switch_portset out;
	uint64_t now = uv_now(sw->loop);
	bool flooded;
	int fdb_port = -1;

	if (sw->closing)
		return;
	if (len < 14 || len > SWITCH_FRAME_MAX || (f[6] & 1)) {
		in->info.rx_dropped++; /* runt, oversize, or a group source address */
		sw->st.dropped++;
		return;
	}
	if (switch_frame_is_hello(f, len)) {
		switch_hello_in(sw, in, f, len);
		return;
	}
	in->info.rx_frames++;
	sw->st.frames++;
	switch_learn(sw, in, f + 6, now);
	if (!(f[0] & 1))
		fdb_port = fdb_lookup(sw->fdb, f, now);
	switch_decide(sw->views, sw->hi, in->idx, f, fdb_port, &out, &flooded);
	sw->st.flooded += flooded;
	for (unsigned p = 0; p < sw->hi; p++)
		if (switch_portset_has(&out, p))
			switch_send(sw, in, &sw->ports[p], f, len);
}

void switch_port_frame(void *opaque, const uint8_t *frame, size_t len)
{
	struct switch_port *pt = opaque;

	switch_input(pt->sw, pt, frame, len);
}

/* --- host ports ------------------------------------------------------------ */

static void switch_host_link(void *opaque, bool up)
{
	((struct switch_port *)opaque)->up = up;
}

static struct switch_port *switch_host_find(struct eth_switch *sw, const char *name)
{
	for (unsigned p = 0; p < sw->hi; p++)
		if (sw->ports[p].host && !strcmp(sw->ports[p].ep_name, name))
			return &sw->ports[p];
	return NULL;
}

struct switch_port *switch_port_free_slot(struct eth_switch *sw)
{
	for (unsigned p = 0; p < SWITCH_MAX_PORTS; p++)
		if (!sw->ports[p].host && !sw->ports[p].dev && !sw->ports[p].closing)
			return &sw->ports[p];
	return NULL;
}

/* A slot changes hands: fresh info and view, nothing learnt. */
void switch_port_reset(struct switch_port *pt, bool host)
{
	struct eth_switch *sw = pt->sw;

	fdb_forget_port(sw->fdb, pt->idx);
	pt->gen++;
	pt->up = pt->batch = pt->hostif = false;
	memset(&pt->info, 0, sizeof(pt->info));
	pt->info.idx = pt->idx;
	pt->info.host = host;
	pt->info.policy = SWITCH_POLICY_DENY;
	memset(&sw->views[pt->idx], 0, sizeof(sw->views[pt->idx]));
	sw->views[pt->idx].host = host;
}

int switch_add_host_port(struct eth_switch *sw, const char *inproc_name, const uint8_t mac[6],
			 char *err, size_t errlen)
{
	struct device_handler h;
	struct switch_port *pt;
	int r;

	if (sw->closing || !inproc_name || strlen(inproc_name) >= INPROC_NAME_MAX || (mac[0] & 1))
		return errfmt(err, errlen, -EINVAL, "%s: host port %s: bad name or group MAC",
			      sw->name, inproc_name ? inproc_name : "(null)");
	for (unsigned p = 0; p < sw->hi; p++)
		if (sw->ports[p].host && !memcmp(sw->ports[p].info.mac, mac, 6))
			return errfmt(err, errlen, -EEXIST, "%s: port %u already has that MAC",
				      sw->name, p);
	if (switch_host_find(sw, inproc_name))
		return errfmt(err, errlen, -EEXIST, "%s: host port %s exists", sw->name,
			      inproc_name);
	pt = switch_port_free_slot(sw);
	if (!pt)
		return errfmt(err, errlen, -ENOSPC, "%s: all %d ports in use", sw->name,
			      SWITCH_MAX_PORTS);
	h = (struct device_handler){ .frame = switch_port_frame, .link = switch_host_link,
				     .opaque = pt };
	r = inproc_endpoint_add(inproc_name, &h, &pt->ep);
	if (r < 0)
		return errfmt(err, errlen, r, "%s: in-process endpoint %s: %s", sw->name,
			      inproc_name, strerror(-r));
	switch_port_reset(pt, true);
	pt->host = true;
	snprintf(pt->ep_name, sizeof(pt->ep_name), "%s", inproc_name);
	memcpy(pt->info.mac, mac, 6);
	pt->info.mac_known = true;
	pt->info.pid = getpid();
	pt->info.uid = getuid();
	sw->views[pt->idx] = (struct switch_pview){ .live = true, .host = true, .pinned = true };
	memcpy(sw->views[pt->idx].pinned_mac, mac, 6);
	switch_update_hi(sw);
	switch_notify(sw, pt, false);
	return 0;
}

static void switch_host_drop(struct eth_switch *sw, struct switch_port *pt)
{
	inproc_endpoint_remove(pt->ep); /* its adapter sees its link go down */
	pt->ep = NULL;
	pt->host = false;
	switch_port_reset(pt, false);
	switch_update_hi(sw);
}

void switch_remove_host_port(struct eth_switch *sw, const char *inproc_name)
{
	struct switch_port *pt = inproc_name ? switch_host_find(sw, inproc_name) : NULL;

	if (!pt || sw->closing)
		return;
	switch_notify(sw, pt, true);
	switch_host_drop(sw, pt);
}

/* --- VM ports ------------------------------------------------------------- */

static void switch_maybe_free(struct eth_switch *sw)
{
	void (*closed)(void *) = sw->closed;
	void *opaque = sw->closed_opaque;

	if (!sw->closing || sw->pending)
		return;
	fdb_free(sw->fdb);
	free(sw->path);
	free(sw->name);
	free(sw->uplink_spec);
	free(sw);
	if (closed)
		closed(opaque);
}

void switch_port_batch_end(void *opaque)
{
	switch_host_batch_end(((struct switch_port *)opaque)->sw);
}

static void switch_port_closed(void *opaque)
{
	struct switch_port *pt = opaque;
	struct eth_switch *sw = pt->sw;

	pt->closing = false;
	sw->pending--;
	switch_update_hi(sw);
	switch_maybe_free(sw);
}

void switch_port_close(struct switch_port *pt)
{
	struct device *dev = pt->dev;

	if (!dev)
		return;
	pt->uplink = false;
	pt->dev = NULL;
	pt->up = false;
	pt->closing = true;
	pt->sw->pending++;
	device_close(dev, switch_port_closed, pt);
}

void switch_port_link(void *opaque, bool up)
{
	struct switch_port *pt = opaque;
	struct eth_switch *sw = pt->sw;

	if (pt->uplink) {
		/* The uplink stays in its slot; what was learnt on it goes. */
		pt->up = sw->views[pt->idx].live = up;
		if (!up)
			fdb_forget_port(sw->fdb, pt->idx);
		log_info("%s: uplink %s %s", sw->name, sw->uplink_spec ? sw->uplink_spec : "",
			 up ? "up" : "down");
		return;
	}
	if (up) {
		pt->up = sw->views[pt->idx].live = true;
		sw->st.connects++;
		log_info("%s: port %u: VM connected (pid %ld, uid %u)", sw->name, pt->idx,
			 (long)pt->info.pid, (unsigned)pt->info.uid);
		switch_notify(sw, pt, false);
		return;
	}
	log_info("%s: port %u: VM %s%sdisconnected", sw->name, pt->idx, pt->info.vm,
		 pt->info.vm[0] ? " " : "");
	if (pt->up)
		switch_notify(sw, pt, true);
	switch_port_reset(pt, false);
	switch_port_close(pt); /* safe from the device's own link callback */
}

/* A peer passed the credentials check (switch_listen.c). */
static void switch_accepted(void *opaque, int fd, const struct ucred *uc)
{
	struct eth_switch *sw = opaque;
	struct switch_port *pt = switch_port_free_slot(sw);
	struct device_handler h;
	char spec[32], err[256];
	int r;

	if (!pt || sw->closing) {
		log_ratelimited(&sw->rl, LOG_LVL_WARN, "%s: all %d ports in use; refusing a VM",
				sw->name, SWITCH_MAX_PORTS);
		sw->st.refused++;
		close(fd);
		return;
	}
	switch_port_reset(pt, false);
	pt->info.pid = uc->pid;
	pt->info.uid = uc->uid;
	snprintf(spec, sizeof(spec), "stream-fd:%d", fd);
	h = (struct device_handler){ .frame = switch_port_frame,
				     .batch_end = switch_port_batch_end,
				     .link = switch_port_link, .opaque = pt };
	r = device_open(sw->loop, spec, &h, &pt->dev, err, sizeof(err)); /* owns fd */
	if (r < 0) {
		pt->dev = NULL;
		log_ratelimited(&sw->rl, LOG_LVL_WARN, "%s: %s", sw->name, err);
	}
	switch_update_hi(sw);
}

/* --- start / stop ---------------------------------------------------------- */

static void switch_handle_closed(uv_handle_t *h)
{
	struct eth_switch *sw = h->data;

	sw->pending--;
	switch_maybe_free(sw);
}

static void switch_listener_closed(uv_handle_t *h)
{
	struct eth_switch *sw = ((struct switch_listener *)h->data)->opaque;

	sw->pending--;
	switch_maybe_free(sw);
}

int switch_start(uv_loop_t *loop, const struct switch_config *cfg, struct eth_switch **out,
		 char *err, size_t errlen)
{
	struct eth_switch *sw = calloc(1, sizeof(*sw));
	int r;

	if (!sw || !(sw->path = strdup(cfg->sock_path)) ||
	    !(sw->name = strdup(cfg->name ? cfg->name : "switch")) ||
	    !(sw->fdb = fdb_new(cfg->fdb_age_ms)) || uv_idle_init(loop, &sw->idle) < 0) {
		if (sw) {
			fdb_free(sw->fdb);
			free(sw->path);
			free(sw->name);
			free(sw);
		}
		return errfmt(err, errlen, -ENOMEM, "switch: out of memory");
	}
	sw->loop = loop;
	sw->uplink = -1;
	sw->idle.data = sw;
	sw->idle_init = true;
	sw->cfg = *cfg;
	sw->cfg.sock_path = sw->path;
	sw->cfg.name = sw->name;
	for (unsigned p = 0; p < SWITCH_MAX_PORTS; p++) {
		sw->ports[p].sw = sw;
		sw->ports[p].idx = p;
	}
	r = switch_listener_start(&sw->lst, loop, &sw->cfg, switch_accepted, sw, err, errlen);
	if (r < 0) {
		switch_close(sw, NULL, NULL); /* handles exist: freed by the loop */
		return r;
	}
	*out = sw;
	return 0;
}

void switch_set_port_observer(struct eth_switch *sw,
			      void (*cb)(void *opaque, const struct switch_port_info *p, bool gone),
			      void *opaque)
{
	sw->observer = cb;
	sw->observer_opaque = opaque;
}

int switch_foreach_port(const struct eth_switch *sw,
			int (*fn)(void *opaque, const struct switch_port_info *p), void *opaque)
{
	for (unsigned p = 0; p < sw->hi; p++) {
		const struct switch_port *pt = &sw->ports[p];
		struct switch_port_info i;
		struct device_stats ds;
		int r;

		if (!pt->host && !(pt->dev && (pt->up || pt->uplink)))
			continue;
		i = pt->info;
		if (pt->dev) {
			device_get_stats(pt->dev, &ds); /* bad framing, runts */
			i.rx_dropped += ds.rx_errors;
		}
		r = fn(opaque, &i);
		if (r)
			return r;
	}
	return 0;
}

void switch_get_stats(const struct eth_switch *sw, struct switch_stats *st)
{
	*st = sw->st;
	st->refused += sw->lst.refused;
	st->ports = st->host_ports = 0;
	for (unsigned p = 0; p < sw->hi; p++) {
		st->ports += sw->ports[p].dev && sw->ports[p].up && !sw->ports[p].uplink &&
			     !sw->ports[p].hostif;
		st->host_ports += sw->ports[p].host || sw->ports[p].hostif;
	}
	st->fdb_entries = fdb_count(sw->fdb, uv_now(sw->loop));
}

void switch_close(struct eth_switch *sw, void (*closed)(void *opaque), void *opaque)
{
	if (!sw || sw->closing)
		return;
	sw->closing = true;
	sw->closed = closed;
	sw->closed_opaque = opaque;
	for (unsigned p = 0; p < SWITCH_MAX_PORTS; p++) {
		if (sw->ports[p].host)
			switch_host_drop(sw, &sw->ports[p]);
		switch_port_close(&sw->ports[p]);
	}
	if (switch_listener_stop(&sw->lst, switch_listener_closed))
		sw->pending++;
	if (sw->idle_init) {
		sw->pending++;
		uv_close((uv_handle_t *)&sw->idle, switch_handle_closed);
		sw->idle_init = false;
	}
	switch_maybe_free(sw); /* nothing pending: freed here */
}
