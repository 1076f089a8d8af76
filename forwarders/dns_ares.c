/* SPDX-License-Identifier: MIT */
/*
 * dns_ares.c - the DNS proxy's c-ares channels on natd's libuv loop (see
 * forwarders/dns.c): a uv_poll handle per socket c-ares asks to be watched,
 * one uv_timer per channel following ares_timeout(), and the nameservers
 * read from NATD_RESOLV_CONF and reloaded when the file changes.
 */
#include "forwarders/dns_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/resolvconf.h"
#include "forwarders/nic.h"

static void dns_timer_cb(uv_timer_t *t)
{
	struct dns_chan *ch = t->data;

	ares_process_fd(ch->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	dns_rearm(ch);
}

void dns_rearm(struct dns_chan *ch)
{
	struct timeval tv, *t;

	if (dns_proxy.shutting_down)
		return;
	t = ares_timeout(ch->channel, NULL, &tv);
	if (t)
		uv_timer_start(&ch->timer, dns_timer_cb,
			       (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000 + 1, 0);
	else
		uv_timer_stop(&ch->timer);
}

static void dns_poll_cb(uv_poll_t *h, int status, int events)
{
	struct dns_watch *w = h->data;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (status < 0 || (events & UV_READABLE))
		rfd = w->fd;
	if (status < 0 || (events & UV_WRITABLE))
		wfd = w->fd;
	ares_process_fd(w->ch->channel, rfd, wfd);
	dns_rearm(w->ch);
}

static void dns_watch_closed(uv_handle_t *h)
{
	free(h->data);
	closer_release(&dns_proxy.closer);
}

void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_chan *ch = data;
	struct dns_watch **pp, *w = NULL;

	for (pp = &ch->watches; *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd && !(*pp)->closing) {
			w = *pp;
			break;
		}
	if (!readable && !writable) {
		if (!w)
			return;
		*pp = w->next;
		w->closing = true;
		closer_hold(&dns_proxy.closer);
		uv_close((uv_handle_t *)&w->poll, dns_watch_closed);
		return;
	}
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return;
		w->ch = ch;
		w->fd = fd;
		if (uv_poll_init_socket(dns_proxy.loop, &w->poll, fd) < 0) {
			free(w);
			return;
		}
		w->poll.data = w;
		w->next = ch->watches;
		ch->watches = w;
	}
	uv_poll_start(&w->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
		      dns_poll_cb);
}

/* Loads the nameservers of NATD_RESOLV_CONF into both channels. */
void dns_load_servers(void)
{
	struct resolvconf rc;
	char csv[1024] = "";
	size_t n = 0;
	int e;

	e = resolvconf_load(resolvconf_path(), &rc);
	if (e < 0) {
		log_warn("dns: cannot read %s: %s; queries will fail until it exists",
			 resolvconf_path(), strerror(-e));
		rc.n_ns = 0;
	}
	for (unsigned i = 0; i < rc.n_ns; i++) {
		char a[INET6_ADDRSTRLEN];
		const struct sockaddr_storage *ss = &rc.ns[i];
		int w;

		if (ss->ss_family == AF_INET) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
			w = snprintf(csv + n, sizeof(csv) - n, "%s%s:53", n ? "," : "", a);
		} else {
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
			w = snprintf(csv + n, sizeof(csv) - n, "%s[%s]:53", n ? "," : "", a);
		}
		if (w < 0 || (size_t)w >= sizeof(csv) - n)
			break;
		n += (size_t)w;
		dns_proxy.n_servers = i + 1;
	}
	if (n == 0)
		dns_proxy.n_servers = 0;
	if (strcmp(csv, dns_proxy.servers) != 0 || n == 0)
		log_info("dns: upstream nameservers from %s: %s", resolvconf_path(),
			 n ? csv : "(none)");
	snprintf(dns_proxy.servers, sizeof(dns_proxy.servers), "%s", csv);
	ares_set_servers_ports_csv(dns_proxy.udp.channel, csv);
	ares_set_servers_ports_csv(dns_proxy.tcp.channel, csv);
	ares_set_servers_ports_csv(dns_proxy.host.channel, csv);
}

void dns_watch_cb(uv_fs_poll_t *h, int status, const uv_stat_t *prev,
			 const uv_stat_t *curr)
{
	(void)h;
	(void)prev;
	(void)curr;
	(void)status;
	dns_load_servers();
	dns_proxy.ctr.reloads++;
	/* DHCP's and the RAs' nameserver and search lists follow the file too */
	for (unsigned i = 0; i < NAT_MAX_ADAPTERS; i++)
		if (dns_proxy.nics[i].nic)
			nic_resolvconf_changed(dns_proxy.nics[i].nic);
}
