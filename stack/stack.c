/* SPDX-License-Identifier: MIT */
/*
 * stack.c - lwIP initialisation, clock, randomness and timers (see stack.h).
 *
 * lwIP's timeouts (TCP fast/slow timers, ARP and reassembly ageing) are kept
 * by lwIP itself in sys_timeouts; one one-shot uv_timer is armed for
 * sys_timeouts_sleeptime() and re-armed after every run, so an idle natd
 * wakes only when lwIP has something to do.
 *
 * TIME_WAIT: lwIP keeps a pcb in TIME_WAIT for 2 * TCP_MSL whenever natd
 * closed first (the host closed its side before the guest did), and
 * tcp_input() walks that list, one pcb at a time, for every segment that
 * matches no active pcb: every SYN. At thousands of connections per second
 * that walk was most of natd's CPU time, and a pcb in TIME_WAIT answered a
 * guest SYN that reused its 4-tuple with an ACK (RFC 1337) for two minutes,
 * so the guest's connect() retried without end. A uv_prepare callback,
 * outside any lwIP call, drops such pcbs once per loop iteration, after lwIP
 * sent the final ACK. The guest link does not reorder or keep old
 * duplicates; a retransmitted FIN (the ACK lost) gets a RST, which closes the
 * guest's LAST_ACK socket all the same.
 */
#include "stack/stack.h"

#include <stdlib.h>
#include <time.h>

#include "base/csum.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/prot/ethernet.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "base/log.h"
#include "natd_lwip_hooks.h"

static uv_loop_t *stack_loop;
static uv_timer_t stack_timer;
static uv_prepare_t stack_prepare;
static int stack_running;
static int stack_closes_pending;
static void (*stack_closed_cb)(void *opaque);
static void *stack_closed_opaque;

uint64_t stack_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * lwIP's clock (NO_SYS port): the loop's time (uv_now(), read once per turn
 * of the loop), not a clock_gettime() per call: lwIP asks for every TCP
 * segment it sends (the timestamp option) and in sys_check_timeouts(), ~1.5 %
 * of natd's CPU remote -> guest at MTU 1500 on the stream path. Same epoch:
 * libuv reads CLOCK_MONOTONIC (or its coarse variant when that ticks at least
 * every ms); outside stack_init() ... stack_shutdown(), the clock itself.
 */
u32_t sys_now(void)
{
	return stack_loop ? (u32_t)uv_now(stack_loop) : (u32_t)stack_now_ms();
}

/* lwIP's LWIP_RAND(): initial sequence numbers, ports, IP ids. */
uint32_t natd_lwip_rand(void)
{
	return arc4random();
}

static void stack_timer_cb(uv_timer_t *t)
{
	(void)t;
	stack_kick();
}

void stack_kick(void)
{
	u32_t sleep;

	if (!stack_running)
		return;
	sys_check_timeouts();
	sleep = sys_timeouts_sleeptime();
	if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		uv_timer_stop(&stack_timer);
	else
		uv_timer_start(&stack_timer, stack_timer_cb, sleep ? sleep : 1, 0);
}

/* Drops the pcbs in TIME_WAIT (see the top of this file). */
static void stack_prepare_cb(uv_prepare_t *h)
{
	(void)h;
	while (tcp_tw_pcbs)
		tcp_abandon(tcp_tw_pcbs, 0);
}

/*
 * The guest's own MSS of a pcb whose MSS stack_tcp_gso() raised, in an ext
 * arg slot (0: not raised); the segment that goes out now and its size.
 */
static int stack_gso_ext_id = -1;
static const struct pbuf *stack_out_p;
static unsigned int stack_out_seg;

u32_t *natd_hook_tcp_out(struct pbuf *p, const struct tcp_pcb *pcb, u32_t *opts)
{
	uintptr_t seg = pcb && stack_gso_ext_id >= 0 ?
		(uintptr_t)tcp_ext_arg_get(pcb, (u8_t)stack_gso_ext_id) : 0;

	stack_out_p = seg ? p : NULL;
	stack_out_seg = (unsigned int)seg;
	return opts;
}

u16_t natd_lwip_chksum(const void *data, int len)
{
	return len > 0 ? csum_fold(csum_add(0, data, (size_t)len)) : 0;
}

unsigned int stack_tx_seg(const struct pbuf *p)
{
	unsigned int seg = p && p == stack_out_p ? stack_out_seg : 0;

	/* Consumed by the first frame that asks, this segment or another (an
	 * ARP request sent ahead of it): a later frame in a pbuf at the same
	 * address, once this one is freed, must not find the size again. */
	stack_out_p = NULL;
	stack_out_seg = 0;
	return seg;
}

int stack_init(uv_loop_t *loop)
{
	int rc;

	stack_loop = loop; /* before lwip_init(): it starts lwIP's timers */
	lwip_init();
	if (stack_gso_ext_id < 0)
		stack_gso_ext_id = tcp_ext_arg_alloc_id();
	rc = uv_timer_init(loop, &stack_timer);
	if (rc < 0)
		return rc;
	rc = uv_prepare_init(loop, &stack_prepare);
	if (rc < 0)
		return rc;
	uv_prepare_start(&stack_prepare, stack_prepare_cb);
	uv_unref((uv_handle_t *)&stack_prepare);
	stack_running = 1;
	stack_kick();
	return 0;
}

void stack_tcp_release(struct tcp_pcb *pcb, int abort_pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	if (abort_pcb || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

/* A GSO segment's frame, as at MTU 65520: its length (a pbuf's u16_t
 * tot_len, with the Ethernet header) stays below 64 KiB. */
#define STACK_GSO_FRAME 65534

void stack_tcp_gso(struct tcp_pcb *pcb, const struct netif *netif)
{
	u16_t hdrs = IP_IS_V6(&pcb->remote_ip) ? 60 : 40;
	u16_t mss = (u16_t)(STACK_GSO_FRAME - SIZEOF_ETH_HDR - hdrs);

	if (!(netif->flags & NATD_NETIF_FLAG_GSO) || pcb->mss >= mss || stack_gso_ext_id < 0)
		return;
	/* The guest's MSS (at most the MTU's): the size the transport cuts this
	 * pcb's GSO frames into (stack_tx_seg()), whatever natd's own MTU. */
	tcp_ext_arg_set(pcb, (u8_t)stack_gso_ext_id, (void *)(uintptr_t)pcb->mss);
	pcb->mss = mss;
	/* The first window must hold a segment: lwIP never splits one to fit
	 * the congestion window, and nothing in flight means no ACK to open it. */
	if (pcb->cwnd < 4U * mss)
		pcb->cwnd = 4U * mss; /* lwIP's initial window for that MSS */
}

static void stack_handle_closed(uv_handle_t *h)
{
	(void)h;
	if (--stack_closes_pending > 0)
		return;
	if (stack_closed_cb)
		stack_closed_cb(stack_closed_opaque);
}

void stack_shutdown(void (*closed)(void *opaque), void *opaque)
{
	stack_running = 0;
	stack_loop = NULL;
	stack_closed_cb = closed;
	stack_closed_opaque = opaque;
	stack_closes_pending = 2;
	uv_close((uv_handle_t *)&stack_timer, stack_handle_closed);
	uv_close((uv_handle_t *)&stack_prepare, stack_handle_closed);
}
