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
 * the device (data path, notifications, listening, closing);
 * vhost_user_proto.c the session (messages, memory table, queue set-up).
 *
 * Theory of operation
 * -------------------
 * The connection is dev->io. Messages (vhost_user_msg.h) are reassembled
 * in a buffer with the descriptors received alongside; each one is handled
 * at once and, for GET_* requests, answered. Offered features: VERSION_1
 * and MRG_RXBUF (no checksum or segmentation offloads, no event index, no
 * indirect descriptors, no protocol features: rings start enabled).
 * SET_MEM_TABLE maps every region's fd; the rings (SET_VRING_ADDR) are
 * found through it and re-found when the table changes. A queue starts
 * when its kick descriptor arrives and stops at GET_VRING_BASE; the link
 * is up while both queues run.
 *
 * Transmit (queue 1, guest -> natd): the kick descriptor is kept at one
 * fixed descriptor number (dup3() of each new one onto it), so one
 * uv_poll_t watches it for the device's lifetime. A kick drains the queue:
 * each chain's virtio-net header is skipped and the frame handed over in
 * place when it is one buffer, else gathered into dev->rxbuf; chains go
 * back to the guest at the end of the batch with one call notification.
 * At most DEVICE_BATCH frames per wake-up; the flush handle (device_flush_arm())
 * brings the rest at the loop's next turn. While the bandwidth group is in
 * debt, the kick is not watched; device.c's pause ends with vu_rx_resume().
 *
 * Receive (queue 0, natd -> guest): device_send() takes available chains
 * until the frame and its header fit (several with MRG_RXBUF), copies the
 * frame in and pushes them; when the guest offers no room the frame is
 * dropped, as a NIC would. Used entries are published and the guest called
 * once per turn of the loop (device_flush_arm()).
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
	if (!vu || !dev->rxbuf) {
		free(vu);
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	vu->kick_fd = -1;
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

	vu_call(vu, VU_RX);
	if (vu->tx_more)
		vu_tx(dev);
}

/* Runs vu_turn() at the loop's next turn. */
static void vu_later(struct device *dev)
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
	device_deliver_frame(dev, frame, len, vh->gso_type != VIRTIO_NET_HDR_GSO_NONE);
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
			if (vu->kick_init)
				uv_poll_stop(&vu->kick);
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
		if (frame && len <= dev->rxcap)
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
	if (status < 0 || read(vu->kick_fd, &n, sizeof(n)) < 0) {
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

	if (!vu->q[VU_TX].started || !vu->kick_init)
		return;
	uv_poll_start(&vu->kick, UV_READABLE, vu_kick_cb);
	vu_tx(dev);
}

/* --- receive: natd -> guest ---------------------------------------------- */

/*
 * Writes one frame (header vh, then the frame's len bytes in fiov) into the
 * receive queue: takes chains until header and frame fit (several with
 * MRG_RXBUF) and copies them in. 0, -ENOTCONN, or -EAGAIN when the guest
 * offers too little room (nothing taken) or the queue broke.
 */
static int vu_put(struct device *dev, const struct virtio_net_hdr *vh,
		  const struct iovec *fiov, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	struct vu_queue *q = &vu->q[VU_RX];
	bool mrg = vu->features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct iovec iov[VU_IOV], all[VU_IOV];
	uint16_t heads[VU_RX_CHAINS];
	uint32_t lens[VU_RX_CHAINS];
	uint8_t hdr[12] = { 0 };
	size_t need = vu->hdr_len + len, room = 0, done = 0, fi_off = 0;
	unsigned int chains = 0, nout, nin, i, c, nall = 0, chain_end[VU_RX_CHAINS];
	int fi = 0, r;

	if (!vu_running(vu))
		return -ENOTCONN;
	if (q->vq.broken)
		return -EAGAIN;
	/* Take chains until the header and frame fit. */
	while (room < need) {
		if (chains == VU_RX_CHAINS || (!mrg && chains == 1))
			goto full;
		r = vq_pop(&q->vq, &vu->mem, iov, VU_IOV, &nout, &nin, &heads[chains]);
		if (r == -EIO) {
			vu_queue_broken(dev, VU_RX);
			vq_unpop(&q->vq, chains);
			return -EAGAIN;
		}
		if (r == -ENOBUFS) { /* returned empty already: unpop cannot skip it */
			q->vq.why = "receive chain of more than 64 buffers";
			q->vq.broken = true;
			vu_queue_broken(dev, VU_RX);
			return -EAGAIN;
		}
		if (r == 0)
			goto full;
		if (nout) { /* a receive buffer must be device-writable */
			q->vq.why = "readable descriptor in a receive chain";
			q->vq.broken = true;
			vu_queue_broken(dev, VU_RX);
			vq_unpop(&q->vq, chains + 1);
			return -EAGAIN;
		}
		for (i = 0; i < nin && nall < VU_IOV; i++) {
			all[nall++] = iov[i];
			room += iov[i].iov_len;
		}
		chain_end[chains++] = nall;
	}
	memcpy(hdr, vh, sizeof(*vh));
	/* num_buffers (le16; chains <= 64): also 1 with VERSION_1 alone */
	if (vu->hdr_len == 12)
		hdr[10] = (uint8_t)chains;
	/* Copy header then frame into the buffers, chain by chain. */
	memset(lens, 0, sizeof(lens));
	for (i = 0, c = 0; i < nall && done < need; i++) {
		size_t boff = 0;

		while (i >= chain_end[c])
			c++;
		while (boff < all[i].iov_len && done < need) {
			size_t n;
			const uint8_t *src;

			if (done < vu->hdr_len) {
				n = vu->hdr_len - done;
				src = hdr + done;
			} else {
				while (fi_off == fiov[fi].iov_len) {
					fi++;
					fi_off = 0;
				}
				n = fiov[fi].iov_len - fi_off;
				src = (const uint8_t *)fiov[fi].iov_base + fi_off;
			}
			if (n > all[i].iov_len - boff)
				n = all[i].iov_len - boff;
			memcpy((uint8_t *)all[i].iov_base + boff, src, n);
			if (done >= vu->hdr_len)
				fi_off += n;
			boff += n;
			done += n;
			lens[c] += (uint32_t)n;
		}
	}
	for (c = 0; c < chains; c++)
		vq_push(&q->vq, heads[c], lens[c]);
	vu_later(dev);
	return 0;
full:
	vq_unpop(&q->vq, chains);
	return -EAGAIN;
}

/* out[] = head (hlen bytes), then bytes [skip, skip + len) of iov. Returns
 * the count of out[] (at most DEVICE_IOV_MAX + 1). */
static int vu_slice(struct iovec *out, const void *head, size_t hlen,
		    const struct iovec *iov, int iovcnt, size_t skip, size_t len)
{
	int n = 0, i;

	out[n++] = (struct iovec){ .iov_base = (void *)(uintptr_t)head, .iov_len = hlen };
	for (i = 0; i < iovcnt && len; i++) {
		size_t c = iov[i].iov_len;

		if (skip >= c) {
			skip -= c;
			continue;
		}
		c -= skip;
		if (c > len)
			c = len;
		out[n++] = (struct iovec){
			.iov_base = (uint8_t *)iov[i].iov_base + skip, .iov_len = c };
		skip = 0;
		len -= c;
	}
	return n;
}

/*
 * A frame to the guest. Without offloads it goes as given, after an all-zero
 * header. With them lwIP left TCP checksums to the transport and sends
 * segments of up to 64 KiB (vnet.h): they go with the header vnet_tx_prepare()
 * makes to a guest that negotiated GUEST_CSUM (and GUEST_TSO4/6 for the GSO
 * ones); for a guest that did not (iPXE, a driver without offloads) natd
 * completes the checksum, or cuts the segment to the MTU, itself.
 */
static int vu_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	struct iovec fiov[DEVICE_IOV_MAX + 1];
	uint8_t seg[VNET_TX_HDRS_MAX];
	struct virtio_net_hdr zero = { 0 };
	struct vnet_tx t;
	uint64_t tso;
	size_t off, n;
	int r;

	if (!dev->offload) {
		vu_slice(fiov, NULL, 0, iov, iovcnt, 0, len);
		return vu_put(dev, &zero, fiov, len);
	}
	vnet_tx_prepare(&t, iov, iovcnt, len, dev->mtu);
	if (!t.hdrs_len) {
		vu_slice(fiov, NULL, 0, iov, iovcnt, 0, len);
		return vu_put(dev, &t.vh, fiov, len);
	}
	tso = t.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ? 1ull << VIRTIO_NET_F_GUEST_TSO4 :
	      t.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6 ? 1ull << VIRTIO_NET_F_GUEST_TSO6 : 0;
	if (!tso || (vu->features & (tso | (1ull << VIRTIO_NET_F_GUEST_CSUM))) ==
		    (tso | (1ull << VIRTIO_NET_F_GUEST_CSUM))) {
		if (!(vu->features & (1ull << VIRTIO_NET_F_GUEST_CSUM)))
			vnet_tx_csum(&t, iov, iovcnt);
		vu_slice(fiov, t.hdrs, t.hdrs_len, iov, iovcnt, t.hdrs_len, len - t.hdrs_len);
		return vu_put(dev, &t.vh, fiov, len);
	}
	/* Cut to the MTU: every segment a frame with complete checksums. */
	for (off = 0; (n = vnet_gso_segment(&t, iov, iovcnt, off, seg)) > 0; off += n) {
		vu_slice(fiov, seg, t.hdrs_len, iov, iovcnt, t.hdrs_len + off, n);
		r = vu_put(dev, &zero, fiov, t.hdrs_len + n);
		if (r < 0)
			return r; /* the rest is lost, as on a full NIC; TCP resends */
	}
	return 0;
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
	if (vu->kick_init) {
		uv_poll_stop(&vu->kick);
		close(vu->kick_fd);
		vu->kick_fd = -1;
		vu->kick_init = false;
		device_handle_close(dev, (uv_handle_t *)&vu->kick);
	}
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
