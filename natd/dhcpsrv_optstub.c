/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_optstub.c - TEMPORARY STAND-IN for the DHCP engine's option
 * encoder (dhcp_opt_settable, dhcp_opt_from_text, dhcp_opt_from_hex in
 * dhcp/dhcp_server.h), written on branch wt-dhcp at the same time as
 * `natd dhcpserver`.
 *
 * >>> DELETE THIS FILE AT MERGE: the engine's dhcp/ provides these three
 * >>> functions (the link would otherwise see them twice).
 *
 * Just enough for the CLI and its tests: address options (lists separated
 * by commas or blanks), names, numbers, booleans, and raw bytes for codes it
 * does not know. The real encoder decides the final rules.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dhcp/dhcp_server.h"

enum stub_kind { K_RAW, K_ADDR, K_ADDRS, K_STR, K_U8, K_U16, K_U32, K_S32, K_BOOL };

static enum stub_kind kind_of(uint8_t code)
{
	switch (code) {
	case 16: case 28: case 32:
		return K_ADDR;
	case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
	case 41: case 42: case 44: case 45: case 48: case 49: case 65:
	case 68: case 69: case 70: case 71: case 72: case 73: case 74: case 75: case 76:
		return K_ADDRS;
	case 12: case 14: case 15: case 17: case 18: case 40: case 47: case 64:
	case 66: case 67:
		return K_STR;
	case 23: case 37: case 46:
		return K_U8;
	case 13: case 22: case 26: case 57:
		return K_U16;
	case 24: case 35: case 38:
		return K_U32;
	case 2:
		return K_S32;
	case 19: case 20: case 27: case 29: case 30: case 31: case 34: case 36: case 39:
		return K_BOOL;
	default:
		return K_RAW;
	}
}

bool dhcp_opt_settable(uint8_t code)
{
	static const uint8_t owned[] = { 0, 1, 28, 50, 51, 52, 53, 54, 55, 58, 59, 61, 255 };

	for (size_t i = 0; i < sizeof(owned); i++)
		if (owned[i] == code)
			return false;
	return true;
}

static int put_number(uint8_t code, const char *text, enum stub_kind k, struct dhcp_opt *out,
		      char *err, size_t errlen)
{
	long long v, lo = 0, hi;
	unsigned n;
	char *end;

	hi = k == K_U8 ? 255 : k == K_U16 ? 65535 : k == K_U32 ? 4294967295LL : 2147483647;
	n = k == K_U8 ? 1 : k == K_U16 ? 2 : 4;
	if (k == K_S32)
		lo = -2147483648LL;
	errno = 0;
	v = strtoll(text, &end, 0);
	if (!*text || *end || errno || v < lo || v > hi)
		return errfmt(err, errlen, -EINVAL, "option %u: '%s' is not a number from %lld "
			      "to %lld", code, text, lo, hi);
	out->len = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		out->data[i] = (uint8_t)((unsigned long long)v >> (8 * (n - 1 - i)));
	return 0;
}

int dhcp_opt_from_text(uint8_t code, const char *text, struct dhcp_opt *out, char *err,
		       size_t errlen)
{
	enum stub_kind k = kind_of(code);
	size_t n = strlen(text);

	memset(out, 0, sizeof(*out));
	out->code = code;
	if (!dhcp_opt_settable(code))
		return errfmt(err, errlen, -EINVAL, "option %u is set by the server itself", code);
	switch (k) {
	case K_ADDR:
	case K_ADDRS: {
		const char *p = text;

		while (*p) {
			char a[INET_ADDRSTRLEN];
			size_t l = strcspn(p, ", \t");
			struct in_addr ia;

			if (l == 0) {
				p++;
				continue;
			}
			if (l >= sizeof(a) || (k == K_ADDR && out->len) || out->len > 251)
				goto bad_addr;
			memcpy(a, p, l);
			a[l] = '\0';
			if (inet_pton(AF_INET, a, &ia) != 1)
				goto bad_addr;
			memcpy(out->data + out->len, &ia, 4);
			out->len += 4;
			p += l;
		}
		if (out->len == 0)
			goto bad_addr;
		return 0;
	}
	case K_BOOL:
		if (!strcmp(text, "1") || !strcmp(text, "true") || !strcmp(text, "on"))
			out->data[0] = 1;
		else if (strcmp(text, "0") && strcmp(text, "false") && strcmp(text, "off"))
			return errfmt(err, errlen, -EINVAL, "option %u: expected 0 or 1, not '%s'",
				      code, text);
		out->len = 1;
		return 0;
	case K_U8:
	case K_U16:
	case K_U32:
	case K_S32:
		return put_number(code, text, k, out, err, errlen);
	case K_STR:
	case K_RAW:
		if (n == 0 || n > sizeof(out->data))
			return errfmt(err, errlen, -EINVAL, "option %u: expected 1 to %zu bytes of "
				      "text", code, sizeof(out->data));
		memcpy(out->data, text, n);
		out->len = (uint8_t)n;
		return 0;
	}
bad_addr:
	return errfmt(err, errlen, -EINVAL, "option %u: '%s' is not %s", code, text,
		      k == K_ADDR ? "an IPv4 address" : "a list of IPv4 addresses");
}

int dhcp_opt_from_hex(uint8_t code, const char *text, struct dhcp_opt *out, char *err,
		      size_t errlen)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	out->code = code;
	if (!dhcp_opt_settable(code))
		return errfmt(err, errlen, -EINVAL, "option %u is set by the server itself", code);
	while (*p) {
		if (*p == ':' && p != text && p[1]) {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    out->len == sizeof(out->data))
			return errfmt(err, errlen, -EINVAL, "option %u: '%s' is not a hex string "
				      "of 1 to 255 bytes (\"0102\" or \"01:02\")", code, text);
		char b[3] = { p[0], p[1], 0 };

		out->data[out->len++] = (uint8_t)strtoul(b, NULL, 16);
		p += 2;
	}
	if (out->len == 0)
		return errfmt(err, errlen, -EINVAL, "option %u: empty hex string", code);
	return 0;
}
