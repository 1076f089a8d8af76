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

#include "dhcp_test_util.h"

#include <stdint.h>

/*
 * Messages and replies are dhcp_test_util.h's (struct tmsg, struct treply,
 * t_ip(), t_msg_opt(), t_ropt(): every reply read must end with an end
 * option). msg_init() sets the transaction id too; msg_end() ends the
 * options, for send_msg() to send what the test built.
 */
extern const uint8_t MAC_A[6];
extern const uint8_t MAC_B[6];
extern const uint8_t MAC_C[6];

void msg_init(struct tmsg *m, uint8_t type, const uint8_t mac[6], uint32_t xid);
void msg_end(struct tmsg *m);
/* Option code as an address (network order). */
uint32_t ropt_ip(const struct treply *r, uint8_t code);

/* ---- fixture ---- */

extern struct dhcp_server_config cfg;
extern struct dhcp_server *srv;

extern struct ev_log evs;

/* t_base_cfg() with MTU 1500, domain example.com, search example.com and
 * corp.example.net. */
void base_cfg(struct dhcp_server_config *c);
void setup(void);
void teardown(void);
void restart_with(const struct dhcp_server_config *c);
void send_msg(struct tmsg *m, uint64_t now, struct treply *r);
void discover(const uint8_t mac[6], uint64_t now, struct treply *r);
void request_selecting(const uint8_t mac[6], const char *sid, uint32_t addr,
		       uint64_t now, struct treply *r);
/* DISCOVER + REQUEST(selecting); returns the bound address. */
uint32_t obtain(const uint8_t mac[6], uint64_t now);
struct dhcp_counters counters(void);

#endif
