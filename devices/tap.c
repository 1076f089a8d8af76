/* SPDX-License-Identifier: MIT */
/*
 * tap.c - packet-per-read transports: "tap:IFNAME" opens /dev/net/tun with
 * TUNSETIFF IFF_TAP|IFF_NO_PI (creating the tap, or attaching to an existing
 * one; the link is neither brought up nor configured here), "fd:N" adopts an
 * inherited tap fd or SOCK_DGRAM/SOCK_SEQPACKET socket. The device owns the
 * fd from then on and closes it in device_close(). Reading is device.c's
 * device_pkt_io(); sending is one writev()/sendmsg() per frame, dropped with
 * -EAGAIN when the kernel queue is full.
 *
 * Offloads (vnet.h), only for a handler that asks for them (frames that end
 * in natd's own stack): "tap:" asks for IFF_VNET_HDR and TCP checksum and
 * segmentation offloads (TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6) unless
 * NATD_TAP_OFFLOAD=0; a kernel that refuses the offloads still takes
 * offloaded frames from natd. "fd:" reads and writes virtio-net headers when
 * the tap fd it inherits has IFF_VNET_HDR, and sets the offloads on or off
 * (frames relayed on must come whole, with complete checksums).
 *
 * A tap's kernel side is the guest's card: device_set_guest_mac() gives it
 * the adapter's MAC (SIOCSIFHWADDR on the tap's fd, which tun.c takes
 * wherever the interface has been moved since).
 */
#include "devices/device_internal.h"
#include "devices/vnet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
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

#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)

/* Offloads when the handler takes them, unless NATD_TAP_OFFLOAD is "0" or
 * "off". */
static bool tap_want_offload(const struct device *dev)
{
	const char *v = getenv("NATD_TAP_OFFLOAD");

	return dev->h.offload && (!v || (strcmp(v, "0") != 0 && strcmp(v, "off") != 0));
}

/* After TUNSETIFF with IFF_VNET_HDR: header size and offloads. */
static void tap_setup_vnet(struct device *dev, int fd, const char *ifname)
{
	int hlen = VNET_HDR_LEN;

	dev->vnet_hdr_len = VNET_HDR_LEN;
	dev->offload = true;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0)
		log_warn("%s: TUNSETVNETHDRSZ: %s", dev->spec, strerror(errno));
	if (ioctl(fd, TUNSETOFFLOAD, TAP_OFFLOADS) < 0)
		log_info("%s: the kernel refused TCP offloads on %s (%s); sending "
			 "with them only", dev->spec, ifname, strerror(errno));
}

static int tap_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct ifreq ifr;
	bool vnet = tap_want_offload(dev);
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, arg, IFNAMSIZ - 1);
	r = ioctl(fd, TUNSETIFF, &ifr);
	if (r < 0 && vnet && errno == EINVAL) {
		/* A kernel without virtio-net headers on taps: go without. */
		vnet = false;
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		r = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (r < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: TUNSETIFF: %s%s", dev->spec,
			      strerror(errno), errno == EINVAL ?
			      " (an interface of that name that is not a tap?)" : "");
		goto out;
	}
	if (vnet)
		tap_setup_vnet(dev, fd, ifr.ifr_name);
	dev->sotype = 0;
	dev->io_fd = fd;
	dev->io_events = UV_READABLE;
	fd = -1;
	r = 0;
	log_info("%s: attached to tap %s%s", dev->spec, ifr.ifr_name,
		 vnet ? " (TCP offloads)" : "");
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
	if (!type) {
		struct ifreq ifr;
		int hlen = VNET_HDR_LEN;

		/* A tap opened with IFF_VNET_HDR: frames come after a header. */
		memset(&ifr, 0, sizeof(ifr));
		if (ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_VNET_HDR)) {
			if (ioctl(fd, TUNGETVNETHDRSZ, &hlen) < 0 || hlen < VNET_HDR_LEN ||
			    hlen > 32) {
				r = -EINVAL;
				device_seterr(err, errlen, "%s: unusable virtio-net header "
					      "size on the tap fd", dev->spec);
				goto out;
			}
			dev->vnet_hdr_len = (size_t)hlen;
			dev->offload = tap_want_offload(dev);
			if (ioctl(fd, TUNSETOFFLOAD, dev->offload ? TAP_OFFLOADS : 0) < 0 &&
			    !dev->offload) {
				r = -errno;
				device_seterr(err, errlen, "%s: cannot turn the tap fd's "
					      "offloads off: %s", dev->spec, strerror(errno));
				goto out;
			}
		}
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

/*
 * Builds in out[] the frame with its virtio-net header: the header, then the
 * frame (its first t->hdrs_len bytes replaced by t->hdrs). Returns the count
 * of out[] and adds the header bytes to *len.
 */
static int tap_vnet_iov(struct device *dev, struct vnet_tx *t, uint8_t *hdr,
			const struct iovec *iov, int iovcnt, size_t *len,
			struct iovec *out)
{
	size_t skip;
	int n = 0, i;

	if (dev->offload) {
		vnet_tx_prepare(t, iov, iovcnt, *len, dev->mtu, dev->tx_seg);
	} else {
		memset(&t->vh, 0, sizeof(t->vh)); /* an ordinary frame */
		t->hdrs_len = 0;
	}
	memset(hdr, 0, dev->vnet_hdr_len);
	memcpy(hdr, &t->vh, sizeof(t->vh));
	out[n++] = (struct iovec){ .iov_base = hdr, .iov_len = dev->vnet_hdr_len };
	*len += dev->vnet_hdr_len;
	skip = t->hdrs_len;
	if (skip)
		out[n++] = (struct iovec){ .iov_base = t->hdrs, .iov_len = skip };
	for (i = 0; i < iovcnt; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		out[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
		out[n].iov_len = iov[i].iov_len - skip;
		skip = 0;
		n++;
	}
	return n;
}

static int tap_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct iovec vio[DEVICE_IOV_MAX + 2];
	struct vnet_tx t;
	uint8_t hdr[32];
	ssize_t n;

	if (!dev->io_init || dev->io_closing)
		return -ENOTCONN;
	if (dev->vnet_hdr_len) {
		iovcnt = tap_vnet_iov(dev, &t, hdr, iov, iovcnt, &len, vio);
		iov = vio;
	}
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
		if (e == EIO && !dev->sotype)
			return -ENETDOWN; /* the tap is down (the VM's side is not up yet):
					   * dropped as on a wire without carrier */
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

/* TUNSETCARRIER (Linux 5.0): the tap's carrier, seen by the guest. */
static int tap_set_carrier(struct device *dev, bool up)
{
	int on = up;

	if (dev->sotype)
		return -EOPNOTSUPP; /* fd: a socket */
	if (ioctl(dev->io_fd, TUNSETCARRIER, &on) < 0)
		return errno == EINVAL || errno == ENOTTY ? -EOPNOTSUPP : -errno;
	return 0;
}

/* SIOCSIFHWADDR on the tap's fd (tun.c takes it there, wherever the
 * interface's namespace is now): the guest's card gets the adapter's MAC. */
static int tap_set_mac(struct device *dev, const uint8_t mac[6])
{
	struct ifreq ifr;

	if (dev->sotype)
		return -EOPNOTSUPP; /* fd: a socket */
	if (!dev->io_init || dev->io_closing)
		return -ENOTCONN;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(dev->io_fd, SIOCSIFHWADDR, &ifr) < 0)
		return errno == EINVAL || errno == ENOTTY ? -EOPNOTSUPP : -errno;
	return 0;
}

const struct device_ops tap_ops = {
	.type = "tap",
	.check = tap_check,
	.open = tap_open,
	.timer = device_timer_link_up,
	.io = device_pkt_io,
	.send = tap_send,
	.set_carrier = tap_set_carrier,
	.set_mac = tap_set_mac,
};

const struct device_ops tap_fd_ops = {
	.type = "fd",
	.check = tap_fd_check,
	.open = tap_fd_open,
	.timer = device_timer_link_up,
	.io = device_pkt_io,
	.send = tap_send,
	.set_carrier = tap_set_carrier,
	.set_mac = tap_set_mac,
};
