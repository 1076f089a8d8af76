/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_server.c - unit tests of tftp/tftp_server.c: requests composed
 * byte by byte, option negotiation, confinement of names to a real root
 * directory (symlinks, FIFOs, both open methods), and whole transfers driven
 * by a client written here that checks every packet it is sent (lock-step,
 * windows, gaps, duplicate ACKs, timeouts, OACK, netascii, block rollover),
 * and the choice of the PXE boot files DHCP offers.
 */
#include "tftp/tftp_internal.h"
#include "tftp/tftp_server.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- requests ---- */

struct req {
	uint8_t b[1024];
	size_t len;
};

static void req_init(struct req *q, uint16_t op, const char *file, const char *mode)
{
	memset(q, 0, sizeof(*q));
	q->b[0] = (uint8_t)(op >> 8);
	q->b[1] = (uint8_t)op;
	q->len = 2;
	memcpy(q->b + q->len, file, strlen(file) + 1);
	q->len += strlen(file) + 1;
	memcpy(q->b + q->len, mode, strlen(mode) + 1);
	q->len += strlen(mode) + 1;
}

static void req_str(struct req *q, const char *s)
{
	memcpy(q->b + q->len, s, strlen(s) + 1);
	q->len += strlen(s) + 1;
}

static void req_opt(struct req *q, const char *name, const char *val)
{
	req_str(q, name);
	req_str(q, val);
}

Test(tftp_parse, read_request_with_options)
{
	struct tftp_request r;
	struct req q;

	req_init(&q, TFTP_RRQ, "pxelinux.0", "octet");
	req_opt(&q, "BlkSize", "1468");
	req_opt(&q, "tsize", "0");
	req_opt(&q, "timeout", "3");
	req_opt(&q, "windowsize", "16");
	req_opt(&q, "multicast", "");   /* unknown: ignored */
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0);
	cr_assert_eq(r.opcode, TFTP_RRQ);
	cr_assert_str_eq(r.filename, "pxelinux.0");
	cr_assert_eq(r.mode, TFTP_MODE_OCTET);
	cr_assert(r.has_blksize && r.blksize == 1468);
	cr_assert(r.has_tsize && r.tsize == 0);
	cr_assert(r.has_timeout && r.timeout == 3);
	cr_assert(r.has_windowsize && r.windowsize == 16);
}

Test(tftp_parse, modes_and_tolerated_oddities)
{
	struct tftp_request r;
	struct req q;

	req_init(&q, TFTP_RRQ, "a.txt", "NetASCII");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0);
	cr_assert_eq(r.mode, TFTP_MODE_NETASCII);
	cr_assert(!r.has_blksize && !r.has_tsize && !r.has_timeout && !r.has_windowsize);

	/* a value that is not a number, a pair cut short, NUL padding */
	req_init(&q, TFTP_RRQ, "a", "OCTET");
	req_opt(&q, "blksize", "12x");
	req_opt(&q, "windowsize", "99999999999999999999999");
	req_str(&q, "tsize");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0);
	cr_assert(!r.has_blksize && !r.has_windowsize && !r.has_tsize);
	req_init(&q, TFTP_RRQ, "a", "octet");
	q.len += 20;
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0);

	req_init(&q, TFTP_WRQ, "upload.bin", "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0);
	cr_assert_eq(r.opcode, TFTP_WRQ);
}

Test(tftp_parse, malformed_requests)
{
	struct tftp_request r;
	struct req q;
	char longname[300];

	cr_assert_eq(tftp_parse_request((const uint8_t *)"\0", 1, &r), -EPROTO);
	cr_assert_eq(tftp_parse_request(NULL, 0, &r), -EPROTO);
	req_init(&q, TFTP_DATA, "x", "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -EPROTO);
	cr_assert_eq(r.err_code, TFTP_EBADOP);
	req_init(&q, TFTP_RRQ, "x", "octet");
	cr_assert_eq(tftp_parse_request(q.b, 4, &r), -EPROTO, "no mode");
	cr_assert_eq(tftp_parse_request(q.b, 3, &r), -EPROTO, "name not terminated");
	cr_assert_eq(tftp_parse_request(q.b, q.len - 1, &r), -EPROTO, "mode not terminated");

	req_init(&q, TFTP_RRQ, "x", "mail");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -ENOTSUP);
	cr_assert_str_eq(r.err_msg, "mail mode not supported");
	req_init(&q, TFTP_RRQ, "x", "binary");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -ENOTSUP);
	cr_assert_eq(r.err_code, TFTP_EBADOP);

	req_init(&q, TFTP_RRQ, "", "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -EILSEQ);
	req_init(&q, TFTP_RRQ, "a\tb", "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -EILSEQ);
	cr_assert_eq(r.err_code, TFTP_EACCESS);
	req_init(&q, TFTP_RRQ, "a\x7f", "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -EILSEQ);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	req_init(&q, TFTP_RRQ, longname, "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), -ENAMETOOLONG);
	longname[TFTP_FILENAME_MAX - 1] = '\0';
	req_init(&q, TFTP_RRQ, longname, "octet");
	cr_assert_eq(tftp_parse_request(q.b, q.len, &r), 0, "255 bytes are fine");
}

/* ---- negotiation and packets ---- */

static struct tftp_request opts_req(void)
{
	struct tftp_request r;

	memset(&r, 0, sizeof(r));
	r.opcode = TFTP_RRQ;
	strcpy(r.filename, "f");
	return r;
}

Test(tftp_negotiate, defaults_without_options)
{
	struct tftp_request r = opts_req();
	struct tftp_params p;

	tftp_negotiate(&r, 1468, 1000, &p);
	cr_assert_eq(p.blksize, 512);
	cr_assert_eq(p.windowsize, 1);
	cr_assert_eq(p.timeout_ms, TFTP_RTO_MS);
	cr_assert(!p.oack);
}

Test(tftp_negotiate, caps_and_ranges)
{
	struct tftp_request r = opts_req();
	struct tftp_params p;

	r.has_blksize = true;
	r.blksize = 65464;
	r.has_windowsize = true;
	r.windowsize = 1000;
	r.has_tsize = true;
	r.has_timeout = true;
	r.timeout = 5;
	tftp_negotiate(&r, 1468, 123456789, &p);
	cr_assert(p.oack);
	cr_assert(p.ack_blksize && p.blksize == 1468, "capped at the MTU");
	cr_assert(p.ack_windowsize && p.windowsize == TFTP_WINDOW_MAX);
	cr_assert(p.ack_tsize && p.tsize == 123456789);
	cr_assert(p.ack_timeout && p.timeout_ms == 5000);

	r.blksize = 1024;
	tftp_negotiate(&r, 65488, 0, &p);
	cr_assert_eq(p.blksize, 1024);
	tftp_negotiate(&r, 100000, 0, &p);
	cr_assert_eq(p.blksize, 1024);

	/* out of range: left out of the OACK */
	r = opts_req();
	r.has_blksize = true;
	r.blksize = 7;
	r.has_windowsize = true;
	r.windowsize = 0;
	r.has_timeout = true;
	r.timeout = 256;
	tftp_negotiate(&r, 1468, 0, &p);
	cr_assert(!p.oack);
	cr_assert_eq(p.blksize, 512);
	r.timeout = 0;
	tftp_negotiate(&r, 1468, 0, &p);
	cr_assert(!p.ack_timeout);

	/* tsize in netascii: not answered */
	r = opts_req();
	r.mode = TFTP_MODE_NETASCII;
	r.has_tsize = true;
	tftp_negotiate(&r, 1468, 10, &p);
	cr_assert(!p.oack);
}

Test(tftp_packets, oack_and_error)
{
	struct tftp_params p = { .blksize = 1468, .windowsize = 16, .timeout_ms = 2000,
				 .tsize = 52428800, .ack_blksize = true, .ack_tsize = true,
				 .ack_timeout = true, .ack_windowsize = true, .oack = true };
	static const char want[] = "\0\6blksize\0" "1468\0tsize\0" "52428800\0timeout\0" "2\0"
				   "windowsize\0" "16";
	uint8_t b[600];
	int n;

	n = tftp_build_oack(&p, b, sizeof(b));
	cr_assert_eq(n, (int)sizeof(want));
	cr_assert_eq(memcmp(b, want, sizeof(want)), 0);
	cr_assert_eq(tftp_build_oack(&p, b, 20), -ENOSPC);

	n = tftp_build_error(TFTP_ENOTFOUND, "file not found", b, sizeof(b));
	cr_assert_eq(n, 4 + 15);
	cr_assert_eq(memcmp(b, "\0\5\0\1file not found", 19), 0);
	n = tftp_build_error(TFTP_EACCESS, "access violation", b, 8);
	cr_assert_eq(n, 8, "message cut to fit");
	cr_assert_eq(b[7], 0);
	cr_assert_eq(tftp_build_error(0, "x", b, 4), -ENOSPC);
}

/* ---- confinement ---- */

Test(tftp_path, normalize)
{
	char rel[64];

	cr_assert_eq(tftp_path_normalize("a/b", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "a/b");
	cr_assert_eq(tftp_path_normalize("//a///./b/.//c", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "a/b/c");
	cr_assert_eq(tftp_path_normalize("/etc/passwd", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "etc/passwd", "absolute means from the root");
	cr_assert_eq(tftp_path_normalize("..a/b..", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "..a/b..");
	cr_assert_eq(tftp_path_normalize("../x", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a/../b", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a/..", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("/..", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a\nb", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("/", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("./.", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("dir/", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("abcdef", rel, 6), -ENAMETOOLONG);
	cr_assert_eq(tftp_path_normalize("abcde", rel, 6), 0);
}

static char tmpdir[64], root[128];

static void mkfile(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "create %s", path);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void fs_setup(void)
{
	char p[256];

	strcpy(tmpdir, "/tmp/natd-tftp-test.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	cr_assert_eq(mkdir(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/sub", tmpdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/boot.bin", tmpdir);
	mkfile(p, "0123456789", 10);
	snprintf(p, sizeof(p), "%s/root/sub/cfg", tmpdir);
	mkfile(p, "cfg", 3);
	snprintf(p, sizeof(p), "%s/secret", tmpdir);
	mkfile(p, "secret", 6);
	snprintf(p, sizeof(p), "%s/outdir", tmpdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/outdir/secret2", tmpdir);
	mkfile(p, "secret2", 7);
	/* links: inside the root (fine), out of it (refused) */
	snprintf(p, sizeof(p), "%s/root/link-in", tmpdir);
	cr_assert_eq(symlink("sub/cfg", p), 0);
	snprintf(p, sizeof(p), "%s/root/link-abs-in", tmpdir);
	{
		char t[256];

		snprintf(t, sizeof(t), "%s/root/boot.bin", tmpdir);
		cr_assert_eq(symlink(t, p), 0);
	}
	snprintf(p, sizeof(p), "%s/root/link-out", tmpdir);
	cr_assert_eq(symlink("../secret", p), 0);
	snprintf(p, sizeof(p), "%s/root/link-etc", tmpdir);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/root/dirlink", tmpdir);
	cr_assert_eq(symlink("../outdir", p), 0);
	snprintf(p, sizeof(p), "%s/root/fifo", tmpdir);
	cr_assert_eq(mkfifo(p, 0644), 0);
}

static void fs_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static int open_rel(const char *rel, enum tftp_open_how how, uint64_t *size)
{
	int fd = tftp_open_beneath_how(root, rel, size, how);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void check_confinement(enum tftp_open_how how)
{
	uint64_t size = 0;
	char missing[160];

	cr_assert_eq(open_rel("boot.bin", how, &size), 0);
	cr_assert_eq(size, 10);
	cr_assert_eq(open_rel("sub/cfg", how, &size), 0);
	cr_assert_eq(size, 3);
	cr_assert_eq(open_rel("link-in", how, &size), 0, "a symlink staying inside");
	cr_assert_eq(size, 3);
	cr_assert_eq(open_rel("nope", how, &size), -ENOENT);
	cr_assert_eq(open_rel("boot.bin/x", how, &size), -ENOTDIR);
	cr_assert_eq(open_rel("link-out", how, &size), -EXDEV, "../secret");
	cr_assert_eq(open_rel("link-etc", how, &size), -EXDEV, "/etc/passwd");
	cr_assert_eq(open_rel("dirlink/secret2", how, &size), -EXDEV, "directory link out");
	cr_assert_eq(open_rel("sub", how, &size), -EACCES, "a directory");
	cr_assert_eq(open_rel("fifo", how, &size), -EACCES, "a FIFO, opened without blocking");
	snprintf(missing, sizeof(missing), "%s/none", tmpdir);
	cr_assert_eq(tftp_open_beneath_how(missing, "boot.bin", &size, how), -ENOENT,
		     "no root");
}

Test(tftp_path, confinement_openat2, .init = fs_setup, .fini = fs_teardown)
{
	uint64_t size;
	int rc = tftp_open_beneath_how(root, "boot.bin", &size, TFTP_OPEN_OPENAT2);

	if (rc == -ENOSYS)
		cr_skip_test("kernel without openat2()");
	cr_assert_geq(rc, 0);
	close(rc);
	check_confinement(TFTP_OPEN_OPENAT2);
	/* a link to an absolute path inside the root: RESOLVE_BENEATH refuses
	 * absolute links even when they lead back inside (documented) */
	cr_assert_eq(open_rel("link-abs-in", TFTP_OPEN_OPENAT2, &size), -EXDEV);
}

Test(tftp_path, confinement_fallback, .init = fs_setup, .fini = fs_teardown)
{
	uint64_t size;

	check_confinement(TFTP_OPEN_CHECKED);
	cr_assert_eq(open_rel("link-abs-in", TFTP_OPEN_CHECKED, &size), 0);
}

Test(tftp_path, confinement_auto_and_errors, .init = fs_setup, .fini = fs_teardown)
{
	uint16_t code;
	const char *msg;
	uint64_t size;
	int fd;

	check_confinement(TFTP_OPEN_AUTO);
	fd = tftp_open_beneath(root, "boot.bin", &size);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);

	tftp_open_error(-ENOENT, &code, &msg);
	cr_assert_eq(code, TFTP_ENOTFOUND);
	cr_assert_str_eq(msg, "file not found");
	tftp_open_error(-EXDEV, &code, &msg);
	cr_assert_eq(code, TFTP_EACCESS);
	cr_assert_str_eq(msg, "access violation");
	tftp_open_error(-EACCES, &code, &msg);
	cr_assert_eq(code, TFTP_EACCESS);
	tftp_open_error(-EIO, &code, &msg);
	cr_assert_eq(code, TFTP_EUNDEF);
}

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

/* ---- PXE boot files ---- */

Test(tftp_boot, offered_while_the_root_exists, .init = fs_setup, .fini = fs_teardown)
{
	char file[TFTP_BOOT_FILE_MAX], efi[TFTP_BOOT_FILE_MAX], p[256], none[256];

	snprintf(none, sizeof(none), "%s/none", tmpdir);
	tftp_boot_files(none, "vm.pxe", false, file, efi);
	cr_assert_str_eq(file, "", "no root, nothing given: no boot file");
	cr_assert_str_eq(efi, "");
	tftp_boot_files(none, "vm.pxe", true, file, efi);
	cr_assert_str_eq(file, "vm.pxe", "--nattftpfile or --nattftpserver: offered anyway");
	cr_assert_str_eq(efi, "");
	tftp_boot_files(root, "", true, file, efi);
	cr_assert_str_eq(file, "");

	tftp_boot_files(root, "vm.pxe", false, file, efi);
	cr_assert_str_eq(file, "vm.pxe");
	cr_assert_str_eq(efi, "", "no vm.efi in the root");
	snprintf(p, sizeof(p), "%s/vm.efi", root);
	mkfile(p, "efi", 3);
	tftp_boot_files(root, "vm.pxe", false, file, efi);
	cr_assert_str_eq(efi, "vm.efi");

	snprintf(p, sizeof(p), "%s/sub/cfg.efi", root);
	mkfile(p, "efi", 3);
	tftp_boot_files(root, "sub/cfg", false, file, efi);
	cr_assert_str_eq(file, "sub/cfg");
	cr_assert_str_eq(efi, "sub/cfg.efi", ".efi appended when not .pxe");

	/* an EFI file that is a link out of the root is not offered */
	snprintf(p, sizeof(p), "%s/out.efi", root);
	cr_assert_eq(symlink("../secret", p), 0);
	tftp_boot_files(root, "out.pxe", false, file, efi);
	cr_assert_str_eq(file, "out.pxe");
	cr_assert_str_eq(efi, "");
}
