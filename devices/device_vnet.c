/* SPDX-License-Identifier: MIT */
/*
 * device_vnet.c - frames relayed with their virtio-net headers between two
 * transports (device_rx_vnet(), device_send_vnet() in device.h): the
 * bridged mode hands a GSO TCP segment from a VM's offloading tap to a
 * packet socket with PACKET_VNET_HDR whole (the kernel cuts it for IF, or
 * a veth peer takes it whole), and one from IF to the VM's transport whole
 * when it takes offloads, cut here into wire frames when it does not.
 *
 * The NIC model's largest frame is a limit on wire frames: a GSO frame is
 * held to it by its segments' size (headers plus gso_size), both ways.
 */
#include "devices/device_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/packet_gso.h"
#include "devices/vnet.h"

const struct virtio_net_hdr *device_rx_vnet(const struct device *dev)
{
	return dev->rx_vnet;
}

bool device_deliver_vnet(struct device *dev, const uint8_t *frame, size_t len,
			 const struct virtio_net_hdr *vh)
{
	struct virtio_net_hdr pass = *vh;
	bool gso = vh->gso_type != VIRTIO_NET_HDR_GSO_NONE, r;
	size_t wire = gso ? vnet_wire_len(vh, frame, len, NULL) : len;

	if (gso && wire > dev->max_frame) {
		/* The card would not have sent segments that long. */
		dev->st.rx_oversize++;
		log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a GSO frame from the VM dropped: "
				"its %zu-byte segments are more than the NIC model takes (%zu)",
				dev->spec, wire, dev->max_frame);
		return false;
	}
	/* Only a TCP checksum stays partial (vnet_rx_prepare() completed any
	 * other); DATA_VALID means nothing to whoever gets the frame next. */
	if (vnet_rx_writes(vh, frame, len))
		pass.flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	pass.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	dev->rx_vnet = pass.flags || gso ? &pass : NULL;
	r = device_deliver_frame(dev, frame, len, gso);
	dev->rx_vnet = NULL;
	return r;
}

/* A frame whose wire frames of len bytes the VM's card does not take. */
static int device_oversize(struct device *dev, size_t len)
{
	if (dev->closing || !dev->connected) {
		dev->st.tx_dropped++;
		return -ENOTCONN;
	}
	dev->st.tx_oversize++;
	log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a frame to the VM dropped: its %zu-byte "
			"wire frames are more than the NIC model takes (%zu)", dev->spec, len,
			dev->max_frame);
	return -EMSGSIZE;
}

/* A frame as it goes on the wire: held to the NIC model's largest frame
 * also where offloads would let device_sendv() pass it. */
static int device_send_wire(struct device *dev, const uint8_t *f, size_t len)
{
	if (len > dev->max_frame)
		return device_oversize(dev, len);
	return device_send(dev, f, len);
}

static void device_vnet_emit(void *opaque, const uint8_t *f, size_t len)
{
	(void)device_send_wire(opaque, f, len); /* a loss is counted there */
}

static uint8_t *device_vnet_buf(struct device *dev)
{
	if (!dev->vnet_buf)
		dev->vnet_buf = malloc(DEVICE_MAX_FRAME);
	return dev->vnet_buf;
}

int device_send_vnet(struct device *dev, const struct virtio_net_hdr *vh, const uint8_t *f,
		     size_t len)
{
	uint8_t type, *buf;
	unsigned mss = 0, mtu;
	size_t wire;
	int r;

	if (!vh || (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE &&
		    !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)))
		return device_send_wire(dev, f, len);
	type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	wire = vnet_wire_len(vh, f, len, &mss);
	if (wire == 0)
		wire = len; /* no GSO this knows (UDP): as it is */
	if (wire > dev->max_frame)
		return device_oversize(dev, wire);
	if (dev->vnet_pass) {
		/* A packet socket with PACKET_VNET_HDR: the header as it is. */
		dev->tx_vnet = vh;
		r = device_send(dev, f, len);
		dev->tx_vnet = NULL;
		if (r == 0 && type != VIRTIO_NET_HDR_GSO_NONE)
			dev->st.tx_gso++;
		return r;
	}
	if (dev->offload && (type == VIRTIO_NET_HDR_GSO_NONE || mss)) {
		/* A tap or vhost-user guest with offloads: its own header made
		 * from the frame (vnet_tx_prepare()), segments of the same
		 * size; the partial checksum goes as partial. */
		mtu = dev->mtu;
		dev->mtu = 0xffff;
		r = device_sendv_seg(dev, &(struct iovec){ (void *)(uintptr_t)f, len }, 1, mss);
		dev->mtu = mtu;
		if (r == 0 && mss && wire < len)
			dev->st.tx_gso++;
		return r;
	}
	buf = device_vnet_buf(dev);
	if (!buf) {
		dev->st.tx_dropped++;
		return -ENOMEM;
	}
	if (mss && wire < len &&
	    packet_tcp_segment(f, len, (unsigned)(wire - 14), buf, DEVICE_MAX_FRAME,
			       device_vnet_emit, dev) > 0) {
		dev->st.tx_cut++;
		return 0;
	}
	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || len > DEVICE_MAX_FRAME)
		return device_send_wire(dev, f, len);
	memcpy(buf, f, len);
	(void)packet_csum_complete(buf, len);
	return device_send_wire(dev, buf, len);
}
