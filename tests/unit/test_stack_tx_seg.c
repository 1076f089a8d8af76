/* SPDX-License-Identifier: MIT */
/*
 * test_stack_tx_seg.c - the segment-size hint of stack/stack.c: lwIP's
 * TCP_OUT_ADD_TCPOPTS hook (natd_hook_tcp_out()) names the segment going out
 * and, for a pcb whose MSS stack_tcp_gso() raised, the guest's MSS; the
 * netif's linkoutput reads it with stack_tx_seg(). Checks:
 *   - the segment of a raised pcb gets the guest's MSS, once: a second call
 *     for the same pbuf address (a later frame in a pbuf allocated where the
 *     segment's was) gets 0;
 *   - a frame that asks first (an ARP request ahead of the segment) consumes
 *     the hint: neither it nor the segment after it gets a stale size;
 *   - a pcb that was not raised (no GSO on its netif) gives 0, and so does
 *     a frame when no segment was named at all;
 *   - a later segment of another raised pcb gets its own size.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <uv.h>

#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "natd_lwip_hooks.h"
#include "stack/stack.h"

static uv_loop_t loop;

static void setup(void)
{
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_assert_eq(stack_init(&loop), 0);
}

static void closed(void *opaque)
{
	(void)opaque;
}

static void teardown(void)
{
	stack_shutdown(closed, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
}

TestSuite(stack_tx_seg, .init = setup, .fini = teardown);

/* A pcb with the guest's MSS, raised by stack_tcp_gso() when gso is set. */
static struct tcp_pcb *pcb_with_mss(u16_t mss, bool gso)
{
	struct netif nif;
	struct tcp_pcb *pcb = tcp_new();

	cr_assert_not_null(pcb);
	memset(&nif, 0, sizeof(nif));
	nif.flags = gso ? NATD_NETIF_FLAG_GSO : 0;
	pcb->mss = mss;
	stack_tcp_gso(pcb, &nif);
	if (gso)
		cr_assert_gt(pcb->mss, mss, "MSS raised for GSO frames");
	else
		cr_assert_eq(pcb->mss, mss, "MSS kept without GSO");
	return pcb;
}

static struct pbuf *frame(void)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, 64, PBUF_RAM);

	cr_assert_not_null(p);
	return p;
}

Test(stack_tx_seg, handed_out_once)
{
	struct tcp_pcb *pcb = pcb_with_mss(1460, true);
	struct pbuf *p = frame();
	u32_t opts[4];

	cr_assert_eq(natd_hook_tcp_out(p, pcb, opts), opts, "the hook adds no option");
	cr_assert_eq(stack_tx_seg(p), 1460);
	/* The same address again: a later frame must not find the size. */
	cr_assert_eq(stack_tx_seg(p), 0);
	pbuf_free(p);
	tcp_abort(pcb);
}

Test(stack_tx_seg, other_frame_first_consumes)
{
	struct tcp_pcb *pcb = pcb_with_mss(1220, true);
	struct pbuf *seg = frame(), *arp = frame();
	u32_t opts[4];

	natd_hook_tcp_out(seg, pcb, opts);
	cr_assert_eq(stack_tx_seg(arp), 0, "another frame does not get the segment's size");
	cr_assert_eq(stack_tx_seg(seg), 0, "the hint went with the first frame that asked");
	pbuf_free(seg);
	pbuf_free(arp);
	tcp_abort(pcb);
}

Test(stack_tx_seg, not_raised_or_not_named)
{
	struct tcp_pcb *pcb = pcb_with_mss(1460, false);
	struct pbuf *p = frame();
	u32_t opts[4];

	cr_assert_eq(stack_tx_seg(p), 0, "no segment named yet");
	natd_hook_tcp_out(p, pcb, opts);
	cr_assert_eq(stack_tx_seg(p), 0, "a pcb without GSO is cut to the MTU");
	cr_assert_eq(stack_tx_seg(NULL), 0);
	pbuf_free(p);
	tcp_abort(pcb);
}

Test(stack_tx_seg, each_segment_its_own_size)
{
	struct tcp_pcb *a = pcb_with_mss(1460, true), *b = pcb_with_mss(536, true);
	struct tcp_pcb *plain = pcb_with_mss(1460, false);
	struct pbuf *p = frame(), *q = frame();
	u32_t opts[4];

	natd_hook_tcp_out(p, a, opts);
	cr_assert_eq(stack_tx_seg(p), 1460);
	natd_hook_tcp_out(q, b, opts);
	cr_assert_eq(stack_tx_seg(q), 536);
	/* A raised pcb's segment named, then an unraised pcb's segment in the
	 * same pbuf before the first was sent: no size left over. */
	natd_hook_tcp_out(p, a, opts);
	natd_hook_tcp_out(p, plain, opts);
	cr_assert_eq(stack_tx_seg(p), 0);
	pbuf_free(p);
	pbuf_free(q);
	tcp_abort(a);
	tcp_abort(b);
	tcp_abort(plain);
}
