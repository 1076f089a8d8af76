/* SPDX-License-Identifier: MIT */
/*
 * dhcp_server_fixture.h - what the pieces of the DHCPv4 server's unit tests
 * (test_dhcp_server_*.c) share: client messages composed byte by byte, the
 * replies read back as a guest's DHCP client would, and one server on
 * 10.0.2.0/24 per test (the suite's .init/.fini) whose lease events are
 * logged in evs.
 */
#ifndef NATD_TEST_DHCP_SERVER_FIXTURE_H
#define NATD_TEST_DHCP_SERVER_FIXTURE_H

#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_internal.h"

#include <stddef.h>
#include <stdint.h>

#define SEC 1000ull

/* ---- composing client messages ---- */

struct msg {
	uint8_t b[1024];
	size_t len;
};

extern const uint8_t MAC_A[6];
extern const uint8_t MAC_B[6];
extern const uint8_t MAC_C[6];

uint32_t ip(const char *s);
void msg_init(struct msg *m, uint8_t type, const uint8_t mac[6], uint32_t xid);
void msg_opt(struct msg *m, uint8_t code, const void *d, uint8_t n);
void msg_opt_ip(struct msg *m, uint8_t code, const char *a);
void msg_ciaddr(struct msg *m, const char *a);
void msg_end(struct msg *m);

/* ---- reading replies ---- */

struct reply {
	uint8_t b[DHCP_REPLY_MAX];
	int len;
	struct dhcp_reply_dest dest;
};

/* Concatenates every instance of option code (RFC 3396); -1 when absent. */
int ropt(const struct reply *r, uint8_t code, uint8_t *out, size_t cap);
int ropt_count(const struct reply *r, uint8_t code);
uint32_t ropt_u32(const struct reply *r, uint8_t code);
uint32_t ropt_ip(const struct reply *r, uint8_t code);
int rtype(const struct reply *r);
uint32_t ryiaddr(const struct reply *r);

/* ---- fixture ---- */

extern struct dhcp_server_config cfg;
extern struct dhcp_server *srv;

struct ev_log {
	int n;
	enum dhcp_lease_event_kind ev[16];
	struct dhcp_lease_info li[16];
};
extern struct ev_log evs;

void base_cfg(struct dhcp_server_config *c);
void setup(void);
void teardown(void);
void restart_with(const struct dhcp_server_config *c);
void send_msg(struct msg *m, uint64_t now, struct reply *r);
void discover(const uint8_t mac[6], uint64_t now, struct reply *r);
void request_selecting(const uint8_t mac[6], const char *sid, uint32_t addr,
		       uint64_t now, struct reply *r);
/* DISCOVER + REQUEST(selecting); returns the bound address. */
uint32_t obtain(const uint8_t mac[6], uint64_t now);
struct dhcp_counters counters(void);

#endif
