/* SPDX-License-Identifier: MIT */
/*
 * dns.h - the DNS proxy on each NAT adapter's DNS addresses (10.0.x.3 and
 * the IPv6 prefix's ::3), relaying to the host's nameservers with c-ares
 * (dns.c).
 */
#ifndef NATD_DNS_H
#define NATD_DNS_H

#include <stdint.h>
#include <uv.h>

struct nic;

struct dns_counters {
	uint64_t queries, answered, servfail, malformed;
	uint64_t relayed_errors;      /* upstream SERVFAIL, NOTIMP or REFUSED
					 answers relayed (servfail: natd's own) */
	uint64_t tcp_connections, reloads;
	uint64_t host_resolver;       /* questions answered from the host resolver */
	uint64_t refused_busy;        /* queries answered SERVFAIL at once: their
					 adapter at DNS_MAX_INFLIGHT(_BYTES) */
	uint64_t tcp_refused;         /* TCP connections reset: DNS_TCP_MAX_CONNS */
	uint64_t tcp_idle_closed;     /* TCP connections closed after DNS_TCP_IDLE_S */
	uint64_t inflight;            /* now: queries in flight, all adapters */
};

/* Starts c-ares on loop and reads NATD_RESOLV_CONF. */
int dns_init(uv_loop_t *loop, char *err, size_t errlen);
/* Serves UDP and TCP port 53 on nic's DNS addresses (IPv4 and IPv6). */
int dns_nic_start(struct nic *nic, char *err, size_t errlen);
/* Cancels queries, closes sockets and handles; then closed(opaque). */
void dns_shutdown(void (*closed)(void *opaque), void *opaque);
void dns_get_counters(struct dns_counters *c);

#endif
