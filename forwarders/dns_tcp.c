/* SPDX-License-Identifier: MIT */
/*
 * dns_tcp.c - the guest's TCP connections to the DNS proxy (port 53 of each
 * NAT adapter's DNS addresses, lwIP pcbs): queries read from the stream by
 * their two-byte length prefixes and handed to the relay (dns.c) as they
 * complete, at most DNS_TCP_MAX_PENDING in flight per connection; answers
 * written back length-prefixed in completion order. A connection whose
 * unread bytes outgrow one largest query is aborted.
 */
#include <stdlib.h>
#include <string.h>

#include "forwarders/dns_internal.h"
#include "stack/stack.h"

void dns_tcp_send(struct dns_tcp_conn *c, const uint8_t *a, size_t alen)
{
	uint8_t len[2] = { (uint8_t)(alen >> 8), (uint8_t)alen };

	if (c->dead || !c->pcb || alen > 0xffff || tcp_sndbuf(c->pcb) < alen + 2)
		return;
	tcp_write(c->pcb, len, 2, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE);
	tcp_write(c->pcb, a, (u16_t)alen, TCP_WRITE_FLAG_COPY);
	tcp_output(c->pcb);
	stack_kick();
}

static void dns_tcp_ask(struct dns_tcp_conn *c, const uint8_t *q, size_t len);

void dns_tcp_release(struct dns_tcp_conn *c)
{
	if (c->dead) {
		if (c->pending == 0)
			free(c);
		return;
	}
	/* An answer went out: queries that waited for room in flight go now,
	 * without waiting for the guest to send more. */
	if (!c->draining && c->pending < DNS_TCP_MAX_PENDING)
		dns_tcp_drain(c, dns_tcp_ask);
}

static void dns_tcp_kill(struct dns_tcp_conn *c, bool abort_pcb)
{
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		c->pcb = NULL;
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
		/* The guest is done asking; answers still in flight are dropped. */
		dns_tcp_kill(c, false);
		return ERR_OK;
	}
	if (c->have + p->tot_len > sizeof(c->buf)) {
		pbuf_free(p);
		dns_counters_live()->malformed++;
		dns_tcp_kill(c, true);
		return ERR_ABRT;
	}
	pbuf_copy_partial(p, c->buf + c->have, p->tot_len, 0);
	c->have += p->tot_len;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	dns_tcp_drain(c, dns_tcp_ask);
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

err_t dns_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct dns_nic *dn = arg;
	struct dns_tcp_conn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_MEM;
	c->pcb = pcb;
	c->nic = dn->nic;
	tcp_arg(pcb, c);
	tcp_recv(pcb, dns_tcp_recv);
	tcp_err(pcb, dns_tcp_err);
	dns_counters_live()->tcp_connections++;
	return ERR_OK;
}
