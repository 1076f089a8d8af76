/* SPDX-License-Identifier: MIT */
/*
 * vnet.h - virtio-net headers on a tap opened with IFF_VNET_HDR, as pure
 * functions: tap.c reads one before every frame from the kernel and writes
 * one before every frame to it; unit tests and a fuzz target call them
 * directly.
 *
 * Why: at MTU 1500 a TCP stream costs one tap read or write, one lwIP segment
 * and one checksum per 1.5 KB. With the header, natd and the kernel exchange
 * TCP segments of up to 64 KiB whatever the link MTU (GSO: the kernel cuts
 * them to gso_size only if they leave through a device that needs it; a guest
 * namespace's own stack takes them whole) and leave the TCP checksum to
 * whoever needs it complete (NEEDS_CSUM: the frame carries the pseudo-header
 * sum, csum_start/csum_offset say where the sum goes).
 *
 * Sending (vnet_tx_prepare): lwIP does not compute TCP checksums on an
 * offloading adapter. Every TCP segment (IPv4 without fragmentation, or IPv6
 * with TCP as next header; lwIP sends no other kind) goes with NEEDS_CSUM and
 * the pseudo-header sum written into a copy of its headers (the caller's
 * buffers are not modified; lwIP may retransmit them), plus GSO when its
 * payload exceeds what one MTU-sized frame holds. Other frames (ARP, ICMP,
 * UDP: lwIP completes their checksums) go with an all-zero header.
 *
 * Receiving (vnet_rx_prepare): lwIP does not check TCP checksums on an
 * offloading adapter. A TCP segment whose header says NEEDS_CSUM (the sending
 * kernel left the checksum partial) or DATA_VALID (the kernel verified it) is
 * taken as is; the checksum of any other unfragmented TCP segment is verified
 * here. Other frames with NEEDS_CSUM (UDP) get their checksum completed, as
 * the kernel would before handing them to a device without offloads: lwIP
 * and the UDP proxy check those.
 */
#ifndef NATD_VNET_H
#define NATD_VNET_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The header natd asks for (TUNSETVNETHDRSZ): struct virtio_net_hdr. */
#define VNET_HDR_LEN 10
/* Ethernet + IPv4 with options + TCP with options: the most vnet_tx copies. */
#define VNET_TX_HDRS_MAX (14 + 60 + 60)

_Static_assert(sizeof(struct virtio_net_hdr) == VNET_HDR_LEN, "virtio_net_hdr");

struct vnet_tx {
	struct virtio_net_hdr vh;
	uint8_t hdrs[VNET_TX_HDRS_MAX]; /* the frame's headers, pseudo-header sum in */
	size_t hdrs_len;                /* 0: the frame goes out as given */
	size_t paylen;                  /* TCP payload after hdrs_len (from the IP length) */
};

/*
 * Prepares t for a frame of len bytes in iov[0..iovcnt) sent on a link of
 * MTU mtu (0: never GSO). A TCP segment longer than a frame of that MTU
 * holds goes as GSO frame cut into segments of what the MTU allows, or of
 * seg bytes (the receiver's MSS, TCP options included) when seg is not 0
 * and smaller. When t->hdrs_len is not 0, the frame to write is t->hdrs
 * followed by the caller's bytes from offset t->hdrs_len on.
 */
void vnet_tx_prepare(struct vnet_tx *t, const struct iovec *iov, int iovcnt, size_t len,
		     unsigned int mtu, unsigned int seg);

/*
 * For a receiver that takes no partial checksums (a vhost-user guest that did
 * not negotiate VIRTIO_NET_F_GUEST_CSUM): completes the TCP checksum in
 * t->hdrs of the frame t was prepared for (t->hdrs_len != 0, no GSO), summing
 * the payload from iov (the frame as given to vnet_tx_prepare()). t->vh is
 * then an all-zero header.
 */
void vnet_tx_csum(struct vnet_tx *t, const struct iovec *iov, int iovcnt);

/*
 * For a receiver that takes no GSO frames (a guest without
 * VIRTIO_NET_F_GUEST_TSO4/6): the segment of the GSO frame t was prepared for
 * (t->vh.gso_type set; the frame in iov as given to vnet_tx_prepare()) that
 * carries the payload bytes [off, off + n), n = min(gso_size, t->paylen -
 * off). Writes its headers (t->hdrs_len bytes) into seg: IP length, IPv4
 * identification (+1 per segment) and header checksum, sequence number,
 * FIN and PSH only on the last segment, the TCP checksum complete. Returns n
 * (0 when off >= t->paylen). The segment is seg followed by those payload
 * bytes, which start at byte t->hdrs_len + off of the frame.
 */
size_t vnet_gso_segment(const struct vnet_tx *t, const struct iovec *iov, int iovcnt,
			size_t off, uint8_t seg[VNET_TX_HDRS_MAX]);

/*
 * The longest frame the wire carries of frame[0..len) sent with header vh:
 * len for a frame without GSO; for a TCP GSO frame (VIRTIO_NET_HDR_GSO_TCPV4
 * or _TCPV6, with or without the ECN bit) its headers (Ethernet, IP and
 * extensions, TCP with options) plus gso_size, or len when its payload is
 * no longer than that. 0 when vh says GSO of a kind this does not know
 * (UDP), or the frame is no TCP segment of the family vh says, or
 * gso_size is 0. With mss, *mss is the segments' TCP payload and options
 * (gso_size plus the options' bytes: the MSS of vnet_tx_prepare()'s seg)
 * for a TCP GSO frame, else 0.
 */
size_t vnet_wire_len(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
		     unsigned int *mss);

/* True when vnet_rx_prepare() would write into the frame (a checksum other
 * than TCP's left partial): a caller holding the frame in memory it may not
 * write copies it first. */
bool vnet_rx_writes(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len);

/*
 * Checks frame[0..len), read after header vh, and completes a partial
 * checksum in place. Returns 0 when it may be handed to lwIP, -EBADMSG when
 * its TCP checksum is wrong or a partial checksum's position lies outside
 * the frame.
 */
int vnet_rx_prepare(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len);

#endif
