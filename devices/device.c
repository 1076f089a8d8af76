/* SPDX-License-Identifier: MIT */
/*
 * device.c - the public device API (device.h): spec parsing, the one place
 * where an attach spec picks its backend's ops, the libuv plumbing all
 * backends share (data-fd poll, listening-socket poll, timer, two-phase
 * close), frame sanity checks and statistics. tap.c, stream.c and dgram.c
 * implement the ops (device_internal.h).
 */
#include "devices/capture.h"
#include "devices/device_internal.h"
#include "devices/shaper.h"
#include "devices/vnet.h"
#include "base/bytes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The only place an attach spec is mapped to a backend. */
static const struct device_ops *const device_backends[] = {
	&tap_ops,
	&tap_fd_ops,
	&stream_listen_ops,
	&stream_connect_ops,
	&dgram_ops,
	&vde_ops,
	&vhost_user_ops,
	/* natd-internal: the NAT-network switch's ports (switch.c) */
	&stream_fd_ops,
	&inproc_ops,
	&packet_ops, /* a bridged adapter's host interface (modes/bridged.c) */
};


void device_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Finds the backend for spec; *arg points after "type:". */
static const struct device_ops *device_lookup(const char *spec, const char **arg,
					      char *err, size_t errlen)
{
	const char *colon;
	size_t tlen, i;

	if (!spec || !*spec) {
		device_seterr(err, errlen, "empty attach spec");
		return NULL;
	}
	colon = strchr(spec, ':');
	if (!colon) {
		device_seterr(err, errlen, "%s: expected TYPE:ARGUMENT "
			      "(tap:, fd:, stream:, stream-connect:, dgram:, vde:, vhost-user:)", spec);
		return NULL;
	}
	tlen = (size_t)(colon - spec);
	for (i = 0; i < ARRAY_SIZE(device_backends); i++) {
		const char *t = device_backends[i]->type;

		if (strlen(t) == tlen && memcmp(t, spec, tlen) == 0) {
			*arg = colon + 1;
			return device_backends[i];
		}
	}
	device_seterr(err, errlen, "%.*s: unknown attach type "
		      "(want tap:, fd:, stream:, stream-connect:, dgram:, vde:, vhost-user:)",
		      (int)(tlen > 64 ? 64 : tlen), spec);
	return NULL;
}

int device_spec_check(const char *spec, char *err, size_t errlen)
{
	const struct device_ops *ops;
	const char *arg;

	ops = device_lookup(spec, &arg, err, errlen);
	if (!ops)
		return -EINVAL;
	return ops->check(arg, err, errlen);
}

void device_link(struct device *dev, bool up)
{
	if (dev->connected == up || dev->closing)
		return;
	dev->connected = up;
	if (dev->h.link)
		dev->h.link(dev->h.opaque, up);
}

bool device_deliver_frame(struct device *dev, const uint8_t *frame, size_t len,
				 bool gso)
{
	if (len < 14 || len > DEVICE_MAX_FRAME) {
		dev->st.rx_errors++;
		log_ratelimited(&dev->rl, LOG_LVL_WARN,
				"%s: dropping a %zu-byte frame from the VM", dev->spec, len);
		return false;
	}
	if (len > dev->max_frame && !gso) {
		/* The card would not have sent it: dropped, as the guest expects. */
		dev->st.rx_oversize++;
		log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a %zu-byte frame from the VM "
				"dropped: the NIC model takes at most %zu bytes", dev->spec,
				len, dev->max_frame);
		return false;
	}
	dev->st.rx_frames++;
	dev->st.rx_bytes += len;
	if (dev->shaper) {
		shaper_charge(dev->shaper, len);
		dev->shaped_read = true;
	}
	if (dev->capture) {
		struct iovec iov = { .iov_base = (void *)(uintptr_t)frame, .iov_len = len };

		capture_frame(dev->capture, &iov, 1, len);
	}
	dev->h.frame(dev->h.opaque, frame, len);
	return true;
}

bool device_deliver(struct device *dev, const uint8_t *frame, size_t len)
{
	return device_deliver_frame(dev, frame, len, false);
}

/* --- closing ------------------------------------------------------------ */

static void device_free(struct device *dev)
{
	void (*cb)(void *) = dev->closed_cb;
	void *opaque = dev->closed_opaque;

	free(dev->rxbuf);
	free(dev->obuf);
	free(dev->vnet_buf);
	free(dev->priv);
	free(dev->spec);
	free(dev);
	if (cb)
		cb(opaque);
}

static void device_handle_closed(uv_handle_t *handle)
{
	struct device *dev = handle->data;

	if (handle == (uv_handle_t *)&dev->io) {
		dev->io_init = false;
		dev->io_closing = false;
	}
	dev->closes_pending--;
	if (dev->closing) {
		if (dev->closes_pending == 0)
			device_free(dev);
		return;
	}
	if (handle == (uv_handle_t *)&dev->io && dev->ops->io_closed)
		dev->ops->io_closed(dev);
}

void device_handle_close(struct device *dev, uv_handle_t *handle)
{
	dev->closes_pending++;
	uv_close(handle, device_handle_closed);
}

void device_close(struct device *dev, void (*closed)(void *opaque), void *opaque)
{
	if (!dev || dev->closing)
		return;
	dev->closing = true;
	dev->connected = false;
	dev->closed_cb = closed;
	dev->closed_opaque = opaque;
	if (dev->ops->close)
		dev->ops->close(dev);
	if (dev->flush_init) {
		dev->flush_init = false;
		device_handle_close(dev, (uv_handle_t *)&dev->flush);
	}
	if (dev->io_init && !dev->io_closing)
		device_io_release(dev);
	if (dev->listen_init) {
		uv_poll_stop(&dev->listen);
		close(dev->listen_fd);
		dev->listen_fd = -1;
		dev->listen_init = false;
		device_handle_close(dev, (uv_handle_t *)&dev->listen);
	}
	uv_timer_stop(&dev->timer);
	device_handle_close(dev, (uv_handle_t *)&dev->timer);
	uv_timer_stop(&dev->shape_timer);
	device_handle_close(dev, (uv_handle_t *)&dev->shape_timer);
}

/* --- the data fd -------------------------------------------------------- */

static void device_io_cb(uv_poll_t *p, int status, int events)
{
	struct device *dev = p->data;

	if (dev->closing || dev->io_closing)
		return;
	dev->ops->io(dev, status, events);
}

int device_io_start(struct device *dev, int fd, int events)
{
	int r;

	if (dev->io_init) {
		close(fd);
		return -EBUSY;
	}
	r = uv_poll_init(dev->loop, &dev->io, fd);
	if (r < 0) {
		close(fd);
		return r;
	}
	dev->io.data = dev;
	dev->io_fd = fd;
	dev->io_init = true;
	dev->io_want = events;
	if (dev->rx_paused)
		events &= ~UV_READABLE;
	dev->io_events = events;
	r = uv_poll_start(&dev->io, events, device_io_cb);
	if (r < 0) {
		/* The handle exists now: release it the two-phase way. */
		device_io_release(dev);
		return r;
	}
	return 0;
}

void device_io_restart(struct device *dev)
{
	if (dev->io_init && !dev->io_closing && !dev->closing &&
	    uv_poll_start(&dev->io, dev->io_events, device_io_cb) < 0)
		log_ratelimited(&dev->rl, LOG_LVL_ERR, "%s: uv_poll_start failed", dev->spec);
}

void device_io_events(struct device *dev, int events)
{
	dev->io_want = events;
	if (dev->rx_paused)
		events &= ~UV_READABLE;
	if (!dev->io_init || dev->io_closing || dev->io_events == events)
		return;
	dev->io_events = events;
	if (uv_poll_start(&dev->io, events, device_io_cb) < 0)
		log_ratelimited(&dev->rl, LOG_LVL_ERR, "%s: uv_poll_start failed",
				dev->spec);
}

void device_io_release(struct device *dev)
{
	if (!dev->io_init || dev->io_closing)
		return;
	uv_poll_stop(&dev->io);
	close(dev->io_fd);
	dev->io_fd = -1;
	dev->io_closing = true;
	device_handle_close(dev, (uv_handle_t *)&dev->io);
}

/* --- packet fds: tap, fd, dgram ---------------------------------------- */

static bool device_read_fatal(int e)
{
	switch (e) {
	case EBADF: case EBADFD: case ENXIO: case ENODEV: case EIO:
	case EINVAL: case EFAULT: case ENOTCONN: case EPIPE: case ECONNRESET:
		return true;
	default:
		return false;
	}
}

/* Stops a packet device for good after a fatal error or EOF. */
static void device_pkt_stop(struct device *dev)
{
	uv_poll_stop(&dev->io);
	device_link(dev, false);
}

/* Reads one frame into rxbuf (after its virtio-net header, if any). */
static ssize_t device_pkt_read(struct device *dev, struct virtio_net_hdr *vh)
{
	uint8_t hdr[32];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = dev->vnet_hdr_len },
		{ .iov_base = dev->rxbuf, .iov_len = dev->rxcap },
	};
	ssize_t n;

	if (!dev->vnet_hdr_len)
		return read(dev->io_fd, dev->rxbuf, dev->rxcap);
	n = readv(dev->io_fd, iov, 2);
	if (n < 0)
		return n;
	if ((size_t)n < dev->vnet_hdr_len) {
		errno = EPROTO;
		return -1;
	}
	memcpy(vh, hdr, sizeof(*vh));
	return n - (ssize_t)dev->vnet_hdr_len;
}

void device_pkt_io(struct device *dev, int status, int events)
{
	struct virtio_net_hdr vh = { 0 };
	unsigned int frames = 0;
	ssize_t n;

	(void)events;
	if (status < 0) {
		log_err("%s: poll: %s; device stopped", dev->spec, uv_strerror(status));
		dev->st.rx_errors++;
		device_pkt_stop(dev);
		return;
	}
	while (frames < DEVICE_BATCH && !device_rx_throttled(dev)) {
		n = device_pkt_read(dev, &vh);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK)
				break;
			dev->st.rx_errors++;
			if (e == EPROTO) { /* shorter than its virtio-net header */
				frames++;
				continue;
			}
			if (device_read_fatal(e) && dev->sotype != SOCK_DGRAM) {
				log_err("%s: read: %s; device stopped", dev->spec,
					strerror(e));
				device_pkt_stop(dev);
				break;
			}
			log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: read: %s",
					dev->spec, strerror(e));
			break;
		}
		if (n == 0 && dev->sotype == SOCK_SEQPACKET) {
			log_info("%s: peer closed the socket", dev->spec);
			device_pkt_stop(dev);
			break;
		}
		frames++;
		if (dev->offload && vnet_rx_prepare(&vh, dev->rxbuf, (size_t)n) < 0) {
			dev->st.rx_errors++;
			log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: dropping a frame "
					"with a bad TCP checksum", dev->spec);
			continue;
		}
		/* rxcap is DEVICE_MAX_FRAME + 1: a longer frame shows up as that. */
		if (dev->offload)
			device_deliver_vnet(dev, dev->rxbuf, (size_t)n, &vh);
		else
			device_deliver(dev, dev->rxbuf, (size_t)n);
		if (dev->closing)
			return;
	}
	if (frames && dev->h.batch_end && !dev->closing)
		dev->h.batch_end(dev->h.opaque);
}

void device_timer_link_up(struct device *dev)
{
	device_link(dev, true);
}

/* --- batched output (stream, dgram, vhost-user) ------------------------------------------------ */

static void device_flush_cb(uv_idle_t *h)
{
	struct device *dev = h->data;

	uv_idle_stop(h);
	if (!dev->closing)
		dev->ops->flush(dev);
}

void device_flush_arm(struct device *dev)
{
	if (dev->flush_init && !dev->closing)
		uv_idle_start(&dev->flush, device_flush_cb); /* no-op when active */
}

void device_flush(struct device *dev)
{
	if (dev->flush_init && !dev->closing && uv_is_active((uv_handle_t *)&dev->flush)) {
		uv_idle_stop(&dev->flush);
		dev->ops->flush(dev);
	}
}

void device_flush_disarm(struct device *dev)
{
	if (dev->flush_init)
		uv_idle_stop(&dev->flush);
}

/* --- peers ------------------------------------------------------------------ */

void device_peer_seen(struct device *dev, enum device_peer_kind kind, const void *key,
		      size_t keylen)
{
	struct device_peer_slot *p;
	unsigned i;

	if (keylen > sizeof(p->key))
		keylen = sizeof(p->key);
	for (i = 0; i < dev->n_peers; i++) {
		p = &dev->peers[i];
		if (p->kind == kind && p->keylen == keylen && !memcmp(p->key, key, keylen))
			goto found;
	}
	/* A new one: a free slot, else the one silent longest. */
	if (dev->n_peers < DEVICE_MAX_PEERS) {
		i = dev->n_peers++;
	} else {
		i = 0;
		for (unsigned k = 1; k < DEVICE_MAX_PEERS; k++)
			if (dev->peers[k].last_ms < dev->peers[i].last_ms)
				i = k;
	}
	p = &dev->peers[i];
	memset(p, 0, sizeof(*p));
	memcpy(p->key, key, keylen);
	p->keylen = (uint8_t)keylen;
	p->kind = (uint8_t)kind;
found:
	p->frames++;
	p->last_ms = uv_now(dev->loop);
}

static void device_peer_format(const struct device_peer_slot *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->kind == DEVICE_PEER_MAC && p->keylen == 6) {
		snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", p->key[0], p->key[1],
			 p->key[2], p->key[3], p->key[4], p->key[5]);
		return;
	}
	if (p->keylen >= sizeof(struct sockaddr_in6) &&
	    ((const struct sockaddr *)p->key)->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)p->key;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(s6->sin6_port));
		return;
	}
	if (p->keylen >= sizeof(struct sockaddr_in) &&
	    ((const struct sockaddr *)p->key)->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)p->key;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(s4->sin_port));
		return;
	}
	snprintf(out, len, "?");
}

unsigned device_peers(const struct device *dev, struct device_peer *out, unsigned max)
{
	const struct device_peer_slot *order[DEVICE_MAX_PEERS];
	uint64_t now = uv_now(dev->loop);
	unsigned n = dev->n_peers;

	for (unsigned i = 0; i < n; i++)
		order[i] = &dev->peers[i];
	/* Most recent first (n is small). */
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && order[k]->last_ms > order[k - 1]->last_ms; k--) {
			const struct device_peer_slot *t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	if (n > max)
		n = max;
	for (unsigned i = 0; i < n; i++) {
		device_peer_format(order[i], out[i].addr, sizeof(out[i].addr));
		out[i].frames = order[i]->frames;
		out[i].idle_ms = now - order[i]->last_ms;
	}
	return n;
}

/* --- open / send / accessors --------------------------------------------- */

static void device_timer_cb(uv_timer_t *t)
{
	struct device *dev = t->data;

	if (!dev->closing)
		dev->ops->timer(dev);
}

void device_timer_arm(struct device *dev, uint64_t ms)
{
	if (!dev->closing)
		uv_timer_start(&dev->timer, device_timer_cb, ms, 0);
}

static void device_listen_cb(uv_poll_t *p, int status, int events)
{
	struct device *dev = p->data;

	(void)events;
	if (!dev->closing && dev->ops->listen)
		dev->ops->listen(dev, status);
}

void device_listen_pause(struct device *dev)
{
	if (dev->listen_init)
		uv_poll_stop(&dev->listen);
}

void device_listen_resume(struct device *dev)
{
	if (dev->listen_init && !dev->closing &&
	    uv_poll_start(&dev->listen, UV_READABLE, device_listen_cb) < 0)
		log_err("%s: cannot watch the listening socket", dev->spec);
}

int device_open(uv_loop_t *loop, const char *spec, const struct device_handler *h,
		struct device **devp, char *err, size_t errlen)
{
	const struct device_ops *ops;
	struct device *dev = NULL;
	const char *arg;
	int r;

	*devp = NULL;
	if (!h || !h->frame) {
		device_seterr(err, errlen, "%s: no frame handler", spec ? spec : "");
		return -EINVAL;
	}
	r = device_spec_check(spec, err, errlen);
	if (r < 0)
		return r;
	ops = device_lookup(spec, &arg, err, errlen);
	dev = calloc(1, sizeof(*dev));
	if (!dev || !(dev->spec = strdup(spec))) {
		device_seterr(err, errlen, "%s: out of memory", spec);
		r = -ENOMEM;
		goto out;
	}
	dev->loop = loop;
	dev->ops = ops;
	dev->h = *h;
	dev->arg = dev->spec + (arg - spec);
	dev->io_fd = -1;
	dev->listen_fd = -1;
	dev->max_frame = DEVICE_MAX_FRAME;
	r = ops->open(dev, dev->arg, err, errlen);
	if (r < 0)
		goto out;

	/* From here on failures release libuv handles the two-phase way. */
	uv_timer_init(loop, &dev->timer);
	dev->timer.data = dev;
	uv_timer_init(loop, &dev->shape_timer);
	dev->shape_timer.data = dev;
	if (ops->flush) {
		uv_idle_init(loop, &dev->flush);
		dev->flush.data = dev;
		dev->flush_init = true;
	}
	if (dev->listen_fd >= 0) {
		r = uv_poll_init(loop, &dev->listen, dev->listen_fd);
		if (r < 0) {
			device_seterr(err, errlen, "%s: uv_poll_init: %s", spec,
				      uv_strerror(r));
			goto out_close;
		}
		dev->listen.data = dev;
		dev->listen_init = true;
		r = uv_poll_start(&dev->listen, UV_READABLE, device_listen_cb);
		if (r < 0) {
			device_seterr(err, errlen, "%s: uv_poll_start: %s", spec,
				      uv_strerror(r));
			goto out_close;
		}
	}
	if (dev->io_fd >= 0) {
		int fd = dev->io_fd;

		dev->io_fd = -1;
		r = device_io_start(dev, fd, dev->io_events);
		if (r < 0) {
			device_seterr(err, errlen, "%s: cannot watch fd: %s", spec,
				      uv_strerror(r));
			goto out_close;
		}
	}
	device_timer_arm(dev, 0);
	*devp = dev;
	return 0;

out_close:
	/* Handles exist: close them; the loop frees dev. */
	device_close(dev, NULL, NULL);
	return r;
out:
	if (dev) {
		if (dev->io_fd >= 0)
			close(dev->io_fd);
		if (dev->listen_fd >= 0)
			close(dev->listen_fd);
		free(dev->rxbuf);
		free(dev->obuf);
		free(dev->vnet_buf);
		free(dev->priv);
		free(dev->spec);
		free(dev);
	}
	return r;
}

int device_sendv_seg(struct device *dev, const struct iovec *iov, int iovcnt,
		     unsigned int seg)
{
	int r;

	dev->tx_seg = seg;
	r = device_sendv(dev, iov, iovcnt);
	dev->tx_seg = 0;
	return r;
}

int device_sendv(struct device *dev, const struct iovec *iov, int iovcnt)
{
	size_t len = 0;
	int i, r;

	if (dev->closing || !dev->connected) {
		dev->st.tx_dropped++;
		return -ENOTCONN;
	}
	if (iovcnt < 0 || iovcnt > DEVICE_IOV_MAX)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
		if (len > DEVICE_MAX_FRAME) {
			dev->st.tx_dropped++;
			return -EMSGSIZE;
		}
	}
	if (len == 0)
		return -EINVAL;
	if (len > dev->max_frame && !dev->offload) {
		dev->st.tx_oversize++;
		log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a %zu-byte frame to the VM dropped: "
				"the NIC model takes at most %zu bytes", dev->spec, len,
				dev->max_frame);
		return -EMSGSIZE;
	}
	r = dev->ops->send(dev, iov, iovcnt, len);
	if (r < 0) {
		dev->st.tx_dropped++;
		return r;
	}
	dev->st.tx_frames++;
	dev->st.tx_bytes += len;
	if (dev->capture)
		capture_frame(dev->capture, iov, iovcnt, len);
	return 0;
}

void device_set_max_frame(struct device *dev, size_t max)
{
	dev->max_frame = max && max < DEVICE_MAX_FRAME ? max : DEVICE_MAX_FRAME;
}

int device_set_guest_mac(struct device *dev, const uint8_t mac[6])
{
	return dev->ops->set_mac ? dev->ops->set_mac(dev, mac) : -EOPNOTSUPP;
}

bool device_offloads(const struct device *dev)
{
	return dev->offload || dev->vnet_pass;
}

void device_set_capture(struct device *dev, struct capture *c)
{
	dev->capture = c;
}

/* The pause of a device in debt ends: poll the VM's side again (the poll is
 * level-triggered: waiting frames wake it at once). */
static void device_shape_cb(uv_timer_t *t)
{
	struct device *dev = t->data;

	dev->rx_paused = false;
	device_io_events(dev, dev->io_want);
	if (dev->ops->rx_resume)
		dev->ops->rx_resume(dev);
}

bool device_rx_throttled(struct device *dev)
{
	uint64_t ms;

	if (!dev->shaper || dev->rx_paused)
		return dev->rx_paused;
	ms = shaper_wait_ms(dev->shaper);
	if (!ms)
		return false;
	dev->rx_paused = true;
	dev->shaper->waits++;
	device_io_events(dev, dev->io_want);
	/*
	 * Fairness between the adapters of a group: the one whose frames made
	 * the debt waits a millisecond longer, so one that waited wakes first
	 * and takes its turn. The wait is capped so a new rate (bandwidthctl
	 * set) applies soon.
	 */
	if (dev->shaped_read)
		ms++;
	dev->shaped_read = false;
	uv_timer_start(&dev->shape_timer, device_shape_cb, ms < 100 ? ms : 100, 0);
	return true;
}

void device_set_shaper(struct device *dev, struct shaper *s)
{
	dev->shaper = s;
	if (!s && dev->rx_paused) {
		uv_timer_stop(&dev->shape_timer);
		device_shape_cb(&dev->shape_timer);
	}
}

int device_send(struct device *dev, const uint8_t *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)frame, .iov_len = len };

	if (len > DEVICE_MAX_FRAME) {
		dev->st.tx_dropped++;
		return -EMSGSIZE;
	}
	return device_sendv(dev, &iov, 1);
}

unsigned int device_offload(struct device *dev, unsigned int mtu)
{
	dev->mtu = mtu;
	return dev->offload ? DEVICE_OFFLOAD_TCP : 0;
}

int device_set_carrier(struct device *dev, bool up)
{
	int rc = dev->ops->set_carrier ? dev->ops->set_carrier(dev, up) : -EOPNOTSUPP;

	dev->carrier_set = true;
	dev->carrier_up = up;
	dev->carrier_rc = rc;
	if (rc < 0 && rc != -EOPNOTSUPP && !dev->carrier_warned) {
		dev->carrier_warned = true;
		log_warn("%s: cannot turn the guest's carrier %s: %s (frames are dropped "
			 "while the link is off, but the guest's interface is not told)",
			 dev->spec, up ? "on" : "off", strerror(-rc));
	}
	return rc;
}

const char *device_guest_link(const struct device *dev)
{
	if (!dev->carrier_set)
		return "up";
	if (dev->carrier_rc == 0)
		return dev->carrier_up ? "up" : "down";
	if (dev->carrier_rc == -EOPNOTSUPP)
		return "not signalled by this transport";
	return "not signalled (the carrier change failed)";
}

uint32_t device_rx_port(const struct device *dev)
{
	return dev ? dev->rx_port : 0;
}

int device_rx_pkttype(const struct device *dev)
{
	return dev && dev->ops == &packet_ops ? dev->rx_pkttype : -1;
}

bool device_connected(const struct device *dev)
{
	return dev->connected && !dev->closing;
}

const char *device_spec(const struct device *dev)
{
	return dev->spec;
}

void device_get_stats(const struct device *dev, struct device_stats *st)
{
	*st = dev->st;
}
