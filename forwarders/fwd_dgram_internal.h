/* SPDX-License-Identifier: MIT */
/*
 * fwd_dgram_internal.h - the inside of the UDP and ICMP echo proxies, one
 * module in two files:
 *   fwd_dgram.c        the flows and their host sockets: making and closing
 *                      them, host -> guest, port forwards and the TFTP
 *                      helper, start-up and shutdown;
 *   fwd_dgram_guest.c  guest -> host: the raw pcbs' input, IPv4 and IPv6.
 * Not for use outside those two files.
 */
#ifndef NATD_FWD_DGRAM_INTERNAL_H
#define NATD_FWD_DGRAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "forwarders/flow.h"
#include "forwarders/nat_internal.h"
#include "lwip/arch.h"
#include "lwip/ip_addr.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"

struct nic;
struct pbuf;
struct raw_pcb;

/* A UDP or ICMP echo flow (flow->owner); flow->state is 0, or 1 once
 * closing. */
struct dgram_conn {
	struct flow *flow;
	struct nic *nic;
	int fd;
	uv_poll_t poll;
	uint8_t ttl, tos;        /* applied to the host socket */
	uint8_t l4[8];           /* the guest's last transport header */
	uint16_t ip_len;         /* and its IP packet's length */
	const void *tag;         /* port forward: the rule; fd is the rule's;
				  * TFTP data flow: its request flow, whose fd it is */
	struct sockaddr_storage peer;  /* port forward, TFTP: where datagrams go */
	socklen_t peerlen;
	bool tftp;               /* a TFTP request flow (remote port 69) */
	struct dgram_conn *parent; /* a TFTP data flow: the request flow */
	uint32_t guest;          /* the guest whose flow it is (flow_insert_guest()'s
				  * port; a port forward's: the VM with its guest
				  * address, FLOW_GUEST_NONE when none is known) */
};

static inline bool flow_is_udp(const struct flow *f)
{
	return f->key.proto == FLOW_PROTO_UDP;
}

static inline bool flow_is_v6(const struct flow *f)
{
	return f->key.family == AF_INET6;
}

/* Relays the ICMP errors queued on c's socket to the guest, about the
 * guest's last packet of the flow. */
static inline void dgram_relay_errors(struct dgram_conn *c)
{
	nat_relay_errqueue(c->fd, c->nic, &c->flow->key,
			   flow_is_udp(c->flow) ? IP_PROTO_UDP :
			   flow_is_v6(c->flow) ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP,
			   c->l4, sizeof(c->l4), c->ip_len);
}

/* fwd_dgram.c */

/* A new flow for a guest packet; NULL when refused (counted), with the
 * reason in *err (-errno) when err is given. */
struct dgram_conn *fwd_dgram_new(struct nic *nic, const struct flow_key *key, int *err);

/* fwd_dgram_guest.c: lwIP raw input, IPv4 (UDP, ICMP) and IPv6 (UDP,
 * ICMPv6 and the options headers before them). 1: taken (p freed); 0: left
 * to lwIP. */
u8_t fwd_dgram_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr);
u8_t fwd_dgram_raw_recv6(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr);

#endif
