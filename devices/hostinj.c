/* SPDX-License-Identifier: MIT */
/*
 * hostinj.c - frames into a host interface's receive path through a private
 * tap and a tc redirect (see hostinj.h).
 */
#include "devices/hostinj.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "base/log.h"
#include "devices/hostif.h"
#include "devices/rtnl.h"

struct hostinj {
	int fd;
	int ifindex;               /* the tap's */
	char name[IFNAMSIZ];
	uint64_t discarded;
	uv_poll_t poll;
	bool poll_init;
	void (*closed)(void *opaque);
	void *closed_opaque;
	uint8_t rbuf[2048];        /* what the host sends out of the tap: thrown away */
};

static int tc_error(int rc, const char *name, const char *what, const char *kind, char *err,
		    size_t errlen)
{
	if (rc == -EPERM || rc == -EACCES)
		return errfmt(err, errlen, -EPERM, "%s: %s needs CAP_NET_ADMIN", name, what);
	if (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -EINVAL)
		return errfmt(err, errlen, rc, "%s: %s: %s (does the kernel have %s?)", name,
			      what, strerror(-rc), kind);
	return errfmt(err, errlen, rc, "%s: %s: %s", name, what, strerror(-rc));
}

/* tc qdisc add dev TAP ingress */
static int add_ingress(const struct hostinj *h, char *err, size_t errlen)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = h->ifindex,
			   .tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0), .tcm_parent = TC_H_INGRESS };
	struct rtnl_req r;

	rtnl_req_init(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &t, sizeof(t));
	rtnl_attr(&r, TCA_KIND, "ingress", sizeof("ingress"));
	int rc = rtnl_talk(&r, NULL, NULL);

	return rc < 0 ? tc_error(rc, h->name, "adding an ingress qdisc",
				 "the ingress qdisc (CONFIG_NET_SCH_INGRESS)", err, errlen) : 0;
}

/* tc filter add dev TAP parent ffff: protocol all prio 1 u32 match u32 0 0
 *     action mirred ingress redirect dev IF */
static int add_redirect(const struct hostinj *h, int to_ifindex, char *err, size_t errlen)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = h->ifindex,
			   .tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0),
			   .tcm_info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL)) };
	struct tc_u32_sel sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 };
	struct tc_u32_key key = { .mask = 0, .val = 0, .off = 0 }; /* every frame matches */
	struct tc_mirred m = { .action = TC_ACT_STOLEN, .eaction = TCA_INGRESS_REDIR,
			       .ifindex = (uint32_t)to_ifindex };
	uint8_t selbuf[sizeof(sel) + sizeof(key)];
	struct rtnl_req r;
	size_t opts, acts, act, aopts;
	int rc;

	memcpy(selbuf, &sel, sizeof(sel));
	memcpy(selbuf + sizeof(sel), &key, sizeof(key));
	rtnl_req_init(&r, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &t, sizeof(t));
	rtnl_attr(&r, TCA_KIND, "u32", sizeof("u32"));
	opts = rtnl_nest_begin(&r, TCA_OPTIONS);
	rtnl_attr(&r, TCA_U32_SEL, selbuf, sizeof(selbuf));
	acts = rtnl_nest_begin(&r, TCA_U32_ACT);
	act = rtnl_nest_begin(&r, 1); /* the first action */
	rtnl_attr(&r, TCA_ACT_KIND, "mirred", sizeof("mirred"));
	aopts = rtnl_nest_begin(&r, TCA_ACT_OPTIONS);
	rtnl_attr(&r, TCA_MIRRED_PARMS, &m, sizeof(m));
	rtnl_nest_end(&r, aopts);
	rtnl_nest_end(&r, act);
	rtnl_nest_end(&r, acts);
	rtnl_nest_end(&r, opts);
	rc = rtnl_talk(&r, NULL, NULL);
	return rc < 0 ? tc_error(rc, h->name, "adding the redirect filter", "the u32 classifier "
				 "and the mirred action (CONFIG_NET_CLS_U32, CONFIG_NET_ACT_MIRRED)",
				 err, errlen) : 0;
}

/* tc qdisc del dev TAP ingress (its filter goes with it); gone already is fine */
static int del_ingress(const struct hostinj *h, char *err, size_t errlen)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = h->ifindex,
			   .tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0), .tcm_parent = TC_H_INGRESS };
	struct rtnl_req r;
	int rc;

	rtnl_req_init(&r, RTM_DELQDISC, NLM_F_ACK, &t, sizeof(t));
	rc = rtnl_talk(&r, NULL, NULL);
	if (rc == -ENOENT || rc == -EINVAL)
		rc = 0;
	return rc < 0 ? tc_error(rc, h->name, "removing the ingress qdisc", "the ingress qdisc",
				 err, errlen) : 0;
}

int hostinj_retarget(struct hostinj *h, int ifindex, char *err, size_t errlen)
{
	int rc = del_ingress(h, err, errlen);

	if (rc == 0)
		rc = add_ingress(h, err, errlen);
	if (rc == 0)
		rc = add_redirect(h, ifindex, err, errlen);
	return rc;
}

/* Best effort: no IPv6 on the tap, so the host sends nothing out of it. */
static void no_ipv6(const char *name)
{
	char path[80];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		log_debug("%s: disable_ipv6: %s", name, strerror(errno));
	close(fd);
}

static void hostinj_read(uv_poll_t *p, int status, int events)
{
	struct hostinj *h = p->data;

	(void)status;
	(void)events;
	for (int i = 0; i < 64; i++) {
		if (read(h->fd, h->rbuf, sizeof(h->rbuf)) < 0)
			break;
		h->discarded++;
	}
}

int hostinj_set_mac(struct hostinj *h, const uint8_t mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", h->name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ioctl(h->fd, SIOCSIFHWADDR, &ifr) < 0 ? -errno : 0;
}

int hostinj_open(uv_loop_t *loop, int ifindex, const uint8_t if_mac[6], struct hostinj **out,
		 char *err, size_t errlen)
{
	struct hostinj *h = calloc(1, sizeof(*h));
	struct ifreq ifr;
	int rc;

	if (!h)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	h->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (h->fd < 0) {
		rc = errfmt(err, errlen, -errno, "open /dev/net/tun: %s", strerror(errno));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR; /* GSO frames whole */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "natdh%%d");
	if (ioctl(h->fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		if (rc == -EPERM || rc == -EACCES)
			errfmt(err, errlen, -EPERM, "creating a tap needs CAP_NET_ADMIN");
		else
			errfmt(err, errlen, rc, "creating a tap: %s", strerror(-rc));
		goto fail;
	}
	snprintf(h->name, sizeof(h->name), "%s", ifr.ifr_name);
	h->ifindex = (int)if_nametoindex(h->name);
	if (h->ifindex == 0) {
		rc = errfmt(err, errlen, -ENODEV, "%s: the new tap has no index", h->name);
		goto fail;
	}
	rc = hostinj_set_mac(h, if_mac);
	if (rc < 0) {
		errfmt(err, errlen, rc, "%s: setting its MAC: %s", h->name, strerror(-rc));
		goto fail;
	}
	no_ipv6(h->name);
	rc = hostif_set_up(h->name, err, errlen);
	if (rc < 0)
		goto fail;
	rc = add_ingress(h, err, errlen);
	if (rc == 0)
		rc = add_redirect(h, ifindex, err, errlen);
	if (rc < 0)
		goto fail;
	rc = uv_poll_init(loop, &h->poll, h->fd);
	if (rc < 0) {
		rc = errfmt(err, errlen, -EIO, "%s: %s", h->name, uv_strerror(rc));
		goto fail;
	}
	h->poll.data = h;
	h->poll_init = true;
	uv_poll_start(&h->poll, UV_READABLE, hostinj_read);
	*out = h;
	return 0;
fail:
	if (h->fd >= 0)
		close(h->fd); /* not persistent: the tap, its qdisc and filter go with it */
	free(h);
	return rc;
}

int hostinj_send(struct hostinj *h, const struct virtio_net_hdr *vh, const uint8_t *frame,
		 size_t len)
{
	static const struct virtio_net_hdr none;
	struct iovec iov[2] = {
		{ .iov_base = (void *)(vh ? vh : &none), .iov_len = sizeof(none) },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	ssize_t n = writev(h->fd, iov, 2);

	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(none) + len ? 0 : -EIO;
}

const char *hostinj_name(const struct hostinj *h)
{
	return h->name;
}

uint64_t hostinj_discarded(const struct hostinj *h)
{
	return h->discarded;
}

static void hostinj_free(struct hostinj *h)
{
	void (*closed)(void *) = h->closed;
	void *opaque = h->closed_opaque;

	close(h->fd);
	free(h);
	if (closed)
		closed(opaque);
}

static void hostinj_poll_closed(uv_handle_t *p)
{
	hostinj_free(p->data);
}

void hostinj_close(struct hostinj *h, void (*closed)(void *opaque), void *opaque)
{
	h->closed = closed;
	h->closed_opaque = opaque;
	if (h->poll_init)
		uv_close((uv_handle_t *)&h->poll, hostinj_poll_closed);
	else
		hostinj_free(h);
}
