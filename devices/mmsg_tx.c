/* SPDX-License-Identifier: MIT */
/*
 * mmsg_tx.c - a batch of frames sent with sendmmsg() (see mmsg_tx.h).
 */
#include "devices/mmsg_tx.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "devices/device_internal.h"

void mmsg_tx_init(struct mmsg_tx *t, unsigned batch, uint8_t *buf, size_t cap,
		  const void *name, socklen_t namelen, int flags)
{
	assert(batch > 0 && batch <= MMSG_TX_MAX);
	memset(t, 0, sizeof(*t));
	t->batch = batch;
	t->buf = buf;
	t->cap = cap;
	t->name = name;
	t->namelen = namelen;
	t->flags = flags;
}

bool mmsg_tx_full(const struct mmsg_tx *t, size_t len)
{
	return t->n == t->batch || t->len + len > t->cap;
}

void mmsg_tx_add(struct mmsg_tx *t, const struct iovec *iov, int iovcnt, size_t len)
{
	uint8_t *dst = t->buf + t->len;

	assert(!mmsg_tx_full(t, len));
	for (int i = 0; i < iovcnt; i++) {
		memcpy(dst, iov[i].iov_base, iov[i].iov_len);
		dst += iov[i].iov_len;
	}
	t->iov[t->n] = (struct iovec){ t->buf + t->len, len };
	t->msg[t->n] = (struct mmsghdr){ .msg_hdr = {
		.msg_name = (void *)(uintptr_t)t->name, .msg_namelen = t->namelen,
		.msg_iov = &t->iov[t->n], .msg_iovlen = 1 } };
	t->n++;
	t->len += len;
}

/* A frame that did not leave after all: counted as dropped, not sent. */
static void mmsg_tx_unsend(struct mmsg_tx *t, struct device *dev, size_t len)
{
	len -= t->prefix;
	dev->st.tx_frames--;
	dev->st.tx_bytes -= len;
	dev->st.tx_dropped++;
}

void mmsg_tx_flush(struct mmsg_tx *t, struct device *dev,
		   void (*fail)(struct device *dev, int err, size_t len))
{
	unsigned done = 0;

	while (done < t->n) {
		int n;

		if (!dev->io_init || dev->io_closing) {
			for (; done < t->n; done++)
				mmsg_tx_unsend(t, dev, t->iov[done].iov_len);
			break;
		}
		n = sendmmsg(dev->io_fd, t->msg + done, t->n - done, t->flags | MSG_DONTWAIT);
		dev->st.tx_calls++;
		if (n > 0) {
			done += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			/* The socket is full: the rest is dropped, as a NIC would. */
			for (; done < t->n; done++)
				mmsg_tx_unsend(t, dev, t->iov[done].iov_len);
			break;
		}
		/* This frame fails: skip it, the rest goes on. */
		if (fail)
			fail(dev, n < 0 ? errno : 0, t->iov[done].iov_len - t->prefix);
		mmsg_tx_unsend(t, dev, t->iov[done].iov_len);
		done++;
	}
	t->n = 0;
	t->len = 0;
}
