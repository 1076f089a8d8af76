/* SPDX-License-Identifier: MIT */
/*
 * rtnl.c - a minimal rtnetlink client (see rtnl.h).
 */
#include "devices/rtnl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define RTNL_TIMEOUT_S 5

void rtnl_req_init(struct rtnl_req *r, uint16_t type, uint16_t flags, const void *hdr,
		   size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nh.nlmsg_seq = 1;
	memcpy(NLMSG_DATA(&r->nh), hdr, hdrlen);
}

void rtnl_attr(struct rtnl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);
	struct rtattr *a;

	if (r->overflow || off + RTA_SPACE(len) > sizeof(r->buf)) {
		r->overflow = true;
		return;
	}
	a = (struct rtattr *)(r->buf + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

size_t rtnl_nest_begin(struct rtnl_req *r, uint16_t type)
{
	size_t off = NLMSG_ALIGN(r->nh.nlmsg_len);

	rtnl_attr(r, type, NULL, 0);
	return off;
}

void rtnl_nest_end(struct rtnl_req *r, size_t nest)
{
	struct rtattr *a = (struct rtattr *)(r->buf + nest);

	if (r->overflow)
		return;
	a->rta_len = (unsigned short)(r->nh.nlmsg_len - nest);
}

int rtnl_parse(const struct rtattr *a, size_t len,
	       void (*fn)(void *opaque, const struct rtattr *a), void *opaque)
{
	while (len >= sizeof(*a)) {
		if (a->rta_len < sizeof(*a) || a->rta_len > len)
			return -EBADMSG;
		fn(opaque, a);
		if (RTA_ALIGN(a->rta_len) >= len)
			break;
		len -= RTA_ALIGN(a->rta_len);
		a = (const struct rtattr *)((const uint8_t *)a + RTA_ALIGN(a->rta_len));
	}
	return 0;
}

/* One recv(): each message of our request to cb. 1 when the answer is
 * complete, 0 to read on, < 0 an error (or cb's value). */
static int rtnl_read(int fd, uint32_t seq, uint32_t portid, bool dump,
		     int (*cb)(void *opaque, const struct nlmsghdr *nh), void *opaque)
{
	static uint8_t buf[32768]; /* one thread; a dump may need many reads */
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	size_t left;
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;

	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	for (left = (size_t)n; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (nh->nlmsg_seq != seq || nh->nlmsg_pid != portid)
			continue; /* not ours */
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error ? e->error : 1;
		}
		if (cb) {
			int r = cb(opaque, nh);

			if (r)
				return r;
		}
		if (!dump)
			return 1;
	}
	return 0;
}

int rtnl_talk(struct rtnl_req *r, int (*cb)(void *opaque, const struct nlmsghdr *nh),
	      void *opaque)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = RTNL_TIMEOUT_S };
	socklen_t sl = sizeof(sa);
	bool dump = (r->nh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool ack = r->nh.nlmsg_flags & NLM_F_ACK;
	int fd, rc;

	if (r->overflow)
		return -EMSGSIZE;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0 ||
	    send(fd, r->buf, r->nh.nlmsg_len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	/* An acknowledged request ends with its NLMSG_ERROR (0: done), a dump
	 * with NLMSG_DONE, a plain get with its one answer. */
	do
		rc = rtnl_read(fd, r->nh.nlmsg_seq, sa.nl_pid, dump || ack, cb, opaque);
	while (rc == 0);
	if (rc == 1)
		rc = 0;
out:
	close(fd);
	return rc;
}
