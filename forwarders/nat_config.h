/* SPDX-License-Identifier: MIT */
/*
 * nat_config.h - the settings of one NAT adapter (forwarders/nic.h): what
 * `natd run`'s --nat*<x> options set (natd/config.c derives the addresses)
 * and what a NAT network's service sets from the network's definition
 * (natd/natnet_service.c). The NAT engine, the DNS proxy, port forwarding,
 * the TFTP service and the IPv6 router read it through nic_config().
 */
#ifndef NATD_NAT_CONFIG_H
#define NATD_NAT_CONFIG_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "forwarders/pfrule.h"

struct dhcp_server_config;

#define NAT_MAX_ADAPTERS 8   /* adapters per process, numbered 1..8 */
#define NAT_MAX_NATPF    64
#define NAT_MAX_LOOPBACK 4

/* Tri-state for on|off options whose default depends on the host. */
enum tristate { TRI_DEFAULT = -1, TRI_OFF = 0, TRI_ON = 1 };

struct nat_config {
	const char *attach;           /* the VM's transport (devices/device.h) */
	bool cable_connected;         /* at start; setlinkstate changes it */
	bool unplugged;               /* null mode: no cable ever, no NAT */
	bool offload;                 /* the NIC model takes checksum and segmentation
				       * offloads (modes/nic_model.h): a tap opens
				       * with them */
	/* Addresses in network byte order. */
	bool natnet_set;
	struct in_addr network, netmask;
	unsigned prefixlen;
	struct in_addr gateway, dns, tftp, guest_first, guest_last, broadcast;
	/* IPv6 (when ipv6): the /64 fd17:625c:f037:<third octet of network>::,
	 * its ::2 (gateway) and ::3 (DNS proxy); the router's link-local is
	 * fe80::2. On for every adapter of `natd run`. */
	bool ipv6;
	struct in6_addr prefix6, gateway6, dns6;
	struct pfrule natpf[NAT_MAX_NATPF]; /* parsed; empty names already generated */
	unsigned n_natpf;
	char tftp_prefix[PATH_MAX];   /* TFTP root; config_finish: $NATD_HOME/TFTP */
	char tftp_file[256];          /* boot file; config_finish: VM.pxe */
	bool tftp_prefix_set, tftp_file_set; /* given on the command line */
	bool tftp_server_set;
	struct in_addr tftp_server;   /* DHCP next-server; config_finish: .4 */
	bool dns_proxy;               /* default on */
	bool dns_host_resolver;       /* default off */
	bool bind_ip_set;
	struct in_addr bind_ip;
	bool localhost_reachable;     /* default off */
	enum tristate ipv6_default;
	unsigned mtu;                 /* 1500 unless --natsettings */
	unsigned sock_snd, sock_rcv, tcp_snd, tcp_rcv; /* KiB, 0 = default */
	/* Set only by the NAT-network service (natd/natnet_service.c). */
	struct in_addr dhcp_server;   /* DHCP server identifier; 0: the gateway */
	bool dhcp_disabled;           /* --dhcp off: requests are ignored */
	bool dhcp_client_id;          /* leases keyed by option 61 when a client
					 sends one, as VirtualBox's DHCP server
					 does; NAT adapters key them by MAC */
	struct in_addr loopback_net[NAT_MAX_LOOPBACK];  /* --loopback-4: these */
	struct in_addr loopback_host[NAT_MAX_LOOPBACK]; /* reach these on the host */
	unsigned n_loopback;
	bool loopback6_set;           /* --loopback-6: this prefix address */
	struct in6_addr loopback6;    /* reaches the host's ::1 */
	/* Set only for a DHCP server's port (natd/intnet_service.c): this DHCP
	 * configuration as it is (no router, DNS or boot file of natd's own);
	 * NULL: derived from the fields above. */
	const struct dhcp_server_config *dhcp;
};

/* Where this adapter's port forwards may send (pfrule_check_guest()):
 * its network and prefix less natd's own addresses there. */
static inline void nat_config_guest_net(const struct nat_config *c,
					struct pfrule_guest_net *g)
{
	const struct in_addr own[] = { c->gateway, c->dns, c->tftp, c->dhcp_server };

	*g = (struct pfrule_guest_net){ .network = c->network, .netmask = c->netmask,
					.prefixlen = c->prefixlen, .ipv6 = c->ipv6,
					.prefix6 = c->prefix6 };
	for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i].s_addr)
			g->own[g->n_own++] = own[i];
	for (unsigned i = 0; i < c->n_loopback && g->n_own < 6; i++)
		g->own[g->n_own++] = c->loopback_net[i];
	g->own6[g->n_own6++] = c->gateway6;
	g->own6[g->n_own6++] = c->dns6;
	if (c->loopback6_set)
		g->own6[g->n_own6++] = c->loopback6;
}

#endif
