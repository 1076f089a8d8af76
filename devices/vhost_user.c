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
 * (QEMU with reconnect= on its chardev comes back by itself).
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
 * At most DEVICE_BATCH frames per wake-up; the idle handle (dev->oflush)
 * brings the rest at the loop's next turn. While the bandwidth group is in
 * debt, transmit is polled every millisecond by dev->timer.
 *
 * Receive (queue 0, natd -> guest): device_send() takes available chains
 * until the frame and its header fit (several with MRG_RXBUF), copies the
 * frame in and pushes them; when the guest offers no room the frame is
 * dropped, as a NIC would. Used entries are published and the guest called
 * once per turn of the loop (dev->oflush).
 *
 * A queue whose chains break the rules (vring.c: outside guest memory,
 * loops, bad indices) is marked broken and logged; it stays stopped until
 * QEMU sets it up again; natd and its other adapters go on.
 */
#include "devices/device_internal.h"
#include "devices/vhost_user_msg.h"
#include "devices/vring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_F_VERSION_1 32
#define VU_OFFERED ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MRG_RXBUF))
#define VU_RX 0
#define VU_TX 1
#define VU_IOV 64
#define VU_RX_CHAINS 64

struct vu_queue {
	struct vq vq;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	bool started;		/* kick descriptor received */
	int call_fd;		/* -1: no interrupts wanted */
	bool broken_logged;
};

struct vhost_user {
	struct vu_mem mem;
	void *map[VU_MAX_REGIONS];
	size_t map_len[VU_MAX_REGIONS];
	struct vu_queue q[2];
	uint64_t features;
	size_t hdr_len;
	uv_poll_t kick;		/* the transmit queue's kick, at kick_fd */
	int kick_fd;
	bool kick_init;
	bool tx_more;		/* DEVICE_BATCH reached: go on at the next turn */
	uint8_t msg[VU_HDR_SIZE + VU_MAX_PAYLOAD];
	size_t msglen;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

static struct vhost_user *vu_of(struct device *dev)
{
	return dev->priv;
}

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
	return device_unix_listen(dev, path, err, errlen);
}

/* --- session state -------------------------------------------------------- */

static void vu_close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void vu_unmap(struct vhost_user *vu)
{
	for (unsigned int i = 0; i < VU_MAX_REGIONS; i++) {
		if (vu->map[i])
			munmap(vu->map[i], vu->map_len[i]);
		vu->map[i] = NULL;
	}
	memset(&vu->mem, 0, sizeof(vu->mem));
}

static void vu_queue_stop(struct vhost_user *vu, unsigned int i)
{
	struct vu_queue *q = &vu->q[i];

	q->started = false;
	if (i == VU_TX && vu->kick_init)
		uv_poll_stop(&vu->kick);
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->call_fd = -1;
}

static void vu_queue_reset(struct vhost_user *vu, unsigned int i)
{
	vu_queue_stop(vu, i);
	memset(&vu->q[i], 0, sizeof(vu->q[i]));
	vu->q[i].call_fd = -1;
}

/* Forgets everything of the VM: its memory, its queues, pending input. */
static void vu_reset(struct vhost_user *vu)
{
	vu_queue_reset(vu, VU_RX);
	vu_queue_reset(vu, VU_TX);
	vu_unmap(vu);
	vu_close_fds(vu->fds, vu->nfds);
	vu->nfds = 0;
	vu->msglen = 0;
	vu->features = 0;
	vu->hdr_len = 12;
	vu->tx_more = false;
}

static bool vu_running(const struct vhost_user *vu)
{
	return vu->q[VU_RX].started && vu->q[VU_TX].started &&
	       vu->q[VU_RX].vq.desc && vu->q[VU_TX].vq.desc;
}

static void vu_update_link(struct device *dev)
{
	device_link(dev, vu_running(vu_of(dev)));
}

static void vu_drop(struct device *dev, const char *why)
{
	log_info("%s: VM disconnected (%s)", dev->spec, why);
	device_listen_pause(dev); /* resumed in vu_io_closed() */
	device_io_release(dev);
	vu_reset(vu_of(dev));
	if (dev->oflush_init)
		uv_idle_stop(&dev->oflush);
	device_link(dev, false);
}

/* Logs a queue's breakage once; the queue stays stopped. */
static void vu_queue_broken(struct device *dev, unsigned int i)
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

static void vu_call(struct vhost_user *vu, unsigned int i)
{
	uint64_t one = 1;

	if (vq_publish(&vu->q[i].vq) && vu->q[i].call_fd >= 0 &&
	    write(vu->q[i].call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("vhost-user: call: %s", strerror(errno));
}

static void vu_tx(struct device *dev);

static void vu_turn_cb(uv_idle_t *h)
{
	struct device *dev = h->data;
	struct vhost_user *vu = vu_of(dev);

	uv_idle_stop(h);
	if (dev->closing)
		return;
	vu_call(vu, VU_RX);
	if (vu->tx_more)
		vu_tx(dev);
}

/* Runs vu_turn_cb() at the loop's next turn. */
static void vu_later(struct device *dev)
{
	if (!dev->oflush_init) {
		uv_idle_init(dev->loop, &dev->oflush);
		dev->oflush.data = dev;
		dev->oflush_init = true;
	}
	if (!uv_is_active((uv_handle_t *)&dev->oflush))
		uv_idle_start(&dev->oflush, vu_turn_cb);
}

/* --- transmit: guest -> natd --------------------------------------------- */

static void vu_tx(struct device *dev)
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

		if (frames >= DEVICE_BATCH) {
			vu->tx_more = true;
			vu_later(dev);
			break;
		}
		if (device_rx_throttled(dev)) {
			device_timer_arm(dev, 1);
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
		if (r == -ENOBUFS) {
			dev->st.rx_errors++;
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
			device_deliver(dev, frame, len);
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

static void vu_kick_cb(uv_poll_t *p, int status, int events)
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

/* dev->timer: the bandwidth group's pause ended (or is still on). */
static void vu_timer(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);

	if (vu->q[VU_TX].started)
		vu_tx(dev);
}

/* --- receive: natd -> guest ---------------------------------------------- */

static int vu_send(struct device *dev, const struct iovec *fiov, int fiovcnt, size_t len)
{
	struct vhost_user *vu = vu_of(dev);
	struct vu_queue *q = &vu->q[VU_RX];
	bool mrg = vu->features & (1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct iovec iov[VU_IOV];
	uint16_t heads[VU_RX_CHAINS];
	uint32_t lens[VU_RX_CHAINS];
	uint8_t hdr[12] = { 0 };
	size_t need = vu->hdr_len + len, room = 0, done = 0, fi_off = 0;
	unsigned int chains = 0, nout, nin, i, c;
	int fi = 0, r;

	if (!vu_running(vu))
		return -ENOTCONN;
	if (q->vq.broken)
		return -EAGAIN;
	/* Take chains until the header and frame fit. */
	struct iovec all[VU_IOV];
	unsigned int nall = 0, chain_end[VU_RX_CHAINS];

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
	(void)fiovcnt;
	for (c = 0; c < chains; c++)
		vq_push(&q->vq, heads[c], lens[c]);
	vu_later(dev);
	return 0;
full:
	vq_unpop(&q->vq, chains);
	return -EAGAIN;
}

/* --- the protocol -------------------------------------------------------- */

static int vu_reply(struct device *dev, const struct vu_msg *m, const void *p, size_t n)
{
	uint8_t buf[VU_HDR_SIZE + 16];
	uint32_t hdr[3] = { m->req, VU_FLAG_VERSION | VU_FLAG_REPLY, (uint32_t)n };
	ssize_t w;

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + VU_HDR_SIZE, p, n);
	do {
		w = send(dev->io_fd, buf, VU_HDR_SIZE + n, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	return w == (ssize_t)(VU_HDR_SIZE + n) ? 0 : -EPIPE;
}

static int vu_reply_u64(struct device *dev, const struct vu_msg *m, uint64_t v)
{
	return vu_reply(dev, m, &v, sizeof(v));
}

/* Re-finds queue i's rings in the current memory table. */
static void vu_queue_map(struct device *dev, unsigned int i)
{
	struct vu_queue *q = &vu_of(dev)->q[i];

	if (!q->addr_set)
		return;
	q->broken_logged = false;
	if (vq_setup(&q->vq, &vu_of(dev)->mem, q->desc_uva, q->avail_uva,
		     q->used_uva) < 0) {
		q->vq.broken = true;
		vu_queue_broken(dev, i);
	}
}

static int vu_set_mem_table(struct device *dev, const struct vu_msg *m)
{
	struct vhost_user *vu = vu_of(dev);
	unsigned int i;

	vu_unmap(vu);
	for (i = 0; i < m->p.mem.nregions; i++) {
		const struct vu_msg_region *r = &m->p.mem.r[i];
		size_t len = (size_t)(r->size + r->mmap_offset);
		void *p;

		if (r->size == 0 || r->size + r->mmap_offset < r->size) {
			log_err("%s: bad memory region %u", dev->spec, i);
			goto fail;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			 vu->fds[i], 0);
		if (p == MAP_FAILED) {
			log_err("%s: cannot map the guest's memory (region %u, %llu bytes): %s",
				dev->spec, i, (unsigned long long)len, strerror(errno));
			goto fail;
		}
		vu->map[i] = p;
		vu->map_len[i] = len;
		vu->mem.r[i].gpa = r->gpa;
		vu->mem.r[i].size = r->size;
		vu->mem.r[i].uva = r->uva;
		vu->mem.r[i].host = (uint8_t *)p + r->mmap_offset;
		vu->mem.n = i + 1;
	}
	vu_queue_map(dev, VU_RX);
	vu_queue_map(dev, VU_TX);
	return 0;
fail:
	vu_unmap(vu);
	return -EINVAL;
}

/* Adopts fd as the transmit queue's kick descriptor, watched by vu->kick. */
static int vu_set_kick(struct device *dev, int fd)
{
	struct vhost_user *vu = vu_of(dev);
	int r;

	if (!vu->kick_init) {
		r = uv_poll_init(dev->loop, &vu->kick, fd);
		if (r < 0) {
			close(fd);
			return r;
		}
		vu->kick.data = dev;
		vu->kick_fd = fd;
		vu->kick_init = true;
	} else {
		uv_poll_stop(&vu->kick);
		r = dup3(fd, vu->kick_fd, O_CLOEXEC);
		close(fd);
		if (r < 0)
			return -errno;
	}
	fcntl(vu->kick_fd, F_SETFL, fcntl(vu->kick_fd, F_GETFL) | O_NONBLOCK);
	return uv_poll_start(&vu->kick, UV_READABLE, vu_kick_cb);
}

/* Handles one message; its descriptors are in vu->fds (taken or closed
 * here). 0, or -errno when the connection must go. */
static int vu_handle(struct device *dev, const struct vu_msg *m)
{
	struct vhost_user *vu = vu_of(dev);
	unsigned int idx = m->p.state.index;
	char nb[32];
	int fd = vu->nfds ? vu->fds[0] : -1, r = 0;

	log_debug("%s: %s (%u bytes, %u fds)", dev->spec,
		  vu_request_name(m->req, nb, sizeof(nb)), m->size, vu->nfds);
	switch (m->req) {
	case VU_GET_FEATURES:
		return vu_reply_u64(dev, m, VU_OFFERED);
	case VU_SET_FEATURES:
		vu->features = m->p.u64 & VU_OFFERED;
		vu->hdr_len = vu->features ? 12 : 10;
		if (m->p.u64 & ~VU_OFFERED)
			log_warn("%s: QEMU set features natd did not offer (%#llx); ignored",
				 dev->spec, (unsigned long long)(m->p.u64 & ~VU_OFFERED));
		break;
	case VU_SET_OWNER:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_ENABLE: /* no protocol features: rings start enabled */
		break;
	case VU_RESET_OWNER:
		vu_queue_reset(vu, VU_RX);
		vu_queue_reset(vu, VU_TX);
		vu->features = 0;
		vu_update_link(dev);
		break;
	case VU_GET_PROTOCOL_FEATURES:
		return vu_reply_u64(dev, m, 0);
	case VU_GET_QUEUE_NUM:
		return vu_reply_u64(dev, m, 1);
	case VU_SET_MEM_TABLE:
		r = vu_set_mem_table(dev, m);
		break;
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_SET_VRING_ADDR:
	case VU_GET_VRING_BASE:
		if (idx > VU_TX) {
			log_err("%s: %s for queue %u: natd has one queue pair", dev->spec,
				vu_request_name(m->req, nb, sizeof(nb)), idx);
			return -EINVAL;
		}
		if (m->req == VU_SET_VRING_NUM) {
			vu->q[idx].vq.num = m->p.state.num;
		} else if (m->req == VU_SET_VRING_BASE) {
			vu->q[idx].vq.last_avail = (uint16_t)m->p.state.num;
		} else if (m->req == VU_SET_VRING_ADDR) {
			struct vu_queue *q = &vu->q[idx];

			q->desc_uva = m->p.addr.desc;
			q->avail_uva = m->p.addr.avail;
			q->used_uva = m->p.addr.used;
			q->addr_set = true;
			vu_queue_map(dev, idx);
			if (q->vq.used) { /* continue from where the guest sees it */
				q->vq.used_idx = __atomic_load_n((uint16_t *)(void *)(q->vq.used + 2),
								 __ATOMIC_RELAXED);
				q->vq.used_published = q->vq.used_idx;
			}
		} else {
			struct { uint32_t index, num; } st = { idx, vu->q[idx].vq.last_avail };

			vu_call(vu, idx); /* publish what is pending */
			vu_queue_stop(vu, idx);
			vu_update_link(dev);
			return vu_reply(dev, m, &st, sizeof(st));
		}
		break;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		idx = (unsigned int)(m->p.u64 & VU_VRING_IDX_MASK);
		vu->nfds = 0; /* fd is ours now */
		if (idx > VU_TX) {
			if (fd >= 0)
				close(fd);
			log_err("%s: queue %u: natd has one queue pair", dev->spec, idx);
			return -EINVAL;
		}
		if (m->req == VU_SET_VRING_ERR) {
			if (fd >= 0)
				close(fd);
		} else if (m->req == VU_SET_VRING_CALL) {
			if (vu->q[idx].call_fd >= 0)
				close(vu->q[idx].call_fd);
			vu->q[idx].call_fd = fd;
		} else {
			if (fd < 0) {
				log_err("%s: queue %u without a kick descriptor (polling mode) "
					"is not supported", dev->spec, idx);
				return -EINVAL;
			}
			if (idx == VU_TX) {
				r = vu_set_kick(dev, fd);
				if (r < 0) {
					log_err("%s: cannot watch the kick descriptor: %s",
						dev->spec, uv_strerror(r));
					return r;
				}
			} else {
				close(fd); /* receive buffers are taken when frames come */
			}
			vu->q[idx].started = true;
			vu_update_link(dev);
			if (idx == VU_TX)
				vu_tx(dev); /* whatever the guest queued before */
		}
		break;
	default:
		log_warn("%s: %s not supported", dev->spec,
			 vu_request_name(m->req, nb, sizeof(nb)));
		if (!(m->flags & VU_FLAG_NEED_REPLY))
			return -EOPNOTSUPP; /* QEMU may wait for an answer: give up */
		r = -EOPNOTSUPP;
		break;
	}
	if (m->flags & VU_FLAG_NEED_REPLY)
		return vu_reply_u64(dev, m, r < 0 ? 1 : 0) < 0 ? -EPIPE : r;
	return r;
}

/* Reads what the connection holds; handles every whole message. */
static const char *vu_read(struct device *dev)
{
	struct vhost_user *vu = vu_of(dev);
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cm;

	for (;;) {
		struct iovec iov = {
			.iov_base = vu->msg + vu->msglen,
			.iov_len = sizeof(vu->msg) - vu->msglen,
		};
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
		};
		struct cmsghdr *c;
		struct vu_msg m;
		const char *why = NULL;
		ssize_t n;
		int len;

		/* One message at a time: descriptors belong to the message they
		 * arrive with, so never read past its end. */
		len = vu_msg_parse(vu->msg, vu->msglen, vu->nfds, &m, &why);
		if (len == 0 && vu->msglen >= VU_HDR_SIZE) {
			uint32_t size;

			memcpy(&size, vu->msg + 8, 4);
			iov.iov_len = VU_HDR_SIZE + size - vu->msglen;
		} else if (len == 0) {
			iov.iov_len = VU_HDR_SIZE - vu->msglen;
		}
		if (len < 0) {
			char nb[32];

			log_err("%s: bad %s message: %s", dev->spec,
				vu_request_name(m.req, nb, sizeof(nb)), why);
			return "protocol error";
		}
		if (len > 0) {
			int r;

			vu->msglen = 0;
			r = vu_handle(dev, &m);
			vu_close_fds(vu->fds, vu->nfds);
			vu->nfds = 0;
			if (r < 0)
				return "message refused";
			if (dev->closing || !dev->io_init || dev->io_closing)
				return NULL;
			continue;
		}
		n = recvmsg(dev->io_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0)
			return "end of stream";
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return NULL;
			return strerror(errno);
		}
		vu->msglen += (size_t)n;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k, nf;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < nf; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				if (vu->nfds < VU_MAX_FDS)
					vu->fds[vu->nfds++] = fd;
				else
					close(fd);
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			return "too many file descriptors";
	}
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
	while (!dev->closing) {
		fd = accept4(dev->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: accept: %s",
						dev->spec, strerror(errno));
			return;
		}
		if (dev->io_init) {
			log_warn("%s: a VM is already attached; closing a second connection",
				 dev->spec);
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

static void vu_start_timer(struct device *dev)
{
	vu_timer(dev);
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
	if (dev->oflush_init) {
		uv_idle_stop(&dev->oflush);
		dev->oflush_init = false;
		device_handle_close(dev, (uv_handle_t *)&dev->oflush);
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
	.close = vu_close,
};
