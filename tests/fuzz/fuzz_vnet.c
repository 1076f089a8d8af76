/* SPDX-License-Identifier: MIT */
/*
 * fuzz_vnet.c - libFuzzer target for the virtio-net header code
 * (devices/vnet.c): the first 10 bytes are a header as the kernel would put
 * before a frame, the rest the frame. vnet_rx_prepare() must stay inside the
 * frame whatever the header says; vnet_tx_prepare() (fed the same frame in
 * two pieces, MTU from the header's bytes) must describe only bytes it has;
 * vnet_wire_len() (a relayed frame's longest wire frame) stays within it.
 * Seeds (corpus/fuzz_vnet/): TCP over IPv4 and IPv6 (with a hop-by-hop
 * header), UDP with a partial checksum, a GSO segment, an IPv4 fragment.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[70000];
	struct virtio_net_hdr vh;
	struct iovec iov[2];
	struct vnet_tx t;
	size_t len, cut;
	unsigned int mtu, seg;

	if (size < VNET_HDR_LEN || size - VNET_HDR_LEN > sizeof(frame))
		return 0;
	memcpy(&vh, data, sizeof(vh));
	len = size - VNET_HDR_LEN;
	memcpy(frame, data + VNET_HDR_LEN, len);
	(void)vnet_rx_prepare(&vh, frame, len);

	memcpy(frame, data + VNET_HDR_LEN, len);
	cut = len ? data[0] % len : 0;
	iov[0] = (struct iovec){ .iov_base = frame, .iov_len = cut };
	iov[1] = (struct iovec){ .iov_base = frame + cut, .iov_len = len - cut };
	mtu = (unsigned int)(data[1] << 8 | data[2]);
	seg = (unsigned int)(data[3] << 8 | data[4]);
	vnet_tx_prepare(&t, iov, 2, len, mtu, seg);
	if (t.hdrs_len > len || t.hdrs_len > sizeof(t.hdrs))
		abort();
	if (t.vh.flags && (t.hdrs_len == 0 ||
			   (size_t)t.vh.csum_start + t.vh.csum_offset + 2 > t.hdrs_len))
		abort();
	if (t.vh.gso_type && (t.vh.gso_size == 0 || t.vh.gso_size > mtu ||
			      (seg && t.vh.gso_size > seg) ||
			      t.vh.hdr_len != t.hdrs_len))
		abort();
	if (t.vh.gso_type) { /* cut for a guest without TSO: only bytes it has */
		uint8_t hdrs[VNET_TX_HDRS_MAX];
		size_t off = 0, n;

		if (t.hdrs_len + t.paylen > len)
			abort();
		while ((n = vnet_gso_segment(&t, iov, 2, off, hdrs)) > 0) {
			if (n > t.vh.gso_size || off + n > t.paylen)
				abort();
			off += n;
		}
	} else if (t.hdrs_len) { /* completed for a guest without GUEST_CSUM */
		vnet_tx_csum(&t, iov, 2);
	}
	if (memcmp(frame, data + VNET_HDR_LEN, len) != 0)
		abort(); /* the caller's frame is never written */
	(void)vnet_rx_writes(&vh, frame, len);
	{ /* a frame relayed with its header: its wire frames within it */
		unsigned int mss;
		size_t wire = vnet_wire_len(&vh, frame, len, &mss);

		if (wire > len || (mss && (!wire || mss > 0xffff + 40u)))
			abort();
	}
	return 0;
}
