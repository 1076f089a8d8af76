/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_server_request.c - unit tests of tftp/tftp_server.c's requests:
 * read requests composed byte by byte and parsed (modes, options, tolerated
 * oddities, malformed ones), option negotiation (defaults, caps, ranges),
 * and the OACK and ERROR packets built.
 */
#include "tftp/tftp_internal.h"
#include "tftp/tftp_server.h"
#include "tftp_server_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
