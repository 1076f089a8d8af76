/* SPDX-License-Identifier: MIT */
/*
 * tftp_server.c - the TFTP protocol engine (see tftp_server.h): request
 * parsing, option negotiation and the packets that answer a request (OACK,
 * ERROR). Confinement of file names to the root is tftp_path.c, the state
 * machine of one read transfer tftp_xfer.c.
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

void tftp_copy_printable(char *dst, size_t cap, const uint8_t *s, size_t n)
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
	tftp_copy_printable(r->filename, sizeof(r->filename), name, nlen);
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
