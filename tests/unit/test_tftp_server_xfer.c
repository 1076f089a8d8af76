/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_server_xfer.c - unit tests of tftp/tftp_server.c's transfers,
 * whole ones driven by a client written here that checks every packet it is
 * sent: lock-step, windows, gaps, duplicate ACKs, timeouts, OACK, netascii,
 * block rollover, client errors. Files live in tftp_server_fixture.h's tree.
 */
#include "tftp/tftp_internal.h"
#include "tftp/tftp_server.h"
#include "tftp_server_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- transfers ---- */

/* The packets the transfer sent, as a client would receive them. */
struct wire {
	unsigned n;
	struct {
		uint8_t b[1600];
		size_t len;
	} pkt[200];
};

static int wire_send(void *opaque, const uint8_t *pkt, size_t len)
{
	struct wire *w = opaque;

	cr_assert_lt(w->n, 200, "too many packets at once");
	cr_assert_leq(len, sizeof(w->pkt[0].b));
	memcpy(w->pkt[w->n].b, pkt, len);
	w->pkt[w->n].len = len;
	w->n++;
	return 0;
}

static uint16_t op_of(const struct wire *w, unsigned i)
{
	return (uint16_t)(w->pkt[i].b[0] << 8 | w->pkt[i].b[1]);
}

static uint16_t block_of(const struct wire *w, unsigned i)
{
	cr_assert_eq(op_of(w, i), TFTP_DATA, "packet %u is not DATA", i);
	return (uint16_t)(w->pkt[i].b[2] << 8 | w->pkt[i].b[3]);
}

static enum tftp_xfer_status ack(struct tftp_xfer *x, uint16_t block, uint64_t now)
{
	uint8_t a[4] = { 0, TFTP_ACK, (uint8_t)(block >> 8), (uint8_t)block };

	return tftp_xfer_input(x, a, 4, now);
}

/* A file of n pseudo-random bytes in the test's directory; returns its fd. */
static int data_file(size_t n, uint8_t **content)
{
	char p[160];
	uint8_t *d = malloc(n ? n : 1);
	uint32_t s = 0x12345678;
	int fd;

	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245 + 12345;
		d[i] = (uint8_t)(s >> 16);
	}
	snprintf(p, sizeof(p), "%s/data-%zu", tmpdir, n);
	mkfile(p, d, n);
	fd = open(p, O_RDONLY);
	cr_assert_geq(fd, 0);
	*content = d;
	return fd;
}

static struct tftp_params params(uint16_t blksize, uint16_t window)
{
	struct tftp_params p = { .mode = TFTP_MODE_OCTET, .blksize = blksize,
				 .windowsize = window, .timeout_ms = TFTP_RTO_MS };
	return p;
}

/*
 * A well-behaved client: acknowledges the last block of every window and
 * writes what it received; returns the bytes received.
 */
static size_t run_client(struct tftp_xfer *x, struct wire *w, uint16_t blksize,
			 uint8_t *out, size_t cap, uint64_t *blocks)
{
	uint16_t expect = 1;
	size_t got = 0;
	enum tftp_xfer_status st = TFTP_XFER_RUNNING;
	uint64_t now = 0;

	*blocks = 0;
	while (st == TFTP_XFER_RUNNING) {
		unsigned n = w->n;
		bool last = false;

		cr_assert_gt(n, 0, "the server sent nothing");
		w->n = 0;
		for (unsigned i = 0; i < n; i++) {
			size_t len = w->pkt[i].len - 4;

			cr_assert_eq(block_of(w, i), expect, "block %u, expected %u",
				     block_of(w, i), expect);
			cr_assert_leq(len, blksize);
			cr_assert_leq(got + len, cap);
			memcpy(out + got, w->pkt[i].b + 4, len);
			got += len;
			(*blocks)++;
			last = len < blksize;
			cr_assert(!last || i == n - 1, "data after the last block");
			expect++;
		}
		st = ack(x, (uint16_t)(expect - 1), now += 1);
		if (last)
			cr_assert_eq(st, TFTP_XFER_DONE);
	}
	cr_assert_eq(w->n, 0, "nothing sent after the last ACK");
	return got;
}

static void whole_transfer(size_t size, uint16_t blksize, uint16_t window,
			   uint64_t want_blocks)
{
	static struct wire w;
	struct tftp_params p = params(blksize, window);
	struct tftp_xfer_stats st;
	struct tftp_xfer *x;
	uint8_t *content, *out = malloc(size + blksize);
	uint64_t blocks;
	int fd = data_file(size, &content);

	memset(&w, 0, sizeof(w));
	x = tftp_xfer_new(fd, &p, wire_send, &w);
	cr_assert_not_null(x);
	cr_assert_eq(tftp_xfer_start(x, 0), TFTP_XFER_RUNNING);
	cr_assert_eq(run_client(x, &w, blksize, out, size + blksize, &blocks), size);
	cr_assert_eq(memcmp(out, content, size), 0, "content differs");
	cr_assert_eq(blocks, want_blocks);
	tftp_xfer_get_stats(x, &st);
	cr_assert_eq(st.bytes_acked, size);
	cr_assert_eq(st.retransmits, 0);
	cr_assert_null(st.why);
	tftp_xfer_free(x);
	free(content);
	free(out);
}

TestSuite(tftp_xfer, .init = fs_setup, .fini = fs_teardown);

Test(tftp_xfer, lockstep_512)
{
	whole_transfer(1300, 512, 1, 3);
}

Test(tftp_xfer, multiple_of_blksize_ends_with_empty_block)
{
	whole_transfer(3 * 512, 512, 1, 4);
	whole_transfer(0, 512, 1, 1);
}

Test(tftp_xfer, windows)
{
	whole_transfer(100000, 1468, 16, 100000 / 1468 + 1);
	whole_transfer(16 * 1468, 1468, 16, 17);
	whole_transfer(5000, 100, 64, 51);
}

Test(tftp_xfer, block_numbers_roll_over_to_zero)
{
	/* 70000 blocks of 8 bytes: past 65535 the wire numbers restart at 0 */
	whole_transfer(70000 * 8 - 3, 8, 64, 70000);
	whole_transfer(70000 * 8 - 3, 8, 1, 70000);
}

Test(tftp_xfer, duplicate_ack_is_never_answered)
{
	static struct wire w;
	struct tftp_params p = params(512, 1);
	struct tftp_xfer_stats st;
	uint8_t *content;
	struct tftp_xfer *x = tftp_xfer_new(data_file(2000, &content), &p, wire_send, &w);

	memset(&w, 0, sizeof(w));
	tftp_xfer_start(x, 0);
	cr_assert_eq(w.n, 1);
	w.n = 0;
	ack(x, 1, 10);
	cr_assert_eq(w.n, 1);
	cr_assert_eq(block_of(&w, 0), 2);
	w.n = 0;
	/* the client's ACK 1 again (its own retransmission): nothing */
	cr_assert_eq(ack(x, 1, 20), TFTP_XFER_RUNNING);
	cr_assert_eq(ack(x, 1, 30), TFTP_XFER_RUNNING);
	cr_assert_eq(w.n, 0, "Sorcerer's Apprentice");
	/* an ACK from the past or the future: ignored too */
	cr_assert_eq(ack(x, 0, 40), TFTP_XFER_RUNNING);
	cr_assert_eq(ack(x, 9, 40), TFTP_XFER_RUNNING);
	cr_assert_eq(w.n, 0);
	tftp_xfer_get_stats(x, &st);
	cr_assert_eq(st.dup_acks, 2);
	/* other packets on the transfer port: not answered */
	cr_assert_eq(tftp_xfer_input(x, (const uint8_t *)"\0\3\0\1xx", 6, 50), TFTP_XFER_RUNNING);
	cr_assert_eq(tftp_xfer_input(x, (const uint8_t *)"\0\4\0", 3, 50), TFTP_XFER_RUNNING);
	cr_assert_eq(w.n, 0);
	ack(x, 2, 60);
	ack(x, 3, 70);
	cr_assert_eq(ack(x, 4, 80), TFTP_XFER_DONE);
	tftp_xfer_free(x);
	free(content);
}

Test(tftp_xfer, ack_inside_window_resends_from_the_gap)
{
	static struct wire w;
	struct tftp_params p = params(100, 4);
	struct tftp_xfer_stats st;
	uint8_t *content;
	struct tftp_xfer *x = tftp_xfer_new(data_file(1000, &content), &p, wire_send, &w);

	memset(&w, 0, sizeof(w));
	tftp_xfer_start(x, 0);
	cr_assert_eq(w.n, 4);
	cr_assert_eq(block_of(&w, 3), 4);
	w.n = 0;
	/* block 3 was lost: the client acknowledges 2 */
	ack(x, 2, 10);
	cr_assert_eq(w.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(block_of(&w, i), 3 + i);
		cr_assert_eq(memcmp(w.pkt[i].b + 4, content + (2 + i) * 100, 100), 0);
	}
	tftp_xfer_get_stats(x, &st);
	cr_assert_eq(st.retransmits, 2, "blocks 3 and 4 went twice");
	tftp_xfer_free(x);
	free(content);
}

Test(tftp_xfer, timeouts_back_off_then_give_up)
{
	static struct wire w;
	struct tftp_params p = params(512, 2);
	struct tftp_xfer_stats st;
	uint8_t *content;
	struct tftp_xfer *x = tftp_xfer_new(data_file(5000, &content), &p, wire_send, &w);
	static const uint64_t waits[] = { 1000, 2000, 4000, 8000, 8000, 8000 };
	uint64_t now = 0;

	memset(&w, 0, sizeof(w));
	tftp_xfer_start(x, now);
	cr_assert_eq(w.n, 2);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t due = tftp_xfer_deadline(x);

		cr_assert_eq(due - now, waits[i], "wait %u: %llu ms", i,
			     (unsigned long long)(due - now));
		w.n = 0;
		cr_assert_eq(tftp_xfer_timeout(x, due - 1), TFTP_XFER_RUNNING, "not yet due");
		cr_assert_eq(w.n, 0);
		now = due;
		if (i < 5) {
			cr_assert_eq(tftp_xfer_timeout(x, now), TFTP_XFER_RUNNING);
			cr_assert_eq(w.n, 2, "the window again");
			cr_assert_eq(block_of(&w, 0), 1);
			cr_assert_eq(block_of(&w, 1), 2);
		}
	}
	cr_assert_eq(tftp_xfer_timeout(x, now), TFTP_XFER_FAILED);
	cr_assert_eq(w.n, 1);
	cr_assert_eq(op_of(&w, 0), TFTP_ERROR, "the client is told");
	tftp_xfer_get_stats(x, &st);
	cr_assert_str_eq(st.why, "timed out waiting for the client");
	cr_assert_eq(st.retransmits, 10);
	/* a late ACK changes nothing */
	cr_assert_eq(ack(x, 2, now + 1), TFTP_XFER_FAILED);
	tftp_xfer_free(x);
	free(content);
}

Test(tftp_xfer, client_timeout_option_sets_the_first_wait)
{
	static struct wire w;
	struct tftp_params p = params(512, 1);
	uint8_t *content;
	struct tftp_xfer *x;

	p.timeout_ms = 3000;
	x = tftp_xfer_new(data_file(100, &content), &p, wire_send, &w);
	tftp_xfer_start(x, 1000);
	cr_assert_eq(tftp_xfer_deadline(x), 4000);
	tftp_xfer_timeout(x, 4000);
	cr_assert_eq(tftp_xfer_deadline(x), 10000);
	tftp_xfer_timeout(x, 10000);
	cr_assert_eq(tftp_xfer_deadline(x), 18000, "capped at 8 s");
	/* an ACK resets the backoff */
	cr_assert_eq(ack(x, 1, 18000), TFTP_XFER_DONE);
	tftp_xfer_free(x);
	free(content);
}

Test(tftp_xfer, oack_then_ack_zero)
{
	static struct wire w;
	struct tftp_request r = opts_req();
	struct tftp_params p;
	uint8_t *content;
	struct tftp_xfer *x;

	r.has_blksize = true;
	r.blksize = 1024;
	r.has_tsize = true;
	tftp_negotiate(&r, 1468, 3000, &p);
	memset(&w, 0, sizeof(w));
	x = tftp_xfer_new(data_file(3000, &content), &p, wire_send, &w);
	tftp_xfer_start(x, 0);
	cr_assert_eq(w.n, 1);
	cr_assert_eq(op_of(&w, 0), TFTP_OACK);
	cr_assert_eq(w.pkt[0].len, 2 + sizeof("blksize") + sizeof("1024") + sizeof("tsize") +
		     sizeof("3000"));
	/* lost: the OACK again */
	w.n = 0;
	tftp_xfer_timeout(x, tftp_xfer_deadline(x));
	cr_assert_eq(w.n, 1);
	cr_assert_eq(op_of(&w, 0), TFTP_OACK);
	w.n = 0;
	cr_assert_eq(ack(x, 1, 1500), TFTP_XFER_RUNNING, "not ACK 0: ignored");
	cr_assert_eq(w.n, 0);
	ack(x, 0, 1600);
	cr_assert_eq(w.n, 1);
	cr_assert_eq(block_of(&w, 0), 1);
	cr_assert_eq(w.pkt[0].len, 4 + 1024);
	w.n = 0;
	ack(x, 0, 1700);
	cr_assert_eq(w.n, 0, "a duplicate ACK 0 is not answered");
	tftp_xfer_free(x);
	free(content);
}

Test(tftp_xfer, client_error_ends_the_transfer)
{
	static const uint8_t err8[] = "\0\5\0\10options refused\n";
	static struct wire w;
	struct tftp_params p = params(1024, 1);
	struct tftp_xfer_stats st;
	uint8_t *content;
	struct tftp_xfer *x;

	p.ack_blksize = p.oack = true;
	x = tftp_xfer_new(data_file(3000, &content), &p, wire_send, &w);
	tftp_xfer_start(x, 0);
	cr_assert_eq(tftp_xfer_input(x, err8, sizeof(err8) - 1, 5), TFTP_XFER_FAILED);
	tftp_xfer_get_stats(x, &st);
	cr_assert_str_eq(st.why, "the client refused the options");
	cr_assert_str_eq(st.client_err, "8 \"options refused\\x0a\"");
	cr_assert(st.ended_at_oack);
	tftp_xfer_free(x);
	free(content);
}

/* LF -> CR LF, CR -> CR NUL (RFC 764), as the wire must carry it. */
static size_t netascii(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\0';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

Test(tftp_xfer, netascii_across_block_edges_and_resends)
{
	static const char text[] = "line one\nline two\r\n\r\r\n\n\nx\ry\n12345678\n";
	static struct wire w;
	struct tftp_params p = params(8, 3);
	uint8_t want[128], got[256];
	size_t wn, gn = 0;
	char path[160];
	uint16_t next = 1;
	uint64_t now = 0;
	enum tftp_xfer_status s = TFTP_XFER_RUNNING;
	struct tftp_xfer *x;
	unsigned round = 0;
	int fd;

	p.mode = TFTP_MODE_NETASCII;
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	mkfile(path, text, strlen(text));
	fd = open(path, O_RDONLY);
	wn = netascii((const uint8_t *)text, strlen(text), want);
	memset(&w, 0, sizeof(w));
	x = tftp_xfer_new(fd, &p, wire_send, &w);
	tftp_xfer_start(x, now);
	/* Every other round, lose the window's last block and ACK the one before;
	 * on odd rounds, let a timeout resend everything. */
	while (s == TFTP_XFER_RUNNING) {
		unsigned n = w.n, take = n;
		bool last = false;

		cr_assert_gt(n, 0);
		if (round % 2 == 1 && n > 1)
			take = n - 1;
		for (unsigned i = 0; i < take; i++) {
			size_t len = w.pkt[i].len - 4;

			cr_assert_eq(block_of(&w, i), next);
			memcpy(got + gn, w.pkt[i].b + 4, len);
			gn += len;
			next++;
			last = len < 8;
		}
		w.n = 0;
		if (round % 4 == 2) {
			/* the client's ACK was lost: the server resends */
			tftp_xfer_timeout(x, tftp_xfer_deadline(x));
			cr_assert_eq(block_of(&w, 0), next - take, "timeout resends the window");
			w.n = 0;
		}
		s = ack(x, (uint16_t)(next - 1), now += 10);
		cr_assert(!last || s == TFTP_XFER_DONE);
		round++;
	}
	cr_assert_eq(s, TFTP_XFER_DONE);
	cr_assert_eq(gn, wn);
	cr_assert_eq(memcmp(got, want, wn), 0, "netascii stream differs");
	tftp_xfer_free(x);
}

Test(tftp_xfer, client_error_mid_transfer_is_a_failure)
{
	static const uint8_t err0[] = "\0\5\0\0disk full";
	static struct wire w;
	struct tftp_params p = params(512, 1);
	struct tftp_xfer_stats st;
	uint8_t *content;
	struct tftp_xfer *x = tftp_xfer_new(data_file(3000, &content), &p, wire_send, &w);

	tftp_xfer_start(x, 0);
	ack(x, 1, 5);
	cr_assert_eq(tftp_xfer_input(x, err0, sizeof(err0) - 1, 6), TFTP_XFER_FAILED);
	tftp_xfer_get_stats(x, &st);
	cr_assert(!st.ended_at_oack);
	cr_assert_str_eq(st.why, "the client sent an error");
	cr_assert_str_eq(st.client_err, "0 \"disk full\"");
	cr_assert_eq(st.bytes_acked, 512);
	tftp_xfer_free(x);
	free(content);
}
