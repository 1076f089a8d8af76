/* SPDX-License-Identifier: MIT */
/*
 * nic.c - one NAT adapter: device <-> lwIP netif, plus natd's services on it.
 *
 * Frames from the VM are copied once into a pbuf and handed to lwIP's
 * ethernet_input(); frames lwIP emits go straight to the device as an iovec
 * of the pbuf chain. The netif owns the gateway address (10.0.x.2) and its
 * MAC (52:55:0a:00:x:02), so lwIP answers ARP and ICMP echo for the gateway.
 * The other service addresses (DNS .3, TFTP .4) are not netif addresses;
 * nic.c answers ARP for them itself so guests can reach them.
 *
 * DHCP: an lwIP UDP pcb on port 67, bound to this netif, hands messages to
 * the protocol logic in dhcp/ and sends its replies. A reply the client must
 * receive before it has an address (RFC 2131 4.1, broadcast flag clear) is
 * sent to its hardware address through a momentary static ARP entry.
 *
 * TFTP (tftp/) serves the adapter's TFTP address. Whether DHCP offers a PXE
 * boot file depends on the TFTP root existing, which is looked at again on
 * every DHCP message, so a root created while natd runs is used at once.
 *
 * IPv6 (router advertisements, stateless DHCPv6, the guest's addresses) is
 * nic6.c's; nic.c starts it and tells it when a VM comes or goes.
 */
#include "forwarders/nic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"
#include "dhcp/dhcp_server.h"
#include "lwip/etharp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "base/log.h"
#include "base/resolvconf.h"
#include "netif/ethernet.h"
#include "forwarders/nat_internal.h"
#include "forwarders/nic6.h"
#include "forwarders/srcpin.h"
#include "stack/stack.h"
#include "tftp/tftp_service.h"

#define NIC_MAX_IOV 64
#define NIC_MIN_FRAME 60   /* Ethernet's minimum, without the FCS */
/* Guests' IPv4 addresses and the port (nic_rx_port()) their ARP came from,
 * for nic_guest_port4(); the least recently heard one makes room. */
#define NIC_GUESTS4 256

struct nic_guest4 {
	uint32_t addr;      /* network order; 0: free */
	uint32_t port;
	uint64_t seen_ms;
};

struct nic {
	unsigned adapter;
	const struct nat_config *cfg;
	struct netif netif;
	bool netif_added;
	struct device *dev;
	bool cable;
	struct dhcp_server *dhcp;
	struct dhcp_server_config dhcp_cfg;  /* as the server has it */
	struct udp_pcb *dhcp_pcb;
	struct tftp_service *tftp;
	struct nic6 *ip6;
	struct nic_counters ctr;
	struct log_ratelimit rl_drop;
	uint32_t rx_port;               /* nic_rx_port() */
	bool tx_full;                   /* the transport refused a TCP segment (-EAGAIN) */
	dhcp_lease_cb lease_cb;         /* nic_set_lease_observer() */
	void *lease_opaque;
	nic_guest_namer_fn namer;       /* nic_set_guest_namer() */
	void *namer_opaque;
	struct nic_guest4 guests4[NIC_GUESTS4];
	struct srcpin *pins;            /* leased addresses pinned to their switch port
					 * (srcpin.h); NULL until a lease on a switch port */
	struct log_ratelimit rl_spoof;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

void nic_boot_files(const struct nat_config *cfg, char file[TFTP_BOOT_FILE_MAX],
		    char efi[TFTP_BOOT_FILE_MAX])
{
	tftp_boot_files(cfg->tftp_prefix, cfg->tftp_file,
			cfg->tftp_file_set || cfg->tftp_server_set, file, efi);
}

void nic_gateway_mac(const struct nat_config *cfg, uint8_t mac[6])
{
	const uint8_t *ip = (const uint8_t *)&cfg->gateway.s_addr;

	mac[0] = 0x52;
	mac[1] = 0x55;
	memcpy(mac + 2, ip, 4);
}

/* The DHCP server's address: the gateway, except in a NAT network (.3). */
static struct in_addr nic_dhcp_server_id(const struct nat_config *cfg)
{
	return cfg->dhcp_server.s_addr ? cfg->dhcp_server : cfg->gateway;
}

/* True for the addresses besides the gateway that nic.c answers ARP for. */
static bool nic_is_alias(const struct nat_config *cfg, uint32_t a)
{
	if (a == 0 || a == cfg->gateway.s_addr)
		return false; /* unset fields; the gateway is lwIP's own */
	if (a == cfg->dns.s_addr || a == cfg->tftp.s_addr || a == cfg->dhcp_server.s_addr)
		return true;
	for (unsigned i = 0; i < cfg->n_loopback; i++)
		if (a == cfg->loopback_net[i].s_addr)
			return true;
	return false;
}

static const char *fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Whether the frame lwIP sends is a TCP segment (IPv4 or IPv6, no extension
 * header: lwIP adds none); its headers are in the first pbuf. */
static bool nic_frame_is_tcp(const struct pbuf *p)
{
	const uint8_t *f = p->payload;

	if (p->len < 14 + 40)
		return false;
	if (f[12] == 0x08 && f[13] == 0x00)
		return f[14 + 9] == IP_PROTO_TCP;
	if (f[12] == 0x86 && f[13] == 0xdd)
		return f[14 + 6] == IP6_NEXTH_TCP;
	return false;
}

/* lwIP -> VM. */
static err_t nic_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct nic *nic = netif->state;
	struct iovec iov[NIC_MAX_IOV];
	int n = 0, rc;

	if (!nic->cable || !nic->dev) {
		nic->ctr.tx_dropped++;
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next) {
		if (n == NIC_MAX_IOV) {
			nic->ctr.tx_dropped++;
			return ERR_OK;
		}
		iov[n].iov_base = q->payload;
		iov[n].iov_len = q->len;
		n++;
		if (q->tot_len == q->len)
			break;
	}
	rc = device_sendv_seg(nic->dev, iov, n, stack_tx_seg(p));
	if (rc == -EAGAIN && nic_frame_is_tcp(p)) {
		/* The transport is full for now (a QEMU stream socket's output
		 * ring, no free guest buffer): lwIP keeps a TCP segment unsent
		 * and sends it when asked again (nic_batch_end(), or the pcb's
		 * next ACK), so a burst larger than the transport holds costs
		 * a wait, not a loss and lwIP's recovery from it. */
		nic->tx_full = true;
		return ERR_MEM;
	}
	if (rc < 0) {
		nic->ctr.tx_dropped++;
		return ERR_OK; /* a full or absent transport drops, as a wire would */
	}
	nic->ctr.tx_frames++;
	return ERR_OK;
}

/*
 * ARP for natd's service addresses other than the gateway (which lwIP owns).
 * Returns true when a reply was sent.
 */
static bool nic_arp_alias(struct nic *nic, const uint8_t *f, size_t len)
{
	uint8_t reply[42];
	const uint8_t *arp = f + 14;
	struct in_addr tpa;
	uint8_t gw_mac[6];

	if (len < 42 || f[12] != 0x08 || f[13] != 0x06)
		return false;
	/* Ethernet/IPv4 request */
	if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0x00 ||
	    arp[4] != 6 || arp[5] != 4 || arp[6] != 0 || arp[7] != 1)
		return false;
	memcpy(&tpa, arp + 24, 4);
	if (!nic_is_alias(nic->cfg, tpa.s_addr))
		return false;
	nic_gateway_mac(nic->cfg, gw_mac);
	memcpy(reply, arp + 8, 6);          /* to the sender's MAC */
	memcpy(reply + 6, gw_mac, 6);
	reply[12] = 0x08;
	reply[13] = 0x06;
	memcpy(reply + 14, arp, 6);         /* htype, ptype, hlen, plen */
	reply[20] = 0;
	reply[21] = 2;                      /* reply */
	memcpy(reply + 22, gw_mac, 6);      /* sha */
	memcpy(reply + 28, &tpa, 4);        /* spa: the asked-for address */
	memcpy(reply + 32, arp + 8, 10);    /* tha, tpa: the requester */
	if (device_send(nic->dev, reply, sizeof(reply)) == 0) {
		nic->ctr.arp_alias_replies++;
		nic->ctr.tx_frames++;
	}
	return true;
}

/*
 * Learns which port a guest's IPv4 address is behind from its ARP (requests
 * and replies: a guest ARPs for the gateway before it sends anything off its
 * network): the sender's address, when it is in the adapter's network and
 * not one of natd's own.
 */
static void nic_learn_guest4(struct nic *nic, const uint8_t *f, size_t len, uint32_t port)
{
	uint32_t spa, mask = nic->cfg->netmask.s_addr;
	struct nic_guest4 *slot = NULL, *g;

	if (port == NIC_PORT_NONE || srcpin_frame_source(f, len, &spa) != 2)
		return;
	if (spa == 0 || (spa & mask) != (nic->cfg->gateway.s_addr & mask) ||
	    (spa & ~mask) == ~mask || spa == nic->cfg->gateway.s_addr ||
	    nic_is_alias(nic->cfg, spa))
		return;
	for (g = nic->guests4; g < nic->guests4 + NIC_GUESTS4; g++) {
		if (g->addr == spa) {
			slot = g;
			break;
		}
		if (!slot || (slot->addr && (!g->addr || g->seen_ms < slot->seen_ms)))
			slot = g;
	}
	slot->addr = spa;
	slot->port = port;
	slot->seen_ms = stack_now_ms();
}

/* Pins lease l's address to port (srcpin_lease()), the table made on first
 * use; out of memory: not pinned, as without a switch. */
static void nic_pin(struct nic *nic, const struct dhcp_lease_info *l, uint32_t port)
{
	if (!nic->pins)
		nic->pins = srcpin_new();
	if (nic->pins)
		srcpin_lease(nic->pins, l->addr.s_addr, l->mac, port);
}

/* A lease event: pins a bound lease's address to the switch port it was
 * asked from (srcpin.h), unpins one no longer leased. */
static void nic_pin_lease(struct nic *nic, enum dhcp_lease_event_kind ev,
			  const struct dhcp_lease_info *l)
{
	uint32_t port = nic->rx_port;

	if (ev == DHCP_EV_BOUND) {
		/* Only on a switch: port 0 is the one VM of an adapter */
		if (port == NIC_PORT_NONE || port == 0)
			return;
		nic_pin(nic, l, port);
	} else if (nic->pins) {
		srcpin_unlease(nic->pins, l->addr.s_addr);
	}
}

/* False (counted, logged) for IPv4 or ARP from `port` in the name of a VM on
 * another port (srcpin_check()). */
static bool nic_source_allowed(struct nic *nic, const uint8_t *f, size_t len, uint32_t port)
{
	char who[160], owner[160], a[INET_ADDRSTRLEN];
	uint32_t src, pinned;

	if (!nic->pins || port == NIC_PORT_NONE || port == 0 ||
	    srcpin_check(nic->pins, f, len, port, &src, &pinned) != SRCPIN_SPOOFED)
		return true;
	nic->ctr.rx_dropped_spoofed++;
	inet_ntop(AF_INET, &src, a, sizeof(a));
	if (pinned == SRCPIN_NONE)
		snprintf(owner, sizeof(owner), "a VM not back since its lease was restored");
	else
		nic_guest_name(nic, pinned, owner, sizeof(owner));
	log_ratelimited(&nic->rl_spoof, LOG_LVL_WARN, "nic%u: %s sent from %s, leased to %s: "
			"dropped", nic->adapter, nic_guest_name(nic, port, who, sizeof(who)), a, owner);
	return false;
}

uint32_t nic_guest_port4(const struct nic *nic, uint32_t addr)
{
	uint32_t pinned = nic->pins ? srcpin_port(nic->pins, addr) : SRCPIN_NONE;

	if (pinned != SRCPIN_NONE)
		return pinned;
	for (unsigned i = 0; i < NIC_GUESTS4; i++)
		if (nic->guests4[i].addr == addr && addr)
			return nic->guests4[i].port;
	return NIC_PORT_NONE;
}

void nic_set_guest_namer(struct nic *nic, nic_guest_namer_fn fn, void *opaque)
{
	nic->namer = fn;
	nic->namer_opaque = opaque;
}

char *nic_guest_name(const struct nic *nic, uint32_t port, char *buf, size_t len)
{
	char who[96] = "";

	if (port == NIC_PORT_NONE) {
		snprintf(buf, len, "no VM");
		return buf;
	}
	if (port == 0) {
		snprintf(buf, len, "the VM");
		return buf;
	}
	if (nic->namer)
		nic->namer(nic->namer_opaque, port, who, sizeof(who));
	if (who[0])
		snprintf(buf, len, "the VM on switch port %u (%s)", (unsigned)(port & 0xff), who);
	else
		snprintf(buf, len, "the VM on switch port %u", (unsigned)(port & 0xff));
	return buf;
}

/* VM -> lwIP. */
static void nic_frame(void *opaque, const uint8_t *frame, size_t len)
{
	struct nic *nic = opaque;
	uint32_t port = device_rx_port(nic->dev);
	struct pbuf *p;

	nic->ctr.rx_frames++;
	if (!nic->cable) {
		nic->ctr.rx_dropped_link++;
		return;
	}
	if (len > 0xffff) {
		/* the transports allow DEVICE_MAX_FRAME; lwIP's pbufs end at 64 KiB */
		nic->ctr.rx_dropped_oversize++;
		log_ratelimited(&nic->rl_drop, LOG_LVL_WARN, "nic%u: %zu-byte frame dropped "
				"(larger than 65535 bytes)", nic->adapter, len);
		return;
	}
	if (!nic_source_allowed(nic, frame, len, port))
		return;
	nic_arp_alias(nic, frame, len);
	nic_learn_guest4(nic, frame, len, port);
	/* A runt (taps and sockets need not pad to Ethernet's minimum) is padded
	 * with zeros as on a wire: lwIP reads IP header fields before it checks
	 * lengths, and must not read past the frame. IP trims the padding. */
	p = pbuf_alloc(PBUF_RAW, (u16_t)(len < NIC_MIN_FRAME ? NIC_MIN_FRAME : len), PBUF_RAM);
	if (!p) {
		nic->ctr.rx_dropped_nomem++;
		log_ratelimited(&nic->rl_drop, LOG_LVL_WARN, "nic%u: out of memory, frame dropped",
				nic->adapter);
		return;
	}
	if (len < NIC_MIN_FRAME)
		memset(p->payload, 0, NIC_MIN_FRAME);
	pbuf_take(p, frame, (u16_t)len);
	/* lwIP takes the frame in at once (NO_SYS): its guest is known meanwhile */
	nic->rx_port = port;
	if (nic->netif.input(p, &nic->netif) != ERR_OK)
		pbuf_free(p);
	nic->rx_port = NIC_PORT_NONE;
}

static void nic_batch_end(void *opaque)
{
	struct nic *nic = opaque;

	/* Frames came from the guest (its ACKs among them): the transport has
	 * drained some; segments it refused go out now (every pcb lwIP marked
	 * with TF_NAGLEMEMERR). */
	if (nic->tx_full) {
		nic->tx_full = false;
		tcp_txnow();
	}
	fwd_tcp_batch_end(); /* the batch's guest data to the host, one write per flow */
	stack_kick();
}

static void nic_link(void *opaque, bool up)
{
	struct nic *nic = opaque;

	/* May run inside device_open(), before nic->dev is set. */
	log_info("nic%u: VM %s (%s)", nic->adapter, up ? "attached" : "detached",
		 nic->cfg->attach);
	/* Another VM may come with another MAC: forget what we learnt. */
	etharp_cleanup_netif(&nic->netif);
	if (nic->ip6)
		nic6_link(nic->ip6, up && nic->cable);
}

static err_t nic_netif_init(struct netif *netif)
{
	struct nic *nic = netif->state;

	netif->name[0] = 'n';
	netif->name[1] = (char)('0' + nic->adapter);
	netif->output = etharp_output;
	netif->linkoutput = nic_linkoutput;
	netif->mtu = (u16_t)nic->cfg->mtu;
	netif->hwaddr_len = 6;
	nic_gateway_mac(nic->cfg, netif->hwaddr);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

static void nic_lease_event(void *opaque, enum dhcp_lease_event_kind ev,
			    const struct dhcp_lease_info *l)
{
	struct nic *nic = opaque;
	char mac[18], ip[INET_ADDRSTRLEN];
	static const char *const what[] = {
		[DHCP_EV_BOUND] = "leased", [DHCP_EV_RELEASED] = "released",
		[DHCP_EV_DECLINED] = "declined", [DHCP_EV_EXPIRED] = "expired",
	};

	inet_ntop(AF_INET, &l->addr, ip, sizeof(ip));
	fmt_mac(l->mac, mac);
	if (ev == DHCP_EV_BOUND)
		log_info("nic%u: DHCP leased %s to %s%s%s for %us", nic->adapter, ip, mac,
			 l->hostname[0] ? " " : "", l->hostname,
			 (unsigned)((l->expires_ms - stack_now_ms() + 500) / 1000));
	else
		log_info("nic%u: DHCP %s %s (%s)", nic->adapter, what[ev], ip, mac);
	nic_pin_lease(nic, ev, l);
	if (nic->lease_cb)
		nic->lease_cb(nic->lease_opaque, ev, l);
}

/* The PXE boot files DHCP offers, as the TFTP root is now. */
static void nic_dhcp_boot(struct nic *nic)
{
	struct dhcp_server_config dc = nic->dhcp_cfg;
	char ns[INET_ADDRSTRLEN];

	if (nic->cfg->dhcp)
		return; /* a dhcpserver's boot file is an option of its own (67) */
	nic_boot_files(nic->cfg, dc.boot_file, dc.boot_file_efi);
	if (!strcmp(dc.boot_file, nic->dhcp_cfg.boot_file) &&
	    !strcmp(dc.boot_file_efi, nic->dhcp_cfg.boot_file_efi))
		return;
	if (dhcp_server_reconfigure(nic->dhcp, &dc) < 0) {
		log_ratelimited(&nic->rl_drop, LOG_LVL_WARN, "nic%u: PXE boot file %s not "
				"offered: it does not fit into a DHCP reply with the other "
				"options", nic->adapter, dc.boot_file);
		return;
	}
	nic->dhcp_cfg = dc;
	inet_ntop(AF_INET, &dc.next_server, ns, sizeof(ns));
	if (dc.boot_file[0])
		log_info("nic%u: PXE: DHCP offers boot file %s%s%s from %s", nic->adapter,
			 dc.boot_file, dc.boot_file_efi[0] ? ", for UEFI " : "",
			 dc.boot_file_efi, ns);
	else
		log_info("nic%u: PXE: no boot file offered (no TFTP root %s)", nic->adapter,
			 nic->cfg->tftp_prefix);
}

static void nic_dhcp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			  const ip_addr_t *addr, u16_t port)
{
	static uint8_t in[0xffff];
	uint8_t out[DHCP_REPLY_MAX];
	struct nic *nic = arg;
	struct dhcp_reply_dest dest;
	ip_addr_t dst, src;
	ip4_addr_t dst4;
	struct pbuf *q;
	u16_t len;
	int rc;
	err_t e;

	(void)addr;
	(void)port;
	len = pbuf_copy_partial(p, in, sizeof(in), 0);
	pbuf_free(p);
	if (nic->cfg->dhcp_disabled)
		return; /* NAT network with --dhcp off (changeable at run time) */
	nic_dhcp_boot(nic);
	/* nic->rx_port: the VM port the message came from (NIC_PORT_NONE is
	 * DHCP_PORT_ANY), so that one port cannot take every address */
	rc = dhcp_server_input_port(nic->dhcp, nic->rx_port, in, len, stack_now_ms(), out,
				    sizeof(out), &dest);
	if (rc <= 0)
		return;
	q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)rc, PBUF_RAM);
	if (!q) {
		nic->ctr.dhcp_send_errors++;
		return;
	}
	pbuf_take(q, out, (u16_t)rc);
	ip_addr_set_ip4_u32_val(src, nic_dhcp_server_id(nic->cfg).s_addr);
	if (dest.broadcast) {
		ip_addr_set_ip4_u32_val(dst, IPADDR_BROADCAST);
		e = udp_sendto_if_src(pcb, q, &dst, DHCP_CLIENT_PORT, &nic->netif, &src);
	} else {
		ip_addr_set_ip4_u32_val(dst, dest.ip.s_addr);
		if (dest.to_chaddr) {
			/* No ARP: the client has no address yet (RFC 2131 4.1). */
			ip4_addr_set_u32(&dst4, dest.ip.s_addr);
			etharp_add_static_entry(&dst4, (struct eth_addr *)dest.mac);
			e = udp_sendto_if_src(pcb, q, &dst, DHCP_CLIENT_PORT, &nic->netif, &src);
			etharp_remove_static_entry(&dst4);
		} else {
			e = udp_sendto_if_src(pcb, q, &dst, DHCP_CLIENT_PORT, &nic->netif, &src);
		}
	}
	pbuf_free(q);
	if (e == ERR_OK)
		nic->ctr.dhcp_sent++;
	else
		nic->ctr.dhcp_send_errors++;
}

/* The DHCP options of this adapter, from its config and the host's resolv.conf. */
static void nic_dhcp_config(const struct nat_config *cfg, struct dhcp_server_config *dc)
{
	struct resolvconf rc;
	bool have_rc;

	if (cfg->dhcp) {
		*dc = *cfg->dhcp;
		return;
	}
	memset(dc, 0, sizeof(*dc));
	dc->network = cfg->network;
	dc->netmask = cfg->netmask;
	dc->server_id = nic_dhcp_server_id(cfg);
	dc->router = cfg->gateway;
	dc->range_first = cfg->guest_first;
	dc->range_last = cfg->guest_last;
	dc->lease_time = 86400;
	/* One VM behind a NAT adapter: its leases go by MAC, as VirtualBox's
	 * NAT engine keys them (a boot loader and the OS asking with other
	 * client identifiers get the same address). */
	dc->key_by_mac = !cfg->dhcp_client_id;
	dc->mtu = (uint16_t)cfg->mtu;
	dc->next_server = cfg->tftp_server; /* the boot file: nic_dhcp_boot() */

	have_rc = resolvconf_load(resolvconf_path(), &rc) == 0;
	if (cfg->dns_proxy || !have_rc) {
		dc->dns[0] = cfg->dns;
		dc->n_dns = 1;
	} else {
		dc->n_dns = resolvconf_dhcp_nameservers(&rc, dc->dns, DHCP_MAX_DNS, cfg->dns);
	}
	if (have_rc) {
		snprintf(dc->domain, sizeof(dc->domain), "%s", rc.domain);
		for (unsigned i = 0; i < rc.n_search && i < DHCP_MAX_SEARCH; i++)
			snprintf(dc->search[dc->n_search++], sizeof(dc->search[0]), "%s",
				 rc.search[i]);
	}
}

int nic_start(uv_loop_t *loop, unsigned adapter, const struct nat_config *cfg,
	      struct nic **nicp, char *err, size_t errlen)
{
	struct device_handler h;
	struct dhcp_server_config dc;
	ip4_addr_t ip, mask, gw;
	ip_addr_t dhcp_ip;
	struct nic *nic;
	int rc;

	nic = calloc(1, sizeof(*nic));
	if (!nic) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	nic->adapter = adapter;
	nic->cfg = cfg;
	nic->rx_port = NIC_PORT_NONE;
	nic->cable = cfg->cable_connected && !cfg->unplugged;

	ip4_addr_set_u32(&ip, cfg->gateway.s_addr);
	ip4_addr_set_u32(&mask, cfg->netmask.s_addr);
	ip4_addr_set_zero(&gw);
	if (!netif_add(&nic->netif, &ip, &mask, &gw, nic, nic_netif_init, ethernet_input)) {
		snprintf(err, errlen, "lwIP refused the interface");
		rc = -ENOMEM;
		goto out;
	}
	nic->netif_added = true;
	netif_set_up(&nic->netif);
	if (cfg->ipv6) {
		rc = nic6_start(loop, &nic->netif, adapter, cfg, &nic->ip6, err, errlen);
		if (rc < 0)
			goto out;
	}

	nic_dhcp_config(cfg, &dc);
	nic->dhcp = dhcp_server_new(&dc);
	if (!nic->dhcp) {
		snprintf(err, errlen, "could not create the DHCP server");
		rc = -ENOMEM;
		goto out;
	}
	nic->dhcp_cfg = dc;
	dhcp_server_set_lease_cb(nic->dhcp, nic_lease_event, nic);
	dhcp_server_set_port_limit(nic->dhcp, NIC_DHCP_PORT_LEASES);
	nic_dhcp_boot(nic);
	if (cfg->tftp.s_addr) { /* NAT networks have no TFTP server */
		struct tftp_service_config tc = { .root = cfg->tftp_prefix, .addr = cfg->tftp,
						  .mtu = cfg->mtu, .adapter = adapter };

		rc = tftp_service_start(loop, &nic->netif, &tc, &nic->tftp, err, errlen);
		if (rc < 0)
			goto out;
	}
	nic->dhcp_pcb = udp_new();
	if (!nic->dhcp_pcb) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	ip_set_option(nic->dhcp_pcb, SOF_BROADCAST);
	/* Bound to the server's address, the gateway's or a NAT network's .3
	 * (not ANY, so that every adapter has its own pcb on port 67); lwIP
	 * still delivers 255.255.255.255 to it. */
	udp_bind_netif(nic->dhcp_pcb, &nic->netif);
	ip_addr_set_ip4_u32_val(dhcp_ip, nic_dhcp_server_id(cfg).s_addr);
	if (udp_bind(nic->dhcp_pcb, &dhcp_ip, DHCP_SERVER_PORT) != ERR_OK) {
		snprintf(err, errlen, "could not bind the DHCP server");
		rc = -EADDRINUSE;
		goto out;
	}
	udp_recv(nic->dhcp_pcb, nic_dhcp_recv, nic);

	h = (struct device_handler){ .frame = nic_frame, .batch_end = nic_batch_end,
				     .link = nic_link, .opaque = nic, .offload = cfg->offload };
	rc = device_open(loop, cfg->attach, &h, &nic->dev, err, errlen);
	if (rc < 0)
		goto out;
	if (device_offload(nic->dev, cfg->mtu) & DEVICE_OFFLOAD_TCP) {
		/* TCP checksums and segmentation are the transport's (devices/vnet.h). */
		NETIF_SET_CHECKSUM_CTRL(&nic->netif, NETIF_CHECKSUM_ENABLE_ALL &
					~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_CHECK_TCP));
		nic->netif.flags |= NATD_NETIF_FLAG_GSO;
	}
	if (nic->cable)
		netif_set_link_up(&nic->netif);
	else
		device_set_carrier(nic->dev, false); /* --cableconnected off, null */
	*nicp = nic;
	return 0;
out:
	tftp_service_stop(nic->tftp);
	if (nic->dhcp_pcb)
		udp_remove(nic->dhcp_pcb);
	if (nic->dhcp)
		dhcp_server_free(nic->dhcp);
	if (nic->ip6)
		nic6_stop(nic->ip6);
	if (nic->netif_added)
		netif_remove(&nic->netif);
	srcpin_free(nic->pins);
	free(nic);
	return rc;
}

int nic_dhcp_reconfigure(struct nic *nic, const struct dhcp_server_config *dc)
{
	int rc = dhcp_server_reconfigure(nic->dhcp, dc);

	if (rc == 0)
		nic->dhcp_cfg = *dc;
	return rc;
}

void nic_resolvconf_changed(struct nic *nic)
{
	if (nic->cfg->dhcp)
		return; /* a dhcpserver's options are its own */
	struct dhcp_server_config now, dc = nic->dhcp_cfg;

	nic_dhcp_config(nic->cfg, &now);
	memcpy(dc.dns, now.dns, sizeof(dc.dns));
	dc.n_dns = now.n_dns;
	memcpy(dc.domain, now.domain, sizeof(dc.domain));
	memcpy(dc.search, now.search, sizeof(dc.search));
	dc.n_search = now.n_search;
	if (memcmp(dc.dns, nic->dhcp_cfg.dns, sizeof(dc.dns)) ||
	    dc.n_dns != nic->dhcp_cfg.n_dns || dc.n_search != nic->dhcp_cfg.n_search ||
	    strcmp(dc.domain, nic->dhcp_cfg.domain) ||
	    memcmp(dc.search, nic->dhcp_cfg.search, sizeof(dc.search))) {
		char list[DHCP_MAX_DNS * (INET_ADDRSTRLEN + 1)] = "";
		size_t n = 0;

		for (unsigned i = 0; i < dc.n_dns; i++) {
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &dc.dns[i], a, sizeof(a));
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? " " : "", a);
		}
		if (dhcp_server_reconfigure(nic->dhcp, &dc) < 0) {
			log_warn("nic%u: the resolver file changed, but the new nameservers and "
				 "search list do not fit into a DHCP reply: DHCP keeps the old ones",
				 nic->adapter);
		} else {
			nic->dhcp_cfg = dc;
			log_info("nic%u: the resolver file changed: DHCP now hands out DNS %s%s%s",
				 nic->adapter, list, dc.domain[0] ? ", domain " : "", dc.domain);
		}
	}
	if (nic->ip6)
		nic6_resolvconf_changed(nic->ip6);
}

void nic_set_cable(struct nic *nic, bool connected)
{
	nic->cable = connected && !nic->cfg->unplugged;
	if (nic->dev && !nic->cfg->unplugged)
		device_set_carrier(nic->dev, nic->cable);
	if (nic->cable) {
		netif_set_link_up(&nic->netif);
	} else {
		netif_set_link_down(&nic->netif);
		etharp_cleanup_netif(&nic->netif);
	}
	if (nic->ip6)
		nic6_link(nic->ip6, nic->cable && nic_vm_attached(nic));
}

void nic_get_counters(const struct nic *nic, struct nic_counters *c)
{
	*c = nic->ctr;
}

void nic_get_dhcp_counters(const struct nic *nic, struct dhcp_counters *c)
{
	dhcp_server_get_counters(nic->dhcp, c);
}

unsigned nic_adapter(const struct nic *nic)
{
	return nic->adapter;
}

const struct nat_config *nic_config(const struct nic *nic)
{
	return nic->cfg;
}

struct netif *nic_netif(struct nic *nic)
{
	return &nic->netif;
}

uint32_t nic_rx_port(const struct nic *nic)
{
	return nic->rx_port;
}

bool nic_cable(const struct nic *nic)
{
	return nic->cable;
}

struct device *nic_device(struct nic *nic)
{
	return nic->dev;
}

const char *nic_guest_link(const struct nic *nic)
{
	return nic->dev ? device_guest_link(nic->dev) : "up";
}

const struct tftp_service *nic_tftp(const struct nic *nic)
{
	return nic->tftp;
}

bool nic_vm_attached(const struct nic *nic)
{
	return nic->dev && device_connected(nic->dev);
}

int nic_guest_ip6(const struct nic *nic, ip6_addr_t *out, int max)
{
	struct nic6_guest_addr g[NIC6_MAX_GUEST_ADDRS];
	int n;

	if (!nic->ip6)
		return 0;
	n = nic6_guest_addrs(nic->ip6, g, max < NIC6_MAX_GUEST_ADDRS ? max : NIC6_MAX_GUEST_ADDRS);
	for (int i = 0; i < n; i++)
		out[i] = g[i].addr;
	return n;
}

struct nic6 *nic_ip6(const struct nic *nic)
{
	return nic->ip6;
}

void nic_set_lease_observer(struct nic *nic, dhcp_lease_cb cb, void *opaque)
{
	nic->lease_cb = cb;
	nic->lease_opaque = opaque;
}

int nic_restore_lease(struct nic *nic, const struct dhcp_lease_info *l)
{
	int r = nic->dhcp ? dhcp_server_add_lease(nic->dhcp, l) : -ENODEV;

	/* Pinned at once, to no port yet: the lease's MAC takes the pin to
	 * whatever port it comes back on, and until then no other MAC may use
	 * the address (srcpin.h). On an adapter without a switch (port 0)
	 * pins are never checked. */
	if (r == 0 && l->bound)
		nic_pin(nic, l, SRCPIN_NONE);
	return r;
}

int nic_foreach_lease(const struct nic *nic,
		      int (*fn)(void *opaque, const struct dhcp_lease_info *l), void *opaque)
{
	return nic->dhcp ? dhcp_server_foreach_lease(nic->dhcp, fn, opaque) : 0;
}

static void nic_dev_closed(void *opaque)
{
	struct nic *nic = opaque;
	void (*closed)(void *) = nic->closed;
	void *closed_opaque = nic->closed_opaque;

	srcpin_free(nic->pins);
	free(nic);
	if (closed)
		closed(closed_opaque);
}

void nic_stop(struct nic *nic, void (*closed)(void *opaque), void *opaque)
{
	nic->closed = closed;
	nic->closed_opaque = opaque;
	tftp_service_stop(nic->tftp);
	nic->tftp = NULL;
	udp_remove(nic->dhcp_pcb);
	nic->dhcp_pcb = NULL;
	dhcp_server_free(nic->dhcp);
	nic->dhcp = NULL;
	if (nic->ip6)
		nic6_stop(nic->ip6);
	nic->ip6 = NULL;
	netif_remove(&nic->netif);
	device_close(nic->dev, nic_dev_closed, nic);
}
