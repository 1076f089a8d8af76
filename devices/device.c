/* SPDX-License-Identifier: MIT */
/*
 * device.c - the public device API (device.h): spec parsing, the one place
 * where an attach spec picks its backend's ops, opening (the timer and the
 * listening-socket poll), the two-phase close, frame sanity checks on
 * delivery and on send, and the accessors. The data fd's poll, the packet
 * reader, the flush and the bandwidth group's pause are in device_io.c, the
 * peers in device_peers.c; tap.c, stream.c, dgram.c and the others
 * implement the ops (device_internal.h).
 */
#include "devices/capture.h"
#include "devices/device_internal.h"
#include "devices/shaper.h"
#include "base/bytes.h"

#include <errno.h>
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
