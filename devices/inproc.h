/* SPDX-License-Identifier: MIT */
/*
 * inproc.h - the far end of an "inproc:NAME" device: a frame transport
 * inside natd's own process, where frames are passed by function call.
 *
 * Whoever offers an endpoint (a host port of the switch, l2/switch.c)
 * registers it under a name; a NIC opened with --attach-style spec
 * "inproc:NAME" (forwarders/nic.c through device_open()) then exchanges frames
 * with it: what the NIC sends with device_send() arrives at the endpoint's
 * handler, and what the endpoint sends with inproc_endpoint_send() is
 * delivered to the NIC as a frame from its "VM". Both directions are
 * synchronous calls on the loop's thread; a frame is only valid during the
 * call. At most one device attaches to an endpoint.
 */
#ifndef NATD_INPROC_H
#define NATD_INPROC_H

#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"

#define INPROC_NAME_MAX 64

struct inproc_endpoint;

/*
 * Registers endpoint name. h->frame receives the frames the attached device
 * sends; h->link(true/false) reports a device attaching or going away.
 * Returns 0, -EEXIST when the name is taken, -EINVAL, -ENOMEM.
 */
int inproc_endpoint_add(const char *name, const struct device_handler *h,
			struct inproc_endpoint **out);

/* Unregisters; an attached device sees its link go down and gets no more
 * frames. */
void inproc_endpoint_remove(struct inproc_endpoint *ep);

/* Delivers one frame to the attached device's handler; while the handler
 * runs, device_rx_port() tells it `port` (where the frame came from, e.g. a
 * switch port's tag; nonzero). 0, or -ENOTCONN when no device is attached. */
int inproc_endpoint_send(struct inproc_endpoint *ep, const uint8_t *frame, size_t len,
			 uint32_t port);

/* Tells the attached device that a batch of frames ended (its batch_end). */
void inproc_endpoint_batch_end(struct inproc_endpoint *ep);

#endif
