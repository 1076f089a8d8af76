/* SPDX-License-Identifier: MIT */
/*
 * ndp.h - IPv6 packet checks and Neighbour Discovery messages (RFC 4861),
 * protocol logic only.
 *
 * Pure: no lwIP, no sockets, no clock. ndp_parse_ip6() is the gate every
 * IPv6 packet from a guest passes before lwIP sees it (forwarders/nic6.c): it
 * walks the extension header chain with bounds checks, finds the upper-layer
 * protocol, and validates ICMPv6 and the Neighbour Discovery messages (hop
 * limit 255, code 0, lengths, options) so that malformed ones are dropped and
 * counted here. ndp_build_ra() builds natd's Router Advertisements: prefix
 * information, MTU, RDNSS and DNSSL (RFC 8106) options.
 */
#ifndef NATD_NDP_H
#define NATD_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NDP_PROTO_HOPOPTS   0
#define NDP_PROTO_TCP       6
#define NDP_PROTO_UDP       17
#define NDP_PROTO_ROUTING   43
#define NDP_PROTO_FRAGMENT  44
#define NDP_PROTO_ICMP6     58
#define NDP_PROTO_NONE      59
#define NDP_PROTO_DSTOPTS   60

enum {
	NDP_ICMP6_DEST_UNREACH = 1,
	NDP_ICMP6_PACKET_TOO_BIG = 2,
	NDP_ICMP6_TIME_EXCEEDED = 3,
	NDP_ICMP6_PARAM_PROBLEM = 4,
	NDP_ICMP6_ECHO_REQUEST = 128,
	NDP_ICMP6_ECHO_REPLY = 129,
	NDP_ICMP6_RS = 133,
	NDP_ICMP6_RA = 134,
	NDP_ICMP6_NS = 135,
	NDP_ICMP6_NA = 136,
	NDP_ICMP6_REDIRECT = 137,
};

/* Why a packet was refused (for the counters). */
enum ndp_bad {
	NDP_OK = 0,
	NDP_BAD_IP6,        /* IPv6 header: version, length */
	NDP_BAD_EXTHDR,     /* extension header chain: truncated, options, order */
	NDP_BAD_ICMP6,      /* ICMPv6: truncated, bad checksum */
	NDP_BAD_NDP,        /* Neighbour Discovery: hop limit, code, length, options */
	NDP_BAD_COUNT
};

/* What ndp_parse_ip6() found. Pointers point into the packet. */
struct ndp_ip6_info {
	const uint8_t *src, *dst;  /* 16 bytes each */
	uint8_t hop_limit;
	uint8_t tclass;
	uint8_t proto;             /* upper-layer protocol; NDP_PROTO_FRAGMENT when
				    * this is a fragment other than the first */
	bool fragmented;           /* carries a fragment header */
	size_t total_len;          /* 40 + payload length (<= the buffer) */
	size_t l4_off;             /* offset of the upper-layer header */
	size_t l4_len;             /* its bytes in this packet */
	/* ICMPv6 (proto NDP_PROTO_ICMP6, not fragmented) */
	uint8_t icmp_type, icmp_code;
	/* Neighbour Discovery (icmp_type 133..137) */
	const uint8_t *nd_target;  /* NS, NA, Redirect: the target address */
	const uint8_t *nd_lladdr;  /* source (RS, RA, NS) or target (NA) link-layer
				    * address option, 6 bytes; NULL when absent */
	uint8_t na_flags;          /* NA: R 0x80, S 0x40, O 0x20 */
	enum ndp_bad bad;          /* NDP_OK, or why ndp_parse_ip6() failed */
};

/*
 * Checks one IPv6 packet (from its IPv6 header; len bytes available) and
 * fills *info. Returns 0, or -EBADMSG with info->bad saying why. The ICMPv6
 * checksum is verified for Neighbour Discovery messages (which natd handles
 * itself); lwIP and the NAT proxies check the others.
 */
int ndp_parse_ip6(const uint8_t *pkt, size_t len, struct ndp_ip6_info *info);

/*
 * The checksum of an upper-layer message over IPv6 (ICMPv6, UDP, TCP: RFC
 * 8200 8.1) over msg[0..len) with the pseudo header of src, dst and proto:
 * 0 when msg carries a correct checksum; with the checksum field zeroed, the
 * value to store there (network order when stored big-endian).
 */
uint16_t ndp_checksum6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
		       const uint8_t *msg, size_t len);
/* Stores the checksum of an ICMPv6 message (bytes 2-3) built with them zero. */
void ndp_set_icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], uint8_t *msg,
			    size_t len);

#define NDP_MAX_RDNSS 4

/* A Router Advertisement, as natd sends it. */
struct ndp_ra {
	uint8_t cur_hop_limit;          /* 64 */
	bool other_config;              /* O flag: stateless DHCPv6 available */
	uint16_t router_lifetime;       /* seconds; 0: not a default router */
	uint8_t src_mac[6];             /* source link-layer address option */
	uint32_t mtu;                   /* MTU option; 0 for none */
	uint8_t prefix[16];             /* prefix information: on-link, autonomous */
	uint8_t prefix_len;
	uint32_t valid_lifetime, preferred_lifetime;
	uint8_t rdnss[NDP_MAX_RDNSS][16];
	unsigned n_rdnss;               /* RDNSS option when > 0 */
	const uint8_t *dnssl;           /* DNSSL: domain names in DNS wire format */
	size_t dnssl_len;               /* (uncompressed, each ending in a root label) */
	uint32_t dns_lifetime;          /* of RDNSS and DNSSL */
};

/*
 * Builds the ICMPv6 RA message (from its type byte) into out, checksum
 * zero. Returns its length, -EINVAL for bad parameters or -ENOSPC.
 */
int ndp_build_ra(const struct ndp_ra *ra, uint8_t *out, size_t outlen);

/* Is a (16 bytes) fe80::/10, multicast, unspecified, or ff02::1:ffXX:XXXX? */
bool ndp_addr_is_linklocal(const uint8_t *a);
bool ndp_addr_is_multicast(const uint8_t *a);
bool ndp_addr_is_unspecified(const uint8_t *a);
bool ndp_addr_is_solicited_node(const uint8_t *a);

#endif
