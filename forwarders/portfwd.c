/* SPDX-License-Identifier: MIT */
/*
 * portfwd.c - port forwarding, host side: one socket per rule, bound to the
 * rule's host address and port, polled by libuv.
 *
 * Theory of operation
 *
 * Host address. An empty host address means every address of the host, IPv4
 * and IPv6: one dual-stack IPv6 socket (IPV6_V6ONLY off), or an IPv4 one when
 * the host has no IPv6; for a NAT network's --port-forward-4 (-6) rule, every
 * IPv4 (IPv6) address only. A given IPv4 or IPv6 address gets a socket of its own
 * family (IPv6 only, for an IPv6 address).
 *
 * Guest address. The rule's guest address, or else the address the DHCP
 * server leased to the guest: looked up at every new connection or flow, so
 * the rule follows the lease. Without either, the client is refused (TCP:
 * reset) and the refusal counted.
 *
 * Source address the guest sees. The client's own IPv4 address and port, so
 * that the guest's logs show who connected (natd's lwIP opens the connection
 * from that address; the guest answers it through its default route, the
 * gateway). Clients the guest could not answer that way are shown as the
 * gateway (10.0.x.2): host loopback, IPv6 clients (the guest side is IPv4),
 * and addresses inside the adapter's own network.
 *
 * TCP: each accepted connection goes to fwd_tcp_inbound(), which owns it
 * from then on. UDP: each datagram goes to fwd_dgram_inbound(), which keeps
 * one flow per peer (as shown to the guest) and sends the guest's replies
 * back through the rule's socket; the flows expire like other UDP flows.
 *
 * Deleting a rule unlinks it (no longer listed), closes its UDP flows and
 * its socket; forwarded TCP connections are not the socket's and go on. The
 * socket's uv_poll is closed through the NAT engine's closer, so shutdown
 * waits for it.
 */
#include "forwarders/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp/dhcp_server.h"
#include "forwarders/nat_internal.h"
#include "base/fdlimit.h"
#include "base/log.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

#define PORTFWD_ACCEPTS_PER_WAKE 64
#define PORTFWD_DATAGRAMS_PER_WAKE 64
#define PORTFWD_MAX_PER_NIC 64

struct pf_entry {
	struct pf_entry *next;
	struct nic *nic;
	struct pfrule rule;
	int fd;
	uv_poll_t poll;
	char bound[64];
	uint64_t accepted, refused;
};

static struct pf_entry *rules;      /* every adapter's, in the order added */
static uint8_t pf_buf[65536];
static struct log_ratelimit rl_pf = LOG_RATELIMIT_INIT;

/* The guest's address for e: the rule's, or the newest bound DHCP lease. */
struct lease_pick {
	struct in_addr addr;
	uint64_t expires_ms;
	bool found;
};

static int pick_lease(void *opaque, const struct dhcp_lease_info *l)
{
	struct lease_pick *p = opaque;

	if (l->bound && (!p->found || l->expires_ms > p->expires_ms)) {
		p->addr = l->addr;
		p->expires_ms = l->expires_ms;
		p->found = true;
	}
	return 0;
}

static void ip6_from_in6(ip_addr_t *out, const struct in6_addr *a)
{
	ip_addr_set_zero_ip6(out);
	memcpy(ip_2_ip6(out)->addr, a, 16);
}

/*
 * The guest's address for e: the rule's; for "::", the guest IPv6 address
 * natd saw last; for an empty one, the newest bound DHCP lease.
 */
static bool pf_guest_addr(const struct pf_entry *e, ip_addr_t *out)
{
	struct lease_pick p = { .found = false };

	if (e->rule.guest.family == AF_INET) {
		ip_addr_set_ip4_u32_val(*out, e->rule.guest.u.v4.s_addr);
		return true;
	}
	if (e->rule.guest.family == AF_INET6) {
		ip6_addr_t seen;

		if (!IN6_IS_ADDR_UNSPECIFIED(&e->rule.guest.u.v6)) {
			ip6_from_in6(out, &e->rule.guest.u.v6);
			return true;
		}
		if (nic_guest_ip6(e->nic, &seen, 1) < 1)
			return false;
		ip_addr_copy_from_ip6(*out, seen);
		ip6_addr_clear_zone(ip_2_ip6(out));
		return true;
	}
	nic_foreach_lease(e->nic, pick_lease, &p);
	if (!p.found)
		return false;
	ip_addr_set_ip4_u32_val(*out, p.addr.s_addr);
	return true;
}

/*
 * The client as the guest will see it: its own IPv4 address when the guest
 * can answer it through the gateway, else the gateway. Port in host order.
 */
static void pf_presented_source(const struct nic *nic, const struct sockaddr *sa,
				const ip_addr_t *guest, ip_addr_t *src, uint16_t *port)
{
	uint32_t a = 0;
	bool v4 = false;

	if (IP_IS_V6(guest)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		const struct in6_addr *c = &s6->sin6_addr;

		*port = ntohs(s6->sin6_port);
		if (sa->sa_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(c) &&
		    !IN6_IS_ADDR_LOOPBACK(c) && !IN6_IS_ADDR_LINKLOCAL(c) &&
		    !IN6_IS_ADDR_UNSPECIFIED(c) && !IN6_IS_ADDR_MULTICAST(c)) {
			ip6_from_in6(src, c);
			if (!nat_is_local6(nic, ip_2_ip6(src)))
				return;
		}
		if (sa->sa_family == AF_INET)
			*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		ip6_from_in6(src, &nic_config(nic)->gateway6);
		return;
	}

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		a = s4->sin_addr.s_addr;
		*port = ntohs(s4->sin_port);
		v4 = true;
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(&a, &s6->sin6_addr.s6_addr[12], 4);
			v4 = true;
		}
	}
	if (v4) {
		uint8_t first = (uint8_t)(ntohl(a) >> 24);

		if (first != 0 && first != 127 && first < 224 && !nat_is_local(nic, a)) {
			ip_addr_set_ip4_u32_val(*src, a);
			return;
		}
	}
	ip_addr_set_ip4_u32_val(*src, nic_config(nic)->gateway.s_addr);
}

static const char *sa_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	}
	return buf;
}

static void pf_refuse_log(struct pf_entry *e, const struct sockaddr *peer, const char *why)
{
	char p[80];

	e->refused++;
	log_ratelimited(&rl_pf, LOG_LVL_WARN, "nic%u: port forward '%s': %s from %s refused: %s",
			nic_adapter(e->nic), e->rule.name,
			e->rule.proto == PFRULE_TCP ? "connection" : "datagram",
			sa_format(peer, p, sizeof(p)), why);
}

static void pf_tcp_accept(struct pf_entry *e)
{
	for (int i = 0; i < PORTFWD_ACCEPTS_PER_WAKE; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ip_addr_t src, guest;
		uint16_t sport;
		int fd, rc;

		fd = accept4(e->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				fdlimit_note(errno, "port forward: accept");
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimited(&rl_pf, LOG_LVL_WARN, "nic%u: port forward '%s': "
						"accept: %s", nic_adapter(e->nic), e->rule.name,
						strerror(errno));
			return;
		}
		if (!pf_guest_addr(e, &guest)) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			pf_refuse_log(e, (struct sockaddr *)&ss, e->rule.guest.family == AF_INET6 ?
				      "natd has seen no guest IPv6 address yet" :
				      "the guest has no DHCP lease yet");
			continue;
		}
		pf_presented_source(e->nic, (struct sockaddr *)&ss, &guest, &src, &sport);
		rc = fwd_tcp_inbound(e->nic, fd, &src, sport, &guest, e->rule.guest_port);
		if (rc < 0) {
			pf_refuse_log(e, (struct sockaddr *)&ss, rc == -ENOSPC ?
				      "too many TCP flows" : rc == -EDQUOT ?
				      "the guest's VM is at its share of flows" : strerror(-rc));
			continue;
		}
		e->accepted++;
	}
}

static void pf_udp_read(struct pf_entry *e)
{
	for (int i = 0; i < PORTFWD_DATAGRAMS_PER_WAKE; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ip_addr_t src, guest;
		struct flow_key key;
		uint16_t sport;
		ssize_t n;
		int rc;

		n = recvfrom(e->fd, pf_buf, sizeof(pf_buf), MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (!pf_guest_addr(e, &guest)) {
			pf_refuse_log(e, (struct sockaddr *)&ss, e->rule.guest.family == AF_INET6 ?
				      "natd has seen no guest IPv6 address yet" :
				      "the guest has no DHCP lease yet");
			continue;
		}
		pf_presented_source(e->nic, (struct sockaddr *)&ss, &guest, &src, &sport);
		if (IP_IS_V6(&guest))
			nat_key6(&key, FLOW_PROTO_UDP, e->nic, ip_2_ip6(&guest),
				 htons(e->rule.guest_port), ip_2_ip6(&src), htons(sport));
		else
			nat_key4(&key, FLOW_PROTO_UDP, e->nic, ip_2_ip4(&guest),
				 htons(e->rule.guest_port), ip_2_ip4(&src), htons(sport));
		rc = fwd_dgram_inbound(e->nic, e->fd, (struct sockaddr *)&ss, sl, &key, e,
				       pf_buf, (size_t)n);
		if (rc < 0) {
			pf_refuse_log(e, (struct sockaddr *)&ss, rc == -ENOSPC ?
				      "too many UDP flows" : rc == -EDQUOT ?
				      "the guest's VM is at its share of flows" : rc == -EADDRINUSE ?
				      "the guest uses that port pair for a flow of its own" :
				      strerror(-rc));
			continue;
		}
		e->accepted++;
	}
}

static void pf_poll_cb(uv_poll_t *h, int status, int events)
{
	struct pf_entry *e = h->data;

	(void)events;
	if (status < 0) {
		log_ratelimited(&rl_pf, LOG_LVL_WARN, "nic%u: port forward '%s': %s",
				nic_adapter(e->nic), e->rule.name, uv_strerror(status));
		return;
	}
	if (e->rule.proto == PFRULE_TCP)
		pf_tcp_accept(e);
	else
		pf_udp_read(e);
	stack_kick();
}

/* Binds the rule's host socket. Returns the fd or -errno with err. */
static int pf_open(const struct pfrule *r, char *bound, size_t boundlen, char *err,
		   size_t errlen)
{
	int type = (r->proto == PFRULE_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
		   SOCK_CLOEXEC;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, zero = 0, e;
	char h[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	fd = -1;
	if (pfrule_host_family(r) != AF_INET) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		fd = socket(AF_INET6, type, 0);
		if (fd >= 0) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(r->host_port);
			if (r->host.family == AF_INET6)
				s6->sin6_addr = r->host.u.v6;
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
				   pfrule_host_family(r) == AF_INET6 ? &one : &zero, sizeof(int));
			sl = sizeof(*s6);
		} else if (pfrule_host_family(r) == AF_INET6 || errno != EAFNOSUPPORT) {
			e = errno;
			errfmt(err, errlen, 0, "rule '%s': IPv6 socket: %s", r->name, strerror(e));
			return -e;
		}
	}
	if (fd < 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		fd = socket(AF_INET, type, 0);
		if (fd < 0) {
			e = errno;
			errfmt(err, errlen, 0, "rule '%s': socket: %s", r->name, strerror(e));
			return -e;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons(r->host_port);
		if (r->host.family == AF_INET)
			s4->sin_addr = r->host.u.v4;
		sl = sizeof(*s4);
	}
	if (r->proto == PFRULE_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* The kernel's largest accept queue (net.core.somaxconn): clients of a
	 * forwarded server arriving in a burst wait there for natd's next
	 * accepts (64 per wake-up) instead of being dropped after a handshake
	 * they take as done, as with a queue of 128. */
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (r->proto == PFRULE_TCP && listen(fd, SOMAXCONN) < 0)) {
		e = errno;
		close(fd);
		pfrule_addr_format(&r->host, h, sizeof(h));
		if (e == EACCES || e == EPERM) {
			if (pfrule_check_privileged(r, err, errlen) == 0)
				errfmt(err, errlen, 0, "rule '%s': host port %u: %s", r->name,
				       r->host_port, strerror(e));
		} else if (e == EADDRINUSE) {
			errfmt(err, errlen, 0, "rule '%s': host %s port %s%s%u is already in use "
			       "on the host", r->name, pfrule_proto_name(r->proto), h,
			       h[0] ? ":" : "", r->host_port);
		} else if (e == EADDRNOTAVAIL) {
			errfmt(err, errlen, 0, "rule '%s': host address %s is not an address of "
			       "this host", r->name, h);
		} else {
			errfmt(err, errlen, 0, "rule '%s': bind %s%s%u: %s", r->name, h,
			       h[0] ? ":" : "",
			       r->host_port, strerror(e));
		}
		return -e;
	}
	sa_format((struct sockaddr *)&ss, bound, boundlen);
	return fd;
}

int portfwd_add(struct nic *nic, struct pfrule *r, char *err, size_t errlen)
{
	struct pfrule set[PORTFWD_MAX_PER_NIC];
	struct pf_entry *e, **tail;
	size_t n = 0;
	int fd, rc;

	if (!nic || nic_config(nic)->unplugged || nat.flows == NULL ||
	    nat.shutting_down) {
		errfmt(err, errlen, 0, "port forwarding needs a running NAT adapter");
		return -ENODEV;
	}
	for (e = rules; e; e = e->next)
		if (e->nic == nic)
			set[n++] = e->rule;
	if (n >= PORTFWD_MAX_PER_NIC) {
		errfmt(err, errlen, 0, "at most %d rules per adapter", PORTFWD_MAX_PER_NIC);
		return -ENOSPC;
	}
	if (r->guest.family == AF_INET6 && !nic_config(nic)->ipv6) {
		errfmt(err, errlen, 0, "rule '%s': adapter %u has no IPv6", r->name,
		       nic_adapter(nic));
		return -EOPNOTSUPP;
	}
	{
		struct pfrule_guest_net g;

		nat_config_guest_net(nic_config(nic), &g);
		rc = pfrule_check_guest(r, &g, err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = pfrule_set_check_add(set, n, r, err, errlen);
	if (rc < 0)
		return rc;
	rc = pfrule_check_privileged(r, err, errlen);
	if (rc < 0)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e) {
		errfmt(err, errlen, 0, "out of memory");
		return -ENOMEM;
	}
	e->nic = nic;
	e->rule = *r;
	fd = pf_open(r, e->bound, sizeof(e->bound), err, errlen);
	if (fd < 0) {
		free(e);
		return fd;
	}
	e->fd = fd;
	if (uv_poll_init(nat.loop, &e->poll, fd) < 0) {
		close(fd);
		free(e);
		errfmt(err, errlen, 0, "rule '%s': cannot poll its socket", r->name);
		return -ENOMEM;
	}
	e->poll.data = e;
	uv_poll_start(&e->poll, UV_READABLE, pf_poll_cb);
	for (tail = &rules; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	{
		char g[INET6_ADDRSTRLEN + 8] = "the guest's lease";

		if (r->guest.family == AF_INET)
			inet_ntop(AF_INET, &r->guest.u.v4, g, sizeof(g));
		else if (r->guest.family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&r->guest.u.v6))
			snprintf(g, sizeof(g), "the guest's IPv6 address");
		else if (r->guest.family == AF_INET6)
			inet_ntop(AF_INET6, &r->guest.u.v6, g, sizeof(g));
		log_info("nic%u: port forward '%s': %s %s -> %s port %u", nic_adapter(nic),
			 r->name, pfrule_proto_name(r->proto), e->bound, g, r->guest_port);
	}
	return 0;
}

static void pf_closed(uv_handle_t *h)
{
	struct pf_entry *e = h->data;

	close(e->fd);
	free(e);
	closer_release(&nat.closer);
}

/* Unlinks e (it must be in the list) and closes it. */
static void pf_remove(struct pf_entry *e)
{
	for (struct pf_entry **pp = &rules; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	if (e->rule.proto == PFRULE_UDP)
		fwd_dgram_close_tag(e);
	closer_hold(&nat.closer);
	uv_close((uv_handle_t *)&e->poll, pf_closed);
}

int portfwd_delete(struct nic *nic, const char *name, char *err, size_t errlen)
{
	for (struct pf_entry *e = rules; e; e = e->next) {
		if (e->nic == nic && !strcmp(e->rule.name, name)) {
			log_info("nic%u: port forward '%s' deleted", nic_adapter(nic), name);
			pf_remove(e);
			return 0;
		}
	}
	errfmt(err, errlen, 0, "adapter %u has no port-forwarding rule '%s'", nic_adapter(nic),
	       name);
	return -ENOENT;
}

int portfwd_foreach(const struct nic *nic,
		    int (*fn)(void *opaque, const struct portfwd_info *info), void *opaque)
{
	for (struct pf_entry *e = rules; e; e = e->next) {
		struct portfwd_info info;
		int rc;

		if (e->nic != nic)
			continue;
		info.rule = &e->rule;
		memcpy(info.bound, e->bound, sizeof(info.bound));
		info.accepted = e->accepted;
		info.refused = e->refused;
		rc = fn(opaque, &info);
		if (rc)
			return rc;
	}
	return 0;
}

void portfwd_shutdown_all(void)
{
	while (rules)
		pf_remove(rules);
}
