/* SPDX-License-Identifier: MIT */
/*
 * natd_lwip_hooks.h - prototypes of the hooks natd's lwIP patch calls
 * (patches/README.md); included by lwIP's sources through LWIP_HOOK_FILENAME.
 * Implemented in forwarders/nat.c, forwarders/fwd_tcp_buf.c and stack/stack.c.
 */
#ifndef NATD_LWIP_HOOKS_H
#define NATD_LWIP_HOOKS_H

#include "lwip/arch.h"

struct netif;
struct pbuf;
struct tcp_hdr;
struct tcp_pcb_listen;
struct tcp_pcb;
struct ip4_addr;
struct ip6_addr;

int natd_hook_ip4_input(struct pbuf *p, struct netif *inp);
int natd_hook_ip4_accept(struct netif *netif, const struct ip4_addr *dest);
int natd_hook_ip6_input(struct pbuf *p, struct netif *inp);
int natd_hook_ip6_accept(struct netif *netif, const struct ip6_addr *dest);
/* A pbuf of len bytes at data for tcp_write() without copy (NULL: no memory). */
struct pbuf *natd_hook_tcp_write_ref(const void *data, u16_t len);
int natd_hook_tcp_nolisten(struct pbuf *p, struct tcp_hdr *hdr, u8_t flags,
			   struct tcp_pcb_listen **lpcb);
/* A TCP segment (p) of pcb (NULL for a RST without one) leaves: returns
 * opts (stack/stack.c). */
u32_t *natd_hook_tcp_out(struct pbuf *p, const struct tcp_pcb *pcb, u32_t *opts);
/* lwIP's LWIP_CHKSUM: the folded, uncomplemented Internet checksum of len
 * bytes in host order, as lwip_standard_chksum() (stack/stack.c). */
u16_t natd_lwip_chksum(const void *data, int len);
/* Non-zero: natd is the IPv6 router on netif (its NAs set the Router flag). */
int natd_hook_nd6_na_router(struct netif *netif);

#endif
