/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp_internal.h - the inside of the TCP proxy (fwd_tcp.c): a
 * connection's state and what it holds. Not for use outside the proxy.
 */
#ifndef NATD_FWD_TCP_INTERNAL_H
#define NATD_FWD_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "forwarders/flow.h"

struct nic;
struct pbuf;
struct tcp_pcb;

/* A connection's state, kept in its flow (flow->state); fwd_tcp_state_name()
 * names it for the flow listing. */
enum conn_state {
	TS_CONNECTING,  /* host connect() under way; guest SYN held */
	TS_READY,       /* host connected; SYN being re-injected */
	TS_SYN_RCVD,    /* lwIP answered SYN-ACK; waiting for the guest's ACK */
	TS_ESTABLISHED,
	TS_CLOSING,     /* handles closing */
	TS_GUEST_CONNECTING, /* port forward: lwIP's SYN sent to the guest */
	TS_COUNT
};

struct tcp_conn {
	struct flow *flow;
	struct nic *nic;
	struct tcp_pcb *pcb;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	int poll_events;
	int handles_open;
	uint8_t *syn;          /* the guest's SYN (IP packet, network order) */
	uint16_t syn_len;
	struct pbuf *g2h;      /* guest data the host socket has not taken yet */
	uint16_t g2h_off;      /* bytes of g2h's first pbuf already sent */
	bool guest_fin;        /* guest sent FIN */
	bool host_shut;        /* we did shutdown(SHUT_WR) on the host socket */
	bool host_eof;         /* host sent FIN; we shut lwIP's tx */
	bool paused;           /* host reads paused: lwIP's send buffer full */
	bool rst_host;         /* close the host socket with a RST */
};

static inline void conn_set_state(struct tcp_conn *c, enum conn_state st)
{
	c->flow->state = (uint8_t)st;
}

static inline enum conn_state conn_state(const struct tcp_conn *c)
{
	return (enum conn_state)c->flow->state;
}

#endif
