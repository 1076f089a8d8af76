/* SPDX-License-Identifier: MIT */
/*
 * bridged_host.h - the host's side of a bridged adapter (modes/bridged.c):
 * the VM's frames for the host put into IF's receive path
 * (devices/hostinj.h), and the copies of them that every packet socket on IF
 * then sees ("reflections") kept from the VMs. See bridged_host.c.
 */
#ifndef NATD_MODES_BRIDGED_HOST_H
#define NATD_MODES_BRIDGED_HOST_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "devices/hostif.h"

struct hostinj;

#define BRIDGED_HOST_SRCS 64   /* source MACs of frames sent out of IF, remembered */

struct bridged_host {
	uv_loop_t *loop;
	unsigned x;
	bool wanted;                   /* hostreach=on (the default) */
	struct hostinj *inj;           /* NULL: the host does not reach the VM */
	char why[256];                 /* why not, when wanted */
	const char *ifname;
	/* IF's own addresses (wireless: which frames to IF's MAC are the host's) */
	struct in_addr v4[HOSTIF_MAX_ADDRS];
	unsigned n_v4;
	struct in6_addr v6[HOSTIF_MAX_ADDRS];
	unsigned n_v6;
	uint64_t addrs_at;             /* uv_now() of the last look, 0: never */
	struct {
		uint8_t mac[6];
		uint64_t at;           /* uv_now() when last seen, 0: free */
	} src[BRIDGED_HOST_SRCS];
	struct {
		uint64_t to_host, to_host_dropped, reflections, host_to_vm;
	} st;
	unsigned closes;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

/*
 * Opens the way to the host for adapter x bridged to ifname (ifindex,
 * if_mac), when wanted. Never fails: without CAP_NET_ADMIN or the kernel's
 * tc parts it logs one warning ("the host cannot reach this VM: ...") and
 * the adapter runs without (bh->inj NULL).
 */
void bridged_host_open(struct bridged_host *bh, uv_loop_t *loop, unsigned x, bool wanted,
		       const char *ifname, int ifindex, const uint8_t if_mac[6]);

/* IF went away (ifindex 0: the tap stays) or is back as ifindex: the
 * redirect is made again towards it (or the tap opened, when there was
 * none). */
void bridged_host_reopen(struct bridged_host *bh, int ifindex, const uint8_t if_mac[6]);
void bridged_host_set_mac(struct bridged_host *bh, const uint8_t if_mac[6]);

/* Whether a frame of the VM with destination IF's MAC, or a group frame, is
 * for the host: wired, always; wireless (where other VMs on IF share IF's
 * MAC), when it is about one of IF's own addresses. */
bool bridged_host_for_host(struct bridged_host *bh, bool wireless, const uint8_t *f,
			   size_t len);

/* Puts one frame into IF's receive path (counted), with the virtio-net
 * header the VM's transport gave it (NULL: none), so a GSO frame enters
 * whole. */
struct virtio_net_hdr;
void bridged_host_send(struct bridged_host *bh, const struct virtio_net_hdr *vh,
		       const uint8_t *f, size_t len);

/*
 * A frame from IF's packet socket of packet type pkttype: remembers the
 * source of outgoing frames; returns true (and counts) when an incoming one
 * is a reflection of a frame sent from this host: its source is the VM's
 * MAC, IF's, or that of a frame sent out of IF in the last few minutes.
 */
bool bridged_host_reflection(struct bridged_host *bh, const uint8_t *f, int pkttype,
			     const uint8_t vm_mac[6], const uint8_t if_mac[6]);

/* showvminfo's "host" object. */
json_t *bridged_host_info(const struct bridged_host *bh);

/* Closes the tap, when there is one (bh->inj): closed(opaque) from the loop
 * when it is gone; closed may be NULL. Without a tap, nothing is called. */
void bridged_host_close(struct bridged_host *bh, void (*closed)(void *opaque), void *opaque);

#endif
