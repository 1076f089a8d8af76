/* SPDX-License-Identifier: MIT */
/*
 * mmsg_tx.h - one sendmmsg() batch of frames, shared by the transports that
 * queue the frames of one turn of the loop and send them together at the
 * next (dgram.c, packet.c).
 *
 * Frames are copied into the caller's buffer as they are queued
 * (mmsg_tx_add()), so the caller's own buffers are free again at once; the
 * batch leaves with as few sendmmsg() calls as the socket takes
 * (mmsg_tx_flush()). A frame that does not leave after all is counted as
 * dropped (tx_dropped, and taken back out of tx_frames/tx_bytes): all the
 * rest of the batch when the socket is full (EAGAIN, ENOBUFS: as a NIC
 * would), or that one frame when the kernel refuses it (the caller's fail
 * callback says why in its log and may act on the error), the rest going on.
 */
#ifndef NATD_MMSG_TX_H
#define NATD_MMSG_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MMSG_TX_MAX 64u

struct device;

struct mmsg_tx {
	unsigned batch;            /* frames per batch, <= MMSG_TX_MAX */
	unsigned n;                /* frames queued */
	size_t len, cap;           /* bytes queued in buf, its size */
	uint8_t *buf;              /* the caller's */
	const void *name;          /* every frame's destination (NULL: connected) */
	socklen_t namelen;
	int flags;                 /* sendmmsg() flags besides MSG_DONTWAIT */
	size_t prefix;             /* bytes before each frame (a header the
				    * device's tx_bytes do not count) */
	struct mmsghdr msg[MMSG_TX_MAX];
	struct iovec iov[MMSG_TX_MAX];
};

/* Sets t up with batch frames (<= MMSG_TX_MAX) and buf of cap bytes. */
void mmsg_tx_init(struct mmsg_tx *t, unsigned batch, uint8_t *buf, size_t cap,
		  const void *name, socklen_t namelen, int flags);

/* True when a frame of len bytes does not fit in what is queued: flush first. */
bool mmsg_tx_full(const struct mmsg_tx *t, size_t len);

/* Copies the frame of len bytes (with its header, if the caller has one:
 * t->prefix bytes of it, the first of iov) (iov[0..iovcnt)) into the batch, which has
 * room for it (!mmsg_tx_full(); len <= cap). */
void mmsg_tx_add(struct mmsg_tx *t, const struct iovec *iov, int iovcnt, size_t len);

/*
 * Sends the batch on dev->io_fd (all of it dropped and counted when the
 * device's fd is closing or gone). fail(dev, err, len) is called for a
 * frame the kernel refused with errno err (not for a full socket), before
 * it is counted; it may be NULL. The batch is empty afterwards.
 */
void mmsg_tx_flush(struct mmsg_tx *t, struct device *dev,
		   void (*fail)(struct device *dev, int err, size_t len));

#endif
