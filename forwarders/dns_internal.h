/* SPDX-License-Identifier: MIT */
/*
 * dns_internal.h - what the DNS proxy's files share: dns.c (the relay),
 * dns_ares.c (c-ares on libuv, the nameservers from resolv.conf) and
 * dns_tcp.c (the guest's TCP connections to port 53).
 */
#ifndef NATD_DNS_INTERNAL_H
#define NATD_DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ares.h>
#include <uv.h>

#include "base/closer.h"
#include "forwarders/dns.h"
#include "forwarders/nat_config.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

struct nic;

#define DNS_TCP_MAX_PENDING 32          /* queries in flight per guest connection */
#define DNS_TCP_BUF (2 + 65535)
/* The receive window of a guest connection: bytes are acknowledged to lwIP
 * (tcp_recved()) only once handed on as queries, so what the guest may have
 * sent and the proxy not yet used never outgrows the buffer. A guest that
 * pipelines more is flow-controlled. At most the SYN-ACK's 16-bit window,
 * what the guest was told before the window could be scaled. */
#define DNS_TCP_WND 65535
/* Per adapter, against a guest that floods the proxy (each query is held,
 * and copied by c-ares, until an upstream answers or c-ares gives up after
 * its retries, seconds later): queries in flight and their bytes; beyond
 * either a query is answered SERVFAIL at once (counted as refused_busy). */
#define DNS_MAX_INFLIGHT 512
#define DNS_MAX_INFLIGHT_BYTES (2u << 20)
/* On a NAT network one adapter serves every VM: each VM (switch port) may
 * hold at most a quarter of the adapter's queries in flight and of its TCP
 * connections, so one flooding VM leaves the others served. Ports with
 * queries in flight at once: at most DNS_MAX_GUESTS (more: refused). */
#define DNS_GUEST_SHARE 4
#define DNS_MAX_GUESTS 64
/* Guest TCP connections at once per adapter (each holds a DNS_TCP_BUF);
 * more are reset. One with no query in flight and nothing received for
 * DNS_TCP_IDLE_S seconds is closed (RFC 7766 6.2.3: servers time out
 * idle connections). */
#define DNS_TCP_MAX_CONNS 64
#define DNS_TCP_IDLE_S 30

struct dns_nic;
struct dns_guest;

/* One guest TCP connection to port 53: its bytes until a whole
 * length-prefixed query is in, and the queries it has in flight. Freed
 * when the guest side is gone and no query refers to it any more. */
struct dns_tcp_conn {
	struct tcp_pcb *pcb;
	struct nic *nic;
	struct dns_nic *dn;     /* its adapter's (counts its connections) */
	struct dns_guest *g;    /* its VM's entry on a NAT network, else NULL */
	unsigned idle_ticks;    /* lwIP polls (2 s) without a query in flight */
	uint8_t buf[DNS_TCP_BUF];
	size_t have;
	size_t consumed;        /* bytes handed on as queries, not yet given back to
				 * lwIP's receive window (dns_tcp_drain() adds them) */
	unsigned pending;       /* queries in flight */
	bool dead;              /* the guest side is gone */
	bool guest_fin;         /* the guest half-closed: close after the last answer */
	bool draining;          /* in dns_tcp_drain() */
};

/* The DNS addresses of one NAT adapter: its UDP sockets and TCP listeners. */
struct dns_nic {
	struct nic *nic;
	struct udp_pcb *udp, *udp6;
	struct tcp_pcb *listen, *listen6;
	unsigned inflight;           /* queries in flight (UDP and TCP) */
	size_t inflight_bytes;       /* and their lengths */
	unsigned tcp_conns;          /* guest TCP connections not freed yet */
	struct dns_guest {           /* per switch port; free when both are 0 */
		uint32_t port;
		unsigned inflight, tcp_conns;
	} guests[DNS_MAX_GUESTS];
};

struct dns_chan;

struct dns_watch {
	struct dns_watch *next;
	struct dns_chan *ch;
	ares_socket_t fd;
	uv_poll_t poll;
	bool closing;
};

struct dns_chan {
	ares_channel channel;
	uv_timer_t timer;
	struct dns_watch *watches;
	bool tcp;
};

/* The proxy's state: one per process (dns_init() fills it). */
struct dns_proxy {
	uv_loop_t *loop;
	struct dns_chan udp, tcp, host;
	uv_fs_poll_t watch;
	bool watching;
	struct dns_nic nics[NAT_MAX_ADAPTERS];
	char servers[1024];          /* as given to c-ares, for the log */
	unsigned n_servers;
	struct dns_counters ctr;
	struct closer closer;        /* handles still closing */
	bool shutting_down;
};

extern struct dns_proxy dns_proxy;

/* dns_ares.c: sets ch's timer to c-ares's next timeout (none while the proxy
 * shuts down). */
void dns_rearm(struct dns_chan *ch);

/* dns_ares.c: c-ares's sock_state callback (data: the struct dns_chan): a
 * uv_poll handle per socket c-ares wants watched. */
void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable);

/* dns_ares.c: loads the nameservers of NATD_RESOLV_CONF into the channels. */
void dns_load_servers(void);

/* dns_ares.c: uv_fs_poll callback on NATD_RESOLV_CONF: reloads the
 * nameservers, and the lists DHCP and the RAs hand out. */
void dns_watch_cb(uv_fs_poll_t *h, int status, const uv_stat_t *prev, const uv_stat_t *curr);

/* dns.c: relays one query of the guest's (len bytes at q, copied); conn is
 * its TCP connection, or NULL for UDP with guest and port to answer to. */
void dns_query(struct nic *nic, struct dns_tcp_conn *conn, const ip_addr_t *guest,
	       u16_t port, const uint8_t *q, size_t len);

/* dns.c: the entry of the VM on switch port `port` of dn (make: a free one
 * for it), or NULL: not a switch port (0, NIC_PORT_NONE: one VM, no shares),
 * or all DNS_MAX_GUESTS taken (*full set). */
struct dns_guest *dns_guest_of(struct dns_nic *dn, uint32_t port, bool make, bool *full);

/* dns.c: the proxy's counters, to count in. */
struct dns_counters *dns_counters_live(void);

/* dns_tcp.c: lwIP's accept callback of the TCP listeners (arg: the
 * struct dns_nic). */
err_t dns_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err);

/* dns_tcp.c: sends an answer on c, length-prefixed; dropped when the guest
 * side is gone or its send buffer is full. */
void dns_tcp_send(struct dns_tcp_conn *c, const uint8_t *a, size_t alen);

/* dns_tcp.c: the next whole message of a DNS-over-TCP stream (RFC 1035
 * 4.2.2: a two-byte length, then the message) in buf[0..have): 1 with its
 * length in *len when all of it is in (the message at buf + 2), 0 when more
 * bytes are needed. */
int dns_tcp_next(const uint8_t *buf, size_t have, size_t *len);

/* dns_tcp.c: hands each whole query in c->buf to ask() in order while c has
 * fewer than DNS_TCP_MAX_PENDING in flight, then moves the rest (a partial
 * query, or queries waiting for answers) to the front and adds the bytes
 * handed on to c->consumed. Stops at once, leaving c->buf as it is, when
 * ask() left c dead. Returns the queries asked. */
typedef void (*dns_tcp_ask_fn)(struct dns_tcp_conn *c, const uint8_t *q, size_t len);
unsigned dns_tcp_drain(struct dns_tcp_conn *c, dns_tcp_ask_fn ask);

/* dns_tcp.c: a query of c is done (its pending count lowered): frees c when
 * it is dead and no query refers to it any more, else hands on the queries
 * that waited for room in flight. */
void dns_tcp_release(struct dns_tcp_conn *c);

#endif
