/* SPDX-License-Identifier: MIT */
/*
 * vhost_user.c - "vhost-user:PATH": natd as a vhost-user server for a
 * virtio-net device in QEMU (or anything speaking the protocol, such as
 * libvirt's <interface type='vhostuser'>). QEMU connects to PATH, shares the
 * guest's memory (memory-backend-memfd,share=on) and hands over the
 * virtqueues; natd then reads the guest's frames from the transmit queue
 * and writes frames into the receive queue's buffers directly in guest
 * memory, woken by the guest's kick eventfd and waking it through the call
 * eventfd, all on the libuv loop. One VM at a time, as with stream:; when
 * QEMU goes away its memory is unmapped and the next connection accepted
 * (QEMU with reconnect= on its chardev comes back by itself). This file is
 * the device (transmit path, notifications, link, listening, closing);
 * vhost_user_rx.c the receive path; vhost_user_proto.c the session
 * (messages, memory table, queue set-up).
 *
 * Theory of operation
 * -------------------
 * The connection is dev->io. Messages (vhost_user_msg.h) are reassembled
 * in a buffer with the descriptors received alongside; each one is handled
 * at once and, for GET_* requests, answered. Offered features: VERSION_1
 * and MRG_RXBUF, and where the frames end in lwIP (device_handler's
 * offload) CSUM, GUEST_CSUM, HOST_TSO4/6 and GUEST_TSO4/6, and the ring
 * features EVENT_IDX and INDIRECT_DESC (vring.h; taken when QEMU offers
 * them). Protocol features (VHOST_USER_F_PROTOCOL_FEATURES)
 * are offered with none of their own: QEMU needs the bit to send
 * SET_VRING_ENABLE, without which it does not start a vhost-user net
 * device; negotiated, a ring carries frames only once enabled.
 * SET_MEM_TABLE maps every region's fd; the rings (SET_VRING_ADDR) are
 * found through it and re-found when the table changes. A queue starts
 * when its kick descriptor arrives and stops at GET_VRING_BASE; the link
 * is up while both queues run.
 *
 * Transmit (queue 1, guest -> natd): the kick descriptor is kept at one
 * fixed descriptor number (dup3() of each new one onto it), so one
 * uv_poll_t watches it for the device's lifetime. A kick drains the queue:
 * each chain's virtio-net header is read and the frame handed over in
 * place when it is one buffer, else gathered into dev->rxbuf; with offloads
 * the header's partial checksum and GSO go with it as from a tap with
 * virtio-net headers (vnet_rx_prepare(): TCP segments up to 64 KiB; a
 * partial checksum other than TCP's completed in rxbuf, never in the
 * guest's buffer); chains go
 * back to the guest at the end of the batch with one call notification.
 * At most DEVICE_BATCH frames per wake-up; the flush handle (device_flush_arm())
 * brings the rest at the loop's next turn. While the bandwidth group is in
 * debt, the kick is not watched; device.c's pause ends with vu_rx_resume().
 *
 * Receive (queue 0, natd -> guest, vhost_user_rx.c): device_send() takes
 * available chains until the frame and its header fit (several with
 * MRG_RXBUF), copies the frame in and pushes them; with offloads the header
 * is vnet_tx_prepare()'s, or natd completes the checksum and cuts the
 * segment to the MTU for a guest that did not negotiate them. When the
 * guest offers no room the frame waits in a backlog drained on the receive
 * queue's kick. Used entries are published and the guest called once per
 * turn of the loop (device_flush_arm()), and with the event index only when
 * the used index passed the guest's used_event.
 *
 * Link (setlinkstate, --cableconnected): see vu_set_carrier(): with the
 * cable out the connection is closed and new ones turned away.
 *
 * A queue whose chains break the rules (vring.c: outside guest memory,
 * loops, bad indices) is marked broken and logged; it stays stopped until
 * QEMU sets it up again; natd and its other adapters go on.
 */
#include "devices/vhost_user_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int vu_check(const char *arg, char *err, size_t errlen)
{
	return device_unix_path_check("vhost-user", arg, err, errlen);
}

static int vu_open(struct device *dev, const char *path, char *err, size_t errlen)
{
	struct vhost_user *vu = calloc(1, sizeof(*vu));

	dev->rxcap = DEVICE_MAX_FRAME + 1;
	dev->rxbuf = malloc(dev->rxcap);
	if (vu)
		vu->backlog = malloc(VU_BACKLOG);
	if (!vu || !dev->rxbuf || !vu->backlog) {
		if (vu)
			free(vu->backlog);
		free(vu);
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	vu->kick_fd[0] = vu->kick_fd[1] = -1;
	vu->q[0].call_fd = vu->q[1].call_fd = -1;
	dev->priv = vu;
	/* Frames that end in lwIP: checksum and TSO offloads when the guest
	 * takes them (VU_F_OFFLOADS), done by natd when it does not. */
	dev->offload = dev->h.offload;
	return device_unix_listen(dev, path, err, errlen);
}

void vu_update_link(struct device *dev)
{
	device_link(dev, vu_running(vu_of(dev)));
}

static void vu_drop(struct device *dev, const char *why)
{
	log_info("%s: VM disconnected (%s)", dev->spec, why);
	device_listen_pause(dev); /* resumed in vu_io_closed() */
	device_io_release(dev);
	vu_reset(vu_of(dev));
	device_flush_disarm(dev);
	device_link(dev, false);
}

/* Logs a queue's breakage once; the queue stays stopped. */
void vu_queue_broken(struct device *dev, unsigned int i)
{
	struct vu_queue *q = &vu_of(dev)->q[i];

	if (!q->broken_logged)
		log_err("%s: %s queue broken: %s; the queue is stopped until QEMU sets it up again",
			dev->spec, i == VU_TX ? "transmit" : "receive",
			q->vq.why ? q->vq.why : "?");
	q->broken_logged = true;
	dev->st.rx_errors++;
}

/* --- notifications ------------------------------------------------------- */

void vu_call(struct vhost_user *vu, unsigned int i)
{
	uint64_t one = 1;

	if (vq_publish(&vu->q[i].vq) && vu->q[i].call_fd >= 0 &&
	    write(vu->q[i].call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("vhost-user: call: %s", strerror(errno));
}

/* ops->flush, at the loop's next turn after vu_later(). */
static void vu_turn(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);

	vu_rx_drain(dev);
	vu_call(vu, VU_RX);
	if (vu->tx_more)
		vu_tx(dev);
}

/* Runs vu_turn() at the loop's next turn. */
void vu_later(struct device *dev)
{
	device_flush_arm(dev);
}

/* --- transmit: guest -> natd --------------------------------------------- */

/* Copies the first n bytes of a chain's readable buffers to out; false when
 * they hold fewer. */
static bool vu_copy_head(const struct iovec *iov, unsigned int nout, void *out, size_t n)
{
	uint8_t *o = out;
	unsigned int i;

	for (i = 0; i < nout && n; i++) {
		size_t c = iov[i].iov_len < n ? iov[i].iov_len : n;

		memcpy(o, iov[i].iov_base, c);
		o += c;
		n -= c;
	}
	return n == 0;
}

/* Hands one frame from the guest (after its virtio-net header vh) over:
 * checks or completes its checksum when offloads are on (vnet.h), copying it
 * to rxbuf first when it is still in guest memory and must be written. */
static void vu_deliver(struct device *dev, const struct virtio_net_hdr *vh,
		       const uint8_t *frame, size_t len)
{
	if (!dev->offload) {
		device_deliver(dev, frame, len);
		return;
	}
	if (frame != dev->rxbuf && vnet_rx_writes(vh, frame, len)) {
		memcpy(dev->rxbuf, frame, len);
		frame = dev->rxbuf;
	}
	if (vnet_rx_prepare(vh, (uint8_t *)(uintptr_t)frame, len) < 0) {
		dev->st.rx_errors++;
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: dropping a frame "
				"with a bad TCP checksum", dev->spec);
		return;
	}
	device_deliver_vnet(dev, frame, len, vh);
}

void vu_tx(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);
	struct vu_queue *q = &vu->q[VU_TX];
	struct iovec iov[VU_IOV];
	unsigned int frames = 0, nout, nin, i;
	uint16_t head;
	int r;

	vu->tx_more = false;
	while (q->started && !dev->closing) {
		size_t skip = vu->hdr_len, len = 0, off = 0;
		const uint8_t *frame = NULL;
		struct virtio_net_hdr vh;

		if (frames >= DEVICE_BATCH) {
			vu->tx_more = true;
			vu_later(dev);
			break;
		}
		if (device_rx_throttled(dev)) {
			/* not woken by kicks until vu_rx_resume() */
			if (vu->kick_init[VU_TX])
				uv_poll_stop(&vu->kick[VU_TX]);
			break;
		}
		r = vq_pop(&q->vq, &vu->mem, iov, VU_IOV, &nout, &nin, &head);
		if (r == 0)
			break;
		if (r == -EIO) {
			vu_queue_broken(dev, VU_TX);
			break;
		}
		frames++;
		if (r == -ENOBUFS || !vu_copy_head(iov, nout, &vh, sizeof(vh))) {
			dev->st.rx_errors++;
			if (r != -ENOBUFS)
				vq_push(&q->vq, head, 0);
			continue;
		}
		for (i = 0; i < nout; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			if (!frame && len == 0) {
				frame = (const uint8_t *)iov[i].iov_base + skip;
				len = iov[i].iov_len - skip;
				skip = 0;
				continue;
			}
			/* more than one piece: gather into rxbuf */
			if (frame != dev->rxbuf) {
				memcpy(dev->rxbuf, frame, len);
				frame = dev->rxbuf;
				off = len;
			}
			len += iov[i].iov_len;
			if (len > dev->rxcap)
				break;
			memcpy(dev->rxbuf + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		if (!vu_queue_enabled(vu, VU_TX))
			; /* a disabled ring's frames are consumed and dropped (the protocol) */
		else if (frame && len <= dev->rxcap)
			vu_deliver(dev, &vh, frame, len);
		else
			dev->st.rx_errors++;
		vq_push(&q->vq, head, 0);
	}
	if (frames) {
		vu_call(vu, VU_TX);
		if (dev->h.batch_end && !dev->closing)
			dev->h.batch_end(dev->h.opaque);
	}
}

void vu_kick_cb(uv_poll_t *p, int status, int events)
{
	struct device *dev = p->data;
	struct vhost_user *vu = vu_of(dev);
	uint64_t n;

	(void)events;
	if (dev->closing)
		return;
	if (status < 0 || read(vu->kick_fd[VU_TX], &n, sizeof(n)) < 0) {
		if (status < 0 || (errno != EAGAIN && errno != EINTR)) {
			log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: kick: %s", dev->spec,
					status < 0 ? uv_strerror(status) : strerror(errno));
			uv_poll_stop(p);
		}
		return;
	}
	vu_tx(dev);
}

/* ops->rx_resume: the bandwidth group's pause ended. */
static void vu_rx_resume(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);

	if (!vu->q[VU_TX].started || !vu->kick_init[VU_TX])
		return;
	uv_poll_start(&vu->kick[VU_TX], UV_READABLE, vu_kick_cb);
	vu_tx(dev);
}

static void vu_io(struct device *dev, int status, int events)
{
	const char *why;

	(void)events;
	if (status < 0) {
		vu_drop(dev, uv_strerror(status));
		return;
	}
	why = vu_read(dev);
	if (why && !dev->closing && dev->io_init && !dev->io_closing)
		vu_drop(dev, why);
}

/* --- listening, closing -------------------------------------------------- */

static void vu_listen_ready(struct device *dev, int status)
{
	int fd;

	if (status < 0)
		return;
	while ((fd = device_unix_accept(dev)) >= 0) {
		if (vu_of(dev)->link_off) {
			/* The cable is out: QEMU keeps the guest's link down while
			 * it has no backend, and retries (reconnect=). */
			log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: link is off: QEMU's "
					"connection closed", dev->spec);
			close(fd);
			continue;
		}
		vu_reset(vu_of(dev));
		if (device_io_start(dev, fd, UV_READABLE | UV_DISCONNECT) < 0) {
			log_err("%s: cannot watch the connection", dev->spec);
			continue;
		}
		dev->st.connects++;
		log_info("%s: QEMU connected", dev->spec);
	}
}

/*
 * setlinkstate / --cableconnected: QEMU 7.2 reads no virtio-net config from
 * a vhost-user backend (virtio_net_get_config() asks the backend only for
 * vhost-vdpa) and has no use for the backend's config-change message on
 * virtio-net; what it does show the guest is its connection: when it closes,
 * QEMU sets the link down (net/vhost-user.c, chr_closed_bh()), and up again
 * once it has reconnected (reconnect= on the chardev) and started the
 * device. So the cable out closes the connection and turns new ones away;
 * put back, the next connection is served.
 */
static int vu_set_carrier(struct device *dev, bool up)
{
	struct vhost_user *vu = vu_of(dev);

	vu->link_off = !up;
	if (!up && dev->io_init && !dev->io_closing)
		vu_drop(dev, "link set off");
	return 0;
}

static void vu_start_timer(struct device *dev)
{
	(void)dev; /* the link goes up when QEMU has started both queues */
}

static void vu_io_closed(struct device *dev)
{
	if (dev->listen_init)
		device_listen_resume(dev);
}

static void vu_close(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);

	vu_reset(vu);
	for (unsigned int i = 0; i < 2; i++) {
		if (!vu->kick_init[i])
			continue;
		uv_poll_stop(&vu->kick[i]);
		close(vu->kick_fd[i]);
		vu->kick_fd[i] = -1;
		vu->kick_init[i] = false;
		device_handle_close(dev, (uv_handle_t *)&vu->kick[i]);
	}
	free(vu->backlog);
	vu->backlog = NULL;
	device_unix_unlink(dev, dev->arg);
}

const struct device_ops vhost_user_ops = {
	.type = "vhost-user",
	.check = vu_check,
	.open = vu_open,
	.timer = vu_start_timer,
	.io = vu_io,
	.listen = vu_listen_ready,
	.io_closed = vu_io_closed,
	.send = vu_send,
	.flush = vu_turn,
	.rx_resume = vu_rx_resume,
	.set_carrier = vu_set_carrier,
	.close = vu_close,
};
