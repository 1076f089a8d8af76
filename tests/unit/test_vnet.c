/* SPDX-License-Identifier: MIT */
/*
 * test_vnet.c - virtio-net headers (devices/vnet.c) and the checksum they
 * rely on (base/csum.c), against a plain RFC 1071 reference written here:
 *   - csum_add() equals the reference for every length and alignment;
 *   - a TCP segment natd sends (checksum field 0, as lwIP leaves it on an
 *     offloading adapter) gets NEEDS_CSUM, and completing the checksum the way
 *     the kernel does (sum from csum_start, stored at csum_offset) gives a
 *     segment the reference accepts; the caller's bytes are not modified;
 *   - a segment longer than the MTU also gets GSO with gso_size = MTU minus
 *     headers and the pseudo-header sum of the whole segment (what the
 *     kernel's segmentation expects);
 *   - other frames (UDP, ARP, IPv4 fragments) go with a zero header;
 *   - received TCP segments are verified unless the kernel vouches for them,
 *     partial UDP checksums are completed, and IPv6 extension headers are
 *     walked.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "devices/vnet.h"
#include "base/bytes.h"
#include "csum_ref.h"

/* Pseudo-header sum (not folded) of the L4 packet at l4off, l4len bytes. */
static uint32_t ref_pseudo(const uint8_t *f, int v6, uint8_t proto, size_t l4len)
{
	uint32_t s = v6 ? ref_sum(0, f + 14 + 8, 32) : ref_sum(0, f + 14 + 12, 8);

	return s + proto + (uint32_t)l4len;
}

/* True when the L4 checksum of the packet is right. */
static bool ref_l4_ok(const uint8_t *f, int v6, uint8_t proto, size_t l4off, size_t l4len)
{
	return ref_fold(ref_sum(ref_pseudo(f, v6, proto, l4len), f + l4off, l4len)) == 0xffff;
}

/*
 * An Ethernet frame with a TCP (proto 6) or UDP (17) packet of plen payload
 * bytes, IPv4 or IPv6 (with hbh: a hop-by-hop header first), checksums of
 * IP right and of L4 zero. Returns its length; *l4off tells where L4 starts.
 */
static size_t mkframe(uint8_t *f, int v6, uint8_t proto, size_t plen, bool hbh, size_t *l4off)
{
	size_t l4hl = proto == 6 ? 20 : 8, off, l4len = l4hl + plen, i;

	memset(f, 0, 14);
	f[0] = 0x02;
	f[6] = 0x52;
	if (!v6) {
		uint8_t *ip = f + 14;

		put16(f + 12, 0x0800);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, "\xc6\x33\x64\x01\x0a\x00\x02\x0f", 8);
		put16(ip + 10, (uint16_t)~ref_fold(ref_sum(0, ip, 20)));
		off = 34;
	} else {
		uint8_t *ip = f + 14;

		put16(f + 12, 0x86dd);
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)((hbh ? 8 : 0) + l4len));
		ip[6] = hbh ? 0 : proto;
		ip[7] = 64;
		memcpy(ip + 8, "\x20\x01\x0d\xb8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
		memcpy(ip + 24, "\xfd\x17\x62\x5c\xf0\x37\x00\x02\x00\x00\x00\x00\x00\x00\x00\x0f", 16);
		off = 54;
		if (hbh) {
			memset(f + off, 0, 8);
			f[off] = proto;
			f[off + 2] = 1; /* PadN */
			f[off + 3] = 4;
			off += 8;
		}
	}
	memset(f + off, 0, l4hl);
	put16(f + off, 5201);
	put16(f + off + 2, 40000);
	if (proto == 6) {
		put16(f + off + 4, 0x1234);
		f[off + 12] = 5 << 4;
		f[off + 13] = 0x18; /* PSH ACK */
		put16(f + off + 14, 512);
	} else {
		put16(f + off + 4, (uint16_t)l4len);
	}
	for (i = 0; i < plen; i++)
		f[off + l4hl + i] = (uint8_t)(i * 7 + 3);
	*l4off = off;
	return off + l4len;
}

/* The frame vnet_tx_prepare() would have written (after its header). */
static size_t tx_frame(const struct vnet_tx *t, const uint8_t *f, size_t len, uint8_t *out)
{
	memcpy(out, f, len);
	memcpy(out, t->hdrs, t->hdrs_len);
	return len;
}

/* Completes a NEEDS_CSUM checksum as the kernel does. */
static void kernel_complete(const struct virtio_net_hdr *vh, uint8_t *f, size_t len)
{
	uint16_t s = (uint16_t)~ref_fold(ref_sum(0, f + vh->csum_start, len - vh->csum_start));

	put16(f + vh->csum_start + vh->csum_offset, s ? s : 0xffff);
}

static uint8_t frame[70000], out[70000];

Test(vnet, csum_matches_reference)
{
	uint8_t buf[300];
	size_t off, len, i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(rand() & 0xff);
	for (off = 0; off < 8; off++) {
		for (len = 0; len + off <= sizeof(buf); len++) {
			uint64_t s = csum_add(0, buf + off, len);
			uint16_t got = csum_fold(s), want = ref_fold(ref_sum(0, buf + off, len));
			uint8_t be[2];

			memcpy(be, &got, 2); /* host-order sum: its bytes are the BE sum */
			cr_assert_eq(get16(be), want, "off %zu len %zu", off, len);
		}
	}
}

static void tx_small_segment(int v6)
{
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, v6, 6, 1000, false, &l4off);
	uint8_t copy[2000];
	struct iovec iov[3] = {
		{ frame, 10 }, { frame + 10, 40 }, { frame + 50, len - 50 },
	};

	memcpy(copy, frame, len);
	vnet_tx_prepare(&t, iov, 3, len, 1500, 0);
	cr_assert_eq(t.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	cr_assert_eq(t.vh.csum_start, l4off);
	cr_assert_eq(t.vh.csum_offset, 16);
	cr_assert_eq(t.hdrs_len, l4off + 20);
	cr_assert(memcmp(copy, frame, len) == 0, "the caller's frame is not modified");
	cr_assert(!ref_l4_ok(frame, v6, 6, l4off, len - l4off), "test frame starts invalid");
	tx_frame(&t, frame, len, out);
	kernel_complete(&t.vh, out, len);
	cr_assert(ref_l4_ok(out, v6, 6, l4off, len - l4off), "completed checksum is right");
	cr_assert(memcmp(out + t.hdrs_len, frame + t.hdrs_len, len - t.hdrs_len) == 0);
}

Test(vnet, tx_tcp4_partial_checksum)
{
	tx_small_segment(0);
}

Test(vnet, tx_tcp6_partial_checksum)
{
	tx_small_segment(1);
}

static void tx_gso_segment(int v6)
{
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, v6, 6, 60000, false, &l4off);
	struct iovec iov[2] = { { frame, 100 }, { frame + 100, len - 100 } };
	size_t hdrs = (l4off - 14) + 20;

	vnet_tx_prepare(&t, iov, 2, len, 1500, 0);
	cr_assert_eq(t.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	cr_assert_eq(t.vh.gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	cr_assert_eq(t.vh.gso_size, 1500 - hdrs, "segments fill the MTU exactly");
	cr_assert_eq(t.vh.hdr_len, l4off + 20);
	tx_frame(&t, frame, len, out);
	/* The kernel's segmentation expects the (uncomplemented) pseudo-header
	 * sum of the whole segment in the checksum field. */
	cr_assert_eq(get16(out + l4off + 16), ref_fold(ref_pseudo(out, v6, 6, len - l4off)));
	/* ... and completing it over the whole segment gives a valid one. */
	kernel_complete(&t.vh, out, len);
	cr_assert(ref_l4_ok(out, v6, 6, l4off, len - l4off));
}

Test(vnet, tx_tcp4_gso)
{
	tx_gso_segment(0);
}

Test(vnet, tx_tcp6_gso)
{
	tx_gso_segment(1);
}

Test(vnet, tx_no_gso_without_mtu_or_when_it_fits)
{
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, 0, 6, 1460, false, &l4off);
	struct iovec iov = { frame, len };

	vnet_tx_prepare(&t, &iov, 1, len, 1500, 0);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE, "1460 bytes fit MTU 1500");
	len = mkframe(frame, 0, 6, 1461, false, &l4off);
	iov.iov_len = len;
	vnet_tx_prepare(&t, &iov, 1, len, 1500, 0);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4, "1461 bytes do not");
	vnet_tx_prepare(&t, &iov, 1, len, 0, 0);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE, "MTU unknown");
	cr_assert_eq(t.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

/* natd at MTU 65520, a guest whose MSS is 1460: frames cut to the guest's MSS. */
Test(vnet, tx_gso_size_guest_mss)
{
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, 0, 6, 60000, false, &l4off);
	struct iovec iov = { frame, len };

	vnet_tx_prepare(&t, &iov, 1, len, 65520, 0);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE, "60000 bytes fit MTU 65520");
	vnet_tx_prepare(&t, &iov, 1, len, 65520, 1460);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4, "the guest takes 1460");
	cr_assert_eq(t.vh.gso_size, 1460);
	cr_assert_eq(t.vh.hdr_len, t.hdrs_len);
	vnet_tx_prepare(&t, &iov, 1, len, 1500, 9000);
	cr_assert_eq(t.vh.gso_size, 1460, "the MTU's size when it is the smaller");
	len = mkframe(frame, 1, 6, 60000, false, &l4off);
	iov.iov_len = len;
	vnet_tx_prepare(&t, &iov, 1, len, 65520, 1440);
	cr_assert_eq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	cr_assert_eq(t.vh.gso_size, 1440);
}

Test(vnet, tx_other_frames_untouched)
{
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, 0, 17, 3000, false, &l4off);
	struct iovec iov = { frame, len };
	static const struct virtio_net_hdr zero;

	vnet_tx_prepare(&t, &iov, 1, len, 1500, 0);
	cr_assert(memcmp(&t.vh, &zero, sizeof(zero)) == 0, "UDP: lwIP's checksum");
	cr_assert_eq(t.hdrs_len, 0);
	len = mkframe(frame, 0, 6, 1000, false, &l4off);
	put16(frame + 14 + 6, 0x2000); /* MF: a fragment */
	iov.iov_len = len;
	vnet_tx_prepare(&t, &iov, 1, len, 1500, 0);
	cr_assert(memcmp(&t.vh, &zero, sizeof(zero)) == 0, "IPv4 fragment");
	memset(frame, 0, 42);
	put16(frame + 12, 0x0806);
	iov.iov_len = 42;
	vnet_tx_prepare(&t, &iov, 1, 42, 1500, 0);
	cr_assert(memcmp(&t.vh, &zero, sizeof(zero)) == 0, "ARP");
	iov.iov_len = 5;
	vnet_tx_prepare(&t, &iov, 1, 5, 1500, 0);
	cr_assert_eq(t.hdrs_len, 0, "runt");
}

/* Puts a right L4 checksum into a frame made by mkframe(). */
static void fill_l4(uint8_t *f, int v6, uint8_t proto, size_t l4off, size_t len)
{
	size_t at = l4off + (proto == 6 ? 16 : 6);
	uint16_t s;

	put16(f + at, 0);
	s = (uint16_t)~ref_fold(ref_sum(ref_pseudo(f, v6, proto, len - l4off), f + l4off,
					len - l4off));
	put16(f + at, s ? s : 0xffff);
}

Test(vnet, rx_tcp_verified_unless_vouched_for)
{
	struct virtio_net_hdr vh = { 0 };
	size_t l4off, len;
	int v6;

	for (v6 = 0; v6 <= 1; v6++) {
		len = mkframe(frame, v6, 6, 999, v6, &l4off);
		fill_l4(frame, v6, 6, l4off, len);
		vh.flags = 0;
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0, "v6=%d right checksum", v6);
		frame[len - 1] ^= 0x40;
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), -EBADMSG, "v6=%d corrupt", v6);
		vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0, "v6=%d DATA_VALID", v6);
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)l4off;
		vh.csum_offset = 16;
		memcpy(out, frame, len);
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0, "v6=%d NEEDS_CSUM", v6);
		cr_assert(memcmp(out, frame, len) == 0, "TCP left partial for lwIP");
	}
}

Test(vnet, rx_udp_partial_checksum_completed)
{
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_offset = 6 };
	size_t l4off, len;
	int v6;

	for (v6 = 0; v6 <= 1; v6++) {
		len = mkframe(frame, v6, 17, 301, false, &l4off);
		put16(frame + l4off + 6, ref_fold(ref_pseudo(frame, v6, 17, len - l4off)));
		vh.csum_start = (uint16_t)l4off;
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0);
		cr_assert(ref_l4_ok(frame, v6, 17, l4off, len - l4off), "v6=%d completed", v6);
		vh.csum_start = (uint16_t)(len - 1);
		cr_assert_eq(vnet_rx_prepare(&vh, frame, len), -EBADMSG, "position outside");
	}
}

Test(vnet, rx_fragments_and_others_pass)
{
	struct virtio_net_hdr vh = { 0 };
	size_t l4off, len = mkframe(frame, 0, 6, 100, false, &l4off);

	put16(frame + 14 + 6, 0x2000); /* a first fragment: sum covers more */
	cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0);
	len = mkframe(frame, 0, 17, 100, false, &l4off);
	frame[len - 1] ^= 1; /* bad UDP checksum: lwIP's to find */
	cr_assert_eq(vnet_rx_prepare(&vh, frame, len), 0);
	cr_assert_eq(vnet_rx_prepare(&vh, frame, 20), 0, "truncated: lwIP drops it");
}

/*
 * The frame in pieces of odd sizes (as lwIP's pbuf chains come), so that the
 * sums run across odd boundaries.
 */
static int split_iov(uint8_t *f, size_t len, struct iovec *iov)
{
	static const size_t cut[] = { 7, 61, 1, 333, 2, 1001 };
	size_t off = 0;
	int n = 0;

	while (off < len) {
		size_t c = cut[n % 6];

		if (c > len - off)
			c = len - off;
		iov[n++] = (struct iovec){ .iov_base = f + off, .iov_len = c };
		off += c;
	}
	return n;
}

/* vnet_tx_csum(): the checksum a guest without GUEST_CSUM needs complete. */
static void tx_csum_complete(int v6)
{
	struct iovec iov[1024];
	struct vnet_tx t;
	size_t l4off, len = mkframe(frame, v6, 6, 1501, false, &l4off);
	int n = split_iov(frame, len, iov);

	vnet_tx_prepare(&t, iov, n, len, 0, 0);
	cr_assert_eq(t.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	vnet_tx_csum(&t, iov, n);
	cr_assert_eq(t.vh.flags, 0, "an all-zero header after completing");
	tx_frame(&t, frame, len, out);
	cr_assert(ref_l4_ok(out, v6, 6, l4off, len - l4off), "complete TCP checksum");
}

Test(vnet, tx_csum_completed_for_the_guest)
{
	tx_csum_complete(0);
	tx_csum_complete(1);
}

/* vnet_gso_segment(): a 64 KiB segment cut to the MTU for a guest without
 * GUEST_TSO: each piece has valid IP and TCP checksums, lengths, sequence
 * numbers, PSH only on the last, and the payloads put together are the
 * original. */
static void gso_cut(int v6)
{
	struct iovec iov[1024];
	struct vnet_tx t;
	uint8_t seg[VNET_TX_HDRS_MAX], joined[70000];
	size_t l4off, plen = 60000, len = mkframe(frame, v6, 6, plen, false, &l4off);
	size_t off = 0, n, segs = 0;
	int cnt = split_iov(frame, len, iov);

	vnet_tx_prepare(&t, iov, cnt, len, 1500, 0);
	cr_assert_neq(t.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	cr_assert_eq(t.paylen, plen);
	while ((n = vnet_gso_segment(&t, iov, cnt, off, seg)) > 0) {
		size_t slen = t.hdrs_len + n;

		cr_assert_leq(slen - 14, 1500, "segment %zu fits the MTU", segs);
		memcpy(out, seg, t.hdrs_len);
		memcpy(out + t.hdrs_len, frame + t.hdrs_len + off, n);
		cr_assert(ref_l4_ok(out, v6, 6, l4off, slen - l4off), "TCP checksum of %zu", segs);
		if (!v6) {
			cr_assert_eq(ref_fold(ref_sum(0, out + 14, 20)), 0xffff, "IPv4 header checksum");
			cr_assert_eq(get16(out + 16), slen - 14);
			cr_assert_eq(get16(out + 18), (uint16_t)(get16(frame + 18) + segs));
		} else {
			cr_assert_eq(get16(out + 18), slen - 54);
		}
		cr_assert_eq(get32(out + l4off + 4), get32(frame + l4off + 4) + (uint32_t)off);
		cr_assert_eq(out[l4off + 13] & 0x08, off + n == plen ? 0x08 : 0, "PSH on the last only");
		memcpy(joined + off, out + t.hdrs_len, n);
		off += n;
		segs++;
	}
	cr_assert_eq(off, plen);
	cr_assert_eq(segs, (plen + t.vh.gso_size - 1) / t.vh.gso_size);
	cr_assert_eq(memcmp(joined, frame + t.hdrs_len, plen), 0, "payload unchanged");
}

Test(vnet, gso_segments_cut_for_the_guest)
{
	gso_cut(0);
	gso_cut(1);
}

/* vnet_wire_len(): the longest wire frame of a frame sent with a header. */
static void wire_len(int v6, bool hbh)
{
	struct virtio_net_hdr vh = { 0 };
	size_t l4off, len = mkframe(frame, v6, 6, 60000, hbh, &l4off);
	unsigned mss = 99;

	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), len, "no GSO: the frame");
	cr_assert_eq(mss, 0);
	vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), l4off + 20 + 1448);
	cr_assert_eq(mss, 1448);
	vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, NULL), l4off + 20 + 1448, "ECN bit");
	vh.gso_size = 60000;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), len, "one segment: the frame");
	cr_assert_eq(mss, 60000);
	vh.gso_size = 0;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), 0, "gso_size 0");
	vh.gso_size = 1448;
	vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), 0, "the other family");
	cr_assert_eq(mss, 0);
	vh.gso_type = 5; /* VIRTIO_NET_HDR_GSO_UDP_L4, newer than these headers */
	cr_assert_eq(vnet_wire_len(&vh, frame, len, NULL), 0, "UDP GSO");
	/* TCP options count in the headers and the MSS. */
	vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	frame[l4off + 12] = 8 << 4;
	cr_assert_eq(vnet_wire_len(&vh, frame, len, &mss), l4off + 32 + 1448);
	cr_assert_eq(mss, 1448 + 12);
	/* Truncated: no TCP header there. */
	cr_assert_eq(vnet_wire_len(&vh, frame, l4off + 10, NULL), 0);
}

Test(vnet, wire_len_of_gso_frames)
{
	wire_len(0, false);
	wire_len(1, false);
	wire_len(1, true);
}

/* vnet_wire_len() on a UDP frame with a TCP GSO header: no TCP segment. */
Test(vnet, wire_len_refuses_other_protocols)
{
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000 };
	size_t l4off, len = mkframe(frame, 0, 17, 5000, false, &l4off);

	cr_assert_eq(vnet_wire_len(&vh, frame, len, NULL), 0);
}
