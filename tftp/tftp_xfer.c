/* SPDX-License-Identifier: MIT */
/*
 * tftp_xfer.c - the state machine of one TFTP read transfer (see
 * tftp_server.h): blocks read with pread() and sent in windows, ACKs, the
 * OACK, retransmission, netascii.
 *
 * Theory of operation: the window
 * -------------------------------
 * Blocks are numbered from 1 with a 64-bit counter; the wire carries its low
 * 16 bits, so files of more than 65535 blocks roll over to block 0, as
 * tftp-hpa, atftp, iPXE and U-Boot expect. A transfer keeps
 *   acked  the highest block the client acknowledged (0 at the start),
 *   sent   the highest block sent so far (acked <= sent <= acked + window),
 *   last   the final block (shorter than blksize, possibly empty), once read.
 * It sends the blocks acked+1 .. acked+windowsize at once (RFC 7440; window 1
 * is plain RFC 1350 lock-step) and waits. An ACK of a block in (acked, sent]
 * moves acked there and sends the next window from acked+1, which also
 * resends whatever the client missed after a gap. An ACK of `acked` itself
 * is a duplicate and is ignored: answering duplicates is what doubles every
 * packet in the Sorcerer's Apprentice bug (RFC 1123 4.2.3.1). Only the timer
 * retransmits: the window from acked+1, after TFTP_RTO_MS (or the timeout
 * the client asked for), doubling up to TFTP_RTO_CAP_MS; after
 * TFTP_MAX_RETRIES unanswered retransmissions the transfer fails.
 *
 * A block is never kept: it is read again with pread() when it has to be
 * resent. Octet block n is the file's bytes from (n-1)*blksize. In netascii
 * (LF sent as CR LF, CR as CR NUL) a block does not map to a fixed file
 * offset, so the transfer remembers, for each block of the window and the
 * one after it, the file offset it starts at and the half of a CR LF / CR NUL
 * pair that did not fit into the block before.
 *
 * With options, the transfer opens with an OACK and waits for ACK 0 (an
 * ERROR 8 from the client ends it); the OACK is retransmitted like a block.
 */
#include "tftp/tftp_server.h"
#include "tftp/tftp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- transfers ------------------------------------------------------------ */

#define NA_RING (TFTP_WINDOW_MAX + 1)

struct na_state {
	uint64_t off;   /* file offset where the block's fresh bytes start */
	int pend;       /* second half of a CR pair owed from the block before, or -1 */
};

struct tftp_xfer {
	int fd;
	struct tftp_params p;
	tftp_send_fn send;
	void *opaque;
	enum tftp_xfer_status status;
	bool oack_pending;
	uint64_t acked, sent, last;
	size_t last_len;
	unsigned retries;
	uint64_t deadline;
	struct tftp_xfer_stats st;
	struct na_state na[NA_RING];  /* netascii: indexed by block % NA_RING */
};

/* Packets are built here and handed to send(), which copies them. */
static uint8_t xfer_pkt[TFTP_PKT_MAX];
static uint8_t xfer_raw[TFTP_BLKSIZE_MAX];

static ssize_t read_full(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	if (off > (uint64_t)INT64_MAX - n)
		return 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Builds DATA block n into xfer_pkt. Returns the payload length or -errno. */
static ssize_t xfer_block(struct tftp_xfer *x, uint64_t n)
{
	uint8_t *d = xfer_pkt + 4;
	size_t bs = x->p.blksize;
	ssize_t len;

	xfer_pkt[0] = 0;
	xfer_pkt[1] = TFTP_DATA;
	xfer_pkt[2] = (uint8_t)(n >> 8);
	xfer_pkt[3] = (uint8_t)n;
	if (x->p.mode == TFTP_MODE_OCTET) {
		len = read_full(x->fd, d, bs, (n - 1) * bs);
	} else {
		struct na_state s = x->na[n % NA_RING];
		size_t o = 0;

		if (s.pend >= 0) {
			d[o++] = (uint8_t)s.pend;
			s.pend = -1;
		}
		while (o < bs) {
			ssize_t r = read_full(x->fd, xfer_raw, bs - o, s.off);
			ssize_t i;

			if (r <= 0) {
				if (r < 0)
					return r;
				break;
			}
			for (i = 0; i < r && o < bs; i++) {
				uint8_t c = xfer_raw[i];

				if (c != '\n' && c != '\r') {
					d[o++] = c;
					continue;
				}
				d[o++] = '\r';
				if (o < bs)
					d[o++] = c == '\n' ? '\n' : '\0';
				else
					s.pend = c == '\n' ? '\n' : '\0';
			}
			s.off += (uint64_t)i;
		}
		x->na[(n + 1) % NA_RING] = s;
		len = (ssize_t)o;
	}
	if (len >= 0 && (size_t)len < bs && x->last == 0) {
		x->last = n;
		x->last_len = (size_t)len;
	}
	return len;
}

static uint64_t xfer_rto(const struct tftp_xfer *x)
{
	uint64_t base = x->p.timeout_ms, cap = base > TFTP_RTO_CAP_MS ? base : TFTP_RTO_CAP_MS;
	uint64_t r = base;

	for (unsigned i = 0; i < x->retries && r < cap; i++)
		r *= 2;
	return r < cap ? r : cap;
}

static enum tftp_xfer_status xfer_fail(struct tftp_xfer *x, const char *why,
				       const char *errmsg)
{
	if (errmsg) {
		int n = tftp_build_error(TFTP_EUNDEF, errmsg, xfer_pkt, sizeof(xfer_pkt));

		if (n > 0)
			x->send(x->opaque, xfer_pkt, (size_t)n);
	}
	x->st.why = why;
	x->status = TFTP_XFER_FAILED;
	return x->status;
}

/* Sends blocks acked+1 .. acked+windowsize (up to the last one). */
static enum tftp_xfer_status xfer_send_window(struct tftp_xfer *x, uint64_t now)
{
	uint64_t end = x->acked + x->p.windowsize;

	for (uint64_t n = x->acked + 1; n <= end; n++) {
		ssize_t len;

		if (x->last && n > x->last)
			break;
		len = xfer_block(x, n);
		if (len < 0)
			return xfer_fail(x, "read error", "read error");
		if (n <= x->sent)
			x->st.retransmits++;
		else
			x->sent = n;
		x->st.blocks_sent++;
		x->st.bytes_sent += (uint64_t)len;
		x->send(x->opaque, xfer_pkt, 4 + (size_t)len);
	}
	x->deadline = now + xfer_rto(x);
	return x->status;
}

static void xfer_send_oack(struct tftp_xfer *x, uint64_t now)
{
	int n = tftp_build_oack(&x->p, xfer_pkt, sizeof(xfer_pkt));

	if (n > 0)
		x->send(x->opaque, xfer_pkt, (size_t)n);
	x->deadline = now + xfer_rto(x);
}

struct tftp_xfer *tftp_xfer_new(int fd, const struct tftp_params *p, tftp_send_fn send,
				void *opaque)
{
	struct tftp_xfer *x = calloc(1, sizeof(*x));

	if (!x) {
		close(fd);
		return NULL;
	}
	x->fd = fd;
	x->p = *p;
	if (x->p.blksize < TFTP_BLKSIZE_MIN)
		x->p.blksize = TFTP_BLKSIZE_MIN;
	if (x->p.windowsize < 1)
		x->p.windowsize = 1;
	if (x->p.windowsize > TFTP_WINDOW_MAX)
		x->p.windowsize = TFTP_WINDOW_MAX;
	if (x->p.timeout_ms == 0)
		x->p.timeout_ms = TFTP_RTO_MS;
	x->send = send;
	x->opaque = opaque;
	x->status = TFTP_XFER_RUNNING;
	x->na[1 % NA_RING] = (struct na_state){ 0, -1 };
	return x;
}

enum tftp_xfer_status tftp_xfer_start(struct tftp_xfer *x, uint64_t now_ms)
{
	if (x->p.oack) {
		x->oack_pending = true;
		xfer_send_oack(x, now_ms);
		return x->status;
	}
	return xfer_send_window(x, now_ms);
}

enum tftp_xfer_status tftp_xfer_input(struct tftp_xfer *x, const uint8_t *pkt, size_t len,
				      uint64_t now_ms)
{
	uint16_t op, w, d;

	if (x->status != TFTP_XFER_RUNNING || len < 4)
		return x->status;
	op = (uint16_t)(pkt[0] << 8 | pkt[1]);
	w = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if (op == TFTP_ERROR) {
		char msg[80];

		tftp_copy_printable(msg, sizeof(msg), pkt + 4, len - 4);
		snprintf(x->st.client_err, sizeof(x->st.client_err), "%u \"%s\"", w, msg);
		x->st.why = w == TFTP_EOPTNEG ? "the client refused the options" :
			    "the client sent an error";
		x->st.ended_at_oack = x->oack_pending;
		x->status = TFTP_XFER_FAILED;
		return x->status;
	}
	if (op != TFTP_ACK)
		return x->status; /* not ours to answer */
	if (x->oack_pending) {
		if (w != 0)
			return x->status;
		x->oack_pending = false;
		x->retries = 0;
		return xfer_send_window(x, now_ms);
	}
	/* Which block in [acked, sent] has these low 16 bits? */
	d = (uint16_t)(w - (uint16_t)x->acked);
	if (d > x->sent - x->acked)
		return x->status; /* stale or bogus */
	if (d == 0) {
		x->st.dup_acks++;
		return x->status; /* duplicate: never answered (Sorcerer's Apprentice) */
	}
	x->acked += d;
	x->retries = 0;
	if (x->last && x->acked >= x->last) {
		x->st.bytes_acked = (x->last - 1) * x->p.blksize + x->last_len;
		x->status = TFTP_XFER_DONE;
		return x->status;
	}
	x->st.bytes_acked = x->acked * x->p.blksize;
	return xfer_send_window(x, now_ms);
}

enum tftp_xfer_status tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now_ms)
{
	if (x->status != TFTP_XFER_RUNNING || now_ms < x->deadline)
		return x->status;
	if (x->retries >= TFTP_MAX_RETRIES)
		return xfer_fail(x, "timed out waiting for the client", "timed out");
	x->retries++;
	if (x->oack_pending) {
		xfer_send_oack(x, now_ms);
		return x->status;
	}
	return xfer_send_window(x, now_ms);
}

uint64_t tftp_xfer_deadline(const struct tftp_xfer *x)
{
	return x->deadline;
}

void tftp_xfer_get_stats(const struct tftp_xfer *x, struct tftp_xfer_stats *s)
{
	*s = x->st;
}

void tftp_xfer_free(struct tftp_xfer *x)
{
	if (!x)
		return;
	close(x->fd);
	free(x);
}
