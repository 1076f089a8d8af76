/* SPDX-License-Identifier: MIT */
/*
 * inproc.c - the "inproc:NAME" backend (see inproc.h): a device whose other
 * end is a function in the same process rather than a file descriptor.
 *
 * Endpoints live in one list (a process has one or two). The device keeps
 * its endpoint in dev->priv and the endpoint its device in ep->dev; whichever
 * goes first clears the other's pointer. The device reports link up from its
 * start timer, as tap and fd do, once it is attached. Frames sent in pieces
 * (an lwIP pbuf chain) are flattened into the device's buffer, allocated
 * once at open, so the endpoint always sees one contiguous frame.
 */
#include "devices/device_internal.h"
#include "devices/inproc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct inproc_endpoint {
	struct inproc_endpoint *next;
	struct device_handler h;
	struct device *dev;
	char name[INPROC_NAME_MAX];
};

static struct inproc_endpoint *inproc_list;

static struct inproc_endpoint *inproc_find(const char *name)
{
	for (struct inproc_endpoint *ep = inproc_list; ep; ep = ep->next)
		if (!strcmp(ep->name, name))
			return ep;
	return NULL;
}

int inproc_endpoint_add(const char *name, const struct device_handler *h,
			struct inproc_endpoint **out)
{
	struct inproc_endpoint *ep;

	if (!name || !*name || strlen(name) >= INPROC_NAME_MAX || !h || !h->frame)
		return -EINVAL;
	if (inproc_find(name))
		return -EEXIST;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	memcpy(ep->name, name, strlen(name) + 1);
	ep->h = *h;
	ep->next = inproc_list;
	inproc_list = ep;
	*out = ep;
	return 0;
}

void inproc_endpoint_remove(struct inproc_endpoint *ep)
{
	struct inproc_endpoint **pp;

	if (!ep)
		return;
	for (pp = &inproc_list; *pp; pp = &(*pp)->next)
		if (*pp == ep) {
			*pp = ep->next;
			break;
		}
	if (ep->dev) {
		struct device *dev = ep->dev;

		dev->priv = NULL;
		ep->dev = NULL;
		device_link(dev, false);
	}
	free(ep);
}

int inproc_endpoint_send(struct inproc_endpoint *ep, const uint8_t *frame, size_t len,
			 uint32_t port)
{
	struct device *dev = ep->dev;

	if (!dev || !dev->connected || dev->closing)
		return -ENOTCONN;
	dev->rx_port = port;
	device_deliver(dev, frame, len);
	dev->rx_port = 0; /* dev may be closing now, but is not freed before the loop turns */
	return 0;
}

void inproc_endpoint_batch_end(struct inproc_endpoint *ep)
{
	struct device *dev = ep->dev;

	if (dev && dev->connected && !dev->closing && dev->h.batch_end)
		dev->h.batch_end(dev->h.opaque);
}

/* --- the device side ------------------------------------------------------ */

static int inproc_check(const char *arg, char *err, size_t errlen)
{
	if (!*arg) {
		device_seterr(err, errlen, "inproc: missing endpoint name");
		return -EINVAL;
	}
	if (strlen(arg) >= INPROC_NAME_MAX) {
		device_seterr(err, errlen, "inproc: endpoint name longer than %d bytes",
			      INPROC_NAME_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

static int inproc_open(struct device *dev, const char *arg, char *err, size_t errlen)
{
	struct inproc_endpoint *ep = inproc_find(arg);

	if (!ep) {
		device_seterr(err, errlen, "%s: no such in-process endpoint", dev->spec);
		return -ENOENT;
	}
	if (ep->dev) {
		device_seterr(err, errlen, "%s: endpoint already has a device", dev->spec);
		return -EBUSY;
	}
	dev->rxcap = DEVICE_MAX_FRAME;
	dev->rxbuf = malloc(dev->rxcap);
	if (!dev->rxbuf) {
		device_seterr(err, errlen, "%s: out of memory", dev->spec);
		return -ENOMEM;
	}
	ep->dev = dev;
	dev->priv = ep;
	return 0;
}

static void inproc_timer(struct device *dev)
{
	struct inproc_endpoint *ep = dev->priv;

	if (!ep)
		return;
	device_link(dev, true);
	if (ep->h.link)
		ep->h.link(ep->h.opaque, true);
}

static void inproc_io(struct device *dev, int status, int events)
{
	(void)dev;
	(void)status;
	(void)events; /* no file descriptor */
}

static int inproc_send(struct device *dev, const struct iovec *iov, int iovcnt, size_t len)
{
	struct inproc_endpoint *ep = dev->priv;
	const uint8_t *frame;
	size_t off = 0;

	if (!ep)
		return -ENOTCONN;
	if (iovcnt == 1) {
		frame = iov[0].iov_base;
	} else {
		for (int i = 0; i < iovcnt; i++) {
			memcpy(dev->rxbuf + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		frame = dev->rxbuf;
	}
	ep->h.frame(ep->h.opaque, frame, len);
	return 0;
}

static void inproc_close(struct device *dev)
{
	struct inproc_endpoint *ep = dev->priv;

	if (!ep)
		return;
	ep->dev = NULL;
	dev->priv = NULL;
	if (ep->h.link)
		ep->h.link(ep->h.opaque, false);
}

const struct device_ops inproc_ops = {
	.type = "inproc",
	.check = inproc_check,
	.open = inproc_open,
	.timer = inproc_timer,
	.io = inproc_io,
	.send = inproc_send,
	.close = inproc_close,
};
