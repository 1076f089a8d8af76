/* SPDX-License-Identifier: MIT */
/*
 * test_device_io.c - devices on a real libuv loop against peers made by the
 * test: stream: (listen, one VM at a time, reconnect, bad framing, stale
 * socket, full output buffer), stream-connect:, dgram: on loopback UDP, and
 * fd: on a SOCK_SEQPACKET socketpair. Every loop run is bounded by a 5 s
 * timer; every test closes its device and runs the loop to completion.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/device.h"
#include "devices/stream_framing.h"

#define RXCAP (1 << 20)

struct ctx {
	uv_loop_t loop;
	uv_timer_t guard;
	bool timed_out;
	uint64_t started;
	struct device *dev;
	uint8_t rx[RXCAP];	/* every frame the handler saw, concatenated */
	size_t rxlen;
	size_t frame_lens[64];
	int frames;
	int batches;
	int ups, downs;
	bool closed;
	bool close_in_frame;	/* device_close() from inside the frame callback */
	char dir[64];
	char path[128];
};

static struct ctx *C;

static void on_closed(void *opaque);

static void on_frame(void *opaque, const uint8_t *f, size_t len)
{
	struct ctx *c = opaque;

	cr_assert_leq(c->rxlen + len, sizeof(c->rx));
	memcpy(c->rx + c->rxlen, f, len);
	c->rxlen += len;
	if (c->frames < 64)
		c->frame_lens[c->frames] = len;
	c->frames++;
	if (c->close_in_frame && !c->closed) {
		c->close_in_frame = false;
		device_close(c->dev, on_closed, c);
	}
}

static void on_batch(void *opaque)
{
	((struct ctx *)opaque)->batches++;
}

static void on_link(void *opaque, bool up)
{
	struct ctx *c = opaque;

	if (up)
		c->ups++;
	else
		c->downs++;
}

static void on_closed(void *opaque)
{
	((struct ctx *)opaque)->closed = true;
}

/* Ticks every 10 ms so that UV_RUN_ONCE never sleeps long; 5 s is the limit. */
static void guard_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;

	if (uv_now(&c->loop) - c->started >= 5000)
		c->timed_out = true;
}

static const struct device_handler handler = {
	.frame = on_frame, .batch_end = on_batch, .link = on_link,
};

static void setup(void)
{
	C = calloc(1, sizeof(*C));
	cr_assert(C);
	cr_assert_eq(uv_loop_init(&C->loop), 0);
	uv_timer_init(&C->loop, &C->guard);
	C->guard.data = C;
	strcpy(C->dir, "/tmp/natd-devtest.XXXXXX");
	cr_assert(mkdtemp(C->dir));
	snprintf(C->path, sizeof(C->path), "%s/vm.sock", C->dir);
}

static void guard_closed(uv_handle_t *h)
{
	(void)h;
}

static void teardown(void)
{
	if (C->dev && !C->closed) {
		device_close(C->dev, on_closed, C);
		uv_run(&C->loop, UV_RUN_DEFAULT);
	}
	uv_close((uv_handle_t *)&C->guard, guard_closed);
	uv_run(&C->loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&C->loop), 0, "handles left open");
	unlink(C->path);
	rmdir(C->dir);
	free(C);
}

/* Runs the loop until cond(arg) holds; false after 5 s. (UV_RUN_ONCE may run
 * a due timer and then still wait for I/O: hence the 10 ms tick.) */
static bool run_until(bool (*cond)(void *), void *arg)
{
	C->timed_out = false;
	uv_update_time(&C->loop);
	C->started = uv_now(&C->loop);
	uv_timer_start(&C->guard, guard_cb, 10, 10);
	while (!cond(arg) && !C->timed_out)
		uv_run(&C->loop, UV_RUN_ONCE);
	uv_timer_stop(&C->guard);
	return cond(arg);
}

static bool have_ups(void *n) { return C->ups >= *(int *)n; }
static bool have_downs(void *n) { return C->downs >= *(int *)n; }
static bool have_frames(void *n) { return C->frames >= *(int *)n; }
static bool is_closed(void *unused) { (void)unused; return C->closed; }
static bool have_tx_calls(void *n)
{
	struct device_stats st;

	device_get_stats(C->dev, &st);
	return st.tx_calls >= (uint64_t)*(int *)n;
}

#define WAIT_UPS(n) do { int n_ = (n); cr_assert(run_until(have_ups, &n_), "link up %d", n_); } while (0)
#define WAIT_DOWNS(n) do { int n_ = (n); cr_assert(run_until(have_downs, &n_), "link down %d", n_); } while (0)
#define WAIT_SENT(n) do { int n_ = (n); cr_assert(run_until(have_tx_calls, &n_), "sendmmsg %d", n_); } while (0)
#define WAIT_FRAMES(n) do { int n_ = (n); cr_assert(run_until(have_frames, &n_), "frames %d (have %d)", n_, C->frames); } while (0)

static void open_dev(const char *spec)
{
	char err[256] = "";
	int r = device_open(&C->loop, spec, &(struct device_handler){
		.frame = on_frame, .batch_end = on_batch, .link = on_link, .opaque = C,
	}, &C->dev, err, sizeof(err));

	cr_assert_eq(r, 0, "device_open(%s): %s", spec, err);
	cr_assert_str_eq(device_spec(C->dev), spec);
}

static void close_dev(void)
{
	device_close(C->dev, on_closed, C);
	cr_assert(run_until(is_closed, NULL));
	C->dev = NULL;
}

static void fill(uint8_t *f, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

static void xwrite(int fd, const void *p, size_t n)
{
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
		     "connect %s: %s", path, strerror(errno));
	return fd;
}

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

TestSuite(device_io, .init = setup, .fini = teardown, .timeout = 30);

static char spec_buf[256];

static const char *spec(const char *type, const char *arg)
{
	snprintf(spec_buf, sizeof(spec_buf), "%s:%s", type, arg);
	return spec_buf;
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

static int udp_bind(const char *ip, int family, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		sl = sizeof(*a);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		      ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void dgram_case(const char *ip, int family, const char *fmt)
{
	struct sockaddr_storage to = { 0 };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t f[1514], back[2000];
	struct device_stats st;
	uint16_t tport, dport;
	int t, tmp;
	char s[128];

	t = udp_bind(ip, family, &tport);
	if (t < 0)
		cr_skip_test("no %s", ip);
	tmp = udp_bind(ip, family, &dport); /* find a free port for the device */
	cr_assert_geq(tmp, 0);
	close(tmp);
	snprintf(s, sizeof(s), fmt, dport, tport);
	open_dev(s);
	WAIT_UPS(1);
	cr_assert(device_connected(C->dev));

	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&to;

		a->sin_family = AF_INET;
		a->sin_port = htons(dport);
		inet_pton(AF_INET, ip, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(dport);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
	}
	fill(f, sizeof(f), 5);
	cr_assert_eq(sendto(t, f, 5, 0, (struct sockaddr *)&to, sizeof(to)), 5); /* runt */
	cr_assert_eq(sendto(t, f, 60, 0, (struct sockaddr *)&to, sizeof(to)), 60);
	cr_assert_eq(sendto(t, f, 1514, 0, (struct sockaddr *)&to, sizeof(to)), 1514);
	WAIT_FRAMES(2);
	cr_assert_eq(C->frame_lens[0], 60);
	cr_assert_eq(C->frame_lens[1], 1514);
	cr_assert_arr_eq(C->rx + 60, f, 1514);

	fill(f, 100, 9);
	cr_assert_eq(device_send(C->dev, f, 100), 0);
	WAIT_SENT(1); /* frames leave at the next turn of the loop */
	setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(recv(t, back, sizeof(back), 0), 100);
	cr_assert_arr_eq(back, f, 100);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_errors, 1);
	cr_assert_eq(st.rx_frames, 2);
	cr_assert_eq(st.tx_frames, 1);

	/* Batches: ten frames sent in one turn leave in one sendmmsg(); ten
	 * datagrams waiting are read by one recvmmsg(). */
	for (int i = 0; i < 10; i++) {
		fill(f, 200, (uint8_t)i);
		cr_assert_eq(device_send(C->dev, f, 200), 0);
	}
	WAIT_SENT(2);
	for (int i = 0; i < 10; i++) {
		fill(f, 200, (uint8_t)i);
		cr_assert_eq(recv(t, back, sizeof(back), 0), 200);
		cr_assert_arr_eq(back, f, 200, "frame %d in order", i);
	}
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.tx_calls, 2);
	cr_assert_eq(st.tx_frames, 11);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(sendto(t, f, 64, 0, (struct sockaddr *)&to, sizeof(to)), 64);
	usleep(50 * 1000); /* all ten queued on the socket before the loop looks */
	WAIT_FRAMES(12);
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_frames, 12);
	cr_assert_lt(st.rx_calls, 12, "recvmmsg took several at once (%llu calls)",
		     (unsigned long long)st.rx_calls);
	{
		struct device_peer p[DEVICE_MAX_PEERS];
		char want[64];

		cr_assert_eq(device_peers(C->dev, p, DEVICE_MAX_PEERS), 1);
		snprintf(want, sizeof(want), family == AF_INET ? "%s:%u" : "[%s]:%u", ip, tport);
		cr_assert_str_eq(p[0].addr, want);
		cr_assert_eq(p[0].frames, 12);
	}
	close(t);
	close_dev();
}

Test(device_io, dgram_ipv4)
{
	dgram_case("127.0.0.1", AF_INET, "dgram:127.0.0.1:%u,127.0.0.1:%u");
}

Test(device_io, dgram_ipv6)
{
	dgram_case("::1", AF_INET6, "dgram:[::1]:%u,[::1]:%u");
}

Test(device_io, dgram_bind_error)
{
	struct device *d = NULL;
	char err[256];

	cr_assert_lt(device_open(&C->loop, "dgram:192.0.2.77:5555,127.0.0.1:5556",
				 &handler, &d, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "dgram:192.0.2.77:5555,127.0.0.1:5556: bind: "
			 "Cannot assign requested address");
}

Test(device_io, fd_seqpacket)
{
	uint8_t f[1514], back[2000];
	struct device_stats st;
	int sv[2], i;
	char s[32];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	snprintf(s, sizeof(s), "fd:%d", sv[0]);
	open_dev(s);
	WAIT_UPS(1);
	cr_assert(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	for (i = 0; i < 3; i++) {
		fill(f, sizeof(f), (uint8_t)i);
		xwrite(sv[1], f, (size_t)(60 + i * 500));
	}
	WAIT_FRAMES(3);
	cr_assert_eq(C->frame_lens[0], 60);
	cr_assert_eq(C->frame_lens[1], 560);
	cr_assert_eq(C->frame_lens[2], 1060);
	cr_assert_eq(C->batches, 1, "all three frames in one wake-up");
	fill(f, 200, 7);
	cr_assert_eq(device_send(C->dev, f, 200), 0);
	cr_assert_eq(read(sv[1], back, sizeof(back)), 200);
	cr_assert_arr_eq(back, f, 200);
	cr_assert_eq(device_send(C->dev, f, DEVICE_MAX_FRAME + 1), -EMSGSIZE);

	/* The peer goes away: link down. */
	close(sv[1]);
	WAIT_DOWNS(1);
	cr_assert(!device_connected(C->dev));
	device_get_stats(C->dev, &st);
	cr_assert_eq(st.rx_frames, 3);
	cr_assert_eq(st.tx_frames, 1);
	close_dev();
	cr_assert_eq(fcntl(sv[0], F_GETFD), -1, "device_close closes the fd");
}

Test(device_io, fd_errors)
{
	struct device *d = NULL;
	char err[256], s[32];
	int sv[2];

	cr_assert_eq(device_open(&C->loop, "fd:987", &handler, &d, err, sizeof(err)),
		     -EBADF);
	cr_assert_str_eq(err, "fd:987: Bad file descriptor");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(s, sizeof(s), "fd:%d", sv[0]);
	cr_assert_eq(device_open(&C->loop, s, &handler, &d, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "a stream socket"), "%s", err);
	close(sv[0]);
	close(sv[1]);
}

static void close_in_frame_case(const char *type, int sv1_is_stream)
{
	uint8_t f[4 + 60];
	char s[160];
	int sv[2], c = -1, i;

	if (sv1_is_stream) {
		open_dev(spec(type, C->path));
		c = unix_connect(C->path);
		WAIT_UPS(1);
	} else {
		cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		snprintf(s, sizeof(s), "fd:%d", sv[0]);
		open_dev(s);
		c = sv[1];
	}
	stream_frame_header(f, 60);
	memset(f + 4, 1, 60);
	C->close_in_frame = true;
	for (i = 0; i < 3; i++) {
		if (sv1_is_stream)
			xwrite(c, f, sizeof(f));
		else
			xwrite(c, f + 4, 60);
	}
	cr_assert(run_until(is_closed, NULL));
	cr_assert_eq(C->frames, 1, "no frame after device_close()");
	cr_assert_eq(C->batches, 0, "no batch_end after device_close()");
	C->dev = NULL;
	close(c);
}

Test(device_io, close_from_frame_callback_fd)
{
	close_in_frame_case("fd", 0);
}

Test(device_io, close_from_frame_callback_stream)
{
	close_in_frame_case("stream", 1);
}
