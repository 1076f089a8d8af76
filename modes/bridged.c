/* SPDX-License-Identifier: MIT */
/*
 * bridged.c - the bridged mode: a VM's adapter as another machine on the
 * LAN of the host interface IF.
 *
 * Two devices on the loop: the VM's transport (--attach<x>) and a
 * "packet:IF" AF_PACKET socket bound to IF (devices/packet.c: TPACKET_V3
 * receive ring, sendmmsg batches). Every VM bridged to IF has its own
 * socket; the kernel hands each packet socket the frames the others send
 * out of IF (PACKET_OUTGOING), so VMs bridged to one interface reach each
 * other without a switch process of natd's, and the host's own frames out
 * of IF reach them too. Each adapter applies its promiscuous policy to what
 * its socket sees:
 *   deny       frames to the VM's MAC and group frames;
 *   allow-vms  also frames other VMs bridged to IF send (outgoing frames
 *              whose source is not IF's MAC), whoever they are for;
 *   allow-all  everything IF carries.
 *
 * Wired: frames pass unchanged, IF is promiscuous (PACKET_MR_PROMISC) while
 * the socket is open (the kernel restores it when the socket closes).
 * Wireless: every frame goes through l2/wifi_nat.c (IF's MAC out, the VM's
 * back in for its learnt addresses; only IPv4/ARP and IPv6), IF is not made
 * promiscuous. Chosen from IF's type, forced with --nicproperty<x>
 * wireless=on|off.
 *
 * The host: the VM's frames for it (to IF's MAC; group frames) also go
 * into IF's own receive path, and the copies of such frames every packet
 * socket on IF then sees are dropped (modes/bridged_host.c).
 *
 * The link follows IF (rtnetlink, RTMGRP_LINK): while IF is down or without
 * carrier, or gone, the VM's link is down (device_set_carrier(): a tap's
 * carrier; not signalled on stream transports) and frames are dropped; a
 * vanished IF is looked for by name at each link message and the packet
 * socket reopened when it is back.
 */
#include "modes/bridged.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "base/log.h"
#include "devices/device.h"
#include "devices/hostif.h"
#include "l2/wifi_nat.h"
#include "modes/nic_model.h"
#include "modes/bridged_host.h"

struct bridged_adapter {
	uv_loop_t *loop;
	unsigned x;
	const struct nic_config *cfg;
	char ifname[HOSTIF_NAME_MAX];
	bool wireless;
	enum nic_promisc policy;
	struct device *vm, *net;
	uint8_t if_mac[6];
	unsigned if_mtu;
	int ifindex;
	bool if_up, if_gone, cable, vm_attached;
	int nl_fd;
	uv_poll_t nl;
	bool nl_init;
	struct wifi_nat wifi;
	struct bridged_host host;
	struct {
		uint64_t to_network, from_network, filtered, dropped, link_down;
		uint64_t if_changes;
	} st;
	struct log_ratelimit rl;
	unsigned closes;
	void (*closed)(void *opaque);
	void *closed_opaque;
	uint8_t buf[DEVICE_MAX_FRAME];
};

bool bridged_if_is_wireless(const char *ifname)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", ifname);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/class/net/%s/phy80211", ifname);
	return access(path, F_OK) == 0;
}

/* "on"/"off" of KEY=VALUE property p; -EINVAL with the message otherwise. */
static int bridged_onoff(const char *p, size_t klen, unsigned x, bool *v, char *err,
			 size_t errlen)
{
	if (!strcmp(p + klen, "on"))
		*v = true;
	else if (!strcmp(p + klen, "off"))
		*v = false;
	else
		return errfmt(err, errlen, -EINVAL, "--nicproperty%u %s: expected %.*son or "
			      "%.*soff", x, p, (int)klen, p, (int)klen, p);
	return 0;
}

int bridged_parse(const struct nic_config *cfg, unsigned x, struct bridged_props *out,
		  char *err, size_t errlen)
{
	out->wireless = BRIDGED_WIRELESS_AUTO;
	out->hostreach = true;
	for (unsigned i = 0; i < cfg->n_props; i++) {
		const char *p = cfg->props[i];
		bool v;
		int rc;

		if (!strncmp(p, "wireless=", 9)) {
			rc = bridged_onoff(p, 9, x, &v, err, errlen);
			if (rc < 0)
				return rc;
			out->wireless = v ? BRIDGED_WIRELESS_ON : BRIDGED_WIRELESS_OFF;
		} else if (!strncmp(p, "hostreach=", 10)) {
			rc = bridged_onoff(p, 10, x, &out->hostreach, err, errlen);
			if (rc < 0)
				return rc;
		} else {
			return errfmt(err, errlen, -EINVAL, "--nicproperty%u %s: a bridged adapter "
				      "has two properties, wireless=on|off and hostreach=on|off", x,
				      p);
		}
	}
	return 0;
}

static bool bridged_link_ok(const struct bridged_adapter *a)
{
	return a->cable && a->if_up && !a->if_gone && a->net;
}

static void bridged_carrier(struct bridged_adapter *a)
{
	if (a->vm)
		device_set_carrier(a->vm, a->cable && a->if_up && !a->if_gone);
}

static void bridged_from_vm(void *opaque, const uint8_t *frame, size_t len)
{
	struct bridged_adapter *a = opaque;
	const uint8_t *out = frame;
	const struct virtio_net_hdr *vh = device_rx_vnet(a->vm);
	bool group = len >= 6 && (frame[0] & 1), to_host, to_wire = true;

	if (!bridged_link_ok(a)) {
		a->st.link_down++;
		return;
	}
	if (a->wireless) {
		memcpy(a->buf, frame, len);
		if (wifi_nat_from_vm(&a->wifi, a->buf, len) != WIFI_PASS)
			return; /* counted there */
		out = a->buf;
	}
	/* The host's: unicast to IF's MAC, or a group frame (bridged_host.c). */
	to_host = (group || (len >= 6 && !memcmp(frame, a->if_mac, 6))) &&
		  bridged_host_for_host(&a->host, a->wireless, frame, len);
	if (to_host && !group)
		to_wire = false;
	if (to_wire) {
		if (device_send_vnet(a->net, vh, out, len) < 0)
			a->st.dropped++;
		else
			a->st.to_network++;
	}
	if (to_host) {
		if (group) /* on the wire first: other VMs learn its source before the copy */
			device_flush(a->net);
		bridged_host_send(&a->host, vh, frame, len); /* the VM's own MAC */
	}
}

/* Wired mode: whether the VM's policy lets it see this frame. */
static bool bridged_wired_wants(const struct bridged_adapter *a, const uint8_t *f, int pkttype)
{
	if ((f[0] & 1) || !memcmp(f, a->cfg->mac, 6))
		return true;
	if (a->policy == NIC_PROMISC_ALLOW_ALL)
		return true;
	return a->policy == NIC_PROMISC_ALLOW_VMS && pkttype == PACKET_OUTGOING &&
	       memcmp(f + 6, a->if_mac, 6);
}

static void bridged_from_net(void *opaque, const uint8_t *frame, size_t len)
{
	struct bridged_adapter *a = opaque;
	const uint8_t *out = frame;
	int pkttype = device_rx_pkttype(a->net);

	if (!bridged_link_ok(a)) {
		a->st.link_down++;
		return;
	}
	if (len < 14) {
		a->st.dropped++;
		return;
	}
	if (bridged_host_reflection(&a->host, frame, pkttype, a->cfg->mac, a->if_mac))
		return; /* counted there */
	if (pkttype == PACKET_OUTGOING && !(frame[0] & 1) && !memcmp(frame, a->cfg->mac, 6) &&
	    !memcmp(frame + 6, a->if_mac, 6)) {
		/* The host answers the VM (wireless: to the VM's own MAC, which
		 * the host learnt from bridged_host_send()'s frames). */
		a->host.st.host_to_vm++;
	} else if (a->wireless) {
		enum wifi_verdict v;

		memcpy(a->buf, frame, len);
		v = wifi_nat_to_vm(&a->wifi, a->buf, len);
		if (v == WIFI_PASS)
			out = a->buf;
		else if (!(v == WIFI_NOT_OURS && a->policy == NIC_PROMISC_ALLOW_ALL))
			return; /* counted there */
	} else if (!bridged_wired_wants(a, frame, pkttype)) {
		a->st.filtered++;
		return;
	}
	if (!a->vm || device_send_vnet(a->vm, device_rx_vnet(a->net), out, len) < 0) {
		a->st.dropped++;
		return;
	}
	a->st.from_network++;
}

static void bridged_vm_link(void *opaque, bool up)
{
	struct bridged_adapter *a = opaque;

	a->vm_attached = up;
	log_info("nic%u: VM %s (%s)", a->x, up ? "attached" : "detached", a->cfg->attach);
}

/* Opens the packet socket on IF (IF exists: a->if_* are its state). */
static int bridged_open_net(struct bridged_adapter *a, char *err, size_t errlen)
{
	struct device_handler h = { .frame = bridged_from_net, .opaque = a };
	char spec[HOSTIF_NAME_MAX + 32];

	snprintf(spec, sizeof(spec), "packet:%s%s", a->ifname, a->wireless ? "" : ",promisc");
	return device_open(a->loop, spec, &h, &a->net, err, errlen);
}

static void bridged_if_state(struct bridged_adapter *a, bool up)
{
	if (up == a->if_up)
		return;
	a->if_up = up;
	a->st.if_changes++;
	log_warn("nic%u: %s is %s: the VM's link is %s", a->x, a->ifname,
		 up ? "up again" : "down (or without carrier)", up ? "up" : "down");
	bridged_carrier(a);
}

static void bridged_if_gone(struct bridged_adapter *a)
{
	struct device *net = a->net;

	if (a->if_gone)
		return;
	a->if_gone = true;
	a->net = NULL;
	bridged_host_reopen(&a->host, 0, NULL);
	a->st.if_changes++;
	log_warn("nic%u: %s went away: the VM's link is down until it comes back", a->x,
		 a->ifname);
	if (net)
		device_close(net, NULL, NULL);
	bridged_carrier(a);
}

/* IF vanished earlier: is it back? */
static void bridged_if_lookup(struct bridged_adapter *a)
{
	struct hostif_state st;
	char err[256];

	if (hostif_query(a->ifname, &st, err, sizeof(err)) != 1)
		return;
	a->ifindex = st.ifindex;
	memcpy(a->if_mac, st.mac, 6);
	a->if_mtu = st.mtu;
	wifi_nat_set_if_mac(&a->wifi, st.mac);
	if (bridged_open_net(a, err, sizeof(err)) < 0) {
		log_ratelimited(&a->rl, LOG_LVL_ERR, "nic%u: %s is back but cannot be opened: "
				"%s", a->x, a->ifname, err);
		return;
	}
	a->if_gone = false;
	a->if_up = !(st.up && st.carrier); /* so that the next line logs and applies */
	log_info("nic%u: %s is back", a->x, a->ifname);
	bridged_host_reopen(&a->host, a->ifindex, a->if_mac);
	bridged_if_state(a, st.up && st.carrier);
}

static void bridged_nl_cb(uv_poll_t *h, int status, int events)
{
	struct bridged_adapter *a = h->data;
	static uint8_t nbuf[16384];
	struct hostif_link l;
	bool seen = false;
	ssize_t n;

	(void)events;
	if (status < 0)
		return;
	while ((n = recv(a->nl_fd, nbuf, sizeof(nbuf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS) {
				seen = true; /* lost messages: look again below */
				continue;
			}
			break;
		}
		seen = true;
		if (a->if_gone || hostif_watch_parse(nbuf, (size_t)n, a->ifindex, &l) <= 0)
			continue;
		if (l.gone) {
			bridged_if_gone(a);
			continue;
		}
		if (l.have_mac && memcmp(l.mac, a->if_mac, 6)) {
			memcpy(a->if_mac, l.mac, 6);
			wifi_nat_set_if_mac(&a->wifi, l.mac);
			bridged_host_set_mac(&a->host, l.mac);
		}
		if (l.have_flags)
			bridged_if_state(a, (l.flags & IFF_UP) && (l.flags & IFF_LOWER_UP));
	}
	if (seen && a->if_gone)
		bridged_if_lookup(a);
}

static void bridged_free(struct bridged_adapter *a)
{
	if (a->nl_fd >= 0)
		close(a->nl_fd);
	free(a);
}

static int bridged_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
			 void **state, char *err, size_t errlen)
{
	struct bridged_adapter *a = calloc(1, sizeof(*a));
	struct device_handler h;
	struct bridged_props props;
	struct hostif_state st;
	char why[512];
	int rc;

	if (!a)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	a->nl_fd = -1;
	a->loop = env->loop;
	a->x = x;
	a->cfg = cfg;
	a->policy = cfg->promisc;
	a->cable = cfg->cable_connected;
	snprintf(a->ifname, sizeof(a->ifname), "%.15s", cfg->bridge_adapter);
	rc = bridged_parse(cfg, x, &props, err, errlen);
	if (rc < 0)
		goto fail;
	/* Follow IF before the first look at it: no change goes unseen. */
	rc = hostif_watch_open();
	if (rc < 0) {
		errfmt(err, errlen, rc, "--bridgeadapter%u %s: rtnetlink: %s", x, a->ifname,
		       strerror(-rc));
		goto fail;
	}
	a->nl_fd = rc;
	rc = hostif_query(a->ifname, &st, why, sizeof(why));
	if (rc == 0)
		rc = errfmt(err, errlen, -ENODEV, "--bridgeadapter%u %s: no such network "
			    "interface (ip link shows the host's interfaces)", x, a->ifname);
	else if (rc < 0)
		errfmt(err, errlen, rc, "--bridgeadapter%u %s: %s", x, a->ifname, why);
	if (rc < 0)
		goto fail;
	a->ifindex = st.ifindex;
	a->if_up = st.up && st.carrier;
	a->if_mtu = st.mtu;
	memcpy(a->if_mac, st.mac, 6);
	a->wireless = props.wireless == BRIDGED_WIRELESS_ON ||
		      (props.wireless == BRIDGED_WIRELESS_AUTO && bridged_if_is_wireless(a->ifname));
	wifi_nat_init(&a->wifi, a->if_mac, cfg->mac);
	rc = bridged_open_net(a, why, sizeof(why));
	if (rc < 0) {
		errfmt(err, errlen, rc, "--bridgeadapter%u %s", x, why);
		goto fail;
	}
	/* Offloads (virtio, Intel): TCP segments of up to 64 KiB cross whole
	 * with their virtio-net headers (device_send_vnet()). */
	h = (struct device_handler){ .frame = bridged_from_vm, .link = bridged_vm_link,
				     .opaque = a, .offload = nic_model(cfg->type)->offload };
	rc = device_open(a->loop, cfg->attach, &h, &a->vm, err, errlen);
	if (rc < 0) {
		device_close(a->net, NULL, NULL);
		goto fail;
	}
	/* After the packet socket, before the first frame: never fails. */
	bridged_host_open(&a->host, a->loop, x, props.hostreach, a->ifname, a->ifindex, a->if_mac);
	rc = uv_poll_init(a->loop, &a->nl, a->nl_fd);
	if (rc == 0) {
		a->nl.data = a;
		a->nl_init = true;
		uv_poll_start(&a->nl, UV_READABLE, bridged_nl_cb);
	} else {
		log_warn("nic%u: cannot follow %s's state: %s", x, a->ifname, uv_strerror(rc));
	}
	bridged_carrier(a);
	log_info("nic%u: bridged to %s (%s, MTU %u%s), promiscuous policy %s", x, a->ifname,
		 a->wireless ? "wireless: the VM's frames leave with the interface's MAC" :
		 "wired, the interface promiscuous", a->if_mtu,
		 a->if_up ? "" : ", down: the VM's link is down", adapter_promisc_name(a->policy));
	*state = a;
	return 0;
fail:
	bridged_free(a);
	return rc;
}

static void bridged_set_cable(void *state, bool connected)
{
	struct bridged_adapter *a = state;

	a->cable = connected;
	bridged_carrier(a);
}

static int bridged_set_promisc(void *state, enum nic_promisc p, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct bridged_adapter *)state)->policy = p;
	return 0;
}

static struct device *bridged_vm_device(void *state)
{
	return ((struct bridged_adapter *)state)->vm;
}

static json_t *bridged_info(void *state, unsigned x, const struct nic_config *cfg)
{
	struct bridged_adapter *a = state;
	struct device_stats ds = { 0 }, vs = { 0 };
	json_t *v4 = json_array(), *v6 = json_array(), *r;
	char mac[18], buf[INET6_ADDRSTRLEN];

	if (a->net)
		device_get_stats(a->net, &ds);
	for (unsigned i = 0; i < a->wifi.n_v4; i++)
		json_array_append_new(v4, json_string(inet_ntop(AF_INET, &a->wifi.v4[i], buf,
								 sizeof(buf))));
	for (unsigned i = 0; i < a->wifi.n_v6; i++)
		json_array_append_new(v6, json_string(inet_ntop(AF_INET6, &a->wifi.v6[i], buf,
								 sizeof(buf))));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a->if_mac[0], a->if_mac[1],
		 a->if_mac[2], a->if_mac[3], a->if_mac[4], a->if_mac[5]);
	r = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:b, s:s, s:b, s:s}",
		"adapter", (json_int_t)x, "mode", "bridged", "interface", a->ifname,
		"bridge_mode", a->wireless ? "wireless" : "wired",
		"interface_state", a->if_gone ? "gone" : a->if_up ? "up" : "down",
		"interface_mac", mac, "interface_mtu", (json_int_t)a->if_mtu,
		"promisc", adapter_promisc_name(a->policy),
		"interface_promiscuous", !a->wireless && !a->if_gone,
		"attach", cfg->attach, "vm_attached", a->vm_attached,
		"guest_link", a->vm ? device_guest_link(a->vm) : "down");
	json_object_set_new(r, "cable", json_boolean(a->cable));
	json_object_set_new(r, "host", bridged_host_info(&a->host));
	json_object_set_new(r, "counters", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I}",
		"frames_to_network", (json_int_t)a->st.to_network,
		"frames_from_network", (json_int_t)a->st.from_network,
		"frames_filtered", (json_int_t)a->st.filtered,
		"frames_dropped", (json_int_t)a->st.dropped,
		"frames_link_down", (json_int_t)a->st.link_down,
		"interface_changes", (json_int_t)a->st.if_changes));
	json_object_set_new(r, "network", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"tx_frames", (json_int_t)ds.tx_frames, "tx_bytes", (json_int_t)ds.tx_bytes,
		"rx_frames", (json_int_t)ds.rx_frames, "rx_bytes", (json_int_t)ds.rx_bytes,
		"tx_dropped", (json_int_t)ds.tx_dropped, "rx_errors", (json_int_t)ds.rx_errors,
		"send_calls", (json_int_t)ds.tx_calls, "ring_blocks", (json_int_t)ds.rx_calls,
		"segments_cut", (json_int_t)ds.rx_gso));
	if (a->vm)
		device_get_stats(a->vm, &vs);
	json_object_set_new(r, "offloads", json_pack("{s:b, s:I, s:I, s:I}",
		"interface_vnet_hdr", a->net && device_offloads(a->net),
		"gso_to_network", (json_int_t)ds.tx_gso, "gso_to_vm", (json_int_t)vs.tx_gso,
		"gso_cut_for_vm", (json_int_t)vs.tx_cut));
	if (a->wireless)
		json_object_set_new(r, "wireless", json_pack(
			"{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
			"learnt_ipv4", v4, "learnt_ipv6", v6,
			"rewritten_from_vm", (json_int_t)a->wifi.st.from_vm,
			"restored_to_vm", (json_int_t)a->wifi.st.to_vm,
			"dropped_ethertype", (json_int_t)a->wifi.st.bad_type,
			"dropped_forged", (json_int_t)a->wifi.st.forged,
			"dropped_malformed", (json_int_t)a->wifi.st.malformed,
			"not_for_vm", (json_int_t)a->wifi.st.not_ours));
	else {
		json_decref(v4);
		json_decref(v6);
	}
	return r;
}

static void bridged_closed(void *opaque)
{
	struct bridged_adapter *a = opaque;
	void (*closed)(void *) = a->closed;
	void *closed_opaque = a->closed_opaque;

	if (--a->closes)
		return;
	bridged_free(a);
	if (closed)
		closed(closed_opaque);
}

static void bridged_nl_closed(uv_handle_t *h)
{
	bridged_closed(h->data);
}

static void bridged_stop(void *state, void (*closed)(void *opaque), void *opaque)
{
	struct bridged_adapter *a = state;
	struct device *vm = a->vm, *net = a->net;

	a->closed = closed;
	a->closed_opaque = opaque;
	a->closes = 1 + (vm != NULL) + (net != NULL) + a->nl_init + (a->host.inj != NULL);
	a->vm = a->net = NULL;
	bridged_host_close(&a->host, bridged_closed, a);
	if (vm)
		device_close(vm, bridged_closed, a);
	if (net)
		device_close(net, bridged_closed, a);
	if (a->nl_init)
		uv_close((uv_handle_t *)&a->nl, bridged_nl_closed);
	bridged_closed(a);
}

const struct mode_ops bridged_mode_ops = {
	.mode = NIC_MODE_BRIDGED, .name = "bridged",
	.help = "joined to a host interface at layer 2 (--bridgeadapter<x> IF)",
	.start = bridged_start, .set_cable = bridged_set_cable,
	.set_promisc = bridged_set_promisc, .vm_device = bridged_vm_device,
	.info = bridged_info, .stop = bridged_stop,
};
