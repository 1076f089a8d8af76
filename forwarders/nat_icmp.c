/* SPDX-License-Identifier: MIT */
/*
 * nat_icmp.c - ICMP and ICMPv6 errors to the guest about its flows: built
 * by natd itself (TTL exceeded at the gateway, unreachable, packet too big)
 * or relayed from the error queue of a flow's host socket (IP_RECVERR,
 * IPV6_RECVERR: what the host's kernel received from a router or the
 * remote), with the guest's own packet quoted so that its stack can match
 * the error to a socket (see nat_internal.h).
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarders/nat_internal.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/ip6.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "stack/ndp.h"

size_t nat_icmp6_error_build(uint8_t *b, uint8_t type, uint8_t code, uint32_t info,
			     const uint8_t from[16], const uint8_t to[16], const uint8_t *orig,
			     size_t orig_len)
{
	/* An ICMPv6 error fits the minimum MTU (RFC 4443 2.4 (c)). */
	size_t n = orig_len > NAT_ICMP6_QUOTE_MAX ? NAT_ICMP6_QUOTE_MAX : orig_len;

	b[0] = type;
	b[1] = code;
	b[2] = 0;
	b[3] = 0;
	b[4] = (uint8_t)(info >> 24);
	b[5] = (uint8_t)(info >> 16);
	b[6] = (uint8_t)(info >> 8);
	b[7] = (uint8_t)info;
	memcpy(b + 8, orig, n);
	ndp_set_icmp6_checksum(from, to, b, 8 + n);
	return 8 + n;
}

void nat_icmp6_error_pkt(struct nic *nic, uint8_t type, uint8_t code, uint32_t info,
			 const ip6_addr_t *from, const ip6_addr_t *to, const uint8_t *orig,
			 size_t orig_len)
{
	size_t n = orig_len > NAT_ICMP6_QUOTE_MAX ? NAT_ICMP6_QUOTE_MAX : orig_len;
	struct pbuf *p;

	p = pbuf_alloc(PBUF_IP, (u16_t)(8 + n), PBUF_RAM);
	if (!p)
		return;
	nat_icmp6_error_build(p->payload, type, code, info, (const uint8_t *)from->addr,
			      (const uint8_t *)to->addr, orig, n);
	nat_output6(nic, p, IP6_NEXTH_ICMP6, from, to);
	pbuf_free(p);
}

size_t nat_icmp6_quote(uint8_t pkt[IP6_HLEN + 8], const struct flow_key *k, uint8_t ip_proto,
		       const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	uint16_t plen = orig_len > IP6_HLEN ? (uint16_t)(orig_len - IP6_HLEN) : 0;

	if (l4len > 8)
		l4len = 8;
	/* The guest's packet as it left the guest. */
	memset(pkt, 0, IP6_HLEN + 8);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(plen >> 8);
	pkt[5] = (uint8_t)plen;
	pkt[6] = ip_proto;
	pkt[7] = 1;
	memcpy(pkt + 8, k->gaddr, 16);
	memcpy(pkt + 24, k->raddr, 16);
	memcpy(pkt + IP6_HLEN, l4, l4len);
	return IP6_HLEN + l4len;
}

void nat_icmp6_error(struct nic *nic, uint8_t type, uint8_t code, uint32_t info,
		     const ip6_addr_t *from, const struct flow_key *k, uint8_t ip_proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	uint8_t pkt[IP6_HLEN + 8];
	size_t n = nat_icmp6_quote(pkt, k, ip_proto, l4, l4len, orig_len);
	ip6_addr_t to;

	nat_key_addr6(&to, k->gaddr, nic);
	nat_icmp6_error_pkt(nic, type, code, info, from, &to, pkt, n);
}

size_t nat_icmp4_error_build(uint8_t *b, uint8_t type, uint8_t code, uint16_t mtu,
			     const struct flow_key *k, uint8_t ip_proto, const uint8_t *l4,
			     size_t l4len, uint16_t orig_len)
{
	struct ip_hdr *iph;
	uint32_t gaddr, raddr;

	if (l4len > 8)
		l4len = 8;
	memset(b, 0, 8 + IP_HLEN);
	b[0] = type;
	b[1] = code;
	if (type == ICMP_DUR && code == ICMP_DUR_FRAG) {
		b[6] = (uint8_t)(mtu >> 8);
		b[7] = (uint8_t)mtu;
	}
	/* The guest's packet as it left the guest. */
	memcpy(&gaddr, k->gaddr, 4);
	memcpy(&raddr, k->raddr, 4);
	iph = (struct ip_hdr *)(b + 8);
	IPH_VHL_SET(iph, 4, IP_HLEN / 4);
	IPH_LEN_SET(iph, lwip_htons(orig_len));
	IPH_TTL_SET(iph, 1);
	IPH_PROTO_SET(iph, ip_proto);
	iph->src.addr = gaddr;
	iph->dest.addr = raddr;
	IPH_CHKSUM_SET(iph, inet_chksum(iph, IP_HLEN));
	memcpy(b + 8 + IP_HLEN, l4, l4len);
	((struct icmp_echo_hdr *)b)->chksum = inet_chksum(b, (u16_t)(8 + IP_HLEN + l4len));
	return 8 + IP_HLEN + l4len;
}

void nat_icmp4_error(struct nic *nic, uint8_t type, uint8_t code, uint16_t mtu,
		     uint32_t from, const struct flow_key *k, uint8_t ip_proto,
		     const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	struct pbuf *p;
	uint32_t gaddr;

	if (l4len > 8)
		l4len = 8;
	p = pbuf_alloc(PBUF_IP, (u16_t)(8 + IP_HLEN + l4len), PBUF_RAM);
	if (!p)
		return;
	nat_icmp4_error_build(p->payload, type, code, mtu, k, ip_proto, l4, l4len, orig_len);
	memcpy(&gaddr, k->gaddr, 4);
	nat_output4(nic, p, IP_PROTO_ICMP, from, gaddr);
	pbuf_free(p);
}

/*
 * The transport header an error is about. A flow keeps only the guest's
 * last header, but one echo flow carries many requests (traceroute -I sends
 * a burst with one id and rising sequence numbers): a ping socket's error
 * comes with the request it quotes (ICMP header first, the kernel's id), so
 * its sequence number goes into the guest's header, with the checksum
 * adjusted for it (RFC 1624), and the guest can tell which request died.
 */
const uint8_t *nat_err_header(uint8_t ip_proto, const uint8_t *l4, size_t l4len,
			      const uint8_t *quoted, ssize_t qlen, uint8_t out[8])
{
	uint32_t sum;

	if ((ip_proto != IP_PROTO_ICMP && ip_proto != IP6_NEXTH_ICMP6) || l4len < 8 ||
	    qlen < 8 || !memcmp(l4 + 6, quoted + 6, 2))
		return l4;
	memcpy(out, l4, 8);
	sum = (uint16_t)~(out[2] << 8 | out[3]);
	sum += (uint16_t)~(out[6] << 8 | out[7]);
	sum += (uint32_t)(quoted[6] << 8 | quoted[7]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	out[2] = (uint8_t)(~sum >> 8);
	out[3] = (uint8_t)~sum;
	out[6] = quoted[6];
	out[7] = quoted[7];
	return out;
}

int nat_err_decode(int level, int type, const uint8_t *data, size_t len, int family,
		   struct nat_err *e)
{
	struct sock_extended_err ee;

	memset(e, 0, sizeof(*e));
	if (level == IPPROTO_IPV6 && type == IPV6_RECVERR && family == AF_INET6) {
		struct sockaddr_in6 off6;

		if (len < sizeof(ee) + sizeof(off6))
			return 0;
		memcpy(&ee, data, sizeof(ee));
		memcpy(&off6, data + sizeof(ee), sizeof(off6)); /* SO_EE_OFFENDER */
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP6 || off6.sin6_family != AF_INET6)
			return 0;
		e->family = AF_INET6;
		e->type = ee.ee_type;
		e->code = ee.ee_code;
		if (ee.ee_type == ICMP6_TYPE_PTB || ee.ee_type == ICMP6_TYPE_PP)
			e->info = ee.ee_info;
		memcpy(e->from, off6.sin6_addr.s6_addr, 16);
		return 1;
	}
	if (level == IPPROTO_IP && type == IP_RECVERR && family == AF_INET) {
		struct sockaddr_in off;

		if (len < sizeof(ee) + sizeof(off))
			return 0;
		memcpy(&ee, data, sizeof(ee));
		memcpy(&off, data + sizeof(ee), sizeof(off));
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP || off.sin_family != AF_INET)
			return 0;
		e->family = AF_INET;
		e->type = ee.ee_type;
		e->code = ee.ee_code;
		e->info = (uint16_t)ee.ee_info;
		memcpy(e->from, &off.sin_addr.s_addr, 4);
		return 1;
	}
	return 0;
}

int nat_relay_errqueue(int fd, struct nic *nic, const struct flow_key *k, uint8_t ip_proto,
		       const uint8_t *l4, size_t l4len, uint16_t orig_len)
{
	const uint8_t *guest_l4 = l4;
	int relayed = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t data[64], ctl[512], hdr[8];
		struct iovec iov = { data, sizeof(data) };
		struct sockaddr_storage from;
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0)
			break;
		l4 = nat_err_header(ip_proto, guest_l4, l4len, data, n, hdr);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct nat_err e;

			if (!nat_err_decode(cm->cmsg_level, cm->cmsg_type, CMSG_DATA(cm),
					    cm->cmsg_len - CMSG_LEN(0), k->family, &e))
				continue;
			if (e.family == AF_INET6) {
				ip6_addr_t a;

				nat_key_addr6(&a, e.from, nic);
				nat_icmp6_error(nic, e.type, e.code, e.info, &a, k, ip_proto, l4,
						l4len, orig_len);
			} else {
				uint32_t a;

				memcpy(&a, e.from, 4);
				nat_icmp4_error(nic, e.type, e.code, (uint16_t)e.info, a, k,
						ip_proto, l4, l4len, orig_len);
			}
			relayed++;
		}
	}
	return relayed;
}
