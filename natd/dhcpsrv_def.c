/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_def.c - DHCP server definitions of internal networks and
 * host-only interfaces: names, the checks, options and reservations, and
 * the engine configuration built from them (see dhcpsrv_def.h).
 */
#include "natd/dhcpsrv_def.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "natd/dhcpsrv_def_internal.h"

/* --- definitions ------------------------------------------------------------ */

const char *dhcpsrv_hostonly_ifname(const char *network)
{
	size_t n = strlen(DHCPSRV_HOSTONLY_PREFIX);

	return strncmp(network, DHCPSRV_HOSTONLY_PREFIX, n) ? NULL : network + n;
}

int dhcpsrv_def_check_name(const struct dhcpsrv_def *d, char *err, size_t errlen)
{
	if (d->kind == DHCPSRV_KIND_INTERFACE) {
		const char *ifn = dhcpsrv_hostonly_ifname(d->network);

		if (!config_name_valid(d->interface) || strlen(d->interface) >= DHCPSRV_IFNAME_MAX)
			return errfmt(err, errlen, -EINVAL, "interface name '%s': letters, digits, "
				      "'.', '_', '-' (not first), up to %d bytes", d->interface,
				      DHCPSRV_IFNAME_MAX - 1);
		if (!ifn || strcmp(ifn, d->interface))
			return errfmt(err, errlen, -EINVAL, "network '%s': the server of host-only "
				      "interface %s is named %s%s", d->network, d->interface,
				      DHCPSRV_HOSTONLY_PREFIX, d->interface);
		return 0;
	}
	if (d->kind != DHCPSRV_KIND_NETWORK || !config_name_valid(d->network))
		return errfmt(err, errlen, -EINVAL, "network name '%s': letters, digits, '.', "
			      "'_', '-' (not first), up to %d bytes", d->network,
			      NATD_NAME_MAX - 1);
	if (dhcpsrv_hostonly_ifname(d->network))
		return errfmt(err, errlen, -EINVAL, "network '%s' names a host-only interface: "
			      "its kind is \"interface\"", d->network);
	return 0;
}

int dhcpsrv_def_init(struct dhcpsrv_def *d, enum dhcpsrv_kind kind, const char *name,
		     char *err, size_t errlen)
{
	const char *ifn = kind == DHCPSRV_KIND_NETWORK ? dhcpsrv_hostonly_ifname(name) : NULL;

	memset(d, 0, sizeof(*d));
	d->enabled = true;
	d->lease_time = DHCPSRV_DEFAULT_LEASE;
	if (ifn) {           /* --network=HostInterfaceNetworking-IF is --interface=IF */
		kind = DHCPSRV_KIND_INTERFACE;
		name = ifn;
	}
	d->kind = kind;
	if (kind == DHCPSRV_KIND_INTERFACE) {
		snprintf(d->interface, sizeof(d->interface), "%s", name);
		snprintf(d->network, sizeof(d->network), "%s%s", DHCPSRV_HOSTONLY_PREFIX,
			 d->interface);
		if (strlen(name) >= sizeof(d->interface))
			return errfmt(err, errlen, -EINVAL, "interface name '%s': longer than %d "
				      "bytes", name, DHCPSRV_IFNAME_MAX - 1);
	} else {
		snprintf(d->network, sizeof(d->network), "%s", name);
		if (strlen(name) >= sizeof(d->network))
			return errfmt(err, errlen, -EINVAL, "network name '%s': longer than %d "
				      "bytes", name, NATD_NAME_MAX - 1);
	}
	return dhcpsrv_def_check_name(d, err, errlen);
}

int dhcpsrv_parse_ip(const char *text, struct in_addr *out)
{
	return inet_pton(AF_INET, text, out) == 1 ? 0 : -EINVAL;
}

void dhcpsrv_format_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

const char *dhcpsrv_ntoa(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int encode(uint8_t code, const char *value, bool hex, struct dhcp_opt *enc,
		  char *err, size_t errlen)
{
	if (!dhcp_opt_settable(code))
		return errfmt(err, errlen, -EINVAL, "option %u cannot be set: the DHCP server "
			      "sets it itself", code);
	if (strlen(value) >= DHCPSRV_OPT_TEXT_MAX)
		return errfmt(err, errlen, -EINVAL, "option %u: value longer than %d bytes", code,
			      DHCPSRV_OPT_TEXT_MAX - 1);
	return hex ? dhcp_opt_from_hex(code, value, enc, err, errlen)
		   : dhcp_opt_from_text(code, value, enc, err, errlen);
}

int dhcpsrv_option_set(struct dhcpsrv_def *d, uint8_t code, const char *value, bool hex,
		       char *err, size_t errlen)
{
	struct dhcp_opt enc;
	unsigned i;
	int rc;

	rc = encode(code, value, hex, &enc, err, errlen);
	if (rc < 0)
		return rc;
	for (i = 0; i < d->n_opts && d->opts[i].code != code; i++)
		;
	if (i == d->n_opts && d->n_opts >= DHCP_MAX_OPTS)
		return errfmt(err, errlen, -ENOSPC, "at most %d options", DHCP_MAX_OPTS);
	d->opts[i].code = code;
	d->opts[i].hex = hex;
	snprintf(d->opts[i].value, sizeof(d->opts[i].value), "%s", value);
	d->opts[i].enc = enc;
	if (i == d->n_opts)
		d->n_opts++;
	return 0;
}

int dhcpsrv_option_unset(struct dhcpsrv_def *d, uint8_t code)
{
	for (unsigned i = 0; i < d->n_opts; i++) {
		if (d->opts[i].code != code)
			continue;
		memmove(&d->opts[i], &d->opts[i + 1], (d->n_opts - i - 1) * sizeof(d->opts[0]));
		d->n_opts--;
		return 0;
	}
	return -ENOENT;
}

int dhcpsrv_fixed_set(struct dhcpsrv_def *d, const uint8_t mac[6], struct in_addr addr)
{
	unsigned i;

	for (i = 0; i < d->n_fixed && memcmp(d->fixed[i].mac, mac, 6); i++)
		;
	if (i == d->n_fixed) {
		if (d->n_fixed + d->n_vm_fixed >= DHCP_MAX_FIXED)
			return -ENOSPC;
		d->n_fixed++;
	}
	memcpy(d->fixed[i].mac, mac, 6);
	d->fixed[i].addr = addr;
	return 0;
}

int dhcpsrv_vm_fixed_find(const struct dhcpsrv_def *d, const char *vm, unsigned nic)
{
	for (unsigned i = 0; i < d->n_vm_fixed; i++)
		if (d->vm_fixed[i].nic == nic && !strcmp(d->vm_fixed[i].vm, vm))
			return (int)i;
	return -1;
}

int dhcpsrv_vm_fixed_set(struct dhcpsrv_def *d, const char *vm, unsigned nic,
			 struct in_addr addr)
{
	int k = dhcpsrv_vm_fixed_find(d, vm, nic);
	struct dhcpsrv_vm_fixed *f;

	if (k < 0) {
		if (d->n_fixed + d->n_vm_fixed >= DHCP_MAX_FIXED)
			return -ENOSPC;
		k = (int)d->n_vm_fixed++;
	}
	f = &d->vm_fixed[k];
	snprintf(f->vm, sizeof(f->vm), "%s", vm);
	f->nic = nic;
	f->addr = addr;
	return 0;
}

int dhcpsrv_fixed_remove(struct dhcpsrv_def *d, const uint8_t mac[6])
{
	for (unsigned i = 0; i < d->n_fixed; i++) {
		if (memcmp(d->fixed[i].mac, mac, 6))
			continue;
		memmove(&d->fixed[i], &d->fixed[i + 1], (d->n_fixed - i - 1) * sizeof(d->fixed[0]));
		d->n_fixed--;
		return 0;
	}
	return -ENOENT;
}

int dhcpsrv_vm_fixed_remove(struct dhcpsrv_def *d, const char *vm, unsigned nic)
{
	int k = dhcpsrv_vm_fixed_find(d, vm, nic);

	if (k < 0)
		return -ENOENT;
	memmove(&d->vm_fixed[k], &d->vm_fixed[k + 1],
		(d->n_vm_fixed - (unsigned)k - 1) * sizeof(d->vm_fixed[0]));
	d->n_vm_fixed--;
	return 0;
}

/* The subnet of d, host order. */
struct subnet {
	uint32_t mask, net, bcast;
	unsigned len;
	char text[INET_ADDRSTRLEN + 4];
};

/* Where an address of the subnet may not be: 0 when it is a usable host. */
static const char *host_problem(const struct subnet *s, struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	if ((h & s->mask) != s->net)
		return "is outside the subnet";
	if (h == s->net)
		return "is the network address of the subnet";
	if (h == s->bcast)
		return "is the broadcast address of the subnet";
	return NULL;
}

static int check_addrs(const struct dhcpsrv_def *d, struct subnet *s, char *err,
		       size_t errlen)
{
	uint32_t m = ntohl(d->netmask.s_addr), srv = ntohl(d->server_ip.s_addr);
	uint32_t lo = ntohl(d->lower_ip.s_addr), hi = ntohl(d->upper_ip.s_addr);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	const char *why;

	if (m == 0 || (~m & (~m + 1)) != 0)
		return errfmt(err, errlen, -EINVAL, "netmask %s is not contiguous (like "
			      "255.255.255.0)", dhcpsrv_ntoa(d->netmask, a));
	s->mask = m;
	s->len = (unsigned)__builtin_popcount(m);
	s->net = srv & m;
	s->bcast = s->net | ~m;
	snprintf(s->text, sizeof(s->text), "%s/%u",
		 dhcpsrv_ntoa((struct in_addr){ htonl(s->net) }, a), s->len);
	if (s->len > 30)
		return errfmt(err, errlen, -EINVAL, "netmask %s leaves no room for a server "
			      "and clients (/30 at most)", dhcpsrv_ntoa(d->netmask, a));
	if ((srv >> 24) == 0 || (srv >> 24) == 127 || (srv >> 28) >= 0xe)
		return errfmt(err, errlen, -EINVAL, "server IP %s is not a unicast address "
			      "(0/8, 127/8 and 224/3 cannot be used)",
			      dhcpsrv_ntoa(d->server_ip, a));
	why = host_problem(s, d->server_ip);
	if (why)
		return errfmt(err, errlen, -EINVAL, "server IP %s %s %s",
			      dhcpsrv_ntoa(d->server_ip, a), why, s->text);
	why = host_problem(s, d->lower_ip);
	if (why)
		return errfmt(err, errlen, -EINVAL, "lower IP %s %s %s",
			      dhcpsrv_ntoa(d->lower_ip, a), why, s->text);
	why = host_problem(s, d->upper_ip);
	if (why)
		return errfmt(err, errlen, -EINVAL, "upper IP %s %s %s",
			      dhcpsrv_ntoa(d->upper_ip, a), why, s->text);
	if (lo > hi)
		return errfmt(err, errlen, -EINVAL, "lower IP %s is above upper IP %s",
			      dhcpsrv_ntoa(d->lower_ip, a), dhcpsrv_ntoa(d->upper_ip, b));
	if (srv >= lo && srv <= hi)
		return errfmt(err, errlen, -EINVAL, "server IP %s is inside the range %s-%s "
			      "it hands out", dhcpsrv_ntoa(d->server_ip, a),
			      dhcpsrv_ntoa(d->lower_ip, b), dhcpsrv_ntoa(d->upper_ip, c));
	return 0;
}

/* A reserved address: usable, not the server's, not reserved before index i
 * (MAC reservations first, then VM ones). */
static int check_fixed_addr(const struct dhcpsrv_def *d, const struct subnet *s,
			    struct in_addr addr, unsigned i, const char *who, char *err,
			    size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	const char *why = host_problem(s, addr);

	if (why)
		return errfmt(err, errlen, -EINVAL, "%s: fixed address %s %s %s", who,
			      dhcpsrv_ntoa(addr, a), why, s->text);
	if (addr.s_addr == d->server_ip.s_addr)
		return errfmt(err, errlen, -EINVAL, "%s: fixed address %s is the server IP",
			      who, dhcpsrv_ntoa(addr, a));
	for (unsigned j = 0; j < i; j++) {
		struct in_addr o = j < d->n_fixed ? d->fixed[j].addr
						  : d->vm_fixed[j - d->n_fixed].addr;

		if (o.s_addr == addr.s_addr)
			return errfmt(err, errlen, -EINVAL, "%s: fixed address %s is already "
				      "reserved for another client", who, dhcpsrv_ntoa(addr, a));
	}
	return 0;
}

static int check_options(const struct dhcpsrv_def *d, char *err, size_t errlen)
{
	for (unsigned i = 0; i < d->n_opts; i++) {
		const struct dhcpsrv_option *o = &d->opts[i];
		struct dhcp_opt enc;
		int rc;

		for (unsigned j = 0; j < i; j++)
			if (d->opts[j].code == o->code)
				return errfmt(err, errlen, -EINVAL, "option %u is set twice",
					      o->code);
		rc = encode(o->code, o->value, o->hex, &enc, err, errlen);
		if (rc < 0)
			return rc;
		if (o->code == 3 && enc.len != 4)
			return errfmt(err, errlen, -EINVAL, "option 3: give one router (the "
				      "server hands out one)");
		if (o->code == 6 && (enc.len % 4 || enc.len / 4 > DHCP_MAX_DNS))
			return errfmt(err, errlen, -EINVAL, "option 6: at most %d name servers",
				      DHCP_MAX_DNS);
	}
	return 0;
}

int dhcpsrv_def_check(const struct dhcpsrv_def *d, char *err, size_t errlen)
{
	struct subnet s;
	char who[NATD_NAME_MAX + 32];
	int rc;

	rc = dhcpsrv_def_check_name(d, err, errlen);
	if (rc == 0)
		rc = check_addrs(d, &s, err, errlen);
	if (rc == 0 && d->lease_time == 0)
		rc = errfmt(err, errlen, -EINVAL, "lease time: at least 1 second");
	if (rc == 0)
		rc = check_options(d, err, errlen);
	if (rc < 0)
		return rc;
	if (d->n_opts > DHCP_MAX_OPTS || d->n_fixed + d->n_vm_fixed > DHCP_MAX_FIXED)
		return errfmt(err, errlen, -EINVAL, "at most %d options and %d reservations",
			      DHCP_MAX_OPTS, DHCP_MAX_FIXED);
	for (unsigned i = 0; i < d->n_fixed; i++) {
		char mac[18];

		dhcpsrv_format_mac(d->fixed[i].mac, mac, sizeof(mac));
		snprintf(who, sizeof(who), "MAC %s", mac);
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(d->fixed[j].mac, d->fixed[i].mac, 6))
				return errfmt(err, errlen, -EINVAL, "%s has two reservations", who);
		if (d->fixed[i].mac[0] & 1)
			return errfmt(err, errlen, -EINVAL, "%s is a multicast address", who);
		rc = check_fixed_addr(d, &s, d->fixed[i].addr, i, who, err, errlen);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < d->n_vm_fixed; i++) {
		const struct dhcpsrv_vm_fixed *f = &d->vm_fixed[i];

		snprintf(who, sizeof(who), "VM %s NIC %u", f->vm, f->nic);
		if (!config_name_valid(f->vm))
			return errfmt(err, errlen, -EINVAL, "VM name '%s': not a valid name", f->vm);
		if (f->nic < 1 || f->nic > NATD_MAX_NICS)
			return errfmt(err, errlen, -EINVAL, "%s: NIC number 1 to %d", who,
				      NATD_MAX_NICS);
		if (dhcpsrv_vm_fixed_find(d, f->vm, f->nic) != (int)i)
			return errfmt(err, errlen, -EINVAL, "%s has two reservations", who);
		rc = check_fixed_addr(d, &s, f->addr, d->n_fixed + i, who, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dhcpsrv_def_to_config(const struct dhcpsrv_def *d, struct dhcp_server_config *out,
			  char *err, size_t errlen)
{
	int rc = dhcpsrv_def_check(d, err, errlen);

	if (rc < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->netmask = d->netmask;
	out->network.s_addr = d->server_ip.s_addr & d->netmask.s_addr;
	out->server_id = d->server_ip;
	out->range_first = d->lower_ip;
	out->range_last = d->upper_ip;
	out->lease_time = d->lease_time;
	for (unsigned i = 0; i < d->n_opts; i++) {
		const struct dhcp_opt *e = &d->opts[i].enc;

		if (e->code == 3) {
			memcpy(&out->router, e->data, 4);
		} else if (e->code == 6) {
			out->n_dns = e->len / 4u;
			memcpy(out->dns, e->data, e->len);
		} else {
			out->opts[out->n_opts++] = *e;
		}
	}
	memcpy(out->fixed, d->fixed, d->n_fixed * sizeof(d->fixed[0]));
	out->n_fixed = d->n_fixed;
	return 0;
}

int dhcpsrv_config_add_vm(const struct dhcpsrv_def *d, struct dhcp_server_config *cfg,
			  const char *vm, unsigned nic, const uint8_t mac[6])
{
	int k = dhcpsrv_vm_fixed_find(d, vm, nic);

	if (k < 0)
		return 0;
	for (unsigned i = 0; i < cfg->n_fixed; i++)
		if (!memcmp(cfg->fixed[i].mac, mac, 6))
			return cfg->fixed[i].addr.s_addr == d->vm_fixed[k].addr.s_addr ? 1
											: -EEXIST;
	if (cfg->n_fixed >= DHCP_MAX_FIXED)
		return -ENOSPC;
	memcpy(cfg->fixed[cfg->n_fixed].mac, mac, 6);
	cfg->fixed[cfg->n_fixed++].addr = d->vm_fixed[k].addr;
	return 1;
}
