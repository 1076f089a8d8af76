/* SPDX-License-Identifier: MIT */
/*
 * lwipopts.h - natd's configuration of lwIP 2.1.3.
 *
 * lwIP runs with NO_SYS=1 (raw API only, no threads): natd's libuv loop feeds
 * it frames and drives its timers (stack/stack.c). Memory comes from the C
 * heap (MEM_LIBC_MALLOC, MEMP_MEM_MALLOC) so that pool sizes are limits, not
 * preallocated arrays, and large TCP windows cost memory only while data is
 * actually queued. Windows and MSS are sized for MTUs up to 65520.
 */
#ifndef NATD_LWIPOPTS_H
#define NATD_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_NETIF_API              0

/* Memory: the C heap. */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (16 * 1024 * 1024)
#define MEMP_NUM_PBUF               4096
#define MEMP_NUM_RAW_PCB            64
#define MEMP_NUM_UDP_PCB            4096
#define MEMP_NUM_TCP_PCB            16384
#define MEMP_NUM_TCP_PCB_LISTEN     256
#define MEMP_NUM_TCP_SEG            65535
#define MEMP_NUM_REASSDATA          64
#define MEMP_NUM_FRAG_PBUF          256
#define MEMP_NUM_ARP_QUEUE          256
#define MEMP_NUM_ND6_QUEUE          256
#define PBUF_POOL_SIZE              1024
#define PBUF_POOL_BUFSIZE           1536

/* Protocols. */
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define ARP_TABLE_SIZE              64
#define ARP_QUEUEING                1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_IPV4                   1
#define LWIP_IPV6                   1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   0 /* natd is the DHCP *server* (dhcp/) */
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define LWIP_IPV6_DHCP6             0
#define LWIP_IPV6_MLD               0
#define LWIP_IPV6_AUTOCONFIG        0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_REASS             1
/* Three addresses per NIC: fe80::2 (first: the source of NS and RA), the
 * prefix's ::2 (gateway) and ::3 (DNS proxy); lwIP answers NS for them. */
#define LWIP_IPV6_NUM_ADDRESSES     3
/* Guests' addresses (several per NIC with privacy addresses). */
#define LWIP_ND6_NUM_NEIGHBORS      64
#define LWIP_ND6_NUM_DESTINATIONS   64
#define LWIP_IPV6_FRAG              1
/* Required where pointers are 8 bytes (ip6_frag.c asserts it at run time). */
#define IPV6_FRAG_COPYHEADER        1
#define IP_REASSEMBLY               1
#define IP_FRAG                     1
#define IP_SOF_BROADCAST            1
/* Let DHCP DISCOVERs (source 0.0.0.0) through to natd's DHCP server pcb. */
#define LWIP_IP_ACCEPT_UDP_PORT(port) ((port) == PP_NTOHS(67))
#define IP_SOF_BROADCAST_RECV       0
#define LWIP_BROADCAST_PING         0
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_SINGLE_NETIF           0
#define LWIP_NUM_NETIF_CLIENT_DATA  1
/* Off: with it, tcp_write() sums every byte it copies, wasted on adapters
 * that leave TCP checksums to the kernel (below); elsewhere the sum is made
 * when the segment is sent instead. */
#define LWIP_CHECKSUM_ON_COPY       0
/* The Internet checksum of the device layer (base/csum.c: two 32-bit words
 * per step into 64-bit sums) instead of lwIP's 16-bit loop, which was the
 * top of natd's own code in profiles of MTU-sized segments on the stream
 * path (no offloads: lwIP sums every segment). Same result, host order. */
#define LWIP_CHKSUM                 natd_lwip_chksum
unsigned short natd_lwip_chksum(const void *data, int len); /* u16_t, before arch.h */

/* TCP, sized for throughput: window scaling, MSS up to MTU 65520. */
#define TCP_MSS                     65480
#define LWIP_WND_SCALE              1
#define TCP_RCV_SCALE               7
#define TCP_WND                     (4 * 1024 * 1024)
#define TCP_SND_BUF                 (4 * 1024 * 1024)
#define TCP_SND_QUEUELEN            16384
#define TCP_SNDLOWAT                (TCP_SND_BUF / 4)
#define TCP_SNDQUEUELOWAT           (TCP_SND_QUEUELEN / 2)
#define TCP_OVERSIZE                TCP_MSS
#define TCP_QUEUE_OOSEQ             1
#define TCP_CALCULATE_EFF_SEND_MSS  1
#define LWIP_TCP_SACK_OUT           0
/* Timestamps (RFC 7323), on connections whose SYN carries them: lwIP echoes
 * the guest's, and a Linux guest can then reuse its TIME_WAIT ports for new
 * connections (net.ipv4.tcp_tw_reuse=1: it needs the peer's timestamps).
 * 12 bytes of every segment's payload; a GSO frame's segments are cut with
 * the options counted in (devices/vnet.c). */
#define LWIP_TCP_TIMESTAMPS         1
#define TCP_LISTEN_BACKLOG          0
#define LWIP_TCP_KEEPALIVE          1
#define LWIP_TCP_PCB_NUM_EXT_ARGS   2
/* init.c's "TCP_SNDLOWAT must be 4*MSS below u16_t overflow" dates from a
 * 16-bit snd_buf; with LWIP_WND_SCALE, snd_buf and the windows are 32-bit
 * (tcpwnd_size_t), so the check cannot hold for an MSS near 64 KiB and does
 * not apply. The other sanity checks hold for the values above. */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1

/* Statistics are kept by natd itself; lwIP's are off. */
#define LWIP_STATS                  0
#define LWIP_STATS_DISPLAY          0

/* Checksums: generated and checked in software, except on an adapter whose
 * transport offloads TCP (devices/vnet.h): forwarders/nic.c turns off TCP
 * checksum generation and checks on that netif (the device fills in
 * pseudo-header sums and verifies what the kernel does not vouch for). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_GEN_ICMP6          1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1
#define CHECKSUM_CHECK_ICMP6        1

/* natd's hooks (patches/README.md, forwarders/nat.c). */
#define LWIP_HOOK_FILENAME "natd_lwip_hooks.h"
#define LWIP_HOOK_IP4_ACCEPT(netif, dest) natd_hook_ip4_accept(netif, dest)
#define LWIP_HOOK_TCP_INPUT_NOLISTEN(p, hdr, flags, lpcb) \
	natd_hook_tcp_nolisten(p, hdr, flags, lpcb)
/* lwIP's own hook: natd only counts protocols it does not proxy (lwIP then
 * answers them with ICMP protocol unreachable); never consumes. */
#define LWIP_HOOK_IP4_INPUT(p, inp) natd_hook_ip4_input(p, inp)
#define LWIP_HOOK_IP6_ACCEPT(netif, dest) natd_hook_ip6_accept(netif, dest)
/* Every IPv6 packet from a guest, before lwIP: checks (malformed ones are
 * dropped and counted), router solicitations, DHCPv6, guest addresses. */
#define LWIP_HOOK_IP6_INPUT(p, inp) natd_hook_ip6_input(p, inp)

/* netif->flags bit (unused by lwIP 2.1.3): the netif's transport takes TCP
 * segments longer than the MTU and sends them as GSO frames (devices/vnet.h);
 * patch 0005 then leaves them unfragmented. */
#define NATD_NETIF_FLAG_GSO         0x80U
#define LWIP_HOOK_IP_OUTPUT_NOFRAG(netif, proto) \
	(((netif)->flags & NATD_NETIF_FLAG_GSO) && (proto) == 6 /* TCP */)

/* tcp_write() without TCP_WRITE_FLAG_COPY references the caller's bytes; the
 * TCP proxy's are in reference-counted chunks, and this hook (patch 0007)
 * makes the pbuf that holds a reference (forwarders/fwd_tcp_buf.c). */
#define LWIP_HOOK_TCP_WRITE_REF(data, len) natd_hook_tcp_write_ref(data, len)

/* lwIP's own hook, called as a TCP segment goes out: adds no option; tells
 * the transport the guest's segment size for a GSO frame (stack/stack.c). */
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) natd_hook_tcp_out(p, pcb, opts)

/* Neighbour advertisements of an adapter natd routes for carry the Router
 * flag (patch 0008): without it a guest that confirms fe80::2 by neighbour
 * unreachability detection drops its default route (RFC 4861 7.2.5). */
#define LWIP_HOOK_ND6_NA_ROUTER(netif) natd_hook_nd6_na_router(netif)

#define LWIP_RAND()                 (natd_lwip_rand())

#endif
