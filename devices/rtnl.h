/* SPDX-License-Identifier: MIT */
/*
 * rtnl.h - a minimal rtnetlink client for devices/hostif.c: one request
 * built in a fixed buffer, sent on a fresh NETLINK_ROUTE socket, and its
 * answer (an acknowledgement, one message, or a dump) read back with every
 * length checked before use.
 */
#ifndef NATD_RTNL_H
#define NATD_RTNL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTNL_BUF 4096

/* A request being built: the netlink header, the family header, attributes. */
struct rtnl_req {
	union {
		struct nlmsghdr nh;
		uint8_t buf[RTNL_BUF];
	};
	bool overflow;           /* an attribute did not fit: the request is not sent */
};

/* Starts a request of type with flags (NLM_F_REQUEST is added) and the
 * family header hdr of hdrlen bytes. */
void rtnl_req_init(struct rtnl_req *r, uint16_t type, uint16_t flags, const void *hdr,
		   size_t hdrlen);
/* Appends attribute type with len bytes of data. */
void rtnl_attr(struct rtnl_req *r, uint16_t type, const void *data, size_t len);

/* Opens a nested attribute of type: the attributes appended until
 * rtnl_nest_end() go inside it. Returns its offset in the request (for
 * rtnl_nest_end()); nests may be nested. */
size_t rtnl_nest_begin(struct rtnl_req *r, uint16_t type);
void rtnl_nest_end(struct rtnl_req *r, size_t nest);

/*
 * Sends r and reads the answer. For a request with NLM_F_ACK or a plain
 * "get", cb (may be NULL) sees the reply messages; for NLM_F_DUMP every
 * message up to NLMSG_DONE. cb returns 0 to go on, anything else to stop
 * reading (the value is returned). Returns 0, the kernel's -errno for the
 * request, or -errno of the socket.
 */
int rtnl_talk(struct rtnl_req *r, int (*cb)(void *opaque, const struct nlmsghdr *nh),
	      void *opaque);

/*
 * Walks the attributes in [a, a + len): calls fn for each whole one.
 * Returns -EBADMSG when an attribute's length is out of bounds, else 0.
 */
int rtnl_parse(const struct rtattr *a, size_t len,
	       void (*fn)(void *opaque, const struct rtattr *a), void *opaque);

/* The payload of attribute a and its length. */
static inline const void *rtnl_data(const struct rtattr *a)
{
	return RTA_DATA(a);
}

static inline size_t rtnl_len(const struct rtattr *a)
{
	return RTA_PAYLOAD(a);
}

#endif
