/* SPDX-License-Identifier: MIT */
/*
 * fwd_dgram.c - the UDP and ICMP echo proxies: one connected host socket
 * per guest flow.
 *
 * Guest packets for remote addresses are taken by two lwIP raw pcbs (UDP,
 * ICMP) before lwIP's own protocol input, so lwIP never answers them itself.
 *   UDP  (guest address, port) -> (remote address, port): a connected
 *        SOCK_DGRAM socket; the payload is sent as is, with the guest's TTL
 *        and TOS copied onto the socket.
 *   ICMP echo (guest address, id) -> remote address: an unprivileged ICMP
 *        "ping" socket (SOCK_DGRAM, IPPROTO_ICMP); the kernel chooses the id
 *        on the wire and natd puts the guest's id back into replies. As
 *        root, natd widens net.ipv4.ping_group_range to include its group if
 *        needed.
 * Replies are rebuilt as UDP or ICMP from the remote address and sent to the
 * guest through the raw pcbs. Every socket has IP_RECVERR: ICMP errors the
 * host receives (port unreachable, TTL exceeded, fragmentation needed...)
 * are relayed to the guest from the address that sent them, with the
 * guest's own packet embedded, so UDP traceroute and ECONNREFUSED on
 * connected UDP sockets work in the guest.
 *
 * A guest packet with TTL 1 would expire at natd, the guest's first hop: it
 * is answered with ICMP time exceeded from the gateway, as a router would.
 *
 * Port forwards (fwd_dgram_inbound(), from portfwd.c) make UDP flows the
 * other way round: a datagram from a host peer on a rule's socket becomes a
 * flow whose "remote" side is the peer as the guest sees it; the guest's
 * replies go back to the peer through the rule's socket, which the flows
 * share (they own no handle, so they close at once).
 *
 * TFTP connection helper: a TFTP server answers a request to its port 69
 * from a port of its own, which a connected socket would never receive. A
 * guest flow to port 69 therefore gets an unconnected socket (sendto the
 * server); a datagram on it from the same server address but another port
 * becomes a data flow (guest port <-> that server port) sharing the
 * request's socket, as port forwards share theirs: the guest's
 * acknowledgements go back through it to that port. Datagrams from any
 * other address are dropped (counted as "filtered"). A data flow keeps its
 * request flow alive, and closes with it.
 *
 * Flows expire when idle (nat.udp_timeout_ms; DNS, port 53, and echo flows
 * sooner). Broadcast and multicast UDP from the guest is never forwarded
 * (the DHCP server handles the limited broadcast to port 67).
 *
 * IPv6 works the same with AF_INET6 sockets (ICMPv6 "ping" sockets, governed
 * by the same ping_group_range), IPV6_RECVERR, the hop limit and traffic
 * class copied, hop limit 1 answered with ICMPv6 time exceeded from the
 * gateway (<prefix>::2). lwIP hands raw pcbs the packet's first next header,
 * so besides UDP and ICMPv6 two more pcbs take packets whose chain starts
 * with a hop-by-hop or destination options header (the chain was checked by
 * stack/ndp.c). A destination the host has no route to is answered with
 * ICMPv6 "no route" at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forwarders/fwd_dgram_internal.h"
#include "forwarders/nat_internal.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/ip6.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/udp.h"
#include "lwip/raw.h"
#include "base/log.h"
#include "stack/ndp.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define DGRAM_READS_PER_WAKE 64

static uint8_t dgram_buf[65536];
static uint8_t dgram_in[65536];   /* a reassembled (chained) guest packet, flattened */
static struct log_ratelimit rl_dgram = LOG_RATELIMIT_INIT;

static void dgram_closed(uv_handle_t *h)
{
	struct dgram_conn *c = h->data;

	close(c->fd);
	nat_flow_closed(c->flow);
	free(c);
	closer_release(&nat.closer);
}

static void dgram_close(struct dgram_conn *c)
{
	if (c->flow->state)
		return;
	c->flow->state = 1; /* closing */
	if (c->tag) {
		/* the rule's socket stays; no handle of our own */
		nat_flow_closed(c->flow);
		free(c);
		return;
	}
	if (c->tftp)
		fwd_dgram_close_tag(c); /* its data flows share the socket */
	closer_hold(&nat.closer);
	uv_close((uv_handle_t *)&c->poll, dgram_closed);
}

void fwd_dgram_expire(struct flow *f, uint64_t now_ms)
{
	struct dgram_conn *c = f->owner;
	unsigned timeout = nat.udp_timeout_ms;

	if (!c || f->state)
		return;
	if (!flow_is_udp(f))
		timeout = nat.icmp_timeout_ms;
	else if (f->key.rport == PP_HTONS(53))
		timeout = nat.dns_timeout_ms;
	if (now_ms - f->last_ms >= timeout)
		dgram_close(c);
}

static int dgram_shutdown_one(void *opaque, struct flow *f)
{
	(void)opaque;
	if ((f->key.proto == FLOW_PROTO_UDP || f->key.proto == FLOW_PROTO_ICMP) && f->owner)
		dgram_close(f->owner);
	return 0;
}

void fwd_dgram_shutdown_all(void)
{
	flow_foreach(nat.flows, dgram_shutdown_one, NULL);
	if (nat.raw_udp) {
		raw_remove(nat.raw_udp);
		nat.raw_udp = NULL;
	}
	if (nat.raw_icmp) {
		raw_remove(nat.raw_icmp);
		nat.raw_icmp = NULL;
	}
	for (unsigned i = 0; i < sizeof(nat.raw6) / sizeof(nat.raw6[0]); i++) {
		if (nat.raw6[i])
			raw_remove(nat.raw6[i]);
		nat.raw6[i] = NULL;
	}
}

/* The same for an IPv6 flow. */
static void dgram_to_guest6(struct dgram_conn *c, const uint8_t *data, size_t n)
{
	const struct flow_key *k = &c->flow->key;
	bool udp = flow_is_udp(c->flow);
	size_t hl = udp ? UDP_HLEN : 0;
	ip6_addr_t g, r;
	struct pbuf *p;
	uint8_t *b;

	if (n > 0xffff - hl || (!udp && n < 8))
		return;
	p = pbuf_alloc(PBUF_IP, (u16_t)(hl + n), PBUF_RAM);
	if (!p)
		return;
	b = p->payload;
	memcpy(b + hl, data, n);
	if (udp) {
		memcpy(b, &k->rport, 2);
		memcpy(b + 2, &k->gport, 2);
		b[4] = (uint8_t)((hl + n) >> 8);
		b[5] = (uint8_t)(hl + n);
		b[6] = b[7] = 0;
	} else {
		if (b[0] != ICMP6_TYPE_EREP) {
			pbuf_free(p);
			return;
		}
		memcpy(b + 4, &k->gport, 2); /* the guest's id back */
		b[2] = b[3] = 0;
	}
	{
		uint16_t sum = ndp_checksum6(k->raddr, k->gaddr, udp ? IP6_NEXTH_UDP : IP6_NEXTH_ICMP6,
					     b, hl + n);

		if (udp && sum == 0)
			sum = 0xffff;
		b[udp ? 6 : 2] = (uint8_t)(sum >> 8);
		b[udp ? 7 : 3] = (uint8_t)sum;
	}
	nat_key_addr6(&g, k->gaddr, c->nic);
	nat_key_addr6(&r, k->raddr, c->nic);
	nat_output6(c->nic, p, udp ? IP6_NEXTH_UDP : IP6_NEXTH_ICMP6, &r, &g);
	pbuf_free(p);
	c->flow->bytes_h2g += n;
	c->flow->last_ms = stack_now_ms();
}

/* One datagram from the host, rebuilt for the guest. */
static void dgram_to_guest(struct dgram_conn *c, const uint8_t *data, size_t n)
{
	const struct flow_key *k = &c->flow->key;
	uint32_t gaddr, raddr;
	struct pbuf *p;

	if (flow_is_v6(c->flow)) {
		dgram_to_guest6(c, data, n);
		return;
	}
	memcpy(&gaddr, k->gaddr, 4);
	memcpy(&raddr, k->raddr, 4);
	if (flow_is_udp(c->flow)) {
		struct udp_hdr *uh;
		ip_addr_t s, d;
		u16_t sum;

		if (n > 0xffff - UDP_HLEN - IP_HLEN)
			return;
		p = pbuf_alloc(PBUF_IP, (u16_t)(UDP_HLEN + n), PBUF_RAM);
		if (!p)
			return;
		uh = p->payload;
		uh->src = k->rport;
		uh->dest = k->gport;
		uh->len = lwip_htons((u16_t)(UDP_HLEN + n));
		uh->chksum = 0;
		memcpy((uint8_t *)p->payload + UDP_HLEN, data, n);
		ip_addr_set_ip4_u32_val(s, raddr);
		ip_addr_set_ip4_u32_val(d, gaddr);
		sum = ip_chksum_pseudo(p, IP_PROTO_UDP, p->tot_len, &s, &d);
		uh->chksum = sum ? sum : 0xffff;
		nat_output4(c->nic, p, IP_PROTO_UDP, raddr, gaddr);
	} else {
		struct icmp_echo_hdr *eh;

		if (n < sizeof(*eh) || n > 0xffff - IP_HLEN)
			return;
		p = pbuf_alloc(PBUF_IP, (u16_t)n, PBUF_RAM);
		if (!p)
			return;
		memcpy(p->payload, data, n);
		eh = p->payload;
		if (eh->type != ICMP_ER) {
			pbuf_free(p);
			return;
		}
		eh->id = k->gport; /* the guest's id back in place of the kernel's */
		eh->chksum = 0;
		eh->chksum = inet_chksum(p->payload, p->len);
		nat_output4(c->nic, p, IP_PROTO_ICMP, raddr, gaddr);
	}
	pbuf_free(p);
	c->flow->bytes_h2g += n;
	c->flow->last_ms = stack_now_ms();
}

static void dgram_poll_cb(uv_poll_t *h, int status, int events);
static struct dgram_conn *dgram_alloc(struct nic *nic, const struct flow_key *key);

static bool sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

/*
 * A datagram from a host peer for a flow that shares the socket fd of `tag`
 * (a port forward's rule, or the TFTP request flow `parent`): the flow is
 * found or made, the peer remembered (the latest behind this key gets the
 * guest's replies), the datagram sent to the guest. 0, or -EADDRINUSE when
 * the key is another flow's (the guest's own, or closing), -ENOSPC.
 */
static int dgram_shared_in(struct nic *nic, int fd, const struct sockaddr *peer,
			   socklen_t peerlen, const struct flow_key *key, const void *tag,
			   struct dgram_conn *parent, const uint8_t *data, size_t n)
{
	struct flow *f = flow_lookup(nat.flows, key);
	struct dgram_conn *c;

	if (f) {
		c = f->owner;
		if (!c || c->tag != tag || c->flow->state)
			return -EADDRINUSE;
	} else {
		c = dgram_alloc(nic, key);
		if (!c)
			return -ENOSPC;
		c->fd = fd;
		c->tag = tag;
		c->parent = parent;
	}
	memcpy(&c->peer, peer, peerlen);
	c->peerlen = peerlen;
	dgram_to_guest(c, data, n);
	return 0;
}

/* A datagram on a TFTP request flow's socket: from the server's port 69 for
 * the request flow, from another of its ports for that data flow (made on
 * the first one), from anyone else dropped. */
static void dgram_tftp_from_host(struct dgram_conn *c, const struct sockaddr_storage *from,
				 socklen_t fromlen, const uint8_t *data, size_t n)
{
	struct flow_key key = c->flow->key;
	int rc;

	if (!sockaddr_same_host(from, &c->peer) || fromlen > sizeof(c->peer)) {
		nat.drops[NAT_DROP_FILTERED]++;
		return;
	}
	key.rport = from->ss_family == AF_INET ? ((const struct sockaddr_in *)from)->sin_port
					       : ((const struct sockaddr_in6 *)from)->sin6_port;
	if (key.rport == c->flow->key.rport) {
		dgram_to_guest(c, data, n);
		return;
	}
	rc = dgram_shared_in(c->nic, c->fd, (const struct sockaddr *)from, fromlen, &key, c, c,
			     data, n);
	if (rc == -EADDRINUSE)
		nat.drops[NAT_DROP_FILTERED]++; /* the guest's own flow to that port */
	else if (rc == 0)
		c->flow->last_ms = stack_now_ms(); /* a transfer keeps its request alive */
}

static void dgram_poll_cb(uv_poll_t *h, int status, int events)
{
	struct dgram_conn *c = h->data;

	(void)events;
	if (c->flow->state)
		return;
	if (status < 0) {
		/* POLLERR (libuv says UV_EBADF): ICMP errors wait in the queue. libuv
		 * stopped the handle; start it again. */
		dgram_relay_errors(c);
		uv_poll_start(&c->poll, UV_READABLE, dgram_poll_cb);
		return;
	}
	for (int i = 0; i < DGRAM_READS_PER_WAKE; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = c->tftp ? recvfrom(c->fd, dgram_buf, sizeof(dgram_buf), MSG_DONTWAIT,
					       (struct sockaddr *)&from, &fromlen)
				    : recv(c->fd, dgram_buf, sizeof(dgram_buf), MSG_DONTWAIT);

		if (n >= 0 && c->tftp) {
			dgram_tftp_from_host(c, &from, fromlen, dgram_buf, (size_t)n);
			continue;
		}
		if (n >= 0) {
			dgram_to_guest(c, dgram_buf, (size_t)n);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR)
			continue;
		dgram_relay_errors(c);
		break;
	}
}

static int dgram_open_host(struct dgram_conn *c)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	bool udp = flow_is_udp(c->flow), v6 = flow_is_v6(c->flow);
	int one = 1, fd, rc;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    udp ? IPPROTO_UDP : v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	c->fd = fd;
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	rc = nat_host_endpoint(fd, c->nic, &c->flow->key, &sa, &salen);
	if (rc < 0)
		return rc;
	if (c->tftp) {
		/* unconnected: the server answers from another port */
		memcpy(&c->peer, &sa, salen);
		c->peerlen = salen;
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0)
		return -errno;
	return 0;
}

/* A flow and its state, not yet with a socket; NULL when refused (counted). */
static struct dgram_conn *dgram_alloc(struct nic *nic, const struct flow_key *key)
{
	struct dgram_conn *c;
	struct flow *f;

	f = flow_insert(nat.flows, key, stack_now_ms());
	if (!f) {
		if (errno == ENOSPC)
			nat.drops[NAT_DROP_FLOWS_FULL]++;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		flow_remove(nat.flows, f);
		return NULL;
	}
	c->flow = f;
	c->nic = nic;
	c->fd = -1;
	f->owner = c;
	return c;
}

/* A new flow for a guest packet; NULL when refused (counted), with the
 * reason in *err (-errno) when err is given. */
static struct dgram_conn *fwd_dgram_new(struct nic *nic, const struct flow_key *key, int *err)
{
	struct dgram_conn *c = dgram_alloc(nic, key);
	struct flow *f;
	int rc;

	if (!c)
		return NULL;
	f = c->flow;
	c->tftp = key->proto == FLOW_PROTO_UDP && key->rport == PP_HTONS(69);
	rc = dgram_open_host(c);
	if (rc < 0 || uv_poll_init(nat.loop, &c->poll, c->fd) < 0) {
		char r[64];

		log_ratelimited(&rl_dgram, LOG_LVL_WARN, "%s: host socket for %s: %s",
				flow_proto_name((enum flow_proto)key->proto),
				flow_key_format_side(key, false, r, sizeof(r)), strerror(-rc));
		nat.drops[NAT_DROP_SOCKET]++;
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		flow_remove(nat.flows, f);
		if (err)
			*err = rc < 0 ? rc : -ENOMEM;
		return NULL;
	}
	c->poll.data = c;
	uv_poll_start(&c->poll, UV_READABLE, dgram_poll_cb);
	return c;
}

/* Copies the guest's TTL and TOS to the host socket when they change. */
static void dgram_apply_ip_fields(struct dgram_conn *c, uint8_t ttl, uint8_t tos)
{
	bool v6 = flow_is_v6(c->flow);

	if (ttl != c->ttl) {
		int v = ttl;

		if (v6)
			setsockopt(c->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v));
		else
			setsockopt(c->fd, IPPROTO_IP, IP_TTL, &v, sizeof(v));
		c->ttl = ttl;
	}
	if (tos != c->tos) {
		int v = tos;

		if (v6)
			setsockopt(c->fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
		else
			setsockopt(c->fd, IPPROTO_IP, IP_TOS, &v, sizeof(v));
		c->tos = tos;
	}
}

/* A port forward's reply from the guest: through the rule's socket to the peer. */
static void dgram_forward_reply(struct dgram_conn *c, bool udp, const uint8_t *payload,
				size_t plen)
{
	if (udp)
		sendto(c->fd, payload, plen, MSG_DONTWAIT | MSG_NOSIGNAL,
		       (const struct sockaddr *)&c->peer, c->peerlen);
	c->flow->bytes_g2h += plen;
	c->flow->last_ms = stack_now_ms();
	if (c->parent)
		c->parent->flow->last_ms = c->flow->last_ms; /* a TFTP transfer goes on */
}

/*
 * A guest datagram or echo request on its flow, IPv4 or IPv6: a port
 * forward's reply goes to its peer; otherwise the guest's TTL (hop limit)
 * and TOS (traffic class) go onto the host socket, its transport header and
 * IP length are kept for ICMP errors, and the payload is sent (sendto the
 * server for a TFTP request flow, whose socket is unconnected).
 */
static void dgram_from_guest(struct dgram_conn *c, bool udp, const uint8_t *l4,
			     uint16_t ip_len, uint8_t ttl, uint8_t tos, const uint8_t *payload,
			     size_t plen)
{
	ssize_t n;

	if (c->flow->state)
		return; /* closing */
	if (c->tag) {
		dgram_forward_reply(c, udp, payload, plen);
		return;
	}
	dgram_apply_ip_fields(c, ttl, tos);
	memcpy(c->l4, l4, 8);
	c->ip_len = ip_len;
	if (c->tftp)
		n = sendto(c->fd, payload, plen, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)&c->peer, c->peerlen);
	else
		n = send(c->fd, payload, plen, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		dgram_relay_errors(c);
	c->flow->bytes_g2h += plen;
	c->flow->last_ms = stack_now_ms();
}

/* A guest UDP packet to a local address that answers a port forward. */
static bool dgram_is_forward_reply(struct nic *nic, const struct ip_hdr *iph, size_t hl)
{
	const struct udp_hdr *uh = (const struct udp_hdr *)((const uint8_t *)iph + hl);
	struct flow_key k;
	struct flow *f;
	ip4_addr_t g, r;

	if (iph->dest.addr != nic_config(nic)->gateway.s_addr)
		return false;
	ip4_addr_copy(g, iph->src);
	ip4_addr_copy(r, iph->dest);
	nat_key4(&k, FLOW_PROTO_UDP, nic, &g, uh->src, &r, uh->dest);
	f = flow_lookup(nat.flows, &k);
	return f && f->owner && ((struct dgram_conn *)f->owner)->tag;
}

/*
 * lwIP raw input for UDP and ICMP: takes (returns 1, frees p) the guest's
 * datagrams and echo requests for remote addresses; leaves everything else
 * (returns 0) to lwIP: DHCP, natd's services, packets for the gateway.
 */
static u8_t fwd_dgram_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct nic *nic = nat_nic_of(ip_current_input_netif());
	bool udp = pcb == nat.raw_udp;
	const struct ip_hdr *iph;
	const uint8_t *l4;
	struct flow_key key;
	struct flow *f;
	struct dgram_conn *c;
	size_t hl, iplen, plen;
	const uint8_t *payload;
	uint32_t src, dst;
	uint16_t gport, rport;

	(void)arg;
	(void)addr;
	if (!nic || nat.shutting_down || ip_current_is_v6() || p->len < IP_HLEN)
		return 0;
	iph = p->payload;
	hl = IPH_HL_BYTES(iph);
	iplen = lwip_ntohs(IPH_LEN(iph));
	if (hl < IP_HLEN || iplen < hl + 8 || iplen > p->tot_len || hl > p->len)
		return 0;
	if (p->next) {
		/* reassembled from fragments: one flat copy */
		pbuf_copy_partial(p, dgram_in, (u16_t)iplen, 0);
		iph = (const struct ip_hdr *)dgram_in;
	}
	src = iph->src.addr;
	dst = iph->dest.addr;
	/* The gateway alias covers UDP only, and never natd's own DHCP server:
	 * pings to the gateway are lwIP's to answer. Replies to port forwards
	 * whose peer is shown as the gateway are ours. */
	if ((nat_is_local(nic, dst) && !(udp && dgram_is_forward_reply(nic, iph, hl)) &&
	     !(udp && nat_is_host_alias(nic, dst) &&
	       ((const struct udp_hdr *)((const uint8_t *)iph + hl))->dest != PP_HTONS(67))) ||
	    ip4_addr_isbroadcast_u32(dst, ip_current_input_netif()) ||
	    ip4_addr_ismulticast(&iph->dest)) {
		const struct udp_hdr *bh = (const struct udp_hdr *)((const uint8_t *)iph + hl);

		/* Not forwarded (documented); DHCP's broadcasts are lwIP's. */
		if (udp && !nat_is_local(nic, dst) && bh->dest != PP_HTONS(67))
			nat.drops[NAT_DROP_BROADCAST]++;
		return 0;
	}
	l4 = (const uint8_t *)iph + hl;
	if (udp) {
		const struct udp_hdr *uh = (const struct udp_hdr *)l4;
		size_t ulen = lwip_ntohs(uh->len);

		if (ulen < UDP_HLEN || ulen > iplen - hl)
			goto drop;
		if (uh->chksum != 0) {
			ip_addr_t s, d;
			u16_t sum;

			ip_addr_set_ip4_u32_val(s, src);
			ip_addr_set_ip4_u32_val(d, dst);
			pbuf_remove_header(p, (u16_t)hl);
			sum = ip_chksum_pseudo(p, IP_PROTO_UDP, (u16_t)ulen, &s, &d);
			pbuf_add_header_force(p, (u16_t)hl);
			if (sum != 0)
				goto drop;
		}
		gport = uh->src;
		rport = uh->dest;
		payload = l4 + UDP_HLEN;
		plen = ulen - UDP_HLEN;
	} else {
		const struct icmp_echo_hdr *eh = (const struct icmp_echo_hdr *)l4;

		if (eh->type != ICMP_ECHO)
			return 0; /* lwIP's business */
		if (inet_chksum(l4, (u16_t)(iplen - hl)) != 0)
			goto drop;
		gport = eh->id;
		rport = 0;
		payload = l4;
		plen = iplen - hl;
	}

	if (IPH_TTL(iph) <= 1) {
		struct flow_key k;
		ip4_addr_t g, r;

		ip4_addr_set_u32(&g, src);
		ip4_addr_set_u32(&r, dst);
		nat_key4(&k, udp ? FLOW_PROTO_UDP : FLOW_PROTO_ICMP, nic, &g, gport, &r, rport);
		nat_icmp4_error(nic, ICMP_TE, ICMP_TE_TTL, 0, nic_config(nic)->gateway.s_addr, &k,
				udp ? IP_PROTO_UDP : IP_PROTO_ICMP, l4, 8, (uint16_t)iplen);
		goto drop;
	}

	{
		ip4_addr_t g, r;

		ip4_addr_set_u32(&g, src);
		ip4_addr_set_u32(&r, dst);
		nat_key4(&key, udp ? FLOW_PROTO_UDP : FLOW_PROTO_ICMP, nic, &g, gport, &r, rport);
	}
	f = flow_lookup(nat.flows, &key);
	c = f ? f->owner : fwd_dgram_new(nic, &key, NULL);
	if (!c) {
		if (udp)
			return 0; /* lwIP answers port unreachable: refused cleanly */
		goto drop;
	}
	dgram_from_guest(c, udp, l4, (uint16_t)iplen, IPH_TTL(iph), IPH_TOS(iph), payload, plen);
drop:
	pbuf_free(p);
	return 1;
}

/*
 * The IPv6 counterpart of fwd_dgram_raw_recv(), for UDP and ICMPv6 echo, also
 * behind hop-by-hop or destination options headers. The packet passed
 * stack/ndp.c's checks in natd_hook_ip6_input (or is lwIP's reassembly of
 * checked fragments, without the fragment header).
 */
static u8_t fwd_dgram_raw_recv6(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct nic *nic = nat_nic_of(ip_current_input_netif());
	const ip6_addr_t *src = ip6_current_src_addr(), *dst = ip6_current_dest_addr();
	struct ndp_ip6_info info;
	const uint8_t *pkt = p->payload, *l4, *payload;
	struct flow_key key;
	struct flow *f;
	struct dgram_conn *c;
	size_t plen;
	uint16_t gport, rport;
	bool udp;
	int err = 0;

	(void)arg;
	(void)pcb;
	(void)addr;
	if (!nic || nat.shutting_down || !ip_current_is_v6())
		return 0;
	if (p->next) {
		/* Reassembled from fragments: one flat copy. lwIP 2.1.3's ip6_reass()
		 * with IPV6_FRAG_COPYHEADER leaves a payload length 8 bytes short
		 * (its own protocols go by the pbuf's length): use that too. */
		pbuf_copy_partial(p, dgram_in, p->tot_len, 0);
		dgram_in[4] = (uint8_t)((p->tot_len - IP6_HLEN) >> 8);
		dgram_in[5] = (uint8_t)(p->tot_len - IP6_HLEN);
		pkt = dgram_in;
	}
	if (ndp_parse_ip6(pkt, p->tot_len, &info) < 0 ||
	    (info.proto != IP6_NEXTH_UDP && info.proto != IP6_NEXTH_ICMP6))
		return 0;
	udp = info.proto == IP6_NEXTH_UDP;
	if (ip6_addr_ismulticast(dst) ||
	    (nat_is_local6(nic, dst) && !(udp && nat_is_host_alias6(nic, dst))) ||
	    ip6_addr_isany(src) || ip6_addr_islinklocal(src)) {
		if (udp && ip6_addr_ismulticast(dst))
			nat.drops[NAT_DROP_BROADCAST]++;
		return 0; /* lwIP's (or nobody's) business */
	}
	l4 = pkt + info.l4_off;
	if (udp) {
		size_t ulen;

		if (info.l4_len < UDP_HLEN)
			goto drop;
		ulen = (size_t)(l4[4] << 8 | l4[5]);
		if (ulen < UDP_HLEN || ulen > info.l4_len ||
		    ndp_checksum6(info.src, info.dst, IP6_NEXTH_UDP, l4, ulen) != 0)
			goto drop; /* a zero checksum is not allowed over IPv6 either */
		memcpy(&gport, l4, 2);
		memcpy(&rport, l4 + 2, 2);
		payload = l4 + UDP_HLEN;
		plen = ulen - UDP_HLEN;
	} else {
		if (info.icmp_type != ICMP6_TYPE_EREQ)
			return 0; /* lwIP's business */
		if (info.l4_len < 8 ||
		    ndp_checksum6(info.src, info.dst, IP6_NEXTH_ICMP6, l4, info.l4_len) != 0)
			goto drop;
		memcpy(&gport, l4 + 4, 2);
		rport = 0;
		payload = l4;
		plen = info.l4_len;
	}

	nat_key6(&key, udp ? FLOW_PROTO_UDP : FLOW_PROTO_ICMP, nic, src, gport, dst, rport);
	if (info.hop_limit <= 1) {
		ip6_addr_t gw;

		nat_key_addr6(&gw, nic_config(nic)->gateway6.s6_addr, nic);
		nat_icmp6_error(nic, ICMP6_TYPE_TE, ICMP6_TE_HL, 0, &gw, &key,
				udp ? IP6_NEXTH_UDP : IP6_NEXTH_ICMP6, l4, 8, (uint16_t)info.total_len);
		goto drop;
	}
	f = flow_lookup(nat.flows, &key);
	c = f ? f->owner : fwd_dgram_new(nic, &key, &err);
	if (!c) {
		if (err == -ENETUNREACH || err == -EHOSTUNREACH) {
			/* no route on the host: tell the guest at once */
			ip6_addr_t gw;

			nat_key_addr6(&gw, nic_config(nic)->gateway6.s6_addr, nic);
			nat_icmp6_error_pkt(nic, ICMP6_TYPE_DUR,
					    err == -ENETUNREACH ? ICMP6_DUR_NO_ROUTE : ICMP6_DUR_ADDRESS,
					    0, &gw, src, pkt, info.total_len);
			goto drop;
		}
		if (udp)
			return 0; /* lwIP answers port unreachable: refused cleanly */
		goto drop;
	}
	dgram_from_guest(c, udp, l4, (uint16_t)info.total_len, info.hop_limit, info.tclass,
			 payload, plen);
drop:
	pbuf_free(p);
	return 1;
}

int fwd_dgram_inbound(struct nic *nic, int fd, const struct sockaddr *peer,
		      unsigned peerlen, const struct flow_key *key, const void *tag,
		      const uint8_t *data, size_t n)
{
	if (nat.flows == NULL || nat.shutting_down || peerlen > sizeof(struct sockaddr_storage))
		return -ENETDOWN;
	return dgram_shared_in(nic, fd, peer, (socklen_t)peerlen, key, tag, NULL, data, n);
}

static int dgram_close_tag_one(void *opaque, struct flow *f)
{
	struct dgram_conn *c = f->owner;

	if (f->key.proto == FLOW_PROTO_UDP && c && c->tag == opaque)
		dgram_close(c);
	return 0;
}

void fwd_dgram_close_tag(const void *tag)
{
	if (nat.flows)
		flow_foreach(nat.flows, dgram_close_tag_one, (void *)tag);
}

/* As root, lets natd's group open ICMP "ping" sockets. */
static void dgram_widen_ping_range(void)
{
	const char *path = "/proc/sys/net/ipv4/ping_group_range";
	unsigned long lo = 1, hi = 0, gid = (unsigned long)getegid();
	FILE *fp;

	fp = fopen(path, "r");
	if (fp) {
		if (fscanf(fp, "%lu %lu", &lo, &hi) != 2)
			lo = 1, hi = 0;
		fclose(fp);
	}
	if (lo <= gid && gid <= hi)
		return;
	if (geteuid() != 0) {
		log_warn("icmp: %s excludes group %lu: guest pings will fail", path, gid);
		return;
	}
	if (lo > hi) {
		lo = gid;
		hi = gid;
	} else {
		lo = gid < lo ? gid : lo;
		hi = gid > hi ? gid : hi;
	}
	fp = fopen(path, "w");
	if (!fp || fprintf(fp, "%lu %lu\n", lo, hi) < 0 || fclose(fp) != 0) {
		log_warn("icmp: cannot widen %s: guest pings will fail", path);
		return;
	}
	log_info("icmp: widened %s to %lu %lu for guest pings", path, lo, hi);
}

int fwd_dgram_init(char *err, size_t errlen)
{
	nat.raw_udp = raw_new(IP_PROTO_UDP);
	nat.raw_icmp = raw_new(IP_PROTO_ICMP);
	if (!nat.raw_udp || !nat.raw_icmp) {
		snprintf(err, errlen, "udp/icmp: out of memory");
		return -ENOMEM;
	}
	raw_recv(nat.raw_udp, fwd_dgram_raw_recv, NULL);
	raw_recv(nat.raw_icmp, fwd_dgram_raw_recv, NULL);
	nat.raw_udp->ttl = 64;
	nat.raw_icmp->ttl = 64;
	{
		static const u8_t protos6[] = { IP6_NEXTH_UDP, IP6_NEXTH_ICMP6, IP6_NEXTH_HOPBYHOP,
						IP6_NEXTH_DESTOPTS };

		_Static_assert(sizeof(protos6) == sizeof(nat.raw6) / sizeof(nat.raw6[0]), "raw6");
		for (unsigned i = 0; i < sizeof(protos6); i++) {
			nat.raw6[i] = raw_new_ip_type(IPADDR_TYPE_V6, protos6[i]);
			if (!nat.raw6[i]) {
				snprintf(err, errlen, "udp/icmp: out of memory");
				return -ENOMEM;
			}
			raw_recv(nat.raw6[i], fwd_dgram_raw_recv6, NULL);
		}
	}
	dgram_widen_ping_range();
	return 0;
}
