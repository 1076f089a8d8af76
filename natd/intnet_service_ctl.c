/* SPDX-License-Identifier: MIT */
/*
 * intnet_service_ctl.c - what the switch daemon of an internal network or a
 * host-only interface (natd/intnet_service.c) does on request: its DHCP
 * server started, stopped and restarted (natd dhcpserver, natd/dhcpsrv_port.h),
 * and its control socket's "status" (ports and their counters, the DHCP
 * server, the host's interface, the uplink), "dhcpserver" and "uplink"
 * (natd intnet modify, natd hostonlyif modify: all or nothing).
 */
#include "natd/intnet_service_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/dhcpsrv_port.h"
#include "natd/hostonly_port.h"
#include "natd/natnet_store.h"
#include "natd/switch_json.h"
#include "natd/uplink_port.h"
#include "stack/stack.h"

/* --- the network's DHCP server (natd dhcpserver --network=NAME) ------------ */

/* Starts the server when natd.json defines one for this network and it is
 * enabled. 0 (also when there is none), or -errno with err. */
int isv_dhcp_start(char *err, size_t errlen)
{
	enum dhcpsrv_kind kind = isv.kind == SWITCHD_HOSTONLY ? DHCPSRV_KIND_INTERFACE
							      : DHCPSRV_KIND_NETWORK;
	struct natnet_store st;
	struct dhcpsrv_store ds;
	struct dhcpsrv_def d, which;
	int i, rc;

	if (isv.dhcp || isv.dhcp_closing || isv.stopping)
		return 0;
	if (dhcpsrv_def_init(&which, kind, isv.name, err, errlen) < 0)
		return -EINVAL;
	rc = dhcpsrv_store_load(&st, &ds, isv.home, false, err, errlen);
	if (rc < 0)
		return rc;
	i = dhcpsrv_store_find(&ds, which.network);
	if (i >= 0)
		d = ds.defs[i];
	dhcpsrv_store_release(&st, &ds);
	if (i < 0 || d.kind != kind) {
		log_info("no DHCP server defined for this network");
		return 0;
	}
	if (!d.enabled) {
		log_info("its DHCP server is disabled (natd dhcpserver modify --%s=%s "
			 "--enable)", kind == DHCPSRV_KIND_INTERFACE ? "interface" : "network",
			 isv.name);
		return 0;
	}
	if (!isv.stack_started) {
		rc = stack_init(isv.loop);
		if (rc < 0)
			return errfmt(err, errlen, rc, "cannot start the stack: %s",
				      uv_strerror(rc));
		isv.stack_started = true;
	}
	return dhcpsrv_port_start(isv.loop, isv.home, &d, isv.sw, &isv.dhcp, err, errlen);
}

static void isv_dhcp_stopped(void *opaque)
{
	char err[512];

	(void)opaque;
	isv.dhcp_closing = false;
	if (isv.stopping) {
		isv_dhcp_closed_stop(NULL);
		return;
	}
	if (isv.dhcp_restart) {
		isv.dhcp_restart = false;
		if (isv_dhcp_start(err, sizeof(err)) < 0)
			log_err("DHCP server: %s", err);
	}
}

static void isv_dhcp_stop(bool restart)
{
	struct dhcpsrv_port *p = isv.dhcp;

	isv.dhcp_restart = restart;
	if (!p)
		return;
	isv.dhcp = NULL;
	isv.dhcp_closing = true;
	log_info("DHCP server stopped%s", restart ? "; restarting it" : "");
	dhcpsrv_port_stop(p, isv_dhcp_stopped, NULL);
}

void isv_port_observer(void *opaque, const struct switch_port_info *p, bool gone)
{
	(void)opaque;
	if (isv.dhcp && !gone)
		dhcpsrv_port_port_changed(isv.dhcp, p);
}

/* dhcpserver: {"action": "start" | "stop" | "restart"} (natd dhcpserver). */
json_t *isv_ctl_dhcpserver(void *opaque, json_t *args, char *err, size_t errlen)
{
	const char *a = json_string_value(json_object_get(args, "action"));

	(void)opaque;
	if (!a || (strcmp(a, "start") && strcmp(a, "stop") && strcmp(a, "restart"))) {
		snprintf(err, errlen, "dhcpserver: action must be start, stop or restart");
		return NULL;
	}
	if (!strcmp(a, "stop")) {
		isv_dhcp_stop(false);
	} else if (!strcmp(a, "restart") && (isv.dhcp || isv.dhcp_closing)) {
		if (isv.dhcp)
			isv_dhcp_stop(true);
		else
			isv.dhcp_restart = true;
	} else if (isv.dhcp_closing) {
		isv.dhcp_restart = true; /* start once the old one is gone */
	} else if (isv_dhcp_start(err, errlen) < 0) {
		return NULL;
	}
	return json_object();
}

static int isv_port_json(void *opaque, const struct switch_port_info *p)
{
	char mac[18] = "";

	if (p->mac_known)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0],
			 p->mac[1], p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	json_array_append_new(opaque, json_pack(
		"{s:I, s:b, s:b, s:b, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
		"port", (json_int_t)p->idx, "host", p->host, "hostif", p->hostif, "uplink",
		p->uplink, "vm", p->vm,
		"adapter", (json_int_t)p->adapter, "mac", mac,
		"promisc", switch_policy_name(p->policy), "pid", (json_int_t)p->pid,
		"rx_frames", (json_int_t)p->rx_frames, "tx_frames", (json_int_t)p->tx_frames,
		"rx_dropped", (json_int_t)p->rx_dropped, "tx_dropped", (json_int_t)p->tx_dropped));
	return 0;
}

json_t *isv_ctl_status(void *opaque, json_t *args, char *err, size_t errlen)
{
	json_t *r, *ports = json_array();

	(void)opaque;
	(void)args;
	(void)err;
	(void)errlen;
	switch_foreach_port(isv.sw, isv_port_json, ports);
	r = json_pack("{s:s, s:I, s:I}", "name", isv.name, "pid", (json_int_t)getpid(),
		      "uptime", (json_int_t)((uv_now(isv.loop) - isv.started_ms) / 1000));
	switch_stats_json(isv.sw, r);
	json_object_set_new(r, "ports", ports);
	json_object_set_new(r, "dhcp", isv.dhcp ? dhcpsrv_port_json(isv.dhcp) : json_null());
	if (isv.hostif)
		json_object_set_new(r, "hostif", hostonly_port_json(isv.hostif));
	json_object_set_new(r, "uplink", uplink_port_json(isv.sw, isv.uplink));
	return r;
}

/* uplink: {"uplink": "udp:..." | ""} (natd intnet modify, natd hostonlyif
 * modify). All or nothing. */
json_t *isv_ctl_uplink(void *opaque, json_t *args, char *err, size_t errlen)
{
	const char *u = json_string_value(json_object_get(args, "uplink"));

	(void)opaque;
	if (!u || strlen(u) >= sizeof(isv.uplink)) {
		snprintf(err, errlen, "uplink: expected the uplink as text");
		return NULL;
	}
	if (uplink_port_apply(isv.sw, u, err, errlen) < 0)
		return NULL;
	snprintf(isv.uplink, sizeof(isv.uplink), "%s", u);
	return json_object();
}
