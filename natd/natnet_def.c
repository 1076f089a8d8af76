/* SPDX-License-Identifier: MIT */
/*
 * natnet_def.c - a NAT network's definition in memory: VirtualBox's
 * defaults, the addresses natd takes in the network, parsing and formatting
 * of --network, --loopback-4/-6 and rules, and the checks of one definition
 * (see natnet_def.h). Its JSON form and natd.json are natd/natnet_store.c's.
 */
#include "natd/natnet_def.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static struct in_addr host_at(struct in_addr net, uint32_t off)
{
	return (struct in_addr){ htonl(ntohl(net.s_addr) + off) };
}

static uint32_t mask_of(unsigned len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* --- definitions ------------------------------------------------------------ */

void natnet_def_init(struct natnet_def *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
	d->enabled = true;
	d->dhcp = true;
	d->lo4[0].host.s_addr = htonl(INADDR_LOOPBACK);
	d->lo4[0].offset = 2;
	d->n_lo4 = 1;
}

void natnet_def_addrs(const struct natnet_def *d, struct natnet_addrs *a)
{
	uint32_t mask = mask_of(d->prefixlen), net = ntohl(d->network.s_addr);
	uint32_t bcast = net | ~mask, last = bcast - 1;

	memset(a, 0, sizeof(*a));
	a->network = d->network;
	a->netmask.s_addr = htonl(mask);
	a->broadcast.s_addr = htonl(bcast);
	a->gateway = host_at(d->network, 1);
	a->dhcp_server = host_at(d->network, 3);
	a->range_first = host_at(d->network, 4);
	for (unsigned i = 0; i < d->n_lo4; i++)
		if (d->lo4[i].offset >= 4 && net + d->lo4[i].offset - 1 < last)
			last = net + d->lo4[i].offset - 1;
	if (last >= net + 4 && last - (net + 4) >= 65536)
		last = net + 4 + 65535;
	a->range_last.s_addr = htonl(last);

	a->prefix6 = (struct in6_addr){ .s6_addr = { 0xfd, 0x17, 0x62, 0x5c, 0xf0, 0x37,
						     ((const uint8_t *)&d->network.s_addr)[1],
						     ((const uint8_t *)&d->network.s_addr)[2] } };
	a->gateway6 = a->prefix6;
	a->gateway6.s6_addr[15] = 1;
}

int natnet_parse_network(const char *text, struct in_addr *net, unsigned *prefixlen,
			 char *err, size_t errlen)
{
	struct in_addr a;
	unsigned len;
	uint32_t h;

	if (config_parse_cidr(text, &a, &len) < 0)
		return errfmt(err, errlen, -EINVAL, "network '%s': not an IPv4 network like "
			      "192.168.15.0/24", text);
	if (len < 8 || len > 30)
		return errfmt(err, errlen, -EINVAL, "network '%s': prefix /%u out of range "
			      "(/8 to /30)", text, len);
	h = ntohl(a.s_addr);
	if (h & ~mask_of(len))
		return errfmt(err, errlen, -EINVAL, "network '%s': host bits set (did you mean "
			      "%s/%u?)", text,
			      inet_ntoa((struct in_addr){ htonl(h & mask_of(len)) }), len);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe)
		return errfmt(err, errlen, -EINVAL, "network '%s': not a unicast network "
			      "(0/8, 127/8 and 224/3 cannot be used)", text);
	*net = a;
	*prefixlen = len;
	return 0;
}

int natnet_parse_loopback(const char *text, struct natnet_loopback *lo, char *err,
			  size_t errlen)
{
	const char *eq = strchr(text, '=');
	char host[INET_ADDRSTRLEN];
	unsigned long off;
	char *end;

	if (!eq || (size_t)(eq - text) >= sizeof(host) || eq == text)
		return errfmt(err, errlen, -EINVAL, "loopback mapping '%s': expected "
			      "HOSTADDRESS=OFFSET, as in 127.0.0.1=2", text);
	memcpy(host, text, (size_t)(eq - text));
	host[eq - text] = '\0';
	if (inet_pton(AF_INET, host, &lo->host) != 1 ||
	    (ntohl(lo->host.s_addr) >> 24) != 127)
		return errfmt(err, errlen, -EINVAL, "loopback mapping '%s': '%s' is not an "
			      "address in 127.0.0.0/8", text, host);
	errno = 0;
	off = strtoul(eq + 1, &end, 10);
	if (!isdigit((unsigned char)eq[1]) || *end || errno || off > 0xffffff)
		return errfmt(err, errlen, -EINVAL, "loopback mapping '%s': offset '%s' is not "
			      "a number", text, eq + 1);
	lo->offset = (uint32_t)off;
	return 0;
}

int natnet_format_rule(const struct pfrule *r, char *buf, size_t len)
{
	return pfrule_format(r, PFRULE_SYNTAX_NATNET, buf, len);
}

void natnet_format_loopback(const struct natnet_loopback *lo, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &lo->host, a, sizeof(a));
	snprintf(buf, len, "%s=%u", a, lo->offset);
}

void natnet_format_network(const struct natnet_def *d, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->network, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, d->prefixlen);
}

void natnet_loopback6_addr(const struct natnet_def *d, struct in6_addr *out)
{
	struct natnet_addrs a;

	natnet_def_addrs(d, &a);
	*out = a.prefix6;
	out->s6_addr[12] = (uint8_t)(d->lo6 >> 24);
	out->s6_addr[13] = (uint8_t)(d->lo6 >> 16);
	out->s6_addr[14] = (uint8_t)(d->lo6 >> 8);
	out->s6_addr[15] = (uint8_t)d->lo6;
}

int natnet_parse_loopback6(const char *text, uint32_t *offset, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || errno || v > UINT32_MAX || *text == '-' || *text == '+')
		return errfmt(err, errlen, -EINVAL, "'%s': expected an offset, 2 to %u (0: "
			      "no mapping)", text, UINT32_MAX);
	if (v == 1)
		return errfmt(err, errlen, -EINVAL, "offset 1 is the gateway ::1");
	*offset = (uint32_t)v;
	return 0;
}

void natnet_format_ipv6_prefix(const struct natnet_def *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	struct natnet_addrs na;

	natnet_def_addrs(d, &na);
	inet_ntop(AF_INET6, &na.prefix6, a, sizeof(a));
	snprintf(buf, len, "%s/64", a);
}

static int check_rules(const struct natnet_def *d, const struct pfrule *rules, unsigned n,
		       int family, char *err, size_t errlen)
{
	struct natnet_addrs a;
	char why[256];

	natnet_def_addrs(d, &a);
	for (unsigned i = 0; i < n; i++) {
		struct pfrule r = rules[i];
		const char *opt = family == AF_INET ? "--port-forward-4" : "--port-forward-6";

		if (r.name[0] == '\0' || r.guest.family != family ||
		    (r.host.family != AF_UNSPEC && r.host.family != family))
			return errfmt(err, errlen, -EINVAL, "%s rule '%s': name, guest address "
				      "and host address must be given, %s", opt, r.name,
				      family == AF_INET ? "IPv4" : "IPv6");
		if (family == AF_INET) {
			uint32_t g = r.guest.u.v4.s_addr;

			if ((g & a.netmask.s_addr) != a.network.s_addr) {
				char net[INET_ADDRSTRLEN + 4];

				natnet_format_network(d, net, sizeof(net));
				return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest "
					      "address %s is not in the network %s", opt,
					      r.name, inet_ntoa(r.guest.u.v4), net);
			}
			if (g == a.network.s_addr || g == a.broadcast.s_addr ||
			    g == a.gateway.s_addr || g == a.dhcp_server.s_addr)
				return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest address "
					      "%s is one of natd's own (network, gateway .1, DHCP "
					      ".3, broadcast)", opt, r.name,
					      inet_ntoa(r.guest.u.v4));
			for (unsigned k = 0; k < d->n_lo4; k++)
				if (g == host_at(d->network, d->lo4[k].offset).s_addr)
					return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest "
						      "address %s is a host loopback mapping", opt,
						      r.name, inet_ntoa(r.guest.u.v4));
		} else {
			static const uint8_t zero[8];
			const uint8_t *g = r.guest.u.v6.s6_addr;
			char ga[INET6_ADDRSTRLEN], pfx[INET6_ADDRSTRLEN + 4];

			pfrule_addr_format(&r.guest, ga, sizeof(ga));
			natnet_format_ipv6_prefix(d, pfx, sizeof(pfx));
			if (memcmp(g, a.prefix6.s6_addr, 8))
				return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest "
					      "address %s is not in the network's IPv6 prefix "
					      "%s", opt, r.name, ga, pfx);
			struct in6_addr lo6;

			natnet_loopback6_addr(d, &lo6);
			if (!memcmp(g + 8, zero, 8) || !memcmp(g, a.gateway6.s6_addr, 16))
				return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest address "
					      "%s is one of natd's own (the prefix's ::0 and "
					      "the gateway ::1)", opt, r.name, ga);
			if (d->lo6 && !memcmp(g, lo6.s6_addr, 16))
				return errfmt(err, errlen, -EINVAL, "%s rule '%s': guest address "
					      "%s is the host loopback mapping (--loopback-6)",
					      opt, r.name, ga);
		}
		if (pfrule_set_check_add(rules, i, &r, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EEXIST, "%s: %s", opt, why);
	}
	return 0;
}

int natnet_def_check(const struct natnet_def *d, char *err, size_t errlen)
{
	char net[INET_ADDRSTRLEN + 4];
	struct natnet_addrs a;
	struct in_addr n;
	unsigned len;
	uint32_t hosts;
	int rc;

	if (!config_name_valid(d->name))
		return errfmt(err, errlen, -EINVAL, "network name '%s': letters, digits, '.', "
			      "'_', '-' (not first), up to %d bytes", d->name, NATD_NAME_MAX - 1);
	natnet_format_network(d, net, sizeof(net));
	rc = natnet_parse_network(net, &n, &len, err, errlen);
	if (rc < 0)
		return rc;
	natnet_def_addrs(d, &a);
	hosts = ~ntohl(a.netmask.s_addr);
	if (d->dhcp && ntohl(a.range_first.s_addr) > ntohl(a.range_last.s_addr))
		return errfmt(err, errlen, -EINVAL, "network %s leaves no address for DHCP "
			      "leases (gateway .1, host loopback .2, DHCP server .3, guests "
			      "from .4): use /29 or shorter, or --dhcp off", net);
	if (d->n_rules4 > NATNET_MAX_RULES || d->n_rules6 > NATNET_MAX_RULES ||
	    d->n_lo4 > NATNET_MAX_LOOPBACK)
		return errfmt(err, errlen, -EINVAL, "too many rules or mappings");
	for (unsigned i = 0; i < d->n_lo4; i++) {
		const struct natnet_loopback *lo = &d->lo4[i];
		char t[48];

		natnet_format_loopback(lo, t, sizeof(t));
		if (lo->offset < 2 || lo->offset == 3 || lo->offset >= hosts)
			return errfmt(err, errlen, -EINVAL, "loopback mapping %s: offset must "
				      "name a free address of %s (2, or 4 to %u)", t, net,
				      hosts - 1);
		if (lo->offset == 4 && d->dhcp)
			return errfmt(err, errlen, -EINVAL, "loopback mapping %s: .4 is the "
				      "first DHCP lease", t);
		for (unsigned j = 0; j < i; j++)
			if (d->lo4[j].offset == lo->offset || d->lo4[j].host.s_addr ==
			    lo->host.s_addr)
				return errfmt(err, errlen, -EINVAL, "loopback mapping %s: the "
					      "address or offset is mapped twice", t);
	}
	if (d->lo6 == 1)
		return errfmt(err, errlen, -EINVAL, "loopback_6: offset 1 is the gateway ::1");
	if (d->source_ip4.s_addr) {
		uint32_t h = ntohl(d->source_ip4.s_addr);

		if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 14)
			return errfmt(err, errlen, -EINVAL, "source_ip4: %s cannot be the "
				      "source address of outgoing connections (not in 0/8, "
				      "127/8 or 224/3)", inet_ntoa(d->source_ip4));
	}
	if (d->uplink[0]) {
		struct uplink u;
		char why[256];

		if (uplink_parse(d->uplink, &u, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "uplink: %s", why);
	}
	rc = check_rules(d, d->rules4, d->n_rules4, AF_INET, err, errlen);
	if (rc == 0)
		rc = check_rules(d, d->rules6, d->n_rules6, AF_INET6, err, errlen);
	if (rc == 0) {
		/* Both families share the host's ports through dual-stack sockets. */
		for (unsigned i = 0; i < d->n_rules6; i++)
			for (unsigned j = 0; j < d->n_rules4; j++)
				if (pfrule_host_conflict(&d->rules6[i], &d->rules4[j]) ||
				    !strcmp(d->rules6[i].name, d->rules4[j].name))
					return errfmt(err, errlen, -EEXIST, "rule '%s' (IPv6) and "
						      "rule '%s' (IPv4): same name or same host "
						      "port", d->rules6[i].name, d->rules4[j].name);
	}
	return rc;
}

bool natnet_overlap(const struct natnet_def *a, const struct natnet_def *b)
{
	uint32_t m = htonl(mask_of(a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen));

	return (a->network.s_addr & m) == (b->network.s_addr & m);
}
