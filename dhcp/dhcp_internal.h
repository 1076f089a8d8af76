/* SPDX-License-Identifier: MIT */
/*
 * dhcp_internal.h - wire constants and helpers shared by dhcp_server.c and
 * its tests: BOOTP layout (RFC 951/2131), option codes (RFC 2132) and the
 * RFC 1035 name encoder used for option 119 (RFC 3397).
 */
#ifndef NATD_DHCP_INTERNAL_H
#define NATD_DHCP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* BOOTP fixed header, then the 4-byte magic cookie, then options. */
#define BOOTP_OFF_OP      0
#define BOOTP_OFF_HTYPE   1
#define BOOTP_OFF_HLEN    2
#define BOOTP_OFF_HOPS    3
#define BOOTP_OFF_XID     4
#define BOOTP_OFF_SECS    8
#define BOOTP_OFF_FLAGS   10
#define BOOTP_OFF_CIADDR  12
#define BOOTP_OFF_YIADDR  16
#define BOOTP_OFF_SIADDR  20
#define BOOTP_OFF_GIADDR  24
#define BOOTP_OFF_CHADDR  28
#define BOOTP_OFF_SNAME   44
#define BOOTP_OFF_FILE    108
#define BOOTP_OFF_COOKIE  236
#define BOOTP_OFF_OPTIONS 240
#define BOOTP_MIN_LEN     300 /* RFC 951 size; replies are padded to it */

#define BOOTREQUEST 1
#define BOOTREPLY   2
#define BOOTP_FLAG_BROADCAST 0x8000

#define DHCP_COOKIE0 99
#define DHCP_COOKIE1 130
#define DHCP_COOKIE2 83
#define DHCP_COOKIE3 99

enum { /* option codes (untagged: struct dhcp_opt is the API's) */
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTER = 3,
	DHO_DNS = 6,
	DHO_HOSTNAME = 12,
	DHO_DOMAIN_NAME = 15,
	DHO_MTU = 26,
	DHO_BROADCAST = 28,
	DHO_VENDOR_OPTS = 43,      /* PXE: encapsulated vendor options */
	DHO_REQUESTED_ADDR = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_REQ = 55,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_VENDOR_CLASS = 60,     /* "PXEClient:Arch:00000:UNDI:002001" */
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_CLIENT_ARCH = 93,      /* RFC 4578 client system architecture */
	DHO_CLIENT_UUID = 97,      /* RFC 4578 client machine identifier */
	DHO_DOMAIN_SEARCH = 119,
	DHO_END = 255,
};

/* PXE 2.1 vendor option (inside option 43): discovery control, and its bit
 * "download the boot file named in the offer, no boot server discovery". */
#define PXE_DISCOVERY_CONTROL 6
#define PXE_DISCOVERY_BOOTFILE_ONLY 0x08
#define PXE_VENDOR_CLASS "PXEClient"

enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/*
 * Encodes a dotted domain name ("example.com" or "example.com.") as RFC 1035
 * labels into buf. Returns the encoded length, or -EINVAL for an empty name,
 * an empty or >63-byte label or an encoding longer than 255 bytes, or
 * -ENOSPC when cap is too small.
 */
int dhcp_dns_name_encode(const char *name, uint8_t *buf, size_t cap);

#endif
