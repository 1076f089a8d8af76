/* SPDX-License-Identifier: MIT */
/*
 * nat.h - natd's NAT engine: terminates the guest's TCP, UDP and ICMP echo
 * in lwIP and re-originates them on host sockets.
 *
 * One engine per process (lwIP itself is a singleton): it owns the flow
 * table shared by every adapter, lwIP's proxy listener and the hooks of
 * natd's lwIP patch. The protocol proxies live in fwd_tcp.c (TCP) and
 * fwd_dgram.c (UDP and ICMP echo) and share the internals in nat_internal.h.
 */
#ifndef NATD_NAT_H
#define NATD_NAT_H

#include <stdint.h>
#include <uv.h>

#include "forwarders/flow.h"

enum nat_drop {
	NAT_DROP_FLOWS_FULL,     /* new flow refused: the table is full */
	NAT_DROP_CONNECT_REFUSED,/* host connect() refused: RST to the guest */
	NAT_DROP_UNREACHABLE,    /* host connect() unreachable or timed out */
	NAT_DROP_SOCKET,         /* socket() or bind() failed */
	NAT_DROP_BROADCAST,      /* guest broadcast/multicast not forwarded */
	NAT_DROP_PROTOCOL,       /* not TCP/UDP/ICMP: ICMP protocol unreachable */
	NAT_DROP_FILTERED,       /* a TFTP request flow's datagram from another host */
	NAT_DROP_DESCRIPTORS,    /* new flow refused: no descriptor left for guests
				  * (base/fdlimit.h) */
	NAT_DROP_GUEST_QUOTA,    /* new flow refused: its guest is at its share of
				  * flows or of connects under way */
	NAT_DROP_COUNT
};

/* The default cap on host data the TCP proxy holds for guests. */
#define NAT_TCP_BUFFER_DEFAULT ((size_t)64 * 1024 * 1024)

struct nat_limits {
	unsigned max_flows[FLOW_PROTO_COUNT]; /* the flow table: TCP, UDP, ICMP */
	unsigned guest_flows[FLOW_PROTO_COUNT]; /* per guest (VM port); 0: none of
				    * its own */
	unsigned guest_connecting; /* TCP connects under way per guest; 0: none */
	size_t tcp_buffer_max;     /* bytes of host data held for guests, all
				    * TCP connections together; 0: the default */
	unsigned udp_timeout_s;    /* idle expiry of UDP flows (DNS flows: 10 s,
				    * or less) */
};

/* The TCP proxy's buffer of host data for guests (fwd_tcp_buf.c). */
struct nat_tcp_buffer {
	uint64_t bytes;            /* in use now (whole chunks) */
	uint64_t max;              /* the cap */
	uint64_t peak;             /* most in use at once */
	uint64_t waits;            /* times a connection waited for the cap */
	uint64_t trims;            /* freed memory given back (malloc_trim) */
	unsigned waiting;          /* connections waiting now */
	uint64_t guest_bytes;      /* the other way: guest data waiting for host
				    * sockets (each connection's at most its
				    * receive window, 1 MiB) */
};

struct nat_counters {
	uint64_t drops[NAT_DROP_COUNT];
	struct flow_table_stats flows;
	struct nat_tcp_buffer tcp_buffer;
};

/* Descriptors kept out of the guests' budget (base/fdlimit.h) in a process
 * that runs the NAT engine: the control socket and its connections, the DNS
 * proxy's sockets, the adapters' transports, port-forward listeners. */
#define NAT_FD_RESERVE 64

/*
 * Sets the guests' descriptor budget (fdlimit_set_budget(reserve)) and
 * lowers each of max_flows to it; logs the budget, and a warning when a
 * limit was lowered. Call once the process's fixed descriptors are open.
 */
void nat_fit_descriptors(unsigned max_flows[FLOW_PROTO_COUNT], unsigned reserve);

/* In a NAT network (several VMs behind one adapter), each guest may hold
 * this share of each flow limit and this many TCP connects under way. */
#define NAT_GUEST_SHARE 4
#define NAT_GUEST_CONNECTING 256

/* Starts the engine (after stack_init). Returns 0 or -errno with err. */
int nat_init(uv_loop_t *loop, const struct nat_limits *lim, char *err, size_t errlen);

/* Closes every flow and its host sockets; closed(opaque) when all are gone. */
/* Widens net.ipv4.ping_group_range to take group gid, when natd runs as root
 * (nat_init() does it for natd's own group; natd run --user for the user's
 * group before it changes user): ICMP echo flows use "ping" sockets. */
void nat_allow_ping_group(gid_t gid);

void nat_shutdown(void (*closed)(void *opaque), void *opaque);

void nat_get_counters(struct nat_counters *c);
const char *nat_drop_name(enum nat_drop d);

/* Calls fn for each guest with flows (see flow_foreach_guest). */
int nat_foreach_guest(int (*fn)(void *opaque, const struct flow_guest_info *g), void *opaque);

/* Calls fn for each flow (see flow_foreach). */
int nat_foreach_flow(int (*fn)(void *opaque, struct flow *f), void *opaque);
/* A flow's state for display ("connecting", "established", ...). */
const char *nat_flow_state_name(const struct flow *f);

#endif
