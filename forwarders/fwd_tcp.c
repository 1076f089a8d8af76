/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp.c - the TCP proxy: a guest connection terminated in lwIP, spliced
 * to a host socket connected to the address the guest asked for.
 *
 * Theory of operation
 *
 * Opening. A guest SYN for a remote address finds no lwIP listener; the
 * patch's LWIP_HOOK_TCP_INPUT_NOLISTEN hands it to natd_hook_tcp_nolisten(), which
 * keeps a copy of the SYN, creates the flow (state CONNECTING) and starts a
 * non-blocking connect() on the host. Retransmitted SYNs are dropped
 * meanwhile. The outcome decides what the guest sees:
 *   - connected: the SYN is re-injected into lwIP (state READY); the hook
 *     now names the proxy listener, lwIP creates the pcb and answers
 *     SYN-ACK; the listener's passive_open ext-arg callback attaches the pcb
 *     to the flow (SYN_RCVD), and the accept callback (guest's ACK) makes it
 *     ESTABLISHED;
 *   - ECONNREFUSED: a RST to the guest (its connect() fails at once with
 *     "connection refused");
 *   - unreachable or no answer within FWD_TCP_CONNECT_TIMEOUT_MS: ICMP
 *     destination unreachable built from the SYN ("no route to host");
 *     over IPv6, ICMPv6 "no route" (the host has none: connect() failed at
 *     once) or "address unreachable", from the gateway.
 *
 * Data, with backpressure both ways and no unbounded buffer:
 *   guest -> host: lwIP's recv callback hands us pbufs; they are written to
 *     the socket with sendmsg() and the window is reopened (tcp_recved())
 *     only for bytes the socket took. What it did not take stays queued
 *     (bounded by the receive window) and waits for POLLOUT.
 *   host -> guest: the socket is read into reference-counted chunks that
 *     lwIP sends from without copying (h2g_chunk below), only while lwIP's
 *     send buffer has room (tcp_sndbuf()), at most that much, and while lwIP
 *     holds fewer than FWD_TCP_UNSENT_SEGS segments it could not send yet;
 *     otherwise POLLIN is dropped until lwIP's sent callback reports
 *     acknowledged data.
 *
 * Closing, each direction on its own (half-close):
 *   guest FIN -> after the queue to the host drained, shutdown(SHUT_WR);
 *   host EOF  -> tcp_shutdown(tx): FIN to the guest after the queued data.
 *   When both directions are shut, the pcb is closed (lwIP finishes the
 *   handshake by itself) and the socket closed.
 *   A RST from the guest (lwIP's err callback) closes the host socket with
 *   SO_LINGER 0 (a RST); a reset from the host aborts the pcb (a RST).
 * A flow is freed only after its uv_poll and uv_timer handles have reported
 * their close callbacks.
 *
 * Port forwards run the other way (fwd_tcp_inbound(), called by portfwd.c
 * with a connection accepted on a rule's host listener): natd opens an lwIP
 * connection to the guest whose source is the client as the guest should
 * see it (its real address, or the gateway for clients the guest could not
 * answer directly), state GUEST_CONNECTING with the host socket not read.
 * lwIP's connected callback makes it ESTABLISHED and the same splice runs;
 * a RST from the guest, or no answer within FWD_TCP_CONNECT_TIMEOUT_MS,
 * resets the host client.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forwarders/fwd_tcp_internal.h"
#include "forwarders/nat_internal.h"
#include "lwip/icmp.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"
#include "stack/ndp.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define FWD_TCP_CONNECT_TIMEOUT_MS 15000
#define FWD_TCP_MAX_IOV 64
#define FWD_TCP_READS_PER_WAKE 32
/* Segments of host data lwIP may hold for the guest beyond what it has sent
 * (the window is full): reading stops there until the guest acknowledges
 * more. A reservoir to refill the window from: tcp_write() walks the unsent
 * queue to append, so at a small MSS a long one cost a pass over thousands
 * of segments per write. */
#define FWD_TCP_UNSENT_SEGS 256

static const char *const tcp_state_names[] = {
	[TS_CONNECTING] = "connecting", [TS_READY] = "connected-host",
	[TS_SYN_RCVD] = "syn-received", [TS_ESTABLISHED] = "established",
	[TS_CLOSING] = "closing", [TS_GUEST_CONNECTING] = "connecting-guest",
};
_Static_assert(sizeof(tcp_state_names) / sizeof(tcp_state_names[0]) == TS_COUNT,
	       "tcp_state_names");

static struct tcp_conn *reinjecting;   /* the conn whose SYN lwIP is taking now */

/*
 * Host data for the guest is read into chunks and given to tcp_write()
 * without TCP_WRITE_FLAG_COPY: one copy fewer, and the bytes recv() wrote are
 * the bytes the tap write reads. Every lwIP pbuf over a chunk holds a
 * reference (natd_hook_tcp_write_ref(), lwIP patch 0007), conn_read_host()
 * holds one while it reads into the chunk, and the chunk is freed with the
 * last reference: when the guest has acknowledged all its bytes, or lwIP has
 * dropped them (reset, abort). A connection keeps no chunk between reads.
 */
#define FWD_TCP_CHUNK (64 * 1024 - 64)   /* data bytes per chunk */
#define FWD_TCP_CHUNK_MIN 4096           /* less room left: a new chunk */
#define FWD_TCP_REF_CACHE 4096           /* idle reference pbufs kept */
/* Free chunks kept for reuse (2 MiB): freeing and allocating 64 KiB blocks
 * in acknowledgement order made the C library trim and regrow its heap, a
 * page fault per 4 KiB (a fifth of natd's CPU time in a transfer). */
#define FWD_TCP_CHUNK_CACHE 32

struct h2g_chunk {
	unsigned int refs;
	size_t used;
	struct h2g_chunk *next_free;
	uint8_t data[FWD_TCP_CHUNK];
};

struct h2g_ref {
	struct pbuf_custom pc; /* first: lwIP sees a struct pbuf */
	struct h2g_chunk *chunk;
	struct h2g_ref *next_free;
};

static struct h2g_chunk *h2g_writing;  /* the chunk tcp_write() is given now */
static struct h2g_ref *h2g_ref_cache;
static unsigned int h2g_ref_cached;
static struct h2g_chunk *h2g_chunk_cache;
static unsigned int h2g_chunk_cached;
static struct log_ratelimit rl_tcp = LOG_RATELIMIT_INIT;

const char *fwd_tcp_state_name(uint8_t state)
{
	return state < TS_COUNT ? tcp_state_names[state] : "?";
}

/* A chunk with one reference (the caller's), or NULL. */
static struct h2g_chunk *h2g_chunk_get(void)
{
	struct h2g_chunk *ch = h2g_chunk_cache;

	if (ch) {
		h2g_chunk_cache = ch->next_free;
		h2g_chunk_cached--;
	} else if (!(ch = malloc(sizeof(*ch)))) {
		return NULL;
	}
	ch->refs = 1;
	ch->used = 0;
	return ch;
}

static void h2g_chunk_put(struct h2g_chunk *ch)
{
	if (!ch || --ch->refs > 0)
		return;
	if (h2g_chunk_cached < FWD_TCP_CHUNK_CACHE) {
		ch->next_free = h2g_chunk_cache;
		h2g_chunk_cache = ch;
		h2g_chunk_cached++;
	} else {
		free(ch);
	}
}

/* lwIP freed a pbuf over a chunk. */
static void h2g_ref_free(struct pbuf *p)
{
	struct h2g_ref *r = (struct h2g_ref *)p;

	h2g_chunk_put(r->chunk);
	if (h2g_ref_cached < FWD_TCP_REF_CACHE) {
		r->next_free = h2g_ref_cache;
		h2g_ref_cache = r;
		h2g_ref_cached++;
	} else {
		free(r);
	}
}

struct pbuf *natd_hook_tcp_write_ref(const void *data, u16_t len)
{
	struct h2g_chunk *ch = h2g_writing;
	uintptr_t d = (uintptr_t)data;
	struct h2g_ref *r;
	struct pbuf *p;

	if (!ch || d < (uintptr_t)ch->data || d + len > (uintptr_t)(ch->data + FWD_TCP_CHUNK))
		return pbuf_alloc(PBUF_RAW, len, PBUF_ROM); /* lwIP's own way */
	r = h2g_ref_cache;
	if (r) {
		h2g_ref_cache = r->next_free;
		h2g_ref_cached--;
	} else if (!(r = malloc(sizeof(*r)))) {
		return NULL;
	}
	r->chunk = ch;
	r->pc.custom_free_function = h2g_ref_free;
	p = pbuf_alloced_custom(PBUF_RAW, len, PBUF_ROM, &r->pc, (void *)d, len);
	if (!p) {
		free(r);
		return NULL;
	}
	ch->refs++;
	return p;
}

static void conn_handle_closed(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;

	if (--c->handles_open > 0)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->syn);
	nat_flow_closed(c->flow);
	free(c);
	closer_release(&nat.closer);
}

/*
 * Ends the connection: detaches and closes (or aborts) the pcb, closes the
 * host socket (with a RST when rst_host), frees queued data. When called from
 * one of the pcb's own callbacks with abort_pcb, the caller returns ERR_ABRT.
 */
static void fwd_tcp_close(struct tcp_conn *c, bool abort_pcb)
{
	if (conn_state(c) == TS_CLOSING)
		return;
	if (log_get_level() >= LOG_LVL_DEBUG) {
		char g[64], r[64];

		log_debug("tcp: %s -> %s: closed (%s, %llu bytes out, %llu in)%s",
			  flow_key_format_side(&c->flow->key, true, g, sizeof(g)),
			  flow_key_format_side(&c->flow->key, false, r, sizeof(r)),
			  fwd_tcp_state_name(c->flow->state),
			  (unsigned long long)c->flow->bytes_g2h,
			  (unsigned long long)c->flow->bytes_h2g, abort_pcb ? " reset" : "");
	}
	conn_set_state(c, TS_CLOSING);
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		c->pcb = NULL;
		stack_tcp_release(pcb, abort_pcb);
	}
	if (c->g2h) {
		pbuf_free(c->g2h);
		c->g2h = NULL;
	}
	if (c->fd >= 0 && c->rst_host) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	closer_hold(&nat.closer);
	uv_close((uv_handle_t *)&c->poll, conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
	stack_kick();
}

static void conn_poll_cb(uv_poll_t *h, int status, int events);

static void fwd_tcp_update_poll(struct tcp_conn *c)
{
	int ev = 0;

	switch (conn_state(c)) {
	case TS_CONNECTING:
		ev = UV_WRITABLE;
		break;
	case TS_ESTABLISHED:
		if (!c->host_eof && !c->paused)
			ev |= UV_READABLE;
		if (c->g2h)
			ev |= UV_WRITABLE;
		break;
	default:
		break;
	}
	if (ev == c->poll_events)
		return;
	c->poll_events = ev;
	if (ev)
		uv_poll_start(&c->poll, ev, conn_poll_cb);
	else
		uv_poll_stop(&c->poll);
}

/* Both directions shut: hand the pcb to lwIP to finish, close the socket. */
static void conn_maybe_finish(struct tcp_conn *c)
{
	if (c->guest_fin && c->host_shut && c->host_eof)
		fwd_tcp_close(c, false);
}

static void conn_tcp_recved(struct tcp_conn *c, size_t n)
{
	while (n > 0 && c->pcb) {
		u16_t chunk = n > 0xffff ? 0xffff : (u16_t)n;

		tcp_recved(c->pcb, chunk);
		n -= chunk;
	}
}

/*
 * Writes queued guest data to the host socket. Returns 0 (all or part
 * written, or the socket is full) or a negative errno for a dead socket.
 */
static int fwd_tcp_flush_g2h(struct tcp_conn *c)
{
	while (c->g2h) {
		struct iovec iov[FWD_TCP_MAX_IOV];
		struct msghdr msg = { .msg_iov = iov };
		int n = 0;
		ssize_t w;
		size_t done;

		for (struct pbuf *q = c->g2h; q && n < FWD_TCP_MAX_IOV; q = q->next) {
			size_t off = q == c->g2h ? c->g2h_off : 0;

			iov[n].iov_base = (uint8_t *)q->payload + off;
			iov[n].iov_len = q->len - off;
			n++;
		}
		msg.msg_iovlen = (size_t)n;
		w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done = (size_t)w;
		c->flow->bytes_g2h += done;
		c->flow->last_ms = stack_now_ms();
		conn_tcp_recved(c, done);
		while (done > 0 && c->g2h) {
			struct pbuf *head = c->g2h;
			size_t avail = head->len - c->g2h_off;

			if (done < avail) {
				c->g2h_off = (uint16_t)(c->g2h_off + done);
				done = 0;
				break;
			}
			done -= avail;
			c->g2h = head->next;
			head->next = NULL;
			head->tot_len = head->len;
			pbuf_free(head);
			c->g2h_off = 0;
		}
	}
	if (!c->g2h && c->guest_fin && !c->host_shut) {
		shutdown(c->fd, SHUT_WR);
		c->host_shut = true;
	}
	return 0;
}

/* Reads the host socket into lwIP while its send buffer has room. */
static int conn_read_host(struct tcp_conn *c)
{
	struct h2g_chunk *ch = NULL;
	bool wrote = false;
	int rc = 0;

	if (c->pcb)
		stack_tcp_gso(c->pcb, nic_netif(c->nic));
	for (int i = 0; i < FWD_TCP_READS_PER_WAKE && c->pcb && !c->host_eof; i++) {
		size_t space = tcp_sndbuf(c->pcb);
		ssize_t n;
		err_t e;

		if (space == 0 || tcp_sndqueuelen(c->pcb) > TCP_SND_QUEUELEN - 64 ||
		    c->pcb->snd_lbb - c->pcb->snd_nxt >= (u32_t)FWD_TCP_UNSENT_SEGS * c->pcb->mss) {
			c->paused = true;
			break;
		}
		if (!ch || FWD_TCP_CHUNK - ch->used < FWD_TCP_CHUNK_MIN) {
			h2g_chunk_put(ch);
			ch = h2g_chunk_get();
			if (!ch) {
				rc = -ENOMEM;
				break;
			}
		}
		if (space > FWD_TCP_CHUNK - ch->used)
			space = FWD_TCP_CHUNK - ch->used;
		n = recv(c->fd, ch->data + ch->used, space, MSG_DONTWAIT);
		if (n > 0) {
			h2g_writing = ch;
			e = tcp_write(c->pcb, ch->data + ch->used, (u16_t)n, 0);
			h2g_writing = NULL;
			ch->used += (size_t)n;
			if (e != ERR_OK) {
				log_ratelimited(&rl_tcp, LOG_LVL_WARN, "tcp: lwIP refused %zd bytes "
						"(%d); connection reset", n, e);
				rc = -ENOMEM;
				break;
			}
			wrote = true;
			c->flow->bytes_h2g += (uint64_t)n;
			c->flow->last_ms = stack_now_ms();
			if ((size_t)n < space)
				break; /* drained: spare the EAGAIN (the poll is level-triggered) */
			continue;
		}
		if (n == 0) {
			c->host_eof = true;
			if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
				rc = -EIO;
			wrote = true;
			break;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR)
			continue;
		rc = -errno;
		break;
	}
	h2g_chunk_put(ch);
	if (wrote && c->pcb)
		tcp_output(c->pcb);
	return rc;
}

static void conn_established_io(struct tcp_conn *c, int events)
{
	int rc = 0;

	if (events & UV_WRITABLE)
		rc = fwd_tcp_flush_g2h(c);
	if (rc == 0 && (events & (UV_READABLE | UV_DISCONNECT)))
		rc = conn_read_host(c);
	if (rc < 0) {
		/* The host reset or failed: reset the guest too. */
		fwd_tcp_close(c, true);
		return;
	}
	fwd_tcp_update_poll(c);
	conn_maybe_finish(c);
	stack_kick();
}

/* conn_refuse_guest() for an IPv6 SYN. */
static void conn_refuse_guest6(struct tcp_conn *c, int error)
{
	struct ndp_ip6_info info;
	const struct tcp_hdr *th;
	ip6_addr_t g, r;

	if (ndp_parse_ip6(c->syn, c->syn_len, &info) < 0 || info.proto != IP6_NEXTH_TCP ||
	    info.l4_len < TCP_HLEN)
		return;
	th = (const struct tcp_hdr *)(c->syn + info.l4_off);
	nat_key_addr6(&g, info.src, c->nic);
	nat_key_addr6(&r, info.dst, c->nic);
	if (error == ECONNREFUSED) {
		ip_addr_t src, dst;

		ip_addr_copy_from_ip6(src, g);
		ip_addr_copy_from_ip6(dst, r);
		tcp_rst(NULL, 0, lwip_ntohl(th->seqno) + 1, &dst, &src,
			lwip_ntohs(th->dest), lwip_ntohs(th->src));
		nat.drops[NAT_DROP_CONNECT_REFUSED]++;
	} else {
		ip6_addr_t gw;

		nat_key_addr6(&gw, nic_config(c->nic)->gateway6.s6_addr, c->nic);
		nat_icmp6_error_pkt(c->nic, ICMP6_TYPE_DUR,
				    error == ENETUNREACH ? ICMP6_DUR_NO_ROUTE : ICMP6_DUR_ADDRESS, 0,
				    &gw, &g, c->syn, c->syn_len);
		nat.drops[NAT_DROP_UNREACHABLE]++;
	}
	stack_kick();
}

/* Tells the guest the connection failed, from the held SYN. */
static void conn_refuse_guest(struct tcp_conn *c, int error)
{
	const struct ip_hdr *iph = (const struct ip_hdr *)c->syn;
	size_t hl;
	const struct tcp_hdr *th;

	if (c->syn && c->flow->key.family == AF_INET6) {
		conn_refuse_guest6(c, error);
		return;
	}
	if (!c->syn || c->syn_len < IP_HLEN)
		return;
	hl = IPH_HL_BYTES(iph);
	if (c->syn_len < hl + TCP_HLEN)
		return;
	th = (const struct tcp_hdr *)(c->syn + hl);
	if (error == ECONNREFUSED) {
		ip_addr_t src, dst;

		ip_addr_copy_from_ip4(src, iph->src);
		ip_addr_copy_from_ip4(dst, iph->dest);
		/* RST|ACK acknowledging the SYN, from the address it was sent to */
		tcp_rst(NULL, 0, lwip_ntohl(th->seqno) + 1, &dst, &src,
			lwip_ntohs(th->dest), lwip_ntohs(th->src));
		nat.drops[NAT_DROP_CONNECT_REFUSED]++;
	} else {
		struct pbuf *p = pbuf_alloc(PBUF_IP, c->syn_len, PBUF_RAM);

		if (p) {
			pbuf_take(p, c->syn, c->syn_len);
			icmp_dest_unreach(p, error == ENETUNREACH ? ICMP_DUR_NET : ICMP_DUR_HOST);
			pbuf_free(p);
		}
		nat.drops[NAT_DROP_UNREACHABLE]++;
	}
	stack_kick();
}

/* The host connect() finished: re-inject the SYN, or refuse the guest. */
static void fwd_tcp_connect_done(struct tcp_conn *c, int error)
{
	struct pbuf *p;

	uv_timer_stop(&c->timer);
	if (error) {
		char g[64], r[64];

		log_debug("tcp: %s -> %s: %s", flow_key_format_side(&c->flow->key, true, g, sizeof(g)),
			  flow_key_format_side(&c->flow->key, false, r, sizeof(r)), strerror(error));
		conn_refuse_guest(c, error);
		fwd_tcp_close(c, false);
		return;
	}
	conn_set_state(c, TS_READY);
	p = pbuf_alloc(PBUF_LINK, c->syn_len, PBUF_RAM);
	if (!p) {
		c->rst_host = true;
		fwd_tcp_close(c, false);
		return;
	}
	pbuf_take(p, c->syn, c->syn_len);
	reinjecting = c;
	ip_input(p, nic_netif(c->nic));
	reinjecting = NULL;
	free(c->syn);
	c->syn = NULL;
	if (!c->pcb) {
		/* lwIP did not take it (out of memory): the guest will retry. */
		c->rst_host = true;
		fwd_tcp_close(c, false);
		return;
	}
	fwd_tcp_update_poll(c);
	stack_kick();
}

static void conn_poll_cb(uv_poll_t *h, int status, int events)
{
	struct tcp_conn *c = h->data;

	if (conn_state(c) == TS_CONNECTING) {
		int error = 0;
		socklen_t len = sizeof(error);

		/* libuv reports POLLERR as UV_EBADF: the real error is SO_ERROR. */
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
			error = errno;
		else if (error == 0 && status < 0)
			error = -status;
		fwd_tcp_connect_done(c, error);
		return;
	}
	if (conn_state(c) != TS_ESTABLISHED)
		return;
	if (status < 0) {
		fwd_tcp_close(c, true);
		return;
	}
	conn_established_io(c, events);
}

static void conn_timer_cb(uv_timer_t *t)
{
	struct tcp_conn *c = t->data;

	if (conn_state(c) == TS_CONNECTING) {
		fwd_tcp_connect_done(c, ETIMEDOUT);
	} else if (conn_state(c) == TS_GUEST_CONNECTING) {
		/* The guest never answered the forward's SYN: reset the client. */
		log_debug("tcp: port forward to the guest timed out");
		c->rst_host = true;
		fwd_tcp_close(c, true);
	}
}

/* lwIP callbacks of an attached pcb. */
static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tcp_conn *c = arg;

	(void)pcb;
	(void)err;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		c->guest_fin = true;
	} else if (c->g2h) {
		pbuf_cat(c->g2h, p);
	} else {
		c->g2h = p;
		c->g2h_off = 0;
	}
	if (conn_state(c) != TS_ESTABLISHED)
		return ERR_OK; /* flushed once established */
	if (fwd_tcp_flush_g2h(c) < 0) {
		fwd_tcp_close(c, true);
		return ERR_ABRT;
	}
	fwd_tcp_update_poll(c);
	conn_maybe_finish(c);
	return ERR_OK;
}

static err_t conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct tcp_conn *c = arg;

	(void)pcb;
	(void)len;
	if (!c || conn_state(c) != TS_ESTABLISHED)
		return ERR_OK;
	if (c->paused) {
		c->paused = false;
		if (conn_read_host(c) < 0) {
			fwd_tcp_close(c, true);
			return ERR_ABRT;
		}
		fwd_tcp_update_poll(c);
		conn_maybe_finish(c);
	}
	return ERR_OK;
}

static void conn_err(void *arg, err_t err)
{
	struct tcp_conn *c = arg;

	if (!c)
		return;
	c->pcb = NULL; /* lwIP has freed it */
	c->rst_host = err == ERR_RST || err == ERR_ABRT;
	fwd_tcp_close(c, false);
}

/* The guest's ACK completed the handshake. */
static err_t conn_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_conn *c = arg;

	if (err != ERR_OK || !pcb || !c || c->pcb != pcb)
		return ERR_VAL; /* lwIP aborts the pcb */
	conn_set_state(c, TS_ESTABLISHED);
	/* Data the guest sent with its first segments. */
	if (c->g2h || c->guest_fin) {
		if (fwd_tcp_flush_g2h(c) < 0) {
			c->rst_host = true;
			fwd_tcp_close(c, true);
			return ERR_ABRT;
		}
	}
	fwd_tcp_update_poll(c);
	return ERR_OK;
}

static void fwd_tcp_setup_pcb(struct tcp_conn *c, struct tcp_pcb *pcb)
{
	tcp_arg(pcb, c);
	tcp_recv(pcb, conn_recv);
	tcp_sent(pcb, conn_sent);
	tcp_err(pcb, conn_err);
	tcp_nagle_disable(pcb);
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = 120000;
	pcb->keep_intvl = 10000;
	pcb->keep_cnt = 9;
}

static void conn_host_sockopts(int fd)
{
	int one = 1, idle = 120, intvl = 10, cnt = 9;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* The proxy listener created a pcb for the SYN being re-injected. */
static err_t conn_passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
{
	struct tcp_conn *c = reinjecting;

	(void)id;
	(void)lpcb;
	if (!c || c->pcb || cpcb->local_port != lwip_ntohs(c->flow->key.rport) ||
	    cpcb->remote_port != lwip_ntohs(c->flow->key.gport))
		return ERR_VAL; /* not ours: lwIP drops the pcb */
	c->pcb = cpcb;
	conn_set_state(c, TS_SYN_RCVD);
	fwd_tcp_setup_pcb(c, cpcb);
	return ERR_OK;
}

static const struct tcp_ext_arg_callbacks listener_ext = {
	.destroy = NULL,
	.passive_open = conn_passive_open,
};

/* The host side of a new flow: a non-blocking connect to the guest's target. */
static int conn_open_host(struct tcp_conn *c)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd, rc;

	fd = socket(c->flow->key.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	conn_host_sockopts(fd);
	c->fd = fd;
	rc = nat_host_endpoint(fd, c->nic, &c->flow->key, &sa, &salen);
	if (rc < 0)
		return rc;
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0 && errno != EINPROGRESS)
		return -errno;
	return 0;
}

int natd_hook_tcp_nolisten(struct pbuf *p, struct tcp_hdr *hdr, u8_t flags,
			   struct tcp_pcb_listen **lpcb)
{
	struct netif *inp = ip_current_input_netif();
	struct nic *nic = nat_nic_of(inp);
	const uint8_t *iph;
	struct flow_key key;
	struct flow *f;
	struct tcp_conn *c;
	struct tcp_hdr *th;
	size_t iplen, hl;
	int rc;

	if (!nic || nat.flows == NULL || nat.shutting_down)
		return 0;
	if ((flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return 0; /* lwIP answers a RST, as a closed port would */
	if (ip_current_is_v6()) {
		if (nat_is_local6(nic, ip6_current_dest_addr()) &&
		    !nat_is_host_alias6(nic, ip6_current_dest_addr()))
			return 0;
		nat_key6(&key, FLOW_PROTO_TCP, nic, ip6_current_src_addr(), lwip_htons(hdr->src),
			 ip6_current_dest_addr(), lwip_htons(hdr->dest));
	} else {
		if (nat_is_local(nic, ip4_addr_get_u32(ip4_current_dest_addr())) &&
		    !nat_is_host_alias(nic, ip4_addr_get_u32(ip4_current_dest_addr())))
			return 0;
		nat_key4(&key, FLOW_PROTO_TCP, nic, ip4_current_src_addr(), lwip_htons(hdr->src),
			 ip4_current_dest_addr(), lwip_htons(hdr->dest));
	}
	f = flow_lookup(nat.flows, &key);
	if (f) {
		c = f->owner;
		if (c == reinjecting && conn_state(c) == TS_READY) {
			*lpcb = nat.tcp_listener;
			return 0;
		}
		return 1; /* a retransmitted SYN while we connect: drop it */
	}

	/* The SYN as the guest sent it, to re-inject or to answer from. */
	if (ip_current_is_v6()) {
		iph = (const uint8_t *)ip6_current_header();
		iplen = IP6_HLEN + (size_t)IP6H_PLEN(ip6_current_header());
		hl = ip_current_header_tot_len();
	} else {
		iph = (const uint8_t *)ip4_current_header();
		iplen = lwip_ntohs(IPH_LEN(ip4_current_header()));
		hl = IPH_HL_BYTES(ip4_current_header());
	}
	if ((const uint8_t *)hdr != iph + hl || iplen < hl + TCP_HLEN || p->next != NULL)
		return 1; /* not contiguous (never for our frames): drop */

	f = flow_insert(nat.flows, &key, stack_now_ms());
	if (!f) {
		if (errno == ENOSPC)
			nat.drops[NAT_DROP_FLOWS_FULL]++;
		return 0; /* RST: the guest sees the refusal at once */
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		flow_remove(nat.flows, f);
		return 0;
	}
	c->syn = malloc(iplen);
	if (!c->syn) {
		free(c);
		flow_remove(nat.flows, f);
		return 0;
	}
	memcpy(c->syn, iph, iplen);
	c->syn_len = (uint16_t)iplen;
	/* tcp_input() turned these fields to host order in place: undo. */
	th = (struct tcp_hdr *)(c->syn + hl);
	th->src = lwip_htons(hdr->src);
	th->dest = lwip_htons(hdr->dest);
	th->seqno = lwip_htonl(hdr->seqno);
	th->ackno = lwip_htonl(hdr->ackno);
	th->wnd = lwip_htons(hdr->wnd);

	if (log_get_level() >= LOG_LVL_DEBUG) {
		char g[64], r[64];

		log_debug("tcp: %s -> %s: SYN, connecting", flow_key_format_side(&key, true, g, sizeof(g)),
			  flow_key_format_side(&key, false, r, sizeof(r)));
	}
	c->flow = f;
	c->nic = nic;
	c->fd = -1;
	f->owner = c;
	conn_set_state(c, TS_CONNECTING);
	rc = conn_open_host(c);
	if (rc < 0 || uv_poll_init(nat.loop, &c->poll, c->fd) < 0) {
		/* No socket: answer as if the host refused or was unreachable. */
		nat.drops[NAT_DROP_SOCKET]++;
		conn_refuse_guest(c, rc == -ECONNREFUSED || rc == -ENETUNREACH ? -rc : EHOSTUNREACH);
		if (c->fd >= 0)
			close(c->fd);
		free(c->syn);
		free(c);
		flow_remove(nat.flows, f);
		return 1;
	}
	c->poll.data = c;
	uv_timer_init(nat.loop, &c->timer);
	c->timer.data = c;
	c->handles_open = 2;
	uv_timer_start(&c->timer, conn_timer_cb, FWD_TCP_CONNECT_TIMEOUT_MS, 0);
	fwd_tcp_update_poll(c);
	return 1;
}

/* lwIP finished the handshake of a port forward with the guest. */
static err_t conn_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_conn *c = arg;

	(void)pcb;
	if (!c || conn_state(c) != TS_GUEST_CONNECTING)
		return ERR_OK;
	if (err != ERR_OK) {
		c->rst_host = true;
		fwd_tcp_close(c, true);
		return ERR_ABRT;
	}
	uv_timer_stop(&c->timer);
	conn_set_state(c, TS_ESTABLISHED);
	fwd_tcp_update_poll(c);
	return ERR_OK;
}

/* Closes an accepted host connection with a RST (the forward failed). */
static void conn_reset_fd(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int fwd_tcp_inbound(struct nic *nic, int fd, const ip_addr_t *src, uint16_t sport,
		    const ip_addr_t *guest, uint16_t gport)
{
	struct flow_key key;
	struct tcp_pcb *pcb;
	struct tcp_conn *c;
	struct flow *f;
	ip_addr_t lip, gip;
	err_t e;

	if (nat.flows == NULL || nat.shutting_down || !nic_cable(nic)) {
		conn_reset_fd(fd);
		return -ENETDOWN;
	}
	if (IP_IS_V6(src) != IP_IS_V6(guest)) {
		conn_reset_fd(fd);
		return -EAFNOSUPPORT;
	}
	pcb = tcp_new_ip_type(IP_IS_V6(guest) ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	if (!pcb) {
		conn_reset_fd(fd);
		return -ENOMEM;
	}
	ip_addr_copy(lip, *src);
	ip_addr_copy(gip, *guest);
	tcp_bind_netif(pcb, nic_netif(nic));
	/* The client's own port; another client shown with the same address
	 * (several host addresses presented as the gateway) gets a fresh one. */
	e = tcp_bind(pcb, &lip, sport);
	if (e == ERR_USE)
		e = tcp_bind(pcb, &lip, 0);
	if (e != ERR_OK) {
		tcp_abort(pcb);
		conn_reset_fd(fd);
		return -EADDRINUSE;
	}
	if (IP_IS_V6(guest))
		nat_key6(&key, FLOW_PROTO_TCP, nic, ip_2_ip6(guest), lwip_htons(gport), ip_2_ip6(src),
			 lwip_htons(pcb->local_port));
	else
		nat_key4(&key, FLOW_PROTO_TCP, nic, ip_2_ip4(guest), lwip_htons(gport),
			 ip_2_ip4(src), lwip_htons(pcb->local_port));
	f = flow_insert(nat.flows, &key, stack_now_ms());
	c = f ? calloc(1, sizeof(*c)) : NULL;
	if (!c || uv_poll_init(nat.loop, &c->poll, fd) < 0) {
		int rc = !f && errno == ENOSPC ? -ENOSPC : -ENOMEM;

		if (rc == -ENOSPC)
			nat.drops[NAT_DROP_FLOWS_FULL]++;
		if (f)
			flow_remove(nat.flows, f);
		free(c);
		tcp_abort(pcb);
		conn_reset_fd(fd);
		return rc;
	}
	conn_host_sockopts(fd);
	nat_host_buffers(fd, nic);
	c->flow = f;
	c->nic = nic;
	c->fd = fd;
	c->pcb = pcb;
	f->owner = c;
	c->poll.data = c;
	uv_timer_init(nat.loop, &c->timer);
	c->timer.data = c;
	c->handles_open = 2;
	conn_set_state(c, TS_GUEST_CONNECTING);
	fwd_tcp_setup_pcb(c, pcb);
	if (log_get_level() >= LOG_LVL_DEBUG) {
		char g[64], r[64];

		log_debug("tcp: forward %s -> %s: connecting to the guest",
			  flow_key_format_side(&key, false, r, sizeof(r)),
			  flow_key_format_side(&key, true, g, sizeof(g)));
	}
	e = tcp_connect(pcb, &gip, gport, conn_connected);
	if (e != ERR_OK) {
		c->rst_host = true;
		fwd_tcp_close(c, true);
		return -EIO;
	}
	uv_timer_start(&c->timer, conn_timer_cb, FWD_TCP_CONNECT_TIMEOUT_MS, 0);
	stack_kick();
	return 0;
}

int fwd_tcp_init(char *err, size_t errlen)
{
	struct tcp_pcb *pcb = tcp_new();
	ip_addr_t lo;

	if (!pcb) {
		snprintf(err, errlen, "tcp: out of memory");
		return -ENOMEM;
	}
	/* Bound to loopback, which no guest packet can reach (natd_hook_ip4_accept
	 * refuses 127/8): it only ever takes SYNs the hook names it for. */
	ip_addr_set_ip4_u32_val(lo, PP_HTONL(0x7f000001UL));
	if (tcp_bind(pcb, &lo, 0) != ERR_OK) {
		tcp_abort(pcb);
		snprintf(err, errlen, "tcp: cannot bind the proxy listener");
		return -EADDRINUSE;
	}
	nat.tcp_listener = (struct tcp_pcb_listen *)tcp_listen(pcb);
	if (!nat.tcp_listener) {
		snprintf(err, errlen, "tcp: cannot create the proxy listener");
		return -ENOMEM;
	}
	nat.tcp_ext_id = tcp_ext_arg_alloc_id();
	tcp_ext_arg_set_callbacks((struct tcp_pcb *)nat.tcp_listener, nat.tcp_ext_id, &listener_ext);
	tcp_accept((struct tcp_pcb *)nat.tcp_listener, conn_accept);
	return 0;
}

static int conn_shutdown_one(void *opaque, struct flow *f)
{
	(void)opaque;
	if (f->key.proto == FLOW_PROTO_TCP && f->owner) {
		struct tcp_conn *c = f->owner;

		c->rst_host = true;
		fwd_tcp_close(c, true);
	}
	return 0;
}

void fwd_tcp_shutdown_all(void)
{
	flow_foreach(nat.flows, conn_shutdown_one, NULL);
	if (nat.tcp_listener) {
		tcp_close((struct tcp_pcb *)nat.tcp_listener);
		nat.tcp_listener = NULL;
	}
}
