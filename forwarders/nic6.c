/* SPDX-License-Identifier: MIT */
/*
 * nic6.c - natd as the IPv6 router of each NAT adapter (see nic6.h).
 *
 * Theory of operation
 *
 * Addresses. The netif holds fe80::2 (index 0: lwIP sends its neighbour
 * solicitations from it, and RAs come from it), <prefix>::2 and <prefix>::3,
 * all preferred at once (on a NAT network, natnet_service.c: fe80::1 and
 * <prefix>::1, gateway and DNS proxy in one, and the --loopback-6 address;
 * the link-local address always has the gateway's interface ID). natd does
 * no duplicate address detection of its own, but lwIP answers a guest's DAD
 * probe for any of them, so a guest that picks ::2 sees it as a duplicate.
 * Guest addresses are never natd's: lwIP answers solicitations only for its
 * own addresses.
 *
 * Every guest IPv6 packet comes here first (LWIP_HOOK_IP6_INPUT, through
 * forwarders/nat.c): ndp_parse_ip6() refuses malformed headers, extension
 * header chains, ICMPv6 and Neighbour Discovery, counted by kind. Then:
 *   - router solicitation: answered with an RA to all nodes, at most one
 *     per NIC6_MIN_SOLICITED_MS (a later one is sent when that has passed);
 *   - RA or Redirect from the guest: dropped (counted), so a guest cannot
 *     teach lwIP routes or MTUs;
 *   - DHCPv6 to port 547 (ff02::1:2 or natd's addresses): stateless
 *     Information-request answered by dhcp/dhcp6_server.c;
 *   - the source address, and the target of a DAD probe, when in the
 *     prefix: remembered as the guest's (nic6_guest_addrs(); port forwards
 *     into the guest use it);
 *   - everything else goes on to lwIP (and the NAT proxies).
 *
 * Router advertisements carry the prefix (on-link, autonomous), the MTU,
 * natd's link-layer address, RDNSS and DNSSL (RFC 8106) and the O flag
 * (stateless DHCPv6). Unsolicited ones: NIC6_INITIAL_RAS when a VM attaches,
 * NIC6_INITIAL_INTERVAL_MS apart, then every 200 to 600 s (RFC 4861 6.2.4
 * defaults); lwIP's timeouts (sys_timeout) drive them.
 *
 * Default route. The router lifetime is NIC6_ROUTER_LIFETIME when
 * --natipv6default<x> is on, 0 when off, and by default follows whether the
 * host has a global IPv6 address (getifaddrs: not loopback, link-local,
 * unique local or IPv4-mapped, on an interface that is up). That is checked
 * at start, whenever the kernel reports an address or link change (rtnetlink
 * in natd's network namespace), and every NIC6_HOST_CHECK_MS; a change is
 * advertised at once.
 */
#include "forwarders/nic6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dhcp/dhcp6_server.h"
#include "lwip/ethip6.h"
#include "lwip/ip6.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip6.h"
#include "lwip/timeouts.h"
#include "base/log.h"
#include "base/resolvconf.h"
#include "stack/stack.h"

#define NIC6_ROUTER_LIFETIME      1800
#define NIC6_VALID_LIFETIME       86400
#define NIC6_PREFERRED_LIFETIME   14400
#define NIC6_DNS_LIFETIME         1800    /* 3 x the longest RA interval */
#define NIC6_INFO_REFRESH         86400
#define NIC6_INITIAL_RAS          3
#define NIC6_FIRST_RA_MS          100
#define NIC6_INITIAL_INTERVAL_MS  4000
#define NIC6_MIN_INTERVAL_MS      200000
#define NIC6_MAX_INTERVAL_MS      600000
#define NIC6_MIN_SOLICITED_MS     1000
#define NIC6_HOST_CHECK_MS        30000
#define NIC6_DNSSL_MAX            512
#define NIC6_RA_MAX               1024

struct nic6 {
	struct netif *netif;
	unsigned adapter;
	const struct nat_config *cfg;
	ip6_addr_t ll;                 /* fe80::2 (fe80::1 on NAT networks), zoned */
	struct ndp_ra ra;              /* all but the router lifetime */
	uint8_t dnssl[NIC6_DNSSL_MAX];
	struct dhcp6_server_config dhcp6;
	unsigned initial_left;         /* initial unsolicited RAs still to send */
	uint64_t last_ra_ms;
	bool ra_due;                   /* a solicited RA waits for the interval */
	struct nic6_guest_addr guests[NIC6_MAX_GUEST_ADDRS];
	struct nic6_counters ctr;
	struct log_ratelimit rl;
};

/* Whether the host has global IPv6; shared by every adapter. */
static struct {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_poll_t poll;
	int nl_fd;
	bool running, polling;
	bool global;
	struct nic6 *nics[NAT_MAX_ADAPTERS];
	unsigned n_nics;
} host6 = { .nl_fd = -1 };

static const uint8_t *addr_bytes(const ip6_addr_t *a)
{
	return (const uint8_t *)a->addr;
}

static void addr_from_bytes(ip6_addr_t *a, const uint8_t *b, struct netif *netif)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->addr, b, 16);
	ip6_addr_assign_zone(a, IP6_UNKNOWN, netif);
}

bool nic6_default_route(const struct nic6 *n)
{
	return n->cfg->ipv6_default == TRI_ON ||
	       (n->cfg->ipv6_default == TRI_DEFAULT && host6.global);
}

/* ---- router advertisements ----------------------------------------------- */

static void nic6_ra_timeout(void *arg);

static void nic6_schedule(struct nic6 *n, uint32_t ms)
{
	sys_untimeout(nic6_ra_timeout, n);
	sys_timeout(ms, nic6_ra_timeout, n);
}

static void nic6_send_ra(struct nic6 *n)
{
	uint8_t msg[NIC6_RA_MAX];
	ip6_addr_t dst;
	struct pbuf *p;
	int len;

	n->ra.router_lifetime = nic6_default_route(n) ? NIC6_ROUTER_LIFETIME : 0;
	len = ndp_build_ra(&n->ra, msg, sizeof(msg));
	if (len < 0) {
		log_ratelimited(&n->rl, LOG_LVL_WARN, "nic%u: cannot build a router advertisement: %s",
				n->adapter, strerror(-len));
		return;
	}
	ip6_addr_set_allnodes_linklocal(&dst);
	ip6_addr_assign_zone(&dst, IP6_MULTICAST, n->netif);
	ndp_set_icmp6_checksum(addr_bytes(&n->ll), addr_bytes(&dst), msg, (size_t)len);
	p = pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, msg, (u16_t)len);
	if (ip6_output_if(p, &n->ll, &dst, 255, 0, IP6_NEXTH_ICMP6, n->netif) == ERR_OK)
		n->ctr.ra_sent++;
	pbuf_free(p);
	n->last_ra_ms = stack_now_ms();
	n->ra_due = false;
}

/* Sends the RA that is due and schedules the next one. Runs inside lwIP's
 * timeout processing: no stack_kick() here. */
static void nic6_ra_timeout(void *arg)
{
	struct nic6 *n = arg;
	uint32_t next;

	nic6_send_ra(n);
	if (n->initial_left > 0) {
		n->initial_left--;
		next = NIC6_INITIAL_INTERVAL_MS;
	} else {
		next = NIC6_MIN_INTERVAL_MS +
		       arc4random_uniform(NIC6_MAX_INTERVAL_MS - NIC6_MIN_INTERVAL_MS);
	}
	sys_timeout(next, nic6_ra_timeout, n);
}

void nic6_readvertise(struct nic6 *n)
{
	if (netif_is_link_up(n->netif)) {
		nic6_send_ra(n);
		stack_kick();
	}
}

/* A router solicitation: an RA now, or as soon as the interval allows. */
static void nic6_solicited(struct nic6 *n)
{
	uint64_t now = stack_now_ms(), since = now - n->last_ra_ms;

	if (n->last_ra_ms == 0 || since >= NIC6_MIN_SOLICITED_MS) {
		nic6_send_ra(n);
		return;
	}
	if (!n->ra_due) {
		n->ra_due = true;
		nic6_schedule(n, (uint32_t)(NIC6_MIN_SOLICITED_MS - since));
	}
}

/* ---- guest addresses --------------------------------------------------------- */

static bool nic6_in_prefix(const struct nic6 *n, const uint8_t *a)
{
	return memcmp(a, n->cfg->prefix6.s6_addr, 8) == 0;
}

static bool nic6_is_own(const struct nic6 *n, const uint8_t *a)
{
	return !memcmp(a, n->cfg->gateway6.s6_addr, 16) || !memcmp(a, n->cfg->dns6.s6_addr, 16);
}

static void nic6_saw_guest(struct nic6 *n, const uint8_t *a, bool confirmed, uint32_t port)
{
	static const uint8_t zero[8];
	struct nic6_guest_addr *slot = NULL;
	uint64_t now;

	if (!nic6_in_prefix(n, a) || nic6_is_own(n, a) || !memcmp(a + 8, zero, 8))
		return; /* not the guest's (prefix::, the subnet-router anycast, neither) */
	now = stack_now_ms();
	for (int i = 0; i < NIC6_MAX_GUEST_ADDRS; i++) {
		struct nic6_guest_addr *g = &n->guests[i];

		if (g->last_ms && !memcmp(addr_bytes(&g->addr), a, 16)) {
			g->last_ms = now;
			g->confirmed |= confirmed;
			g->port = port;
			return;
		}
		if (!slot || g->last_ms < slot->last_ms)
			slot = g; /* free (0) or least recently seen */
	}
	addr_from_bytes(&slot->addr, a, n->netif);
	slot->confirmed = confirmed;
	slot->last_ms = now;
	slot->port = port;
	if (log_get_level() >= LOG_LVL_INFO) {
		char s[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, a, s, sizeof(s));
		log_ratelimited(&n->rl, LOG_LVL_INFO, "nic%u: guest IPv6 address %s%s", n->adapter,
				s, confirmed ? "" : " (duplicate address detection)");
	}
}

uint32_t nic6_guest_port(const struct nic6 *n, const uint8_t *a)
{
	for (int i = 0; i < NIC6_MAX_GUEST_ADDRS; i++)
		if (n->guests[i].last_ms && !memcmp(addr_bytes(&n->guests[i].addr), a, 16))
			return n->guests[i].port;
	return UINT32_MAX;
}

int nic6_guest_addrs(const struct nic6 *n, struct nic6_guest_addr *out, int max)
{
	struct nic6_guest_addr all[NIC6_MAX_GUEST_ADDRS];
	int count = 0;

	for (int i = 0; i < NIC6_MAX_GUEST_ADDRS; i++) {
		int j = count++;

		if (!n->guests[i].last_ms) {
			count--;
			continue;
		}
		/* insertion sort, most recent first */
		for (; j > 0 && all[j - 1].last_ms < n->guests[i].last_ms; j--)
			all[j] = all[j - 1];
		all[j] = n->guests[i];
	}
	if (count > max)
		count = max < 0 ? 0 : max;
	memcpy(out, all, (size_t)count * sizeof(*out));
	return count;
}

/* ---- DHCPv6 -------------------------------------------------------------------- */

static void nic6_dhcp6(struct nic6 *n, const uint8_t *pkt, const struct ndp_ip6_info *info)
{
	static uint8_t out[8 + DHCP6_REPLY_MAX];
	const uint8_t *u = pkt + info->l4_off;
	size_t ulen = (size_t)(u[4] << 8 | u[5]);
	ip6_addr_t dst;
	const ip6_addr_t *src;
	struct pbuf *p;
	uint16_t sum;
	int rc;

	if (info->fragmented || ulen < 8 || ulen > info->l4_len ||
	    ndp_addr_is_unspecified(info->src) ||
	    ndp_checksum6(info->src, info->dst, NDP_PROTO_UDP, u, ulen) != 0) {
		n->ctr.dhcp6_ignored++;
		return;
	}
	rc = dhcp6_server_input(&n->dhcp6, u + 8, ulen - 8, out + 8, sizeof(out) - 8);
	if (rc <= 0) {
		n->ctr.dhcp6_ignored++;
		return;
	}
	addr_from_bytes(&dst, info->src, n->netif);
	src = ip6_addr_islinklocal(&dst) ? &n->ll : netif_ip6_addr(n->netif, 1);
	out[0] = DHCP6_SERVER_PORT >> 8;
	out[1] = DHCP6_SERVER_PORT & 0xff;
	memcpy(out + 2, u, 2); /* to the client's port */
	out[4] = (uint8_t)((8 + rc) >> 8);
	out[5] = (uint8_t)(8 + rc);
	out[6] = out[7] = 0;
	sum = ndp_checksum6(addr_bytes(src), info->src, NDP_PROTO_UDP, out, 8 + (size_t)rc);
	if (sum == 0)
		sum = 0xffff;
	out[6] = (uint8_t)(sum >> 8);
	out[7] = (uint8_t)sum;
	p = pbuf_alloc(PBUF_IP, (u16_t)(8 + rc), PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, out, (u16_t)(8 + rc));
	if (ip6_output_if(p, src, &dst, 64, 0, IP6_NEXTH_UDP, n->netif) == ERR_OK)
		n->ctr.dhcp6_replies++;
	pbuf_free(p);
}

/* ---- input --------------------------------------------------------------------- */

int nic6_input(struct nic6 *n, struct pbuf *p, struct ndp_ip6_info *info, uint32_t port)
{
	static uint8_t flat[0xffff];
	const uint8_t *pkt = p->payload;
	size_t len = p->len;

	if (p->len < p->tot_len) {
		len = pbuf_copy_partial(p, flat, sizeof(flat), 0);
		pkt = flat;
	}
	if (ndp_parse_ip6(pkt, len, info) < 0) {
		n->ctr.dropped[info->bad]++;
		goto taken;
	}
	nic6_saw_guest(n, info->src, true, port);
	if (info->proto == NDP_PROTO_ICMP6) {
		switch (info->icmp_type) {
		case NDP_ICMP6_RS:
			n->ctr.rs_received++;
			nic6_solicited(n);
			goto taken;
		case NDP_ICMP6_RA:
		case NDP_ICMP6_REDIRECT:
			n->ctr.ndp_from_guest_ignored++;
			goto taken;
		case NDP_ICMP6_NS:
			if (ndp_addr_is_unspecified(info->src))
				nic6_saw_guest(n, info->nd_target, false, port); /* DAD */
			break;
		case NDP_ICMP6_NA:
			nic6_saw_guest(n, info->nd_target, false, port);
			break;
		default:
			break;
		}
	} else if (info->proto == NDP_PROTO_UDP && info->l4_len >= 8) {
		const uint8_t *u = pkt + info->l4_off;
		static const uint8_t all_dhcp[16] = { 0xff, 0x02, [13] = 1, [15] = 2 };

		if ((u[2] << 8 | u[3]) == DHCP6_SERVER_PORT &&
		    (!memcmp(info->dst, all_dhcp, 16) || nic6_is_own(n, info->dst) ||
		     !memcmp(info->dst, addr_bytes(&n->ll), 16))) {
			nic6_dhcp6(n, pkt, info);
			goto taken;
		}
	}
	return 0;
taken:
	pbuf_free(p);
	return 1;
}

/* ---- the host's IPv6 ------------------------------------------------------------- */

static bool host6_has_global(void)
{
	struct ifaddrs *ifa, *i;
	bool global = false;

	if (getifaddrs(&ifa) < 0)
		return host6.global; /* keep what we knew */
	for (i = ifa; i && !global; i = i->ifa_next) {
		const struct in6_addr *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		a = &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a) ||
		    IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_SITELOCAL(a) ||
		    (a->s6_addr[0] & 0xfe) == 0xfc)
			continue;
		global = true;
	}
	freeifaddrs(ifa);
	return global;
}

static void host6_check(void)
{
	bool g = host6_has_global();

	if (g == host6.global)
		return;
	host6.global = g;
	log_info("ipv6: the host %s global IPv6 address: guests %s natd as IPv6 default "
		 "router (unless --natipv6default<x> says otherwise)", g ? "has a" : "has no",
		 g ? "get" : "do not get");
	for (unsigned i = 0; i < NAT_MAX_ADAPTERS; i++)
		if (host6.nics[i] && host6.nics[i]->cfg->ipv6_default == TRI_DEFAULT)
			nic6_send_ra(host6.nics[i]);
	stack_kick();
}

static void host6_timer_cb(uv_timer_t *t)
{
	(void)t;
	host6_check();
}

static void host6_poll_cb(uv_poll_t *h, int status, int events)
{
	char buf[8192];

	(void)h;
	(void)events;
	if (status < 0)
		return;
	/* The messages only say something changed: read them all, look once. */
	while (recv(host6.nl_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	host6_check();
}

static void host6_timer_closed(uv_handle_t *h)
{
	(void)h;
}

static void host6_poll_closed(uv_handle_t *h)
{
	(void)h;
	close(host6.nl_fd);
	host6.nl_fd = -1;
}

static void host6_start(uv_loop_t *loop)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV6_IFADDR | RTMGRP_LINK };
	int fd;

	host6.loop = loop;
	host6.global = host6_has_global();
	uv_timer_init(loop, &host6.timer);
	uv_timer_start(&host6.timer, host6_timer_cb, NIC6_HOST_CHECK_MS, NIC6_HOST_CHECK_MS);
	host6.running = true;
	log_info("ipv6: the host %s global IPv6 address", host6.global ? "has a" : "has no");

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    uv_poll_init(loop, &host6.poll, fd) < 0) {
		log_warn("ipv6: no rtnetlink (%s): host addresses checked every %u s only",
			 strerror(errno), NIC6_HOST_CHECK_MS / 1000);
		if (fd >= 0)
			close(fd);
		return;
	}
	host6.nl_fd = fd;
	uv_poll_start(&host6.poll, UV_READABLE, host6_poll_cb);
	host6.polling = true;
}

static void host6_stop(void)
{
	if (host6.running)
		uv_close((uv_handle_t *)&host6.timer, host6_timer_closed);
	if (host6.polling)
		uv_close((uv_handle_t *)&host6.poll, host6_poll_closed);
	host6.running = host6.polling = false;
}

/* ---- adapter life -------------------------------------------------------------- */

/* The DNS servers handed out: the proxy, or the host's IPv6 ones a guest can
 * reach (not loopback, link-local or IPv4-mapped), or else the proxy. */
static unsigned nic6_dns_servers(const struct nat_config *cfg, const struct resolvconf *rc,
				 uint8_t out[][16], unsigned max)
{
	unsigned n = 0;

	if (!cfg->dns_proxy && rc) {
		for (unsigned i = 0; i < rc->n_ns && n < max; i++) {
			const struct sockaddr_in6 *s = (const void *)&rc->ns[i];

			if (s->sin6_family != AF_INET6 || IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) ||
			    IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr) ||
			    IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) ||
			    IN6_IS_ADDR_UNSPECIFIED(&s->sin6_addr))
				continue;
			memcpy(out[n++], s->sin6_addr.s6_addr, 16);
		}
	}
	if (n == 0)
		memcpy(out[n++], cfg->dns6.s6_addr, 16);
	return n;
}

static void nic6_set_addr(struct netif *netif, s8_t idx, const uint8_t *a)
{
	ip6_addr_t ip;

	memset(&ip, 0, sizeof(ip));
	memcpy(ip.addr, a, 16);
	netif_ip6_addr_set(netif, idx, &ip);
	netif_ip6_addr_set_state(netif, idx, IP6_ADDR_PREFERRED);
}

_Static_assert(DHCP6_MAX_DNS == NDP_MAX_RDNSS, "RDNSS and DHCPv6 share one list");

/* RDNSS, DNSSL and the DHCPv6 answers from the resolver file, as it is now.
 * Returns true when they changed. */
static bool nic6_load_dns(struct nic6 *n)
{
	uint8_t rdnss[NDP_MAX_RDNSS][16], dnssl[NIC6_DNSSL_MAX];
	const char *names[RESOLVCONF_MAX_SEARCH];
	struct resolvconf rc;
	unsigned n_names = 0, n_rdnss;
	size_t dnssl_len = 0;
	bool have_rc, changed;

	have_rc = resolvconf_load(resolvconf_path(), &rc) == 0;
	if (have_rc)
		for (unsigned i = 0; i < rc.n_search; i++)
			names[n_names++] = rc.search[i];
	/* as many search domains as fit */
	for (unsigned i = 0; i < n_names; i++) {
		int l = dhcp6_domain_list_encode(&names[i], 1, dnssl + dnssl_len,
						 sizeof(dnssl) - dnssl_len);

		if (l < 0)
			break;
		dnssl_len += (size_t)l;
	}
	memset(rdnss, 0, sizeof(rdnss));
	n_rdnss = nic6_dns_servers(n->cfg, have_rc ? &rc : NULL, rdnss, NDP_MAX_RDNSS);
	changed = n_rdnss != n->ra.n_rdnss || memcmp(rdnss, n->ra.rdnss, sizeof(rdnss)) ||
		  dnssl_len != n->ra.dnssl_len || memcmp(dnssl, n->dnssl, dnssl_len);

	memcpy(n->ra.rdnss, rdnss, sizeof(rdnss));
	n->ra.n_rdnss = n_rdnss;
	memcpy(n->dnssl, dnssl, dnssl_len);
	n->ra.dnssl = dnssl_len ? n->dnssl : NULL;
	n->ra.dnssl_len = dnssl_len;
	memcpy(n->dhcp6.dns, rdnss, sizeof(n->dhcp6.dns));
	n->dhcp6.n_dns = n_rdnss;
	memcpy(n->dhcp6.domains, dnssl, dnssl_len);
	n->dhcp6.domains_len = dnssl_len;
	return changed;
}

void nic6_resolvconf_changed(struct nic6 *n)
{
	char a[INET6_ADDRSTRLEN];

	if (!nic6_load_dns(n))
		return;
	inet_ntop(AF_INET6, n->ra.rdnss[0], a, sizeof(a));
	log_info("nic%u: the resolver file changed: RAs and DHCPv6 now name DNS %s%s", n->adapter,
		 a, n->ra.n_rdnss > 1 ? " and more" : "");
	nic6_readvertise(n);
}

void nic6_set_loopback6(struct nic6 *n, const struct in6_addr *a)
{
	if (memcmp(n->cfg->dns6.s6_addr, n->cfg->gateway6.s6_addr, 16))
		return; /* the third address is the DNS proxy's (natd run) */
	if (a)
		nic6_set_addr(n->netif, 2, a->s6_addr);
	else
		netif_ip6_addr_set_state(n->netif, 2, IP6_ADDR_INVALID);
}

int nic6_start(uv_loop_t *loop, struct netif *netif, unsigned adapter,
	       const struct nat_config *cfg, struct nic6 **out, char *err, size_t errlen)
{
	uint8_t ll[16] = { 0xfe, 0x80 };
	struct nic6 *n;

	if (adapter < 1 || adapter > NAT_MAX_ADAPTERS) {
		snprintf(err, errlen, "ipv6: bad adapter number %u", adapter);
		return -EINVAL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->netif = netif;
	n->adapter = adapter;
	n->cfg = cfg;
	n->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT;

	netif->output_ip6 = ethip6_output;
	/* the router's link-local address has the gateway's interface ID */
	memcpy(ll + 8, cfg->gateway6.s6_addr + 8, 8);
	nic6_set_addr(netif, 0, ll);
	nic6_set_addr(netif, 1, cfg->gateway6.s6_addr);
	if (memcmp(cfg->dns6.s6_addr, cfg->gateway6.s6_addr, 16))
		nic6_set_addr(netif, 2, cfg->dns6.s6_addr);
	else if (cfg->loopback6_set)
		nic6_set_addr(netif, 2, cfg->loopback6.s6_addr);
	ip6_addr_copy(n->ll, *netif_ip6_addr(netif, 0));

	n->ra.cur_hop_limit = 64;
	n->ra.other_config = true;
	memcpy(n->ra.src_mac, netif->hwaddr, 6);
	n->ra.mtu = cfg->mtu;
	memcpy(n->ra.prefix, cfg->prefix6.s6_addr, 16);
	n->ra.prefix_len = 64;
	n->ra.valid_lifetime = NIC6_VALID_LIFETIME;
	n->ra.preferred_lifetime = NIC6_PREFERRED_LIFETIME;
	n->ra.dns_lifetime = NIC6_DNS_LIFETIME;
	n->dhcp6.duid_len = dhcp6_duid_ll(netif->hwaddr, n->dhcp6.duid);
	nic6_load_dns(n);
	n->dhcp6.info_refresh = NIC6_INFO_REFRESH;

	if (host6.n_nics++ == 0)
		host6_start(loop);
	host6.nics[adapter - 1] = n;
	*out = n;
	return 0;
}

void nic6_link(struct nic6 *n, bool up)
{
	nd6_cleanup_netif(n->netif);
	memset(n->guests, 0, sizeof(n->guests));
	sys_untimeout(nic6_ra_timeout, n);
	n->ra_due = false;
	if (!up)
		return;
	n->initial_left = NIC6_INITIAL_RAS - 1;
	sys_timeout(NIC6_FIRST_RA_MS, nic6_ra_timeout, n);
	stack_kick();
}

void nic6_get_counters(const struct nic6 *n, struct nic6_counters *c)
{
	*c = n->ctr;
}

void nic6_stop(struct nic6 *n)
{
	sys_untimeout(nic6_ra_timeout, n);
	host6.nics[n->adapter - 1] = NULL;
	if (--host6.n_nics == 0)
		host6_stop();
	free(n);
}
