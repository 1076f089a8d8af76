/* SPDX-License-Identifier: MIT */
/*
 * uplink_port.c - a network's uplink on its switch (see uplink_port.h).
 */
#include "natd/uplink_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/privport.h"
#include "l2/uplink.h"

int uplink_port_apply(struct eth_switch *sw, const char *text, char *err, size_t errlen)
{
	char spec[UPLINK_SPEC_MAX], why[UPLINK_SPEC_MAX + 256];
	struct uplink u;
	int rc;

	if (!text || !*text)
		return switch_set_uplink(sw, NULL, err, errlen);
	rc = uplink_parse(text, &u, why, sizeof(why));
	if (rc < 0)
		return errfmt(err, errlen, rc, "uplink %s: %s", text, why);
	if (u.kind == UPLINK_UDP && !privport_allowed(u.lport))
		return errfmt(err, errlen, -EACCES, "uplink %s: UDP port %u is privileged (below "
			      "net.ipv4.ip_unprivileged_port_start = %u) and natd lacks "
			      "CAP_NET_BIND_SERVICE; use a port >= %u or give natd the "
			      "capability", text, u.lport, privport_start(), privport_start());
	rc = uplink_device_spec(&u, spec, sizeof(spec), why, sizeof(why));
	if (rc == 0)
		rc = switch_set_uplink(sw, spec, why, sizeof(why));
	if (rc < 0)
		return errfmt(err, errlen, rc, "uplink %s: %s", text, why);
	return 0;
}

json_t *uplink_port_json(const struct eth_switch *sw, const char *text)
{
	struct switch_uplink_info ui;
	json_t *peers, *r;

	switch_get_uplink(sw, &ui);
	if (!ui.present)
		return json_null();
	peers = json_array();
	for (unsigned i = 0; i < ui.n_peers; i++)
		json_array_append_new(peers, json_pack("{s:s, s:I, s:I}",
			"address", ui.peers[i].addr, "frames", (json_int_t)ui.peers[i].frames,
			"idle_s", (json_int_t)(ui.peers[i].idle_ms / 1000)));
	r = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
		      "spec", text ? text : "", "transport", ui.spec, "up", ui.up,
		      "frames_in", (json_int_t)ui.port.rx_frames,
		      "frames_out", (json_int_t)ui.port.tx_frames,
		      "dropped", (json_int_t)(ui.port.rx_dropped + ui.port.tx_dropped),
		      "peer_errors", (json_int_t)ui.dev.peer_errors,
		      "send_calls", (json_int_t)ui.dev.tx_calls,
		      "recv_calls", (json_int_t)ui.dev.rx_calls);
	json_object_set_new(r, "peers", peers);
	return r;
}
