/* SPDX-License-Identifier: MIT */
/*
 * fwd_tcp.c - the TCP proxy: a guest connection terminated in lwIP, spliced
 * to a host socket connected to the address the guest asked for. This file
 * opens connections, both ways, and starts and stops the proxy;
 * fwd_tcp_data.c carries an established connection's data and closes it
 * (fwd_tcp_internal.h: what the two share).
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
 *     to the flow (SYN_RCVD) with the data path's callbacks
 *     (fwd_tcp_setup_pcb()), and the accept callback (guest's ACK) makes it
 *     ESTABLISHED;
 *   - ECONNREFUSED: a RST to the guest (its connect() fails at once with
 *     "connection refused");
 *   - unreachable or no answer within FWD_TCP_CONNECT_TIMEOUT_MS: ICMP
 *     destination unreachable built from the SYN ("no route to host");
 *     over IPv6, ICMPv6 "no route" (the host has none: connect() failed at
 *     once) or "address unreachable", from the gateway.
 *
 * Port forwards run the other way (fwd_tcp_inbound(), called by portfwd.c
 * with a connection accepted on a rule's host listener): natd opens an lwIP
 * connection to the guest whose source is the client as the guest should
 * see it (its real address, or the gateway for clients the guest could not
 * answer directly), state GUEST_CONNECTING with the host socket not read.
 * lwIP's connected callback makes it ESTABLISHED and the same splice runs
 * (fwd_tcp_data.c);
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
#include "base/fdlimit.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"
#include "stack/ndp.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define FWD_TCP_CONNECT_TIMEOUT_MS 15000

static const char *const tcp_state_names[] = {
	[TS_CONNECTING] = "connecting", [TS_READY] = "connected-host",
	[TS_SYN_RCVD] = "syn-received", [TS_ESTABLISHED] = "established",
	[TS_CLOSING] = "closing", [TS_GUEST_CONNECTING] = "connecting-guest",
};
_Static_assert(sizeof(tcp_state_names) / sizeof(tcp_state_names[0]) == TS_COUNT,
	       "tcp_state_names");

static struct tcp_conn *reinjecting;   /* the conn whose SYN lwIP is taking now */

const char *fwd_tcp_state_name(uint8_t state)
{
	return state < TS_COUNT ? tcp_state_names[state] : "?";
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
void fwd_tcp_connect_done(struct tcp_conn *c, int error)
{
	struct pbuf *p;

	uv_timer_stop(&c->timer);
	flow_connected(nat.flows, c->flow);
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
	fwd_tcp_limit_rcv_wnd(cpcb); /* the SYN's options are parsed */
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
	if (fd < 0) {
		fdlimit_note(errno, "tcp: socket for a guest connection");
		return -errno;
	}
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

	/* A descriptor for the host socket: without one, refuse at once (RST)
	 * rather than run the process out of them. */
	if (!fdlimit_take()) {
		nat.drops[NAT_DROP_DESCRIPTORS]++;
		return 0;
	}
	/* The guest's flow, counted in its connects under way until the host
	 * connect() finishes. */
	f = flow_insert_guest(nat.flows, &key, nic_rx_port(nic), true, stack_now_ms());
	if (!f) {
		nat_flow_refused(nic, &key, errno);
		fdlimit_give();
		return 0; /* RST: the guest sees the refusal at once */
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fdlimit_give();
		flow_remove(nat.flows, f);
		return 0;
	}
	c->fd_taken = true;
	c->syn = malloc(iplen);
	if (!c->syn) {
		free(c);
		fdlimit_give();
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
		fdlimit_give();
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
	if (c->pcb)
		fwd_tcp_limit_rcv_wnd(c->pcb); /* before the ACK of the SYN-ACK goes */
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
	uint32_t port;
	int rc = -ENOMEM;
	err_t e;

	if (nat.flows == NULL || nat.shutting_down || !nic_cable(nic)) {
		conn_reset_fd(fd);
		return -ENETDOWN;
	}
	if (IP_IS_V6(src) != IP_IS_V6(guest)) {
		conn_reset_fd(fd);
		return -EAFNOSUPPORT;
	}
	if (!fdlimit_take()) {
		nat.drops[NAT_DROP_DESCRIPTORS]++;
		conn_reset_fd(fd);
		return -EMFILE;
	}
	pcb = tcp_new_ip_type(IP_IS_V6(guest) ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	if (!pcb) {
		fdlimit_give();
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
		fdlimit_give();
		conn_reset_fd(fd);
		return -EADDRINUSE;
	}
	if (IP_IS_V6(guest))
		nat_key6(&key, FLOW_PROTO_TCP, nic, ip_2_ip6(guest), lwip_htons(gport), ip_2_ip6(src),
			 lwip_htons(pcb->local_port));
	else
		nat_key4(&key, FLOW_PROTO_TCP, nic, ip_2_ip4(guest), lwip_htons(gport),
			 ip_2_ip4(src), lwip_htons(pcb->local_port));
	/* The connection is its target VM's, as a UDP forward's flows are. */
	port = nat_forward_guest(nic, &key);
	f = flow_insert_guest(nat.flows, &key, port, false, stack_now_ms());
	if (!f) {
		rc = errno == ENOSPC || errno == EDQUOT ? -errno : -ENOMEM;
		nat_flow_refused_guest(nic, &key, port, true, errno);
	}
	c = f ? calloc(1, sizeof(*c)) : NULL;
	if (!c || uv_poll_init(nat.loop, &c->poll, fd) < 0) {
		if (f)
			flow_remove(nat.flows, f);
		free(c);
		tcp_abort(pcb);
		fdlimit_give();
		conn_reset_fd(fd);
		return rc;
	}
	conn_host_sockopts(fd);
	nat_host_buffers(fd, nic);
	c->flow = f;
	c->nic = nic;
	c->fd = fd;
	c->fd_taken = true;
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
	/* lwIP's first ephemeral port is random in 0xc000-0xffff, and from
	 * 0xffff its tcp_new_port() steps to 0 and fails (ERR_BUF) once: one
	 * start in 16384. A second try gets a port. */
	if (tcp_bind(pcb, &lo, 0) != ERR_OK && tcp_bind(pcb, &lo, 0) != ERR_OK) {
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
	fwd_tcp_data_shutdown();
	if (nat.tcp_listener) {
		tcp_close((struct tcp_pcb *)nat.tcp_listener);
		nat.tcp_listener = NULL;
	}
}
