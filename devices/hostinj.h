/* SPDX-License-Identifier: MIT */
/*
 * hostinj.h - frames put into a host interface's own receive path, so that
 * the host's stack takes them as if they had come in from IF's wire: how a
 * VM bridged to IF (modes/bridged.c) reaches the host it runs on.
 *
 * A packet socket cannot do this (what it sends leaves on the wire), so
 * hostinj_open() creates a private tap ("natdh%d", named by the kernel, not
 * persistent: it goes away with natd) with IF's MAC, brings it up, and
 * installs on it the equivalent of
 *     tc qdisc add dev TAP ingress
 *     tc filter add dev TAP parent ffff: protocol all prio 1 \
 *         u32 match u32 0 0 action mirred ingress redirect dev IF
 * over rtnetlink (devices/rtnl.h; no tc command is run). A frame written to
 * the tap enters the kernel on the tap and is handed, unchanged, to IF's
 * receive path (act_mirred), where the host's stack and every packet socket
 * on IF see it as an incoming frame. The tap has IF's MAC so that a frame
 * to IF's MAC is classified "for this host" (PACKET_HOST) already on the
 * tap, as on IF; IPv6 is turned off on the tap so the host sends nothing
 * out of it (what it does send is read and thrown away).
 *
 * Needs CAP_NET_ADMIN (the tap, the qdisc and the filter) and a kernel with
 * the ingress qdisc, the u32 classifier and the mirred action (built in or
 * as modules, loaded by the kernel on demand).
 */
#ifndef NATD_HOSTINJ_H
#define NATD_HOSTINJ_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct hostinj;

/*
 * Creates the tap and the redirect to the interface ifindex (whose MAC is
 * if_mac) on loop. Returns 0 and *out, or -errno with a one-line reason in
 * err (e.g. "creating a tap needs CAP_NET_ADMIN"); nothing is left behind
 * on failure.
 */
int hostinj_open(uv_loop_t *loop, int ifindex, const uint8_t if_mac[6], struct hostinj **out,
		 char *err, size_t errlen);

/* Writes one frame into IF's receive path, with its virtio-net header vh
 * (NULL: an ordinary frame): a GSO TCP segment of up to 64 KiB, or one whose
 * checksum is partial, enters the host's stack whole, as from a tap with
 * offloads. 0, or -errno (-EAGAIN: the kernel's queue is full; the frame is
 * dropped). */
struct virtio_net_hdr;
int hostinj_send(struct hostinj *h, const struct virtio_net_hdr *vh, const uint8_t *frame,
		 size_t len);

/*
 * IF was deleted and an interface of its name is back (ifindex): the
 * redirect is made again towards it, on the same tap (the tap outlives IF;
 * a process that gave up its privileges could not open /dev/net/tun again,
 * but with CAP_NET_ADMIN it may change the tap's qdisc). 0 or -errno with
 * err.
 */
int hostinj_retarget(struct hostinj *h, int ifindex, char *err, size_t errlen);

/* IF's MAC changed: the tap follows. 0 or -errno. */
int hostinj_set_mac(struct hostinj *h, const uint8_t mac[6]);

/* The tap's name ("natdh0"). */
const char *hostinj_name(const struct hostinj *h);

/* Frames the host sent out of the tap (thrown away). */
uint64_t hostinj_discarded(const struct hostinj *h);

/* Closes the tap (the kernel removes it with its qdisc and filter); h is
 * freed and closed(opaque) called from the loop. closed may be NULL. */
void hostinj_close(struct hostinj *h, void (*closed)(void *opaque), void *opaque);

#endif
