/* SPDX-License-Identifier: MIT */
/*
 * uplink.c - UDP-tunnel and VDE uplinks: text form and the device spec
 * they open as (see uplink.h).
 */
#include "l2/uplink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base/log.h"

int uplink_parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

static bool host_ok(const char *h)
{
	if (!*h)
		return false;
	for (const char *c = h; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '[' || *c == ']' ||
		    *c == ',' || *c == '/')
			return false;
	return true;
}

static int parse_udp(const char *arg, struct uplink *u, char *err, size_t errlen)
{
	const char *comma = strchr(arg, ','), *hp, *colon;
	char lport[16];
	size_t n;

	if (!comma)
		return errfmt(err, errlen, -EINVAL, "udp: expected udp:LPORT,HOST:PORT");
	n = (size_t)(comma - arg);
	if (n == 0 || n >= sizeof(lport))
		return errfmt(err, errlen, -EINVAL, "udp: missing or bad local port "
			      "(udp:LPORT,HOST:PORT)");
	memcpy(lport, arg, n);
	lport[n] = '\0';
	if (uplink_parse_port(lport, &u->lport) < 0)
		return errfmt(err, errlen, -EINVAL, "udp: local port '%s' is not a port "
			      "1-65535", lport);
	hp = comma + 1;
	if (*hp == '[') {
		const char *rb = strchr(hp, ']');

		if (!rb || rb[1] != ':')
			return errfmt(err, errlen, -EINVAL, "udp: expected [IPV6]:PORT after the "
				      "comma");
		n = (size_t)(rb - hp - 1);
		colon = rb + 1;
		hp++;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			return errfmt(err, errlen, -EINVAL, "udp: missing the remote port "
				      "(udp:LPORT,HOST:PORT)");
		if (memchr(hp, ':', (size_t)(colon - hp)))
			return errfmt(err, errlen, -EINVAL, "udp: an IPv6 address goes in "
				      "brackets, like udp:5001,[2001:db8::1]:5002");
		n = (size_t)(colon - hp);
	}
	if (n == 0 || n >= sizeof(u->host))
		return errfmt(err, errlen, -EINVAL, "udp: missing or too long remote host");
	memcpy(u->host, hp, n);
	u->host[n] = '\0';
	if (!host_ok(u->host))
		return errfmt(err, errlen, -EINVAL, "udp: '%s' is not a host name or address",
			      u->host);
	if (uplink_parse_port(colon + 1, &u->rport) < 0)
		return errfmt(err, errlen, -EINVAL, "udp: remote port '%s' is not a port "
			      "1-65535", colon + 1);
	return 0;
}

int uplink_parse(const char *text, struct uplink *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (!strncmp(text, "udp:", 4)) {
		u->kind = UPLINK_UDP;
		return parse_udp(text + 4, u, err, errlen);
	}
	if (!strncmp(text, "vde:", 4)) {
		const char *p = text + 4;

		if (!*p)
			return errfmt(err, errlen, -EINVAL, "vde: missing the switch "
				      "(vde:/path/to/switch[PORT])");
		if (strlen(p) >= sizeof(u->vde))
			return errfmt(err, errlen, -EINVAL, "vde: switch path too long");
		for (const char *c = p; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return errfmt(err, errlen, -EINVAL, "vde: control characters in "
					      "the switch path");
		u->kind = UPLINK_VDE;
		snprintf(u->vde, sizeof(u->vde), "%s", p);
		return 0;
	}
	return errfmt(err, errlen, -EINVAL, "'%s' is not an uplink (udp:LPORT,HOST:PORT or "
		      "vde:/path/to/switch[PORT])", text);
}

void uplink_format(const struct uplink *u, char *buf, size_t len)
{
	if (u->kind == UPLINK_UDP)
		snprintf(buf, len, strchr(u->host, ':') ? "udp:%u,[%s]:%u" : "udp:%u,%s:%u",
			 u->lport, u->host, u->rport);
	else if (u->kind == UPLINK_VDE)
		snprintf(buf, len, "vde:%s", u->vde);
	else if (len)
		buf[0] = '\0';
}

/* A plain VDE switch path (no "module://"): the directory, less "[PORT]". */
static int vde_check_path(const char *sw, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *lb;
	struct stat st;
	size_t n;

	if (strstr(sw, "://"))
		return 0; /* another libvdeplug module: it says what is wrong */
	lb = strrchr(sw, '[');
	n = lb && sw[strlen(sw) - 1] == ']' ? (size_t)(lb - sw) : strlen(sw);
	if (n == 0 || n >= sizeof(path))
		return errfmt(err, errlen, -EINVAL, "'%s' is not a VDE switch path", sw);
	memcpy(path, sw, n);
	path[n] = '\0';
	if (stat(path, &st) < 0)
		return errfmt(err, errlen, -ENOENT, "no VDE switch at %s: %s (start one with "
			      "vde_switch -s %s)", path, strerror(errno), path);
	return 0;
}

int uplink_device_spec(const struct uplink *u, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res = NULL;
	char a[INET6_ADDRSTRLEN];
	int rc, w;

	if (u->kind == UPLINK_VDE) {
		rc = vde_check_path(u->vde, err, errlen);
		if (rc < 0)
			return rc;
		w = snprintf(out, outlen, "vde:%s", u->vde);
		return w < 0 || (size_t)w >= outlen ?
		       errfmt(err, errlen, -ENAMETOOLONG, "VDE switch path too long") : 0;
	}
	if (u->kind != UPLINK_UDP)
		return errfmt(err, errlen, -EINVAL, "no uplink");
	rc = getaddrinfo(u->host, NULL, &hints, &res);
	if (rc != 0 || !res)
		return errfmt(err, errlen, -EHOSTUNREACH, "cannot resolve '%s': %s", u->host,
			      rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	if (res->ai_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, a,
			  sizeof(a));
		w = snprintf(out, outlen, "dgram:[::]:%u,[%s]:%u", u->lport, a, u->rport);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, a, sizeof(a));
		w = snprintf(out, outlen, "dgram:0.0.0.0:%u,%s:%u", u->lport, a, u->rport);
	}
	freeaddrinfo(res);
	return w < 0 || (size_t)w >= outlen ? errfmt(err, errlen, -ENAMETOOLONG, "too long")
	       : 0;
}
