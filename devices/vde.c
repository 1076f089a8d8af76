/* SPDX-License-Identifier: MIT */
/*
 * vde.c - "vde:SWITCH": a port of a VDE switch (Virtual Distributed
 * Ethernet, vde_switch(1)) through Debian's libvdeplug, never a copy of its
 * protocol. SWITCH is what vde_plug(1) takes: the switch's directory
 * (/tmp/switch1), with a port number for a port set up on the switch
 * (/tmp/switch1[3], e.g. one put in a VLAN with port/setvlan), or any
 * libvdeplug URL (vde:///tmp/switch1, vxvde://...). VirtualBox's VDE driver
 * (--nicgenericdrv VDE --nicproperty network=SWITCH) and the switches'
 * uplinks (vde:SWITCH) open it.
 *
 * vde_open() connects at open time (a missing switch or a refused port is
 * an error then). A vde_switch asked for a port it will not give never
 * answers, and vde_open() would wait for ever: a one-shot SIGALRM (no
 * SA_RESTART) interrupts it after VDE_OPEN_TIMEOUT_S seconds, start-up
 * being the only time natd blocks. The connection's data descriptor carries one frame per
 * datagram and is polled as the device's io; its control descriptor (a
 * stream the switch closes when it goes away) is polled as the device's
 * "listen" socket: end of file means the switch is gone, the link goes
 * down and frames are dropped and counted from then on. Both are dup()s of
 * libvdeplug's own, which vde_close() closes at device_close().
 * Source MACs of received frames are kept as the device's peers.
 */
#include "devices/device_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* How long vde_open() may wait for the switch's answer: a vde_switch that
 * will not give the port asked for (a number past its ports) never answers. */
#define VDE_OPEN_TIMEOUT_S 5

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
/*
 * AddressSanitizer builds only: libvdeplug loads its modules (the vde://
 * one included) with dlopen(RTLD_DEEPBIND), which AddressSanitizer refuses
 * outright (its interceptors would be bypassed). natd's executable is first
 * in symbol lookup, so this dlopen() is the one libvdeplug calls: it drops
 * the flag and calls the next dlopen (the sanitizer's). A module's own
 * symbols are looked up through dlsym() on its handle, which DEEPBIND does
 * not change; natd defines nothing a module uses.
 */
void *dlopen(const char *file, int mode)
{
	static void *(*next)(const char *, int);

	if (!next)
		next = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	return next ? next(file, mode & ~RTLD_DEEPBIND) : NULL;
}
#endif

struct vde_priv {
	VDECONN *conn;
	char url[PATH_MAX];
	uint8_t txbuf[DEVICE_MAX_FRAME];
};

static int vde_check(const char *arg, char *err, size_t errlen)
{
	if (!*arg) {
		device_seterr(err, errlen, "vde: missing the switch (vde:/path/to/switch[PORT])");
		return -EINVAL;
	}
	if (strlen(arg) >= PATH_MAX - 1) {
		device_seterr(err, errlen, "vde: switch name too long");
		return -EINVAL;
	}
	for (const char *c = arg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			device_seterr(err, errlen, "vde: control characters in the switch name");
			return -EINVAL;
		}
	return 0;
}

static void vde_alarm(int sig)
{
	(void)sig; /* only interrupts vde_open()'s wait */
}

static VDECONN *vde_open_timed(char *url, int *e)
{
	struct sigaction sa = { .sa_handler = vde_alarm }, old;
	struct itimerval t = { .it_value = { .tv_sec = VDE_OPEN_TIMEOUT_S } }, off = { 0 };
	VDECONN *c;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &t, NULL);
	errno = 0;
	c = vde_open(url, "natd", NULL);
	*e = errno ? errno : ECONNREFUSED;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	return c;
}

static int vde_open_dev(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct vde_priv *p = calloc(1, sizeof(*p));
	int dfd = -1, cfd = -1, e;

	dev->rxcap = DEVICE_MAX_FRAME + 1;
	dev->rxbuf = malloc(dev->rxcap);
	if (!p || !dev->rxbuf) {
		free(p);
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	snprintf(p->url, sizeof(p->url), "%s", arg);
	p->conn = vde_open_timed(p->url, &e);
	if (!p->conn) {
		if (e == EINTR)
			device_seterr(err, errlen, "%s: the VDE switch did not answer within %d s "
				      "(does it have that port?)", dev->spec, VDE_OPEN_TIMEOUT_S);
		else
			device_seterr(err, errlen, "%s: cannot join the VDE switch: %s%s",
				      dev->spec, strerror(e), e == ENOENT ? " (no switch there: "
				      "start one with vde_switch -s PATH)" : "");
		free(p);
		return e == EINTR ? -ETIMEDOUT : -e;
	}
	dfd = fcntl(vde_datafd(p->conn), F_DUPFD_CLOEXEC, 3);
	if (vde_ctlfd(p->conn) >= 0)
		cfd = fcntl(vde_ctlfd(p->conn), F_DUPFD_CLOEXEC, 3);
	if (dfd < 0 || (vde_ctlfd(p->conn) >= 0 && cfd < 0)) {
		e = errno;
		device_seterr(err, errlen, "%s: dup: %s", dev->spec, strerror(e));
		if (dfd >= 0)
			close(dfd);
		vde_close(p->conn);
		free(p);
		return -e;
	}
	/* O_NONBLOCK is the open file's: libvdeplug's descriptor gets it too. */
	fcntl(dfd, F_SETFL, fcntl(dfd, F_GETFL) | O_NONBLOCK);
	dev->priv = p;
	dev->sotype = SOCK_DGRAM;
	dev->io_fd = dfd;
	dev->io_events = UV_READABLE;
	dev->listen_fd = cfd;
	return 0;
}

static void vde_io_dev(struct device *dev, int status, int events)
{
	struct vde_priv *p = dev->priv;
	unsigned frames = 0;

	(void)events;
	if (status < 0 || !p) {
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: poll: %s", dev->spec,
				uv_strerror(status));
		device_io_restart(dev);
		return;
	}
	while (frames < DEVICE_BATCH) {
		ssize_t n = vde_recv(p->conn, dev->rxbuf, dev->rxcap, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				dev->st.rx_errors++;
				log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: vde_recv: %s",
						dev->spec, strerror(errno));
			}
			break;
		}
		frames++;
		if (n == 1) /* libvdeplug: "received, but drop it" */
			continue;
		if (n >= 14)
			device_peer_seen(dev, DEVICE_PEER_MAC, dev->rxbuf + 6, 6);
		device_deliver(dev, dev->rxbuf, (size_t)n); /* counts runts, oversize */
		if (dev->closing)
			return;
	}
	if (frames && dev->h.batch_end && !dev->closing)
		dev->h.batch_end(dev->h.opaque);
}

/* The control connection: readable only when the switch closed it. */
static void vde_ctl(struct device *dev, int status)
{
	char b[64];
	ssize_t n = status < 0 ? -1 : read(dev->listen_fd, b, sizeof(b));

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	log_err("%s: the VDE switch closed the connection; frames are dropped from now "
		"on (restart natd, or set the uplink again, once the switch is back)",
		dev->spec);
	device_listen_pause(dev);
	device_link(dev, false);
}

static int vde_send_dev(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct vde_priv *p = dev->priv;
	const uint8_t *frame = iov[0].iov_base;
	ssize_t n;

	if (!p || !dev->io_init || dev->io_closing)
		return -ENOTCONN;
	if (iovcnt > 1) {
		size_t off = 0;

		for (int i = 0; i < iovcnt; i++) {
			memcpy(p->txbuf + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		frame = p->txbuf;
	}
	do {
		n = vde_send(p->conn, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
			return -EAGAIN;
		log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: vde_send: %s", dev->spec,
				strerror(e));
		return -e;
	}
	return 0;
}

static void vde_close_dev(struct device *dev)
{
	struct vde_priv *p = dev->priv;

	if (!p)
		return;
	vde_close(p->conn); /* our dup()s are closed by device.c */
	free(p);
	dev->priv = NULL;
}

const struct device_ops vde_ops = {
	.type = "vde",
	.check = vde_check,
	.open = vde_open_dev,
	.timer = device_timer_link_up,
	.io = vde_io_dev,
	.listen = vde_ctl,
	.send = vde_send_dev,
	.close = vde_close_dev,
};
