/* SPDX-License-Identifier: MIT */
/*
 * bridged_host.c - how the host reaches a VM bridged to one of its
 * interfaces (see bridged_host.h).
 *
 * Theory of operation
 * -------------------
 * What the VM sends through IF's packet socket leaves on IF's wire and
 * never enters the host's own stack, and what the host sends out of IF the
 * socket already sees (PACKET_OUTGOING). So the VM's frames for the host
 * are also written to a private tap whose ingress redirects every frame into
 * IF's receive path (devices/hostinj.h), as a bridge hands a port's frames
 * to its own host:
 *   - unicast to IF's MAC: to the host only (wired) - a bridge would not
 *     put it on the wire; wireless, where every VM on IF goes by IF's MAC,
 *     to the host when it is for one of IF's addresses (ARP target, IP
 *     destination), else to the wire as before;
 *   - group frames: to the wire and to the host (wireless: those about one
 *     of IF's addresses - an ARP request or a neighbour solicitation for
 *     it, or IP to it).
 * The host sees the VM's own MAC in every case (in wireless mode the frame
 * before its rewrite: the host is not on the air), so it answers to the
 * VM's MAC out of IF, which the VM's socket sees as outgoing.
 *
 * Reflections: a frame put into IF's receive path is seen by every packet
 * socket on IF as an incoming frame - the VM's own socket (its frame back)
 * and those of other VMs bridged to IF (which have the wire's copy of a
 * group frame already, as an outgoing frame). An incoming frame whose
 * source MAC is the VM's, IF's, or that of a frame seen going out of IF in
 * the last BRIDGED_HOST_AGE_MS (another VM bridged to IF) is therefore a
 * reflection: dropped and counted. A group frame leaves on the wire before
 * its copy goes to the host (bridged.c flushes the packet socket's batch
 * first), so the other VMs learn its source before they see the copy.
 * Limit: a wireless VM's frames leave with IF's MAC, so another VM cannot
 * learn its own MAC from the wire; the few group frames a wireless VM sends
 * for the host (ARP requests and neighbour solicitations for IF's
 * addresses) reach a second VM bridged to IF twice.
 */
#include "modes/bridged_host.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>

#include "base/bytes.h"
#include "base/log.h"
#include "devices/hostinj.h"

#define BRIDGED_HOST_AGE_MS   (300u * 1000u)  /* a MAC that sent out of IF stays "ours" */
#define BRIDGED_HOST_ADDRS_MS 2000u           /* IF's addresses looked up again after */

static bool bridged_host_start(struct bridged_host *bh, int ifindex, const uint8_t if_mac[6])
{
	char err[256];
	int rc = hostinj_open(bh->loop, ifindex, if_mac, &bh->inj, err, sizeof(err));

	if (rc < 0) {
		bh->inj = NULL;
		snprintf(bh->why, sizeof(bh->why), "%s", err);
		log_warn("nic%u: the host cannot reach this VM: %s (frames between the VM and "
			 "the LAN are not affected)", bh->x, err);
		return false;
	}
	bh->why[0] = 0;
	log_info("nic%u: the host reaches the VM through %s (frames for the host go into "
		 "%s's receive path)", bh->x, hostinj_name(bh->inj), bh->ifname);
	return true;
}

void bridged_host_open(struct bridged_host *bh, uv_loop_t *loop, unsigned x, bool wanted,
		       const char *ifname, int ifindex, const uint8_t if_mac[6])
{
	memset(bh, 0, sizeof(*bh));
	bh->loop = loop;
	bh->x = x;
	bh->wanted = wanted;
	bh->ifname = ifname;
	if (!wanted) {
		snprintf(bh->why, sizeof(bh->why), "turned off (hostreach=off)");
		return;
	}
	bridged_host_start(bh, ifindex, if_mac);
}

void bridged_host_reopen(struct bridged_host *bh, int ifindex, const uint8_t if_mac[6])
{
	char err[256];
	int rc;

	bh->addrs_at = 0;
	if (ifindex <= 0 || !bh->wanted)
		return; /* IF gone: the tap stays, its redirect goes nowhere meanwhile */
	if (!bh->inj) {
		bridged_host_start(bh, ifindex, if_mac);
		return;
	}
	bridged_host_set_mac(bh, if_mac);
	rc = hostinj_retarget(bh->inj, ifindex, err, sizeof(err));
	if (rc < 0) {
		snprintf(bh->why, sizeof(bh->why), "%s", err);
		log_warn("nic%u: the host cannot reach this VM: %s (frames between the VM and "
			 "the LAN are not affected)", bh->x, err);
		hostinj_close(bh->inj, NULL, NULL);
		bh->inj = NULL;
		return;
	}
	log_info("nic%u: the host reaches the VM again through %s", bh->x, hostinj_name(bh->inj));
}

void bridged_host_set_mac(struct bridged_host *bh, const uint8_t if_mac[6])
{
	int rc;

	if (bh->inj && (rc = hostinj_set_mac(bh->inj, if_mac)) < 0)
		log_warn("nic%u: %s: following %s's new MAC: %s", bh->x, hostinj_name(bh->inj),
			 bh->ifname, strerror(-rc));
}

/* IF's addresses, looked up again when the last look is old. */
static void bridged_host_addrs(struct bridged_host *bh)
{
	uint64_t now = uv_now(bh->loop);
	struct hostif_state st;
	char err[256];

	if (bh->addrs_at && now - bh->addrs_at < BRIDGED_HOST_ADDRS_MS)
		return;
	bh->addrs_at = now ? now : 1;
	bh->n_v4 = bh->n_v6 = 0;
	if (hostif_query(bh->ifname, &st, err, sizeof(err)) != 1)
		return;
	for (unsigned i = 0; i < st.n_v4; i++)
		bh->v4[bh->n_v4++] = st.v4[i].addr;
	for (unsigned i = 0; i < st.n_v6; i++)
		bh->v6[bh->n_v6++] = st.v6[i].addr;
}

static bool is_if_v4(const struct bridged_host *bh, const uint8_t *p)
{
	for (unsigned i = 0; i < bh->n_v4; i++)
		if (!memcmp(&bh->v4[i], p, 4))
			return true;
	return false;
}

/* One of IF's IPv6 addresses, or the solicited-node group of one. */
static bool is_if_v6(const struct bridged_host *bh, const uint8_t *p)
{
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	bool sol = !memcmp(p, snm, sizeof(snm));

	for (unsigned i = 0; i < bh->n_v6; i++) {
		const uint8_t *a = bh->v6[i].s6_addr;

		if (sol ? !memcmp(a + 13, p + 13, 3) : !memcmp(a, p, 16))
			return true;
	}
	return false;
}

bool bridged_host_for_host(struct bridged_host *bh, bool wireless, const uint8_t *f,
			   size_t len)
{
	if (!bh->inj || len < 14)
		return false;
	if (!wireless)
		return true;
	bridged_host_addrs(bh);
	switch (get16(f + 12)) {
	case 0x0806: /* ARP: the target protocol address */
		return len >= 14 + 28 && is_if_v4(bh, f + 14 + 24);
	case 0x0800:
		return len >= 14 + 20 && is_if_v4(bh, f + 14 + 16);
	case 0x86dd:
		return len >= 14 + 40 && is_if_v6(bh, f + 14 + 24);
	default:
		return false;
	}
}

void bridged_host_send(struct bridged_host *bh, const struct virtio_net_hdr *vh,
		       const uint8_t *f, size_t len)
{
	int rc = hostinj_send(bh->inj, vh, f, len);

	if (rc < 0) {
		bh->st.to_host_dropped++;
		return;
	}
	bh->st.to_host++;
}

static unsigned src_slot(const uint8_t *mac)
{
	return (unsigned)(mac[5] ^ (mac[4] * 7u) ^ (mac[3] * 31u) ^ (mac[2] * 131u)) %
	       BRIDGED_HOST_SRCS;
}

bool bridged_host_reflection(struct bridged_host *bh, const uint8_t *f, int pkttype,
			     const uint8_t vm_mac[6], const uint8_t if_mac[6])
{
	const uint8_t *src = f + 6;
	unsigned i = src_slot(src);
	uint64_t now = uv_now(bh->loop) + 1; /* 0 marks a free slot */

	if (pkttype == PACKET_OUTGOING) {
		memcpy(bh->src[i].mac, src, 6);
		bh->src[i].at = now;
		return false;
	}
	if (memcmp(src, vm_mac, 6) && memcmp(src, if_mac, 6) &&
	    !(bh->src[i].at && now - bh->src[i].at < BRIDGED_HOST_AGE_MS &&
	      !memcmp(bh->src[i].mac, src, 6)))
		return false;
	bh->st.reflections++;
	return true;
}

json_t *bridged_host_info(const struct bridged_host *bh)
{
	json_t *r = json_pack("{s:b, s:I, s:I, s:I, s:I}",
		"reachable", bh->inj != NULL,
		"frames_to_host", (json_int_t)bh->st.to_host,
		"frames_to_host_dropped", (json_int_t)bh->st.to_host_dropped,
		"frames_from_host", (json_int_t)bh->st.host_to_vm,
		"reflections_dropped", (json_int_t)bh->st.reflections);

	if (bh->inj)
		json_object_set_new(r, "tap", json_string(hostinj_name(bh->inj)));
	else
		json_object_set_new(r, "why_not", json_string(bh->why));
	return r;
}

void bridged_host_close(struct bridged_host *bh, void (*closed)(void *opaque), void *opaque)
{
	if (!bh->inj)
		return;
	hostinj_close(bh->inj, closed, opaque);
	bh->inj = NULL;
}
