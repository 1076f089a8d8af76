/* SPDX-License-Identifier: MIT */
/*
 * hostonly_port.c - the host's interface as a port of a host-only
 * interface's switch (see hostonly_port.h).
 */
#include "natd/hostonly_port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "devices/hostif.h"

struct hostonly_port {
	struct eth_switch *sw;
	char ifname[HOSTIF_NAME_MAX];
	int ifindex;
	uint8_t mac[6];
	bool promisc;
	int fd;                     /* rtnetlink, RTMGRP_LINK; -1 when none */
	uv_poll_t poll;
	bool gone_told;
	void (*gone)(void *opaque);
	void *gone_opaque;
};

static void hostonly_port_apply(struct hostonly_port *p, const uint8_t mac[6], bool promisc)
{
	if (!memcmp(p->mac, mac, 6) && p->promisc == promisc)
		return;
	memcpy(p->mac, mac, 6);
	p->promisc = promisc;
	switch_set_hostif(p->sw, p->mac, p->promisc);
}

/* Read the state afresh (the socket overflowed: messages were lost). */
static void hostonly_port_requery(struct hostonly_port *p)
{
	struct hostif_state st;
	char err[256];
	int r = hostif_query(p->ifname, &st, err, sizeof(err));

	if (r == 1 && st.ifindex == p->ifindex)
		hostonly_port_apply(p, st.mac, st.promiscuity > 0);
	else if (r == 0 && !p->gone_told) {
		p->gone_told = true;
		p->gone(p->gone_opaque);
	}
}

static void hostonly_port_poll_cb(uv_poll_t *h, int status, int events)
{
	struct hostonly_port *p = h->data;
	static uint8_t buf[16384];
	struct hostif_link l;
	ssize_t n;

	(void)events;
	if (status < 0)
		return;
	while ((n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == ENOBUFS)
				hostonly_port_requery(p);
			if (errno != EINTR && errno != ENOBUFS)
				break;
			continue;
		}
		if (hostif_watch_parse(buf, (size_t)n, p->ifindex, &l) <= 0)
			continue;
		if (l.gone) {
			if (!p->gone_told) {
				p->gone_told = true;
				p->gone(p->gone_opaque);
			}
			return;
		}
		hostonly_port_apply(p, l.have_mac ? l.mac : p->mac,
				    l.have_promiscuity ? l.promiscuity > 0 : p->promisc);
	}
}

int hostonly_port_start(uv_loop_t *loop, struct eth_switch *sw, const char *ifname,
			void (*gone)(void *opaque), void *opaque, struct hostonly_port **out,
			char *err, size_t errlen)
{
	struct hostif_state st;
	struct hostonly_port *p;
	char spec[HOSTIF_NAME_MAX + 8];
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	/* Follow the interface before the first look: no change goes unseen. */
	r = hostif_watch_open();
	if (r < 0 || uv_poll_init(loop, &p->poll, r) < 0) {
		if (r >= 0)
			close(r);
		free(p);
		return errfmt(err, errlen, r < 0 ? r : -EIO, "rtnetlink: %s",
			      strerror(r < 0 ? -r : EIO));
	}
	p->fd = r;
	p->poll.data = p;
	p->sw = sw;
	p->gone = gone;
	p->gone_opaque = opaque;
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	r = hostif_query(ifname, &st, err, errlen);
	if (r == 0)
		r = errfmt(err, errlen, -ENODEV, "the host's interface %s does not exist (natd "
			   "hostonlyif create, or a VM's start, makes it)", ifname);
	else if (r > 0 && !st.is_tap)
		r = errfmt(err, errlen, -EINVAL, "%s is not a tap (not natd's host-only "
			   "interface)", ifname);
	if (r < 0)
		goto fail;
	p->ifindex = st.ifindex;
	memcpy(p->mac, st.mac, 6);
	p->promisc = st.promiscuity > 0;
	snprintf(spec, sizeof(spec), "tap:%s", ifname);
	r = switch_add_hostif(sw, spec, p->mac, p->promisc, err, errlen);
	if (r < 0)
		goto fail;
	uv_poll_start(&p->poll, UV_READABLE, hostonly_port_poll_cb);
	log_info("the host's interface %s is a port of the switch (MAC "
		 "%02x:%02x:%02x:%02x:%02x:%02x%s)", ifname, p->mac[0], p->mac[1], p->mac[2],
		 p->mac[3], p->mac[4], p->mac[5], p->promisc ? ", promiscuous" : "");
	*out = p;
	return 0;
fail:
	hostonly_port_stop(p);
	return r;
}

json_t *hostonly_port_json(const struct hostonly_port *p)
{
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
		 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	return json_pack("{s:s, s:s, s:b}", "interface", p->ifname, "mac", mac, "promiscuous",
			 p->promisc);
}

static void hostonly_port_closed(uv_handle_t *h)
{
	struct hostonly_port *p = h->data;

	close(p->fd);
	free(p);
}

void hostonly_port_stop(struct hostonly_port *p)
{
	uv_close((uv_handle_t *)&p->poll, hostonly_port_closed);
}
