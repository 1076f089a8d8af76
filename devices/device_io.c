/* SPDX-License-Identifier: MIT */
/*
 * device_io.c - the data fd every backend shares (device_internal.h): its
 * uv_poll_t started, re-armed and released the two-phase way; the packet
 * reader of tap, fd and dgram (device_pkt_io); the batched-output idle
 * handle (ops->flush at the loop's next turn); and the bandwidth group's
 * pause, which stops reading the VM's frames while the group is in debt.
 */
#include "devices/device_internal.h"
#include "devices/shaper.h"
#include "devices/vnet.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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


/* --- the bandwidth group's pause ------------------------------------------ */

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
