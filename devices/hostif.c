/* SPDX-License-Identifier: MIT */
/*
 * hostif.c - host interfaces: persistent taps for host-only networking and
 * their kernel state (see hostif.h).
 */
#include "devices/hostif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "devices/rtnl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP (1u << 16) /* linux/if.h, which clashes with net/if.h */
#endif

bool hostif_can_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return geteuid() == 0;
	return d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}

int hostif_name_check(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= HOSTIF_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return -EINVAL;
	return 0;
}

/* --- reading an interface's state -------------------------------------------- */

struct query {
	struct hostif_state *st;
	bool link_seen;
};

static void tun_info_attr(void *opaque, const struct rtattr *a)
{
	struct hostif_state *st = opaque;

	if (a->rta_type == IFLA_TUN_TYPE && rtnl_len(a) >= 1)
		st->is_tap = *(const uint8_t *)rtnl_data(a) == IFF_TAP;
	else if (a->rta_type == IFLA_TUN_PERSIST && rtnl_len(a) >= 1)
		st->persist = *(const uint8_t *)rtnl_data(a);
	else if (a->rta_type == IFLA_TUN_OWNER && rtnl_len(a) >= 4)
		st->owner = (long)*(const uint32_t *)rtnl_data(a);
}

static void linkinfo_attr(void *opaque, const struct rtattr *a)
{
	struct hostif_state *st = opaque;

	if (a->rta_type == IFLA_INFO_DATA)
		rtnl_parse(rtnl_data(a), rtnl_len(a), tun_info_attr, st);
}

static void link_attr(void *opaque, const struct rtattr *a)
{
	struct hostif_state *st = opaque;

	if (a->rta_type == IFLA_ADDRESS && rtnl_len(a) == 6)
		memcpy(st->mac, rtnl_data(a), 6);
	else if (a->rta_type == IFLA_MTU && rtnl_len(a) >= 4)
		st->mtu = *(const uint32_t *)rtnl_data(a);
	else if (a->rta_type == IFLA_PROMISCUITY && rtnl_len(a) >= 4)
		st->promiscuity = *(const uint32_t *)rtnl_data(a);
	else if (a->rta_type == IFLA_LINKINFO)
		rtnl_parse(rtnl_data(a), rtnl_len(a), linkinfo_attr, st);
}

static int query_link(void *opaque, const struct nlmsghdr *nh)
{
	struct query *q = opaque;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);

	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	q->st->ifindex = ifi->ifi_index;
	q->st->up = ifi->ifi_flags & IFF_UP;
	q->st->carrier = ifi->ifi_flags & IFF_LOWER_UP;
	q->link_seen = true;
	return rtnl_parse(IFLA_RTA(ifi), nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), link_attr,
			  q->st);
}

struct addr_msg {
	const struct ifaddrmsg *ifa;
	struct hostif_state *st;
	const void *local, *address;
	uint32_t flags;
};

static void addr_attr(void *opaque, const struct rtattr *a)
{
	struct addr_msg *m = opaque;
	size_t want = m->ifa->ifa_family == AF_INET ? 4 : 16;

	if (a->rta_type == IFA_LOCAL && rtnl_len(a) == want)
		m->local = rtnl_data(a);
	else if (a->rta_type == IFA_ADDRESS && rtnl_len(a) == want)
		m->address = rtnl_data(a);
	else if (a->rta_type == IFA_FLAGS && rtnl_len(a) >= 4)
		m->flags = *(const uint32_t *)rtnl_data(a);
}

static int query_addr(void *opaque, const struct nlmsghdr *nh)
{
	struct query *q = opaque;
	struct hostif_state *st = q->st;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct addr_msg m = { .ifa = ifa, .st = st };
	const void *a;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != st->ifindex)
		return 0;
	m.flags = ifa->ifa_flags;
	if (rtnl_parse(IFA_RTA(ifa), nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)), addr_attr,
		       &m) < 0)
		return -EBADMSG;
	a = m.local ? m.local : m.address;
	if (!a)
		return 0;
	if (ifa->ifa_family == AF_INET && st->n_v4 < HOSTIF_MAX_ADDRS) {
		memcpy(&st->v4[st->n_v4].addr, a, 4);
		st->v4[st->n_v4++].prefixlen = ifa->ifa_prefixlen;
	} else if (ifa->ifa_family == AF_INET6 && st->n_v6 < HOSTIF_MAX_ADDRS) {
		memcpy(&st->v6[st->n_v6].addr, a, 16);
		st->v6[st->n_v6].prefixlen = ifa->ifa_prefixlen;
		st->v6[st->n_v6++].tentative = m.flags & IFA_F_TENTATIVE;
	}
	return 0;
}

int hostif_query(const char *name, struct hostif_state *st, char *err, size_t errlen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct query q = { .st = st };
	struct rtnl_req r;
	int rc;

	memset(st, 0, sizeof(*st));
	st->owner = -1;
	if (hostif_name_check(name) < 0)
		return errfmt(err, errlen, -EINVAL, "'%s' is not an interface name", name);
	rtnl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	rtnl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	rc = rtnl_talk(&r, query_link, &q);
	if (rc == -ENODEV)
		return 0;
	if (rc == 0 && !q.link_seen)
		rc = -EBADMSG;
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: cannot read its state: %s", name, strerror(-rc));
	rtnl_req_init(&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	rc = rtnl_talk(&r, query_addr, &q);
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: cannot read its addresses: %s", name,
			      strerror(-rc));
	return 1;
}

/* --- changing an interface ---------------------------------------------------- */

static int admin_error(int rc, const char *name, const char *what, char *err, size_t errlen)
{
	if (rc == -EPERM || rc == -EACCES)
		return errfmt(err, errlen, -EPERM, "%s: %s needs CAP_NET_ADMIN (run natd as root, "
			      "or give it the capability: setcap cap_net_admin+ep natd)", name,
			      what);
	return errfmt(err, errlen, rc, "%s: %s: %s", name, what, strerror(-rc));
}

/* RTM_NEWLINK on the interface: up, and the MAC when mac is not NULL. */
static int set_link(const char *name, const uint8_t *mac, char *err, size_t errlen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct rtnl_req r;
	int rc;

	ifi.ifi_index = (int)if_nametoindex(name);
	if (ifi.ifi_index == 0)
		return errfmt(err, errlen, -ENODEV, "%s: no such interface", name);
	rtnl_req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (mac)
		rtnl_attr(&r, IFLA_ADDRESS, mac, 6);
	rc = rtnl_talk(&r, NULL, NULL);
	return rc < 0 ? admin_error(rc, name, mac ? "setting its MAC address and bringing it "
				    "up" : "bringing it up", err, errlen) : 0;
}

int hostif_set_up(const char *name, char *err, size_t errlen)
{
	return set_link(name, NULL, err, errlen);
}

/* An fd attached to tap `name` (created when missing, with CAP_NET_ADMIN). */
static int tun_attach(const char *name, int *fd, char *err, size_t errlen)
{
	struct ifreq ifr;

	*fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return errfmt(err, errlen, -errno, "open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		if (e == EBUSY)
			return errfmt(err, errlen, -EBUSY, "%s: a process holds it", name);
		return admin_error(-e, name, "attaching to the tap", err, errlen);
	}
	return 0;
}

int hostif_create(const char *name, uid_t owner, const uint8_t mac[6], char *err,
		  size_t errlen)
{
	struct hostif_state st;
	int fd, rc;

	if (!hostif_can_admin())
		return admin_error(-EPERM, name, "creating a host interface", err, errlen);
	rc = hostif_query(name, &st, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return errfmt(err, errlen, -EEXIST, "%s: an interface of that name exists", name);
	rc = tun_attach(name, &fd, err, errlen);
	if (rc < 0)
		return rc;
	if (ioctl(fd, TUNSETOWNER, (unsigned long)owner) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		rc = admin_error(-errno, name, "making the tap persistent", err, errlen);
		close(fd); /* not persistent: the tap goes with the fd */
		return rc;
	}
	close(fd);
	rc = set_link(name, mac, err, errlen);
	if (rc < 0) {
		char why[256];

		if (hostif_delete(name, why, sizeof(why)) < 0)
			log_warn("%s", why);
	}
	return rc;
}

int hostif_delete(const char *name, char *err, size_t errlen)
{
	struct hostif_state st;
	int fd, rc;

	rc = hostif_query(name, &st, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return errfmt(err, errlen, -ENODEV, "%s: no such interface", name);
	if (!st.is_tap)
		return errfmt(err, errlen, -EINVAL, "%s is not a tap: not natd's to delete", name);
	rc = tun_attach(name, &fd, err, errlen);
	if (rc < 0)
		return rc;
	if (ioctl(fd, TUNSETPERSIST, 0UL) < 0) {
		rc = errfmt(err, errlen, -errno, "%s: TUNSETPERSIST: %s", name, strerror(errno));
		close(fd);
		return rc;
	}
	close(fd); /* the last fd of a tap that is not persistent: it goes */
	return 0;
}

static int change_addr(const char *name, bool add, int family, const void *addr,
		       unsigned prefixlen, char *err, size_t errlen)
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)family,
				 .ifa_prefixlen = (uint8_t)prefixlen,
				 .ifa_scope = RT_SCOPE_UNIVERSE };
	size_t alen = family == AF_INET ? 4 : 16;
	char text[INET6_ADDRSTRLEN], what[INET6_ADDRSTRLEN + 32];
	struct rtnl_req r;
	int rc;

	ifa.ifa_index = if_nametoindex(name);
	if (ifa.ifa_index == 0)
		return errfmt(err, errlen, -ENODEV, "%s: no such interface", name);
	rtnl_req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
		      NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0), &ifa, sizeof(ifa));
	rtnl_attr(&r, IFA_LOCAL, addr, alen);
	rtnl_attr(&r, IFA_ADDRESS, addr, alen);
	if (family == AF_INET && add && prefixlen < 31) {
		uint32_t a, mask = prefixlen ? htonl(~0u << (32 - prefixlen)) : 0;

		memcpy(&a, addr, 4);
		a |= ~mask;
		rtnl_attr(&r, IFA_BROADCAST, &a, 4);
	}
	if (family == AF_INET6 && add) {
		uint32_t fl = IFA_F_NODAD;

		rtnl_attr(&r, IFA_FLAGS, &fl, sizeof(fl));
	}
	rc = rtnl_talk(&r, NULL, NULL);
	if (!add && rc == -EADDRNOTAVAIL)
		rc = 0; /* not there: nothing to remove */
	if (add && rc == -EEXIST)
		rc = 0;
	if (rc == 0)
		return 0;
	inet_ntop(family, addr, text, sizeof(text));
	snprintf(what, sizeof(what), "%s address %s/%u", add ? "adding" : "removing", text,
		 prefixlen);
	return admin_error(rc, name, what, err, errlen);
}

int hostif_addr4(const char *name, bool add, struct in_addr addr, unsigned prefixlen,
		 char *err, size_t errlen)
{
	return change_addr(name, add, AF_INET, &addr, prefixlen, err, errlen);
}

int hostif_addr6(const char *name, bool add, const struct in6_addr *addr, unsigned prefixlen,
		 char *err, size_t errlen)
{
	return change_addr(name, add, AF_INET6, addr, prefixlen, err, errlen);
}

/* --- following an interface ---------------------------------------------------- */

int hostif_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static void watch_attr(void *opaque, const struct rtattr *a)
{
	struct hostif_link *l = opaque;

	if (a->rta_type == IFLA_ADDRESS && rtnl_len(a) == 6) {
		memcpy(l->mac, rtnl_data(a), 6);
		l->have_mac = true;
	} else if (a->rta_type == IFLA_PROMISCUITY && rtnl_len(a) >= 4) {
		memcpy(&l->promiscuity, rtnl_data(a), 4);
		l->have_promiscuity = true;
	}
}

int hostif_watch_parse(const void *buf, size_t len, int ifindex, struct hostif_link *out)
{
	const struct nlmsghdr *nh = buf;
	int n = 0;

	memset(out, 0, sizeof(*out));
	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		const struct ifinfomsg *ifi = NLMSG_DATA(nh);

		if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
			continue;
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
			return -EBADMSG;
		if (ifi->ifi_index != ifindex)
			continue;
		n++;
		if (nh->nlmsg_type == RTM_DELLINK) {
			out->gone = true;
			continue;
		}
		out->have_flags = true;
		out->flags = ifi->ifi_flags;
		if (rtnl_parse(IFLA_RTA(ifi), nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)),
			       watch_attr, out) < 0)
			return -EBADMSG;
	}
	if (len != 0 && len >= sizeof(*nh))
		return -EBADMSG;
	return n;
}
