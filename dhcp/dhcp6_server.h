/* SPDX-License-Identifier: MIT */
/*
 * dhcp6_server.h - natd's stateless DHCPv6 server (RFC 8415 6.1), protocol
 * logic only.
 *
 * Guests get their addresses by SLAAC from natd's router advertisements,
 * which set the O flag; a guest that wants more (or ignores RDNSS) sends an
 * Information-request and gets a Reply with the DNS servers (option 23,
 * RFC 3646), the domain search list (option 24) and an information refresh
 * time (option 32). No addresses are leased: Solicit, Request and the rest
 * are ignored, as a stateless server does.
 *
 * Pure: bytes of the UDP payload a client sent to port 547 in, reply bytes
 * out. The glue (forwarders/nic6.c) does the UDP/IPv6 part.
 */
#ifndef NATD_DHCP6_SERVER_H
#define NATD_DHCP6_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define DHCP6_SERVER_PORT 547
#define DHCP6_CLIENT_PORT 546
#define DHCP6_MAX_DNS     4
#define DHCP6_DUID_MAX    130
#define DHCP6_DOMAINS_MAX 1024
/* Largest reply the server builds: fits the IPv6 minimum MTU. */
#define DHCP6_REPLY_MAX   1232

enum dhcp6_msg {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_REPLY = 7,
	DHCP6_INFORMATION_REQUEST = 11,
	DHCP6_RELAY_FORW = 12,
};

enum dhcp6_opt {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IA_TA = 4,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_DNS_SERVERS = 23,
	DHCP6_OPT_DOMAIN_LIST = 24,
	DHCP6_OPT_IA_PD = 25,
	DHCP6_OPT_INFO_REFRESH_TIME = 32,
};

struct dhcp6_server_config {
	uint8_t duid[DHCP6_DUID_MAX];    /* server identifier (dhcp6_duid_ll) */
	size_t duid_len;
	uint8_t dns[DHCP6_MAX_DNS][16];
	unsigned n_dns;                  /* option 23 when > 0 */
	uint8_t domains[DHCP6_DOMAINS_MAX];
	size_t domains_len;              /* option 24 (wire format) when > 0 */
	uint32_t info_refresh;           /* option 32 in seconds; 0: not sent */
};

/* The DUID-LL (RFC 8415 11.4) of an Ethernet address into out (10 bytes). */
size_t dhcp6_duid_ll(const uint8_t mac[6], uint8_t out[10]);

/*
 * Encodes domain names ("example.com") back to back in DNS wire format
 * without compression (RFC 8415 10), as options 24 and the RA's DNSSL carry
 * them. Names that are not valid domain names are skipped. Returns the
 * length, or -ENOSPC when they do not fit cap.
 */
int dhcp6_domain_list_encode(const char *const *names, unsigned n, uint8_t *out, size_t cap);

/*
 * Handles one message a client sent to port 547. Returns the reply's length
 * (> 0) with the reply in out, 0 when the message calls for no reply
 * (another server's, a stateful request), or -EBADMSG when it is malformed.
 * Never reads outside in[0..len).
 */
int dhcp6_server_input(const struct dhcp6_server_config *c, const uint8_t *in, size_t len,
		       uint8_t *out, size_t outlen);

#endif
