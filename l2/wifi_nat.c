/* SPDX-License-Identifier: MIT */
/*
 * wifi_nat.c - source-MAC rewriting for bridged adapters in wireless mode
 * (see wifi_nat.h).
 *
 * Theory of operation
 * -------------------
 * From the VM: a frame whose source is not the VM's MAC is dropped (a guest
 * must not speak for another VM bridged to the same interface: natd would
 * otherwise learn that VM's addresses for it). ARP: the sender's protocol
 * address is learnt, the sender's hardware address (the VM's) becomes IF's.
 * IPv4: the source address is learnt; a DHCP request (UDP 68 -> 67) gets
 * the broadcast flag, with the UDP checksum adjusted. IPv6: the source
 * address is learnt (not :: or multicast), and so is the target of a
 * duplicate address detection probe or a neighbour advertisement; NDP
 * source and target link-layer address options that carry the VM's MAC
 * carry IF's, and the ICMPv6 checksum is recomputed. Then the source MAC
 * becomes IF's.
 *
 * To the VM: group frames pass unchanged (ARP, IPv4, IPv6). Unicast frames
 * pass only when sent to IF's MAC for a learnt address (ARP: the target
 * protocol address; IP: the destination): the destination MAC, and an ARP
 * target hardware address of IF's, become the VM's. A DHCP reply to the
 * VM's chaddr teaches its yiaddr, so the LAN reaches the VM before it has
 * sent anything from that address.
 */
#include "l2/wifi_nat.h"

#include <string.h>

#include "base/bytes.h"
#include "base/csum.h"

#define ETH_HLEN 14
#define ET_IPV4 0x0800
#define ET_ARP  0x0806
#define ET_IPV6 0x86dd

void wifi_nat_init(struct wifi_nat *w, const uint8_t if_mac[6], const uint8_t vm_mac[6])
{
	memset(w, 0, sizeof(*w));
	memcpy(w->if_mac, if_mac, 6);
	memcpy(w->vm_mac, vm_mac, 6);
}

void wifi_nat_set_if_mac(struct wifi_nat *w, const uint8_t if_mac[6])
{
	memcpy(w->if_mac, if_mac, 6);
}

bool wifi_nat_has_v4(const struct wifi_nat *w, struct in_addr a)
{
	for (unsigned i = 0; i < w->n_v4; i++)
		if (w->v4[i].s_addr == a.s_addr)
			return true;
	return false;
}

bool wifi_nat_has_v6(const struct wifi_nat *w, const struct in6_addr *a)
{
	for (unsigned i = 0; i < w->n_v6; i++)
		if (!memcmp(&w->v6[i], a, sizeof(*a)))
			return true;
	return false;
}

static void learn_v4(struct wifi_nat *w, const uint8_t *p)
{
	struct in_addr a;

	memcpy(&a, p, 4);
	/* Not 0.0.0.0, not multicast, broadcast or class E. */
	if (a.s_addr == 0 || p[0] >= 224 || wifi_nat_has_v4(w, a))
		return;
	w->v4[w->next_v4] = a;
	w->next_v4 = (w->next_v4 + 1) % WIFI_NAT_ADDRS;
	if (w->n_v4 < WIFI_NAT_ADDRS)
		w->n_v4++;
}

static void learn_v6(struct wifi_nat *w, const uint8_t *p)
{
	static const uint8_t zero[16];
	struct in6_addr a;

	if (!memcmp(p, zero, 16) || p[0] == 0xff)
		return;
	memcpy(&a, p, 16);
	if (wifi_nat_has_v6(w, &a))
		return;
	w->v6[w->next_v6] = a;
	w->next_v6 = (w->next_v6 + 1) % WIFI_NAT_ADDRS;
	if (w->n_v6 < WIFI_NAT_ADDRS)
		w->n_v6++;
}

/* ARP for Ethernet and IPv4: 28 bytes from p. */
static bool arp_ok(const uint8_t *p, size_t len)
{
	return len >= 28 && get16(p) == 1 && get16(p + 2) == ET_IPV4 && p[4] == 6 && p[5] == 4;
}

/* The IPv4 header at p: its length, or 0 when it does not fit. */
static size_t ip4_hlen(const uint8_t *p, size_t len)
{
	size_t hl;

	if (len < 20 || (p[0] >> 4) != 4)
		return 0;
	hl = (size_t)(p[0] & 15) * 4;
	return hl >= 20 && hl <= len ? hl : 0;
}

/* A DHCP request's broadcast flag; the UDP checksum follows (RFC 1624). */
static void dhcp_set_broadcast(uint8_t *ip, size_t hl, size_t len)
{
	uint8_t *udp = ip + hl, *flags;
	uint16_t old, sum;
	uint32_t s;

	if ((get16(ip + 6) & 0x3fff) || ip[9] != 17 || len < hl + 8 + 12)
		return; /* a fragment, not UDP, or no room for the flags */
	if (get16(udp) != 68 || get16(udp + 2) != 67 || udp[8] != 1)
		return;
	flags = udp + 8 + 10;
	old = get16(flags);
	if (old & 0x8000)
		return;
	put16(flags, old | 0x8000);
	sum = get16(udp + 6);
	if (sum == 0)
		return; /* no checksum */
	s = (uint32_t)(uint16_t)~sum + (uint16_t)~old + (uint16_t)(old | 0x8000);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	sum = (uint16_t)~s;
	put16(udp + 6, sum ? sum : 0xffff);
}

/* Rewrites NDP link-layer address options from one MAC to another in the
 * ICMPv6 message at p (plen bytes); true when one changed. */
static bool ndp_rewrite(uint8_t *p, size_t plen, const uint8_t from[6], const uint8_t to[6])
{
	size_t off;
	bool changed = false;

	switch (p[0]) {
	case 133: off = 8; break;   /* router solicitation */
	case 134: off = 16; break;  /* router advertisement */
	case 135: case 136: off = 24; break; /* neighbour solicitation, advertisement */
	case 137: off = 40; break;  /* redirect */
	default: return false;
	}
	while (off + 2 <= plen) {
		size_t olen = (size_t)p[off + 1] * 8;

		if (olen == 0 || off + olen > plen)
			break;
		if ((p[off] == 1 || p[off] == 2) && olen >= 8 && !memcmp(p + off + 2, from, 6)) {
			memcpy(p + off + 2, to, 6);
			changed = true;
		}
		off += olen;
	}
	return changed;
}

static void icmp6_checksum(uint8_t *ip6, uint8_t *p, size_t plen)
{
	uint64_t sum;
	uint16_t c;

	p[2] = p[3] = 0;
	sum = csum_add(0, ip6 + 8, 32);
	sum = csum_add16(sum, (uint16_t)plen);
	sum = csum_add16(sum, 58);
	sum = csum_add(sum, p, plen);
	c = (uint16_t)~csum_fold(sum);
	memcpy(p + 2, &c, 2);
}

/* The IPv6 packet at ip6 (len bytes): its ICMPv6 payload and length when it
 * is one, directly after the fixed header; NULL otherwise. */
static uint8_t *icmp6_of(uint8_t *ip6, size_t len, size_t *plen)
{
	size_t pl = get16(ip6 + 4);

	if (ip6[6] != 58 || pl < 4 || 40 + pl > len)
		return NULL;
	*plen = pl;
	return ip6 + 40;
}

static enum wifi_verdict drop(struct wifi_nat *w, enum wifi_verdict v)
{
	switch (v) {
	case WIFI_BAD_TYPE: w->st.bad_type++; break;
	case WIFI_FORGED: w->st.forged++; break;
	case WIFI_MALFORMED: w->st.malformed++; break;
	case WIFI_NOT_OURS: w->st.not_ours++; break;
	case WIFI_PASS: break;
	}
	return v;
}

enum wifi_verdict wifi_nat_from_vm(struct wifi_nat *w, uint8_t *f, size_t len)
{
	uint8_t *p = f + ETH_HLEN;
	size_t pl;

	if (len < ETH_HLEN)
		return drop(w, WIFI_MALFORMED);
	if (memcmp(f + 6, w->vm_mac, 6))
		return drop(w, WIFI_FORGED);
	pl = len - ETH_HLEN;
	switch (get16(f + 12)) {
	case ET_ARP:
		if (!arp_ok(p, pl))
			return drop(w, WIFI_MALFORMED);
		if (memcmp(p + 8, w->vm_mac, 6))
			return drop(w, WIFI_FORGED);
		learn_v4(w, p + 14);
		memcpy(p + 8, w->if_mac, 6);
		break;
	case ET_IPV4: {
		size_t hl = ip4_hlen(p, pl);

		if (!hl)
			return drop(w, WIFI_MALFORMED);
		learn_v4(w, p + 12);
		dhcp_set_broadcast(p, hl, pl);
		break;
	}
	case ET_IPV6: {
		uint8_t *icmp;
		size_t il;

		if (pl < 40 || (p[0] >> 4) != 6)
			return drop(w, WIFI_MALFORMED);
		learn_v6(w, p + 8);
		icmp = icmp6_of(p, pl, &il);
		if (!icmp)
			break;
		if (icmp[0] == 136 && il >= 24)
			learn_v6(w, icmp + 8);     /* advertised target */
		if (icmp[0] == 135 && il >= 24 && p[8] == 0 && !memcmp(p + 8, p + 9, 15))
			learn_v6(w, icmp + 8);     /* duplicate address detection */
		if (ndp_rewrite(icmp, il, w->vm_mac, w->if_mac))
			icmp6_checksum(p, icmp, il);
		break;
	}
	default:
		return drop(w, WIFI_BAD_TYPE);
	}
	memcpy(f + 6, w->if_mac, 6);
	w->st.from_vm++;
	return WIFI_PASS;
}

/* A DHCP reply for the VM's MAC: its yiaddr is the VM's. */
static void dhcp_learn_reply(struct wifi_nat *w, const uint8_t *ip, size_t hl, size_t len)
{
	const uint8_t *udp = ip + hl, *b = udp + 8;

	if ((get16(ip + 6) & 0x3fff) || ip[9] != 17 || len < hl + 8 + 34)
		return;
	if (get16(udp) != 67 || get16(udp + 2) != 68 || b[0] != 2 || b[1] != 1 || b[2] != 6)
		return;
	if (!memcmp(b + 28, w->vm_mac, 6))
		learn_v4(w, b + 16);
}

enum wifi_verdict wifi_nat_to_vm(struct wifi_nat *w, uint8_t *f, size_t len)
{
	uint8_t *p = f + ETH_HLEN;
	bool group, to_if;
	size_t pl;
	struct in_addr a4;
	struct in6_addr a6;

	if (len < ETH_HLEN)
		return drop(w, WIFI_MALFORMED);
	group = f[0] & 1;
	to_if = !memcmp(f, w->if_mac, 6);
	pl = len - ETH_HLEN;
	switch (get16(f + 12)) {
	case ET_ARP:
		if (!arp_ok(p, pl))
			return drop(w, WIFI_MALFORMED);
		if (group)
			break;
		memcpy(&a4, p + 24, 4);
		if (!to_if || !wifi_nat_has_v4(w, a4))
			return drop(w, WIFI_NOT_OURS);
		if (!memcmp(p + 18, w->if_mac, 6))
			memcpy(p + 18, w->vm_mac, 6);
		break;
	case ET_IPV4: {
		size_t hl = ip4_hlen(p, pl);

		if (!hl)
			return drop(w, WIFI_MALFORMED);
		dhcp_learn_reply(w, p, hl, pl);
		if (group)
			break;
		memcpy(&a4, p + 16, 4);
		if (!to_if || !wifi_nat_has_v4(w, a4))
			return drop(w, WIFI_NOT_OURS);
		break;
	}
	case ET_IPV6:
		if (pl < 40 || (p[0] >> 4) != 6)
			return drop(w, WIFI_MALFORMED);
		if (group)
			break;
		memcpy(&a6, p + 24, 16);
		if (!to_if || !wifi_nat_has_v6(w, &a6))
			return drop(w, WIFI_NOT_OURS);
		break;
	default:
		return drop(w, WIFI_BAD_TYPE);
	}
	if (!group)
		memcpy(f, w->vm_mac, 6);
	w->st.to_vm++;
	return WIFI_PASS;
}
