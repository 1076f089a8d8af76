/* SPDX-License-Identifier: MIT */
/*
 * dns_tcp.c - the guest's TCP connections to the DNS proxy (port 53 of each
 * NAT adapter's DNS addresses, lwIP pcbs): queries read from the stream by
 * their two-byte length prefixes and handed to the relay (dns.c) as they
 * complete, at most DNS_TCP_MAX_PENDING in flight per connection; answers
 * written back length-prefixed in completion order. Bytes are given back to
 * the connection's receive window (DNS_TCP_WND, no more than the buffer)
 * only as they are handed on as queries: a guest that pipelines more than
 * the buffer holds waits for the window, it is not reset. At most
 * DNS_TCP_MAX_CONNS connections per adapter (more are reset), and one idle
 * for DNS_TCP_IDLE_S seconds is closed.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "forwarders/dns_internal.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

void dns_tcp_send(struct dns_tcp_conn *c, const uint8_t *a, size_t alen)
{
	uint8_t *m;

	/* tcp_write() takes at most 0xffff bytes: answers of 65534 and 65535
	 * bytes are not sent (c-ares answers are far smaller). A guest that
	 * does not read loses the answer, not the stream. */
	if (c->dead || !c->pcb || alen + 2 > 0xffff || tcp_sndbuf(c->pcb) < alen + 2)
		return;
	/* Length and message in one write: two could leave the length queued
	 * and the message refused (TCP_SND_QUEUELEN), and every later answer
	 * would then be read from the wrong offset. */
	m = malloc(alen + 2);
	if (!m)
		return;
	m[0] = (uint8_t)(alen >> 8);
	m[1] = (uint8_t)alen;
	memcpy(m + 2, a, alen);
	if (tcp_write(c->pcb, m, (u16_t)(alen + 2), TCP_WRITE_FLAG_COPY) == ERR_OK) {
		tcp_output(c->pcb);
		stack_kick();
	}
	free(m);
}

static_assert(DNS_TCP_WND <= DNS_TCP_BUF, "the window must fit the buffer");

static void dns_tcp_ask(struct dns_tcp_conn *c, const uint8_t *q, size_t len);
static void dns_tcp_kill(struct dns_tcp_conn *c, bool abort_pcb);

/* Gives the bytes handed on as queries back to c's receive window. lwIP
 * sends a window update unasked only when the window grows by
 * TCP_WND_UPDATE_THRESHOLD, far more than DNS_TCP_WND: a guest that had
 * (nearly) filled the window would wait for its persist timer, so the
 * update goes at once then. */
static void dns_tcp_window(struct dns_tcp_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;
	bool was_low;

	if (c->dead || !pcb || c->consumed == 0)
		return;
	was_low = pcb->rcv_ann_wnd < DNS_TCP_WND / 2;
	while (c->consumed > 0) {
		u16_t n = c->consumed > 0xffff ? 0xffff : (u16_t)c->consumed;

		tcp_recved(pcb, n);
		c->consumed -= n;
	}
	if (was_low) {
		tcp_set_flags(pcb, TF_ACK_NOW);
		tcp_output(pcb);
		stack_kick();
	}
}

void dns_tcp_release(struct dns_tcp_conn *c)
{
	if (c->dead) {
		if (c->pending == 0) {
			c->dn->tcp_conns--;
			if (c->g)
				c->g->tcp_conns--;
			free(c);
		}
		return;
	}
	/* An answer went out: queries that waited for room in flight go now,
	 * without waiting for the guest to send more. Not while the proxy shuts
	 * down: the answers then are ares_destroy() cancelling queries, and a
	 * query sent from there would go to the channel it is destroying. */
	if (!c->draining && c->pending < DNS_TCP_MAX_PENDING && !dns_proxy.shutting_down) {
		dns_tcp_drain(c, dns_tcp_ask);
		dns_tcp_window(c);
	}
	/* A guest that half-closed has had its last answer: close our side. */
	if (c->guest_fin && !c->dead && !c->draining && c->pending == 0)
		dns_tcp_kill(c, false);
}

/* Before a graceful close: lwIP resets a connection closed while its window
 * is short of TCP_WND_MAX (data the application did not take), as the window
 * held to DNS_TCP_WND always is. What is left then is at most a partial
 * query, dropped with the connection as it always was. */
static void dns_tcp_window_full(struct tcp_pcb *pcb)
{
	pcb->rcv_wnd = TCP_WND_MAX(pcb);
}

static void dns_tcp_kill(struct dns_tcp_conn *c, bool abort_pcb)
{
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		c->pcb = NULL;
		if (!abort_pcb)
			dns_tcp_window_full(pcb);
		stack_tcp_release(pcb, abort_pcb);
	}
	c->dead = true;
	dns_tcp_release(c);
}

int dns_tcp_next(const uint8_t *buf, size_t have, size_t *len)
{
	if (have < 2)
		return 0;
	*len = (size_t)buf[0] << 8 | buf[1];
	return have - 2 >= *len;
}

unsigned dns_tcp_drain(struct dns_tcp_conn *c, dns_tcp_ask_fn ask)
{
	size_t off = 0, mlen;
	unsigned asked = 0;

	c->draining = true; /* an answer sent from ask() does not drain again */
	while (dns_tcp_next(c->buf + off, c->have - off, &mlen) == 1) {
		if (c->pending >= DNS_TCP_MAX_PENDING)
			break; /* read on when answers came back (dns_tcp_release) */
		ask(c, c->buf + off + 2, mlen);
		asked++;
		off += 2 + mlen;
		if (c->dead) {
			c->draining = false;
			return asked;
		}
	}
	memmove(c->buf, c->buf + off, c->have - off);
	c->have -= off;
	c->consumed += off;
	c->draining = false;
	return asked;
}

static void dns_tcp_ask(struct dns_tcp_conn *c, const uint8_t *q, size_t len)
{
	dns_query(c->nic, c, NULL, 0, q, len);
}

static err_t dns_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct dns_tcp_conn *c = arg;

	(void)err;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		/* The guest is done asking: a client may shut down its sending
		 * side after its queries. The answers still in flight go out,
		 * and the connection closes after the last one
		 * (dns_tcp_release). */
		c->guest_fin = true;
		if (c->pending == 0 && !c->draining)
			dns_tcp_kill(c, false);
		return ERR_OK;
	}
	/* The window keeps what the guest sent within the buffer (DNS_TCP_WND,
	 * dns_tcp_accept()); should a segment not fit all the same, lwIP keeps
	 * it and offers it again later (ERR_MEM: not taken, p stays lwIP's). */
	(void)pcb;
	if (c->have + p->tot_len > sizeof(c->buf))
		return ERR_MEM;
	pbuf_copy_partial(p, c->buf + c->have, p->tot_len, 0);
	c->have += p->tot_len;
	c->idle_ticks = 0;
	pbuf_free(p);
	dns_tcp_drain(c, dns_tcp_ask);
	dns_tcp_window(c);
	return ERR_OK;
}

static void dns_tcp_err(void *arg, err_t err)
{
	struct dns_tcp_conn *c = arg;

	(void)err;
	if (!c)
		return;
	c->pcb = NULL;
	c->dead = true;
	dns_tcp_release(c);
}

#define DNS_TCP_POLL 4 /* lwIP's coarse timer ticks (500 ms): every 2 s */

/* Closes c when it has been idle DNS_TCP_IDLE_S seconds: no query in flight
 * and nothing received (RFC 7766 6.2.3). */
static err_t dns_tcp_poll(void *arg, struct tcp_pcb *pcb)
{
	struct dns_tcp_conn *c = arg;

	if (!c || c->pending > 0) {
		if (c)
			c->idle_ticks = 0;
		return ERR_OK;
	}
	if (++c->idle_ticks * (DNS_TCP_POLL / 2) < DNS_TCP_IDLE_S)
		return ERR_OK;
	dns_counters_live()->tcp_idle_closed++;
	tcp_poll(pcb, NULL, 0);
	c->pcb = NULL;
	c->dead = true;
	dns_tcp_release(c);
	/* Not stack_tcp_release(): lwIP must hear ERR_ABRT when the pcb is gone. */
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	dns_tcp_window_full(pcb);
	if (tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	return ERR_OK;
}

err_t dns_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct dns_nic *dn = arg;
	struct dns_tcp_conn *c;
	struct dns_guest *g;
	bool full;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	/* accept runs on the guest's ACK: nic_rx_port() is its VM's port */
	g = dns_guest_of(dn, nic_rx_port(dn->nic), true, &full);
	if (dn->tcp_conns >= DNS_TCP_MAX_CONNS || full ||
	    (g && g->tcp_conns >= DNS_TCP_MAX_CONNS / DNS_GUEST_SHARE)) {
		dns_counters_live()->tcp_refused++;
		return ERR_MEM; /* lwIP resets it */
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_MEM;
	/* Runs before the segment that completed the handshake is read: no data
	 * is in yet, and the SYN-ACK told the guest at most 65535 bytes (a SYN's
	 * window is never scaled), though lwIP set TCP_WND (MiBs) with the
	 * window scale option. Held to DNS_TCP_WND, what the guest may send
	 * before it hears of room always fits the buffer. */
	if (pcb->rcv_wnd > DNS_TCP_WND)
		pcb->rcv_wnd = DNS_TCP_WND;
	if (pcb->rcv_ann_wnd > DNS_TCP_WND)
		pcb->rcv_ann_wnd = DNS_TCP_WND;
	pcb->rcv_ann_right_edge = pcb->rcv_nxt + pcb->rcv_ann_wnd;
	c->pcb = pcb;
	c->nic = dn->nic;
	c->dn = dn;
	c->g = g;
	if (g)
		g->tcp_conns++;
	dn->tcp_conns++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, dns_tcp_recv);
	tcp_err(pcb, dns_tcp_err);
	tcp_poll(pcb, dns_tcp_poll, DNS_TCP_POLL);
	dns_counters_live()->tcp_connections++;
	return ERR_OK;
}
