/* SPDX-License-Identifier: MIT */
/*
 * vnet.c - virtio-net headers for frames natd sends and checks of frames it
 * receives on an offloading tap (see vnet.h). Frames are parsed with bounds
 * checks on every read: what comes from the kernel is whatever the guest
 * side sent.
 */
#include "devices/vnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "base/csum.h"
#include "base/bytes.h"

#define VNET_ETH_HLEN 14
/* IPv6 extension headers walked before giving up on finding L4. */
#define VNET_IP6_MAX_EXT 8

/* Where a frame's transport header is. */
struct vnet_l4 {
	int family;      /* 4 or 6 */
	uint8_t proto;   /* IPPROTO_TCP, IPPROTO_UDP, ... */
	bool fragment;   /* an IP fragment: no whole L4 packet here */
	size_t l4off;    /* from the start of the frame */
	size_t l4len;    /* transport header + payload, from the IP length */
};


/*
 * Finds the transport header of the Ethernet frame of len bytes whose first
 * avail bytes are at f (avail <= len). Returns 0 and *l, or -EINVAL when the
 * frame is not IPv4/IPv6, is malformed or truncated (lwIP drops those), or
 * its headers do not fit in avail.
 */
static int vnet_find_l4(const uint8_t *f, size_t avail, size_t len, struct vnet_l4 *l)
{
	size_t end, off;
	uint16_t type;

	memset(l, 0, sizeof(*l));
	if (avail < VNET_ETH_HLEN)
		return -EINVAL;
	type = get16(f + 12);
	if (type == 0x0800) {
		const uint8_t *ip = f + VNET_ETH_HLEN;
		size_t ihl, tot;

		if (avail < VNET_ETH_HLEN + 20 || (ip[0] >> 4) != 4)
			return -EINVAL;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		tot = get16(ip + 2);
		if (ihl < 20 || avail < VNET_ETH_HLEN + ihl || tot < ihl ||
		    tot > len - VNET_ETH_HLEN)
			return -EINVAL;
		l->family = 4;
		l->proto = ip[9];
		l->fragment = (get16(ip + 6) & 0x3fff) != 0; /* MF or an offset */
		l->l4off = VNET_ETH_HLEN + ihl;
		l->l4len = tot - ihl;
		return 0;
	}
	if (type == 0x86dd) {
		const uint8_t *ip = f + VNET_ETH_HLEN;
		uint8_t nh;
		int i;

		if (avail < VNET_ETH_HLEN + 40 || (ip[0] >> 4) != 6)
			return -EINVAL;
		end = VNET_ETH_HLEN + 40 + (size_t)get16(ip + 4);
		if (end == VNET_ETH_HLEN + 40 || end > len)
			return -EINVAL; /* empty, jumbogram or truncated */
		nh = ip[6];
		off = VNET_ETH_HLEN + 40;
		for (i = 0; i < VNET_IP6_MAX_EXT; i++) {
			if (nh == 44) { /* fragment header */
				l->fragment = true;
				break;
			}
			if (nh != 0 && nh != 43 && nh != 60) /* hop-by-hop, routing, dest */
				break;
			if (off + 2 > avail || off + 2 > end)
				return -EINVAL;
			nh = f[off];
			off += ((size_t)f[off + 1] + 1) * 8;
			if (off > end)
				return -EINVAL;
		}
		if (i == VNET_IP6_MAX_EXT)
			return -EINVAL;
		l->family = 6;
		l->proto = nh;
		l->l4off = off;
		l->l4len = end - off;
		return 0;
	}
	return -EINVAL;
}

/* The pseudo-header sum of l's packet (addresses from f, which has them). */
static uint64_t vnet_pseudo_sum(const uint8_t *f, const struct vnet_l4 *l)
{
	uint64_t sum;

	if (l->family == 4)
		sum = csum_add(0, f + VNET_ETH_HLEN + 12, 8);
	else
		sum = csum_add(0, f + VNET_ETH_HLEN + 8, 32);
	sum = csum_add16(sum, l->proto);
	return csum_add16(sum, (uint16_t)l->l4len);
}

void vnet_tx_prepare(struct vnet_tx *t, const struct iovec *iov, int iovcnt, size_t len,
		     unsigned int mtu, unsigned int seg)
{
	struct vnet_l4 l;
	size_t n = 0, doff, room, l3hdrs;
	uint16_t ps;
	int i;

	memset(&t->vh, 0, sizeof(t->vh));
	t->hdrs_len = 0;
	for (i = 0; i < iovcnt && n < sizeof(t->hdrs); i++) {
		size_t c = iov[i].iov_len;

		if (c > sizeof(t->hdrs) - n)
			c = sizeof(t->hdrs) - n;
		memcpy(t->hdrs + n, iov[i].iov_base, c);
		n += c;
	}
	if (n > len)
		n = len;
	if (vnet_find_l4(t->hdrs, n, len, &l) < 0 || l.fragment || l.proto != IPPROTO_TCP ||
	    l.l4len < 20 || l.l4off + 20 > n)
		return;
	doff = (size_t)(t->hdrs[l.l4off + 12] >> 4) * 4;
	if (doff < 20 || doff > l.l4len || l.l4off + doff > n)
		return;
	ps = csum_fold(vnet_pseudo_sum(t->hdrs, &l));
	memcpy(t->hdrs + l.l4off + 16, &ps, 2);
	t->hdrs_len = l.l4off + doff;
	t->paylen = l.l4len - doff;
	t->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	t->vh.csum_start = (uint16_t)l.l4off;
	t->vh.csum_offset = 16;
	/* Payload one MTU-sized frame holds with these headers. */
	l3hdrs = l.l4off - VNET_ETH_HLEN + doff;
	room = mtu > l3hdrs ? mtu - l3hdrs : 0;
	/* The receiver's MSS counts the TCP options in. */
	if (seg && seg > doff - 20 && seg - (doff - 20) < room)
		room = seg - (doff - 20);
	if (room && room <= 0xffff && l.l4len - doff > room) {
		t->vh.gso_type = l.family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		t->vh.gso_size = (uint16_t)room;
		t->vh.hdr_len = (uint16_t)t->hdrs_len;
	}
}

/*
 * Sum of the len bytes of iov from byte skip on, as if they started at an
 * even offset of the summed data.
 */
static uint64_t vnet_sum_iov(const struct iovec *iov, int iovcnt, size_t skip, size_t len)
{
	uint64_t sum = 0;
	size_t pos = 0; /* bytes summed so far */
	int i;

	for (i = 0; i < iovcnt && len; i++) {
		size_t n = iov[i].iov_len;
		const uint8_t *p = iov[i].iov_base;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		p += skip;
		n -= skip;
		skip = 0;
		if (n > len)
			n = len;
		if (pos & 1) { /* an odd start: the piece's words are byte-swapped */
			uint16_t f = csum_fold(csum_add(0, p, n));

			sum += (uint16_t)((f << 8) | (f >> 8));
		} else {
			sum = csum_add(sum, p, n);
		}
		pos += n;
		len -= n;
	}
	return sum;
}

void vnet_tx_csum(struct vnet_tx *t, const struct iovec *iov, int iovcnt)
{
	size_t l4off = t->vh.csum_start;
	uint64_t sum;
	uint16_t c;

	/* The header holds the pseudo-header sum in its checksum field. */
	sum = csum_add(0, t->hdrs + l4off, t->hdrs_len - l4off);
	sum += vnet_sum_iov(iov, iovcnt, t->hdrs_len, t->paylen);
	c = (uint16_t)~csum_fold(sum);
	memcpy(t->hdrs + l4off + 16, &c, 2);
	memset(&t->vh, 0, sizeof(t->vh));
}

size_t vnet_gso_segment(const struct vnet_tx *t, const struct iovec *iov, int iovcnt,
			size_t off, uint8_t seg[VNET_TX_HDRS_MAX])
{
	size_t l4off = t->vh.csum_start, n, k = off / t->vh.gso_size;
	size_t l3len = t->hdrs_len - VNET_ETH_HLEN; /* IP (+ extensions) + TCP headers */
	struct vnet_l4 l;
	uint8_t *ip = seg + VNET_ETH_HLEN, *tcp = seg + l4off;
	uint64_t sum;
	uint32_t seq;
	uint16_t v;

	if (off >= t->paylen)
		return 0;
	n = t->paylen - off;
	if (n > t->vh.gso_size)
		n = t->vh.gso_size;
	memcpy(seg, t->hdrs, t->hdrs_len);
	if (t->vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4) {
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

		put16(ip + 2, (uint16_t)(l3len + n));
		put16(ip + 4, (uint16_t)(get16(ip + 4) + k));
		memset(ip + 10, 0, 2);
		v = (uint16_t)~csum_fold(csum_add(0, ip, ihl));
		memcpy(ip + 10, &v, 2);
	} else {
		put16(ip + 4, (uint16_t)(l3len - 40 + n));
	}
	seq = get32(tcp + 4) + (uint32_t)off;
	put32(tcp + 4, seq);
	if (off + n < t->paylen)
		tcp[13] &= (uint8_t)~0x09; /* FIN, PSH: the last segment's */
	memset(tcp + 16, 0, 2);
	(void)vnet_find_l4(seg, t->hdrs_len, t->hdrs_len + n, &l);
	sum = vnet_pseudo_sum(seg, &l);
	sum = csum_add(sum, tcp, t->hdrs_len - l4off);
	sum += vnet_sum_iov(iov, iovcnt, t->hdrs_len + off, n);
	v = (uint16_t)~csum_fold(sum);
	memcpy(tcp + 16, &v, 2);
	return n;
}

size_t vnet_wire_len(const struct virtio_net_hdr *vh, const uint8_t *f, size_t len,
		     unsigned int *mss)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	struct vnet_l4 l;
	size_t doff, seg;

	if (mss)
		*mss = 0;
	if (type == VIRTIO_NET_HDR_GSO_NONE)
		return len;
	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    !vh->gso_size)
		return 0;
	if (vnet_find_l4(f, len, len, &l) < 0 || l.fragment || l.proto != IPPROTO_TCP ||
	    l.family != (type == VIRTIO_NET_HDR_GSO_TCPV4 ? 4 : 6) || l.l4len < 20)
		return 0;
	doff = (size_t)(f[l.l4off + 12] >> 4) * 4;
	if (doff < 20 || doff > l.l4len)
		return 0;
	seg = l.l4off + doff + vh->gso_size;
	if (mss)
		*mss = (unsigned int)(vh->gso_size + doff - 20);
	return seg < len ? seg : len;
}

bool vnet_rx_writes(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	struct vnet_l4 l;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return false;
	return vnet_find_l4(frame, len, len, &l) < 0 || l.fragment || l.proto != IPPROTO_TCP;
}

/* Completes a checksum the sender left partial, as the kernel would. */
static int vnet_rx_complete(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len)
{
	size_t start = vh->csum_start, at = start + vh->csum_offset;
	uint16_t sum;

	if (start >= len || at + 2 > len)
		return -EBADMSG;
	sum = (uint16_t)~csum_fold(csum_add(0, frame + start, len - start));
	if (sum == 0)
		sum = 0xffff;
	memcpy(frame + at, &sum, 2);
	return 0;
}

int vnet_rx_prepare(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len)
{
	struct vnet_l4 l;
	uint64_t sum;

	if (vnet_find_l4(frame, len, len, &l) < 0 || l.fragment || l.proto != IPPROTO_TCP) {
		/* Not TCP: lwIP checks it, so a partial checksum is completed. */
		if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			return vnet_rx_complete(vh, frame, len);
		return 0;
	}
	if (vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return 0;
	if (l.l4len < 20)
		return 0; /* lwIP drops it */
	sum = vnet_pseudo_sum(frame, &l);
	sum = csum_add(sum, frame + l.l4off, l.l4len);
	return csum_fold(sum) == 0xffff ? 0 : -EBADMSG;
}
