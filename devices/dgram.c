/* SPDX-License-Identifier: MIT */
/*
 * dgram.c - "dgram:LADDR:LPORT,RADDR:RPORT", QEMU's "-netdev dgram" over UDP:
 * one Ethernet frame per datagram, a socket bound to the local address, each
 * frame sent to the remote address. Addresses are numeric, IPv4 (127.0.0.1)
 * or bracketed IPv6 ([::1]); both sides must be the same family.
 *
 * Like QEMU, datagrams are accepted from any source, not only from the
 * configured remote: the socket is not connect()ed, so a remote that is down
 * causes no ICMP errors on it. Bind to a loopback or private address to keep
 * strangers out.
 */
#include "devices/device_internal.h"

#include <arpa/inet.h>
#include <errno.h>
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

static int dgram_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct sockaddr_storage local;
	socklen_t llen;
	int fd = -1, r, one = 1;

	r = dgram_parse(arg, &local, &llen, &dev->raddr, &dev->raddrlen, err, errlen);
	if (r < 0)
		goto out;
	dev->rxcap = DEVICE_MAX_FRAME + 1;
	dev->rxbuf = malloc(dev->rxcap);
	if (!dev->rxbuf) {
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
	if (local.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&local, llen) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: bind: %s", dev->spec, strerror(errno));
		goto out;
	}
	dev->sotype = SOCK_DGRAM;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int dgram_send(struct device *dev, const struct iovec *iov, int iovcnt,
		      size_t len)
{
	struct msghdr m = {
		.msg_name = &dev->raddr,
		.msg_namelen = dev->raddrlen,
		.msg_iov = (struct iovec *)(uintptr_t)iov,
		.msg_iovlen = (size_t)iovcnt,
	};
	ssize_t n;

	if (!dev->io_init || dev->io_closing)
		return -ENOTCONN;
	do {
		n = sendmsg(dev->io_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
			return -EAGAIN;
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: sendto: %s", dev->spec,
				strerror(e));
		return -e;
	}
	return (size_t)n == len ? 0 : -EAGAIN;
}

const struct device_ops dgram_ops = {
	.type = "dgram",
	.check = dgram_check,
	.open = dgram_open,
	.timer = device_timer_link_up,
	.io = device_pkt_io,
	.send = dgram_send,
};
