/* SPDX-License-Identifier: MIT */
/*
 * tap.c - packet-per-read transports: "tap:IFNAME" opens /dev/net/tun with
 * TUNSETIFF IFF_TAP|IFF_NO_PI (creating the tap, or attaching to an existing
 * one; the link is neither brought up nor configured here), "fd:N" adopts an
 * inherited tap fd or SOCK_DGRAM/SOCK_SEQPACKET socket. The device owns the
 * fd from then on and closes it in device_close(). Reading is device.c's
 * device_pkt_io(); sending is one writev()/sendmsg() per frame, dropped with
 * -EAGAIN when the kernel queue is full.
 */
#include "devices/device_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int tap_check(const char *arg, char *err, size_t errlen)
{
	size_t len = strlen(arg);
	const char *p;

	if (len == 0) {
		device_seterr(err, errlen, "tap: missing interface name");
		return -EINVAL;
	}
	if (len >= IFNAMSIZ) {
		device_seterr(err, errlen, "tap: interface name '%s' longer than %d bytes",
			      arg, IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0) {
		device_seterr(err, errlen, "tap: bad interface name '%s'", arg);
		return -EINVAL;
	}
	for (p = arg; *p; p++) {
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f) {
			device_seterr(err, errlen, "tap: bad character in interface name '%s'",
				      arg);
			return -EINVAL;
		}
	}
	return 0;
}

/* Allocates the one-frame receive buffer (+1 byte to see oversize frames). */
static int tap_alloc_rx(struct device *dev, char *err, size_t errlen)
{
	dev->rxcap = DEVICE_MAX_FRAME + 1;
	dev->rxbuf = malloc(dev->rxcap);
	if (!dev->rxbuf) {
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	return 0;
}

static int tap_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = -1, r;

	r = tap_alloc_rx(dev, err, errlen);
	if (r < 0)
		goto out;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: open /dev/net/tun: %s", dev->spec,
			      strerror(errno));
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, arg, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: TUNSETIFF: %s%s", dev->spec,
			      strerror(errno), errno == EINVAL ?
			      " (an interface of that name that is not a tap?)" : "");
		goto out;
	}
	dev->sotype = 0;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE;
	fd = -1;
	r = 0;
	log_info("%s: attached to tap %s", dev->spec, ifr.ifr_name);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Parses N of "fd:N" (decimal, 0..INT_MAX). */
static int tap_fd_parse(const char *arg, int *fdp)
{
	long v = 0;
	const char *p;

	if (!*arg)
		return -EINVAL;
	for (p = arg; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -ERANGE;
	}
	*fdp = (int)v;
	return 0;
}

static int tap_fd_check(const char *arg, char *err, size_t errlen)
{
	int fd;

	if (!*arg) {
		device_seterr(err, errlen, "fd: missing file descriptor number");
		return -EINVAL;
	}
	if (tap_fd_parse(arg, &fd) < 0) {
		device_seterr(err, errlen, "fd: '%s' is not a file descriptor number", arg);
		return -EINVAL;
	}
	return 0;
}

static int tap_fd_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	int fd, type = 0, fl, r;
	socklen_t tl = sizeof(type);
	struct stat st;

	r = tap_fd_parse(arg, &fd);
	if (r < 0) {
		device_seterr(err, errlen, "%s: bad file descriptor number", dev->spec);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: %s", dev->spec, strerror(errno));
		goto out;
	}
	if (S_ISSOCK(st.st_mode)) {
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0) {
			r = -errno;
			device_seterr(err, errlen, "%s: getsockopt SO_TYPE: %s", dev->spec,
				      strerror(errno));
			goto out;
		}
		if (type != SOCK_DGRAM && type != SOCK_SEQPACKET) {
			r = -EINVAL;
			device_seterr(err, errlen, "%s: a stream socket; fd: needs one frame "
				      "per read (a tap fd, SOCK_DGRAM or SOCK_SEQPACKET)",
				      dev->spec);
			goto out;
		}
	} else if (!S_ISCHR(st.st_mode)) {
		r = -EINVAL;
		device_seterr(err, errlen, "%s: neither a socket nor a tap device",
			      dev->spec);
		goto out;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: fcntl: %s", dev->spec, strerror(errno));
		goto out;
	}
	r = tap_alloc_rx(dev, err, errlen);
	if (r < 0)
		goto out;
	dev->sotype = type;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE | (type ? UV_DISCONNECT : 0);
out:
	return r;
}

static int tap_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	ssize_t n;

	if (!dev->io_init || dev->io_closing)
		return -ENOTCONN;
	for (;;) {
		if (dev->sotype) {
			struct msghdr m = { .msg_iov = (struct iovec *)(uintptr_t)iov,
					    .msg_iovlen = (size_t)iovcnt };

			n = sendmsg(dev->io_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		} else {
			n = writev(dev->io_fd, iov, iovcnt);
		}
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
			return -EAGAIN;
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: write: %s", dev->spec,
				strerror(e));
		if (e == EPIPE || e == ECONNRESET || e == ENOTCONN)
			return -ENOTCONN;
		return -e;
	}
	if ((size_t)n != len)
		return -EAGAIN; /* a packet fd never writes part of a frame */
	return 0;
}

const struct device_ops tap_ops = {
	.type = "tap",
	.check = tap_check,
	.open = tap_open,
	.timer = device_timer_link_up,
	.io = device_pkt_io,
	.send = tap_send,
};

const struct device_ops tap_fd_ops = {
	.type = "fd",
	.check = tap_fd_check,
	.open = tap_fd_open,
	.timer = device_timer_link_up,
	.io = device_pkt_io,
	.send = tap_send,
};
