/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_rx.c - natd -> guest on the vhost-user transport (vhost_user.c
 * has the theory of operation): frames written into the receive queue's
 * buffers in guest memory with the virtio-net header the guest negotiated
 * (offloads as vnet.h makes them, or checksums completed and segments cut
 * by natd for a guest without them), and a backlog for when the guest has
 * no buffers free.
 *
 * The backlog: a guest that reads slower than natd writes (a burst of 64
 * KiB segments needs many buffers) would lose frames if they were dropped
 * as a NIC drops them, and TCP towards the guest would stall on its
 * retransmission timers. So a frame that does not fit waits, whole and
 * with its header, in a 4 MiB FIFO, and every later frame queues behind it;
 * the receive queue's kick (the guest giving buffers) is watched while the
 * backlog holds frames and drains it, as does every turn of the loop. A
 * frame that does not fit into the backlog is dropped (-EAGAIN).
 */
#include "devices/vhost_user_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

/* Queues one frame (header vh, then fiov's len bytes) behind the others;
 * 0, or -EAGAIN when the backlog has no room for it. */
static int vu_backlog_put(struct device *dev, const struct virtio_net_hdr *vh,
			  const struct iovec *fiov, int cnt, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	size_t need = sizeof(*vh) + 4 + len, end;
	uint32_t l32 = (uint32_t)len;
	uint8_t *p;
	int i;

	if (vu->bl_head + vu->bl_len + need > VU_BACKLOG) {
		if (vu->bl_len + need > VU_BACKLOG)
			return -EAGAIN;
		memmove(vu->backlog, vu->backlog + vu->bl_head, vu->bl_len);
		vu->bl_head = 0;
	}
	end = vu->bl_head + vu->bl_len;
	p = vu->backlog + end;
	memcpy(p, vh, sizeof(*vh));
	memcpy(p + sizeof(*vh), &l32, 4);
	p += sizeof(*vh) + 4;
	for (i = 0; i < cnt; i++) {
		if (!fiov[i].iov_len) /* vu_slice()'s empty head: no pointer */
			continue;
		memcpy(p, fiov[i].iov_base, fiov[i].iov_len);
		p += fiov[i].iov_len;
	}
	if (vu->bl_len == 0 && vu->kick_init[VU_RX])
		uv_poll_start(&vu->kick[VU_RX], UV_READABLE, vu_rx_kick_cb);
	vu->bl_len += need;
	return 0;
}

void vu_rx_drain(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);

	while (vu->bl_len) {
		struct virtio_net_hdr vh;
		uint8_t *p = vu->backlog + vu->bl_head;
		uint32_t len;
		struct iovec iov;

		memcpy(&vh, p, sizeof(vh));
		memcpy(&len, p + sizeof(vh), 4);
		iov = (struct iovec){ .iov_base = p + sizeof(vh) + 4, .iov_len = len };
		if (vu_put(dev, &vh, &iov, len) < 0)
			break;
		vu->bl_head += sizeof(vh) + 4 + len;
		vu->bl_len -= sizeof(vh) + 4 + len;
	}
	if (vu->bl_len == 0) {
		vu->bl_head = 0;
		if (vu->kick_init[VU_RX])
			uv_poll_stop(&vu->kick[VU_RX]);
	}
}

void vu_rx_kick_cb(uv_poll_t *p, int status, int events)
{
	struct device *dev = p->data;
	struct vhost_user *vu = vu_of(dev);
	uint64_t n;

	(void)events;
	if (dev->closing)
		return;
	if (status < 0 || (read(vu->kick_fd[VU_RX], &n, sizeof(n)) < 0 &&
			   errno != EAGAIN && errno != EINTR)) {
		uv_poll_stop(p);
		return;
	}
	vu_rx_drain(dev);
	vu_later(dev); /* publish and call */
}

/* A frame in order: into the queue, or behind the backlog. */
static int vu_emit(struct device *dev, const struct virtio_net_hdr *vh,
		   const struct iovec *fiov, int cnt, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	int r;

	if (!vu_running(vu))
		return -ENOTCONN; /* nothing waits for a guest that is not there */
	if (vu->bl_len)
		vu_rx_drain(dev);
	if (!vu->bl_len) {
		r = vu_put(dev, vh, fiov, len);
		if (r != -EAGAIN || vu->q[VU_RX].vq.broken)
			return r;
	}
	return vu_backlog_put(dev, vh, fiov, cnt, len);
}

/*
 * A frame to the guest. Without offloads it goes as given, after an all-zero
 * header. With them lwIP left TCP checksums to the transport and sends
 * segments of up to 64 KiB (vnet.h): they go with the header vnet_tx_prepare()
 * makes to a guest that negotiated GUEST_CSUM (and GUEST_TSO4/6 for the GSO
 * ones); for a guest that did not (iPXE, a driver without offloads) natd
 * completes the checksum, or cuts the segment to the MTU, itself.
 */
int vu_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	struct iovec fiov[DEVICE_IOV_MAX + 1];
	uint8_t seg[VNET_TX_HDRS_MAX];
	struct virtio_net_hdr zero = { 0 };
	struct vnet_tx t;
	uint64_t tso;
	size_t off, n;
	int r, cnt;

	if (!dev->offload) {
		cnt = vu_slice(fiov, NULL, 0, iov, iovcnt, 0, len);
		return vu_emit(dev, &zero, fiov, cnt, len);
	}
	vnet_tx_prepare(&t, iov, iovcnt, len, dev->mtu, dev->tx_seg);
	if (!t.hdrs_len) {
		cnt = vu_slice(fiov, NULL, 0, iov, iovcnt, 0, len);
		return vu_emit(dev, &t.vh, fiov, cnt, len);
	}
	tso = t.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ? 1ull << VIRTIO_NET_F_GUEST_TSO4 :
	      t.vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6 ? 1ull << VIRTIO_NET_F_GUEST_TSO6 : 0;
	if (!tso || (vu->features & (tso | (1ull << VIRTIO_NET_F_GUEST_CSUM))) ==
		    (tso | (1ull << VIRTIO_NET_F_GUEST_CSUM))) {
		if (!(vu->features & (1ull << VIRTIO_NET_F_GUEST_CSUM)))
			vnet_tx_csum(&t, iov, iovcnt);
		cnt = vu_slice(fiov, t.hdrs, t.hdrs_len, iov, iovcnt, t.hdrs_len, len - t.hdrs_len);
		return vu_emit(dev, &t.vh, fiov, cnt, len);
	}
	/* Cut to the MTU: every segment a frame with complete checksums. */
	for (off = 0; (n = vnet_gso_segment(&t, iov, iovcnt, off, seg)) > 0; off += n) {
		cnt = vu_slice(fiov, seg, t.hdrs_len, iov, iovcnt, t.hdrs_len + off, n);
		r = vu_emit(dev, &zero, fiov, cnt, t.hdrs_len + n);
		if (r < 0)
			return r; /* the rest is lost: backlog full, or no guest */
	}
	return 0;
}

