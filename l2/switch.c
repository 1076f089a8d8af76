/* SPDX-License-Identifier: MIT */
/*
 * switch.c - a NAT network's Ethernet switch (see switch.h).
 *
 * Theory of operation
 * -------------------
 * The switch owns a listening UNIX socket (watched by one uv_poll_t), the
 * forwarding database (fdb.c) and a fixed array of ports. An accepted
 * connection becomes a "stream-fd:N" device (devices/stream.c: QEMU framing,
 * output ring, backpressure by dropping whole frames) in the first free
 * slot; the device reports link up from its start timer and link down when
 * the peer leaves, at which point the switch forgets the port's addresses
 * and closes the device. A slot is reused only after the device's close
 * callback. Port 0 is the in-process endpoint the NAT adapter attaches to.
 *
 * Frames are switched synchronously inside the receiving device's frame
 * callback. A frame for port 0 goes into lwIP, which may answer at once
 * (an ARP reply, a TCP ACK): that answer re-enters switch_forward() from
 * port 0 and is sent on to a VM's port before the outer call returns. This
 * is safe because a frame is never sent back to its ingress port (so lwIP is
 * never re-entered) and ports are closed only from their own device's link
 * callback, never from inside forwarding. After each batch of frames from a
 * VM the NAT adapter gets one batch_end (lwIP's timers, stack_kick()).
 *
 * Shutdown counts every handle and device still closing in `pending`; the
 * last close callback frees the switch.
 */
#include "l2/switch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/device.h"
#include "l2/fdb.h"
#include "devices/inproc.h"
#include "base/log.h"

struct switch_port {
	struct eth_switch *sw;
	struct device *dev;    /* NULL: free (or closing) */
	unsigned idx;
	bool up;
	bool closing;          /* device_close() called, close callback pending */
};

struct eth_switch {
	uv_loop_t *loop;
	char *path;
	int listen_fd;
	uv_poll_t listen;
	bool listen_init;
	bool sock_created;
	dev_t sock_dev;
	ino_t sock_ino;
	struct fdb *fdb;
	struct inproc_endpoint *ep;
	uint8_t nat_mac[6];
	bool nat_up;
	bool nat_batch;        /* frames given to port 0 since its last batch_end */
	struct switch_port ports[SWITCH_MAX_PORTS];
	struct switch_stats st;
	unsigned pending;      /* handles and devices still closing */
	bool closing;
	void (*closed)(void *opaque);
	void *closed_opaque;
	struct log_ratelimit rl;
};

/* --- forwarding ------------------------------------------------------------ */

static void switch_send(struct eth_switch *sw, unsigned p, const uint8_t *f, size_t len)
{
	int r = -ENOTCONN;

	if (p == 0) {
		if (sw->nat_up)
			r = inproc_endpoint_send(sw->ep, f, len);
		if (r == 0)
			sw->nat_batch = true;
	} else if (sw->ports[p].dev && sw->ports[p].up) {
		r = device_send(sw->ports[p].dev, f, len);
	}
	if (r < 0)
		sw->st.dropped++;
}

static void switch_forward(struct eth_switch *sw, unsigned in, const uint8_t *f, size_t len)
{
	const uint8_t *dst = f, *src = f + 6;
	uint64_t now = uv_now(sw->loop);
	bool group = dst[0] & 1;
	int out;

	if (sw->closing)
		return;
	if (len < 14 || (src[0] & 1)) {
		sw->st.dropped++; /* runt, or a group source address */
		return;
	}
	sw->st.frames++;
	fdb_learn(sw->fdb, src, in, now);
	if (!group) {
		/* The gateway's address always means port 0, whatever was learnt. */
		out = memcmp(dst, sw->nat_mac, 6) == 0 ? 0 : fdb_lookup(sw->fdb, dst, now);
		if (out >= 0) {
			if ((unsigned)out != in)
				switch_send(sw, (unsigned)out, f, len);
			return; /* else: the destination is on the ingress port */
		}
	}
	sw->st.flooded++;
	if (in != 0 && group)
		switch_send(sw, 0, f, len);
	for (unsigned p = 1; p < SWITCH_MAX_PORTS; p++)
		if (p != in && sw->ports[p].dev && sw->ports[p].up)
			switch_send(sw, p, f, len);
}

/* --- port 0: the NAT adapter ---------------------------------------------- */

static void switch_nat_frame(void *opaque, const uint8_t *frame, size_t len)
{
	switch_forward(opaque, 0, frame, len);
}

static void switch_nat_link(void *opaque, bool up)
{
	struct eth_switch *sw = opaque;

	sw->nat_up = up;
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
	free(sw);
	if (closed)
		closed(opaque);
}

static void switch_port_frame(void *opaque, const uint8_t *frame, size_t len)
{
	struct switch_port *pt = opaque;

	switch_forward(pt->sw, pt->idx, frame, len);
}

static void switch_port_batch_end(void *opaque)
{
	struct eth_switch *sw = ((struct switch_port *)opaque)->sw;

	if (sw->nat_batch && !sw->closing) {
		sw->nat_batch = false;
		inproc_endpoint_batch_end(sw->ep);
	}
}

static void switch_port_closed(void *opaque)
{
	struct switch_port *pt = opaque;
	struct eth_switch *sw = pt->sw;

	pt->closing = false;
	sw->pending--;
	switch_maybe_free(sw);
}

static void switch_port_close(struct switch_port *pt)
{
	struct device *dev = pt->dev;

	if (!dev)
		return;
	pt->dev = NULL;
	pt->up = false;
	pt->closing = true;
	pt->sw->pending++;
	device_close(dev, switch_port_closed, pt);
}

static void switch_port_link(void *opaque, bool up)
{
	struct switch_port *pt = opaque;
	struct eth_switch *sw = pt->sw;

	if (up) {
		pt->up = true;
		sw->st.connects++;
		log_info("switch: port %u: VM connected", pt->idx);
		return;
	}
	log_info("switch: port %u: VM disconnected", pt->idx);
	fdb_forget_port(sw->fdb, pt->idx);
	switch_port_close(pt); /* safe from the device's own link callback */
}

static void switch_accept(struct eth_switch *sw, int fd)
{
	struct device_handler h;
	struct switch_port *pt = NULL;
	char spec[32], err[256];
	int r;

	for (unsigned p = 1; p < SWITCH_MAX_PORTS; p++)
		if (!sw->ports[p].dev && !sw->ports[p].closing) {
			pt = &sw->ports[p];
			break;
		}
	if (!pt) {
		log_ratelimited(&sw->rl, LOG_LVL_WARN, "switch: all %d ports in use; "
				"refusing a VM", SWITCH_MAX_PORTS - 1);
		close(fd);
		return;
	}
	snprintf(spec, sizeof(spec), "stream-fd:%d", fd);
	h = (struct device_handler){ .frame = switch_port_frame,
				     .batch_end = switch_port_batch_end,
				     .link = switch_port_link, .opaque = pt };
	r = device_open(sw->loop, spec, &h, &pt->dev, err, sizeof(err)); /* owns fd */
	if (r < 0) {
		pt->dev = NULL;
		log_ratelimited(&sw->rl, LOG_LVL_WARN, "switch: %s", err);
	}
}

static void switch_listen_cb(uv_poll_t *p, int status, int events)
{
	struct eth_switch *sw = p->data;

	(void)events;
	if (status < 0) {
		log_ratelimited(&sw->rl, LOG_LVL_ERR, "switch: poll: %s", uv_strerror(status));
		return;
	}
	while (!sw->closing) {
		int fd = accept4(sw->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimited(&sw->rl, LOG_LVL_WARN, "switch: accept: %s",
						strerror(errno));
			return;
		}
		switch_accept(sw, fd);
	}
}

/* --- start / stop ---------------------------------------------------------- */

static int switch_listen(struct eth_switch *sw, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	size_t n = strlen(sw->path);
	int fd;

	if (n >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "switch socket path %s is longer than %zu bytes (set a "
			 "shorter NATD_HOME)", sw->path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, sw->path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* The caller holds the network's pid lock: a file left here is stale. */
	if (unlink(sw->path) < 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (stat(sw->path, &st) == 0) {
		sw->sock_created = true;
		sw->sock_dev = st.st_dev;
		sw->sock_ino = st.st_ino;
	}
	if (chmod(sw->path, 0600) < 0 || listen(fd, 16) < 0)
		goto fail;
	sw->listen_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "switch socket %s: %s", sw->path, strerror(errno));
	n = (size_t)errno;
	if (fd >= 0)
		close(fd);
	return -(int)n;
}

static void switch_unlink(struct eth_switch *sw)
{
	struct stat st;

	if (sw->sock_created && stat(sw->path, &st) == 0 && st.st_dev == sw->sock_dev &&
	    st.st_ino == sw->sock_ino)
		unlink(sw->path);
	sw->sock_created = false;
}

int switch_start(uv_loop_t *loop, const char *sock_path, const char *inproc_name,
		 const uint8_t nat_mac[6], struct eth_switch **out, char *err, size_t errlen)
{
	struct eth_switch *sw = calloc(1, sizeof(*sw));
	struct device_handler h;
	int r;

	if (!sw || !(sw->path = strdup(sock_path)) || !(sw->fdb = fdb_new(0))) {
		snprintf(err, errlen, "switch: out of memory");
		r = -ENOMEM;
		goto out;
	}
	sw->loop = loop;
	sw->listen_fd = -1;
	memcpy(sw->nat_mac, nat_mac, 6);
	for (unsigned p = 0; p < SWITCH_MAX_PORTS; p++) {
		sw->ports[p].sw = sw;
		sw->ports[p].idx = p;
	}
	h = (struct device_handler){ .frame = switch_nat_frame, .link = switch_nat_link,
				     .opaque = sw };
	r = inproc_endpoint_add(inproc_name, &h, &sw->ep);
	if (r < 0) {
		snprintf(err, errlen, "switch: in-process endpoint %s: %s", inproc_name,
			 strerror(-r));
		goto out;
	}
	r = switch_listen(sw, err, errlen);
	if (r < 0)
		goto out;
	r = uv_poll_init(loop, &sw->listen, sw->listen_fd);
	if (r == 0) {
		sw->listen.data = sw;
		sw->listen_init = true;
		r = uv_poll_start(&sw->listen, UV_READABLE, switch_listen_cb);
	}
	if (r < 0) {
		snprintf(err, errlen, "switch: cannot watch %s: %s", sock_path, uv_strerror(r));
		switch_close(sw, NULL, NULL); /* the handle exists: freed by the loop */
		return r;
	}
	*out = sw;
	return 0;
out:
	if (sw) {
		if (sw->ep)
			inproc_endpoint_remove(sw->ep);
		if (sw->listen_fd >= 0) {
			close(sw->listen_fd);
			switch_unlink(sw);
		}
		fdb_free(sw->fdb);
		free(sw->path);
		free(sw);
	}
	return r;
}

void switch_get_stats(const struct eth_switch *sw, struct switch_stats *st)
{
	*st = sw->st;
	st->ports = 0;
	for (unsigned p = 1; p < SWITCH_MAX_PORTS; p++)
		st->ports += sw->ports[p].dev && sw->ports[p].up;
	st->fdb_entries = fdb_count(sw->fdb, uv_now(sw->loop));
}

static void switch_listen_closed(uv_handle_t *h)
{
	struct eth_switch *sw = h->data;

	sw->pending--;
	switch_maybe_free(sw);
}

void switch_close(struct eth_switch *sw, void (*closed)(void *opaque), void *opaque)
{
	if (!sw || sw->closing)
		return;
	sw->closing = true;
	sw->closed = closed;
	sw->closed_opaque = opaque;
	if (sw->ep) {
		inproc_endpoint_remove(sw->ep);
		sw->ep = NULL;
		sw->nat_up = false;
	}
	for (unsigned p = 1; p < SWITCH_MAX_PORTS; p++)
		switch_port_close(&sw->ports[p]);
	switch_unlink(sw);
	if (sw->listen_init) {
		uv_poll_stop(&sw->listen);
		sw->pending++;
		uv_close((uv_handle_t *)&sw->listen, switch_listen_closed);
		sw->listen_init = false;
	}
	if (sw->listen_fd >= 0) {
		close(sw->listen_fd);
		sw->listen_fd = -1;
	}
	switch_maybe_free(sw); /* nothing pending: freed here */
}
