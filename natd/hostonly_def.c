/* SPDX-License-Identifier: MIT */
/*
 * hostonly_def.c - host-only interface definitions: names, defaults,
 * checks, overlaps and the DHCP server's layout (see hostonly_def.h).
 */
#include "natd/hostonly_def.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static uint32_t mask_of(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

int hostonly_index(const char *name)
{
	size_t n = strlen(HOSTONLY_NAME_PREFIX);
	const char *p = name + n;
	int v = 0;

	if (strncmp(name, HOSTONLY_NAME_PREFIX, n) || !*p || (p[0] == '0' && p[1]))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v >= HOSTONLY_MAX_IFS)
			return -1;
	}
	return v;
}

void hostonly_def_init(struct hostonly_def *d, unsigned n)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), HOSTONLY_NAME_PREFIX "%u", n);
	d->ip.s_addr = htonl(0xc0a80001u | ((56u + n) & 0xff) << 8); /* 192.168.(56+N).1 */
	d->netmask.s_addr = htonl(0xffffff00u);
}

void hostonly_mac(const struct hostonly_def *d, uint8_t mac[6])
{
	int n = hostonly_index(d->name);

	memcpy(mac, (const uint8_t[]){ 0x0a, 0x00, 0x27, 0x00, 0x00, 0x00 }, 6);
	mac[5] = (uint8_t)(n < 0 ? 0 : n);
}

unsigned hostonly_prefixlen(const struct hostonly_def *d)
{
	return (unsigned)__builtin_popcount(d->netmask.s_addr);
}

void hostonly_format_ip(const struct hostonly_def *d, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->ip, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, hostonly_prefixlen(d));
}

int hostonly_def_check(const struct hostonly_def *d, char *err, size_t errlen)
{
	uint32_t m = ntohl(d->netmask.s_addr), ip = ntohl(d->ip.s_addr);
	const struct in6_addr *a6 = &d->ip6;
	char a[INET6_ADDRSTRLEN];

	if (hostonly_index(d->name) < 0)
		return errfmt(err, errlen, -EINVAL, "'%s' is not a host-only interface name "
			      "(vboxnet0 to vboxnet%d)", d->name, HOSTONLY_MAX_IFS - 1);
	inet_ntop(AF_INET, &d->netmask, a, sizeof(a));
	if (m == 0 || (~m & (~m + 1)) != 0)
		return errfmt(err, errlen, -EINVAL, "netmask %s is not contiguous (like "
			      "255.255.255.0)", a);
	if (__builtin_popcount(m) < 8 || __builtin_popcount(m) > 30)
		return errfmt(err, errlen, -EINVAL, "netmask %s: /8 to /30", a);
	inet_ntop(AF_INET, &d->ip, a, sizeof(a));
	if ((ip >> 24) == 0 || (ip >> 24) == 127 || (ip >> 28) >= 0xe)
		return errfmt(err, errlen, -EINVAL, "%s is not a unicast address (0/8, 127/8 and "
			      "224/3 cannot be used)", a);
	if ((ip & ~m) == 0 || (ip & ~m) == ~m)
		return errfmt(err, errlen, -EINVAL, "%s is the %s address of its subnet /%d", a,
			      (ip & ~m) ? "broadcast" : "network", __builtin_popcount(m));
	if (!d->has_ip6)
		return 0;
	inet_ntop(AF_INET6, a6, a, sizeof(a));
	if (IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_MULTICAST(a6) ||
	    IN6_IS_ADDR_LINKLOCAL(a6) || IN6_IS_ADDR_V4MAPPED(a6) || IN6_IS_ADDR_V4COMPAT(a6))
		return errfmt(err, errlen, -EINVAL, "IPv6 address %s: a unicast address that is "
			      "not link-local (the interface has its own fe80::), loopback or "
			      "IPv4-mapped", a);
	if (d->prefixlen6 < 8 || d->prefixlen6 > 128)
		return errfmt(err, errlen, -EINVAL, "IPv6 prefix length %u: 8 to 128",
			      d->prefixlen6);
	return 0;
}

static bool prefix6_overlap(const struct in6_addr *a, unsigned alen, const struct in6_addr *b,
			    unsigned blen)
{
	unsigned len = alen < blen ? alen : blen, full = len / 8;

	if (memcmp(a->s6_addr, b->s6_addr, full))
		return false;
	if (len % 8 == 0)
		return true;
	return ((a->s6_addr[full] ^ b->s6_addr[full]) & (0xff00 >> (len % 8))) == 0;
}

static bool subnet4_overlap(struct in_addr a, unsigned alen, struct in_addr b, unsigned blen)
{
	uint32_t m = htonl(mask_of(alen < blen ? alen : blen));

	return (a.s_addr & m) == (b.s_addr & m);
}

bool hostonly_overlap(const struct hostonly_def *a, const struct hostonly_def *b)
{
	if (subnet4_overlap(a->ip, hostonly_prefixlen(a), b->ip, hostonly_prefixlen(b)))
		return true;
	return a->has_ip6 && b->has_ip6 &&
	       prefix6_overlap(&a->ip6, a->prefixlen6, &b->ip6, b->prefixlen6);
}

bool hostonly_overlap_natnet(const struct hostonly_def *d, const struct natnet_def *n)
{
	struct natnet_addrs na;

	if (subnet4_overlap(d->ip, hostonly_prefixlen(d), n->network, n->prefixlen))
		return true;
	if (!d->has_ip6 || !n->ipv6)
		return false;
	natnet_def_addrs(n, &na);
	return prefix6_overlap(&d->ip6, d->prefixlen6, &na.prefix6, 64);
}

int hostonly_dhcp_layout(const struct hostonly_def *d, struct in_addr *server,
			 struct in_addr *lower, struct in_addr *upper)
{
	uint32_t m = ntohl(d->netmask.s_addr), ip = ntohl(d->ip.s_addr);
	uint32_t net = ip & m, bcast = net | ~m, size = ~m + 1u, srv, lo, hi;

	if (size >= 256) {
		srv = net + 100;
		lo = net + 101;
		hi = net + 254;
	} else if (size >= 8) {
		srv = net + size / 2;
		lo = srv + 1;
		hi = bcast - 1;
	} else {
		return -ENOSPC;
	}
	if (ip >= srv && ip <= hi)
		return -ENOSPC;
	server->s_addr = htonl(srv);
	lower->s_addr = htonl(lo);
	upper->s_addr = htonl(hi);
	return 0;
}

int hostonly_dhcp_check(const struct hostonly_def *d, const struct dhcpsrv_def *s, char *err,
			size_t errlen)
{
	uint32_t m = ntohl(d->netmask.s_addr), ip = ntohl(d->ip.s_addr);
	uint32_t lo = ntohl(s->lower_ip.s_addr), hi = ntohl(s->upper_ip.s_addr);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN + 4];

	inet_ntop(AF_INET, &d->ip, a, sizeof(a));
	hostonly_format_ip(d, c, sizeof(c));
	if (s->netmask.s_addr != d->netmask.s_addr)
		return errfmt(err, errlen, -EINVAL, "its netmask %s is not the one of %s (%s)",
			      inet_ntop(AF_INET, &s->netmask, b, sizeof(b)), d->name, c);
	if ((ntohl(s->server_ip.s_addr) & m) != (ip & m))
		return errfmt(err, errlen, -EINVAL, "server IP %s is outside %s's subnet (%s)",
			      inet_ntop(AF_INET, &s->server_ip, b, sizeof(b)), d->name, c);
	if (s->server_ip.s_addr == d->ip.s_addr)
		return errfmt(err, errlen, -EINVAL, "server IP %s is the host's address on %s", a,
			      d->name);
	if (ip >= lo && ip <= hi)
		return errfmt(err, errlen, -EINVAL, "the range %s-%s holds the host's address "
			      "%s on %s", inet_ntop(AF_INET, &s->lower_ip, b, sizeof(b)),
			      inet_ntop(AF_INET, &s->upper_ip, c, sizeof(c)), a, d->name);
	for (unsigned i = 0; i < s->n_fixed + s->n_vm_fixed; i++) {
		struct in_addr f = i < s->n_fixed ? s->fixed[i].addr
						  : s->vm_fixed[i - s->n_fixed].addr;

		if (f.s_addr == d->ip.s_addr)
			return errfmt(err, errlen, -EINVAL, "a reservation gives out the host's "
				      "address %s on %s", a, d->name);
	}
	return 0;
}
