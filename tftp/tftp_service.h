/* SPDX-License-Identifier: MIT */
/*
 * tftp_service.h - the TFTP server of one NAT adapter on lwIP and libuv
 * (tftp_service.c): UDP port 69 on the adapter's TFTP address (10.0.x.4),
 * one UDP pcb and one timer per transfer, the protocol in tftp_server.c.
 * Also decides which boot file DHCP offers (PXE).
 */
#ifndef NATD_TFTP_SERVICE_H
#define NATD_TFTP_SERVICE_H

#include <netinet/in.h>
#include <stdint.h>
#include <uv.h>

#include "tftp/tftp_server.h"

#define TFTP_SERVICE_MAX_TRANSFERS 64   /* at once, per adapter */

struct netif;
struct tftp_service;

struct tftp_service_config {
	const char *root;        /* the directory served (need not exist yet) */
	struct in_addr addr;     /* where to listen (network order) */
	unsigned mtu;            /* of the adapter: caps blksize at mtu - 32 */
	unsigned adapter;        /* 1..8, for log lines */
};

struct tftp_service_counters {
	uint64_t requests;       /* read and write requests received */
	uint64_t active;         /* transfers running now */
	uint64_t done, failed;   /* transfers finished / given up or aborted */
	uint64_t refused;        /* requests answered with an ERROR */
	uint64_t bytes;          /* file data acknowledged by clients */
	uint64_t retransmits;    /* DATA blocks sent again */
};

/*
 * Listens on cfg->addr port 69 of netif. Returns 0 and *out, or a negative
 * errno with a one-line reason in err. cfg->root is copied.
 */
int tftp_service_start(uv_loop_t *loop, struct netif *netif,
		       const struct tftp_service_config *cfg, struct tftp_service **out,
		       char *err, size_t errlen);

/* Ends every transfer and stops listening at once; the memory goes when the
 * last timer handle has closed. */
void tftp_service_stop(struct tftp_service *s);

void tftp_service_get_counters(const struct tftp_service *s, struct tftp_service_counters *c);


#endif
