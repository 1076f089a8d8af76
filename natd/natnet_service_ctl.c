/* SPDX-License-Identifier: MIT */
/*
 * natnet_service_ctl.c - what a running NAT network service (natd/
 * natnet_service.c) does on request: its port-forwarding rules opened,
 * changed and closed as host sockets (forwarders/portfwd.c), and its
 * control socket's "status" (switch, leases, limits, the definition) and
 * "apply" (`natd natnetwork modify` of the running network, all or nothing).
 */
#include "natd/natnet_service_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "forwarders/nic.h"
#include "forwarders/nic6.h"
#include "forwarders/portfwd.h"
#include "l2/switch.h"
#include "modes/nat_mode.h"
#include "natd/natnet_json.h"
#include "natd/switch_json.h"
#include "natd/uplink_port.h"
#include "stack/stack.h"

/* --- port forwarding ------------------------------------------------------ */

/*
 * Closes the host sockets of the rules in del, then opens those in add
 * (forwarders/portfwd.c); all or nothing: when a rule cannot be added (its
 * host port is taken, or privileged), the ones added are removed and the
 * deleted ones put back. Changed rules are in both lists.
 */
int natnet_svc_rules_apply(const struct pfrule *del, unsigned n_del,
			   const struct pfrule *add, unsigned n_add, char *err, size_t errlen)
{
	char why[256];
	unsigned i, j;
	int rc = 0;

	for (i = 0; i < n_del; i++)
		portfwd_delete(natnet_svc.nic, del[i].name, why, sizeof(why));
	for (i = 0; i < n_add; i++) {
		struct pfrule r = add[i];

		rc = portfwd_add(natnet_svc.nic, &r, why, sizeof(why));
		if (rc < 0) {
			/* portfwd's reasons mostly name the rule already */
			if (!strncmp(why, "rule '", 6))
				errfmt(err, errlen, rc, "%s", why);
			else
				errfmt(err, errlen, rc, "rule '%s': %s", add[i].name, why);
			break;
		}
		log_info("port forward %s:%s:%u -> [%s]:%u", r.name, pfrule_proto_name(r.proto),
			 r.host_port, pfrule_addr_format(&r.guest, why, sizeof(why)),
			 r.guest_port);
	}
	if (rc == 0) {
		for (j = 0; j < n_del; j++)
			if (pfrule_set_find(add, n_add, del[j].name) < 0)
				log_info("port forward %s removed", del[j].name);
		return 0;
	}
	while (i-- > 0)
		portfwd_delete(natnet_svc.nic, add[i].name, why, sizeof(why));
	for (j = 0; j < n_del; j++) {
		struct pfrule r = del[j];

		if (portfwd_add(natnet_svc.nic, &r, why, sizeof(why)) < 0)
			log_err("rule '%s' could not be restored: %s", r.name, why);
	}
	return rc;
}

/* The rules a definition has in force: the IPv4 ones, and the IPv6 ones
 * when IPv6 is on. Returns how many (names are unique across both). */
unsigned natnet_svc_active_rules(const struct natnet_def *d, struct pfrule *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n_rules4; i++)
		out[n++] = d->rules4[i];
	for (unsigned i = 0; d->ipv6 && i < d->n_rules6; i++)
		out[n++] = d->rules6[i];
	return n;
}

/* Rules of old that new lacks or changed (del) and rules of new that old
 * lacks or changed (add). */
static void svc_rules_diff(const struct pfrule *old, unsigned n_old, const struct pfrule *new,
			   unsigned n_new, struct pfrule *del, unsigned *n_del,
			   struct pfrule *add, unsigned *n_add)
{
	*n_del = *n_add = 0;
	for (unsigned i = 0; i < n_old; i++) {
		int k = pfrule_set_find(new, n_new, old[i].name);

		if (k < 0 || memcmp(&new[k], &old[i], sizeof(old[i])))
			del[(*n_del)++] = old[i];
	}
	for (unsigned i = 0; i < n_new; i++) {
		int k = pfrule_set_find(old, n_old, new[i].name);

		if (k < 0 || memcmp(&old[k], &new[i], sizeof(new[i])))
			add[(*n_add)++] = new[i];
	}
}

/* --- control socket ------------------------------------------------------- */

/* At most this many leases in a status answer (the control protocol caps a
 * message at CTL_MAX_MESSAGE bytes); "leases_total" counts them all. */
#define SVC_STATUS_MAX_LEASES 256

static int svc_lease_json(void *opaque, const struct dhcp_lease_info *l)
{
	json_t *arr = opaque;
	char ip[INET_ADDRSTRLEN], mac[18];

	if (!l->bound || json_array_size(arr) >= SVC_STATUS_MAX_LEASES)
		return 0;
	inet_ntop(AF_INET, &l->addr, ip, sizeof(ip));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
		 l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "ip", ip, "mac", mac,
					     "hostname", l->hostname, "expires_in",
					     (json_int_t)((l->expires_ms - stack_now_ms()) / 1000)));
	return 0;
}

static int svc_count_one(void *opaque, const struct dhcp_lease_info *l)
{
	*(size_t *)opaque += l->bound;
	return 0;
}

static size_t svc_count_leases(void)
{
	size_t n = 0;

	if (natnet_svc.nic)
		nic_foreach_lease(natnet_svc.nic, svc_count_one, &n);
	return n;
}

json_t *natnet_svc_ctl_status(void *opaque, json_t *args, char *err, size_t errlen)
{
	json_t *r, *leases = json_array();
	char net[INET_ADDRSTRLEN + 4];

	(void)opaque;
	(void)args;
	(void)err;
	(void)errlen;
	if (natnet_svc.nic)
		nic_foreach_lease(natnet_svc.nic, svc_lease_json, leases);
	natnet_format_network(&natnet_svc.def, net, sizeof(net));
	r = json_pack("{s:s, s:s, s:I, s:I}",
		      "name", natnet_svc.def.name, "network", net, "pid", (json_int_t)getpid(),
		      "uptime", (json_int_t)((stack_now_ms() - natnet_svc.started_ms) / 1000));
	switch_stats_json(natnet_svc.sw, r);
	json_object_set_new(r, "leases", leases);
	if (natnet_svc.nic && nic_ip6(natnet_svc.nic)) {
		ip6_addr_t g[NIC6_MAX_GUEST_ADDRS];
		json_t *arr = json_array();
		int n = nic_guest_ip6(natnet_svc.nic, g, NIC6_MAX_GUEST_ADDRS);

		for (int i = 0; i < n; i++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, g[i].addr, a, sizeof(a));
			json_array_append_new(arr, json_string(a));
		}
		json_object_set_new(r, "ipv6_guests", arr);
	}
	json_object_set_new(r, "leases_total", json_integer((json_int_t)svc_count_leases()));
	json_object_set_new(r, "uplink", uplink_port_json(natnet_svc.sw, natnet_svc.def.uplink));
	json_object_set_new(r, "descriptors", nat_mode_info_descriptors());
	nat_mode_info_globals(r);
	json_object_set_new(r, "guests", nat_mode_info_guests());
	if (natnet_svc.nic) {
		struct nic_counters c;

		json_object_set_new(r, "dhcp", nat_mode_info_dhcp(natnet_svc.nic));
		nic_get_counters(natnet_svc.nic, &c);
		json_object_set_new(r, "source_spoofed", json_integer((json_int_t)c.rx_dropped_spoofed));
	}
	json_object_set_new(r, "definition", natnet_def_to_json(&natnet_svc.def));
	return r;
}

/* `modify` of the running network: {"definition": {...}}. All or nothing. */
json_t *natnet_svc_ctl_apply(void *opaque, json_t *args, char *err, size_t errlen)
{
	static struct pfrule old[2 * NATNET_MAX_RULES], new[2 * NATNET_MAX_RULES];
	static struct pfrule del[2 * NATNET_MAX_RULES], add[2 * NATNET_MAX_RULES];
	static struct natnet_def d;
	unsigned n_old, n_new, n_del, n_add;

	(void)opaque;
	if (natnet_def_from_json(json_object_get(args, "definition"), &d, err, errlen) < 0)
		return NULL;
	if (strcmp(d.name, natnet_svc.def.name) || d.network.s_addr != natnet_svc.def.network.s_addr ||
	    d.prefixlen != natnet_svc.def.prefixlen) {
		snprintf(err, errlen, "the network itself cannot change while it runs");
		return NULL;
	}
	if (d.ipv6 != natnet_svc.def.ipv6) {
		snprintf(err, errlen, "--ipv6 cannot change while the network runs");
		return NULL;
	}
	n_old = natnet_svc_active_rules(&natnet_svc.def, old);
	n_new = natnet_svc_active_rules(&d, new);
	svc_rules_diff(old, n_old, new, n_new, del, &n_del, add, &n_add);
	/* The uplink first: when it cannot open, the old one stays. */
	if (strcmp(d.uplink, natnet_svc.def.uplink) &&
	    uplink_port_apply(natnet_svc.sw, d.uplink, err, errlen) < 0)
		return NULL;
	if (natnet_svc_rules_apply(del, n_del, add, n_add, err, errlen) < 0) {
		char why[256];

		if (strcmp(d.uplink, natnet_svc.def.uplink) &&
		    uplink_port_apply(natnet_svc.sw, natnet_svc.def.uplink, why, sizeof(why)) < 0)
			log_err("the previous uplink could not be restored: %s", why);
		return NULL;
	}
	if (d.ipv6_default != natnet_svc.def.ipv6_default && natnet_svc.nic && nic_ip6(natnet_svc.nic)) {
		natnet_svc.ncfg.ipv6_default = d.ipv6_default ? TRI_ON : TRI_OFF;
		nic6_readvertise(nic_ip6(natnet_svc.nic));
	}
	if (d.lo6 != natnet_svc.def.lo6 && natnet_svc.nic && nic_ip6(natnet_svc.nic)) {
		/* flows to the old address keep their host sockets */
		natnet_svc.ncfg.loopback6_set = d.lo6 != 0;
		natnet_loopback6_addr(&d, &natnet_svc.ncfg.loopback6);
		nic6_set_loopback6(nic_ip6(natnet_svc.nic), d.lo6 ? &natnet_svc.ncfg.loopback6 : NULL);
	}
	/* New flows bind to the new source address (forwarders/nat.c). */
	natnet_svc.ncfg.bind_ip_set = d.source_ip4.s_addr != 0;
	natnet_svc.ncfg.bind_ip = d.source_ip4;
	natnet_svc.def = d;
	natnet_def_addrs(&natnet_svc.def, &natnet_svc.addrs);
	/* Loopback mappings and DHCP on/off are read from the config per packet. */
	natnet_svc.ncfg.dhcp_disabled = !d.dhcp;
	natnet_svc.ncfg.n_loopback = d.n_lo4;
	for (unsigned i = 0; i < d.n_lo4; i++) {
		natnet_svc.ncfg.loopback_net[i].s_addr =
			htonl(ntohl(natnet_svc.addrs.network.s_addr) + d.lo4[i].offset);
		natnet_svc.ncfg.loopback_host[i] = d.lo4[i].host;
	}
	log_info("definition changed (modify): %u rule%s removed, %u added; DHCP %s; IPv6 "
		 "default route %s", n_del, n_del == 1 ? "" : "s", n_add, d.dhcp ? "on" : "off",
		 !d.ipv6 ? "-" : d.ipv6_default ? "on" : "off");
	return json_object();
}
