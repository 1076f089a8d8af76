/* SPDX-License-Identifier: MIT */
/*
 * device.h - frame transports: how a VM's Ethernet frames reach natd.
 *
 * One public API over several backends, chosen once from the attach spec
 * (INTERFACE.md "Attach specs"):
 *   tap:IFNAME                 open (or create) a tap in natd's namespace
 *   fd:N                       an inherited file descriptor: one frame per read()
 *   stream:PATH                listen on a UNIX stream socket, QEMU -netdev
 *                              stream framing (4-byte big-endian length, frame);
 *                              one VM at a time, the next one accepted when it
 *                              goes away
 *   stream-connect:PATH        connect to such a socket; reconnect (1 s) when
 *                              it is absent or goes away
 *   dgram:LADDR:LPORT,RADDR:RPORT  UDP, one frame per datagram (QEMU -netdev
 *                              dgram); addresses IPv4 or [IPv6]; datagrams
 *                              from any source are taken (a UDP tunnel)
 *   vde:SWITCH                 a port of a VDE switch through libvdeplug
 *                              (SWITCH as vde_plug takes it: a path, PATH[N]
 *                              for port N, or a libvdeplug URL)
 * All I/O is non-blocking on the caller's libuv loop. Every wake-up drains
 * every ready frame before returning to the loop. dgram batches: it reads
 * with recvmmsg(), and frames sent during one turn of the loop are queued
 * and leave together with sendmmsg() at the start of the next turn (which
 * then does not wait), or as soon as the queue is full.
 *
 * Offloads: when the handler asks for them (struct device_handler's
 * offload), a tap opens with virtio-net headers (IFF_VNET_HDR, TCP checksum
 * and segmentation offloads: devices/vnet.h) unless the environment has
 * NATD_TAP_OFFLOAD=0, and an inherited tap fd (fd:N) opened with
 * IFF_VNET_HDR gets them; otherwise such an fd's offloads are turned off and
 * its headers only stripped and added. device_offload() tells the user what
 * changes.
 */
#ifndef NATD_DEVICE_H
#define NATD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <uv.h>

/* Largest Ethernet frame natd exchanges: MTU 65520 + 14 header, rounded. */
#define DEVICE_MAX_FRAME 65550

struct device;

struct device_handler {
	/* One frame from the VM. The bytes are valid only during the call. */
	void (*frame)(void *opaque, const uint8_t *frame, size_t len);
	/* After a wake-up that delivered one or more frames. May be NULL. */
	void (*batch_end)(void *opaque);
	/* A VM attached (true) or went away (false). May be NULL. tap, fd and
	 * dgram report "up" once, right after device_open(). */
	void (*link)(void *opaque, bool up);
	void *opaque;
	/* The frames end in this process's own TCP/IP stack, which can take TCP
	 * offloads (device_offload()): a tap then opens with them. false where
	 * frames are relayed on (a NAT network's switch or sidecar): they must
	 * stay ordinary frames, whole and with complete checksums, unless the
	 * handler relays them with their headers (device_rx_vnet(),
	 * device_send_vnet()). */
	bool offload;
};

struct device_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_dropped;   /* transport full or no VM attached */
	uint64_t rx_errors;    /* bad framing, oversize frames, read errors,
				* bad TCP checksums on an offloading tap */
	uint64_t connects;     /* stream: VMs accepted/connected so far */
	uint64_t rx_oversize;  /* frames from the VM longer than device_set_max_frame() */
	uint64_t tx_oversize;  /* frames to the VM longer than that (not in tx_dropped) */
	uint64_t rx_calls;     /* dgram: recvmmsg() calls that returned frames */
	uint64_t tx_calls;     /* dgram: sendmmsg() calls */
	uint64_t rx_gso;       /* packet: TCP segments longer than the MTU received
				* (whole with PACKET_VNET_HDR, else cut into frames) */
	uint64_t tx_gso;       /* device_send_vnet(): GSO frames sent whole */
	uint64_t tx_cut;       /* ... cut into frames here (no offloads) */
	uint64_t peer_errors;  /* dgram: ICMP errors about frames sent (a peer
				* down or unreachable: those frames were lost) */
};

/* Who frames came from, for dgram (source addresses: a tunnel takes them
 * from anyone) and vde (source MACs). The most recent DEVICE_MAX_PEERS. */
#define DEVICE_MAX_PEERS 8
struct device_peer {
	char addr[64];         /* "127.0.0.1:10002", "[::1]:10002", "08:00:27:00:00:01" */
	uint64_t frames;       /* frames received from it */
	uint64_t idle_ms;      /* since the last one */
};

/*
 * Checks an attach spec without opening anything. Returns 0, or -EINVAL with
 * a one-line reason in err (e.g. "dgram: missing remote port").
 */
int device_spec_check(const char *spec, char *err, size_t errlen);

/*
 * Opens the transport described by spec on loop and starts delivering frames
 * to h. Returns 0 and *devp, or a negative errno with a one-line reason in
 * err (e.g. "tap:foo: open /dev/net/tun: Operation not permitted").
 */
int device_open(uv_loop_t *loop, const char *spec, const struct device_handler *h,
		struct device **devp, char *err, size_t errlen);

/*
 * Sends one frame to the VM; never blocks. Returns 0 when sent or queued,
 * -ENOTCONN when no VM is attached, -EAGAIN when the transport is full (the
 * frame is dropped, as a NIC would), -EMSGSIZE when len > DEVICE_MAX_FRAME.
 * device_sendv() does the same for a frame given in pieces.
 */
int device_send(struct device *dev, const uint8_t *frame, size_t len);
int device_sendv(struct device *dev, const struct iovec *iov, int iovcnt);
/*
 * device_sendv() of a TCP segment a transport with offloads
 * (DEVICE_OFFLOAD_TCP) cuts into segments of at most seg bytes of TCP
 * payload and options (the guest's MSS) rather than of what the MTU allows;
 * seg 0 is device_sendv().
 */
int device_sendv_seg(struct device *dev, const struct iovec *iov, int iovcnt,
		     unsigned int seg);

/* TCP checksums and segmentation are left to the transport (both ways). */
#define DEVICE_OFFLOAD_TCP 0x1u

/*
 * Gives the device the link's MTU and returns its offloads (0 or
 * DEVICE_OFFLOAD_TCP). With DEVICE_OFFLOAD_TCP the caller need not compute
 * TCP checksums of frames it sends (they go with the pseudo-header sum and
 * the kernel completes them where needed), need not check TCP checksums of
 * frames it receives (the device vouches for them), may send
 * TCP segments longer than the MTU (they go as GSO frames the kernel cuts to
 * the MTU where needed) and receives TCP segments up to 64 KiB whatever the
 * MTU.
 */
unsigned int device_offload(struct device *dev, unsigned int mtu);

/*
 * Shows the guest its link up or down (the cable of VirtualBox's
 * setlinkstate): a tap's carrier (TUNSETCARRIER: the guest's interface
 * reports NO-CARRIER; needs CAP_NET_ADMIN), also for an fd: tap. 0, or
 * -EOPNOTSUPP where the transport carries no link state (stream, dgram, a
 * socket fd: QEMU's -netdev stream and dgram have no carrier signal; its
 * monitor's set_link is the guest-side switch there), or -errno (-EPERM
 * without CAP_NET_ADMIN). Frames are not affected: the caller drops them.
 */
int device_set_carrier(struct device *dev, bool up);

/* What the guest's interface shows of the link after the last
 * device_set_carrier(): "up", "down", or why it is not signalled. */
const char *device_guest_link(const struct device *dev);

/*
 * The largest frame the VM's network card takes, in bytes from the Ethernet
 * header to the end of the payload (no FCS): 1514 for a card without jumbo
 * frames. 0 (the default) means DEVICE_MAX_FRAME. Longer frames are dropped
 * in both directions and counted (rx_oversize, tx_oversize), as such a card
 * drops them: device_deliver() never hands one to the handler and
 * device_sendv() returns -EMSGSIZE. Exempt are the TCP segments an
 * offloading tap carries whole (device_offload()): a GSO frame from the VM
 * (its virtio-net header says so) and any frame to the VM while offloads
 * are on (the stack then sends longer frames only as GSO segments, which
 * the kernel cuts to the MTU).
 */
void device_set_max_frame(struct device *dev, size_t max);

/*
 * Gives the guest's interface the Ethernet address mac where the transport
 * is that interface itself: a tap (tap:, or a tap fd:), whose kernel side
 * is the guest (SIOCSIFHWADDR on the tap's file descriptor). 0, -EOPNOTSUPP
 * where the guest's card is elsewhere (stream, dgram, a socket fd: the VM
 * sets its own MAC), or -errno.
 */
int device_set_guest_mac(struct device *dev, const uint8_t mac[6]);

/* True while TCP offloads are on (see device_offload()); for a "packet:"
 * device, while it has PACKET_VNET_HDR (device_send_vnet()). */
bool device_offloads(const struct device *dev);

/* Records the frames to and from the VM in c (devices/capture.h; NULL
 * stops). c is the caller's and must outlive its use here. */
struct capture;
void device_set_capture(struct device *dev, struct capture *c);

/* Limits what the VM sends to the bucket s (devices/shaper.h; NULL: no
 * limit): frames are delayed, never dropped. s is the caller's. */
struct shaper;
void device_set_shaper(struct device *dev, struct shaper *s);

/*
 * Where the frame being delivered to the handler came from, asked from
 * inside the handler's frame callback: for an "inproc:" device attached to a
 * host port of a natd switch, the tag of the switch port that sent it (never
 * 0; a new connection on a port slot gets a new tag); 0 for every other
 * transport (one VM on the other end).
 */
uint32_t device_rx_port(const struct device *dev);

/*
 * For a "packet:IF" device (natd-internal, modes/bridged.c), asked from inside
 * the handler's frame callback: the frame's packet type (PACKET_HOST,
 * PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING of
 * <linux/if_packet.h>); -1 for every other transport.
 */
int device_rx_pkttype(const struct device *dev);

/*
 * Frames relayed with their offloads (the bridged mode): a GSO TCP segment
 * of up to 64 KiB, or a frame whose checksum is left partial, goes from one
 * transport to another whole, with its virtio-net header.
 *
 * device_rx_vnet(), asked from inside the handler's frame callback: the
 * header of the frame being delivered when it is such a frame and the
 * transport gave it whole (a tap with offloads, vhost-user with them, a
 * "packet:" device with PACKET_VNET_HDR); NULL for an ordinary frame. Only
 * NEEDS_CSUM (the TCP checksum partial) and GSO are left in it: a partial
 * checksum of another protocol is completed before delivery.
 *
 * device_send_vnet() sends frame with header vh (NULL: an ordinary frame).
 * A transport that takes offloads gets it whole (tx_gso); any other gets it
 * as the wire carries it: a TCP GSO frame cut into segments of gso_size
 * bytes of payload (tx_cut), a partial checksum completed. The NIC model's
 * largest frame (device_set_max_frame()) holds per wire frame: a GSO frame
 * whose segments would be longer is dropped whole (tx_oversize). Returns as
 * device_send().
 */
struct virtio_net_hdr;
const struct virtio_net_hdr *device_rx_vnet(const struct device *dev);
int device_send_vnet(struct device *dev, const struct virtio_net_hdr *vh, const uint8_t *frame,
		     size_t len);

/*
 * Sends at once what a batching transport (dgram, packet, stream,
 * vhost-user) has queued for the next turn of the loop; nothing for the
 * others. For a caller that must have those frames out before it does
 * something else (modes/bridged.c: a group frame on the wire before its
 * copy enters the host's stack).
 */
void device_flush(struct device *dev);

/* True while a VM is attached (always true for tap, fd and dgram). */
bool device_connected(const struct device *dev);
/* The spec the device was opened with. */
const char *device_spec(const struct device *dev);
void device_get_stats(const struct device *dev, struct device_stats *st);
/* The peers seen (most recent first), at most max of them; returns how many. */
unsigned device_peers(const struct device *dev, struct device_peer *out, unsigned max);

/*
 * Stops the device and closes its handles (libuv two-phase close); dev is
 * freed and then closed(opaque) is called from the loop. closed may be NULL.
 */
void device_close(struct device *dev, void (*closed)(void *opaque), void *opaque);

#endif
