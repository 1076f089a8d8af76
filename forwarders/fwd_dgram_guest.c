/* SPDX-License-Identifier: MIT */
/*
 * fwd_dgram_guest.c - the guest side of the UDP and ICMP echo proxies
 * (fwd_dgram.c holds the flows and their host sockets): lwIP raw pcbs take
 * the guest's datagrams and echo requests for remote addresses before lwIP's
 * own protocol input, and each goes out through its flow's host socket (the
 * flow made on the first packet), with the guest's TTL and TOS copied onto
 * the socket and its transport header kept for the ICMP errors relayed
 * back. A port forward's flow sends the guest's reply to its peer through
 * the rule's socket; a TFTP flow sends to its server or data port.
 *
 * natd is the guest's first hop, and counts as one: a guest packet with
 * TTL 1 would expire there and is answered with ICMP time exceeded from the
 * gateway, as a router would; any other goes out with its TTL less one, so
 * the first router behind the host is the guest's second hop (traceroute
 * shows every hop of the path once).
 *
 * Broadcast and multicast UDP from the guest is never forwarded (the DHCP
 * server handles the limited broadcast to port 67).
 *
 * IPv6 works the same, hop limit 1 answered with ICMPv6 time exceeded from
 * the gateway (<prefix>::2), any other decremented. lwIP hands raw pcbs the
 * packet's first next header, so besides UDP and ICMPv6 two more pcbs take
 * packets whose chain starts with a hop-by-hop or destination options
 * header (the chain was checked by stack/ndp.c). A destination the host has no route to is
 * answered with ICMPv6 "no route" at once. A link-local guest source is
 * proxied like any other (see nat.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

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
#include "stack/ndp.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

static uint8_t dgram_in[65536];   /* a reassembled (chained) guest packet, flattened */

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
 * forward's reply goes to its peer; otherwise the guest's TTL (hop limit,
 * 2 or more) less natd's own hop and its TOS (traffic class) go onto the
 * host socket, its transport header and IP length are kept for ICMP errors,
 * and the payload is sent (sendto the server for a TFTP request flow, whose
 * socket is unconnected).
 */
static void dgram_from_guest(struct dgram_conn *c, bool udp, const uint8_t *l4,
			     uint16_t ip_len, uint8_t ttl, uint8_t tos, const uint8_t *payload,
			     size_t plen)
{
	ssize_t n;
	int e;

	if (c->flow->state)
		return; /* closing */
	if (c->tag) {
		dgram_forward_reply(c, udp, payload, plen);
		return;
	}
	dgram_apply_ip_fields(c, (uint8_t)(ttl - 1), tos);
	memcpy(c->l4, l4, 8);
	c->ip_len = ip_len;
	/* An ICMP error the host got for an earlier packet of the flow (an
	 * expired traceroute probe, a closed port) leaves the socket with a
	 * pending error that fails the next send instead: relay what is queued
	 * and send this packet once more, so it is not lost for it. */
	for (int tries = 0; tries < 2; tries++) {
		if (c->tftp)
			n = sendto(c->fd, payload, plen, MSG_DONTWAIT | MSG_NOSIGNAL,
				   (const struct sockaddr *)&c->peer, c->peerlen);
		else
			n = send(c->fd, payload, plen, MSG_DONTWAIT | MSG_NOSIGNAL);
		e = n < 0 ? errno : 0;
		if (n >= 0 || e == EAGAIN || e == EWOULDBLOCK)
			break;
		dgram_relay_errors(c);
		if (e == EMSGSIZE)
			break; /* this packet's own error */
	}
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
u8_t fwd_dgram_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
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
u8_t fwd_dgram_raw_recv6(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
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
	    ip6_addr_isany(src)) {
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

