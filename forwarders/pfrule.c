/* SPDX-License-Identifier: MIT */
/*
 * pfrule.c - port-forwarding rules in VirtualBox's two syntaxes: parser,
 * formatter and the checks of a rule set (unique names, host sockets that do
 * not overlap, privileged ports). See pfrule.h.
 *
 * The parser works on a copy of the text split into fields; every field is
 * checked on its own so that a message can name the one that is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "forwarders/pfrule.h"
#include "base/log.h"
#include "base/privport.h"

#define PFRULE_INPUT_MAX 512

const char *pfrule_proto_name(enum pfrule_proto p)
{
	return p == PFRULE_UDP ? "udp" : "tcp";
}

const char *pfrule_addr_format(const struct pfrule_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, &a->u, buf, (socklen_t)len);
	return buf;
}

/* Names: printable ASCII without the separators of either syntax or quotes. */
static int parse_name(const char *s, struct pfrule *out, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n >= PFRULE_NAME_MAX) {
		errfmt(err, errlen, 0, "rule name '%.20s...': longer than %d characters", s,
		       PFRULE_NAME_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || ch == ',' || ch == ':' || ch == '"' ||
		    ch == '\\' || ch == '[' || ch == ']') {
			errfmt(err, errlen, 0, "rule name '%s': only printable characters other "
			       "than , : \" \\ [ ] are allowed", s);
			return -EINVAL;
		}
	}
	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' ')) {
		errfmt(err, errlen, 0, "rule name '%s': leading or trailing space", s);
		return -EINVAL;
	}
	memcpy(out->name, s, n + 1);
	return 0;
}

static int parse_proto(const char *s, struct pfrule *out, char *err, size_t errlen)
{
	if (!strcasecmp(s, "tcp")) {
		out->proto = PFRULE_TCP;
	} else if (!strcasecmp(s, "udp")) {
		out->proto = PFRULE_UDP;
	} else {
		errfmt(err, errlen, 0, "protocol '%s': must be tcp or udp", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_port(const char *what, const char *s, uint16_t *port, char *err,
		      size_t errlen)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0) {
		errfmt(err, errlen, 0, "%s port missing", what);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5) {
			errfmt(err, errlen, 0, "%s port '%s': must be a number from 1 to 65535",
			       what, s);
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		errfmt(err, errlen, 0, "%s port '%s': must be 1 to 65535", what, s);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

/* family: AF_UNSPEC accepts either; empty text gives AF_UNSPEC when allowed. */
static int parse_addr(const char *what, const char *s, int family, bool guest,
		      struct pfrule_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (s[0] == '\0')
		return 0;
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
	} else {
		errfmt(err, errlen, 0, "%s address '%s': not an IPv4 or IPv6 address", what, s);
		return -EINVAL;
	}
	if (family != AF_UNSPEC && a->family != family) {
		errfmt(err, errlen, 0, "%s address '%s': must be an %s address here", what, s,
		       family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->u.v4.s_addr);

		if ((v >> 28) == 0xe || v == 0xffffffffu || (guest && v == 0)) {
			errfmt(err, errlen, 0, "%s address '%s': not a unicast address", what, s);
			return -EINVAL;
		}
	} else {
		/* a guest "::" stands for the guest's IPv6 address natd saw */
		if (IN6_IS_ADDR_MULTICAST(&a->u.v6) ||
		    (guest && IN6_IS_ADDR_LOOPBACK(&a->u.v6))) {
			errfmt(err, errlen, 0, "%s address '%s': not a unicast address", what, s);
			return -EINVAL;
		}
	}
	return 0;
}

/* Splits the VirtualBox syntax: exactly six comma-separated fields. */
static int split_vbox(char *buf, char *f[6], char *err, size_t errlen)
{
	int n = 1;
	char *p = buf;

	for (const char *q = buf; *q; q++)
		n += *q == ',';
	if (n != 6) {
		errfmt(err, errlen, 0, "expected 6 comma-separated fields "
		       "(name,proto,hostip,hostport,guestip,guestport), got %d", n);
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		char *c = strchr(p, ',');

		f[i] = p;
		if (c) {
			*c = '\0';
			p = c + 1;
		}
	}
	return 0;
}

/*
 * Splits the NAT-network syntax: name:proto:[hostip]:hostport:[guestip]:guestport.
 * Address fields may be bracketed (needed for IPv6); brackets are removed.
 */
static int split_natnet(char *buf, char *f[6], char *err, size_t errlen)
{
	char *p = buf;

	for (int i = 0; i < 6; i++) {
		char *end;

		if ((i == 2 || i == 4) && *p == '[') {
			end = strchr(p, ']');
			if (!end) {
				errfmt(err, errlen, 0, "%s address: missing ']'",
				       i == 2 ? "host" : "guest");
				return -EINVAL;
			}
			f[i] = p + 1;
			*end = '\0';
			p = end + 1;
			if (i < 5 && *p != ':') {
				errfmt(err, errlen, 0, "expected ':' after the %s address",
				       i == 2 ? "host" : "guest");
				return -EINVAL;
			}
			p++;
			continue;
		}
		f[i] = p;
		end = strchr(p, ':');
		if (i == 5) {
			if (end) {
				errfmt(err, errlen, 0, "too many ':'-separated fields (expected "
				       "name:proto:[hostip]:hostport:[guestip]:guestport)");
				return -EINVAL;
			}
			break;
		}
		if (!end) {
			errfmt(err, errlen, 0, "expected 6 ':'-separated fields "
			       "(name:proto:[hostip]:hostport:[guestip]:guestport), got %d", i + 1);
			return -EINVAL;
		}
		*end = '\0';
		p = end + 1;
	}
	return 0;
}

int pfrule_parse(const char *text, enum pfrule_syntax syntax, int family,
		 struct pfrule *out, char *err, size_t errlen)
{
	char buf[PFRULE_INPUT_MAX];
	char *f[6];
	size_t n = strlen(text);
	int rc;

	memset(out, 0, sizeof(*out));
	if (n >= sizeof(buf)) {
		errfmt(err, errlen, 0, "rule longer than %d characters", PFRULE_INPUT_MAX - 1);
		return -EINVAL;
	}
	memcpy(buf, text, n + 1);
	if (syntax == PFRULE_SYNTAX_NATNET) {
		if (family != AF_INET && family != AF_INET6)
			family = AF_INET;
		rc = split_natnet(buf, f, err, errlen);
	} else {
		family = AF_UNSPEC;
		rc = split_vbox(buf, f, err, errlen);
	}
	if (rc < 0)
		return rc;
	if ((rc = parse_name(f[0], out, err, errlen)) < 0 ||
	    (rc = parse_proto(f[1], out, err, errlen)) < 0 ||
	    (rc = parse_addr("host", f[2], family, false, &out->host, err, errlen)) < 0 ||
	    (rc = parse_port("host", f[3], &out->host_port, err, errlen)) < 0 ||
	    (rc = parse_addr("guest", f[4], family, true, &out->guest, err, errlen)) < 0 ||
	    (rc = parse_port("guest", f[5], &out->guest_port, err, errlen)) < 0)
		return rc;
	out->family = family;
	if (syntax == PFRULE_SYNTAX_NATNET && out->name[0] == '\0') {
		errfmt(err, errlen, 0, "rule name missing");
		return -EINVAL;
	}
	if (syntax == PFRULE_SYNTAX_NATNET && out->guest.family == AF_UNSPEC) {
		errfmt(err, errlen, 0, "guest address missing (NAT-network rules need one)");
		return -EINVAL;
	}
	return 0;
}

int pfrule_format(const struct pfrule *r, enum pfrule_syntax syntax, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	int n;

	pfrule_addr_format(&r->host, h, sizeof(h));
	pfrule_addr_format(&r->guest, g, sizeof(g));
	if (syntax == PFRULE_SYNTAX_NATNET)
		n = snprintf(buf, len, "%s:%s:[%s]:%u:[%s]:%u", r->name,
			     pfrule_proto_name(r->proto), h, r->host_port, g, r->guest_port);
	else
		n = snprintf(buf, len, "%s,%s,%s,%u,%s,%u", r->name, pfrule_proto_name(r->proto),
			     h, r->host_port, g, r->guest_port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static bool addr_is_any(const struct pfrule_addr *a)
{
	if (a->family == AF_UNSPEC)
		return true;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->u.v6);
}

int pfrule_host_family(const struct pfrule *r)
{
	return r->host.family != AF_UNSPEC ? r->host.family : r->family;
}

bool pfrule_host_conflict(const struct pfrule *a, const struct pfrule *b)
{
	const struct pfrule_addr *x = &a->host, *y = &b->host;
	int fx = pfrule_host_family(a), fy = pfrule_host_family(b);

	if (a->proto != b->proto || a->host_port != b->host_port)
		return false;
	if (fx == AF_UNSPEC || fy == AF_UNSPEC)
		return true; /* the dual-stack socket takes every address */
	if (fx != fy)
		return false;
	if (addr_is_any(x) || addr_is_any(y))
		return true;
	return x->family == AF_INET ? x->u.v4.s_addr == y->u.v4.s_addr
				    : !memcmp(&x->u.v6, &y->u.v6, sizeof(x->u.v6));
}

int pfrule_check_guest(const struct pfrule *r, const struct pfrule_guest_net *net,
		       char *err, size_t errlen)
{
	char g[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];

	pfrule_addr_format(&r->guest, g, sizeof(g));
	if (r->guest.family == AF_INET) {
		uint32_t a = r->guest.u.v4.s_addr;

		inet_ntop(AF_INET, &net->network, n, sizeof(n));
		if ((a & net->netmask.s_addr) != net->network.s_addr)
			return errfmt(err, errlen, -EINVAL, "guest address %s is outside the "
				      "adapter's network %s/%u", g, n, net->prefixlen);
		if (a == net->network.s_addr ||
		    a == (net->network.s_addr | ~net->netmask.s_addr))
			return errfmt(err, errlen, -EINVAL, "guest address %s is the network's "
				      "%s address", g, a == net->network.s_addr ? "own" :
				      "broadcast");
		for (unsigned i = 0; i < net->n_own; i++)
			if (a == net->own[i].s_addr)
				return errfmt(err, errlen, -EINVAL, "guest address %s is one of "
					      "natd's own in %s/%u (gateway, DNS, TFTP)", g, n,
					      net->prefixlen);
	} else if (r->guest.family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&r->guest.u.v6)) {
		static const uint8_t zero[8];
		const uint8_t *a = r->guest.u.v6.s6_addr;

		if (!net->ipv6)
			return errfmt(err, errlen, -EINVAL, "guest address %s: the adapter has "
				      "no IPv6", g);
		inet_ntop(AF_INET6, &net->prefix6, n, sizeof(n));
		if (memcmp(a, net->prefix6.s6_addr, 8))
			return errfmt(err, errlen, -EINVAL, "guest address %s is outside the "
				      "adapter's IPv6 prefix %s/64", g, n);
		if (!memcmp(a + 8, zero, 8))
			return errfmt(err, errlen, -EINVAL, "guest address %s is the prefix's "
				      "own address", g);
		for (unsigned i = 0; i < net->n_own6; i++)
			if (!memcmp(a, net->own6[i].s6_addr, 16))
				return errfmt(err, errlen, -EINVAL, "guest address %s is one of "
					      "natd's own in %s/64 (gateway, DNS)", g, n);
	}
	return 0;
}

int pfrule_set_find(const struct pfrule *set, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i].name, name))
			return (int)i;
	return -1;
}

int pfrule_set_check_add(const struct pfrule *set, size_t n, struct pfrule *r,
			 char *err, size_t errlen)
{
	char text[PFRULE_TEXT_MAX];

	if (r->name[0] == '\0') {
		char base[16];

		snprintf(base, sizeof(base), "%s-%u", pfrule_proto_name(r->proto), r->host_port);
		snprintf(r->name, sizeof(r->name), "%s", base);
		for (unsigned i = 2; pfrule_set_find(set, n, r->name) >= 0 && i < 1000; i++)
			snprintf(r->name, sizeof(r->name), "%.15s-%u", base, i);
	}
	if (pfrule_set_find(set, n, r->name) >= 0) {
		errfmt(err, errlen, 0, "rule name '%s': a rule with that name exists", r->name);
		return -EEXIST;
	}
	for (size_t i = 0; i < n; i++) {
		if (pfrule_host_conflict(&set[i], r)) {
			char h[INET6_ADDRSTRLEN];

			pfrule_format(&set[i], PFRULE_SYNTAX_VBOX, text, sizeof(text));
			pfrule_addr_format(&r->host, h, sizeof(h));
			errfmt(err, errlen, 0,
			       "host %s port %s%s%s%u: already used by rule '%s' (%s)",
			       pfrule_proto_name(r->proto), h[0] ? "" : "(all addresses) ",
			       h, h[0] ? ":" : "", r->host_port, set[i].name, text);
			return -EEXIST;
		}
	}
	return 0;
}

int pfrule_check_privileged(const struct pfrule *r, char *err, size_t errlen)
{
	unsigned start = privport_start();

	if (r->host_port >= start || privport_may_bind())
		return 0;
	errfmt(err, errlen, 0, "rule '%s': host port %u is privileged (below "
	       "net.ipv4.ip_unprivileged_port_start = %u) and natd lacks "
	       "CAP_NET_BIND_SERVICE; use a host port >= %u or run natd with that "
	       "capability", r->name, r->host_port, start, start);
	return -EACCES;
}
