/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_internal.h - what the vhost-user transport's two files share:
 * vhost_user.c (the device: data path, notifications, listening, closing)
 * and vhost_user_proto.c (the session: messages, memory table, queue set-up).
 */
#ifndef NATD_VHOST_USER_INTERNAL_H
#define NATD_VHOST_USER_INTERNAL_H

#include "devices/device_internal.h"
#include "devices/vhost_user_msg.h"
#include "devices/vnet.h"
#include "devices/vring.h"

#include <linux/virtio_config.h>

/* Features natd offers: always, and with offloads (a handler that takes
 * them, device_handler.offload): checksums and TSO both ways. */
#define VU_F_BASE ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MRG_RXBUF))
#define VU_F_OFFLOADS ((1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_GUEST_CSUM) | \
		       (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6) | \
		       (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6))
/* Ring features, taken when the frontend offers them (vring.h): the event
 * index (fewer kicks and interrupts) and indirect descriptor tables. */
#define VU_F_RING ((1ull << VRING_F_EVENT_IDX) | (1ull << VRING_F_INDIRECT_DESC))
/* VHOST_USER_F_PROTOCOL_FEATURES: QEMU enables a vhost-user net device's
 * rings with SET_VRING_ENABLE, which it sends only when this bit was
 * offered (hw/virtio/vhost-user.c vhost_user_set_vring_enable() fails with
 * EINVAL otherwise, and vhost_net_start() gives up: "unable to start vhost
 * net: 22"). Negotiated, rings start disabled until SET_VRING_ENABLE 1. */
#define VU_F_PROTOCOL_FEATURES (1ull << 30)
#define VU_RX 0
#define VU_TX 1
#define VU_IOV 64
#define VU_RX_CHAINS 64

struct vu_queue {
	struct vq vq;
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	bool started;		/* kick descriptor received */
	bool enabled;		/* SET_VRING_ENABLE 1 (see vu_queue_enabled()) */
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
	uv_poll_t kick[2];	/* each queue's kick, at kick_fd[i] */
	int kick_fd[2];
	bool kick_init[2];
	/* Frames for the guest while its receive queue is full, each a
	 * virtio-net header, a le32 length and the frame, in order; sent when
	 * the guest kicks the receive queue (new buffers). */
	uint8_t *backlog;
	size_t bl_head, bl_len;
	bool tx_more;		/* DEVICE_BATCH reached: go on at the next turn */
	bool link_off;		/* setlinkstate off: connections turned away */
	uint8_t msg[VU_HDR_SIZE + VU_MAX_PAYLOAD];
	size_t msglen;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

static inline struct vhost_user *vu_of(struct device *dev)
{
	return dev->priv;
}

/* A ring is enabled by SET_VRING_ENABLE when protocol features were
 * negotiated, from the start when they were not (the protocol's rule). */
static inline bool vu_queue_enabled(const struct vhost_user *vu, unsigned int i)
{
	return !(vu->features & VU_F_PROTOCOL_FEATURES) || vu->q[i].enabled;
}

static inline bool vu_running(const struct vhost_user *vu)
{
	return vu->q[VU_RX].started && vu->q[VU_TX].started &&
	       vu->q[VU_RX].vq.desc && vu->q[VU_TX].vq.desc &&
	       vu_queue_enabled(vu, VU_RX) && vu_queue_enabled(vu, VU_TX);
}

/* vhost_user_proto.c: the session. */
void vu_queue_stop(struct vhost_user *vu, unsigned int i);
void vu_queue_reset(struct vhost_user *vu, unsigned int i);
/* Forgets everything of the VM: its memory, its queues, pending input. */
void vu_reset(struct vhost_user *vu);
/* Reads what the connection holds and handles every whole message; returns
 * why the connection must go, or NULL. */
const char *vu_read(struct device *dev);

/* vhost_user.c: the device. */
void vu_update_link(struct device *dev);
void vu_queue_broken(struct device *dev, unsigned int i);
void vu_call(struct vhost_user *vu, unsigned int i);
/* Publishes and calls, and goes on with what is pending, at the loop's
 * next turn. */
void vu_later(struct device *dev);
void vu_tx(struct device *dev);
void vu_kick_cb(uv_poll_t *p, int status, int events);

/* vhost_user_rx.c: natd -> guest. */
#define VU_BACKLOG (4u << 20)
/* ops->send. */
int vu_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len);
/* Moves backlogged frames into the receive queue while it has room. */
void vu_rx_drain(struct device *dev);
void vu_rx_kick_cb(uv_poll_t *p, int status, int events);

#endif
