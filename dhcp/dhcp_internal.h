/* SPDX-License-Identifier: MIT */
/*
 * dhcp_internal.h - wire constants and helpers shared by the DHCP servers
 * and their tests: BOOTP layout (RFC 951/2131), option codes (RFC 2132) and
 * the RFC 1035 name encoder used for option 119 (RFC 3397); then the inside
 * of the DHCPv4 server, which is one module in three files:
 *   dhcp_server.c  the object: configuration checks, input dispatch;
 *   dhcp_lease.c   the lease table (range and fixed addresses) and the
 *                  message handlers that move leases;
 *   dhcp_msg.c     the wire: parsing a client message, building a reply.
 */
#ifndef NATD_DHCP_INTERNAL_H
#define NATD_DHCP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "dhcp/dhcp_server.h"

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

enum dhcp_opt_code {
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
	DHO_MAX_MSG_SIZE = 57,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_VENDOR_CLASS = 60,     /* "PXEClient:Arch:00000:UNDI:002001" */
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_CLIENT_ARCH = 93,      /* RFC 4578 client system architecture */
	DHO_CLIENT_UUID = 97,      /* RFC 4578 client machine identifier */
	DHO_DOMAIN_SEARCH = 119,
	DHO_CLASSLESS_ROUTES = 121,
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

/* ---- inside the DHCPv4 server ---- */

#define DHCP_KEY_MAX 64

enum dhcp_key_kind {
	KEY_NONE,
	KEY_CHADDR,   /* chaddr[0..6) */
	KEY_CLIENTID, /* option 61 as sent */
	KEY_CLIENTID_HASHED, /* option 61 longer than DHCP_KEY_MAX: prefix + hash */
};

/* How a client is known: option 61 when it sends one, else chaddr. */
struct dhcp_client_key {
	uint8_t kind;             /* enum dhcp_key_kind */
	uint8_t len;
	uint8_t b[DHCP_KEY_MAX];
};

/* One parsed client message; points into nothing after dhcp_msg_parse(). */
struct dhcp_req {
	uint8_t xid[4];
	uint16_t flags;           /* host order */
	struct in_addr ciaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t type;             /* option 53 */
	bool has_reqip, has_sid;
	struct in_addr reqip, sid;
	struct dhcp_client_key key;
	char hostname[64];
	bool pxe;                 /* option 60 starts with "PXEClient" */
	bool has_arch;
	uint16_t arch;            /* option 93, first entry */
	uint8_t uuid_len;         /* option 97, echoed to PXE clients */
	uint8_t uuid[17];
	uint32_t port;            /* where it came from (dhcp_server_input_port()) */
};

enum dhcp_slot_state {
	SLOT_FREE,
	SLOT_OFFERED,
	SLOT_BOUND,
	SLOT_DECLINED,
};

struct dhcp_slot {
	uint8_t state;            /* enum dhcp_slot_state */
	uint8_t fixed;            /* 1 + index into cfg.fixed when the address is
				     reserved for that MAC; 0 for none */
	struct dhcp_client_key key; /* KEY_NONE when FREE and never used */
	uint8_t mac[6];
	char hostname[64];
	uint64_t expires_ms;
	bool restored;            /* added by dhcp_server_add_lease(): keyed by MAC
				     until the client's first message */
	uint32_t port;            /* the port its client asked from; DHCP_PORT_ANY:
				     not known (restored), counted for none */
};

struct dhcp_server {
	struct dhcp_server_config cfg;
	uint32_t lease_time;      /* seconds, never 0 */
	uint32_t net_h, mask_h;   /* host order */
	uint32_t first_h;
	uint32_t n_range;         /* slots [0, n_range) are range_first.. */
	uint32_t n_slots;         /* n_range + the fixed addresses outside it */
	uint32_t extra_h[DHCP_MAX_FIXED]; /* address of slot n_range + i */
	dhcp_lease_cb cb;
	void *cb_opaque;
	struct dhcp_counters ctr;
	struct log_ratelimit rl, rl_pxe;
	uint32_t n_restored;      /* slots with restored set */
	unsigned port_leases;     /* offers and leases per port; 0: no limit */
	struct dhcp_slot slots[]; /* n_range + DHCP_MAX_FIXED */
};

/* What a handler decided to send, if anything. */
struct dhcp_verdict {
	uint8_t type;             /* 0: nothing */
	struct in_addr yiaddr;
};

/* dhcp_lease.c: the table. */
void dhcp_lease_expire(struct dhcp_server *s, uint64_t now);
void dhcp_lease_adopt_restored(struct dhcp_server *s, const struct dhcp_req *r);
/* Maps cfg's fixed entries onto slots (s->cfg is cfg already); drops what
 * the top of dhcp_server.h says a reconfiguration drops. */
void dhcp_lease_map_fixed(struct dhcp_server *s);
void dhcp_lease_discover(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now,
			 struct dhcp_verdict *v);
void dhcp_lease_request(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now,
			struct dhcp_verdict *v);
void dhcp_lease_decline(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now);
void dhcp_lease_release(struct dhcp_server *s, const struct dhcp_req *r, uint64_t now);

/* dhcp_msg.c: the wire. */
/*
 * Parses a client message: BOOTP header, cookie, options walked with a
 * cursor and the bytes remaining. Returns 0, -EINVAL when truncated or
 * -EPROTO when not a DHCP request we understand.
 */
int dhcp_msg_parse(const uint8_t *pkt, size_t len, struct dhcp_req *r);
/*
 * Checks the strings and names of c and returns the worst-case size of the
 * server's own options in an ACK (custom options not counted: they are left
 * out when they do not fit), or -EINVAL when they cannot fit DHCP_REPLY_MAX.
 */
int dhcp_msg_own_options_size(const struct dhcp_server_config *c);
/*
 * Builds a reply of type `type` to r into out; yiaddr is the address given
 * (0 for NAK and INFORM), lease_time the one in effect. Adds the number of
 * custom options that did not fit to *dropped. Returns the length or -ENOSPC.
 */
int dhcp_msg_build(const struct dhcp_server_config *c, uint32_t lease_time,
		   const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
		   uint8_t *out, size_t outcap, uint64_t *dropped);
/* Where the reply goes (RFC 2131 4.1). */
void dhcp_msg_dest(const struct dhcp_req *r, uint8_t type, struct in_addr yiaddr,
		   struct dhcp_reply_dest *d);
/* The boot file for this client: the UEFI one when it is UEFI and one is set. */
const char *dhcp_msg_boot_file(const struct dhcp_server_config *c, const struct dhcp_req *r);
/* The server's next server: next_server, else server_id. */
struct in_addr dhcp_msg_next_server(const struct dhcp_server_config *c);
/* The custom option with this code in c, or NULL. */
const struct dhcp_opt *dhcp_msg_custom(const struct dhcp_server_config *c, uint8_t code);

#endif
