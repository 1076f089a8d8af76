/* SPDX-License-Identifier: MIT */
/*
 * dhcp_options.c - DHCPv4 option values from text (see dhcp_options.h), and
 * the RFC 1035 name encoder that option 119 (here and in the server's own
 * replies) and the DHCPv6 domain list share.
 *
 * Text is what a user typed on the command line: it is parsed with a cursor
 * over a NUL-terminated string, split into tokens at commas and white space,
 * and each error names the option and quotes the offending token.
 */
#include "dhcp/dhcp_options.h"
#include "dhcp/dhcp_internal.h"
#include "base/bytes.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int dhcp_dns_name_encode(const char *name, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	const char *p = name;
	int rc = -EINVAL;

	if (!*p)
		goto out;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63)
			goto out;
		if (n + 1 + l + 1 > 255) /* + the root label still to come */
			goto out;
		if (n + 1 + l > cap) {
			rc = -ENOSPC;
			goto out;
		}
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, p, l);
		n += l;
		if (!dot)
			break;
		p = dot + 1; /* a trailing dot leaves *p == '\0' */
	}
	if (n + 1 > cap) {
		rc = -ENOSPC;
		goto out;
	}
	buf[n++] = 0;
	rc = (int)n;
out:
	return rc;
}

bool dhcp_opt_settable(uint8_t code)
{
	switch (code) {
	case DHO_PAD:
	case DHO_END:
	case DHO_REQUESTED_ADDR:
	case DHO_OVERLOAD:
	case DHO_MSG_TYPE:
	case DHO_SERVER_ID:
	case DHO_PARAM_REQ:
	case DHO_MAX_MSG_SIZE:
	case DHO_CLIENT_ID:
		return false;
	default:
		return true;
	}
}

/* ---- option types --------------------------------------------------------- */

enum opt_type {
	T_NONE,     /* no text form: hex only */
	T_IP,       /* one IPv4 address */
	T_IPS,      /* one or more */
	T_IP_PAIRS, /* an even number */
	T_U32,
	T_S32,
	T_U16,
	T_U8,
	T_BOOL,
	T_STR,
	T_SEARCH,   /* 119 */
	T_ROUTES,   /* 121 */
};

static enum opt_type opt_type(uint8_t code)
{
	switch (code) {
	case 1: case 16: case 28: case 32:
		return T_IP;
	case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
	case 41: case 42: case 44: case 45: case 48: case 49: case 65:
	case 68: case 69: case 70: case 71: case 72: case 73: case 74: case 75: case 76:
		return T_IPS;
	case 21: case 33:
		return T_IP_PAIRS;
	case 24: case 35: case 38: case 51: case 58: case 59:
		return T_U32;
	case 2:
		return T_S32;
	case 13: case 22: case 26:
		return T_U16;
	case 23: case 37:
		return T_U8;
	case 19: case 20: case 27: case 29: case 30: case 31: case 34: case 36: case 39:
		return T_BOOL;
	case 12: case 14: case 15: case 17: case 18: case 40: case 47: case 56: case 60:
	case 62: case 64: case 66: case 67: case 100: case 101:
		return T_STR;
	case DHO_DOMAIN_SEARCH:
		return T_SEARCH;
	case DHO_CLASSLESS_ROUTES:
		return T_ROUTES;
	default:
		return T_NONE;
	}
}

/* ---- tokens --------------------------------------------------------------- */

#define TOK_MAX 64 /* longest token shown in an error */

struct tok {
	const char *p;
	size_t len;
};

static bool is_sep(char c, const char *seps)
{
	return c != '\0' && strchr(seps, c) != NULL;
}

/* The next token of *cur up to one of seps (skipping runs of them); false at the end. */
static bool next_tok(const char **cur, const char *seps, struct tok *t)
{
	const char *p = *cur;

	while (is_sep(*p, seps))
		p++;
	if (!*p)
		return false;
	t->p = p;
	while (*p && !is_sep(*p, seps))
		p++;
	t->len = (size_t)(p - t->p);
	*cur = p;
	return true;
}

/* tok as a string in buf (cap bytes); false when it does not fit. */
static bool tok_str(const struct tok *t, char *buf, size_t cap)
{
	if (t->len >= cap)
		return false;
	memcpy(buf, t->p, t->len);
	buf[t->len] = '\0';
	return true;
}

static bool tok_ip(const struct tok *t, uint8_t out[4])
{
	char buf[INET_ADDRSTRLEN];

	return tok_str(t, buf, sizeof(buf)) && inet_pton(AF_INET, buf, out) == 1;
}

/* A decimal number in [min, max]; false otherwise. */
static bool tok_num(const struct tok *t, int64_t min, int64_t max, int64_t *v)
{
	size_t i = 0;
	bool neg = false;
	int64_t n = 0;

	if (i < t->len && (t->p[i] == '-' || t->p[i] == '+'))
		neg = t->p[i++] == '-';
	if (i == t->len)
		return false;
	for (; i < t->len; i++) {
		if (!isdigit((unsigned char)t->p[i]))
			return false;
		n = n * 10 + (t->p[i] - '0');
		if (n > (int64_t)1 << 33)
			return false; /* far out of any range, and no overflow */
	}
	n = neg ? -n : n;
	if (n < min || n > max)
		return false;
	*v = n;
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return strlen(word) == t->len && strncasecmp(t->p, word, t->len) == 0;
}

/* ---- encoders ------------------------------------------------------------- */

#define SEPS ", \t"

struct enc {
	uint8_t code;
	struct dhcp_opt *out;
	char *err;
	size_t errlen;
};

static int bad_tok(const struct enc *e, const struct tok *t, const char *what)
{
	return errfmt(e->err, e->errlen, -EINVAL, "option %u: '%.*s%s' is not %s", e->code,
		      (int)(t->len > TOK_MAX ? TOK_MAX : t->len), t->p,
		      t->len > TOK_MAX ? "..." : "", what);
}

static int enc_ips(const struct enc *e, const char *text, enum opt_type type)
{
	const char *cur = text;
	struct tok t;
	size_t n = 0;

	while (next_tok(&cur, SEPS, &t)) {
		if (n + 4 > sizeof(e->out->data) || (type == T_IP && n > 0))
			return errfmt(e->err, e->errlen, -EINVAL, "option %u: %s", e->code,
				      type == T_IP ? "takes one IPv4 address" :
				      "too many addresses (at most 63)");
		if (!tok_ip(&t, e->out->data + n))
			return bad_tok(e, &t, "an IPv4 address");
		n += 4;
	}
	if (n == 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: no IPv4 address given",
			      e->code);
	if (type == T_IP_PAIRS && n % 8 != 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: takes pairs of IPv4 "
			      "addresses, got an odd number", e->code);
	e->out->len = (uint8_t)n;
	return 0;
}

static int enc_num(const struct enc *e, const char *text, enum opt_type type)
{
	static const struct {
		int64_t min, max;
		uint8_t size;
	} range[] = {
		[T_U32] = { 0, UINT32_MAX, 4 }, [T_S32] = { INT32_MIN, INT32_MAX, 4 },
		[T_U16] = { 0, UINT16_MAX, 2 }, [T_U8] = { 0, UINT8_MAX, 1 },
	};
	const char *cur = text;
	struct tok t, extra;
	int64_t v;

	if (!next_tok(&cur, SEPS, &t))
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: no number given", e->code);
	if (next_tok(&cur, SEPS, &extra))
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: takes one number, "
			      "not '%.*s'", e->code, TOK_MAX, text);
	if (!tok_num(&t, range[type].min, range[type].max, &v)) {
		char what[64];

		snprintf(what, sizeof(what), "a number from %" PRId64 " to %" PRId64,
			 range[type].min, range[type].max);
		return bad_tok(e, &t, what);
	}
	if (e->code == DHO_LEASE_TIME && v == 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option 51: a lease time of 0 "
			      "seconds");
	e->out->len = range[type].size;
	if (range[type].size == 4)
		put32(e->out->data, (uint32_t)v); /* two's complement for T_S32 */
	else if (range[type].size == 2)
		put16(e->out->data, (uint16_t)v);
	else
		e->out->data[0] = (uint8_t)v;
	return 0;
}

static int enc_bool(const struct enc *e, const char *text)
{
	static const char *const yes[] = { "1", "true", "on" }, *const no[] = { "0", "false", "off" };
	const char *cur = text;
	struct tok t = { text, 0 }, extra;

	if (next_tok(&cur, SEPS, &t) && !next_tok(&cur, SEPS, &extra)) {
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
			if (tok_is(&t, yes[i]) || tok_is(&t, no[i])) {
				e->out->data[0] = tok_is(&t, yes[i]);
				e->out->len = 1;
				return 0;
			}
		}
	}
	return errfmt(e->err, e->errlen, -EINVAL, "option %u: '%.*s' is not 0/1, "
		      "true/false or on/off", e->code, TOK_MAX, text);
}

static int enc_str(const struct enc *e, const char *text)
{
	size_t n = strlen(text);

	if (n == 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: empty text", e->code);
	if (n > sizeof(e->out->data))
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: text of %zu bytes, "
			      "at most 255", e->code, n);
	memcpy(e->out->data, text, n);
	e->out->len = (uint8_t)n;
	return 0;
}

/* RFC 3397: the names one after the other, uncompressed. */
static int enc_search(const struct enc *e, const char *text)
{
	const char *cur = text;
	char name[256];
	struct tok t;
	size_t n = 0;

	while (next_tok(&cur, SEPS, &t)) {
		int l = -EINVAL;

		if (tok_str(&t, name, sizeof(name)))
			l = dhcp_dns_name_encode(name, e->out->data + n,
						 sizeof(e->out->data) - n);
		if (l == -ENOSPC)
			return errfmt(e->err, e->errlen, -EINVAL, "option %u: the names take "
				      "more than 255 bytes", e->code);
		if (l < 0)
			return bad_tok(e, &t, "a domain name");
		n += (size_t)l;
	}
	if (n == 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: no domain name given",
			      e->code);
	e->out->len = (uint8_t)n;
	return 0;
}

/* One "net/len gateway" route (RFC 3442): width, significant octets, router. */
static int enc_route(const struct enc *e, const char *item, size_t *n)
{
	const char *cur = item, *slash;
	struct tok net, gw, extra, addr, plen;
	uint8_t a[4], g[4];
	uint32_t mask;
	int64_t bits;
	size_t sig;

	if (!next_tok(&cur, " \t", &net) || !next_tok(&cur, " \t", &gw) ||
	    next_tok(&cur, " \t", &extra)) {
		struct tok all = { item, strlen(item) };

		return bad_tok(e, &all, "a route 'net/len gateway'");
	}
	slash = memchr(net.p, '/', net.len);
	if (!slash)
		return bad_tok(e, &net, "a network 'address/length'");
	addr = (struct tok){ net.p, (size_t)(slash - net.p) };
	plen = (struct tok){ slash + 1, net.len - addr.len - 1 };
	if (!tok_ip(&addr, a))
		return bad_tok(e, &addr, "an IPv4 address");
	if (!tok_num(&plen, 0, 32, &bits))
		return bad_tok(e, &plen, "a prefix length from 0 to 32");
	mask = bits ? ~0u << (32 - bits) : 0;
	if (get32(a) & ~mask)
		return bad_tok(e, &net, "a network (host bits are set)");
	if (!tok_ip(&gw, g))
		return bad_tok(e, &gw, "an IPv4 address");
	sig = ((size_t)bits + 7) / 8;
	if (*n + 1 + sig + 4 > sizeof(e->out->data))
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: the routes take more "
			      "than 255 bytes", e->code);
	e->out->data[(*n)++] = (uint8_t)bits;
	memcpy(e->out->data + *n, a, sig);
	*n += sig;
	memcpy(e->out->data + *n, g, 4);
	*n += 4;
	return 0;
}

/* Routes separated by commas, each in its own NUL-terminated copy. */
static int enc_routes(const struct enc *e, const char *text)
{
	const char *cur = text;
	char item[128];
	struct tok t;
	size_t n = 0;
	int rc;

	while (next_tok(&cur, ",", &t)) {
		const char *p = item;
		struct tok word;

		if (!tok_str(&t, item, sizeof(item)))
			return bad_tok(e, &t, "a route 'net/len gateway'");
		if (!next_tok(&p, " \t", &word))
			continue; /* only blanks between two commas */
		rc = enc_route(e, item, &n);
		if (rc < 0)
			return rc;
	}
	if (n == 0)
		return errfmt(e->err, e->errlen, -EINVAL, "option %u: no route given", e->code);
	e->out->len = (uint8_t)n;
	return 0;
}

/* Starts *out for code; refuses a code that is not settable, or no text. */
static int check_code(uint8_t code, const char *text, struct dhcp_opt *out, char *err,
		      size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->code = code;
	if (!text)
		return errfmt(err, errlen, -EINVAL, "option %u: no value given", code);
	if (!dhcp_opt_settable(code))
		return errfmt(err, errlen, -EINVAL, "option %u: cannot be set, the DHCP "
			      "server manages it", code);
	return 0;
}

int dhcp_opt_from_text(uint8_t code, const char *text, struct dhcp_opt *out,
		       char *err, size_t errlen)
{
	struct enc e = { code, out, err, errlen };
	enum opt_type type = opt_type(code);
	int rc = check_code(code, text, out, err, errlen);

	if (rc < 0)
		goto out;
	switch (type) {
	case T_NONE:
		rc = errfmt(err, errlen, -EINVAL, "option %u: no known text form, give it "
			    "in hex (--set-opt-hex)", code);
		break;
	case T_IP:
	case T_IPS:
	case T_IP_PAIRS:
		rc = enc_ips(&e, text, type);
		break;
	case T_U32:
	case T_S32:
	case T_U16:
	case T_U8:
		rc = enc_num(&e, text, type);
		break;
	case T_BOOL:
		rc = enc_bool(&e, text);
		break;
	case T_STR:
		rc = enc_str(&e, text);
		break;
	case T_SEARCH:
		rc = enc_search(&e, text);
		break;
	case T_ROUTES:
		rc = enc_routes(&e, text);
		break;
	}
out:
	if (rc < 0)
		out->len = 0;
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dhcp_opt_from_hex(uint8_t code, const char *text, struct dhcp_opt *out,
		      char *err, size_t errlen)
{
	bool colons;
	const char *p = text;
	size_t n = 0;
	int rc = check_code(code, text, out, err, errlen);

	if (rc < 0)
		goto out;
	colons = strchr(text, ':') != NULL;
	rc = -EINVAL;
	while (*p) {
		int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

		if (lo < 0) {
			rc = errfmt(err, errlen, -EINVAL, "option %u: '%.*s' is not hex bytes "
				    "(\"01:02:ff\" or \"0102ff\")", code, TOK_MAX, text);
			goto out;
		}
		if (n == sizeof(out->data)) {
			rc = errfmt(err, errlen, -EINVAL, "option %u: more than 255 bytes", code);
			goto out;
		}
		out->data[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (colons && *p == ':' && p[1])
			p++;
		else if (colons && *p) {
			rc = errfmt(err, errlen, -EINVAL, "option %u: '%.*s' is not hex bytes "
				    "(\"01:02:ff\" or \"0102ff\")", code, TOK_MAX, text);
			goto out;
		}
	}
	if (n == 0) {
		rc = errfmt(err, errlen, -EINVAL, "option %u: no bytes given", code);
		goto out;
	}
	out->len = (uint8_t)n;
	rc = 0;
out:
	if (rc < 0)
		out->len = 0;
	return rc;
}
