/* SPDX-License-Identifier: MIT */
/*
 * nat_internal.h - what the NAT engine (nat.c) shares with its protocol
 * proxies (fwd_tcp.c, fwd_dgram.c, ...). Not for use outside forwarders/.
 */
#ifndef NATD_NAT_INTERNAL_H
#define NATD_NAT_INTERNAL_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include "forwarders/flow.h"
#include "forwarders/nat.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/prot/ip6.h"
#include "base/closer.h"

struct nic;
struct tcp_pcb_listen;
struct raw_pcb;
struct pbuf;

struct nat {
	uv_loop_t *loop;
	struct flow_table *flows;
	struct tcp_pcb_listen *tcp_listener;  /* takes SYNs the hook approves */
	uint8_t tcp_ext_id;
	struct raw_pcb *raw_udp;              /* guest UDP in, replies out */
	struct raw_pcb *raw_icmp;             /* guest echo in, replies and errors out */
	struct raw_pcb *raw6[4];              /* IPv6: UDP, ICMPv6 and the two extension
					       * headers that may precede them (fwd_dgram_guest.c) */
	uv_timer_t sweep;                     /* idle expiry of UDP and ICMP flows */
	bool sweep_started;
	unsigned udp_timeout_ms, dns_timeout_ms, icmp_timeout_ms;
	uint64_t drops[NAT_DROP_COUNT];
	struct closer closer;                 /* flows and handles still closing */
	bool shutting_down;
	void (*closed)(void *opaque);         /* nat_shutdown()'s caller */
	void *closed_opaque;
};

extern struct nat nat;

/* The adapter of a netif, or NULL when it is not one of natd's NAT NICs. */
struct nic *nat_nic_of(struct netif *netif);

/* True when dest (network order) is in the adapter's own network: the
 * gateway and service addresses, which are never proxied to the host. */
bool nat_is_local(const struct nic *nic, uint32_t dest);

/* The guest may reach this local address through the host: with
 * --natlocalhostreachable, the gateway stands for host 127.0.0.1; in a NAT
 * network, each --loopback-4 address for its host loopback address. */
bool nat_is_host_alias(const struct nic *nic, uint32_t dest);
/* The host address such an alias reaches (network order), or 0. */
uint32_t nat_host_alias(const struct nic *nic, uint32_t dest);

/* IPv6: true when dest is the adapter's own (its prefix, or link-local),
 * never proxied to the host. */
bool nat_is_local6(const struct nic *nic, const ip6_addr_t *dest);
/* The --loopback-6 address of a NAT network, which reaches the host's ::1. */
bool nat_is_host_alias6(const struct nic *nic, const ip6_addr_t *dest);

struct sockaddr_storage;
/*
 * The host side of flow k (IPv4 or IPv6, as k->family): where to connect
 * (the remote address, or 127.0.0.1 for the gateway alias), in *ss and
 * *sslen. Applies the adapter's settings to fd: socket buffer sizes
 * (--natsettings) and, for IPv4 with --natbindip, the source address.
 * Returns 0 or -errno.
 */
int nat_host_endpoint(int fd, const struct nic *nic, const struct flow_key *k,
		      struct sockaddr_storage *ss, socklen_t *sslen);

/* Applies the adapter's socket buffer sizes (--natsettings) to fd. */
void nat_host_buffers(int fd, const struct nic *nic);

/* Fills a flow key for an IPv4 guest flow (ports in network order). */
void nat_key4(struct flow_key *k, enum flow_proto proto, const struct nic *nic,
	      const ip4_addr_t *gaddr, uint16_t gport, const ip4_addr_t *raddr,
	      uint16_t rport);

/* The same for an IPv6 guest flow. */
void nat_key6(struct flow_key *k, enum flow_proto proto, const struct nic *nic,
	      const ip6_addr_t *gaddr, uint16_t gport, const ip6_addr_t *raddr,
	      uint16_t rport);

/* An address of a flow key (16 bytes) as an lwIP IPv6 address on nic. */
void nat_key_addr6(ip6_addr_t *out, const uint8_t *a, struct nic *nic);

/* A flow finished closing (its handles are closed): frees it. */
void nat_flow_closed(struct flow *f);

/* flow_insert_guest() refused a flow of guest `port` of nic with errno err
 * (from_host: made from the host side, a port forward's or a TFTP data
 * flow): counts it (a full table, a guest's quota) and logs a quota,
 * naming the VM (nic_guest_name()), rate-limited. */
void nat_flow_refused_guest(struct nic *nic, const struct flow_key *k, uint32_t port,
			    bool from_host, int err);
/* The same for a flow the guest of the frame being taken in (nic_rx_port()) opens. */
void nat_flow_refused(struct nic *nic, const struct flow_key *k, int err);
/* Whose a port forward's flow to the guest address of k is: the VM that ARPs
 * with that address (nic_guest_port4()), or for IPv6 the VM the address was
 * last seen from (as a source, in DAD or a neighbour advertisement:
 * nic6_guest_port()), so that remote clients fill that VM's share of the
 * table, not the other VMs'. FLOW_GUEST_NONE (the table's limits only) for
 * an address no VM has shown yet. */
uint32_t nat_forward_guest(const struct nic *nic, const struct flow_key *k);


/*
 * Sends an IPv4 payload (p->payload at the transport header, checksums
 * done) from src to the guest at dst on nic. p stays the caller's.
 */
int nat_output4(struct nic *nic, struct pbuf *p, uint8_t proto, uint32_t src, uint32_t dst);

/*
 * Sends the guest an ICMP error (type, code; mtu for "fragmentation needed")
 * from `from` about a packet of flow k that it sent: the embedded packet is
 * rebuilt from the flow (IP header + l4 header bytes, at most 8 used).
 */
void nat_icmp4_error(struct nic *nic, uint8_t type, uint8_t code, uint16_t mtu,
		     uint32_t from, const struct flow_key *k, uint8_t ip_proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len);

/* The same for IPv6 (proto: IP6_NEXTH_UDP or IP6_NEXTH_ICMP6). */
int nat_output6(struct nic *nic, struct pbuf *p, uint8_t proto, const ip6_addr_t *src,
		const ip6_addr_t *dst);

/*
 * Sends the guest an ICMPv6 error (type, code, the 32-bit field: MTU for
 * "packet too big", pointer for "parameter problem") from `from` to `to`,
 * quoting orig[0..orig_len) (the guest's packet from its IPv6 header; cut to
 * fit the minimum MTU).
 */
void nat_icmp6_error_pkt(struct nic *nic, uint8_t type, uint8_t code, uint32_t info,
			 const ip6_addr_t *from, const ip6_addr_t *to, const uint8_t *orig,
			 size_t orig_len);

/* As nat_icmp4_error() for an IPv6 flow: the quoted packet is rebuilt from
 * k (IPv6 header) and l4 (at most 8 bytes). */
void nat_icmp6_error(struct nic *nic, uint8_t type, uint8_t code, uint32_t info,
		     const ip6_addr_t *from, const struct flow_key *k, uint8_t ip_proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len);

/* UDP and ICMP echo proxies (fwd_dgram.c, fwd_dgram_guest.c; their
 * internals in fwd_dgram_internal.h). */
int fwd_dgram_init(char *err, size_t errlen);
void fwd_dgram_expire(struct flow *f, uint64_t now_ms);
void fwd_dgram_shutdown_all(void);

/*
 * The pieces of the above, without a NIC (the fuzz target calls them):
 * nat_icmp4_error_build() writes the ICMP message (8 + IP_HLEN + at most 8
 * bytes) into b; nat_icmp6_quote() the guest's packet as k and l4 say into
 * pkt, returning its length; nat_icmp6_error_build() the ICMPv6 message
 * quoting orig (cut to NAT_ICMP6_QUOTE_MAX) with its checksum, returning
 * its length (b has room for 8 + NAT_ICMP6_QUOTE_MAX).
 */
#define NAT_ICMP6_QUOTE_MAX (1280 - IP6_HLEN - 8)
size_t nat_icmp4_error_build(uint8_t *b, uint8_t type, uint8_t code, uint16_t mtu,
			     const struct flow_key *k, uint8_t ip_proto, const uint8_t *l4,
			     size_t l4len, uint16_t orig_len);
size_t nat_icmp6_quote(uint8_t pkt[IP6_HLEN + 8], const struct flow_key *k, uint8_t ip_proto,
		       const uint8_t *l4, size_t l4len, uint16_t orig_len);
size_t nat_icmp6_error_build(uint8_t *b, uint8_t type, uint8_t code, uint32_t info,
			     const uint8_t from[16], const uint8_t to[16], const uint8_t *orig,
			     size_t orig_len);

/* One ICMP error of a socket's error queue, decoded. */
struct nat_err {
	int family;          /* AF_INET (IP_RECVERR) or AF_INET6 (IPV6_RECVERR) */
	uint8_t type, code;
	uint32_t info;       /* IPv4: the MTU; IPv6: MTU or pointer, else 0 */
	uint8_t from[16];    /* the router or host that sent it (IPv4: 4 bytes) */
};

/*
 * Decodes one control message of an error queue read (level, type, its
 * len data bytes: a struct sock_extended_err and the offender's address)
 * for a flow of family: 1 with *e filled when it is an ICMP error (ICMPv6
 * for IPv6) from an address of that family, else 0 (not an error to relay,
 * or too short).
 */
int nat_err_decode(int level, int type, const uint8_t *data, size_t len, int family,
		   struct nat_err *e);

/*
 * The guest's transport header l4 (l4len bytes) to quote in an error whose
 * host socket quoted `quoted` (qlen bytes): l4 itself, or out (8 bytes)
 * with an ICMP echo's sequence number taken from quoted and its checksum
 * adjusted (RFC 1624).
 */
const uint8_t *nat_err_header(uint8_t ip_proto, const uint8_t *l4, size_t l4len,
			      const uint8_t *quoted, ssize_t qlen, uint8_t out[8]);

/* Reads a socket's error queue (IP_RECVERR, IPV6_RECVERR) and relays each
 * ICMP or ICMPv6 error to the guest as if about flow k. Returns how many
 * were relayed. */
int nat_relay_errqueue(int fd, struct nic *nic, const struct flow_key *k, uint8_t ip_proto,
		       const uint8_t *l4, size_t l4len, uint16_t orig_len);

/*
 * Port forwarding (portfwd.c) into the guest, IPv4 or IPv6 (src and guest
 * of one family).
 *
 * fwd_tcp_inbound: fd is a host connection accepted on a rule's listener
 * (taken: closed, with a RST, on failure). natd connects to guest:gport
 * from src:sport (the client as the guest will see it; ports in host order;
 * another source port is used when that one is taken). The flow is the VM's
 * that announced the guest address (nat_forward_guest()). Returns 0 or
 * -errno: -ENOSPC the flow table is full, -EDQUOT that VM is at its share.
 *
 * fwd_dgram_inbound: a datagram from a host peer arrived on a rule's socket
 * fd (shared by the rule's flows, not taken). The flow (key: the guest side,
 * and the peer as the guest sees it) is found or made, remembering peer as
 * where replies go; data is sent to the guest. tag names the rule, for
 * fwd_dgram_close_tag() when the rule is deleted. Returns 0 or -errno.
 */
int fwd_tcp_inbound(struct nic *nic, int fd, const ip_addr_t *src, uint16_t sport,
		    const ip_addr_t *guest, uint16_t gport);
struct sockaddr;
int fwd_dgram_inbound(struct nic *nic, int fd, const struct sockaddr *peer,
		      unsigned peerlen, const struct flow_key *key, const void *tag,
		      const uint8_t *data, size_t n);
void fwd_dgram_close_tag(const void *tag);

/* Closes every rule's host socket (portfwd.c). */
void portfwd_shutdown_all(void);

/* TCP proxy (fwd_tcp.c, fwd_tcp_data.c, fwd_tcp_buf.c; their internals in
 * fwd_tcp_internal.h). */
int fwd_tcp_init(char *err, size_t errlen);
void fwd_tcp_shutdown_all(void);
/* Guest data of this batch of frames to the host sockets (fwd_tcp_data.c):
 * the NIC calls it at the end of each batch it got. */
void fwd_tcp_batch_end(void);
const char *fwd_tcp_state_name(uint8_t state);
/* The buffer of host data for guests (fwd_tcp_buf.c): its cap in bytes (0:
 * NAT_TCP_BUFFER_DEFAULT); from the one-second sweep, giving freed heap
 * memory back (malloc_trim); its figures. */
void fwd_tcp_buf_init(size_t max);
void fwd_tcp_buf_sweep(void);
void fwd_tcp_buf_get_stats(struct nat_tcp_buffer *st);

#endif
