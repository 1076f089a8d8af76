/* SPDX-License-Identifier: MIT */
/*
 * fwd_dgram.c - the UDP and ICMP echo proxies: one connected host socket
 * per guest flow. This file holds the flows and their host sockets: making
 * and closing them, and what the host sends back; fwd_dgram_guest.c takes
 * the guest's packets from lwIP and sends them on (fwd_dgram_internal.h:
 * what the two share).
 *
 * Guest packets for remote addresses are taken by two lwIP raw pcbs (UDP,
 * ICMP) before lwIP's own protocol input, so lwIP never answers them itself.
 *   UDP  (guest address, port) -> (remote address, port): a connected
 *        SOCK_DGRAM socket; the payload is sent as is, with the guest's TTL
 *        less one (natd's own hop) and TOS copied onto the socket.
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
 * sooner).
 *
 * IPv6 works the same with AF_INET6 sockets (ICMPv6 "ping" sockets, governed
 * by the same ping_group_range), IPV6_RECVERR, the hop limit and traffic
 * class copied.
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
#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/udp.h"
#include "lwip/raw.h"
#include "base/fdlimit.h"
#include "forwarders/nic.h"
#include "base/log.h"
#include "stack/ndp.h"
#include "stack/stack.h"

#define DGRAM_READS_PER_WAKE 64

static uint8_t dgram_buf[65536];
static struct log_ratelimit rl_dgram = LOG_RATELIMIT_INIT;

static void dgram_closed(uv_handle_t *h)
{
	struct dgram_conn *c = h->data;

	close(c->fd);
	fdlimit_give();
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
static struct dgram_conn *dgram_alloc(struct nic *nic, const struct flow_key *key,
				      uint32_t port, bool from_host);

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
 * the key is another flow's (the guest's own, or closing), -ENOSPC (the
 * table is full), -EDQUOT (the flow's VM is at its share).
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
		/* A TFTP data flow is its guest's, like the request that made it:
		 * else a server sending from many ports would fill the table past
		 * the guest's share, starving the other VMs of a NAT network. */
		c = dgram_alloc(nic, key, parent ? parent->guest : nat_forward_guest(nic, key),
				true);
		if (!c)
			return errno == EDQUOT ? -EDQUOT : -ENOSPC;
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
	if (fd < 0) {
		fdlimit_note(errno, udp ? "udp: socket for a guest flow" :
			     "icmp: socket for a guest flow");
		return -errno;
	}
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

/* A flow of guest `port` (FLOW_GUEST_NONE: no guest's) and its state, not
 * yet with a socket (from_host: made from the host side); NULL when refused
 * (counted, logged). */
static struct dgram_conn *dgram_alloc(struct nic *nic, const struct flow_key *key,
				      uint32_t port, bool from_host)
{
	struct dgram_conn *c;
	struct flow *f;

	f = flow_insert_guest(nat.flows, key, port, false, stack_now_ms());
	if (!f) {
		int err = errno;

		nat_flow_refused_guest(nic, key, port, from_host, err);
		errno = err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		flow_remove(nat.flows, f);
		return NULL;
	}
	c->flow = f;
	c->nic = nic;
	c->guest = port;
	c->fd = -1;
	f->owner = c;
	return c;
}

/* A new flow for a guest packet; NULL when refused (counted), with the
 * reason in *err (-errno) when err is given. */
struct dgram_conn *fwd_dgram_new(struct nic *nic, const struct flow_key *key, int *err)
{
	struct dgram_conn *c;
	struct flow *f;
	int rc;

	/* A descriptor for the host socket, else refused at once (counted). */
	if (!fdlimit_take()) {
		nat.drops[NAT_DROP_DESCRIPTORS]++;
		if (err)
			*err = -EMFILE;
		return NULL;
	}
	c = dgram_alloc(nic, key, nic_rx_port(nic), false);
	if (!c) {
		fdlimit_give();
		return NULL;
	}
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
		fdlimit_give();
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

/* As root, lets group gid open ICMP "ping" sockets. */
void nat_allow_ping_group(gid_t group)
{
	const char *path = "/proc/sys/net/ipv4/ping_group_range";
	unsigned long lo = 1, hi = 0, gid = (unsigned long)group;
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
	nat_allow_ping_group(getegid());
	return 0;
}
