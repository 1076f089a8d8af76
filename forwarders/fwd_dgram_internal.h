/* SPDX-License-Identifier: MIT */
/*
 * fwd_dgram_internal.h - the inside of the UDP and ICMP echo proxies
 * (fwd_dgram.c): a flow's state and helpers on it. Not for use outside the
 * proxies.
 */
#ifndef NATD_FWD_DGRAM_INTERNAL_H
#define NATD_FWD_DGRAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "forwarders/flow.h"
#include "forwarders/nat_internal.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"

struct nic;

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

#endif
