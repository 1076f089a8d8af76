/* SPDX-License-Identifier: MIT */
/*
 * dhcp_server.h - natd's DHCPv4 server (RFC 2131/2132), protocol logic only.
 *
 * Pure: takes the bytes of a BOOTP message a client sent to port 67 and
 * builds the reply bytes; it opens no socket and knows nothing of lwIP (the
 * glue in stack/ does the UDP/IP part). Leases live in a table sized at
 * creation: one slot per address of the range, plus one per fixed address
 * (reservation) outside it.
 *
 * Messages: DISCOVER -> OFFER, REQUEST -> ACK or NAK (selecting, init-reboot,
 * renewing, rebinding), RELEASE, DECLINE, INFORM -> ACK (no lease).
 * Options sent: 53, 54, 1 mask, 3 router (unless router is 0), 6 DNS (unless
 * n_dns is 0), 15 domain name, 119 domain search, 28 broadcast, 51 lease
 * time, 58 T1, 59 T2, 26 MTU (when not 1500), 12 is never sent; 66/67 and
 * siaddr/file when a boot file is configured.
 * PXE (a client whose option 60 starts with "PXEClient"): the reply names
 * itself "PXEClient" too (option 60), tells the client to fetch the boot file
 * without boot server discovery (option 43, PXE discovery control 8) and
 * echoes the client's machine identifier (option 97), so that UEFI firmware
 * (EDK2), which ignores plain DHCP offers, boots from it. A client whose
 * architecture (option 93, logged) is UEFI gets boot_file_efi when set.
 * The parameter request list (55) is honoured as RFC 2132 allows, but the
 * options above are always included, as slirp and VirtualBox do.
 *
 * Options set by the administrator (opts[], see dhcp_options.h) go into
 * every OFFER and ACK (INFORM's too, but 51/58/59 only with a lease): one
 * with the code of an option the server sends itself replaces the server's
 * own, which is then not sent. They come after the server's own options,
 * replacements first, each in configured order; one that no longer fits a
 * DHCP_REPLY_MAX reply is left out and counted in opts_truncated. A custom
 * 51 (4 bytes) is also the lease time the server keeps leases for.
 *
 * Clients are known by their client identifier (option 61) when they send
 * one, else by their hardware address (chaddr), as RFC 2131 has it. With
 * key_by_mac, by chaddr alone: every client on one MAC is one client with
 * one lease (VirtualBox's NAT engine does so; a NAT adapter has one VM
 * behind it, whose boot firmware, boot loader and OS may each send another
 * identifier or none).
 *
 * Fixed addresses (fixed[]): the client whose chaddr is mac is always
 * offered and acked addr, and nothing else (it is NAKed when it asks for
 * another address, and not offered a pool address when its own is declined);
 * no other client ever gets addr. A fixed address may lie inside the range
 * (the pool then skips it) or outside, and may equal the router, a DNS
 * server or the next server (another VM may play them on an internal
 * network), but not the server identifier, the network or the broadcast
 * address.
 */
#ifndef NATD_DHCP_SERVER_H
#define NATD_DHCP_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_options.h"

#define DHCP_MAX_DNS     4
#define DHCP_MAX_SEARCH  6
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* Largest reply the server builds (fits any MTU >= 576). */
#define DHCP_REPLY_MAX   576
#define DHCP_MAX_FIXED   64
#define DHCP_MAX_OPTS    32

/* A reservation: the client with this MAC always gets this address. */
struct dhcp_fixed {
	uint8_t mac[6];
	struct in_addr addr;           /* network byte order */
};

/* All addresses in network byte order. */
struct dhcp_server_config {
	struct in_addr network;        /* 10.0.2.0 */
	struct in_addr netmask;        /* 255.255.255.0 */
	struct in_addr server_id;      /* option 54, source of replies (10.0.2.2) */
	struct in_addr router;         /* option 3 (10.0.2.2); 0: none */
	struct in_addr dns[DHCP_MAX_DNS];
	unsigned n_dns;                /* option 6 (10.0.2.3) */
	struct in_addr range_first;    /* 10.0.2.15 */
	struct in_addr range_last;     /* 10.0.2.254 */
	uint32_t lease_time;           /* seconds; 0 means the default, 86400 */
	uint16_t mtu;                  /* option 26 when set and != 1500 */
	char domain[256];              /* option 15; "" for none */
	char search[DHCP_MAX_SEARCH][256];
	unsigned n_search;             /* option 119 (RFC 3397 encoding) */
	struct in_addr next_server;    /* siaddr and option 66, with boot_file */
	char boot_file[128];           /* file and option 67; "" for none */
	char boot_file_efi[128];       /* instead, for UEFI clients; "" for none */
	struct dhcp_fixed fixed[DHCP_MAX_FIXED]; /* reservations (see the top) */
	unsigned n_fixed;
	struct dhcp_opt opts[DHCP_MAX_OPTS];     /* --set-opt: in every OFFER/ACK */
	unsigned n_opts;
	bool key_by_mac;               /* clients known by chaddr alone, option 61
					  ignored (see the top) */
};

enum dhcp_lease_event_kind {
	DHCP_EV_BOUND,     /* ACK sent for a new or renewed lease */
	DHCP_EV_RELEASED,  /* RELEASE */
	DHCP_EV_DECLINED,  /* DECLINE: address marked unusable */
	DHCP_EV_EXPIRED,   /* lease ran out (noticed lazily) */
};

struct dhcp_lease_info {
	struct in_addr addr;
	uint8_t mac[6];
	char hostname[64];     /* option 12 from the client, "" if none */
	uint64_t expires_ms;   /* in the server's clock (the now_ms it is given) */
	bool bound;            /* false: only offered */
};

typedef void (*dhcp_lease_cb)(void *opaque, enum dhcp_lease_event_kind ev,
			      const struct dhcp_lease_info *lease);

/* Where the glue must send a reply. */
struct dhcp_reply_dest {
	struct in_addr ip;     /* 255.255.255.255 or a unicast address */
	uint8_t mac[6];        /* the client's hardware address (chaddr) */
	bool broadcast;        /* IP and Ethernet broadcast */
	bool to_chaddr;        /* unicast to ip at mac, without ARP (the client
				  has no address yet: ciaddr 0, broadcast flag clear) */
};

struct dhcp_counters {
	uint64_t received, malformed, ignored;
	uint64_t discovers, requests, releases, declines, informs;
	uint64_t offers, acks, naks;
	uint64_t pool_exhausted;
	uint64_t pxe_clients;          /* messages from PXE clients (option 60) */
	uint64_t opts_truncated;       /* custom options left out of a full reply */
	uint64_t port_limit;           /* new clients refused: their port holds
					  dhcp_server_set_port_limit() leases */
};

struct dhcp_server;

/*
 * Returns NULL when the configuration is inconsistent or memory is short.
 * Inconsistent includes: a fixed entry outside network/netmask or on the
 * network, broadcast or server address, two fixed entries with the same MAC
 * or address, more than DHCP_MAX_FIXED or DHCP_MAX_OPTS entries, a custom
 * option that is not dhcp_opt_settable() or whose code appears twice, a
 * custom 51 that is not 4 bytes or is 0.
 */
struct dhcp_server *dhcp_server_new(const struct dhcp_server_config *cfg);
void dhcp_server_free(struct dhcp_server *s);

/*
 * Replaces the options handed out (DNS, domain, MTU, boot file, custom
 * options...) and the fixed addresses; network, netmask, range and
 * key_by_mac must not change (-EINVAL). Leases stay, except: a lease or offer of another MAC on
 * an address that became fixed for someone else, and one on a fixed address
 * outside the range that is no longer fixed, are dropped (bound ones
 * reported as DHCP_EV_RELEASED); that client is NAKed when it renews.
 */
int dhcp_server_reconfigure(struct dhcp_server *s, const struct dhcp_server_config *cfg);

void dhcp_server_set_lease_cb(struct dhcp_server *s, dhcp_lease_cb cb, void *opaque);

/*
 * Handles one message sent by a client to port 67. now_ms is a monotonic
 * clock in milliseconds. Returns the reply's length (> 0) with the reply in
 * out and its destination in *dest; 0 when there is nothing to send; a
 * negative errno (-EINVAL, -EPROTO) for a malformed message, which is counted
 * and otherwise ignored. Never reads outside pkt[0..len).
 */
int dhcp_server_input(struct dhcp_server *s, const uint8_t *pkt, size_t len,
		      uint64_t now_ms, uint8_t *out, size_t outcap,
		      struct dhcp_reply_dest *dest);

/*
 * The same for a message that came from `port` (a switch port's tag, or 0
 * for the one VM port of an adapter; DHCP_PORT_ANY: not known, no limit).
 * With a limit set, a port whose clients already hold that many offers and
 * leases gets nothing for a new client (ignored, counted in port_limit; an
 * INIT-REBOOT or a request for an address the client does not hold gets a
 * NAK): a VM sending DHCP with ever new MACs cannot take the pool. A
 * client's own offer or lease, and fixed addresses, are never refused.
 * Offers count until they expire, about a minute after they were made.
 */
#define DHCP_PORT_ANY UINT32_MAX
int dhcp_server_input_port(struct dhcp_server *s, uint32_t port, const uint8_t *pkt,
			   size_t len, uint64_t now_ms, uint8_t *out, size_t outcap,
			   struct dhcp_reply_dest *dest);
/* Offers and leases one port may hold (see above); 0, the default: no limit. */
void dhcp_server_set_port_limit(struct dhcp_server *s, unsigned leases);

/* The address leased (bound, not expired) to mac, or 0 when none. */
int dhcp_server_lease_by_mac(const struct dhcp_server *s, const uint8_t mac[6],
			     uint64_t now_ms, struct dhcp_lease_info *out);

/* Calls fn for every offered or bound lease; stops early when fn returns non-zero. */
int dhcp_server_foreach_lease(const struct dhcp_server *s,
			      int (*fn)(void *opaque, const struct dhcp_lease_info *l),
			      void *opaque);

/*
 * Adds a bound lease (e.g. restored from disk), also on a fixed address for
 * its MAC. -ERANGE: the address is neither in the range nor fixed, or is the
 * server's own; -EEXIST: it is taken, fixed for another MAC, or the MAC
 * already has a bound lease.
 */
int dhcp_server_add_lease(struct dhcp_server *s, const struct dhcp_lease_info *l);

void dhcp_server_get_counters(const struct dhcp_server *s, struct dhcp_counters *c);

/* RFC 4578 / IANA processor architecture types (option 93): a short name
 * ("x86 BIOS", "x64 UEFI"...; "unknown" otherwise), and whether it is a UEFI
 * firmware that boots over TFTP. */
const char *dhcp_arch_name(uint16_t arch);
bool dhcp_arch_is_uefi(uint16_t arch);

#endif
