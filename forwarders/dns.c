/* SPDX-License-Identifier: MIT */
/*
 * dns.c - the DNS proxy on each NAT adapter's DNS addresses (10.0.x.3 and
 * <IPv6 prefix>::3), UDP and TCP port 53, relaying the guest's queries to the
 * host's nameservers with c-ares (on natd's loop: forwarders/dns_ares.c).
 *
 * Theory of operation
 *
 * The guest's query bytes go upstream unchanged (every record type, EDNS)
 * with ares_send(); c-ares picks the server, rotates on failure, times out
 * and retries. Its answer goes back with the guest's own query id. Two
 * c-ares channels:
 *   udp: queries the guest sent over UDP; ARES_FLAG_IGNTC, so a truncated
 *        answer is relayed as it is and the guest retries over TCP;
 *   tcp: queries the guest sent over TCP (ARES_FLAG_USEVC), answered over
 *        the same guest connection, length-prefixed, in completion order.
 * c-ares runs on natd's libuv loop: its sockets are watched by uv_poll
 * handles it asks for through the sock_state callback, and one uv_timer
 * follows ares_timeout(). Nothing blocks: a slow upstream delays only its
 * own queries.
 *
 * The nameservers are read with natd's resolv.conf parser from
 * NATD_RESOLV_CONF (default /etc/resolv.conf) and watched with uv_fs_poll:
 * an edit (a VPN coming up, NetworkManager) takes effect within a second
 * without restarting natd, for the proxy and for the lists DHCP and the RAs
 * hand out (nic_resolvconf_changed()). Loopback resolvers (127.0.0.53) are
 * fine for the proxy: natd runs on the host.
 *
 * The upstream's answer goes to the guest as it is, whatever its RCODE
 * (NXDOMAIN, REFUSED, NOTIMP, SERVFAIL...): the relay channels have
 * ARES_FLAG_NOCHECKRESP, without which c-ares swallows SERVFAIL, NOTIMP and
 * REFUSED answers and reports "Could not contact DNS servers". Like a stub
 * resolver, natd then asks the other nameservers first (one more query per
 * other server, c-ares rotating between them) and relays the last of those
 * answers when none does better (dns_ares_cb).
 *
 * A query that fails dns_query_check() gets FORMERR (or is dropped when not
 * even a header); when no server answered at all, the guest gets SERVFAIL.
 *
 * Host resolver mode (--natdnshostresolver<x> on): A and AAAA questions of
 * class IN are answered from the host's own resolver instead, through a third
 * channel that looks in /etc/hosts first and then asks the same nameservers
 * (c-ares ares_getaddrinfo(), lookups "fb"); natd builds the reply (TTL from
 * the resolver, at most 32 addresses). Every other question (MX, TXT, PTR,
 * SRV...) is relayed as in proxy mode.
 */
#include "forwarders/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forwarders/dns_internal.h"
#include "forwarders/dns_msg.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "base/closer.h"
#include "base/log.h"
#include "base/resolvconf.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define DNS_PORT 53

struct dns_query {
	struct nic *nic;
	struct dns_nic *dn;          /* its adapter's: counts it in flight */
	struct dns_guest *g;         /* and its VM's on a NAT network, or NULL */
	uint16_t qtype;              /* host resolver mode: A or AAAA */
	uint16_t qend;               /* and where the question ends */
	struct dns_tcp_conn *conn;   /* TCP; NULL for UDP */
	ip_addr_t guest;             /* UDP: where to answer */
	u16_t guest_port;
	uint16_t len;
	uint8_t resends;             /* asked again after a failure RCODE */
	uint8_t *failed;             /* the last such answer (malloc), or NULL */
	size_t failed_len;
	uint8_t q[];                 /* the guest's query (for its id and errors) */
};

struct dns_proxy dns_proxy;

static struct log_ratelimit rl_dns = LOG_RATELIMIT_INIT;

void dns_get_counters(struct dns_counters *c)
{
	*c = dns_proxy.ctr;
	c->inflight = 0;
	for (unsigned i = 0; i < NAT_MAX_ADAPTERS; i++)
		c->inflight += dns_proxy.nics[i].inflight;
}

struct dns_counters *dns_counters_live(void)
{
	return &dns_proxy.ctr;
}

/* An IPv6 address of natd's (global scope: no zone) as lwIP's. */
static void dns_addr6(ip_addr_t *a, const struct in6_addr *in6)
{
	memset(a, 0, sizeof(*a));
	memcpy(ip_2_ip6(a)->addr, in6->s6_addr, 16);
	IP_SET_TYPE_VAL(*a, IPADDR_TYPE_V6);
}

/* Answers the guest at guest:port over UDP. */
static void dns_send_udp(struct nic *nic, const ip_addr_t *guest, u16_t port, const uint8_t *a,
			 size_t alen)
{
	struct dns_nic *dn = &dns_proxy.nics[nic_adapter(nic) - 1];
	struct pbuf *p;
	ip_addr_t src;
	struct udp_pcb *pcb = IP_IS_V6(guest) ? dn->udp6 : dn->udp;

	if (!pcb || alen > 0xffff - 48)
		return;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)alen, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, a, (u16_t)alen);
	/* _if_src: the DNS address is not the netif's own (the gateway is), so
	 * plain udp_sendto() would refuse it as a stale source (ERR_RTE). */
	if (IP_IS_V6(guest)) {
		dns_addr6(&src, &nic_config(nic)->dns6);
	} else {
		ip_addr_set_ip4_u32_val(src, nic_config(nic)->dns.s_addr);
	}
	udp_sendto_if_src(pcb, p, guest, port, nic_netif(nic), &src);
	pbuf_free(p);
	stack_kick();
}

static void dns_answer(struct dns_query *dq, const uint8_t *a, size_t alen)
{
	if (dq->conn)
		dns_tcp_send(dq->conn, a, alen);
	else
		dns_send_udp(dq->nic, &dq->guest, dq->guest_port, a, alen);
}

static void dns_reply_error(struct dns_query *dq, unsigned rcode)
{
	uint8_t out[512];
	size_t n = dns_error_answer(dq->q, dq->len, rcode, out, sizeof(out));

	dns_answer(dq, out, n);
}

struct dns_guest *dns_guest_of(struct dns_nic *dn, uint32_t port, bool make, bool *full)
{
	struct dns_guest *free_g = NULL;

	*full = false;
	if (port == 0 || port == NIC_PORT_NONE)
		return NULL;
	for (unsigned i = 0; i < DNS_MAX_GUESTS; i++) {
		struct dns_guest *g = &dn->guests[i];

		if (g->inflight || g->tcp_conns) {
			if (g->port == port)
				return g;
		} else if (!free_g) {
			free_g = g;
		}
	}
	if (!make)
		return NULL;
	if (!free_g) {
		*full = true;
		return NULL;
	}
	free_g->port = port;
	return free_g;
}

static void dns_query_done(struct dns_query *dq)
{
	if (dq->g)
		dq->g->inflight--;
	dq->dn->inflight--;
	dq->dn->inflight_bytes -= dq->len;
	if (dq->conn) {
		dq->conn->pending--;
		dns_tcp_release(dq->conn);
	}
	free(dq->failed);
	free(dq);
}

/* The RCODEs another nameserver may answer better (what c-ares and stub
 * resolvers move on after). */
static bool dns_rcode_failed(const unsigned char *abuf)
{
	unsigned rcode = abuf[3] & 0x0f;

	return rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_NOTIMP ||
	       rcode == DNS_RCODE_REFUSED;
}

/* Relays an upstream answer, with the guest's query id. */
static void dns_relay(struct dns_query *dq, unsigned char *abuf, size_t alen)
{
	abuf[0] = dq->q[0];
	abuf[1] = dq->q[1];
	dns_answer(dq, abuf, alen);
	dns_proxy.ctr.answered++;
	if (dns_rcode_failed(abuf))
		dns_proxy.ctr.relayed_errors++;
}

static void dns_ares_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_query *dq = arg;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || dns_proxy.shutting_down) {
		dns_query_done(dq);
		return;
	}
	if (status == ARES_SUCCESS && abuf && alen >= DNS_HDR_LEN) {
		if (dns_rcode_failed(abuf) && dq->resends + 1u < dns_proxy.n_servers) {
			/* Keep this answer and ask the next server. */
			uint8_t *keep = realloc(dq->failed, (size_t)alen);

			if (keep) {
				memcpy(keep, abuf, (size_t)alen);
				dq->failed = keep;
				dq->failed_len = (size_t)alen;
				dq->resends++;
				ares_send(dq->conn ? dns_proxy.tcp.channel : dns_proxy.udp.channel, dq->q,
					  (int)dq->len, dns_ares_cb, dq);
				return; /* our poll or timer callback rearms the channel */
			}
		}
		dns_relay(dq, abuf, (size_t)alen);
	} else if (dq->failed) {
		/* The next server did not answer: the last answer there was. */
		dns_relay(dq, dq->failed, dq->failed_len);
	} else {
		log_ratelimited(&rl_dns, LOG_LVL_WARN, "dns: no answer from %s: %s",
				dns_proxy.servers[0] ? dns_proxy.servers : "(no nameservers)",
				ares_strerror(status));
		dns_reply_error(dq, DNS_RCODE_SERVFAIL);
		dns_proxy.ctr.servfail++;
	}
	dns_query_done(dq);
}

/* Host resolver mode: the addresses of the question's name. */
static void dns_gai_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_query *dq = arg;
	uint8_t addrs[32][16], out[1024];
	unsigned n = 0, rcode = 0;
	uint32_t ttl = 0;
	/* as many records as fit out after the question (a long name leaves
	 * room for fewer than 32 AAAA: the answer then has fewer, not none) */
	size_t len, fit = (sizeof(out) - dq->qend) / (12u + (dq->qtype == DNS_TYPE_A ? 4 : 16));

	(void)timeouts;
	if (status == ARES_EDESTRUCTION || dns_proxy.shutting_down) {
		if (res)
			ares_freeaddrinfo(res);
		dns_query_done(dq);
		return;
	}
	if (status == ARES_SUCCESS && res) {
		for (struct ares_addrinfo_node *a = res->nodes; a && n < 32 && n < fit;
		     a = a->ai_next) {
			if (dq->qtype == DNS_TYPE_A && a->ai_family == AF_INET)
				memcpy(addrs[n], &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
			else if (dq->qtype == DNS_TYPE_AAAA && a->ai_family == AF_INET6)
				memcpy(addrs[n], &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
			else
				continue;
			if (n == 0 || (uint32_t)a->ai_ttl < ttl)
				ttl = a->ai_ttl > 0 ? (uint32_t)a->ai_ttl : 0;
			n++;
		}
	} else if (status == ARES_ENOTFOUND) {
		rcode = DNS_RCODE_NXDOMAIN;
	} else if (status != ARES_ENODATA) {
		rcode = DNS_RCODE_SERVFAIL;
	}
	if (res)
		ares_freeaddrinfo(res);
	len = dns_address_answer(dq->q, dq->qend, dq->qtype, rcode,
				 (const uint8_t (*)[16])addrs, n, ttl ? ttl : 60, out, sizeof(out));
	if (len) {
		dns_answer(dq, out, len);
		dns_proxy.ctr.answered++;
	}
	dns_query_done(dq);
}

/* A guest query: check it, then relay it or answer FORMERR. */
void dns_query(struct nic *nic, struct dns_tcp_conn *conn, const ip_addr_t *guest,
		      u16_t port, const uint8_t *q, size_t len)
{
	struct dns_chan *ch = conn ? &dns_proxy.tcp : &dns_proxy.udp;
	struct dns_nic *dn = &dns_proxy.nics[nic_adapter(nic) - 1];
	struct dns_guest *g;
	struct dns_query *dq;
	bool full = false;
	int rc;

	dns_proxy.ctr.queries++;
	rc = dns_query_check(q, len);
	if (rc == -EINVAL || len > 0xffff) {
		dns_proxy.ctr.malformed++;
		return;
	}
	if (conn) {
		g = conn->g;
	} else {
		g = dns_guest_of(dn, nic_rx_port(nic), true, &full);
	}
	if (dn->inflight >= DNS_MAX_INFLIGHT || len > DNS_MAX_INFLIGHT_BYTES - dn->inflight_bytes ||
	    full || (g && g->inflight >= DNS_MAX_INFLIGHT / DNS_GUEST_SHARE)) {
		/* A guest flooding the proxy: answered at once, nothing kept. */
		uint8_t out[512];
		size_t n = dns_error_answer(q, len, DNS_RCODE_SERVFAIL, out, sizeof(out));

		dns_proxy.ctr.refused_busy++;
		if (g || full) {
			char who[160];

			log_ratelimited(&rl_dns, LOG_LVL_WARN, "dns: nic%u: %s is at its share of "
					"queries in flight (%u): a query answered SERVFAIL",
					nic_adapter(nic),
					nic_guest_name(nic, g ? g->port : nic_rx_port(nic), who,
						       sizeof(who)),
					g ? g->inflight : 0);
		} else
			log_ratelimited(&rl_dns, LOG_LVL_WARN, "dns: nic%u: %u queries (%zu bytes) in "
					"flight: a query answered SERVFAIL", nic_adapter(nic),
					dn->inflight, dn->inflight_bytes);
		if (conn)
			dns_tcp_send(conn, out, n);
		else if (guest)
			dns_send_udp(nic, guest, port, out, n);
		return;
	}
	dq = malloc(sizeof(*dq) + len);
	if (!dq)
		return;
	dq->nic = nic;
	dq->dn = dn;
	dq->g = g;
	if (g)
		g->inflight++;
	dn->inflight++;
	dn->inflight_bytes += len;
	dq->conn = conn;
	if (guest)
		ip_addr_copy(dq->guest, *guest);
	dq->guest_port = port;
	dq->len = (uint16_t)len;
	dq->resends = 0;
	dq->failed = NULL;
	dq->failed_len = 0;
	memcpy(dq->q, q, len);
	if (conn)
		conn->pending++;
	if (rc < 0) {
		dns_proxy.ctr.malformed++;
		dns_reply_error(dq, DNS_RCODE_FORMERR);
		dns_query_done(dq);
		return;
	}
	if (nic_config(nic)->dns_host_resolver) {
		char name[256];
		uint16_t qtype, qclass;
		size_t qend;

		if (dns_first_question(q, len, name, sizeof(name), &qtype, &qclass, &qend) == 0 &&
		    qclass == DNS_CLASS_IN && (qtype == DNS_TYPE_A || qtype == DNS_TYPE_AAAA)) {
			struct ares_addrinfo_hints hints = {
				.ai_family = qtype == DNS_TYPE_A ? AF_INET : AF_INET6,
			};

			dq->qtype = qtype;
			dq->qend = (uint16_t)qend;
			dns_proxy.ctr.host_resolver++;
			ares_getaddrinfo(dns_proxy.host.channel, name, NULL, &hints, dns_gai_cb, dq);
			dns_rearm(&dns_proxy.host);
			return;
		}
	}
	ares_send(ch->channel, q, (int)len, dns_ares_cb, dq);
	dns_rearm(ch);
}

static void dns_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			 u16_t port)
{
	static uint8_t buf[65535];
	struct dns_nic *dn = arg;
	u16_t len;

	(void)pcb;
	len = pbuf_copy_partial(p, buf, sizeof(buf), 0);
	pbuf_free(p);
	dns_query(dn->nic, NULL, addr, port, buf, len);
}

/* kind: 'u' relay over UDP, 't' relay over TCP, 'h' host resolver. */
static int dns_chan_init(struct dns_chan *ch, char kind, char *err, size_t errlen)
{
	struct ares_options o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.flags = kind == 't' ? ARES_FLAG_USEVC : kind == 'u' ? ARES_FLAG_IGNTC : 0;
	if (kind != 'h')
		o.flags |= ARES_FLAG_NOCHECKRESP; /* every answer reaches dns_ares_cb */
	o.timeout = 2000;
	o.tries = 3;
	o.sock_state_cb = dns_sock_state;
	o.sock_state_cb_data = ch;
	/* Names come from the guest as they are: no search list, no ndots. */
	o.ndots = 1;
	o.domains = NULL;
	o.ndomains = 0;
	/* The host resolver looks in /etc/hosts first; the relays only ask DNS
	 * (the nameservers come from NATD_RESOLV_CONF, read by natd). */
	o.lookups = (char *)(kind == 'h' ? "fb" : "b");
	rc = ares_init_options(&ch->channel, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
			       ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS |
			       ARES_OPT_ROTATE | ARES_OPT_NDOTS | ARES_OPT_DOMAINS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "dns: c-ares: %s", ares_strerror(rc));
		return -ENOMEM;
	}
	ch->tcp = kind == 't';
	uv_timer_init(dns_proxy.loop, &ch->timer);
	ch->timer.data = ch;
	return 0;
}

int dns_init(uv_loop_t *loop, char *err, size_t errlen)
{
	int rc;

	memset(&dns_proxy, 0, sizeof(dns_proxy));
	dns_proxy.loop = loop;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "dns: c-ares: %s", ares_strerror(rc));
		return -EIO;
	}
	rc = dns_chan_init(&dns_proxy.udp, 'u', err, errlen);
	if (rc == 0)
		rc = dns_chan_init(&dns_proxy.tcp, 't', err, errlen);
	if (rc == 0)
		rc = dns_chan_init(&dns_proxy.host, 'h', err, errlen);
	if (rc < 0)
		return rc;
	dns_load_servers();
	uv_fs_poll_init(loop, &dns_proxy.watch);
	if (uv_fs_poll_start(&dns_proxy.watch, dns_watch_cb, resolvconf_path(), 1000) == 0)
		dns_proxy.watching = true;
	return 0;
}

/* UDP and TCP port 53 on address a of nic. */
static int dns_listen(struct dns_nic *dn, const ip_addr_t *a, struct udp_pcb **udpp,
		      struct tcp_pcb **listenp, char *err, size_t errlen)
{
	struct nic *nic = dn->nic;
	struct tcp_pcb *pcb;

	*udpp = udp_new_ip_type(IP_GET_TYPE(a));
	pcb = tcp_new_ip_type(IP_GET_TYPE(a));
	if (!*udpp || !pcb) {
		if (pcb)
			tcp_abort(pcb);
		snprintf(err, errlen, "dns: out of memory");
		return -ENOMEM;
	}
	udp_bind_netif(*udpp, nic_netif(nic));
	tcp_bind_netif(pcb, nic_netif(nic));
	if (udp_bind(*udpp, a, DNS_PORT) != ERR_OK || tcp_bind(pcb, a, DNS_PORT) != ERR_OK) {
		tcp_abort(pcb);
		snprintf(err, errlen, "dns: cannot bind port 53 on the DNS address");
		return -EADDRINUSE;
	}
	udp_recv(*udpp, dns_udp_recv, dn);
	*listenp = tcp_listen(pcb);
	if (!*listenp) {
		snprintf(err, errlen, "dns: cannot listen on TCP port 53");
		return -ENOMEM;
	}
	tcp_arg(*listenp, dn);
	tcp_accept(*listenp, dns_tcp_accept);
	return 0;
}

int dns_nic_start(struct nic *nic, char *err, size_t errlen)
{
	const struct nat_config *cfg = nic_config(nic);
	struct dns_nic *dn = &dns_proxy.nics[nic_adapter(nic) - 1];
	ip_addr_t a;
	int rc;

	dn->nic = nic;
	ip_addr_set_ip4_u32_val(a, cfg->dns.s_addr);
	rc = dns_listen(dn, &a, &dn->udp, &dn->listen, err, errlen);
	if (rc < 0 || !cfg->ipv6)
		return rc;
	/* <prefix>::3, an address of the netif (forwarders/nic6.c) */
	dns_addr6(&a, &cfg->dns6);
	return dns_listen(dn, &a, &dn->udp6, &dn->listen6, err, errlen);
}

static void dns_handle_closed(uv_handle_t *h)
{
	(void)h;
	closer_release(&dns_proxy.closer);
}

void dns_shutdown(void (*closed)(void *opaque), void *opaque)
{
	dns_proxy.shutting_down = true;
	closer_arm(&dns_proxy.closer, closed, opaque);
	for (unsigned i = 0; i < NAT_MAX_ADAPTERS; i++) {
		struct dns_nic *dn = &dns_proxy.nics[i];

		if (dn->udp)
			udp_remove(dn->udp);
		if (dn->listen)
			tcp_close(dn->listen);
		if (dn->udp6)
			udp_remove(dn->udp6);
		if (dn->listen6)
			tcp_close(dn->listen6);
		dn->udp = dn->udp6 = NULL;
		dn->listen = dn->listen6 = NULL;
	}
	if (dns_proxy.udp.channel) {
		/* Cancels queries (ARES_EDESTRUCTION) and closes c-ares's sockets,
		 * which removes their watches through dns_sock_state(). */
		ares_destroy(dns_proxy.udp.channel);
		ares_destroy(dns_proxy.tcp.channel);
		ares_destroy(dns_proxy.host.channel);
		dns_proxy.udp.channel = dns_proxy.tcp.channel = dns_proxy.host.channel = NULL;
		closer_hold(&dns_proxy.closer);
		closer_hold(&dns_proxy.closer);
		closer_hold(&dns_proxy.closer);
		uv_close((uv_handle_t *)&dns_proxy.udp.timer, dns_handle_closed);
		uv_close((uv_handle_t *)&dns_proxy.tcp.timer, dns_handle_closed);
		uv_close((uv_handle_t *)&dns_proxy.host.timer, dns_handle_closed);
		ares_library_cleanup();
	}
	if (dns_proxy.watching) {
		closer_hold(&dns_proxy.closer);
		uv_close((uv_handle_t *)&dns_proxy.watch, dns_handle_closed);
		dns_proxy.watching = false;
	}
	closer_release(&dns_proxy.closer);
}
