/* SPDX-License-Identifier: MIT */
/*
 * config.c - parsing and validation of `natd run` options (see config.h).
 *
 * Per-NIC options are looked up in one table (config_nic_opts, with their
 * parsers in natd/config_nic.c) by their name without the trailing adapter
 * number; each entry has a parser that checks the value and stores it.
 * Nothing here opens a file or a socket: config_finish() only derives and
 * checks, so a bad command line changes nothing on the host. The text of
 * `natd run --help` is in natd/config_help.c.
 */
#include "natd/config.h"
#include "natd/config_internal.h"
#include "natd/nictrace.h"
#include "modes/nic_model.h"
#include "modes/bridged.h"
#include "modes/generic.h"
#include "forwarders/nat.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "devices/hostif.h"

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
	cfg->max_tcp_buffer = NAT_TCP_BUFFER_DEFAULT;
	sandbox_opts_init(&cfg->sandbox);
	for (unsigned i = 0; i < NATD_MAX_NICS; i++)
		config_nic_defaults(&cfg->nic[i]);
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

int config_parse_size(const char *s, size_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && !end[1]) {
		switch (*end) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		default: return -EINVAL;
		}
	} else if (*end) {
		return -EINVAL;
	}
	if (v > SIZE_MAX / mul)
		return -EINVAL;
	*out = (size_t)(v * mul);
	return 0;
}

/* Whether --name is one of natd run's options other than the per-NIC ones
 * (config_nic_opts): those config_parse_run() reads by name. */
static bool run_global(const char *name)
{
	static const char *const names[] = {
		"max-tcp-flows", "max-udp-flows", "max-icmp-flows", "max-tcp-buffer", "user",
		"sandbox", "udp-timeout", "name",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

int config_parse_run(struct natd_config *cfg, int argc, char **argv,
		     char *err, size_t errlen)
{
	/* per adapter, the first option other than --nic<x> since its last
	 * --nic<x> none: an adapter that ends up none refuses it */
	char other[NATD_MAX_NICS][80] = { { 0 } };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char name[64];
		const char *value, *eq;
		size_t nlen, dpos;
		unsigned adapter;
		const struct config_nic_opt *no;
		char opt[80];
		int rc;

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
		no = config_nic_opt_find(name, &dpos); /* a per-NIC one: NAME<x>, x = 1..8 */
		if (!no && !run_global(name)) /* before its value: also when it is last */
			return fail(err, errlen, "unknown option '--%s' (see natd run --help)", name);

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
		if (!strcmp(name, "max-tcp-buffer")) {
			if (config_parse_size(value, &cfg->max_tcp_buffer) < 0 ||
			    cfg->max_tcp_buffer < CONFIG_TCP_BUFFER_MIN ||
			    cfg->max_tcp_buffer > CONFIG_TCP_BUFFER_MAX)
				return fail(err, errlen, "--max-tcp-buffer: expected a size from 1M "
					    "to 64G (bytes, or with k, M or G), not '%s'", value);
			continue;
		}
		if (!strcmp(name, "user")) {
			if (sandbox_parse_user(value, &cfg->sandbox, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		if (!strcmp(name, "sandbox")) {
			char why[128];

			if (sandbox_parse_mode(value, &cfg->sandbox.mode, why, sizeof(why)) < 0)
				return fail(err, errlen, "--sandbox: %s", why);
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

		if (name[dpos] == '\0')
			return fail(err, errlen, "--%s needs an adapter number 1-%d, as in --%s1",
				    name, NATD_MAX_NICS, name);
		if (config_parse_adapter(name + dpos, &adapter) < 0)
			return fail(err, errlen, "--%s: adapter number must be 1 to %d", name,
				    NATD_MAX_NICS);
		snprintf(opt, sizeof(opt), "--%s", name);
		rc = no->parse(&cfg->nic[adapter - 1], opt, value, err, errlen);
		if (rc < 0)
			return rc;
		if (dpos == 3 && !strncmp(name, "nic", 3)) {
			/* --nic<x> none drops what was given for x before it */
			if (cfg->nic[adapter - 1].mode == NIC_MODE_NONE) {
				config_nic_defaults(&cfg->nic[adapter - 1]);
				other[adapter - 1][0] = '\0';
			}
		} else if (!other[adapter - 1][0]) {
			snprintf(other[adapter - 1], sizeof(other[0]), "%s", opt);
		}
		/* A NAT setting: only a nat adapter takes it (check_supported). */
		if (!strncmp(name, "nat", 3) && strncmp(name, "nat-network", 11) &&
		    !cfg->nic[adapter - 1].nat_opt[0])
			snprintf(cfg->nic[adapter - 1].nat_opt,
				 sizeof(cfg->nic[adapter - 1].nat_opt), "%.*s", (int)dpos, name);
		cfg->nic[adapter - 1].configured = true;
	}
	for (unsigned x = 1; x <= NATD_MAX_NICS; x++)
		if (cfg->nic[x - 1].mode == NIC_MODE_NONE && other[x - 1][0])
			return fail(err, errlen, "%s given but --nic%u is none (add --nic%u nat, "
				    "or another mode)", other[x - 1], x, x);
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

/* Rules whose guest address is outside the adapter's network could never
 * forward: refused, naming the rule (known only now: --natnet<x> may come
 * after --natpf<x>). */
static int finish_natpf(const struct nic_config *n, unsigned x, char *err, size_t errlen)
{
	struct pfrule_guest_net g;
	char why[256], text[PFRULE_TEXT_MAX];

	nat_config_guest_net(&n->nat, &g);
	for (unsigned j = 0; j < n->nat.n_natpf; j++) {
		if (pfrule_check_guest(&n->nat.natpf[j], &g, why, sizeof(why)) == 0)
			continue;
		pfrule_format(&n->nat.natpf[j], PFRULE_SYNTAX_VBOX, text, sizeof(text));
		return fail(err, errlen, "--natpf%u \"%s\": %s", x, text, why);
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
				    "promiscuous policies apply to natnetwork, intnet, hostonly and bridged "
				    "adapters",
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
	case NIC_MODE_HOSTONLY:
		if (!n->hostonly_adapter[0])
			return fail(err, errlen, "--nic%u hostonly needs --hostonlyadapter%u "
				    "vboxnetN (natd list hostonlyifs shows the interfaces)", x, x);
		if (hostif_name_check(n->hostonly_adapter) < 0)
			return fail(err, errlen, "--hostonlyadapter%u: '%s' is not an interface "
				    "name", x, n->hostonly_adapter);
		if (n->nat.n_natpf || n->nat.natnet_set)
			return fail(err, errlen, "--%s%u: a host-only network has no NAT (no "
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
	case NIC_MODE_GENERIC: {
		struct uplink u;
		int rc;

		if (n->promisc_set)
			return fail(err, errlen, "--nicpromisc%u: a generic adapter is on no switch "
				    "of natd's; promiscuous policies apply to natnetwork and intnet "
				    "adapters", x);
		if (n->nat.n_natpf || n->nat.natnet_set)
			return fail(err, errlen, "--%s%u: a generic adapter has no NAT (frames go "
				    "to the tunnel or switch unchanged)",
				    n->nat.n_natpf ? "natpf" : "natnet", x);
		rc = generic_parse(n, x, &u, err, errlen);
		if (rc < 0)
			return rc;
		break;
	}
	case NIC_MODE_BRIDGED: {
		struct bridged_props bp;
		int rc;

		if (!n->bridge_adapter[0])
			return fail(err, errlen, "--nic%u bridged needs --bridgeadapter%u IF (the "
				    "host's interface: ip link shows them)", x, x);
		if (hostif_name_check(n->bridge_adapter) < 0)
			return fail(err, errlen, "--bridgeadapter%u: '%s' is not an interface "
				    "name", x, n->bridge_adapter);
		if (n->nat.n_natpf || n->nat.natnet_set)
			return fail(err, errlen, "--%s%u: a bridged adapter has no NAT (the VM is "
				    "a machine on the interface's LAN)",
				    n->nat.n_natpf ? "natpf" : "natnet", x);
		rc = bridged_parse(n, x, &bp, err, errlen);
		if (rc < 0)
			return rc;
		break;
	}
	default:
		return fail(err, errlen, "--nic%u %s: this attachment mode is not supported yet "
			    "(supported: nat, natnetwork, intnet, hostonly, bridged, generic, null, none)", x,
			    adapter_mode_name(n->mode));
	}
	/* Every option given must work: settings of another mode are refused. */
	if (n->mode != NIC_MODE_NAT && n->nat_opt[0])
		return fail(err, errlen, "--%s%u: a setting of nat adapters, and adapter %u is "
			    "--nic%u %s", n->nat_opt, x, x, x, adapter_mode_name(n->mode));
	if (n->mode != NIC_MODE_NATNETWORK && n->nat_network[0])
		return fail(err, errlen, "--nat-network%u: only with --nic%u natnetwork", x, x);
	if (n->mode != NIC_MODE_INTNET && n->intnet[0])
		return fail(err, errlen, "--intnet%u: only with --nic%u intnet", x, x);
	if (n->mode != NIC_MODE_GENERIC && n->generic_drv[0])
		return fail(err, errlen, "--nicgenericdrv%u: only with --nic%u generic", x, x);
	if (n->mode != NIC_MODE_GENERIC && n->mode != NIC_MODE_BRIDGED && n->n_props)
		return fail(err, errlen, "--nicproperty%u: only with --nic%u generic or bridged",
			    x, x);
	if (n->mode != NIC_MODE_HOSTONLY && n->hostonly_adapter[0])
		return fail(err, errlen, "--hostonlyadapter%u: only with --nic%u hostonly", x, x);
	if (n->mode != NIC_MODE_BRIDGED && n->bridge_adapter[0])
		return fail(err, errlen, "--bridgeadapter%u: only with --nic%u bridged", x, x);
	if (!strncmp(n->attach, "packet:", 7))
		return fail(err, errlen, "--attach%u %s: packet: is natd's own side of a bridged "
			    "adapter, not a VM's transport (--nic%u bridged --bridgeadapter%u IF)",
			    x, n->attach, x, x);
	for (unsigned j = 0; j < n->nat.n_natpf; j++) {
		char why[384];

		if (n->mode == NIC_MODE_NAT &&
		    pfrule_check_privileged(&n->nat.natpf[j], why, sizeof(why)) < 0)
			return fail(err, errlen, "--natpf%u: %s", x, why);
	}
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
			rc = check_supported(n, x, err, errlen); /* options for no adapter */
			if (rc < 0)
				return rc;
			continue;
		}
		if (n->mode == NIC_MODE_INTNET && !n->intnet[0])
			snprintf(n->intnet, sizeof(n->intnet), "intnet"); /* VirtualBox's default */
		/* QEMU's device on a vhost-user netdev is a virtio-net card. */
		if (!strncmp(n->attach, "vhost-user:", 11)) {
			if (n->type_set && n->type != NIC_TYPE_VIRTIO)
				return fail(err, errlen, "--nictype%u %s: an adapter attached "
					    "through vhost-user is a virtio-net card (give "
					    "--nictype%u virtio or none)", x,
					    adapter_type_name(n->type), x);
			n->type = NIC_TYPE_VIRTIO;
		}
		rc = check_supported(n, x, err, errlen);
		if (rc == 0)
			rc = nic_model_check(n, x, err, errlen);
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
		if (!n->trace_file[0] &&
		    (size_t)snprintf(n->trace_file, sizeof(n->trace_file), "%s/%s-nic%u.pcap",
				     cfg->home, cfg->name, x) >= sizeof(n->trace_file))
			return fail(err, errlen, "--nictracefile%u: the default under NATD_HOME "
				    "is too long; give --nictracefile%u", x, x);
		if (n->trace) {
			char why[PATH_MAX + 128];

			if (nictrace_check_file(n->trace_file, why, sizeof(why)) < 0)
				return fail(err, errlen, "--nictracefile%u: %s", x, why);
		}
		/* The NAT adapter's own settings (forwarders/nat_config.h). */
		n->nat.attach = n->attach;
		n->nat.cable_connected = n->cable_connected;
		n->nat.unplugged = n->mode == NIC_MODE_NULL;
		n->nat.offload = nic_model(n->type)->offload;
		derive_nat_addresses(n, x);
		rc = finish_tftp(cfg, n, x, err, errlen);
		if (rc < 0)
			return rc;
		rc = finish_natpf(n, x, err, errlen);
		if (rc < 0)
			return rc;
	}

	nic_model_default_macs(cfg->nic, NATD_MAX_NICS, cfg->name);
	rc = config_check_macs(cfg->nic, err, errlen);
	if (rc < 0)
		return rc;

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
