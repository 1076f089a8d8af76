/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_proto.c - the vhost-user session of natd's vhost-user transport
 * (vhost_user.c has the theory of operation): reassembling messages with the
 * descriptors that come with them (vhost_user_msg.c parses and checks
 * them), answering GET_* requests, mapping the guest's memory regions,
 * setting queues up and stopping them, and forgetting it all when QEMU goes.
 */
#include "devices/vhost_user_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

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

void vu_queue_stop(struct vhost_user *vu, unsigned int i)
{
	struct vu_queue *q = &vu->q[i];

	q->started = false;
	if (vu->kick_init[i])
		uv_poll_stop(&vu->kick[i]);
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->call_fd = -1;
}

void vu_queue_reset(struct vhost_user *vu, unsigned int i)
{
	vu_queue_stop(vu, i);
	memset(&vu->q[i], 0, sizeof(vu->q[i]));
	vu->q[i].call_fd = -1;
}

void vu_reset(struct vhost_user *vu)
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
	vu->bl_head = vu->bl_len = 0;
}

/* --- the protocol -------------------------------------------------------- */

static uint64_t vu_offered(const struct device *dev)
{
	return VU_F_BASE | VU_F_RING | VU_F_PROTOCOL_FEATURES |
	       (dev->offload ? VU_F_OFFLOADS : 0);
}

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

/* The ring features negotiated, as queue i's walk (vring.c) uses them. */
static void vu_queue_features(struct vhost_user *vu, unsigned int i)
{
	vu->q[i].vq.event_idx = vu->features & (1ull << VRING_F_EVENT_IDX);
	vu->q[i].vq.indirect = vu->features & (1ull << VRING_F_INDIRECT_DESC);
}

/* Re-finds queue i's rings in the current memory table. */
static void vu_queue_map(struct device *dev, unsigned int i)
{
	struct vu_queue *q = &vu_of(dev)->q[i];

	if (!q->addr_set)
		return;
	q->broken_logged = false;
	vu_queue_features(vu_of(dev), i);
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

/*
 * Adopts fd as queue i's kick descriptor, watched by vu->kick[i]: kept at one
 * descriptor number (dup3() of each new one onto it), so the uv_poll_t lives
 * as long as the device. The transmit queue's is watched from now on, the
 * receive queue's only while frames wait for buffers (vhost_user_rx.c).
 */
static int vu_set_kick(struct device *dev, unsigned int i, int fd)
{
	struct vhost_user *vu = vu_of(dev);
	int r;

	if (!vu->kick_init[i]) {
		r = uv_poll_init(dev->loop, &vu->kick[i], fd);
		if (r < 0) {
			close(fd);
			return r;
		}
		vu->kick[i].data = dev;
		vu->kick_fd[i] = fd;
		vu->kick_init[i] = true;
	} else {
		uv_poll_stop(&vu->kick[i]);
		r = dup3(fd, vu->kick_fd[i], O_CLOEXEC);
		close(fd);
		if (r < 0)
			return -errno;
	}
	fcntl(vu->kick_fd[i], F_SETFL, fcntl(vu->kick_fd[i], F_GETFL) | O_NONBLOCK);
	if (i == VU_RX)
		return 0;
	return uv_poll_start(&vu->kick[i], UV_READABLE, vu_kick_cb);
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
		return vu_reply_u64(dev, m, vu_offered(dev));
	case VU_SET_FEATURES:
		vu->features = m->p.u64 & vu_offered(dev);
		vu->hdr_len = vu->features & VU_F_BASE ? 12 : 10;
		vu_queue_features(vu, VU_RX);
		vu_queue_features(vu, VU_TX);
		vu_update_link(dev); /* with protocol features: rings disabled until enabled */
		if (m->p.u64 & ~vu_offered(dev))
			log_warn("%s: QEMU set features natd did not offer (%#llx); ignored",
				 dev->spec, (unsigned long long)(m->p.u64 & ~vu_offered(dev)));
		log_info("%s: features %#llx%s", dev->spec, (unsigned long long)vu->features,
			 !dev->offload ? "" :
			 (vu->features & VU_F_OFFLOADS) == VU_F_OFFLOADS ? " (checksum and TSO offloads both ways)" :
			 " (natd completes checksums and cuts segments the guest does not take)");
		break;
	case VU_SET_OWNER:
	case VU_SET_PROTOCOL_FEATURES: /* none offered */
		break;
	case VU_SET_VRING_ENABLE:
		if (idx > VU_TX) {
			log_err("%s: SET_VRING_ENABLE for queue %u: natd has one queue pair",
				dev->spec, idx);
			return -EINVAL;
		}
		vu->q[idx].enabled = m->p.state.num != 0;
		log_debug("%s: %s queue %s", dev->spec, idx == VU_TX ? "transmit" : "receive",
			  vu->q[idx].enabled ? "enabled" : "disabled");
		vu_update_link(dev);
		if (vu_running(vu)) {
			vu_rx_drain(dev);
			vu_tx(dev);
		}
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
			vq_set_base(&vu->q[idx].vq, (uint16_t)m->p.state.num);
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
			r = vu_set_kick(dev, idx, fd);
			if (r < 0) {
				log_err("%s: cannot watch the kick descriptor: %s",
					dev->spec, uv_strerror(r));
				return r;
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

const char *vu_read(struct device *dev)
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
