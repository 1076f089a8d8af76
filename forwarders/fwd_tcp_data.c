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
 *   guest -> host: lwIP's recv callback hands us pbufs; they are queued
 *     and the connection goes on a pending list; at the end of the batch of
 *     frames the NIC got (fwd_tcp_batch_end(), or an idle handle at the
 *     loop's next turn when no batch end comes) every pending connection
 *     writes what it holds with one sendmsg() (gather), so a burst of guest
 *     segments costs one system call, not one each. The window is reopened
 *     (tcp_recved()) only for bytes the socket took. What it did not take stays queued
 *     (bounded by the receive window natd offers, FWD_TCP_G2H_WND) and
 *     waits for POLLOUT.
 *   host -> guest: the socket is read into reference-counted chunks that
 *     lwIP sends from without copying (fwd_tcp_buf.c), only while what
 *     lwIP holds for the connection unacknowledged is below the guest's
 *     window plus FWD_TCP_FLOW_BUF, lwIP's send buffer has room
 *     (tcp_sndbuf()), and lwIP holds fewer than FWD_TCP_UNSENT_SEGS
 *     segments it could not send yet; at most that much. Otherwise POLLIN
 *     is dropped until lwIP's sent callback reports acknowledged data, and
 *     the rest waits in the kernel's socket buffer: a guest that stops
 *     reading (window 0) costs FWD_TCP_FLOW_BUF and a chunk. Reads also
 *     wait while the chunks of all connections are at their cap
 *     (--max-tcp-buffer, fwd_tcp_buf.c).
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
#include "base/fdlimit.h"
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
/* Host data lwIP may hold for a connection beyond the guest's window: enough
 * to refill the window at once when acknowledgements come, little enough
 * that a guest that stops reading costs little (the rest waits in the
 * kernel's socket buffer, as with passt). */
#define FWD_TCP_FLOW_BUF (128 * 1024)
/* The receive window natd offers the guest: guest data it holds for a
 * connection whose host socket takes nothing (the peer does not read) is at
 * most this much (lwIP's TCP_WND, 4 MiB, otherwise). Enough for the local
 * round trip to the guest at any rate natd moves. */
#define FWD_TCP_G2H_WND (1024 * 1024)
/* Guest data of one connection held for the batch's end at most: more is
 * written at once. Small segments (MTU 1500) share one sendmsg() by the
 * dozen; 64 KiB segments (offloads) go as they come, and the window the
 * guest sees never shrinks by more than this while a batch is read (a
 * batch of 64 KiB segments could otherwise close it). */
#define FWD_TCP_G2H_BATCH (64 * 1024)

static struct log_ratelimit rl_tcp = LOG_RATELIMIT_INIT;

/* Connections with guest data queued since the last batch end. */
static struct tcp_conn *pend_head;
static uv_idle_t pend_idle;
static bool pend_idle_init;

static void pend_unlink(struct tcp_conn *c)
{
	if (!c->pend_pprev)
		return;
	*c->pend_pprev = c->pend_next;
	if (c->pend_next)
		c->pend_next->pend_pprev = c->pend_pprev;
	c->pend_next = NULL;
	c->pend_pprev = NULL;
}

static void pend_idle_cb(uv_idle_t *h)
{
	(void)h;
	fwd_tcp_batch_end();
	stack_kick();
}

/* c got guest data: written at the batch's end. */
static void pend_add(struct tcp_conn *c)
{
	if (c->pend_pprev)
		return;
	c->pend_next = pend_head;
	if (pend_head)
		pend_head->pend_pprev = &c->pend_next;
	c->pend_pprev = &pend_head;
	pend_head = c;
	if (!pend_idle_init && !nat.shutting_down && uv_idle_init(nat.loop, &pend_idle) == 0) {
		pend_idle_init = true;
		uv_unref((uv_handle_t *)&pend_idle);
	}
	if (pend_idle_init)
		uv_idle_start(&pend_idle, pend_idle_cb); /* no-op when active */
}

static void conn_maybe_finish(struct tcp_conn *c);

void fwd_tcp_batch_end(void)
{
	struct tcp_conn *c;

	while ((c = pend_head)) {
		pend_unlink(c);
		if (conn_state(c) != TS_ESTABLISHED)
			continue; /* flushed once established (fwd_tcp.c) */
		if (fwd_tcp_flush_g2h(c) < 0) {
			fwd_tcp_close(c, true);
			continue;
		}
		fwd_tcp_update_poll(c);
		conn_maybe_finish(c);
	}
	if (pend_idle_init)
		uv_idle_stop(&pend_idle);
}

static void pend_idle_closed(uv_handle_t *h)
{
	(void)h;
	closer_release(&nat.closer);
}

void fwd_tcp_data_shutdown(void)
{
	while (pend_head)
		pend_unlink(pend_head);
	if (!pend_idle_init)
		return;
	pend_idle_init = false;
	closer_hold(&nat.closer);
	uv_close((uv_handle_t *)&pend_idle, pend_idle_closed);
}

static void conn_handle_closed(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;

	if (--c->handles_open > 0)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->fd_taken)
		fdlimit_give();
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
	pend_unlink(c);
	if (c->pcb) {
		struct tcp_pcb *pcb = c->pcb;

		c->pcb = NULL;
		stack_tcp_release(pcb, abort_pcb);
	}
	if (c->g2h) {
		/* Summed over the chain: lwIP's 16-bit tot_len wraps once more
		 * than 64 KiB wait for a slow host socket. */
		size_t queued = 0;

		for (const struct pbuf *q = c->g2h; q; q = q->next)
			queued += q->len;
		fwd_tcp_buf_g2h(0, queued - c->g2h_off);
		pbuf_free(c->g2h);
		c->g2h = NULL;
	}
	fwd_tcp_buf_release(c, true);
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
		if (!c->host_eof && !c->paused && !c->buf_waiting)
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
	c->pend_bytes = 0;
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
		fwd_tcp_buf_g2h(0, done);
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

/*
 * How much host data lwIP may take for c now: the room in its send buffer,
 * at most the guest's window plus FWD_TCP_FLOW_BUF beyond what the guest
 * has acknowledged, and nothing while the unsent queue is long.
 */
static size_t conn_h2g_room(const struct tcp_conn *c)
{
	const struct tcp_pcb *pcb = c->pcb;
	u32_t held = pcb->snd_lbb - pcb->lastack;
	u32_t lim = pcb->snd_wnd + FWD_TCP_FLOW_BUF;
	size_t space = tcp_sndbuf(pcb);

	if (held >= lim || tcp_sndqueuelen(pcb) > TCP_SND_QUEUELEN - 64 ||
	    pcb->snd_lbb - pcb->snd_nxt >= (u32_t)FWD_TCP_UNSENT_SEGS * pcb->mss)
		return 0;
	if (space > lim - held)
		space = lim - held;
	return space;
}

/* Reads the host socket into lwIP while c may hold more (conn_h2g_room()). */
static int conn_read_host(struct tcp_conn *c)
{
	bool wrote = false;
	int rc = 0;

	if (c->pcb)
		stack_tcp_gso(c->pcb, nic_netif(c->nic));
	for (int i = 0; i < FWD_TCP_READS_PER_WAKE && c->pcb && !c->host_eof; i++) {
		size_t space = conn_h2g_room(c), room;
		uint8_t *dst;
		ssize_t n;
		err_t e;

		if (space == 0) {
			c->paused = true;
			break;
		}
		dst = fwd_tcp_buf_room(c, &room, &rc);
		if (!dst)
			break; /* out of memory (rc), or waiting for the buffer cap */
		if (space > room)
			space = room;
		n = recv(c->fd, dst, space, MSG_DONTWAIT);
		if (n > 0) {
			e = fwd_tcp_buf_write(c, (size_t)n, (size_t)n == space && space == room);
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
	/* Nothing of c's in lwIP (or no more reads): it keeps no chunk. */
	if (c->host_eof || fwd_tcp_buf_idle(c))
		fwd_tcp_buf_release(c, false);
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
	if (p)
		fwd_tcp_buf_g2h(p->tot_len, 0);
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
	if (p)
		c->pend_bytes += p->tot_len;
	if (p && c->pend_bytes < FWD_TCP_G2H_BATCH) {
		pend_add(c); /* written with the rest of the batch (fwd_tcp_batch_end()) */
		return ERR_OK;
	}
	/* A batch's worth (or the FIN): written now, so that the window lwIP
	 * advertises in its ACKs stays open (it reopens only for bytes the
	 * socket took) and the guest never waits for the batch's end. */
	pend_unlink(c);
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
	/* Waiting for the buffer cap with nothing left in lwIP: it may take a
	 * small chunk whatever the cap (fwd_tcp_buf.c), so read now. */
	if (c->buf_waiting && fwd_tcp_buf_idle(c)) {
		fwd_tcp_buf_release(c, true);
		c->paused = true;
	}
	if (c->paused) {
		c->paused = false;
		if (conn_read_host(c) < 0) {
			fwd_tcp_close(c, true);
			return ERR_ABRT;
		}
		fwd_tcp_update_poll(c);
		conn_maybe_finish(c);
	} else if (c->fill && fwd_tcp_buf_idle(c)) {
		fwd_tcp_buf_release(c, false); /* everything acknowledged */
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

void fwd_tcp_limit_rcv_wnd(struct tcp_pcb *pcb)
{
	if (pcb->rcv_wnd > FWD_TCP_G2H_WND)
		pcb->rcv_wnd = FWD_TCP_G2H_WND;
	if (pcb->rcv_ann_wnd > FWD_TCP_G2H_WND)
		pcb->rcv_ann_wnd = FWD_TCP_G2H_WND;
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

