/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_port.c - a DHCP server as a host port of a switch (see
 * dhcpsrv_port.h).
 *
 * The engine's configuration is built once from the definition
 * (dhcpsrv_def_to_config) and grows a reservation by MAC each time a port
 * whose VM and adapter have a --vm/--nic reservation says its MAC in a
 * hello (dhcpsrv_config_add_vm); the server is reconfigured then, leases
 * kept. The NAT adapter's settings (struct nat_config) only give it an
 * address on the network: gateway = the server's IP, no NAT, no DNS proxy,
 * no TFTP, no IPv6; its DHCP configuration is ours as it is.
 */
#include "natd/dhcpsrv_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "forwarders/nic.h"
#include "natd/dhcpsrv_leases.h"
#include "natd/lease_keeper.h"

struct dhcpsrv_port {
	struct eth_switch *sw;
	struct dhcpsrv_def def;
	struct dhcp_server_config dcfg;
	struct nat_config ncfg;
	char attach[NATD_NAME_MAX + 32];  /* "inproc:dhcp-NAME" */
	struct nic *nic;
	struct lease_keeper *leases;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

static int port_add_vm(void *opaque, const struct switch_port_info *info)
{
	struct dhcpsrv_port *p = opaque;

	if (!info->host && info->vm[0] && info->adapter && info->mac_known)
		dhcpsrv_config_add_vm(&p->def, &p->dcfg, info->vm, info->adapter, info->mac);
	return 0;
}

int dhcpsrv_port_start(uv_loop_t *loop, const char *home, const struct dhcpsrv_def *d,
		       struct eth_switch *sw, struct dhcpsrv_port **out, char *err,
		       size_t errlen)
{
	char path[PATH_MAX], ip[INET_ADDRSTRLEN], lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	struct dhcpsrv_port *p;
	uint8_t mac[6];
	uint32_t mask;
	int rc;

	p = calloc(1, sizeof(*p));
	if (!p)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	p->sw = sw;
	p->def = *d;
	rc = dhcpsrv_def_to_config(d, &p->dcfg, err, errlen);
	if (rc < 0)
		goto fail;
	/* Reservations of the VMs already on the switch, before the leases
	 * are restored: a lease at a VM's reserved address is one of them. */
	switch_foreach_port(sw, port_add_vm, p);
	snprintf(p->attach, sizeof(p->attach), "inproc:dhcp-%s", d->network);
	mask = ntohl(d->netmask.s_addr);
	p->ncfg.attach = p->attach;
	p->ncfg.cable_connected = true;
	p->ncfg.network.s_addr = d->server_ip.s_addr & d->netmask.s_addr;
	p->ncfg.netmask = d->netmask;
	p->ncfg.prefixlen = (unsigned)__builtin_popcount(mask);
	p->ncfg.broadcast.s_addr = p->ncfg.network.s_addr | ~d->netmask.s_addr;
	p->ncfg.gateway = d->server_ip;   /* the netif's address */
	p->ncfg.guest_first = d->lower_ip;
	p->ncfg.guest_last = d->upper_ip;
	p->ncfg.mtu = 1500;
	p->ncfg.dhcp = &p->dcfg;
	nic_gateway_mac(&p->ncfg, mac);
	rc = switch_add_host_port(sw, p->attach + strlen("inproc:"), mac, err, errlen);
	if (rc < 0)
		goto fail;
	rc = nic_start(loop, 1, &p->ncfg, &p->nic, err, errlen);
	if (rc < 0) {
		switch_remove_host_port(sw, p->attach + strlen("inproc:"));
		goto fail;
	}
	if (dhcpsrv_leases_path(home, d, path, sizeof(path)) == 0 &&
	    lease_keeper_start(loop, p->nic, path, &p->leases, err, errlen) < 0)
		log_warn("DHCP server: leases will not be kept: %s", err);
	inet_ntop(AF_INET, &d->server_ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &d->lower_ip, lo, sizeof(lo));
	inet_ntop(AF_INET, &d->upper_ip, hi, sizeof(hi));
	log_info("DHCP server %s: leases %s to %s, %u reservation%s by MAC, %u by VM", ip, lo,
		 hi, d->n_fixed, d->n_fixed == 1 ? "" : "s", d->n_vm_fixed);
	*out = p;
	return 0;
fail:
	free(p);
	return rc;
}

void dhcpsrv_port_port_changed(struct dhcpsrv_port *p, const struct switch_port_info *info)
{
	char mac[18];
	int rc;

	if (info->host || !info->vm[0] || !info->adapter || !info->mac_known)
		return;
	rc = dhcpsrv_config_add_vm(&p->def, &p->dcfg, info->vm, info->adapter, info->mac);
	dhcpsrv_format_mac(info->mac, mac, sizeof(mac));
	if (rc == -EEXIST || rc == -ENOSPC) {
		log_warn("DHCP server: VM %s adapter %u (%s): its reservation cannot be added "
			 "(%s)", info->vm, info->adapter, mac, rc == -EEXIST ?
			 "the MAC has another reservation" : "too many reservations");
		return;
	}
	if (rc != 1)
		return;
	if (nic_dhcp_reconfigure(p->nic, &p->dcfg) < 0) {
		log_warn("DHCP server: VM %s adapter %u (%s): the server refused its "
			 "reservation", info->vm, info->adapter, mac);
		return;
	}
	log_info("DHCP server: VM %s adapter %u is %s: its reserved address applies",
		 info->vm, info->adapter, mac);
}

static int port_lease_json(void *opaque, const struct dhcp_lease_info *l)
{
	char ip[INET_ADDRSTRLEN], mac[18];

	inet_ntop(AF_INET, &l->addr, ip, sizeof(ip));
	dhcpsrv_format_mac(l->mac, mac, sizeof(mac));
	json_array_append_new(opaque, json_pack("{s:s, s:s, s:s, s:s}", "ip", ip, "mac", mac,
						"hostname", l->hostname,
						"state", l->bound ? "acked" : "offered"));
	return 0;
}

json_t *dhcpsrv_port_json(const struct dhcpsrv_port *p)
{
	char ip[INET_ADDRSTRLEN];
	json_t *leases = json_array();

	nic_foreach_lease(p->nic, port_lease_json, leases);
	inet_ntop(AF_INET, &p->def.server_ip, ip, sizeof(ip));
	return json_pack("{s:s, s:o}", "server_ip", ip, "leases", leases);
}

static void port_nic_closed(void *opaque)
{
	struct dhcpsrv_port *p = opaque;
	void (*closed)(void *) = p->closed;
	void *closed_opaque = p->closed_opaque;

	free(p);
	if (closed)
		closed(closed_opaque);
}

void dhcpsrv_port_stop(struct dhcpsrv_port *p, void (*closed)(void *opaque), void *opaque)
{
	p->closed = closed;
	p->closed_opaque = opaque;
	if (p->leases)
		lease_keeper_stop(p->leases, true);
	switch_remove_host_port(p->sw, p->attach + strlen("inproc:"));
	nic_stop(p->nic, port_nic_closed, p);
}
