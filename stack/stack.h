/* SPDX-License-Identifier: MIT */
/*
 * stack.h - lwIP on natd's libuv loop.
 *
 * lwIP runs with NO_SYS=1: it is only ever entered from the loop's thread,
 * from frame input (forwarders/nic.c) and from one uv_timer that fires when lwIP's
 * next timeout is due. There are no threads and no locks.
 */
#ifndef NATD_STACK_H
#define NATD_STACK_H

#include <stdint.h>
#include <uv.h>

/* Initialises lwIP and the timer. Call once, before any NIC is created. */
int stack_init(uv_loop_t *loop);

/*
 * Runs lwIP's due timeouts and re-arms the timer for the next one. Call after
 * feeding lwIP a batch of input (cheap when nothing is due).
 */
void stack_kick(void);

/* Stops the timer; closed() is called once its handles are closed. */
void stack_shutdown(void (*closed)(void *opaque), void *opaque);

struct tcp_pcb;

/*
 * Lets go of a pcb natd owns: clears its callbacks and argument, then closes
 * it (lwIP finishes the handshake on its own) or, when abort_pcb or the
 * close fails, aborts it with a RST. From inside the pcb's own callbacks,
 * return ERR_ABRT after an abort.
 */
void stack_tcp_release(struct tcp_pcb *pcb, int abort_pcb);

struct netif;

/*
 * Raises the send MSS of a TCP pcb on netif to 64 KiB when netif's transport
 * sends TCP segments longer than the MTU as GSO frames (NATD_NETIF_FLAG_GSO).
 * The guest's MSS (which its MTU may make smaller than natd's MTU allows) is
 * kept: the transport cuts the pcb's frames to it (stack_tx_seg()). Call
 * before queueing data; cheap when there is nothing to do.
 */
void stack_tcp_gso(struct tcp_pcb *pcb, const struct netif *netif);

struct pbuf;

/*
 * For the frame p a netif's linkoutput sends: the TCP payload per segment
 * the guest takes when p is a segment of a pcb stack_tcp_gso() raised, else
 * 0 (cut to the MTU). The size is handed out once: the call consumes it,
 * so ask once per frame sent, from the netif's linkoutput.
 */
unsigned int stack_tx_seg(const struct pbuf *p);

/* Monotonic milliseconds (64-bit; lwIP's sys_now() is its low 32 bits). */
uint64_t stack_now_ms(void);

#endif
