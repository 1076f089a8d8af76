/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ctl_request.c - libFuzzer target for the control sockets' requests
 * (natd/ctl.h), from the JSON line through to the arguments of each
 * command, without a socket or a running VM. The input, split at newlines,
 * is a connection's request lines. Each goes through ctl_request_parse(),
 * then by its command to the parser behind it:
 *   controlvm     ctl_vm_parse_sub() and ctl_vm_parse_args() (natd/ctl_vm.h:
 *                 adapter number, on/off, natpf rule, promiscuous policy);
 *   bandwidthctl  bw_table_apply() on one table kept over the input's lines
 *                 (add, set, remove: natd/bwgroup.h);
 *   apply         natnet_def_from_json() (a NAT network's service);
 *   uplink        uplink_parse() (an internal network's service), then its
 *                 text form parsed again must give the same uplink.
 * A refusal must come with a one-line message; what is accepted must hold
 * its invariants (adapter in range, a parsed rule named, at most
 * VM_STORE_MAX_BWGROUPS groups).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "l2/uplink.h"
#include "natd/bwgroup.h"
#include "natd/ctl.h"
#include "natd/ctl_vm.h"
#include "natd/natnet_def.h"
#include "natd/natnet_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void message_ok(const char *err, size_t len)
{
	if (!memchr(err, '\0', len) || !err[0])
		abort();
}

static void controlvm(json_t *args)
{
	static struct ctl_vm_cmd c;
	char err[1024];

	err[0] = '\0';
	if (ctl_vm_parse_sub(args, &c, err, sizeof(err)) < 0) {
		message_ok(err, sizeof(err));
		return;
	}
	if (c.x < 1 || c.x > NATD_MAX_NICS || !c.sub || (c.a0 && c.argc < 1))
		abort();
	err[0] = '\0';
	if (ctl_vm_parse_args(&c, err, sizeof(err)) < 0) {
		message_ok(err, sizeof(err));
		return;
	}
	if (!c.a0 || (c.op != CTL_VM_NATPF && c.argc != 1))
		abort(); /* every subcommand takes one argument (natpf delete two) */
	if (c.op == CTL_VM_SETLINKSTATE && c.on != !strcmp(c.a0, "on"))
		abort();
	if (c.op == CTL_VM_NATPF && (c.del ? (!c.a1 || c.argc != 2) : !c.rule.name[0]))
		abort();
}

static void bandwidthctl(struct bw_table *t, json_t *args)
{
	char err[1024];

	err[0] = '\0';
	if (bw_table_apply(t, args, err, sizeof(err)) < 0)
		message_ok(err, sizeof(err));
	if (t->n > VM_STORE_MAX_BWGROUPS)
		abort();
	for (size_t i = 0; i < t->n; i++) {
		uint64_t rate;

		if (t->g[i].name[0] && bw_parse_rate(t->g[i].limit, &rate) < 0)
			abort(); /* a group kept holds a limit that parses */
	}
}

static void natnet_apply(json_t *args)
{
	static struct natnet_def d;
	char err[1024];

	err[0] = '\0';
	if (natnet_def_from_json(json_object_get(args, "definition"), &d, err, sizeof(err)) < 0)
		message_ok(err, sizeof(err));
}

static void uplink(json_t *args)
{
	static struct uplink u, v;
	const char *text = json_string_value(json_object_get(args, "uplink"));
	char err[1024], back[UPLINK_TEXT_MAX + 64];

	if (!text)
		return;
	err[0] = '\0';
	if (uplink_parse(text, &u, err, sizeof(err)) < 0) {
		message_ok(err, sizeof(err));
		return;
	}
	uplink_format(&u, back, sizeof(back));
	if (uplink_parse(back, &v, err, sizeof(err)) < 0 || v.kind != u.kind ||
	    v.lport != u.lport || v.rport != u.rport || strcmp(v.host, u.host) ||
	    strcmp(v.vde, u.vde))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bw_table bw;
	const char *p = (const char *)data, *end = p + size;

	log_set_level(LOG_LVL_ERR);
	memset(&bw, 0, sizeof(bw));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		const char *command;
		json_t *req, *args;
		char err[512];

		err[0] = '\0';
		req = ctl_request_parse(p, len, &command, &args, err, sizeof(err));
		p += len + 1;
		if (!req) {
			message_ok(err, sizeof(err));
			continue;
		}
		if (!command)
			abort();
		if (!strcmp(command, "controlvm"))
			controlvm(args);
		else if (!strcmp(command, "bandwidthctl"))
			bandwidthctl(&bw, args);
		else if (!strcmp(command, "apply"))
			natnet_apply(args);
		else if (!strcmp(command, "uplink"))
			uplink(args);
		json_decref(req);
	}
	return 0;
}
