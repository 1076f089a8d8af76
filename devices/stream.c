/* SPDX-License-Identifier: MIT */
/*
 * stream.c - QEMU "-netdev stream" transports on UNIX stream sockets:
 * "stream:PATH" listens and serves one VM at a time (a second connection is
 * accepted and closed at once; the next VM is accepted when the current one
 * goes away), "stream-connect:PATH" connects and reconnects every second
 * while the socket is absent or after it went away (the socket itself:
 * unix_sock.c).
 *
 * Framing (stream_framing.h): 4-byte big-endian length, then the frame.
 * Receiving reassembles in one buffer per device (2 * DEVICE_MAX_FRAME + 4
 * and some, allocated at open): each recv() takes as much as the socket
 * holds and fits, every whole frame in it is delivered in place, then the
 * remainder (less than one frame) moves to the front.
 *
 * Sending batches: a frame of up to STREAM_COPY_MAX bytes is appended (with
 * its header) to a 4 MiB output ring (allocated at open), and the device's
 * flush handle (device_flush_arm(), ops->flush) sends the ring with one
 * sendmsg() at the loop's next turn, so every
 * frame natd produces in one turn of the loop (an lwIP burst of MSS-sized
 * segments, a round of ACKs) goes in one system call. A larger frame (MTU
 * 65520 segments) is not copied: it goes at once, in the same sendmsg() as
 * whatever the ring holds (gather). Whatever the socket does not take stays
 * in the ring, whole frames only, and the ring is then drained when the
 * socket becomes writable. When the ring cannot take a whole frame, the
 * frame is dropped (-EAGAIN), so a frame is never cut or interleaved with
 * another. device_close() sends what the ring holds if the socket takes it.
 */
#include "devices/device_internal.h"
#include "devices/stream_framing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int stream_frame_parse(const uint8_t *buf, size_t len, size_t *frame_off,
		       size_t *frame_len)
{
	uint32_t flen;

	if (len < STREAM_HDR_LEN)
		return 0;
	flen = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	       (uint32_t)buf[2] << 8 | (uint32_t)buf[3];
	if (flen == 0 || flen > DEVICE_MAX_FRAME)
		return -EPROTO;
	if (len - STREAM_HDR_LEN < flen)
		return 0;
	*frame_off = STREAM_HDR_LEN;
	*frame_len = flen;
	return 1;
}

void stream_frame_header(uint8_t hdr[STREAM_HDR_LEN], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

/* --- spec ---------------------------------------------------------------- */

static int stream_listen_check(const char *arg, char *err, size_t errlen)
{
	return device_unix_path_check("stream", arg, err, errlen);
}

static int stream_connect_check(const char *arg, char *err, size_t errlen)
{
	return device_unix_path_check("stream-connect", arg, err, errlen);
}

static int stream_alloc(struct device *dev, char *err, size_t errlen)
{
	dev->rxcap = DEVICE_STREAM_RXBUF;
	dev->rxbuf = malloc(dev->rxcap);
	dev->ocap = DEVICE_STREAM_OBUF;
	dev->obuf = malloc(dev->ocap);
	if (!dev->rxbuf || !dev->obuf) {
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	return 0;
}

/* --- the connection ------------------------------------------------------ */

static void stream_set_events(struct device *dev)
{
	device_io_events(dev, UV_READABLE | UV_DISCONNECT |
			 (dev->oblocked ? UV_WRITABLE : 0));
}

/* Adopts a connected socket as the VM's connection. */
static void stream_attach(struct device *dev, int fd)
{
	int r;

	dev->rxlen = 0;
	dev->ohead = 0;
	dev->olen = 0;
	dev->oblocked = false;
	r = device_io_start(dev, fd, UV_READABLE | UV_DISCONNECT);
	if (r < 0) {
		log_err("%s: cannot watch the connection: %s", dev->spec, uv_strerror(r));
		return;
	}
	dev->st.connects++;
	log_info("%s: VM connected", dev->spec);
	device_link(dev, true);
}

/* The VM went away or broke the framing: close, report, wait for the next. */
static void stream_drop(struct device *dev, const char *why)
{
	log_info("%s: VM disconnected (%s)", dev->spec, why);
	device_listen_pause(dev); /* resumed in stream_listen_io_closed() */
	device_io_release(dev);
	dev->rxlen = 0;
	dev->olen = 0;
	dev->ohead = 0;
	dev->oblocked = false;
	device_flush_disarm(dev);
	device_link(dev, false);
}

/* Appends n bytes to the output ring (the caller checked the room). */
static void stream_oput(struct device *dev, const uint8_t *p, size_t n)
{
	size_t tail = (dev->ohead + dev->olen) % dev->ocap;
	size_t first = n < dev->ocap - tail ? n : dev->ocap - tail;

	memcpy(dev->obuf + tail, p, first);
	memcpy(dev->obuf, p + first, n - first);
	dev->olen += n;
}

/* Fills v with the ring's bytes (one or two pieces); returns the count. */
static int stream_oring_iov(struct device *dev, struct iovec *v)
{
	size_t first = dev->ocap - dev->ohead;

	if (!dev->olen)
		return 0;
	if (first > dev->olen)
		first = dev->olen;
	v[0].iov_base = dev->obuf + dev->ohead;
	v[0].iov_len = first;
	if (first == dev->olen)
		return 1;
	v[1].iov_base = dev->obuf;
	v[1].iov_len = dev->olen - first;
	return 2;
}

/* n bytes of the ring went out. */
static void stream_oconsume(struct device *dev, size_t n)
{
	dev->ohead = (dev->ohead + n) % dev->ocap;
	dev->olen -= n;
	if (dev->olen == 0)
		dev->ohead = 0;
}

/* sendmsg() without blocking or SIGPIPE: bytes sent, 0 when the socket is
 * full (oblocked set), or -errno. */
static ssize_t stream_sendmsg(struct device *dev, struct iovec *v, size_t cnt)
{
	struct msghdr m = { .msg_iov = v, .msg_iovlen = cnt };
	ssize_t n;

	do {
		n = sendmsg(dev->io_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		dev->oblocked = true;
		return 0;
	}
	return -errno;
}

/* Writes as much of the output ring as the socket takes. 0 or -errno. */
static int stream_flush(struct device *dev)
{
	struct iovec v[2];
	ssize_t n;
	int cnt;

	dev->oblocked = false;
	while (dev->olen && !dev->oblocked) {
		cnt = stream_oring_iov(dev, v);
		n = stream_sendmsg(dev, v, (size_t)cnt);
		if (n < 0)
			return (int)n;
		stream_oconsume(dev, (size_t)n);
	}
	if (!dev->olen || dev->oblocked)
		device_flush_disarm(dev);
	stream_set_events(dev);
	return 0;
}

/* ops->flush: the loop's next turn after a frame was queued. */
static void stream_oflush(struct device *dev)
{
	int r;

	if (!dev->io_init || dev->io_closing)
		return;
	r = stream_flush(dev);
	if (r < 0) /* the read side notices the hang-up too; drop now */
		stream_drop(dev, strerror(-r));
}

/* Sends the ring at the loop's next turn (unless waiting for writable). */
static void stream_flush_later(struct device *dev)
{
	if (!dev->oblocked)
		device_flush_arm(dev);
}

/* Reads and delivers; returns a reason when the connection must go. */
static const char *stream_read(struct device *dev, unsigned int *framesp)
{
	unsigned int frames = 0;
	const char *why = NULL;
	size_t off, foff, flen;
	ssize_t n;
	int r;

	for (;;) {
		off = 0;
		while ((r = stream_frame_parse(dev->rxbuf + off, dev->rxlen - off,
					       &foff, &flen)) == 1) {
			device_deliver(dev, dev->rxbuf + off + foff, flen);
			frames++;
			off += foff + flen;
			if (dev->closing)
				goto out;
		}
		if (r < 0) {
			dev->st.rx_errors++;
			why = "bad frame length";
			goto out;
		}
		if (off) {
			memmove(dev->rxbuf, dev->rxbuf + off, dev->rxlen - off);
			dev->rxlen -= off;
		}
		if (frames >= DEVICE_BATCH)
			break; /* level-triggered poll brings us back */
		if (device_rx_throttled(dev))
			break; /* the bandwidth group's timer brings us back */
		n = recv(dev->io_fd, dev->rxbuf + dev->rxlen, dev->rxcap - dev->rxlen,
			 MSG_DONTWAIT);
		if (n > 0) {
			dev->rxlen += (size_t)n;
			continue;
		}
		if (n == 0) {
			why = "end of stream";
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == ECONNRESET) {
			/* the VM closed with natd's frames unread: a hang-up
			 * (see stream_poll_error()) */
			why = "end of stream";
			break;
		}
		why = strerror(errno);
		dev->st.rx_errors++;
		break;
	}
out:
	*framesp = frames;
	return why;
}

/*
 * libuv reports POLLERR as UV_EBADF and stops watching the fd. On a UNIX
 * stream socket POLLERR means the socket has a pending error, and the usual
 * one is ECONNRESET: the VM closed its end while frames natd had sent were
 * still unread in it, which is how a VM that quits normally often leaves
 * (QEMU does not drain its socket first). So the pending error is read,
 * what the VM sent before closing is delivered, and a reset is reported as
 * the end of the stream it is; another error is reported by its name.
 */
static void stream_poll_error(struct device *dev)
{
	unsigned int frames = 0;
	socklen_t sl = sizeof(int);
	const char *why;
	int e = 0;

	if (getsockopt(dev->io_fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		e = errno;
	if (e != 0 && e != ECONNRESET && e != EPIPE) {
		dev->st.rx_errors++;
		stream_drop(dev, strerror(e));
		return;
	}
	why = stream_read(dev, &frames);
	if (dev->closing)
		return;
	if (frames && dev->h.batch_end)
		dev->h.batch_end(dev->h.opaque);
	if (dev->closing || !dev->io_init || dev->io_closing)
		return;
	/* libuv no longer watches the fd: the connection ends here either way. */
	stream_drop(dev, why ? why : e ? "end of stream" : "poll error");
}

static void stream_io(struct device *dev, int status, int events)
{
	unsigned int frames = 0;
	const char *why = NULL;
	int r;

	if (status < 0) {
		stream_poll_error(dev);
		return;
	}
	if (events & UV_WRITABLE) {
		r = stream_flush(dev);
		if (r < 0) {
			stream_drop(dev, strerror(-r));
			return;
		}
	}
	if (events & (UV_READABLE | UV_DISCONNECT))
		why = stream_read(dev, &frames);
	if (dev->closing)
		return;
	if (frames && dev->h.batch_end)
		dev->h.batch_end(dev->h.opaque);
	if (why && !dev->closing && dev->io_init && !dev->io_closing)
		stream_drop(dev, why);
}

/* Frames up to this size (header included) are copied into the ring and sent
 * together at the loop's next turn; larger ones are sent at once, by gather. */
#define STREAM_COPY_MAX 4096u

static int stream_send(struct device *dev, const struct iovec *iov, int iovcnt,
		       size_t len)
{
	struct iovec v[DEVICE_IOV_MAX + 3];
	uint8_t hdr[STREAM_HDR_LEN];
	size_t total = STREAM_HDR_LEN + len, skip, queued;
	ssize_t n;
	int i, cnt, r;

	if (!dev->io_init || dev->io_closing)
		return -ENOTCONN;
	if (dev->ocap - dev->olen < total && !dev->oblocked) {
		r = stream_flush(dev); /* make room if the socket takes it */
		if (r < 0)
			goto broken;
	}
	if (dev->ocap - dev->olen < total)
		return -EAGAIN; /* an empty ring always has room for one frame */
	stream_frame_header(hdr, (uint32_t)len);
	if (dev->oblocked || total <= STREAM_COPY_MAX) {
		stream_oput(dev, hdr, sizeof(hdr));
		for (i = 0; i < iovcnt; i++)
			stream_oput(dev, iov[i].iov_base, iov[i].iov_len);
		stream_flush_later(dev);
		return 0;
	}
	/* A large frame and a writable socket: ring and frame in one call. */
	cnt = stream_oring_iov(dev, v);
	queued = dev->olen;
	v[cnt].iov_base = hdr;
	v[cnt].iov_len = sizeof(hdr);
	for (i = 0; i < iovcnt; i++)
		v[cnt + 1 + i] = iov[i];
	n = stream_sendmsg(dev, v, (size_t)(cnt + 1 + iovcnt));
	if (n < 0) {
		r = (int)n;
		goto broken;
	}
	if ((size_t)n < queued) {
		stream_oconsume(dev, (size_t)n);
		skip = 0;
	} else {
		stream_oconsume(dev, queued);
		skip = (size_t)n - queued;
	}
	if (skip < total) {
		/* The socket is full: queue the rest of this frame (room checked). */
		dev->oblocked = true;
		for (i = cnt; i < cnt + 1 + iovcnt; i++) {
			if (skip >= v[i].iov_len) {
				skip -= v[i].iov_len;
				continue;
			}
			stream_oput(dev, (const uint8_t *)v[i].iov_base + skip,
				    v[i].iov_len - skip);
			skip = 0;
		}
	}
	if (!dev->olen || dev->oblocked)
		device_flush_disarm(dev);
	stream_set_events(dev);
	return 0;
broken:
	/* The read side notices the hang-up and drops the VM. */
	log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: send: %s", dev->spec,
			strerror(-r));
	return -ENOTCONN;
}

/* device_close(): sends what the ring holds if the socket takes it now
 * (device.c closes the flush handle). */
static void stream_close(struct device *dev)
{
	if (dev->io_init && !dev->io_closing && dev->olen && !dev->oblocked)
		(void)stream_flush(dev);
}

/* --- stream: listen ------------------------------------------------------ */

static int stream_listen_open(struct device *dev, const char *path, char *err,
			      size_t errlen)
{
	int r = stream_alloc(dev, err, errlen);

	return r < 0 ? r : device_unix_listen(dev, path, err, errlen);
}

static void stream_listen_ready(struct device *dev, int status)
{
	int fd;

	if (status < 0) {
		log_ratelimited(&dev->rl, LOG_LVL_ERR, "%s: poll: %s", dev->spec,
				uv_strerror(status));
		return;
	}
	/* the link callback may close the device: device_unix_accept() checks */
	while ((fd = device_unix_accept(dev)) >= 0)
		stream_attach(dev, fd);
}

static void stream_listen_timer(struct device *dev)
{
	(void)dev; /* link goes up on accept */
}

static void stream_listen_io_closed(struct device *dev)
{
	if (dev->listen_init)
		device_listen_resume(dev);
}

static void stream_listen_close(struct device *dev)
{
	stream_close(dev);
	device_unix_unlink(dev, dev->arg);
}

/* --- stream-connect ------------------------------------------------------ */

static int stream_connect_open(struct device *dev, const char *path, char *err,
			       size_t errlen)
{
	(void)path;
	return stream_alloc(dev, err, errlen); /* first attempt from the timer */
}

static void stream_connect_timer(struct device *dev)
{
	struct sockaddr_un sa;
	socklen_t sl = device_unix_addr(dev->arg, &sa);
	int fd, e;

	if (dev->io_init)
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		goto retry;
	}
	if (connect(fd, (struct sockaddr *)&sa, sl) == 0) {
		dev->retry_logged = false;
		stream_attach(dev, fd);
		if (!dev->io_init)
			device_timer_arm(dev, 1000);
		return;
	}
	e = errno;
	close(fd);
retry:
	if (!dev->retry_logged)
		log_warn("%s: connect: %s; retrying every second", dev->spec, strerror(e));
	dev->retry_logged = true;
	device_timer_arm(dev, 1000);
}

static void stream_connect_io_closed(struct device *dev)
{
	device_timer_arm(dev, 1000);
}

/* --- stream-fd: an accepted connection ----------------------------------- */

/*
 * "stream-fd:N": a connected UNIX stream socket natd already holds (the
 * NAT-network switch's accepted ports), QEMU framing. Link up at start, down
 * for good when the peer goes away; the owner then closes the device.
 */
static int stream_fd_check(const char *arg, char *err, size_t errlen)
{
	char *end;
	long fd;

	errno = 0;
	fd = strtol(arg, &end, 10);
	if (!*arg || *end || errno || fd < 0 || fd > INT32_MAX) {
		device_seterr(err, errlen, "stream-fd: '%s' is not a file descriptor number", arg);
		return -EINVAL;
	}
	return 0;
}

/* The device owns fd from here on, whether opening succeeds or not. */
static int stream_fd_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	int fd = (int)strtol(arg, NULL, 10), type = 0, fl, r;
	socklen_t sl = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0 || type != SOCK_STREAM) {
		device_seterr(err, errlen, "%s: not a stream socket", dev->spec);
		r = -ENOTSOCK;
		goto fail;
	}
	r = stream_alloc(dev, err, errlen);
	if (r < 0)
		goto fail;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: fcntl: %s", dev->spec, strerror(errno));
		goto fail;
	}
	dev->io_fd = fd;
	dev->io_events = UV_READABLE | UV_DISCONNECT;
	return 0;
fail:
	close(fd);
	return r;
}

static void stream_fd_timer(struct device *dev)
{
	if (!dev->io_init || dev->io_closing)
		return;
	dev->st.connects++;
	device_link(dev, true);
}

const struct device_ops stream_fd_ops = {
	.type = "stream-fd",
	.check = stream_fd_check,
	.open = stream_fd_open,
	.timer = stream_fd_timer,
	.io = stream_io,
	.send = stream_send,
	.flush = stream_oflush,
	.close = stream_close,
};

const struct device_ops stream_listen_ops = {
	.type = "stream",
	.check = stream_listen_check,
	.open = stream_listen_open,
	.timer = stream_listen_timer,
	.io = stream_io,
	.listen = stream_listen_ready,
	.io_closed = stream_listen_io_closed,
	.send = stream_send,
	.flush = stream_oflush,
	.close = stream_listen_close,
};

const struct device_ops stream_connect_ops = {
	.type = "stream-connect",
	.check = stream_connect_check,
	.open = stream_connect_open,
	.timer = stream_connect_timer,
	.io = stream_io,
	.send = stream_send,
	.io_closed = stream_connect_io_closed,
	.flush = stream_oflush,
	.close = stream_close,
};
