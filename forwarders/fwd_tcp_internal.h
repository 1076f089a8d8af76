/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp_internal.h - the inside of the TCP proxy, one module in two files:
 *   fwd_tcp.c       opening: the held SYN, the host connect() and its outcome
 *                   (RST, ICMP unreachable, or the SYN re-injected and the
 *                   pcb attached), port forwards into the guest, start-up
 *                   and shutdown;
 *   fwd_tcp_data.c  an established connection's data: guest -> host with
 *                   sendmsg(), host -> guest in reference-counted chunks,
 *                   backpressure both ways, half-close, and closing;
 *   fwd_tcp_buf.c   the chunks host data waits in for the guest, their
 *                   global cap, and giving freed memory back.
 * Not for use outside those files.
 */
#ifndef NATD_FWD_TCP_INTERNAL_H
#define NATD_FWD_TCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "forwarders/flow.h"
#include "lwip/err.h"

struct h2g_chunk;
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
	bool paused;           /* host reads paused: lwIP's send buffer full, or
				* the guest's window plus FWD_TCP_FLOW_BUF */
	bool rst_host;         /* close the host socket with a RST */
	bool fd_taken;         /* holds a descriptor of the budget (base/fdlimit.h) */
	bool h2g_big;          /* reads fill what they are given: big chunks */
	bool buf_waiting;      /* host reads wait for the buffer cap (fwd_tcp_buf.c) */
	struct h2g_chunk *fill; /* the chunk host reads append to (one reference) */
	struct tcp_conn *wait_next, **wait_pprev; /* the buffer's waiting list */
	/* On the list of connections whose guest data is written at the end of
	 * the batch (fwd_tcp_data.c); pend_pprev NULL when not on it. */
	struct tcp_conn *pend_next, **pend_pprev;
	size_t pend_bytes;     /* guest data received since the last write try */
};

static inline void conn_set_state(struct tcp_conn *c, enum conn_state st)
{
	c->flow->state = (uint8_t)st;
}

static inline enum conn_state conn_state(const struct tcp_conn *c)
{
	return (enum conn_state)c->flow->state;
}

/* fwd_tcp.c */

/* The host connect() finished (error: 0 or an errno value): re-injects the
 * SYN, or refuses the guest and closes c. */
void fwd_tcp_connect_done(struct tcp_conn *c, int error);

/* fwd_tcp_data.c */

/*
 * Ends the connection: detaches and closes (or aborts) the pcb, closes the
 * host socket (with a RST when rst_host), frees queued data; c is freed once
 * its handles have closed. When called from one of the pcb's own callbacks
 * with abort_pcb, the caller returns ERR_ABRT.
 */
void fwd_tcp_close(struct tcp_conn *c, bool abort_pcb);
/* Starts, changes or stops the host socket's poll as c's state asks. */
void fwd_tcp_update_poll(struct tcp_conn *c);
/* Writes queued guest data to the host socket (shutdown(SHUT_WR) once
 * drained after the guest's FIN). Returns 0 or a negative errno for a dead
 * socket. */
int fwd_tcp_flush_g2h(struct tcp_conn *c);
/* Closes (through nat.closer) the idle handle that writes pending guest
 * data when no batch end came; it is opened on first use. */
void fwd_tcp_data_shutdown(void);
/* Lowers pcb's receive window to FWD_TCP_G2H_WND (fwd_tcp_data.c), once
 * lwIP has set it after the SYN's window scale option; it then never grows
 * beyond, since the window is reopened only for bytes the host took. */
void fwd_tcp_limit_rcv_wnd(struct tcp_pcb *pcb);
/* Attaches pcb to c: the data path's lwIP callbacks, no Nagle, keepalive. */
void fwd_tcp_setup_pcb(struct tcp_conn *c, struct tcp_pcb *pcb);

/* fwd_tcp_buf.c */

/*
 * Where c's next host read goes: *room bytes at the returned address, in
 * c's fill chunk (a new one when it is full). NULL with *rc -ENOMEM, or NULL
 * with *rc 0 when the cap is reached: c is then on the waiting list
 * (c->buf_waiting; its socket is not polled) until memory frees.
 */
uint8_t *fwd_tcp_buf_room(struct tcp_conn *c, size_t *room, int *rc);
/* Gives lwIP the n bytes a read put at the room (tcp_write() without a
 * copy); filled: the read took all the room it was offered. */
err_t fwd_tcp_buf_write(struct tcp_conn *c, size_t n, bool filled);
/* Drops c's fill chunk; with leave_wait also takes c off the waiting list. */
void fwd_tcp_buf_release(struct tcp_conn *c, bool leave_wait);
/* Guest data queued for host sockets (all connections): add bytes came in,
 * sub bytes went out or were dropped. */
void fwd_tcp_buf_g2h(size_t add, size_t sub);
/* True when the guest has acknowledged everything c wrote into lwIP. */
bool fwd_tcp_buf_idle(const struct tcp_conn *c);

#endif
