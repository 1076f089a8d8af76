/* SPDX-License-Identifier: MIT */
/*
 * resolvconf.c - resolv.conf reader (see resolvconf.h). Walks the text line
 * by line with a cursor and the bytes remaining, splitting each line into
 * words in place; nothing is copied except what is kept.
 */
#include "base/resolvconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* keyword + up to this many words per line; later words are ignored */
#define RC_MAX_WORDS (1 + RESOLVCONF_MAX_SEARCH + 26)

struct rc_word {
	const char *p;
	size_t len;
};

static bool rc_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool rc_word_is(const struct rc_word *w, const char *kw)
{
	return w->len == strlen(kw) && memcmp(w->p, kw, w->len) == 0;
}

/* A name we can hand on: labels of 1..63 bytes, at most 253 bytes, no spaces. */
static bool rc_name_ok(const char *p, size_t len)
{
	size_t i, label = 0;

	if (len && p[len - 1] == '.')
		len--; /* absolute name */
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f) {
			return false;
		} else if (++label > 63) {
			return false;
		}
	}
	return label > 0;
}

static void rc_add_ns(struct resolvconf *rc, const struct rc_word *w)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	struct sockaddr_storage ss;
	char *pct;

	if (rc->n_ns >= RESOLVCONF_MAX_NS || w->len >= sizeof(buf))
		return;
	memcpy(buf, w->p, w->len);
	buf[w->len] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (strchr(buf, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		pct = strchr(buf, '%');
		if (pct)
			*pct++ = '\0';
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
			return;
		if (pct) {
			unsigned idx = if_nametoindex(pct);

			if (idx == 0) {
				char *end;
				unsigned long n;

				if (*pct < '0' || *pct > '9')
					return;
				errno = 0;
				n = strtoul(pct, &end, 10);
				if (*end || errno || n == 0 || n > UINT32_MAX)
					return;
				idx = (unsigned)n;
			}
			s6->sin6_scope_id = idx;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		if (inet_pton(AF_INET, buf, &s4->sin_addr) != 1)
			return;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
	}
	rc->ns[rc->n_ns++] = ss;
}

/* "domain" (one name) or "search" (several): replaces the search list. */
static void rc_set_search(struct resolvconf *rc, const struct rc_word *w, size_t n)
{
	char list[RESOLVCONF_MAX_SEARCH][RESOLVCONF_NAME_MAX];
	unsigned k = 0;
	size_t i;

	for (i = 0; i < n && k < RESOLVCONF_MAX_SEARCH; i++) {
		if (!rc_name_ok(w[i].p, w[i].len))
			continue;
		memcpy(list[k], w[i].p, w[i].len);
		list[k][w[i].len] = '\0';
		k++;
	}
	if (k == 0)
		return; /* nothing usable: the line is ignored */
	memcpy(rc->search, list, sizeof(list[0]) * k);
	rc->n_search = k;
	memcpy(rc->domain, list[0], sizeof(rc->domain));
}

static void rc_line(struct resolvconf *rc, const char *p, size_t rem)
{
	struct rc_word w[RC_MAX_WORDS];
	size_t n = 0;

	while (rem > 0) {
		const char *start;

		while (rem > 0 && rc_space(*p)) {
			p++;
			rem--;
		}
		if (rem == 0 || *p == '#' || *p == ';')
			break;
		start = p;
		while (rem > 0 && !rc_space(*p)) {
			p++;
			rem--;
		}
		if (n < RC_MAX_WORDS) {
			w[n].p = start;
			w[n].len = (size_t)(p - start);
			n++;
		}
	}
	if (n < 2)
		return;
	if (rc_word_is(&w[0], "nameserver"))
		rc_add_ns(rc, &w[1]);
	else if (rc_word_is(&w[0], "domain"))
		rc_set_search(rc, &w[1], 1);
	else if (rc_word_is(&w[0], "search"))
		rc_set_search(rc, &w[1], n - 1);
	/* options, sortlist, anything else: ignored */
}

int resolvconf_parse(const char *text, size_t len, struct resolvconf *rc)
{
	const char *p = text;
	size_t rem = text ? len : 0;

	memset(rc, 0, sizeof(*rc));
	while (rem > 0) {
		const char *nl = memchr(p, '\n', rem);
		const char *nul = memchr(p, '\0', nl ? (size_t)(nl - p) : rem);
		size_t linelen, skip;

		if (nul)
			nl = nul;
		linelen = nl ? (size_t)(nl - p) : rem;
		skip = nl ? linelen + 1 : linelen;
		rc_line(rc, p, linelen);
		p += skip;
		rem -= skip;
	}
	return 0;
}

int resolvconf_load(const char *path, struct resolvconf *rc)
{
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, ret;

	memset(rc, 0, sizeof(*rc));
	ret = -ENOMEM;
	buf = malloc(RESOLVCONF_MAX_BYTES);
	if (!buf)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (got < RESOLVCONF_MAX_BYTES) {
		ssize_t n = read(fd, buf + got, RESOLVCONF_MAX_BYTES - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ret = resolvconf_parse(buf, got, rc);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

const char *resolvconf_path(void)
{
	const char *p = getenv("NATD_RESOLV_CONF");

	return p && *p ? p : "/etc/resolv.conf";
}

unsigned resolvconf_dhcp_nameservers(const struct resolvconf *rc, struct in_addr *out,
				     unsigned max, struct in_addr fallback)
{
	unsigned i, j, n = 0;

	for (i = 0; i < rc->n_ns && n < max; i++) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&rc->ns[i];
		uint32_t a;
		bool dup = false;

		if (s4->sin_family != AF_INET)
			continue;
		a = ntohl(s4->sin_addr.s_addr);
		if (a == 0 || (a >> 24) == 127)
			continue;
		for (j = 0; j < n; j++)
			dup |= out[j].s_addr == s4->sin_addr.s_addr;
		if (!dup)
			out[n++] = s4->sin_addr;
	}
	if (n == 0 && max > 0)
		out[n++] = fallback;
	return n;
}
