/* SPDX-License-Identifier: MIT */
/*
 * test_device_io_stream.c - stream: and stream-connect: devices on a real
 * libuv loop (device_io_fixture.h) against peers made by the test: listen,
 * one VM at a time, reconnect, bad framing, stale socket, full output
 * buffer, a burst both ways, and stream-connect: reconnecting. Every test
 * closes its device and runs the loop to completion.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/stream_framing.h"

#include "device_io_fixture.h"

TestSuite(device_io, .init = setup, .fini = teardown, .timeout = 30);

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

/* Reads one framed frame from a blocking stream socket (2 s timeout). */
static size_t read_framed(int fd, uint8_t *buf, size_t cap)
{
	struct timeval tv = { .tv_sec = 2 };
	uint8_t hdr[4];
	size_t off, len, got = 0;
	ssize_t n;

	/* The device sends small frames at the loop's next turn. */
	uv_run(&C->loop, UV_RUN_NOWAIT);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(recv(fd, hdr, 4, MSG_WAITALL), 4);
	cr_assert_eq(stream_frame_parse(hdr, 4, &off, &len), 0);
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	cr_assert_leq(len, cap);
	while (got < len) {
		n = recv(fd, buf + got, len - got, 0);
		cr_assert_gt(n, 0);
		got += (size_t)n;
	}
	return len;
}

static bool peer_closed(void *fdp)
{
	char b;

	return recv(*(int *)fdp, &b, 1, MSG_DONTWAIT) == 0;
}

/* Client side of a stream device: frames in, a frame out. */
static void exchange(int cfd, int base)
{
	uint8_t a[60], b[100], c[1514], msg[4 + 100 + 4 + 1514], out[2000], back[200];
	size_t n;

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	fill(c, sizeof(c), 3);
	C->rxlen = 0;
	C->frames = 0;
	stream_frame_header(msg, sizeof(a));
	xwrite(cfd, msg, 4);
	xwrite(cfd, a, sizeof(a));
	/* b split across two writes, c in the same write as b's tail. */
	stream_frame_header(msg, sizeof(b));
	memcpy(msg + 4, b, sizeof(b));
	stream_frame_header(msg + 4 + sizeof(b), sizeof(c));
	memcpy(msg + 8 + sizeof(b), c, sizeof(c));
	xwrite(cfd, msg, 30);
	WAIT_FRAMES(1);
	xwrite(cfd, msg + 30, sizeof(msg) - 30);
	WAIT_FRAMES(3);
	cr_assert_eq(C->frames, 3);
	cr_assert_eq(C->frame_lens[0], sizeof(a));
	cr_assert_eq(C->frame_lens[1], sizeof(b));
	cr_assert_eq(C->frame_lens[2], sizeof(c));
	memcpy(out, a, sizeof(a));
	memcpy(out + sizeof(a), b, sizeof(b));
	memcpy(out + sizeof(a) + sizeof(b), c, sizeof(c));
	cr_assert_eq(C->rxlen, sizeof(a) + sizeof(b) + sizeof(c));
	cr_assert_arr_eq(C->rx, out, C->rxlen);
	cr_assert_geq(C->batches, 1);

	fill(b, 80, (uint8_t)(base + 9));
	cr_assert_eq(device_send(C->dev, b, 80), 0);
	n = read_framed(cfd, back, sizeof(back));
	cr_assert_eq(n, 80);
	cr_assert_arr_eq(back, b, 80);
}

Test(device_io, stream_listen)
{
	struct device_stats st;
	struct stat sb;
	uint8_t zero[4] = { 0 };
	uint8_t f[60];
	int c1, c2, c3;

	open_dev(spec("stream", C->path));
	cr_assert_eq(stat(C->path, &sb), 0);
	cr_assert(S_ISSOCK(sb.st_mode));
	cr_assert_eq(sb.st_mode & 0777, 0600);
	cr_assert(!device_connected(C->dev));
	fill(f, sizeof(f), 0);
	cr_assert_eq(device_send(C->dev, f, sizeof(f)), -ENOTCONN);

	c1 = unix_connect(C->path);
	WAIT_UPS(1);
	cr_assert(device_connected(C->dev));
	exchange(c1, 1);

	/* A second VM is accepted and closed while the first is attached. */
	c2 = unix_connect(C->path);
	cr_assert(run_until(peer_closed, &c2));
	close(c2);
	cr_assert_eq(C->downs, 0);

	/* The first goes away; the next one is accepted. */
	close(c1);
	WAIT_DOWNS(1);
	cr_assert(!device_connected(C->dev));
	cr_assert_eq(device_send(C->dev, f, sizeof(f)), -ENOTCONN);
	c3 = unix_connect(C->path);
	WAIT_UPS(2);
	exchange(c3, 2);

	/* Bad framing (length 0) drops the VM. */
	xwrite(c3, zero, 4);
	WAIT_DOWNS(2);
	cr_assert(run_until(peer_closed, &c3));
	close(c3);

	device_get_stats(C->dev, &st);
	cr_assert_eq(st.connects, 2);
	cr_assert_eq(st.rx_frames, 6);
	cr_assert_eq(st.rx_bytes, 2 * (60 + 100 + 1514));
	cr_assert_eq(st.tx_frames, 2);
	cr_assert_eq(st.tx_bytes, 160);
	cr_assert_eq(st.tx_dropped, 2);
	cr_assert_eq(st.rx_errors, 1);
	close_dev();
	cr_assert_neq(stat(C->path, &sb), 0, "socket file left behind");
}

Test(device_io, stream_short_and_oversize_frames)
{
	uint8_t msg[4 + 10 + 4 + 60];
	struct device_stats st;
	int c;

	open_dev(spec("stream", C->path));
	c = unix_connect(C->path);
	WAIT_UPS(1);
	stream_frame_header(msg, 10);
	memset(msg + 4, 1, 10);
	stream_frame_header(msg + 14, 60);
	memset(msg + 18, 2, 60);
	xwrite(c, msg, sizeof(msg));
	WAIT_FRAMES(1);
	cr_assert_eq(C->frame_lens[0], 60);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_errors, 1);
	/* Length above DEVICE_MAX_FRAME: framing error, VM dropped. */
	stream_frame_header(msg, DEVICE_MAX_FRAME + 1);
	xwrite(c, msg, 4);
	WAIT_DOWNS(1);
	close(c);
	close_dev();
}

Test(device_io, stream_stale_socket_and_errors)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[256], s[200];
	struct device *d2 = NULL;
	int fd, lfd;

	/* A socket file nobody listens on is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, C->path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	open_dev(spec("stream", C->path));

	/* A second listener on the same path is refused. */
	snprintf(s, sizeof(s), "stream:%s", C->path);
	cr_assert_eq(device_open(&C->loop, s, &handler, &d2, err, sizeof(err)),
		     -EADDRINUSE);
	cr_assert_null(d2);
	cr_assert(strstr(err, "another process is listening on"), "%s", err);
	close_dev();

	/* Same when another process (here: the test) listens. */
	lfd = unix_listen(C->path);
	cr_assert_eq(device_open(&C->loop, s, &handler, &d2, err, sizeof(err)),
		     -EADDRINUSE);
	close(lfd);
	unlink(C->path);

	/* Missing parent directory. */
	snprintf(s, sizeof(s), "stream:%s/nodir/x.sock", C->dir);
	cr_assert_eq(device_open(&C->loop, s, &handler, &d2, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, ": bind: No such file or directory"), "%s", err);
	cr_assert_eq(strncmp(err, s, strlen(s)), 0, "%s", err);
}

/* The output buffer takes whole frames until full, then drops; the client
 * then reads every accepted frame intact and in order. */
struct drain {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	int want, got;
};

static bool drain_client(void *arg)
{
	struct drain *d = arg;
	size_t off, flen;
	ssize_t n;
	int r;

	for (;;) {
		n = recv(d->fd, d->buf + d->len, d->cap - d->len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		d->len += (size_t)n;
		while ((r = stream_frame_parse(d->buf, d->len, &off, &flen)) == 1) {
			uint32_t seq;

			cr_assert_eq(flen, 60000);
			memcpy(&seq, d->buf + off, 4);
			cr_assert_eq(seq, (uint32_t)d->got, "frame %d has seq %u", d->got, seq);
			cr_assert_eq(d->buf[off + flen - 1], (uint8_t)seq);
			d->got++;
			memmove(d->buf, d->buf + off + flen, d->len - off - flen);
			d->len -= off + flen;
		}
		cr_assert_geq(r, 0);
	}
	return d->got >= d->want;
}

Test(device_io, stream_output_buffer_full)
{
	static uint8_t f[60000];
	struct device_stats st;
	struct drain d = { 0 };
	int c, i, r = 0, sent = 0, fl;

	open_dev(spec("stream", C->path));
	c = unix_connect(C->path);
	WAIT_UPS(1);
	for (i = 0; i < 1000; i++) {
		uint32_t seq = (uint32_t)sent;

		memset(f, (uint8_t)seq, sizeof(f));
		memcpy(f, &seq, 4);
		r = device_send(C->dev, f, sizeof(f));
		if (r == -EAGAIN)
			continue;
		cr_assert_eq(r, 0);
		sent++;
	}
	device_get_stats(C->dev, &st);
	cr_assert_gt(st.tx_dropped, 0, "4 MiB buffer never filled");
	cr_assert_eq(st.tx_frames, (uint64_t)sent);
	cr_assert_eq(st.tx_dropped + st.tx_frames, 1000);
	fl = fcntl(c, F_GETFL);
	fcntl(c, F_SETFL, fl | O_NONBLOCK);
	d.fd = c;
	d.cap = 1 << 20;
	d.buf = malloc(d.cap);
	d.want = sent;
	cr_assert(run_until(drain_client, &d), "got %d of %d frames", d.got, sent);
	free(d.buf);
	close(c);
	close_dev();
}

/*
 * Bursts: 5000 small frames of varying size in one write() from the VM's
 * side (a thread, since the write outruns the socket buffer), all delivered
 * intact and in order; then 5000 frames sent in one turn of the loop, small
 * and large mixed (copied into the ring and sent by gather), read intact and
 * in order by the VM's side.
 */
#define BURST 5000

static size_t burst_len(int i)
{
	return 60 + (size_t)(i * 37) % 200; /* 60 .. 259: 5000 fit in C->rx */
}

struct burst_writer {
	int fd;
	uint8_t *buf;
	size_t len;
	ssize_t wrote;
};

static void *burst_write(void *arg)
{
	struct burst_writer *w = arg;

	w->wrote = write(w->fd, w->buf, w->len);
	return NULL;
}

static bool burst_rx_done(void *unused)
{
	(void)unused;
	return C->frames >= BURST;
}

struct burst_reader {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	int got, want;
	bool bad;
};

static size_t burst_tx_len(int i)
{
	/* 60 .. 1514, every 100th one large (sent by gather) */
	return i % 100 == 7 ? 60000 : 60 + (size_t)(i * 37) % 1455;
}

static bool burst_tx_done(void *arg)
{
	struct burst_reader *d = arg;
	size_t off, foff, flen;
	ssize_t n;

	for (;;) {
		n = recv(d->fd, d->buf + d->len, d->cap - d->len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		d->len += (size_t)n;
		off = 0;
		while (stream_frame_parse(d->buf + off, d->len - off, &foff, &flen) == 1) {
			const uint8_t *f = d->buf + off + foff;
			uint32_t seq;

			memcpy(&seq, f, 4);
			if (seq != (uint32_t)d->got || flen != burst_tx_len(d->got) ||
			    f[flen - 1] != (uint8_t)(seq * 3))
				d->bad = true;
			d->got++;
			off += foff + flen;
		}
		memmove(d->buf, d->buf + off, d->len - off);
		d->len -= off;
	}
	return d->got >= d->want || d->bad;
}

Test(device_io, stream_burst_both_ways)
{
	static uint8_t f[60000];
	struct burst_writer w = { 0 };
	struct burst_reader d = { 0 };
	struct device_stats st;
	pthread_t th;
	size_t off = 0, rxoff = 0, n;
	int c, i;

	open_dev(spec("stream", C->path));
	c = unix_connect(C->path);
	WAIT_UPS(1);

	w.fd = c;
	w.buf = malloc(BURST * (4 + 1514));
	cr_assert(w.buf);
	for (i = 0; i < BURST; i++) {
		n = burst_len(i);
		stream_frame_header(w.buf + off, (uint32_t)n);
		fill(w.buf + off + 4, n, (uint8_t)i);
		off += 4 + n;
	}
	w.len = off;
	C->frames = 0;
	C->rxlen = 0;
	cr_assert_eq(pthread_create(&th, NULL, burst_write, &w), 0);
	cr_assert(run_until(burst_rx_done, NULL), "got %d of %d frames", C->frames, BURST);
	pthread_join(th, NULL);
	cr_assert_eq(w.wrote, (ssize_t)w.len);
	cr_assert_eq(C->frames, BURST);
	for (i = 0, off = 0; i < BURST; i++) {
		n = burst_len(i);
		if (i < 64)
			cr_assert_eq(C->frame_lens[i], n);
		cr_assert_arr_eq(C->rx + rxoff, w.buf + off + 4, n, "frame %d differs", i);
		rxoff += n;
		off += 4 + n;
	}
	cr_assert_eq(C->rxlen, rxoff);
	free(w.buf);

	/* natd -> VM: rounds of 250 frames, each sent in one turn of the loop
	 * (the client reads between rounds: 4 MiB of ring hold a round). */
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	d.fd = c;
	d.cap = 1 << 20;
	d.buf = malloc(d.cap);
	for (i = 0; i < BURST; i++) {
		uint32_t seq = (uint32_t)i;

		n = burst_tx_len(i);
		memset(f, 0, n);
		memcpy(f, &seq, 4);
		f[n - 1] = (uint8_t)(seq * 3);
		cr_assert_eq(device_send(C->dev, f, n), 0, "frame %d", i);
		if (i % 250 == 249) {
			d.want = i + 1;
			cr_assert(run_until(burst_tx_done, &d), "got %d of %d frames",
				  d.got, d.want);
			cr_assert(!d.bad, "frame %d out of order or damaged", d.got - 1);
		}
	}
	cr_assert_eq(d.got, BURST);
	free(d.buf);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.tx_frames, BURST);
	cr_assert_eq(st.tx_dropped, 0);
	cr_assert_eq(st.rx_frames, BURST);
	cr_assert_eq(st.rx_errors, 0);
	close(c);
	close_dev();
}

Test(device_io, stream_connect)
{
	struct device_stats st;
	int lfd, c;

	/* Absent at first: open succeeds and retries. */
	open_dev(spec("stream-connect", C->path));
	cr_assert(!device_connected(C->dev));
	lfd = unix_listen(C->path);
	WAIT_UPS(1);
	c = accept(lfd, NULL, NULL);
	cr_assert_geq(c, 0);
	exchange(c, 3);

	/* The server side goes away; the device reconnects. */
	close(c);
	WAIT_DOWNS(1);
	cr_assert(!device_connected(C->dev));
	WAIT_UPS(2);
	c = accept(lfd, NULL, NULL);
	cr_assert_geq(c, 0);
	exchange(c, 4);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.connects, 2);
	close(c);
	close(lfd);
	close_dev();
}
