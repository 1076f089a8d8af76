/* SPDX-License-Identifier: MIT */
/*
 * tftp_service.c - the TFTP server of one NAT adapter: lwIP UDP pcbs and
 * libuv timers around the protocol engine of tftp_server.c.
 *
 * Requests arrive on a pcb bound to the adapter's TFTP address (10.0.x.4,
 * not the netif's own address: natd's lwIP hook accepts it and nic.c
 * answers ARP for it), port 69. Each accepted read request gets a transfer:
 * a new pcb on an ephemeral port of the same address (the server's transfer
 * ID, RFC 1350), the open file, and a uv_timer for retransmissions. Every
 * packet leaves with udp_sendto_if_src(), since lwIP would refuse a source
 * that is not the netif's address. Datagrams reaching a transfer's port from
 * any other address or port get ERROR 5 and change nothing.
 *
 * Nothing blocks: files are read a block at a time (pread of at most
 * blksize bytes, from the page cache in practice), never whole.
 *
 * A transfer ends when its last block is acknowledged, the client sends an
 * ERROR, the retransmissions run out, or the service stops; its pcb and file
 * go at once, its memory when the timer handle has closed (libuv's two-phase
 * close). The service itself is freed after the last of those closes.
 */
#include "tftp/tftp_service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "base/fdlimit.h"
#include "base/log.h"
#include "stack/stack.h"
#include "tftp/tftp_server.h"

#define TFTP_REQ_MAX 2048   /* longest request read (RFC 2347 lets it pass 512) */

struct tftp_transfer {
	struct tftp_transfer *next;
	struct tftp_service *svc;
	struct udp_pcb *pcb;
	uv_timer_t timer;
	ip_addr_t client;
	u16_t port;
	struct tftp_xfer *x;
	struct tftp_params p;
	uint64_t started_ms;
	char name[TFTP_FILENAME_MAX];
};

struct tftp_service {
	uv_loop_t *loop;
	struct netif *netif;
	struct udp_pcb *pcb;
	ip_addr_t addr;
	char root[PATH_MAX];
	unsigned mtu, adapter;
	struct tftp_transfer *xfers;
	unsigned n_xfers;
	unsigned closing;             /* timer handles not closed yet */
	bool stopping;
	struct tftp_service_counters ctr;
	/* A guest decides how often these happen: each kind has its bucket. */
	struct log_ratelimit rl_refused, rl_failed, rl_done;
};

static uint8_t svc_buf[TFTP_REQ_MAX];

static const char *fmt_client(const ip_addr_t *a, u16_t port, char *buf, size_t cap)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr in = { ip4_addr_get_u32(ip_2_ip4(a)) };

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	snprintf(buf, cap, "%s:%u", ip, port);
	return buf;
}

static int svc_sendto(struct tftp_service *s, struct udp_pcb *pcb, const ip_addr_t *to,
		      u16_t port, const uint8_t *pkt, size_t len)
{
	struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	err_t e;

	if (!q)
		return -ENOMEM;
	pbuf_take(q, pkt, (u16_t)len);
	e = udp_sendto_if_src(pcb, q, to, port, s->netif, &s->addr);
	pbuf_free(q);
	return e == ERR_OK ? 0 : -EIO;
}

static void svc_send_error(struct tftp_service *s, struct udp_pcb *pcb, const ip_addr_t *to,
			   u16_t port, uint16_t code, const char *msg)
{
	uint8_t pkt[128];
	int n = tftp_build_error(code, msg, pkt, sizeof(pkt));

	if (n > 0)
		svc_sendto(s, pcb, to, port, pkt, (size_t)n);
}

/* A request answered with an ERROR: logged with the client and the name. */
static void svc_refuse(struct tftp_service *s, const ip_addr_t *to, u16_t port,
		       const struct tftp_request *r, uint16_t code, const char *msg)
{
	char who[32];

	s->ctr.refused++;
	svc_send_error(s, s->pcb, to, port, code, msg);
	log_ratelimited(&s->rl_refused, LOG_LVL_WARN, "nic%u: tftp: %s %s '%s' refused: %s",
			s->adapter, fmt_client(to, port, who, sizeof(who)),
			r->opcode == TFTP_WRQ ? "write" : "read",
			r->filename[0] ? r->filename : "", msg);
	stack_kick();
}

/* ---- transfers ---------------------------------------------------------- */

static void xfer_closed(uv_handle_t *h)
{
	struct tftp_transfer *t = h->data;
	struct tftp_service *s = t->svc;

	free(t);
	s->closing--;
	if (s->stopping && s->closing == 0)
		free(s);
}

/* Unlinks t and lets go of its pcb, file and timer. */
static void xfer_close(struct tftp_transfer *t)
{
	struct tftp_service *s = t->svc;
	struct tftp_transfer **pp;

	for (pp = &s->xfers; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	s->n_xfers--;
	udp_remove(t->pcb);
	t->pcb = NULL;
	tftp_xfer_free(t->x);
	t->x = NULL;
	fdlimit_give(); /* its file */
	s->closing++;
	uv_close((uv_handle_t *)&t->timer, xfer_closed);
}

static void xfer_finish(struct tftp_transfer *t, enum tftp_xfer_status st, const char *why)
{
	struct tftp_service *s = t->svc;
	struct tftp_xfer_stats xs;
	char who[32];
	uint64_t ms = stack_now_ms() - t->started_ms;

	tftp_xfer_get_stats(t->x, &xs);
	s->ctr.bytes += xs.bytes_acked;
	s->ctr.retransmits += xs.retransmits;
	fmt_client(&t->client, t->port, who, sizeof(who));
	if (st == TFTP_XFER_DONE) {
		s->ctr.done++;
		log_ratelimited(&s->rl_done, LOG_LVL_INFO, "nic%u: tftp: sent '%s' to %s: %llu "
				"bytes in %llu.%03llu s (blksize %u, window %u, %llu blocks resent)",
				s->adapter, t->name, who, (unsigned long long)xs.bytes_acked,
				(unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
				t->p.blksize, t->p.windowsize, (unsigned long long)xs.retransmits);
	} else if (xs.ended_at_oack) {
		/* EDK2 asks for tsize and aborts, then asks again for the file */
		log_debug("nic%u: tftp: %s ended the transfer of '%s' after the OACK: %s",
			  s->adapter, who, t->name, xs.client_err);
	} else {
		s->ctr.failed++;
		log_ratelimited(&s->rl_failed, LOG_LVL_WARN, "nic%u: tftp: transfer of '%s' to %s "
				"failed after %llu bytes: %s%s%s", s->adapter, t->name, who,
				(unsigned long long)xs.bytes_acked, why ? why : xs.why,
				xs.client_err[0] ? " " : "", xs.client_err);
	}
	xfer_close(t);
}

static void xfer_timer_cb(uv_timer_t *h);

/* After the engine ran: re-arm the timer, or end the transfer. */
static void xfer_after(struct tftp_transfer *t, enum tftp_xfer_status st)
{
	uint64_t now, due;

	if (st != TFTP_XFER_RUNNING) {
		xfer_finish(t, st, NULL);
	} else {
		now = stack_now_ms();
		due = tftp_xfer_deadline(t->x);
		uv_timer_start(&t->timer, xfer_timer_cb, due > now ? due - now : 1, 0);
	}
	stack_kick();
}

static void xfer_timer_cb(uv_timer_t *h)
{
	struct tftp_transfer *t = h->data;

	xfer_after(t, tftp_xfer_timeout(t->x, stack_now_ms()));
}

static int xfer_send(void *opaque, const uint8_t *pkt, size_t len)
{
	struct tftp_transfer *t = opaque;

	return svc_sendto(t->svc, t->pcb, &t->client, t->port, pkt, len);
}

static void xfer_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		      u16_t port)
{
	struct tftp_transfer *t = arg;
	uint8_t buf[4 + 512];
	u16_t len;

	len = pbuf_copy_partial(p, buf, sizeof(buf), 0);
	pbuf_free(p);
	if (!ip_addr_cmp(addr, &t->client) || port != t->port) {
		/* RFC 1350: another TID; never answer an ERROR with one */
		if (len >= 2 && !(buf[0] == 0 && buf[1] == TFTP_ERROR))
			svc_send_error(t->svc, pcb, addr, port, TFTP_EBADID,
				       "unknown transfer ID");
		stack_kick();
		return;
	}
	xfer_after(t, tftp_xfer_input(t->x, buf, len, stack_now_ms()));
}

static struct tftp_transfer *xfer_find(struct tftp_service *s, const ip_addr_t *a, u16_t port)
{
	for (struct tftp_transfer *t = s->xfers; t; t = t->next)
		if (t->port == port && ip_addr_cmp(&t->client, a))
			return t;
	return NULL;
}

/* A read request that passed every check: start its transfer on fd. */
static void xfer_start(struct tftp_service *s, const struct tftp_request *r, int fd,
		       uint64_t size, const ip_addr_t *addr, u16_t port)
{
	struct tftp_transfer *t = calloc(1, sizeof(*t));
	char who[32];

	if (!t)
		goto nomem;
	t->svc = s;
	t->client = *addr;
	t->port = port;
	t->started_ms = stack_now_ms();
	snprintf(t->name, sizeof(t->name), "%s", r->filename);
	tftp_negotiate(r, s->mtu > TFTP_DATA_OVERHEAD ? s->mtu - TFTP_DATA_OVERHEAD : 512, size,
		       &t->p);
	t->pcb = udp_new();
	if (!t->pcb)
		goto nomem;
	udp_bind_netif(t->pcb, s->netif);
	if (udp_bind(t->pcb, &s->addr, 0) != ERR_OK)
		goto nomem;
	t->x = tftp_xfer_new(fd, &t->p, xfer_send, t);
	fd = -1; /* the transfer's now, even on failure */
	if (!t->x)
		goto nomem;
	udp_recv(t->pcb, xfer_recv, t);
	uv_timer_init(s->loop, &t->timer);
	t->timer.data = t;
	t->next = s->xfers;
	s->xfers = t;
	s->n_xfers++;
	log_debug("nic%u: tftp: %s reads '%s' (%llu bytes, %s, blksize %u, window %u%s)",
		  s->adapter, fmt_client(addr, port, who, sizeof(who)), t->name,
		  (unsigned long long)size, t->p.mode == TFTP_MODE_OCTET ? "octet" : "netascii",
		  t->p.blksize, t->p.windowsize, t->p.oack ? ", OACK" : "");
	xfer_after(t, tftp_xfer_start(t->x, stack_now_ms()));
	return;
nomem:
	if (fd >= 0)
		close(fd);
	fdlimit_give();
	if (t && t->pcb)
		udp_remove(t->pcb);
	free(t);
	svc_refuse(s, addr, port, r, TFTP_EUNDEF, "out of memory");
}

/* A datagram to port 69. */
static void svc_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		     u16_t port)
{
	struct tftp_service *s = arg;
	struct tftp_request r;
	char rel[TFTP_FILENAME_MAX];
	const char *msg;
	uint16_t code;
	uint64_t size;
	u16_t len;
	int rc;

	(void)pcb;
	len = pbuf_copy_partial(p, svc_buf, sizeof(svc_buf), 0);
	pbuf_free(p);
	if (!IP_IS_V4(addr) || s->stopping)
		return;
	rc = tftp_parse_request(svc_buf, len, &r);
	if (rc == -EPROTO && len >= 2 && svc_buf[0] == 0 && svc_buf[1] >= TFTP_DATA &&
	    svc_buf[1] <= TFTP_OACK)
		return; /* not a request: stray (tftp-hpa ACKs an ERROR), never answered */
	s->ctr.requests++;
	if (rc < 0) {
		svc_refuse(s, addr, port, &r, r.err_code, r.err_msg);
		return;
	}
	if (r.opcode == TFTP_WRQ) {
		svc_refuse(s, addr, port, &r, TFTP_EACCESS, "access violation (read-only server)");
		return;
	}
	if (xfer_find(s, addr, port))
		return; /* the client repeated its request: the transfer resends itself */
	if (s->n_xfers >= TFTP_SERVICE_MAX_TRANSFERS) {
		svc_refuse(s, addr, port, &r, TFTP_EUNDEF, "too many transfers, try again later");
		return;
	}
	/* The file's descriptor comes out of the guests' budget (fdlimit.h). */
	if (!fdlimit_take()) {
		svc_refuse(s, addr, port, &r, TFTP_EUNDEF, "too many open files, try again later");
		return;
	}
	rc = tftp_path_normalize(r.filename, rel, sizeof(rel));
	if (rc == 0)
		rc = tftp_open_beneath(s->root, rel, &size);
	if (rc < 0) {
		fdlimit_give();
		fdlimit_note(-rc, "tftp: open");
		tftp_open_error(rc, &code, &msg);
		svc_refuse(s, addr, port, &r, code, msg);
		return;
	}
	xfer_start(s, &r, rc, size, addr, port);
}

/* ---- the service ---------------------------------------------------------- */

int tftp_service_start(uv_loop_t *loop, struct netif *netif,
		       const struct tftp_service_config *cfg, struct tftp_service **out,
		       char *err, size_t errlen)
{
	struct tftp_service *s = calloc(1, sizeof(*s));
	int rc;

	if (!s) {
		snprintf(err, errlen, "tftp: out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	s->netif = netif;
	s->mtu = cfg->mtu;
	s->adapter = cfg->adapter;
	ip_addr_set_ip4_u32_val(s->addr, cfg->addr.s_addr);
	if ((size_t)snprintf(s->root, sizeof(s->root), "%s", cfg->root) >= sizeof(s->root)) {
		snprintf(err, errlen, "tftp: root directory name too long");
		rc = -ENAMETOOLONG;
		goto out;
	}
	s->pcb = udp_new();
	if (!s->pcb) {
		snprintf(err, errlen, "tftp: out of memory");
		rc = -ENOMEM;
		goto out;
	}
	udp_bind_netif(s->pcb, netif);
	if (udp_bind(s->pcb, &s->addr, TFTP_PORT) != ERR_OK) {
		snprintf(err, errlen, "tftp: cannot bind port 69 on the TFTP address");
		rc = -EADDRINUSE;
		goto out;
	}
	udp_recv(s->pcb, svc_recv, s);
	{
		char ip[INET_ADDRSTRLEN];
		struct stat st;
		bool root = stat(s->root, &st) == 0 && S_ISDIR(st.st_mode);

		inet_ntop(AF_INET, &cfg->addr, ip, sizeof(ip));
		log_info("nic%u: TFTP server at %s, read-only, root %s%s", s->adapter, ip, s->root,
			 root ? "" : " (missing for now)");
	}
	*out = s;
	return 0;
out:
	if (s->pcb)
		udp_remove(s->pcb);
	free(s);
	return rc;
}

void tftp_service_stop(struct tftp_service *s)
{
	if (!s)
		return;
	s->stopping = true;
	udp_remove(s->pcb);
	s->pcb = NULL;
	while (s->xfers)
		xfer_finish(s->xfers, TFTP_XFER_FAILED, "natd is stopping");
	if (s->closing == 0)
		free(s);
}

void tftp_service_get_counters(const struct tftp_service *s, struct tftp_service_counters *c)
{
	*c = s->ctr;
	c->active = s->n_xfers;
}
