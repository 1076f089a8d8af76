/* SPDX-License-Identifier: MIT */
/*
 * dgram.c - "dgram:LADDR:LPORT,RADDR:RPORT", QEMU's "-netdev dgram" over UDP:
 * one Ethernet frame per datagram, a socket bound to the local address, each
 * frame sent to the remote address. Addresses are numeric, IPv4 (127.0.0.1)
 * or bracketed IPv6 ([::1]); both sides must be the same family. It is the
 * UDP tunnel of VirtualBox's generic driver (modes/generic.c) and of the
 * switches' uplinks (l2/uplink.h) too: the same framing, so natd and QEMU
 * can be the two ends of one tunnel.
 *
 * Like QEMU and VirtualBox, datagrams are accepted from any source, not only
 * from the configured remote: the socket is not connect()ed. Bind to a
 * loopback or private address to keep strangers out. The sources seen are
 * kept as the device's peers (device_peers()).
 *
 * Batching: one recvmmsg() takes up to DGRAM_BATCH datagrams into slots of
 * 64 KiB (a datagram that does not fit, over 65535 bytes, is truncated by
 * the kernel and dropped here, as are runts under 14 bytes; both counted in
 * rx_errors). Frames sent are copied into a queue and leave together with
 * sendmmsg() from the device's flush handle at the next turn of the loop, or
 * at once when the queue is full; a frame the kernel refuses then is
 * dropped and counted (tx_dropped), the rest still go.
 *
 * A dead peer is no error: with IP_RECVERR/IPV6_RECVERR the ICMP errors its
 * host sends back (port or host unreachable) are read from the socket's
 * error queue and counted (peer_errors); the frames are lost, the device
 * stays up. libuv reports such a pending error as POLLERR (UV_EBADF) and
 * stops the poll handle: it is drained and the handle restarted.
 */
#include "devices/device_internal.h"
#include "devices/mmsg_tx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Parses "A.B.C.D:PORT" or "[V6]:PORT" in s[0..len) (side: "local"/"remote"). */
static int dgram_parse_one(const char *s, size_t len, const char *side,
			   struct sockaddr_storage *ss, socklen_t *sl,
			   char *err, size_t errlen)
{
	const char *end = s + len, *host, *port;
	char hbuf[INET6_ADDRSTRLEN + 1];
	bool v6 = false;
	unsigned long p = 0;
	size_t hlen;

	if (len == 0) {
		device_seterr(err, errlen, "dgram: missing %s address", side);
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (!rb) {
			device_seterr(err, errlen, "dgram: missing ']' in %s address", side);
			return -EINVAL;
		}
		v6 = true;
		host = s + 1;
		hlen = (size_t)(rb - host);
		port = rb + 1;
	} else {
		port = memchr(s, ':', len);
		if (!port) {
			device_seterr(err, errlen, "dgram: missing %s port", side);
			return -EINVAL;
		}
		if (memchr(port + 1, ':', (size_t)(end - port - 1))) {
			device_seterr(err, errlen, "dgram: %s IPv6 address must be in "
				      "brackets, like [::1]:5555", side);
			return -EINVAL;
		}
		host = s;
		hlen = (size_t)(port - s);
	}
	/* port points at ":PORT". */
	if (port >= end || *port != ':' || port + 1 == end) {
		device_seterr(err, errlen, "dgram: missing %s port", side);
		return -EINVAL;
	}
	for (const char *c = port + 1; c < end; c++) {
		if (*c < '0' || *c > '9' || p > 65535) {
			device_seterr(err, errlen, "dgram: bad %s port '%.*s'", side,
				      (int)(end - port - 1), port + 1);
			return -EINVAL;
		}
		p = p * 10 + (unsigned long)(*c - '0');
	}
	if (p == 0 || p > 65535) {
		device_seterr(err, errlen, "dgram: %s port %lu out of range 1-65535",
			      side, p);
		return -EINVAL;
	}
	if (hlen == 0 || hlen >= sizeof(hbuf)) {
		device_seterr(err, errlen, "dgram: missing or bad %s address", side);
		return -EINVAL;
	}
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, hbuf, &a6->sin6_addr) != 1) {
			device_seterr(err, errlen, "dgram: bad %s IPv6 address '%s'",
				      side, hbuf);
			return -EINVAL;
		}
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*sl = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, hbuf, &a4->sin_addr) != 1) {
			device_seterr(err, errlen, "dgram: bad %s IPv4 address '%s'",
				      side, hbuf);
			return -EINVAL;
		}
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*sl = sizeof(*a4);
	}
	return 0;
}

static int dgram_parse(const char *arg, struct sockaddr_storage *local,
		       socklen_t *llen, struct sockaddr_storage *remote,
		       socklen_t *rlen, char *err, size_t errlen)
{
	const char *comma = strchr(arg, ',');
	int r;

	if (!*arg) {
		device_seterr(err, errlen, "dgram: expected LADDR:LPORT,RADDR:RPORT");
		return -EINVAL;
	}
	if (!comma) {
		device_seterr(err, errlen, "dgram: missing ',RADDR:RPORT' (remote address)");
		return -EINVAL;
	}
	if (strchr(comma + 1, ',')) {
		device_seterr(err, errlen, "dgram: expected LADDR:LPORT,RADDR:RPORT");
		return -EINVAL;
	}
	r = dgram_parse_one(arg, (size_t)(comma - arg), "local", local, llen, err,
			    errlen);
	if (r < 0)
		return r;
	r = dgram_parse_one(comma + 1, strlen(comma + 1), "remote", remote, rlen,
			    err, errlen);
	if (r < 0)
		return r;
	if (local->ss_family != remote->ss_family) {
		device_seterr(err, errlen, "dgram: local and remote addresses are of "
			      "different families");
		return -EINVAL;
	}
	return 0;
}

static int dgram_check(const char *arg, char *err, size_t errlen)
{
	struct sockaddr_storage l, r;
	socklen_t ll, rl;

	return dgram_parse(arg, &l, &ll, &r, &rl, err, errlen);
}

#define DGRAM_BATCH 32            /* datagrams per recvmmsg()/sendmmsg() */
#define DGRAM_SLOT  65536         /* receive slot: a longer datagram is cut */
#define DGRAM_TXBUF (256u << 10)  /* bytes queued before a flush */

struct dgram_priv {
	struct mmsghdr rmsg[DGRAM_BATCH];
	struct iovec riov[DGRAM_BATCH];
	struct sockaddr_storage rfrom[DGRAM_BATCH];
	struct mmsg_tx tx;
	uint8_t txbuf[DGRAM_TXBUF];
};

static int dgram_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct sockaddr_storage local;
	struct dgram_priv *p = NULL;
	socklen_t llen;
	int fd = -1, r, one = 1;

	r = dgram_parse(arg, &local, &llen, &dev->raddr, &dev->raddrlen, err, errlen);
	if (r < 0)
		goto out;
	/* 2 MiB of address space; the kernel touches only what datagrams fill. */
	dev->rxcap = (size_t)DGRAM_BATCH * DGRAM_SLOT;
	dev->rxbuf = malloc(dev->rxcap);
	p = calloc(1, sizeof(*p));
	if (!dev->rxbuf || !p) {
		r = -ENOMEM;
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		goto out;
	}
	fd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: socket: %s", dev->spec, strerror(errno));
		goto out;
	}
	if (local.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&local, llen) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: bind: %s", dev->spec, strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < DGRAM_BATCH; i++) {
		p->riov[i] = (struct iovec){ dev->rxbuf + (size_t)i * DGRAM_SLOT, DGRAM_SLOT };
		p->rmsg[i].msg_hdr.msg_iov = &p->riov[i];
		p->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	mmsg_tx_init(&p->tx, DGRAM_BATCH, p->txbuf, sizeof(p->txbuf), &dev->raddr,
		     dev->raddrlen, MSG_NOSIGNAL);
	dev->priv = p;
	p = NULL;
	dev->sotype = SOCK_DGRAM;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE;
	fd = -1;
	r = 0;
out:
	free(p);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Reads the ICMP errors queued on the socket: each is a frame the peer's
 * side did not take. */
static void dgram_drain_errors(struct device *dev)
{
	char cbuf[512];

	for (int i = 0; i < DEVICE_BATCH; i++) {
		struct msghdr m = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;

		if (recvmsg(dev->io_fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);

			if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			dev->st.peer_errors++;
			log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: the peer's side refused a "
					"frame: %s (dropped)", dev->spec, strerror((int)ee->ee_errno));
		}
	}
}

static void dgram_io(struct device *dev, int status, int events)
{
	struct dgram_priv *p = dev->priv;
	unsigned frames = 0;

	(void)events;
	if (status < 0) {
		/* POLLERR: ICMP errors wait in the error queue; libuv stopped the
		 * handle. */
		dgram_drain_errors(dev);
		device_io_restart(dev);
		return;
	}
	while (frames < DEVICE_BATCH && p && !device_rx_throttled(dev)) {
		int n;

		for (unsigned i = 0; i < DGRAM_BATCH; i++) {
			p->rmsg[i].msg_hdr.msg_name = &p->rfrom[i];
			p->rmsg[i].msg_hdr.msg_namelen = sizeof(p->rfrom[i]);
			p->rmsg[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(dev->io_fd, p->rmsg, DGRAM_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e != EAGAIN && e != EWOULDBLOCK) {
				/* A pending ICMP error (ECONNREFUSED...) is returned once. */
				dgram_drain_errors(dev);
				if (e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH)
					continue;
				dev->st.rx_errors++;
				log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: recvmmsg: %s",
						dev->spec, strerror(e));
			}
			break;
		}
		if (n == 0)
			break;
		dev->st.rx_calls++;
		for (int i = 0; i < n; i++) {
			const struct msghdr *h = &p->rmsg[i].msg_hdr;
			size_t len = p->rmsg[i].msg_len;

			frames++;
			if (h->msg_flags & MSG_TRUNC) {
				dev->st.rx_errors++;
				log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: dropping a datagram "
						"over %u bytes", dev->spec, DGRAM_SLOT - 1);
				continue;
			}
			if (len < 14) {
				device_deliver(dev, p->riov[i].iov_base, len); /* counts the runt */
				continue;
			}
			device_peer_seen(dev, DEVICE_PEER_SOCKADDR, &p->rfrom[i], h->msg_namelen);
			device_deliver(dev, p->riov[i].iov_base, len);
			if (dev->closing)
				return;
			p = dev->priv;
		}
		if (n < DGRAM_BATCH)
			break;
	}
	if (frames && dev->h.batch_end && !dev->closing)
		dev->h.batch_end(dev->h.opaque);
}

/* A frame the kernel refused (a pending ICMP error, no route...). */
static void dgram_tx_fail(struct device *dev, int err, size_t len)
{
	(void)len;
	if (err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH)
		dgram_drain_errors(dev);
	log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: sendmmsg: %s (frame dropped)",
			dev->spec, err ? strerror(err) : "nothing sent");
}

static void dgram_flush(struct device *dev)
{
	struct dgram_priv *p = dev->priv;

	if (p && p->tx.n)
		mmsg_tx_flush(&p->tx, dev, dgram_tx_fail);
}

static int dgram_send(struct device *dev, const struct iovec *iov, int iovcnt,
		      size_t len)
{
	struct dgram_priv *p = dev->priv;

	if (!dev->io_init || dev->io_closing || !p)
		return -ENOTCONN;
	if (mmsg_tx_full(&p->tx, len))
		dgram_flush(dev);
	mmsg_tx_add(&p->tx, iov, iovcnt, len);
	device_flush_arm(dev);
	return 0;
}

static void dgram_close(struct device *dev)
{
	dgram_flush(dev); /* what was sent before the close still goes */
	free(dev->priv);
	dev->priv = NULL;
}

const struct device_ops dgram_ops = {
	.type = "dgram",
	.check = dgram_check,
	.open = dgram_open,
	.timer = device_timer_link_up,
	.io = dgram_io,
	.send = dgram_send,
	.close = dgram_close,
	.flush = dgram_flush,
};
