/* SPDX-License-Identifier: MIT */
/*
 * test_stack_chksum.c - lwIP's checksums computed with natd's sum
 * (LWIP_CHKSUM = natd_lwip_chksum(), stack/stack.c, on base/csum.c) against
 * a plain RFC 1071 reference written here:
 *   - natd_lwip_chksum() stored with memcpy() gives the big-endian sum, for
 *     every length 0-300 and every alignment 0-7;
 *   - inet_chksum_pbuf() over chains of pbufs with odd lengths (lwIP swaps
 *     bytes after an odd pbuf) equals the reference over the bytes joined;
 *   - a TCP pseudo-header checksum (ip_chksum_pseudo()) of a segment with
 *     its checksum stored in it verifies to 0 with the reference.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/prot/ip.h"
#include "lwip/pbuf.h"
#include "natd_lwip_hooks.h"
#include "csum_ref.h"

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
}

Test(stack_chksum, every_length_and_alignment)
{
	uint8_t buf[320];

	fill(buf, sizeof(buf), 1);
	for (size_t a = 0; a < 8; a++)
		for (size_t len = 0; len <= 300; len++) {
			uint16_t got = natd_lwip_chksum(buf + a, (int)len);
			uint8_t be[2];

			memcpy(be, &got, 2); /* host order: memcpy lands in network order */
			cr_assert_eq((uint16_t)(be[0] << 8 | be[1]), ref_fold(ref_sum(0, buf + a, len)),
				     "alignment %zu, length %zu", a, len);
		}
}

Test(stack_chksum, pbuf_chain_with_odd_lengths)
{
	static const u16_t lens[] = { 1, 7, 14, 3, 1460, 1, 2, 999 };
	uint8_t all[4096];
	size_t total = 0;
	struct pbuf *head = NULL;

	lwip_init();
	fill(all, sizeof(all), 2);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct pbuf *q = pbuf_alloc(PBUF_RAW, lens[i], PBUF_RAM);

		cr_assert_not_null(q);
		memcpy(q->payload, all + total, lens[i]);
		total += lens[i];
		if (head)
			pbuf_cat(head, q);
		else
			head = q;
	}
	{
		u16_t c = inet_chksum_pbuf(head);
		uint8_t be[2];

		memcpy(be, &c, 2);
		cr_assert_eq((uint16_t)(be[0] << 8 | be[1]),
			     (uint16_t)~ref_fold(ref_sum(0, all, total)) & 0xffff);
	}
	pbuf_free(head);
}

Test(stack_chksum, tcp_pseudo_header_verifies)
{
	ip_addr_t src, dst;
	struct pbuf *p;
	uint8_t *seg;
	uint32_t sum;
	u16_t c;

	lwip_init();
	ip_addr_set_ip4_u32_val(src, PP_HTONL(0xc6336401UL)); /* 198.51.100.1 */
	ip_addr_set_ip4_u32_val(dst, PP_HTONL(0x0a00020fUL)); /* 10.0.2.15 */
	p = pbuf_alloc(PBUF_RAW, 1481, PBUF_RAM);
	cr_assert_not_null(p);
	seg = p->payload;
	fill(seg, 1481, 3);
	seg[12] = 5 << 4;
	seg[16] = seg[17] = 0;
	c = ip_chksum_pseudo(p, IP_PROTO_TCP, 1481, &src, &dst);
	memcpy(seg + 16, &c, 2);
	sum = ref_sum(0, seg, 1481);
	sum += 0xc633 + 0x6401 + 0x0a00 + 0x020f + IP_PROTO_TCP + 1481;
	cr_assert_eq(ref_fold(sum), 0xffff, "the segment's checksum verifies");
	pbuf_free(p);
}
