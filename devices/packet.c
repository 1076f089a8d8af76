/* SPDX-License-Identifier: MIT */
/*
 * packet.c - "packet:IF[,promisc]", natd-internal: a host interface joined
 * at layer 2 through an AF_PACKET socket bound to it, the far side of a
 * bridged adapter (modes/bridged.c). Every frame IF carries both ways is
 * received (ETH_P_ALL): frames from the wire and frames the host or other
 * packet sockets (other bridged VMs) send out of IF; the kernel never hands
 * a socket back the frames it sent itself. The frame's packet type
 * (PACKET_HOST, _BROADCAST, _MULTICAST, _OTHERHOST, _OUTGOING) is
 * available to the handler through device_rx_pkttype(): the bridged mode
 * decides from it which frames are its VM's. With ",promisc" IF is
 * promiscuous (PACKET_MR_PROMISC) for as long as the socket is open: the
 * kernel counts every socket's membership and drops it when the socket
 * closes, whatever way natd exits.
 *
 * Receiving: a TPACKET_V3 ring (PACKET_RX_RING, mmap): the kernel fills
 * blocks of variable-length frames and hands a block over when it is full
 * or after PACKET_BLOCK_TOV_MS; natd walks every block handed over, frame
 * by frame in place, and gives it back, so a burst costs no system call
 * per frame. A VLAN tag the kernel took off (TP_STATUS_VLAN_VALID) is put
 * back in. A frame cut by the ring (longer than a block) is dropped and
 * counted. A TCP segment the host's kernel holds whole (GSO out of IF, GRO
 * from the NIC, a veth's peer) is cut into frames of IF's MTU, and a
 * partial checksum (TP_STATUS_CSUMNOTREADY) completed (packet_gso.h), so
 * that the VM gets frames as the wire carries them.
 *
 * Sending: frames are queued and leave with one sendmmsg() at the next
 * turn of the loop (as dgram.c); a frame IF refuses (longer than its MTU:
 * EMSGSIZE, or the interface down) is dropped and counted in tx_dropped.
 *
 * Opening needs CAP_NET_RAW: without it the open fails with that reason.
 */
#include "devices/device_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/hostif.h"
#include "devices/mmsg_tx.h"
#include "devices/packet_gso.h"
#include "devices/vnet.h"

#define PACKET_BLOCK_SIZE  (256u << 10)  /* one block holds a 64 KiB frame */
#define PACKET_BLOCKS      16u
#define PACKET_BLOCK_TOV_MS 1u
#define PACKET_TX_BATCH    64u
#define PACKET_TXBUF       (512u << 10)

struct packet_priv {
	uint8_t *ring;
	size_t ring_len;
	unsigned block;               /* the next block to look at */
	bool promisc;
	bool vnet;                    /* PACKET_VNET_HDR: a header before every frame */
	char ifname[IF_NAMESIZE];
	unsigned mtu;                 /* IF's, looked up again for a longer frame */
	uint8_t seg[DEVICE_MAX_FRAME]; /* one frame of a cut TCP segment */
	uint8_t frame[DEVICE_MAX_FRAME + 4]; /* a frame whose VLAN tag goes back in */
	struct mmsg_tx tx;
	uint8_t txbuf[PACKET_TXBUF];
};

/* "IF" or "IF,promisc" into name; 0 or -EINVAL. */
static int packet_parse(const char *arg, char name[IF_NAMESIZE], bool *promisc, char *err,
			size_t errlen)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);

	*promisc = false;
	if (comma) {
		if (strcmp(comma + 1, "promisc")) {
			device_seterr(err, errlen, "packet: unknown option '%s' (promisc)",
				      comma + 1);
			return -EINVAL;
		}
		*promisc = true;
	}
	if (len == 0 || len >= IF_NAMESIZE) {
		device_seterr(err, errlen, "packet: expected an interface name");
		return -EINVAL;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	if (hostif_name_check(name) < 0) {
		device_seterr(err, errlen, "packet: '%s' is not an interface name", name);
		return -EINVAL;
	}
	return 0;
}

static int packet_check(const char *arg, char *err, size_t errlen)
{
	char name[IF_NAMESIZE];
	bool promisc;

	return packet_parse(arg, name, &promisc, err, errlen);
}

/* PACKET_VNET_HDR unless the environment has NATD_PACKET_VNET=0 (or off). */
static bool packet_want_vnet(void)
{
	const char *v = getenv("NATD_PACKET_VNET");

	return !v || (strcmp(v, "0") && strcmp(v, "off"));
}

static int packet_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct tpacket_req3 req = {
		.tp_block_size = PACKET_BLOCK_SIZE, .tp_block_nr = PACKET_BLOCKS,
		.tp_frame_size = PACKET_BLOCK_SIZE, .tp_frame_nr = PACKET_BLOCKS,
		.tp_retire_blk_tov = PACKET_BLOCK_TOV_MS,
	};
	char name[IF_NAMESIZE];
	struct packet_priv *p = NULL;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = -1, r, v = TPACKET_V3, one = 1;
	bool promisc;
	unsigned idx;

	r = packet_parse(arg, name, &promisc, err, errlen);
	if (r < 0)
		return r;
	idx = if_nametoindex(name);
	if (!idx) {
		r = -errno;
		device_seterr(err, errlen, "%s: %s", name, errno == ENODEV ?
			      "no such network interface" : strerror(errno));
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	p->promisc = promisc;
	mmsg_tx_init(&p->tx, PACKET_TX_BATCH, p->txbuf, sizeof(p->txbuf), NULL, 0, 0);
	memcpy(p->ifname, name, sizeof(p->ifname));
	/* Protocol 0: nothing is received until bind() names IF and ETH_P_ALL,
	 * so the ring never holds a frame of another interface. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		if (errno == EPERM || errno == EACCES)
			device_seterr(err, errlen, "%s: natd may not open a packet socket on it: "
				      "%s (needs CAP_NET_RAW: run natd as root, or setcap "
				      "cap_net_raw+ep on the program)", name, strerror(errno));
		else
			device_seterr(err, errlen, "%s: socket(AF_PACKET): %s", name,
				      strerror(errno));
		goto out;
	}
	/* Before the ring: the kernel refuses PACKET_VNET_HDR on a socket
	 * that has one (EBUSY), and takes it with TPACKET_V3 (Linux 5.7 on). */
	p->vnet = packet_want_vnet();
	if (p->vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) {
		log_info("%s: no PACKET_VNET_HDR (%s): TCP segments are cut into frames "
			 "both ways", name, strerror(errno));
		p->vnet = false;
	}
	if (p->vnet)
		p->tx.prefix = VNET_HDR_LEN;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: TPACKET_V3 receive ring: %s", name,
			      strerror(errno));
		goto out;
	}
	p->ring_len = (size_t)PACKET_BLOCK_SIZE * PACKET_BLOCKS;
	p->ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->ring == MAP_FAILED) {
		r = -errno;
		p->ring = NULL;
		device_seterr(err, errlen, "%s: mmap of the receive ring: %s", name,
			      strerror(errno));
		goto out;
	}
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: bind: %s", name, strerror(errno));
		goto out;
	}
	if (promisc) {
		struct packet_mreq mr = { .mr_ifindex = (int)idx, .mr_type = PACKET_MR_PROMISC };

		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			r = -errno;
			device_seterr(err, errlen, "%s: promiscuous mode: %s", name,
				      strerror(errno));
			goto out;
		}
	}
	p->mtu = 1500;
	{
		struct ifreq ifr = { 0 };

		memcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
		if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
			p->mtu = (unsigned)ifr.ifr_mtu;
	}
	dev->vnet_pass = p->vnet;
	dev->priv = p;
	p = NULL;
	dev->sotype = SOCK_RAW;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE;
	fd = -1;
	r = 0;
out:
	if (p && p->ring)
		munmap(p->ring, p->ring_len);
	free(p);
	if (fd >= 0)
		close(fd);
	return r;
}

static void packet_emit(void *opaque, const uint8_t *f, size_t len)
{
	struct device *dev = opaque;

	if (!dev->closing)
		device_deliver(dev, f, len);
}

/* IF's MTU looked up again (changed since?): true when it was. */
static bool packet_mtu(struct device *dev, struct packet_priv *p)
{
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, p->ifname, sizeof(ifr.ifr_name));
	if (ioctl(dev->io_fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0) {
		p->mtu = (unsigned)ifr.ifr_mtu;
		return true;
	}
	return false;
}

/* A TCP segment longer than IF's MTU (GSO, GRO): cut into frames of the MTU
 * and delivered; false when it is none (the frame goes as it is). */
static bool packet_cut(struct device *dev, struct packet_priv *p, const uint8_t *f, size_t len)
{
	int n;

	packet_mtu(dev, p);
	if (len <= (size_t)p->mtu + 14)
		return false;
	n = packet_tcp_segment(f, len, p->mtu, p->seg, sizeof(p->seg), packet_emit, dev);
	if (n > 0)
		dev->st.rx_gso++;
	return n > 0;
}

/*
 * A frame with its virtio-net header (PACKET_VNET_HDR: the kernel wrote it
 * just before the frame). A GSO frame goes on whole with its header
 * (device_send_vnet() of the handler cuts it for a VM without offloads).
 * False when the frame is no GSO frame: the caller goes on with it (and
 * completes a partial checksum in place).
 */
static bool packet_frame_vnet(struct device *dev, uint8_t *f, size_t len)
{
	struct virtio_net_hdr vh;

	memcpy(&vh, f - VNET_HDR_LEN, sizeof(vh));
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return false; /* TP_STATUS_CSUMNOTREADY says NEEDS_CSUM too */
	dev->st.rx_gso++;
	vh.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	dev->rx_vnet = &vh;
	device_deliver_frame(dev, f, len, true);
	dev->rx_vnet = NULL;
	return true;
}

/* One frame of a block: delivered (its VLAN tag back in place), or counted. */
static void packet_frame(struct device *dev, struct packet_priv *p,
			 const struct tpacket3_hdr *h)
{
	const uint8_t *f = (const uint8_t *)h + h->tp_mac;
	const struct sockaddr_ll *sll =
		(const void *)((const uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	size_t len = h->tp_snaplen;

	if (h->tp_snaplen < h->tp_len || len < 14) {
		dev->st.rx_errors++;
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: dropping a %u-byte frame (the "
				"receive ring holds %u)", dev->spec, h->tp_len, h->tp_snaplen);
		return;
	}
	dev->rx_pkttype = sll->sll_pkttype;
	if (p->vnet && !(h->tp_status & TP_STATUS_VLAN_VALID) &&
	    packet_frame_vnet(dev, (uint8_t *)(uintptr_t)f, len))
		return;
	/* The ring is ours until the block goes back: fixed up in place. */
	if (h->tp_status & TP_STATUS_CSUMNOTREADY)
		packet_csum_complete((uint8_t *)(uintptr_t)f, len);
	if (len > (size_t)p->mtu + 14 && !(h->tp_status & TP_STATUS_VLAN_VALID) &&
	    packet_cut(dev, p, f, len))
		return;
	if ((h->tp_status & TP_STATUS_VLAN_VALID) && len + 4 <= sizeof(p->frame)) {
		uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid ?
				h->hv1.tp_vlan_tpid : ETH_P_8021Q;

		memcpy(p->frame, f, 12);
		p->frame[12] = (uint8_t)(tpid >> 8);
		p->frame[13] = (uint8_t)tpid;
		p->frame[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
		p->frame[15] = (uint8_t)h->hv1.tp_vlan_tci;
		memcpy(p->frame + 16, f + 12, len - 12);
		device_deliver(dev, p->frame, len + 4);
		return;
	}
	device_deliver(dev, f, len);
}

static void packet_io(struct device *dev, int status, int events)
{
	struct packet_priv *p = dev->priv;
	unsigned frames = 0, blocks = 0;

	(void)events;
	if (status < 0) {
		/* IF went down (ENETDOWN) or away: the socket's error is read
		 * (which clears it) and it goes on; the kernel hooks it up again
		 * when IF comes back up. */
		int e = 0;
		socklen_t el = sizeof(e);

		if (getsockopt(dev->io_fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e)
			log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: %s", dev->spec, strerror(e));
		device_io_restart(dev);
	}
	while (p && blocks < PACKET_BLOCKS && !device_rx_throttled(dev)) {
		struct tpacket_block_desc *b =
			(void *)(p->ring + (size_t)p->block * PACKET_BLOCK_SIZE);
		const uint8_t *h;
		uint32_t n;

		if (!(__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			break;
		n = b->hdr.bh1.num_pkts;
		h = (const uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
		dev->st.rx_calls++;
		for (uint32_t i = 0; i < n; i++) {
			const struct tpacket3_hdr *t = (const void *)h;

			packet_frame(dev, p, t);
			if (dev->closing)
				return;
			frames++;
			h += t->tp_next_offset;
		}
		__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		p->block = (p->block + 1) % PACKET_BLOCKS;
		blocks++;
	}
	if (frames && dev->h.batch_end && !dev->closing)
		dev->h.batch_end(dev->h.opaque);
}

/* A frame IF refused (longer than its MTU, IF down). */
static void packet_tx_fail(struct device *dev, int err, size_t len)
{
	log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a %zu-byte frame not sent: %s",
			dev->spec, len, err ? strerror(err) : "nothing sent");
}

static void packet_flush(struct device *dev)
{
	struct packet_priv *p = dev->priv;

	if (p && p->tx.n)
		mmsg_tx_flush(&p->tx, dev, packet_tx_fail);
}

/*
 * With PACKET_VNET_HDR every frame goes after a header: the one
 * device_send_vnet() gave (a GSO frame the kernel cuts for IF, a partial
 * TCP checksum it completes), or an all-zero one. A GSO frame whose
 * segments IF would refuse (longer than its MTU) is refused here, as IF
 * refuses such a frame without GSO.
 */
static int packet_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct packet_priv *p = dev->priv;
	struct virtio_net_hdr zero = { 0 };
	struct iovec v[DEVICE_IOV_MAX + 1];
	size_t total = len;

	if (!dev->io_init || dev->io_closing || !p)
		return -ENOTCONN;
	if (p->vnet) {
		const struct virtio_net_hdr *vh = dev->tx_vnet ? dev->tx_vnet : &zero;

		if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE && iovcnt == 1) {
			size_t wire = vnet_wire_len(vh, iov[0].iov_base, len, NULL);

			if (wire > (size_t)p->mtu + 14 && packet_mtu(dev, p) &&
			    wire > (size_t)p->mtu + 14) {
				log_ratelimited(&dev->rl, LOG_LVL_INFO, "%s: a GSO frame not "
						"sent: its %zu-byte segments are longer than "
						"the MTU (%u)", dev->spec, wire, p->mtu);
				return -EMSGSIZE;
			}
		}
		v[0] = (struct iovec){ (void *)(uintptr_t)vh, VNET_HDR_LEN };
		memcpy(v + 1, iov, (size_t)iovcnt * sizeof(*iov));
		iov = v;
		iovcnt++;
		total += VNET_HDR_LEN;
	}
	if (total > PACKET_TXBUF)
		return -EMSGSIZE;
	if (mmsg_tx_full(&p->tx, total))
		packet_flush(dev);
	mmsg_tx_add(&p->tx, iov, iovcnt, total);
	device_flush_arm(dev);
	return 0;
}

static void packet_close(struct device *dev)
{
	struct packet_priv *p = dev->priv;

	if (!p)
		return;
	packet_flush(dev);
	if (p->ring)
		munmap(p->ring, p->ring_len);
	free(p);
	dev->priv = NULL;
}

const struct device_ops packet_ops = {
	.type = "packet",
	.check = packet_check,
	.open = packet_open,
	.timer = device_timer_link_up,
	.io = packet_io,
	.send = packet_send,
	.close = packet_close,
	.flush = packet_flush,
};
