/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp_data.c - the TCP proxy's data path: an established connection's
 * bytes between its lwIP pcb and its host socket, both ways, and its
 * closing. fwd_tcp.c opens connections and attaches their pcbs here
 * (fwd_tcp_setup_pcb()); the host socket's poll callback, here too, hands
 * it the outcome of a host connect() (fwd_tcp_connect_done()).
 *
 * Theory of operation
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
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forwarders/fwd_tcp_internal.h"
#include "forwarders/nat_internal.h"
#include "lwip/tcp.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define FWD_TCP_MAX_IOV 64
#define FWD_TCP_READS_PER_WAKE 32
/* Segments of host data lwIP may hold for the guest beyond what it has sent
 * (the window is full): reading stops there until the guest acknowledges
 * more. A reservoir to refill the window from: tcp_write() walks the unsent
 * queue to append, so at a small MSS a long one cost a pass over thousands
 * of segments per write. */
#define FWD_TCP_UNSENT_SEGS 256

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
void fwd_tcp_close(struct tcp_conn *c, bool abort_pcb)
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

void fwd_tcp_update_poll(struct tcp_conn *c)
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
int fwd_tcp_flush_g2h(struct tcp_conn *c)
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

/* The host socket's poll: a connect() finished while CONNECTING (its outcome
 * goes to fwd_tcp.c), data to move once ESTABLISHED. */
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

void fwd_tcp_setup_pcb(struct tcp_conn *c, struct tcp_pcb *pcb)
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

