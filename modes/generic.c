/* SPDX-License-Identifier: MIT */
/*
 * generic.c - the generic mode: VirtualBox's UDPTunnel and VDE drivers.
 *
 * The adapter is an l2 link (l2/link.h) between the VM's transport
 * (--attach<x>) and the driver's device: for UDPTunnel a "dgram:" socket
 * bound to every local address on sport, sending each frame to dest:dport
 * and taking datagrams from any source (dest resolved once, at start; the
 * framing is QEMU's -netdev dgram, so QEMU can be the other end); for VDE a
 * "vde:" port of the switch named by network (libvdeplug). Frames pass
 * unchanged both ways; natd adds nothing (no DHCP, no NAT).
 *
 * Properties (VirtualBox's names): UDPTunnel sport, dest, dport; VDE
 * network. One --nicproperty<x> per key, or several keys in one separated
 * by commas. A source port below net.ipv4.ip_unprivileged_port_start needs
 * CAP_NET_BIND_SERVICE: natd refuses to start without it, as VirtualBox
 * refuses to start the VM.
 */
#include "modes/generic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/privport.h"
#include "devices/device.h"
#include "l2/link.h"

struct generic_adapter {
	struct l2_link *link;
	struct uplink up;
	char spec[UPLINK_SPEC_MAX];   /* the device opened */
};

/* One key=value of the driver: stored in u, or an error naming it. */
static int generic_prop(bool udp, const char *opt, const char *kv, size_t len,
			struct uplink *u, unsigned *seen, char *err, size_t errlen)
{
	const char *eq = memchr(kv, '=', len);
	char key[16], val[PATH_MAX];
	size_t klen, vlen;

	if (!eq || eq == kv)
		return errfmt(err, errlen, -EINVAL, "%s '%.*s': expected key=value", opt,
			      (int)len, kv);
	klen = (size_t)(eq - kv);
	vlen = len - klen - 1;
	if (klen >= sizeof(key) || vlen >= sizeof(val))
		return errfmt(err, errlen, -EINVAL, "%s '%.*s': too long", opt, (int)len, kv);
	memcpy(key, kv, klen);
	key[klen] = '\0';
	memcpy(val, eq + 1, vlen);
	val[vlen] = '\0';
	if (udp && (!strcmp(key, "sport") || !strcmp(key, "dport"))) {
		unsigned *port = key[0] == 's' ? &u->lport : &u->rport;

		if (uplink_parse_port(val, port) < 0)
			return errfmt(err, errlen, -EINVAL, "%s %s=%s: not a UDP port (1-65535)",
				      opt, key, val);
		*seen |= key[0] == 's' ? 1u : 4u;
		return 0;
	}
	if (udp && !strcmp(key, "dest")) {
		if (val[0] == '[' && vlen > 2 && val[vlen - 1] == ']') {
			memmove(val, val + 1, vlen - 2);
			val[vlen - 2] = '\0';
		}
		if (!val[0] || strlen(val) >= sizeof(u->host) || strpbrk(val, " \t,/[]"))
			return errfmt(err, errlen, -EINVAL, "%s dest=%s: not a host name or "
				      "address", opt, val);
		memcpy(u->host, val, strlen(val) + 1); /* fits: checked above */
		*seen |= 2u;
		return 0;
	}
	if (!udp && !strcmp(key, "network")) {
		char text[UPLINK_TEXT_MAX], why[256];
		struct uplink v;

		snprintf(text, sizeof(text), "vde:%s", val);
		if (!val[0] || uplink_parse(text, &v, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "%s network=%s: expected the VDE "
				      "switch, /path/to/switch or /path/to/switch[PORT]", opt, val);
		snprintf(u->vde, sizeof(u->vde), "%s", v.vde);
		*seen |= 1u;
		return 0;
	}
	return errfmt(err, errlen, -EINVAL, "%s %s: unknown property '%s' of the %s driver "
		      "(%s)", opt, key, key, udp ? "UDPTunnel" : "VDE",
		      udp ? "sport, dest, dport" : "network");
}

int generic_parse(const struct nic_config *cfg, unsigned x, struct uplink *u, char *err,
		  size_t errlen)
{
	bool udp = !strcmp(cfg->generic_drv, "UDPTunnel");
	unsigned seen = 0, need;
	char opt[32];
	int rc;

	memset(u, 0, sizeof(*u));
	if (!cfg->generic_drv[0])
		return errfmt(err, errlen, -EINVAL, "--nic%u generic needs --nicgenericdrv%u "
			      "UDPTunnel or VDE", x, x);
	if (!udp && strcmp(cfg->generic_drv, "VDE"))
		return errfmt(err, errlen, -EINVAL, "--nicgenericdrv%u: unknown driver '%s' "
			      "(UDPTunnel or VDE)", x, cfg->generic_drv);
	u->kind = udp ? UPLINK_UDP : UPLINK_VDE;
	snprintf(opt, sizeof(opt), "--nicproperty%u", x);
	for (unsigned i = 0; i < cfg->n_props; i++) {
		const char *p = cfg->props[i];

		for (;;) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);

			rc = generic_prop(udp, opt, p, len, u, &seen, err, errlen);
			if (rc < 0)
				return rc;
			if (!c)
				break;
			p = c + 1;
		}
	}
	need = udp ? 7u : 1u;
	if ((seen & need) != need)
		return errfmt(err, errlen, -EINVAL, "%s: the %s driver needs %s (missing: %s)",
			      opt, cfg->generic_drv, udp ? "sport=PORT, dest=HOST and dport=PORT"
			      : "network=/path/to/switch[PORT]",
			      !udp ? "network" : !(seen & 1) ? "sport" : !(seen & 2) ? "dest" :
			      "dport");
	if (udp && !privport_allowed(u->lport))
		return errfmt(err, errlen, -EACCES, "%s sport=%u: on Unix hosts only root may "
			      "bind ports below %u (net.ipv4.ip_unprivileged_port_start), and "
			      "natd lacks CAP_NET_BIND_SERVICE, so the adapter cannot start; "
			      "use a source port of %u or more, or give natd the capability",
			      opt, u->lport, privport_start(), privport_start());
	return 0;
}

static int generic_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
			 void **state, char *err, size_t errlen)
{
	struct generic_adapter *a = calloc(1, sizeof(*a));
	struct l2_link_config lc;
	char what[UPLINK_SPEC_MAX + 32], why[UPLINK_SPEC_MAX + 256];
	int rc;

	if (!a)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	rc = generic_parse(cfg, x, &a->up, err, errlen);
	if (rc < 0)
		goto fail;
	rc = uplink_device_spec(&a->up, a->spec, sizeof(a->spec), why, sizeof(why));
	if (rc < 0) {
		if (a->up.kind == UPLINK_UDP)
			errfmt(err, errlen, rc, "--nicproperty%u dest=%s: %s", x, a->up.host, why);
		else
			errfmt(err, errlen, rc, "--nicproperty%u network=%s: %s", x, a->up.vde,
			       why);
		goto fail;
	}
	if (a->up.kind == UPLINK_UDP)
		snprintf(what, sizeof(what), "the UDP tunnel to %s:%u", a->up.host, a->up.rport);
	else
		snprintf(what, sizeof(what), "VDE switch %s", a->up.vde);
	lc = (struct l2_link_config){ .adapter = x, .attach = cfg->attach,
				      .switch_spec = a->spec, .network = what,
				      .cable = cfg->cable_connected,
				      .once = a->up.kind == UPLINK_VDE };
	rc = l2_link_start(env->loop, &lc, &a->link, why, sizeof(why));
	if (rc < 0) {
		/* Name the property when the driver's side failed (a port in use). */
		if (!strncmp(why, a->spec, strlen(a->spec)) && a->up.kind == UPLINK_UDP)
			errfmt(err, errlen, rc, "--nicproperty%u sport=%u: %s", x, a->up.lport,
			       why);
		else if (!strncmp(why, a->spec, strlen(a->spec)))
			errfmt(err, errlen, rc, "--nicproperty%u network=%s: %s", x, a->up.vde,
			       why);
		else
			errfmt(err, errlen, rc, "%s", why);
		goto fail;
	}
	*state = a;
	return 0;
fail:
	free(a);
	return rc;
}

static void generic_set_cable(void *state, bool connected)
{
	l2_link_set_cable(((struct generic_adapter *)state)->link, connected);
}

static json_t *generic_info(void *state, unsigned x, const struct nic_config *cfg)
{
	struct generic_adapter *a = state;
	const struct device *net = l2_link_network(a->link);
	struct device_peer peers[DEVICE_MAX_PEERS];
	struct device_stats ds = { 0 };
	struct l2_link_stats st;
	json_t *props = json_object(), *jp = json_array(), *r;
	unsigned n = 0;
	char port[16];

	l2_link_get_stats(a->link, &st);
	if (net) {
		device_get_stats(net, &ds);
		n = device_peers(net, peers, DEVICE_MAX_PEERS);
	}
	if (a->up.kind == UPLINK_UDP) {
		snprintf(port, sizeof(port), "%u", a->up.lport);
		json_object_set_new(props, "sport", json_string(port));
		json_object_set_new(props, "dest", json_string(a->up.host));
		snprintf(port, sizeof(port), "%u", a->up.rport);
		json_object_set_new(props, "dport", json_string(port));
	} else {
		json_object_set_new(props, "network", json_string(a->up.vde));
	}
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(jp, json_pack("{s:s, s:I, s:I}", "address", peers[i].addr,
			"frames", (json_int_t)peers[i].frames,
			"idle_s", (json_int_t)(peers[i].idle_ms / 1000)));
	r = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:b, s:b, s:I, s:I, s:I}",
		"adapter", (json_int_t)x, "mode", "generic", "driver", cfg->generic_drv,
		"properties", props, "attach", cfg->attach, "transport", a->spec,
		"vm_attached", st.vm_attached, "connected", st.joined,
		"frames_to_network", (json_int_t)st.to_network,
		"frames_from_network", (json_int_t)st.from_network,
		"frames_dropped", (json_int_t)st.dropped);
	json_object_set_new(r, "network", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"tx_frames", (json_int_t)ds.tx_frames, "tx_bytes", (json_int_t)ds.tx_bytes,
		"rx_frames", (json_int_t)ds.rx_frames, "rx_bytes", (json_int_t)ds.rx_bytes,
		"tx_dropped", (json_int_t)ds.tx_dropped,
		"rx_dropped", (json_int_t)ds.rx_errors,
		"peer_errors", (json_int_t)ds.peer_errors,
		"send_calls", (json_int_t)ds.tx_calls, "recv_calls", (json_int_t)ds.rx_calls));
	json_object_set_new(r, "peers", jp);
	return r;
}

static void generic_stop(void *state, void (*closed)(void *opaque), void *opaque)
{
	struct generic_adapter *a = state;
	struct l2_link *l = a->link;

	free(a);
	l2_link_stop(l, closed, opaque);
}

const struct mode_ops generic_mode_ops = {
	.mode = NIC_MODE_GENERIC, .name = "generic",
	.help = "a UDP tunnel or a VDE switch (--nicgenericdrv<x> UDPTunnel|VDE)",
	.start = generic_start, .set_cable = generic_set_cable, .set_promisc = NULL,
	.info = generic_info, .stop = generic_stop,
};
