/* SPDX-License-Identifier: MIT */
/*
 * config.c - parsing and validation of `natd run` options (see config.h).
 *
 * Per-NIC options are looked up in one table (nic_opts) by their name without
 * the trailing adapter number; each entry has a parser that checks the value
 * and stores it. Nothing here opens a file or a socket: config_finish() only
 * derives and checks, so a bad command line changes nothing on the host.
 * The text of `natd run --help` is in natd/config_help.c.
 */
#include "natd/config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/device.h"
#include "base/bytes.h"



static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void config_default_home(char *out, size_t outlen)
{
	const char *env = getenv("NATD_HOME");
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(out, outlen, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, outlen, "%s/natd", xdg);
	else if (geteuid() == 0)
		snprintf(out, outlen, "/var/lib/natd");
	else
		snprintf(out, outlen, "%s/.local/state/natd", home && *home ? home : ".");
}

void config_init(struct natd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "default");
	config_default_home(cfg->home, sizeof(cfg->home));
	cfg->max_flows[0] = 16384;
	cfg->max_flows[1] = 4096;
	cfg->max_flows[2] = 256;
	cfg->udp_timeout = 60;
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		struct nic_config *n = &cfg->nic[i];

		n->mode = NIC_MODE_NONE;
		n->nat.dns_proxy = true;
		n->nat.ipv6_default = TRI_DEFAULT;
		n->nat.mtu = 1500;
		n->type = NIC_TYPE_AM79C973;
		n->cable_connected = true;
		n->promisc = NIC_PROMISC_DENY;
	}
	/* As in VirtualBox, adapter 1 is NAT unless --nic1 says otherwise, so
	 * that e.g. `--attach1 ... --nattftpprefix1 DIR` alone serves it. */
	cfg->nic[0].mode = NIC_MODE_NAT;
}

void config_free(struct natd_config *cfg)
{
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		struct nic_config *n = &cfg->nic[i];

		for (unsigned j = 0; j < n->n_props; j++)
			free(n->props[j]);
		n->nat.n_natpf = n->n_props = 0;
	}
}

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

/* One per-NIC option. `opt` is the full name the user typed, for messages. */
typedef int (*nic_opt_parse)(struct nic_config *n, const char *opt, const char *v,
			     char *err, size_t errlen);

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
	if (adapter_parse_type(v, &n->type) == 0)
		return 0;
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

static const struct {
	const char *name;
	nic_opt_parse parse;
} nic_opts[] = {
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
	{ "nicbandwidthgroup", opt_bwgroup },
};

bool config_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NATD_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

int config_parse_run(struct natd_config *cfg, int argc, char **argv,
		     char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char name[64];
		const char *value, *eq;
		size_t nlen, dpos;
		unsigned adapter;
		bool found = false;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
			cfg->verbosity++;
			continue;
		}
		if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
			cfg->verbosity = -1;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return fail(err, errlen, "unexpected argument '%s' (options start with --; "
				    "see natd run --help)", arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (nlen - 2 >= sizeof(name))
			return fail(err, errlen, "unknown option '%.*s'", (int)nlen, arg);
		memcpy(name, arg + 2, nlen - 2);
		name[nlen - 2] = '\0';

		if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return fail(err, errlen, "%s: missing value", arg);
		}

		if (!strcmp(name, "max-tcp-flows") || !strcmp(name, "max-udp-flows") ||
		    !strcmp(name, "max-icmp-flows")) {
			unsigned idx = name[4] == 't' ? 0 : name[4] == 'u' ? 1 : 2;
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(value, &end, 10);
			if (errno || *end || !isdigit((unsigned char)*value) || v < 1 || v > 1000000)
				return fail(err, errlen, "--%s: expected a number from 1 to 1000000, "
					    "not '%s'", name, value);
			cfg->max_flows[idx] = (unsigned)v;
			continue;
		}
		if (!strcmp(name, "udp-timeout")) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(value, &end, 10);
			if (errno || *end || !isdigit((unsigned char)*value) || v < 1 || v > 86400)
				return fail(err, errlen, "--udp-timeout: expected seconds from 1 to "
					    "86400, not '%s'", value);
			cfg->udp_timeout = (unsigned)v;
			continue;
		}
		if (!strcmp(name, "name")) {
			if (!config_name_valid(value))
				return fail(err, errlen, "--name: '%s' is not a valid VM name (letters, "
					    "digits, '.', '_', '-'; up to %d bytes)", value,
					    NATD_NAME_MAX - 1);
			snprintf(cfg->name, sizeof(cfg->name), "%s", value);
			continue;
		}

		/* Per-NIC: NAME<x>, x = 1..8. */
		dpos = strlen(name);
		while (dpos > 0 && isdigit((unsigned char)name[dpos - 1]))
			dpos--;
		for (size_t k = 0; k < ARRAY_SIZE(nic_opts); k++) {
			if (strlen(nic_opts[k].name) != dpos || strncmp(name, nic_opts[k].name, dpos))
				continue;
			found = true;
			break;
		}
		if (!found)
			return fail(err, errlen, "unknown option '--%s' (see natd run --help)", name);
		if (name[dpos] == '\0')
			return fail(err, errlen, "--%s needs an adapter number 1-%d, as in --%s1",
				    name, NATD_MAX_NICS, name);
		if (config_parse_adapter(name + dpos, &adapter) < 0)
			return fail(err, errlen, "--%s: adapter number must be 1 to %d", name,
				    NATD_MAX_NICS);
		for (size_t k = 0; k < ARRAY_SIZE(nic_opts); k++) {
			char opt[80];
			int rc;

			if (strlen(nic_opts[k].name) != dpos || strncmp(name, nic_opts[k].name, dpos))
				continue;
			snprintf(opt, sizeof(opt), "--%s", name);
			rc = nic_opts[k].parse(&cfg->nic[adapter - 1], opt, value, err, errlen);
			if (rc < 0)
				return rc;
			cfg->nic[adapter - 1].configured = true;
			break;
		}
	}
	return 0;
}

static struct in_addr host_at(struct in_addr net, uint32_t host)
{
	return (struct in_addr){ htonl(ntohl(net.s_addr) + host) };
}

/* Derives the NAT addresses of one adapter from its network. */
static void derive_nat_addresses(struct nic_config *n, unsigned adapter)
{
	static const uint8_t ula[6] = { 0xfd, 0x17, 0x62, 0x5c, 0xf0, 0x37 };
	uint32_t mask;

	if (!n->nat.natnet_set) {
		n->nat.network.s_addr = htonl((10u << 24) | ((adapter + 1) << 8));
		n->nat.prefixlen = 24;
	}
	mask = n->nat.prefixlen ? 0xffffffffu << (32 - n->nat.prefixlen) : 0;
	n->nat.netmask.s_addr = htonl(mask);
	n->nat.gateway = host_at(n->nat.network, 2);
	n->nat.dns = host_at(n->nat.network, 3);
	n->nat.tftp = host_at(n->nat.network, 4);
	n->nat.guest_first = host_at(n->nat.network, 15);
	n->nat.broadcast.s_addr = n->nat.network.s_addr | ~n->nat.netmask.s_addr;
	n->nat.guest_last = (struct in_addr){ htonl(ntohl(n->nat.broadcast.s_addr) - 1) };

	/* fd17:625c:f037:<third octet>::/64, as VirtualBox derives it */
	n->nat.ipv6 = true;
	memset(&n->nat.prefix6, 0, sizeof(n->nat.prefix6));
	memcpy(n->nat.prefix6.s6_addr, ula, sizeof(ula));
	n->nat.prefix6.s6_addr[7] = ((const uint8_t *)&n->nat.network.s_addr)[2];
	n->nat.gateway6 = n->nat.prefix6;
	n->nat.gateway6.s6_addr[15] = 2;
	n->nat.dns6 = n->nat.prefix6;
	n->nat.dns6.s6_addr[15] = 3;
}

/*
 * TFTP and PXE defaults, as VirtualBox has them: the root is $NATD_HOME/TFTP
 * (used when it exists), the boot file VM.pxe, the next-server the adapter's
 * TFTP address. A next-server inside the NAT network can only be natd's own.
 */
static int finish_tftp(const struct natd_config *cfg, struct nic_config *n, unsigned x,
		       char *err, size_t errlen)
{
	int w;

	if (!n->nat.tftp_prefix_set) {
		w = snprintf(n->nat.tftp_prefix, sizeof(n->nat.tftp_prefix), "%s/TFTP", cfg->home);
		if (w < 0 || (size_t)w >= sizeof(n->nat.tftp_prefix))
			return fail(err, errlen, "--nattftpprefix%u: NATD_HOME is too long for the "
				    "default TFTP root; give --nattftpprefix%u", x, x);
	}
	if (!n->nat.tftp_file_set)
		snprintf(n->nat.tftp_file, sizeof(n->nat.tftp_file), "%s.pxe", cfg->name);
	if (!n->nat.tftp_server_set) {
		n->nat.tftp_server = n->nat.tftp;
	} else if ((n->nat.tftp_server.s_addr & n->nat.netmask.s_addr) == n->nat.network.s_addr &&
		   n->nat.tftp_server.s_addr != n->nat.tftp.s_addr) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &n->nat.tftp, ip, sizeof(ip));
		return fail(err, errlen, "--nattftpserver%u: inside the NAT network only natd's "
			    "TFTP address %s serves TFTP", x, ip);
	}
	return 0;
}

/* What this build cannot do yet: refuse clearly rather than start half-configured. */
static int check_supported(const struct nic_config *n, unsigned x, char *err, size_t errlen)
{
	switch (n->mode) {
	case NIC_MODE_NONE:
	case NIC_MODE_NULL:
	case NIC_MODE_NAT:
		if (n->promisc_set)
			return fail(err, errlen, "--nicpromisc%u: a %s adapter is on no switch; "
				    "promiscuous policies apply to natnetwork and intnet adapters",
				    x, adapter_mode_name(n->mode));
		break;
	case NIC_MODE_INTNET:
		if (!config_name_valid(n->intnet))
			return fail(err, errlen, "--intnet%u: '%s' is not a valid internal network "
				    "name (letters, digits, '.', '_', '-')", x, n->intnet);
		if (n->nat.n_natpf || n->nat.natnet_set)
			return fail(err, errlen, "--%s%u: an internal network has no NAT (no "
				    "router, no port forwarding)", n->nat.n_natpf ? "natpf" : "natnet",
				    x);
		break;
	case NIC_MODE_NATNETWORK:
		/* The network's service does NAT, DHCP and forwarding. */
		if (!n->nat_network[0])
			return fail(err, errlen, "--nic%u natnetwork needs --nat-network%u NAME "
				    "(natd natnetwork list shows the networks)", x, x);
		if (!config_name_valid(n->nat_network))
			return fail(err, errlen, "--nat-network%u: '%s' is not a valid NAT network "
				    "name", x, n->nat_network);
		if (n->nat.n_natpf)
			return fail(err, errlen, "--natpf%u: a NAT network's port forwards belong "
				    "to the network (natd natnetwork modify --netname %s "
				    "--port-forward-4 RULE)", x, n->nat_network);
		if (n->nat.natnet_set)
			return fail(err, errlen, "--natnet%u: a NAT network's addresses are the "
				    "network's (natd natnetwork add --network)", x);
		break;
	default:
		return fail(err, errlen, "--nic%u %s: this attachment mode is not supported yet "
			    "(supported: nat, natnetwork, intnet, null, none)", x, adapter_mode_name(n->mode));
	}
	for (unsigned j = 0; j < n->nat.n_natpf; j++) {
		char why[384];

		if (n->mode == NIC_MODE_NAT &&
		    pfrule_check_privileged(&n->nat.natpf[j], why, sizeof(why)) < 0)
			return fail(err, errlen, "--natpf%u: %s", x, why);
	}
	if (n->trace)
		return fail(err, errlen, "--nictrace%u on: packet capture is not supported yet", x);
	if (n->bandwidth_group[0] && strcmp(n->bandwidth_group, "none"))
		return fail(err, errlen, "--nicbandwidthgroup%u: bandwidth groups are not "
			    "supported yet", x);
	return 0;
}

int config_finish(struct natd_config *cfg, char *err, size_t errlen)
{
	bool any = false;
	int rc;

	for (unsigned i = 0; i < NATD_MAX_NICS; i++)
		if (cfg->nic[i].configured)
			any = true;
	if (!any) {
		/* The embedded default: VM's NIC 1 on NAT, waiting for QEMU. */
		cfg->nic[0].configured = true;
		cfg->nic[0].mode = NIC_MODE_NAT;
	}

	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		struct nic_config *n = &cfg->nic[i];
		unsigned x = i + 1;

		if (!n->configured) {
			n->mode = NIC_MODE_NONE; /* adapter 1's NAT default included */
			continue;
		}
		if (n->mode == NIC_MODE_NONE) {
			if (n->attach[0])
				return fail(err, errlen, "--attach%u given but --nic%u is none "
					    "(add --nic%u nat)", x, x, x);
			continue;
		}
		if (n->mode == NIC_MODE_INTNET && !n->intnet[0])
			snprintf(n->intnet, sizeof(n->intnet), "intnet"); /* VirtualBox's default */
		rc = check_supported(n, x, err, errlen);
		if (rc < 0)
			return rc;
		if (!n->attach[0]) {
			int w;

			if (x == 1)
				w = snprintf(n->attach, sizeof(n->attach), "stream:%s/run/%s.sock",
					     cfg->home, cfg->name);
			else
				w = snprintf(n->attach, sizeof(n->attach), "stream:%s/run/%s-nic%u.sock",
					     cfg->home, cfg->name, x);
			if (w < 0 || (size_t)w >= sizeof(n->attach) || strlen(n->attach) > 107)
				return fail(err, errlen, "--attach%u: the default socket path under "
					    "NATD_HOME is too long for a UNIX socket; give --attach%u", x, x);
		}
		/* The NAT adapter's own settings (forwarders/nat_config.h). */
		n->nat.attach = n->attach;
		n->nat.cable_connected = n->cable_connected;
		n->nat.unplugged = n->mode == NIC_MODE_NULL;
		derive_nat_addresses(n, x);
		rc = finish_tftp(cfg, n, x, err, errlen);
		if (rc < 0)
			return rc;
	}

	/* Two adapters on one network would make routing ambiguous. */
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		const struct nic_config *a = &cfg->nic[i];

		if (a->mode != NIC_MODE_NAT)
			continue;
		for (unsigned j = i + 1; j < NATD_MAX_NICS; j++) {
			const struct nic_config *b = &cfg->nic[j];
			uint32_t m;

			if (b->mode != NIC_MODE_NAT)
				continue;
			m = a->nat.netmask.s_addr & b->nat.netmask.s_addr;
			if ((a->nat.network.s_addr & m) == (b->nat.network.s_addr & m))
				return fail(err, errlen, "--natnet%u and --natnet%u overlap; give "
					    "each NAT adapter its own network", i + 1, j + 1);
			if (!memcmp(&a->nat.prefix6, &b->nat.prefix6, sizeof(a->nat.prefix6))) {
				char p6[INET6_ADDRSTRLEN];

				inet_ntop(AF_INET6, &a->nat.prefix6, p6, sizeof(p6));
				return fail(err, errlen, "--natnet%u and --natnet%u give the same "
					    "IPv6 prefix %s/64 (from the third octet); give each NAT "
					    "adapter a network with another third octet", i + 1, j + 1, p6);
			}
			if (!strcmp(a->attach, b->attach))
				return fail(err, errlen, "--attach%u and --attach%u are the same (%s)",
					    i + 1, j + 1, a->attach);
		}
	}
	return 0;
}
