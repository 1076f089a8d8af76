/* SPDX-License-Identifier: MIT */
/*
 * esc.c - echoing outside text in messages (see esc.h). The UTF-8 decoder
 * follows RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
#include "base/esc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static size_t esc_bytes(char *dst, size_t dstlen, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_len(p + i, n - i, &cp);

		if (len && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f)) {
			if (o + len >= dstlen)
				break;
			memcpy(dst + o, p + i, len);
			o += len;
			i += len;
			continue;
		}
		/* an invalid byte, or every byte of a control character */
		len = len ? len : 1;
		if (o + 4 * len >= dstlen)
			break;
		for (size_t k = 0; k < len; k++) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i + k] >> 4];
			dst[o++] = hex[p[i + k] & 15];
		}
		i += len;
	}
	dst[o] = '\0';
	return o;
}

size_t esc_text(char *dst, size_t dstlen, const char *src)
{
	return esc_bytes(dst, dstlen, src, strlen(src));
}

size_t esc_mem(char *dst, size_t dstlen, const void *src, size_t n)
{
	return esc_bytes(dst, dstlen, src, n);
}

void esc_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char small[1024], *text = small, *out;
	va_list ap2;
	size_t n;
	bool nl;
	int len;

	va_copy(ap2, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(small)) {
		text = malloc((size_t)len + 1);
		if (!text)
			return;
		vsnprintf(text, (size_t)len + 1, fmt, ap);
	}
	n = (size_t)len;
	nl = n && text[n - 1] == '\n';
	out = malloc(ESC_MAX(n) + 1);
	if (out) {
		size_t o = esc_bytes(out, ESC_MAX(n), text, nl ? n - 1 : n);

		if (nl)
			memcpy(out + o, "\n", 2);
		fputs(out, f); /* one write on an unbuffered stderr */
		free(out);
	}
	if (text != small)
		free(text);
}

void esc_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	esc_vfprintf(f, fmt, ap);
	va_end(ap);
}
