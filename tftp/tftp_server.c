/* SPDX-License-Identifier: MIT */
/*
 * tftp_server.c - the TFTP protocol engine (see tftp_server.h): request
 * parsing, option negotiation, confinement of file names to the root, and
 * the state machine of one read transfer.
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
#include "base/esc.h"

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

/* ---- requests --------------------------------------------------------- */

static void req_fail(struct tftp_request *r, uint16_t code, const char *msg)
{
	r->err_code = code;
	r->err_msg = msg;
}

/* A decimal option value: 1 to 20 digits, no sign, no overflow. */
static int parse_u64(const uint8_t *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static bool word_is(const uint8_t *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp((const char *)s, word, n) == 0;
}

/* s[0..n) up to a NUL, as natd's messages show outside text (base/esc.h:
 * control characters and bytes that are not UTF-8 as \xNN), cut to fit. */
static void copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	esc_mem(dst, cap, s, strnlen((const char *)s, n));
}

/*
 * Takes the NUL-terminated string at *p (at most *rem bytes): returns its
 * start and length in *n and moves past its NUL, or NULL when there is no
 * NUL before the end.
 */
static const uint8_t *take_str(const uint8_t **p, size_t *rem, size_t *n)
{
	const uint8_t *s = *p, *nul;

	if (*rem == 0)
		return NULL;
	nul = memchr(s, 0, *rem);
	if (!nul)
		return NULL;
	*n = (size_t)(nul - s);
	*p = nul + 1;
	*rem -= *n + 1;
	return s;
}

int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *r)
{
	const uint8_t *p = pkt, *name, *mode;
	size_t rem = len, nlen, mlen;
	uint16_t op;

	memset(r, 0, sizeof(*r));
	req_fail(r, TFTP_EBADOP, "malformed request");
	if (!pkt || rem < 2)
		return -EPROTO;
	op = (uint16_t)(p[0] << 8 | p[1]);
	if (op != TFTP_RRQ && op != TFTP_WRQ) {
		req_fail(r, TFTP_EBADOP, "not a request");
		return -EPROTO;
	}
	r->opcode = op;
	p += 2;
	rem -= 2;
	name = take_str(&p, &rem, &nlen);
	mode = name ? take_str(&p, &rem, &mlen) : NULL;
	if (!mode)
		return -EPROTO;
	/* A printable copy first, so that even a refused name can be logged. */
	copy_printable(r->filename, sizeof(r->filename), name, nlen);
	if (nlen >= TFTP_FILENAME_MAX) {
		req_fail(r, TFTP_EUNDEF, "file name too long");
		return -ENAMETOOLONG;
	}
	if (nlen == 0) {
		req_fail(r, TFTP_EACCESS, "empty file name");
		return -EILSEQ;
	}
	for (size_t i = 0; i < nlen; i++)
		if (name[i] < 0x20 || name[i] == 0x7f) {
			req_fail(r, TFTP_EACCESS, "control characters in file name");
			return -EILSEQ;
		}
	memcpy(r->filename, name, nlen);
	r->filename[nlen] = '\0';
	if (word_is(mode, mlen, "octet")) {
		r->mode = TFTP_MODE_OCTET;
	} else if (word_is(mode, mlen, "netascii")) {
		r->mode = TFTP_MODE_NETASCII;
	} else {
		req_fail(r, TFTP_EBADOP, word_is(mode, mlen, "mail") ?
			 "mail mode not supported" : "unknown transfer mode");
		return -ENOTSUP;
	}

	/* Options: a trailing incomplete pair or NUL padding ends the list. */
	while (rem > 0) {
		const uint8_t *oname, *oval;
		size_t on, ovn;
		uint64_t v;

		oname = take_str(&p, &rem, &on);
		if (!oname || on == 0)
			break;
		oval = take_str(&p, &rem, &ovn);
		if (!oval)
			break;
		if (parse_u64(oval, ovn, &v) < 0)
			continue;
		if (word_is(oname, on, "blksize")) {
			r->has_blksize = true;
			r->blksize = v;
		} else if (word_is(oname, on, "tsize")) {
			r->has_tsize = true;
			r->tsize = v;
		} else if (word_is(oname, on, "timeout")) {
			r->has_timeout = true;
			r->timeout = v;
		} else if (word_is(oname, on, "windowsize")) {
			r->has_windowsize = true;
			r->windowsize = v;
		}
	}
	req_fail(r, 0, NULL);
	return 0;
}

void tftp_negotiate(const struct tftp_request *r, unsigned max_blksize, uint64_t file_size,
		    struct tftp_params *p)
{
	unsigned cap = max_blksize;

	memset(p, 0, sizeof(*p));
	p->mode = r->mode;
	p->blksize = TFTP_SEGSIZE;
	p->windowsize = 1;
	p->timeout_ms = TFTP_RTO_MS;
	if (cap > TFTP_BLKSIZE_MAX)
		cap = TFTP_BLKSIZE_MAX;
	if (cap < TFTP_BLKSIZE_MIN)
		cap = TFTP_BLKSIZE_MIN;
	if (r->has_blksize && r->blksize >= TFTP_BLKSIZE_MIN) {
		p->blksize = (uint16_t)(r->blksize < cap ? r->blksize : cap);
		p->ack_blksize = true;
	}
	if (r->has_windowsize && r->windowsize >= 1 && r->windowsize <= 65535) {
		p->windowsize = (uint16_t)(r->windowsize < TFTP_WINDOW_MAX ? r->windowsize :
					   TFTP_WINDOW_MAX);
		p->ack_windowsize = true;
	}
	if (r->has_timeout && r->timeout >= 1 && r->timeout <= TFTP_TIMEOUT_MAX) {
		p->timeout_ms = (uint32_t)r->timeout * 1000;
		p->ack_timeout = true;
	}
	if (r->has_tsize && r->mode == TFTP_MODE_OCTET) {
		p->tsize = file_size;
		p->ack_tsize = true;
	}
	p->oack = p->ack_blksize || p->ack_windowsize || p->ack_timeout || p->ack_tsize;
}

int tftp_build_error(uint16_t code, const char *msg, uint8_t *out, size_t cap)
{
	size_t n = strlen(msg);

	if (cap < 5)
		return -ENOSPC;
	if (n > cap - 5)
		n = cap - 5;
	out[0] = 0;
	out[1] = TFTP_ERROR;
	out[2] = (uint8_t)(code >> 8);
	out[3] = (uint8_t)code;
	memcpy(out + 4, msg, n);
	out[4 + n] = 0;
	return (int)(5 + n);
}

/* Appends "name\0value\0". Returns the new length or -ENOSPC. */
static int put_opt(uint8_t *out, size_t cap, size_t len, const char *name, uint64_t v)
{
	char val[24];
	size_t nn = strlen(name), vn;

	vn = (size_t)snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	if (len + nn + 1 + vn + 1 > cap)
		return -ENOSPC;
	memcpy(out + len, name, nn + 1);
	len += nn + 1;
	memcpy(out + len, val, vn + 1);
	return (int)(len + vn + 1);
}

int tftp_build_oack(const struct tftp_params *p, uint8_t *out, size_t cap)
{
	int n = 2;

	if (cap < 2)
		return -ENOSPC;
	out[0] = 0;
	out[1] = TFTP_OACK;
	if (p->ack_blksize && n >= 0)
		n = put_opt(out, cap, (size_t)n, "blksize", p->blksize);
	if (p->ack_tsize && n >= 0)
		n = put_opt(out, cap, (size_t)n, "tsize", p->tsize);
	if (p->ack_timeout && n >= 0)
		n = put_opt(out, cap, (size_t)n, "timeout", p->timeout_ms / 1000);
	if (p->ack_windowsize && n >= 0)
		n = put_opt(out, cap, (size_t)n, "windowsize", p->windowsize);
	return n;
}

/* ---- confinement ------------------------------------------------------ */

int tftp_path_normalize(const char *name, char *rel, size_t cap)
{
	const char *p = name;
	size_t o = 0, n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return -EACCES;
	if (n > 0 && name[n - 1] == '/')
		return -ENOENT; /* a directory */
	while (*p) {
		const char *e;
		size_t l;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		l = (size_t)(e - p);
		p = e;
		if (l == 1 && e[-1] == '.')
			continue;
		if (l == 2 && e[-1] == '.' && e[-2] == '.')
			return -EACCES;
		if (o + (o ? 1 : 0) + l + 1 > cap)
			return -ENAMETOOLONG;
		if (o)
			rel[o++] = '/';
		memcpy(rel + o, e - l, l);
		o += l;
	}
	if (o == 0)
		return -ENOENT;
	rel[o] = '\0';
	return 0;
}

#define TFTP_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static int tftp_openat2(int dfd, const char *rel)
{
	struct open_how how = {
		.flags = TFTP_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The path a descriptor refers to, from /proc. */
static int fd_path(int fd, char *buf, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, cap - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/*
 * Without openat2: open as usual, then ask the kernel where the descriptor
 * really points (symlinks resolved) and refuse anything not inside the root.
 * Checking the open descriptor, not the name, leaves no window for a race.
 */
static int tftp_open_checked(int dfd, const char *rel)
{
	char rootp[PATH_MAX], filep[PATH_MAX];
	size_t rl;
	int fd, rc;

	fd = openat(dfd, rel, TFTP_OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	rc = fd_path(dfd, rootp, sizeof(rootp));
	if (rc == 0)
		rc = fd_path(fd, filep, sizeof(filep));
	if (rc < 0) {
		rc = -EACCES; /* cannot prove it is inside: refuse */
		goto out;
	}
	rl = strlen(rootp);
	if (rl == 1) /* the root is "/" */
		rl = 0;
	if (strncmp(filep, rootp, rl) != 0 || filep[rl] != '/') {
		rc = -EXDEV;
		goto out;
	}
	return fd;
out:
	close(fd);
	return rc;
}

int tftp_open_beneath_how(const char *root, const char *rel, uint64_t *size,
			  enum tftp_open_how how)
{
	static bool no_openat2;
	struct stat st;
	int dfd, fd = -1, rc;

	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (how == TFTP_OPEN_AUTO && !no_openat2) {
		fd = tftp_openat2(dfd, rel);
		if (fd == -ENOSYS || fd == -EPERM) { /* old kernel, or a seccomp filter */
			if (fd == -ENOSYS)
				no_openat2 = true;
			fd = tftp_open_checked(dfd, rel);
		}
	} else if (how == TFTP_OPEN_OPENAT2) {
		fd = tftp_openat2(dfd, rel);
	} else {
		fd = tftp_open_checked(dfd, rel);
	}
	if (fd < 0) {
		rc = fd;
		fd = -1;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EACCES;
		goto out;
	}
	*size = (uint64_t)st.st_size;
	rc = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

int tftp_open_beneath(const char *root, const char *rel, uint64_t *size)
{
	return tftp_open_beneath_how(root, rel, size, TFTP_OPEN_AUTO);
}

void tftp_open_error(int rc, uint16_t *code, const char **msg)
{
	switch (rc) {
	case -ENOENT:
	case -ENOTDIR:
		*code = TFTP_ENOTFOUND;
		*msg = "file not found";
		break;
	case -EXDEV:
	case -ELOOP:
	case -EACCES:
	case -EPERM:
	case -EISDIR:
		*code = TFTP_EACCESS;
		*msg = "access violation";
		break;
	case -ENAMETOOLONG:
		*code = TFTP_EUNDEF;
		*msg = "file name too long";
		break;
	default:
		*code = TFTP_EUNDEF;
		*msg = "cannot read file";
		break;
	}
}

void tftp_boot_files(const char *root, const char *file, bool always,
		     char out[TFTP_BOOT_FILE_MAX], char efi[TFTP_BOOT_FILE_MAX])
{
	char cand[TFTP_BOOT_FILE_MAX], rel[TFTP_FILENAME_MAX];
	struct stat st;
	bool have_root = root[0] && stat(root, &st) == 0 && S_ISDIR(st.st_mode);
	size_t n = strlen(file);
	uint64_t size;
	int fd;

	out[0] = efi[0] = '\0';
	if (n == 0 || n >= TFTP_BOOT_FILE_MAX || (!have_root && !always))
		return;
	memcpy(out, file, n + 1);
	if (!have_root)
		return;
	if (n > 4 && !strcmp(file + n - 4, ".pxe"))
		snprintf(cand, sizeof(cand), "%.*s.efi", (int)(n - 4), file);
	else if ((size_t)snprintf(cand, sizeof(cand), "%s.efi", file) >= sizeof(cand))
		return;
	if (tftp_path_normalize(cand, rel, sizeof(rel)) < 0)
		return;
	fd = tftp_open_beneath(root, rel, &size);
	if (fd < 0)
		return;
	close(fd);
	memcpy(efi, cand, strlen(cand) + 1);
}

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

		copy_printable(msg, sizeof(msg), pkt + 4, len - 4);
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
