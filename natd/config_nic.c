/* SPDX-License-Identifier: MIT */
/*
 * config_nic.c - the per-NIC options of `natd run` (see config.h).
 *
 * One table (config_nic_opts) names every per-NIC option without its
 * trailing adapter number; each entry has a parser that checks the value and
 * stores it in the adapter's nic_config. natd/config.c's config_parse_run()
 * finds the entry and calls it. Also here: the value parsers other commands
 * use too (config_parse_cidr, config_parse_mac, config_parse_adapter).
 * Nothing here opens a file or a socket (--nattftpprefix<x> only stat()s).
 */
#include "natd/config_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/device.h"
#include "base/bytes.h"
#include "modes/nic_model.h"

int config_parse_cidr(const char *s, struct in_addr *net, unsigned *prefixlen)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t alen;

	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= INET_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, net) != 1)
		return -EINVAL;
	if (!isdigit((unsigned char)slash[1]))
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || len > 32)
		return -EINVAL;
	*prefixlen = (unsigned)len;
	return 0;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	size_t n = strlen(s);
	unsigned v[6];

	if (n == 12) {
		for (size_t i = 0; i < 12; i++)
			if (!isxdigit((unsigned char)s[i]))
				return -EINVAL;
		for (int i = 0; i < 6; i++) {
			char b[3] = { s[2 * i], s[2 * i + 1], 0 };

			mac[i] = (uint8_t)strtoul(b, NULL, 16);
		}
	} else if (n == 17) {
		char sep = s[2];

		if (sep != ':' && sep != '-')
			return -EINVAL;
		for (int i = 0; i < 6; i++) {
			const char *p = s + 3 * i;

			if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
			    (i < 5 && p[2] != sep))
				return -EINVAL;
			sscanf(p, "%2x", &v[i]);
			mac[i] = (uint8_t)v[i];
		}
	} else {
		return -EINVAL;
	}
	if (mac[0] & 1)
		return -EINVAL; /* multicast bit: not a NIC address */
	return 0;
}

static int parse_onoff(const char *v, bool *out)
{
	if (!strcmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_ipv4(const char *v, struct in_addr *out)
{
	return inet_pton(AF_INET, v, out) == 1 ? 0 : -EINVAL;
}

static int copy_str(char *dst, size_t dstlen, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= dstlen)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int opt_nic(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (adapter_parse_mode(v, &n->mode) == 0)
		return 0;
	return fail(err, errlen, "%s: unknown mode '%s' (none, null, nat, natnetwork, "
		    "bridged, intnet, hostonly, generic)", opt, v);
}

static int opt_attach(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	char why[256];

	if (device_spec_check(v, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s: %s", opt, why);
	if (copy_str(n->attach, sizeof(n->attach), v) < 0)
		return fail(err, errlen, "%s: attach spec too long", opt);
	return 0;
}

static int opt_natnet(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	struct in_addr net;
	unsigned len;
	uint32_t mask;

	if (config_parse_cidr(v, &net, &len) < 0)
		return fail(err, errlen, "%s: '%s' is not an IPv4 network like 10.0.2.0/24", opt, v);
	if (len < 8 || len > 27)
		return fail(err, errlen, "%s: prefix /%u out of range: natd needs /8 to /27 "
			    "(gateway .2, DNS .3, TFTP .4, guests from .15)", opt, len);
	mask = htonl(len ? 0xffffffffu << (32 - len) : 0);
	if (net.s_addr & ~mask)
		return fail(err, errlen, "%s: '%s' has host bits set (did you mean %s/%u?)",
			    opt, v, inet_ntoa((struct in_addr){ net.s_addr & mask }), len);
	if ((ntohl(net.s_addr) >> 24) == 0 || (ntohl(net.s_addr) >> 24) == 127 ||
	    (ntohl(net.s_addr) >> 28) >= 0xe)
		return fail(err, errlen, "%s: '%s' is not a unicast network (0/8, 127/8 and "
			    "224/3 cannot be used)", opt, v);
	n->nat.natnet_set = true;
	n->nat.network = net;
	n->nat.prefixlen = len;
	return 0;
}

static int opt_natpf(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (n->nat.n_natpf >= NATD_MAX_NATPF)
		return fail(err, errlen, "%s: at most %d rules per adapter", opt, NATD_MAX_NATPF);
	struct pfrule *r = &n->nat.natpf[n->nat.n_natpf];
	char why[256];

	if (!*v)
		return fail(err, errlen, "%s: empty rule (expected name,proto,hostip,hostport,"
			    "guestip,guestport)", opt);
	if (pfrule_parse(v, PFRULE_SYNTAX_VBOX, AF_UNSPEC, r, why, sizeof(why)) < 0 ||
	    pfrule_set_check_add(n->nat.natpf, n->nat.n_natpf, r, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s \"%s\": %s", opt, v, why);
	n->nat.n_natpf++;
	return 0;
}

/* The TFTP root must be a directory now: a typo should not go unnoticed
 * until a guest fails to boot. */
static int opt_tftpprefix(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	struct stat st;

	if (copy_str(n->nat.tftp_prefix, sizeof(n->nat.tftp_prefix), v) < 0)
		return fail(err, errlen, "%s: expected a directory", opt);
	if (stat(v, &st) < 0)
		return fail(err, errlen, "%s: %s: %s", opt, v, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, "%s: %s is not a directory", opt, v);
	n->nat.tftp_prefix_set = true;
	return 0;
}

/* DHCP's file field holds 127 bytes and a NUL. */
static int opt_tftpfile(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (copy_str(n->nat.tftp_file, sizeof(n->nat.tftp_file), v) < 0 || strlen(v) > 127)
		return fail(err, errlen, "%s: expected a file name of 1 to 127 bytes", opt);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(err, errlen, "%s: control characters in the file name", opt);
	n->nat.tftp_file_set = true;
	return 0;
}

static int opt_tftpserver(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	uint32_t h;

	if (parse_ipv4(v, &n->nat.tftp_server) < 0)
		return fail(err, errlen, "%s: '%s' is not an IPv4 address", opt, v);
	h = ntohl(n->nat.tftp_server.s_addr);
	if (h == 0 || (h >> 24) == 0 || (h >> 28) >= 14)
		return fail(err, errlen, "%s: %s is not a unicast address", opt, v);
	if ((h >> 24) == 127)
		return fail(err, errlen, "%s: a guest cannot reach the host's loopback %s; natd's "
			    "own TFTP server is at 10.0.<x+1>.4 (the default)", opt, v);
	n->nat.tftp_server_set = true;
	return 0;
}

#define ONOFF_OPT(fn, field) \
static int fn(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen) \
{ \
	if (parse_onoff(v, &n->field) < 0) \
		return fail(err, errlen, "%s: expected on or off, not '%s'", opt, v); \
	return 0; \
}
ONOFF_OPT(opt_dnsproxy, nat.dns_proxy)
ONOFF_OPT(opt_dnshostresolver, nat.dns_host_resolver)
ONOFF_OPT(opt_localhostreachable, nat.localhost_reachable)
ONOFF_OPT(opt_cableconnected, cable_connected)
ONOFF_OPT(opt_nictrace, trace)

static int opt_bindip(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (parse_ipv4(v, &n->nat.bind_ip) < 0)
		return fail(err, errlen, "%s: '%s' is not an IPv4 address", opt, v);
	n->nat.bind_ip_set = true;
	return 0;
}

static int opt_ipv6default(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	bool on;

	if (parse_onoff(v, &on) < 0)
		return fail(err, errlen, "%s: expected on or off, not '%s'", opt, v);
	n->nat.ipv6_default = on ? TRI_ON : TRI_OFF;
	return 0;
}

/* "mtu,socksnd,sockrcv,tcpsnd,tcprcv": empty or 0 fields keep the default. */
static int opt_natsettings(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	static const char *const names[] = { "mtu", "socksnd", "sockrcv", "tcpsnd", "tcprcv" };
	unsigned vals[5] = { 0 };
	const char *p = v;

	for (unsigned i = 0; i < 5; i++) {
		char *end;
		unsigned long x = 0;

		if (*p && *p != ',') {
			if (!isdigit((unsigned char)*p))
				return fail(err, errlen, "%s: %s must be a number", opt, names[i]);
			errno = 0;
			x = strtoul(p, &end, 10);
			if (errno || x > 1024 * 1024)
				return fail(err, errlen, "%s: %s out of range", opt, names[i]);
			p = end;
		}
		vals[i] = (unsigned)x;
		if (*p == ',') {
			if (i == 4)
				return fail(err, errlen, "%s: too many fields (mtu,socksnd,sockrcv,"
					    "tcpsnd,tcprcv)", opt);
			p++;
		} else if (*p) {
			return fail(err, errlen, "%s: %s must be a number", opt, names[i]);
		} else {
			break;
		}
	}
	if (vals[0] && (vals[0] < 576 || vals[0] > 65520))
		return fail(err, errlen, "%s: mtu %u out of range (576 to 65520)", opt, vals[0]);
	for (unsigned i = 3; i < 5; i++)
		if (vals[i])
			return fail(err, errlen, "%s: %s %u: natd's TCP windows are lwIP's, fixed "
				    "when natd is built (give 0 or leave it empty)", opt, names[i],
				    vals[i]);
	n->nat.mtu = vals[0] ? vals[0] : 1500;
	n->nat.sock_snd = vals[1];
	n->nat.sock_rcv = vals[2];
	n->nat.tcp_snd = vals[3];
	n->nat.tcp_rcv = vals[4];
	return 0;
}

#define NAME_OPT(fn, field) \
static int fn(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen) \
{ \
	if (copy_str(n->field, sizeof(n->field), v) < 0) \
		return fail(err, errlen, "%s: expected a name of 1 to %zu bytes", opt, \
			    sizeof(n->field) - 1); \
	return 0; \
}
NAME_OPT(opt_natnetwork, nat_network)
NAME_OPT(opt_intnet, intnet)
NAME_OPT(opt_bridgeadapter, bridge_adapter)
NAME_OPT(opt_hostonlyadapter, hostonly_adapter)
NAME_OPT(opt_bwgroup, bandwidth_group)

static int opt_genericdrv(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "UDPTunnel") && strcmp(v, "VDE"))
		return fail(err, errlen, "%s: unknown driver '%s' (UDPTunnel or VDE)", opt, v);
	snprintf(n->generic_drv, sizeof(n->generic_drv), "%s", v);
	return 0;
}

static int opt_property(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v)
		return fail(err, errlen, "%s: expected key=value, not '%s'", opt, v);
	if (n->n_props >= NATD_MAX_PROPS)
		return fail(err, errlen, "%s: at most %d properties", opt, NATD_MAX_PROPS);
	n->props[n->n_props] = strdup(v);
	if (!n->props[n->n_props])
		return fail(err, errlen, "%s: out of memory", opt);
	n->n_props++;
	return 0;
}

static int opt_nictype(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (adapter_parse_type(v, &n->type) == 0) {
		n->type_set = true;
		return 0;
	}
	return fail(err, errlen, "%s: unknown NIC type '%s' (Am79C970A, Am79C973, 82540EM, "
		    "82543GC, 82545EM, virtio)", opt, v);
}

static int opt_macaddress(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "auto")) {
		n->mac_set = false;
		return 0;
	}
	if (config_parse_mac(v, n->mac) < 0)
		return fail(err, errlen, "%s: '%s' is not a unicast MAC address "
			    "(080027AABBCC or 08:00:27:aa:bb:cc)", opt, v);
	n->mac_set = true;
	return 0;
}

int config_parse_adapter(const char *s, unsigned *x)
{
	if (strlen(s) != 1 || s[0] < '1' || s[0] > '0' + NATD_MAX_NICS)
		return -EINVAL;
	*x = (unsigned)(s[0] - '0');
	return 0;
}

static int opt_nicpromisc(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (adapter_parse_promisc(v, &n->promisc) == 0) {
		n->promisc_set = true;
		return 0;
	}
	return fail(err, errlen, "%s: expected deny, allow-vms or allow-all, not '%s'", opt, v);
}

static int opt_nictracefile(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	if (copy_str(n->trace_file, sizeof(n->trace_file), v) < 0)
		return fail(err, errlen, "%s: expected a file name", opt);
	return 0;
}

/* --nictracesize<x> SIZE: bytes, or with k, m, g (KiB, MiB, GiB). */
static int opt_nictracesize(struct nic_config *n, const char *opt, const char *v, char *err, size_t errlen)
{
	unsigned long long num, mul = 1;
	char *end;

	errno = 0;
	num = strtoull(v, &end, 10);
	if (end == v || errno || v[0] == '-')
		return fail(err, errlen, "%s: expected a size in bytes (k, m, g allowed), not '%s'",
			    opt, v);
	if (*end && !end[1]) {
		switch (*end) {
		case 'k': case 'K': mul = 1ull << 10; end++; break;
		case 'm': case 'M': mul = 1ull << 20; end++; break;
		case 'g': case 'G': mul = 1ull << 30; end++; break;
		default: break;
		}
	}
	if (*end)
		return fail(err, errlen, "%s: expected a size in bytes (k, m, g allowed), not '%s'",
			    opt, v);
	if (num > UINT64_MAX / mul)
		return fail(err, errlen, "%s: '%s' is too large", opt, v);
	if (num && num * mul < 4096)
		return fail(err, errlen, "%s: '%s' is smaller than 4k (0 for no cap)", opt, v);
	n->trace_max = num * mul;
	return 0;
}

const struct config_nic_opt config_nic_opts[] = {
	{ "nic", opt_nic },
	{ "attach", opt_attach },
	{ "natnet", opt_natnet },
	{ "natpf", opt_natpf },
	{ "nattftpprefix", opt_tftpprefix },
	{ "nattftpfile", opt_tftpfile },
	{ "nattftpserver", opt_tftpserver },
	{ "natdnsproxy", opt_dnsproxy },
	{ "natdnshostresolver", opt_dnshostresolver },
	{ "natbindip", opt_bindip },
	{ "natlocalhostreachable", opt_localhostreachable },
	{ "natipv6default", opt_ipv6default },
	{ "natsettings", opt_natsettings },
	{ "nat-network", opt_natnetwork },
	{ "intnet", opt_intnet },
	{ "bridgeadapter", opt_bridgeadapter },
	{ "hostonlyadapter", opt_hostonlyadapter },
	{ "nicgenericdrv", opt_genericdrv },
	{ "nicproperty", opt_property },
	{ "nictype", opt_nictype },
	{ "cableconnected", opt_cableconnected },
	{ "macaddress", opt_macaddress },
	{ "nicpromisc", opt_nicpromisc },
	{ "nictrace", opt_nictrace },
	{ "nictracefile", opt_nictracefile },
	{ "nictracesize", opt_nictracesize },
	{ "nicbandwidthgroup", opt_bwgroup },
};

const size_t config_n_nic_opts = ARRAY_SIZE(config_nic_opts);

const struct config_nic_opt *config_nic_opt_find(const char *name, size_t *base)
{
	size_t n = strlen(name);

	while (n > 0 && isdigit((unsigned char)name[n - 1]))
		n--;
	*base = n;
	for (size_t k = 0; k < config_n_nic_opts; k++)
		if (strlen(config_nic_opts[k].name) == n && !strncmp(name, config_nic_opts[k].name, n))
			return &config_nic_opts[k];
	return NULL;
}

int config_check_macs(const struct nic_config *nics, char *err, size_t errlen)
{
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		if (nics[i].mode == NIC_MODE_NONE)
			continue;
		for (unsigned j = i + 1; j < NATD_MAX_NICS; j++) {
			char mac[18];

			if (nics[j].mode == NIC_MODE_NONE || memcmp(nics[i].mac, nics[j].mac, 6))
				continue;
			return fail(err, errlen, "--macaddress%u and --macaddress%u are the same "
				    "(%s): give each adapter its own MAC address", i + 1, j + 1,
				    nic_model_format_mac(nics[i].mac, mac));
		}
	}
	return 0;
}

void config_nic_defaults(struct nic_config *n)
{
	for (unsigned j = 0; j < n->n_props; j++)
		free(n->props[j]);
	memset(n, 0, sizeof(*n));
	n->mode = NIC_MODE_NONE;
	n->nat.dns_proxy = true;
	n->nat.ipv6_default = TRI_DEFAULT;
	n->nat.mtu = 1500;
	n->type = NIC_TYPE_AM79C973;
	n->cable_connected = true;
	n->promisc = NIC_PROMISC_DENY;
}
