/* SPDX-License-Identifier: MIT */
/*
 * nic.h - one VM network adapter in NAT mode: a frame transport (devices/),
 * an lwIP netif holding the gateway addresses (IPv4, and IPv6 through
 * nic6.h), and the services natd offers on that network (DHCP, TFTP, IPv6
 * router advertisements; the DNS proxy and NAT attach to it).
 */
#ifndef NATD_NIC_H
#define NATD_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "dhcp/dhcp_server.h"
#include "lwip/ip6_addr.h"
#include "forwarders/nat_config.h"
#include "tftp/tftp_server.h"

struct nic;
struct tftp_service;

struct nic_counters {
	uint64_t rx_frames, rx_dropped_link, rx_dropped_nomem;
	uint64_t rx_dropped_oversize;  /* over 65535 bytes: more than any IP packet */
	uint64_t rx_dropped_spoofed;   /* IPv4 or ARP from a switch port with an address
					* DHCP leased to a VM on another port (nic.c) */
	uint64_t tx_frames, tx_dropped;
	uint64_t arp_alias_replies;
	uint64_t dhcp_sent, dhcp_send_errors;
};

/*
 * Starts adapter `adapter` (1..8) as configured by cfg (which must outlive the
 * NIC). Returns 0 and *nicp, or a negative errno with a one-line reason in err.
 */
int nic_start(uv_loop_t *loop, unsigned adapter, const struct nat_config *cfg,
	      struct nic **nicp, char *err, size_t errlen);

/* Cable connected or pulled at run time (setlinkstate). */
void nic_set_cable(struct nic *nic, bool connected);

/* The host's resolver file changed (forwarders/dns.c watches it): DHCP's
 * nameserver and search lists, and the RAs' RDNSS and DNSSL, follow it.
 * Guests learn the change at their next renewal (DHCP, DHCPv6) or at once
 * (an RA is sent when the IPv6 lists changed). */
void nic_resolvconf_changed(struct nic *nic);

/* The PXE boot file DHCP offers now and its UEFI variant ("" for none):
 * tftp_boot_files() for the adapter's root and boot file, offered even
 * without a root when --nattftpfile or --nattftpserver was given. */
void nic_boot_files(const struct nat_config *cfg, char file[TFTP_BOOT_FILE_MAX],
		    char efi[TFTP_BOOT_FILE_MAX]);

/* Replaces the DHCP server's configuration (a dhcpserver's port whose
 * reservations changed); leases stay. 0 or -EINVAL (the server refused it). */
int nic_dhcp_reconfigure(struct nic *nic, const struct dhcp_server_config *dc);

/* The gateway's MAC on this adapter: 52:55 followed by the gateway's IPv4. */
void nic_gateway_mac(const struct nat_config *cfg, uint8_t mac[6]);

void nic_get_counters(const struct nic *nic, struct nic_counters *c);
struct dhcp_counters;
void nic_get_dhcp_counters(const struct nic *nic, struct dhcp_counters *c);

/* Offers and leases the adapter's DHCP server gives the clients of one VM
 * port (a NAT network's switch port, or the VM of an adapter attached
 * directly); a new client beyond them gets nothing (dhcp_server.h). */
#define NIC_DHCP_PORT_LEASES 8

/* The adapter behind an lwIP netif (netif->state), its number and config. */
unsigned nic_adapter(const struct nic *nic);
const struct nat_config *nic_config(const struct nic *nic);
struct netif *nic_netif(struct nic *nic);
/*
 * The guest the frame lwIP is taking in now came from: the switch port's
 * tag when the adapter is a host port of a natd switch (device_rx_port()),
 * 0 for the VM of an adapter attached directly; NIC_PORT_NONE outside a
 * frame from the adapter's transport (e.g. a SYN natd re-injects).
 */
uint32_t nic_rx_port(const struct nic *nic);
#define NIC_PORT_NONE UINT32_MAX

/*
 * The guest (nic_rx_port()'s value) whose ARP last gave addr (IPv4, network
 * order) as its sender address, or NIC_PORT_NONE when none has: whose a
 * flow made from the host side to addr (a port forward) is.
 */
uint32_t nic_guest_port4(const struct nic *nic, uint32_t addr);

/* Writes a name for the VM behind switch port `port` (a tag, as
 * nic_rx_port()) into buf, e.g. "vm1 nic2" from the port's hello; leaves it
 * empty when the port has none. */
typedef void (*nic_guest_namer_fn)(void *opaque, uint32_t port, char *buf, size_t len);
/* Who names the ports of a host port adapter's switch (NULL: nobody). */
void nic_set_guest_namer(struct nic *nic, nic_guest_namer_fn fn, void *opaque);
/* "the VM" (port 0), "the VM on switch port 3 (vm1 nic2)" (or without a name
 * when none is known), "no VM" (NIC_PORT_NONE), for logs. Returns buf. */
char *nic_guest_name(const struct nic *nic, uint32_t port, char *buf, size_t len);
bool nic_cable(const struct nic *nic);
/* What the guest's interface shows of the link (devices/device.h). */
const char *nic_guest_link(const struct nic *nic);
/* The VM's transport. */
struct device;
struct device *nic_device(struct nic *nic);
/* The adapter's TFTP server (tftp/tftp_service.h). */
const struct tftp_service *nic_tftp(const struct nic *nic);
/* True while a VM is attached to the transport. */
bool nic_vm_attached(const struct nic *nic);

/*
 * The guest's IPv6 addresses in the adapter's prefix that natd has seen
 * (as the source of its packets, or probed by duplicate address detection),
 * most recently seen first, into out[0..max). Returns how many. Port
 * forwards into the guest's IPv6 use the first.
 */
int nic_guest_ip6(const struct nic *nic, ip6_addr_t *out, int max);

struct nic6;
/* The adapter's IPv6 side (forwarders/nic6.h): counters, default route. */
struct nic6 *nic_ip6(const struct nic *nic);

struct dhcp_lease_info;
/* Calls fn for each DHCP lease of the adapter (see dhcp_server_foreach_lease). */
int nic_foreach_lease(const struct nic *nic,
		      int (*fn)(void *opaque, const struct dhcp_lease_info *l), void *opaque);

/*
 * Also tells cb about every lease event of the adapter's DHCP server (after
 * nic.c has logged it); one observer per adapter, NULL to stop.
 */
void nic_set_lease_observer(struct nic *nic, dhcp_lease_cb cb, void *opaque);
/* Adds a bound lease remembered from an earlier run (dhcp_server_add_lease). */
int nic_restore_lease(struct nic *nic, const struct dhcp_lease_info *l);

/* Stops the adapter; closed(opaque) once every handle is closed and nic freed. */
void nic_stop(struct nic *nic, void (*closed)(void *opaque), void *opaque);

#endif
