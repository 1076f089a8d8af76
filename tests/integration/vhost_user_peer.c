/* SPDX-License-Identifier: MIT */
/*
 * vhost_user_peer.c - the frontend side of vhost-user for natd's tests: what
 * QEMU does for a virtio-net device with a vhost-user netdev, and what a
 * virtio-net driver does in the guest, joined to a tap so that the Linux
 * kernel in a namespace plays the VM (udhcpc, ping, curl...).
 *
 * QEMU itself is not used because Debian 12's QEMU 7.2 cannot start a
 * vhost-user net device without KVM (it fails with EINVAL, or crashes in
 * its KVM irqfd code when the guest enables MSI-X), and KVM is not available
 * on the test machines.
 *
 * It connects to natd's socket, shares 32 MiB of "guest memory" (a memfd)
 * with SET_MEM_TABLE, negotiates VERSION_1 and MRG_RXBUF, sets up both
 * queues (256 entries) with kick and call eventfds, gives natd 256 receive
 * buffers of 2048 bytes, and then relays: a frame from the tap goes into a
 * transmit buffer (after a zero virtio-net header) and is kicked; a used
 * receive buffer goes to the tap and is given back, and the receive queue
 * kicked.
 *
 * With VU_PEER_OFFLOAD=1 it also negotiates CSUM, GUEST_CSUM, HOST_TSO4/6
 * and GUEST_TSO4/6 and opens the tap with virtio-net headers and those
 * offloads (as vhost-net does for QEMU): the header goes from the tap into
 * the transmit buffer and from natd's receive buffers to the tap as it is,
 * so the kernel's TSO frames (up to 64 KiB, partial checksums) reach natd
 * whole, and natd's GSO frames reach the kernel whole. SIGUSR1 prints the
 * frames that came merged, the longest frame each way and the GSO frames
 * counted each way. With VU_PEER_PROTOCOL=1 it negotiates
 * VHOST_USER_F_PROTOCOL_FEATURES as QEMU does (no protocol feature of its
 * own), so the rings start disabled and it enables them with
 * SET_VRING_ENABLE after the kicks. When natd goes away
 * the peer reconnects every 200 ms with fresh rings (natd restarting).
 *
 *   vhost_user_peer SOCKET TAP [bad-desc|bad-loop|bad-index]
 *
 * With a "bad-*" word, after the set-up the peer puts one broken transmit
 * chain in the ring (a buffer outside the shared memory, a chain looping on
 * itself, an available index far ahead), kicks, prints "bad sent" and goes on
 * relaying. It never exits by itself; SIGTERM ends it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MEMSZ (32u << 20)
#define QN 256
#define BUFSZ 2048
#define TXBUFSZ 65600	/* a 64 KiB TSO frame and its header */
#define HDR 12
/* guest-physical layout: rings, then receive and transmit buffers */
#define RING(q) ((uint64_t)(q) * 0x8000)	/* desc +0, avail +0x1000, used +0x2000 */
#define RXBUF(i) (0x10000 + (uint64_t)(i) * BUFSZ)
#define TXBUF(i) (0x200000 + (uint64_t)(i) * TXBUFSZ)
/* virtio-net feature bits */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_GUEST_TSO4 7
#define F_GUEST_TSO6 8
#define F_HOST_TSO4 11
#define F_HOST_TSO6 12
#define F_MRG_RXBUF 15
#define F_VERSION_1 32
#define F_OFFLOADS ((1ull << F_CSUM) | (1ull << F_GUEST_CSUM) | (1ull << F_GUEST_TSO4) | \
		    (1ull << F_GUEST_TSO6) | (1ull << F_HOST_TSO4) | (1ull << F_HOST_TSO6))

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static uint8_t *mem;
static int memfd, sock = -1, tap;
static int kick[2], call[2];
static uint16_t rx_avail, rx_used, tx_avail, tx_used;
static uint32_t rxbuf_len = BUFSZ;
static uint8_t frame[HDR + 65600];
static unsigned long merged;	/* frames that came in several buffers */
static int offload;		/* VU_PEER_OFFLOAD=1: checksums and TSO both ways */
static int protocol;		/* VU_PEER_PROTOCOL=1: protocol features, SET_VRING_ENABLE */
/* with offloads: the longest frame each way, and GSO frames from natd */
static unsigned long tx_max, rx_max, rx_gso, tx_gso;

static struct desc *descs(int q) { return (struct desc *)(void *)(mem + RING(q)); }
static uint16_t *avail(int q) { return (uint16_t *)(void *)(mem + RING(q) + 0x1000); }
static uint8_t *used(int q) { return mem + RING(q) + 0x2000; }

static void die(const char *what)
{
	fprintf(stderr, "vhost_user_peer: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Sends a message with fds; reads the reply of GET_* requests into reply. */
static int vu_send(uint32_t req, const void *p, uint32_t size, const int *fds, int nfds,
		   uint64_t *reply)
{
	uint8_t buf[12 + 64];
	uint32_t hdr[3] = { req, 1, size };
	union { char b[CMSG_SPACE(8 * sizeof(int))]; struct cmsghdr a; } cm;
	struct iovec iov = { buf, 12 + size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, hdr, 12);
	if (size)
		memcpy(buf + 12, p, size);
	if (nfds) {
		struct cmsghdr *c;

		m.msg_control = cm.b;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)(12 + size))
		return -1;
	if (reply) {
		uint8_t r[12 + 8];

		if (recv(sock, r, sizeof(r), MSG_WAITALL) != (ssize_t)sizeof(r))
			return -1;
		memcpy(reply, r + 12, 8);
	}
	return 0;
}

static int vu_u64(uint32_t req, uint64_t v, const int *fds, int nfds)
{
	return vu_send(req, &v, 8, fds, nfds, NULL);
}

static int vu_state(uint32_t req, uint32_t idx, uint32_t num)
{
	uint32_t s[2] = { idx, num };

	return vu_send(req, s, 8, NULL, 0, NULL);
}

/* Connects and sets everything up with fresh rings; 0 or -1. */
static int vu_setup(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t features, region[4];
	uint32_t mt[2] = { 1, 0 };
	uint8_t mtbuf[8 + 32];
	int q, i;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	memset(mem, 0, 0x20000);
	rx_avail = rx_used = tx_avail = tx_used = 0;
	if (vu_send(1, NULL, 0, NULL, 0, &features) < 0 || vu_send(3, NULL, 0, NULL, 0, NULL) < 0)
		goto fail;
	features &= (1ull << F_VERSION_1) | (1ull << F_MRG_RXBUF) | (offload ? F_OFFLOADS : 0) |
		    (protocol ? 1ull << 30 : 0);
	if (protocol) {
		uint64_t pf;

		/* GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES (none) */
		if (!(features & (1ull << 30)) || vu_send(15, NULL, 0, NULL, 0, &pf) < 0 ||
		    vu_u64(16, 0, NULL, 0) < 0)
			goto fail;
	}
	if (vu_u64(2, features, NULL, 0) < 0)
		goto fail;
	region[0] = 0;			/* guest physical address */
	region[1] = MEMSZ;
	region[2] = (uint64_t)(uintptr_t)mem;	/* "QEMU's" address */
	region[3] = 0;			/* mmap offset */
	memcpy(mtbuf, mt, 8);
	memcpy(mtbuf + 8, region, 32);
	if (vu_send(5, mtbuf, sizeof(mtbuf), &memfd, 1, NULL) < 0)
		goto fail;
	for (q = 0; q < 2; q++) {
		uint64_t addr[5] = { 0 };
		uint32_t a0[2] = { (uint32_t)q, 0 };

		memcpy(addr, a0, 8);
		addr[1] = (uint64_t)(uintptr_t)(mem + RING(q));		/* desc */
		addr[2] = (uint64_t)(uintptr_t)(mem + RING(q) + 0x2000);	/* used */
		addr[3] = (uint64_t)(uintptr_t)(mem + RING(q) + 0x1000);	/* avail */
		if (vu_state(8, q, QN) < 0 || vu_state(10, q, 0) < 0 ||
		    vu_send(9, addr, 40, NULL, 0, NULL) < 0 ||
		    vu_u64(13, q, &call[q], 1) < 0)
			goto fail;
	}
	/* receive buffers, then start both queues */
	for (i = 0; i < QN; i++) {
		descs(0)[i] = (struct desc){ RXBUF(i), rxbuf_len, 2 /* WRITE */, 0 };
		avail(0)[2 + i] = (uint16_t)i;
	}
	rx_avail = QN;
	__atomic_store_n(&avail(0)[1], rx_avail, __ATOMIC_RELEASE);
	for (q = 0; q < 2; q++)
		if (vu_u64(12, q, &kick[q], 1) < 0)
			goto fail;
	for (q = 0; protocol && q < 2; q++)
		if (vu_state(18, q, 1) < 0) /* SET_VRING_ENABLE */
			goto fail;
	fprintf(stderr, "vhost_user_peer: connected, features %#llx\n",
		(unsigned long long)features);
	return 0;
fail:
	close(sock);
	sock = -1;
	return -1;
}

static void kick_q(int q)
{
	uint64_t one = 1;

	if (write(kick[q], &one, 8) < 0)
		die("kick");
}

/* A frame from the tap into the transmit queue. */
static void tap_to_tx(void)
{
	uint16_t slot = tx_avail % QN;
	uint8_t *b = mem + TXBUF(slot);
	ssize_t n;

	if ((uint16_t)(tx_avail - tx_used) >= QN)
		return; /* all buffers with natd: the tap waits */
	if (offload) { /* the tap's own virtio-net header goes as the frame's */
		n = read(tap, b, TXBUFSZ);
		if (n <= HDR)
			return;
		n -= HDR;
		if ((unsigned long)n > tx_max)
			tx_max = (unsigned long)n;
		if (b[1] != 0) /* gso_type */
			tx_gso++;
	} else {
		n = read(tap, b + HDR, BUFSZ - HDR);
		if (n <= 0)
			return;
		memset(b, 0, HDR);
		if ((unsigned long)n > tx_max)
			tx_max = (unsigned long)n;
	}
	descs(1)[slot] = (struct desc){ TXBUF(slot), (uint32_t)(HDR + n), 0, 0 };
	avail(1)[2 + slot] = slot;
	tx_avail++;
	__atomic_store_n(&avail(1)[1], tx_avail, __ATOMIC_RELEASE);
	kick_q(1);
}

/* Used buffers back: transmit ones are free again, receive ones go to the
 * tap (a frame in several buffers when natd merged them: num_buffers). */
static void reap(void)
{
	uint16_t u, nbuf = 0, got = 0;
	size_t flen = 0;

	tx_used = __atomic_load_n((uint16_t *)(void *)(used(1) + 2), __ATOMIC_ACQUIRE);
	u = __atomic_load_n((uint16_t *)(void *)(used(0) + 2), __ATOMIC_ACQUIRE);
	while (rx_used != u) {
		uint8_t *e = used(0) + 4 + 8 * (rx_used % QN);
		uint32_t id, len, skip = 0;

		memcpy(&id, e, 4);
		memcpy(&len, e + 4, 4);
		id %= QN;
		if (len > rxbuf_len)
			len = rxbuf_len;
		if (got == 0) {
			memcpy(&nbuf, mem + RXBUF(id) + 10, 2);
			if (nbuf == 0 || (uint16_t)(u - rx_used) < nbuf) {
				fprintf(stderr, "vhost_user_peer: bad num_buffers %u\n", nbuf);
				nbuf = 1;
			}
			flen = 0;
			skip = offload ? 0 : HDR; /* the tap takes the header too */
		}
		if (len > skip && flen + len - skip <= sizeof(frame)) {
			memcpy(frame + flen, mem + RXBUF(id) + skip, len - skip);
			flen += len - skip;
		}
		rx_used++;
		avail(0)[2 + rx_avail % QN] = (uint16_t)id;
		rx_avail++;
		if (++got == nbuf) {
			if (nbuf > 1)
				merged++;
			if (offload && flen > HDR) {
				if (flen - HDR > rx_max)
					rx_max = flen - HDR;
				if (frame[1] != 0)
					rx_gso++;
				frame[10] = frame[11] = 0; /* num_buffers: not the tap's */
			} else if (!offload && flen > rx_max) {
				rx_max = flen;
			}
			if (write(tap, frame, flen) < 0 && errno != EIO)
				perror("vhost_user_peer: tap write");
			got = 0;
		}
	}
	if (rx_avail != __atomic_load_n(&avail(0)[1], __ATOMIC_RELAXED)) {
		__atomic_store_n(&avail(0)[1], rx_avail, __ATOMIC_RELEASE);
		kick_q(0); /* new receive buffers, as a virtio-net driver kicks */
	}
}

static void send_bad(const char *how)
{
	uint16_t slot = tx_avail % QN;

	if (!strcmp(how, "bad-desc")) {
		descs(1)[slot] = (struct desc){ MEMSZ + 4096, 100, 0, 0 };
	} else if (!strcmp(how, "bad-loop")) {
		descs(1)[slot] = (struct desc){ TXBUF(slot), 100, 1 /* NEXT */, slot };
	} else {
		tx_avail += QN + 5; /* the available index runs far ahead */
	}
	avail(1)[2 + slot] = slot;
	tx_avail++;
	__atomic_store_n(&avail(1)[1], tx_avail, __ATOMIC_RELEASE);
	kick_q(1);
	printf("bad sent\n");
	fflush(stdout);
}

static volatile sig_atomic_t report;

static void on_usr1(int sig)
{
	(void)sig;
	report = 1;
}

int main(int argc, char **argv)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int hdrsz = HDR;

	if (argc < 3) {
		fprintf(stderr, "usage: vhost_user_peer SOCKET TAP [bad-desc|bad-loop|bad-index]\n");
		return 2;
	}
	memfd = memfd_create("guest", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEMSZ) < 0)
		die("memfd");
	mem = mmap(NULL, MEMSZ, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	for (int q = 0; q < 2; q++) {
		kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	offload = getenv("VU_PEER_OFFLOAD") && atoi(getenv("VU_PEER_OFFLOAD"));
	protocol = getenv("VU_PEER_PROTOCOL") && atoi(getenv("VU_PEER_PROTOCOL"));
	if (offload)
		ifr.ifr_flags |= IFF_VNET_HDR;
	tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	strncpy(ifr.ifr_name, argv[2], IFNAMSIZ - 1);
	if (tap < 0 || ioctl(tap, TUNSETIFF, &ifr) < 0)
		die("tap");
	/* With offloads the tap is what vhost-net makes of one: the kernel's
	 * side sends 64 KiB TSO frames with partial checksums, takes them. */
	if (offload && (ioctl(tap, TUNSETVNETHDRSZ, &hdrsz) < 0 ||
			ioctl(tap, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0))
		die("tap offloads");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("VU_PEER_RXBUF"))
		rxbuf_len = (uint32_t)atoi(getenv("VU_PEER_RXBUF"));
	if (rxbuf_len < 64 || rxbuf_len > BUFSZ)
		rxbuf_len = BUFSZ;
	signal(SIGUSR1, on_usr1);
	for (;;) {
		struct pollfd p[4];
		uint64_t v;
		char b;

		while (sock < 0) {
			if (vu_setup(argv[1]) == 0) {
				if (argc > 3)
					send_bad(argv[3]);
				break;
			}
			usleep(200 * 1000);
		}
		p[0] = (struct pollfd){ .fd = tap, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = call[0], .events = POLLIN };
		p[2] = (struct pollfd){ .fd = call[1], .events = POLLIN };
		p[3] = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (poll(p, 4, 50) < 0 && errno != EINTR)
			die("poll");
		if (report) { /* SIGUSR1: how many frames came merged */
			printf("merged %lu\n", merged);
			printf("tx_max %lu tx_gso %lu rx_max %lu rx_gso %lu\n",
			       tx_max, tx_gso, rx_max, rx_gso);
			report = 0;
		}
		if (p[1].revents)
			(void)!read(call[0], &v, 8);
		if (p[2].revents)
			(void)!read(call[1], &v, 8);
		if (p[3].revents && recv(sock, &b, 1, MSG_DONTWAIT) <= 0) {
			fprintf(stderr, "vhost_user_peer: natd went away; reconnecting\n");
			close(sock);
			sock = -1;
			continue;
		}
		reap();
		if (p[0].revents & POLLIN)
			for (int i = 0; i < 64; i++)
				tap_to_tx();
	}
}
