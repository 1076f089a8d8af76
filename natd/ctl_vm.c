/* SPDX-License-Identifier: MIT */
/*
 * ctl_vm.c - the commands a running VM's control socket serves
 * (showvminfo, controlvm, bandwidthctl; the socket itself is natd/ctl.c).
 *
 * natd run (natd/main.c) fills a struct ctl_vm with pointers to its adapters
 * (mode ops and state), settings, traces and bandwidth groups, and registers
 * the handlers below with ctl_vm_register(). Each handler answers from, or
 * changes, those adapters; on failure nothing changes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "natd/ctl_vm.h"
#include "base/bytes.h"
#include "base/log.h"
#include "devices/device.h"
#include "forwarders/nic.h"
#include "forwarders/pfrule.h"
#include "forwarders/portfwd.h"
#include "modes/mode.h"
#include "modes/nat_mode.h"
#include "modes/nic_model.h"
#include "stack/stack.h"

static json_t *ctl_vm_showvminfo(void *opaque, json_t *args, char *err, size_t errlen)
{
	struct ctl_vm *vm = opaque;
	json_t *r, *nics = json_array();

	(void)args;
	(void)err;
	(void)errlen;
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		json_t *o;

		if (!vm->ops[i])
			continue;
		o = vm->ops[i]->info(vm->state[i], i + 1, &vm->cfg->nic[i]);
		if (o && vm->ops[i]->vm_device) {
			json_object_set_new(o, "nic", nic_model_json(vm->ops[i]->vm_device(
						vm->state[i]), &vm->cfg->nic[i]));
			json_object_set_new(o, "trace", nictrace_json(&vm->trace[i],
								      &vm->cfg->nic[i]));
		}
		if (o)
			json_object_set_new(o, "bandwidth_group", json_string(
				vm->nic_bw[i] ? vm->nic_bw[i]->name : "none"));
		json_array_append_new(nics, o);
	}
	r = json_pack("{s:s, s:I, s:I}", "name", vm->cfg->name, "pid", (json_int_t)getpid(),
		      "uptime", (json_int_t)((stack_now_ms() - *vm->started_ms) / 1000));
	json_object_set_new(r, "nics", nics);
	json_object_set_new(r, "bwgroups", bw_table_json(vm->bw));
	nat_mode_info_globals(r);
	json_object_set_new(r, "descriptors", nat_mode_info_descriptors());
	return r;
}

int ctl_vm_set_bwgroup(struct ctl_vm *vm, unsigned x, const char *name, char *err,
		       size_t errlen)
{
	struct bw_group *g = NULL;
	struct device *dev;

	if (strcmp(name, "none") && !(g = bw_table_find(vm->bw, name)))
		return errfmt(err, errlen, -ENOENT, "VM '%s' has no bandwidth group '%s' (natd "
			      "bandwidthctl %s add %s --type network --limit RATE)", vm->cfg->name,
			      name, vm->cfg->name, name);
	dev = vm->ops[x - 1] && vm->ops[x - 1]->vm_device ?
	      vm->ops[x - 1]->vm_device(vm->state[x - 1]) : NULL;
	if (!dev)
		return errfmt(err, errlen, -EINVAL, "adapter %u has no transport to shape", x);
	if (vm->nic_bw[x - 1])
		vm->nic_bw[x - 1]->users--;
	vm->nic_bw[x - 1] = g;
	if (g)
		g->users++;
	device_set_shaper(dev, g ? &g->sh : NULL);
	return 0;
}

/* bandwidthctl: {"op": ..., "name": ..., "limit": ...} from natd bandwidthctl. */
static json_t *ctl_vm_bandwidthctl(void *opaque, json_t *args, char *err, size_t errlen)
{
	struct ctl_vm *vm = opaque;

	if (bw_table_apply(vm->bw, args, err, errlen) < 0)
		return NULL;
	return json_object();
}

/* "name<x>" with x an adapter number as the command line takes it. */
static bool sub_adapter(const char *sub, const char *name, unsigned *x)
{
	size_t n = strlen(name);

	return !strncmp(sub, name, n) && config_parse_adapter(sub + n, x) == 0;
}

int ctl_vm_parse_sub(json_t *args, struct ctl_vm_cmd *c, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum ctl_vm_op op;
	} subs[] = {
		/* nictracefile before nictrace, which is its prefix */
		{ "setlinkstate", CTL_VM_SETLINKSTATE },
		{ "natpf", CTL_VM_NATPF },
		{ "nicpromisc", CTL_VM_NICPROMISC },
		{ "nictracefile", CTL_VM_NICTRACEFILE },
		{ "nictrace", CTL_VM_NICTRACE },
		{ "nicbandwidthgroup", CTL_VM_NICBANDWIDTHGROUP },
	};
	json_t *argv = json_object_get(args, "argv");

	memset(c, 0, sizeof(*c));
	c->sub = json_string_value(json_object_get(args, "subcommand"));
	if (!c->sub)
		return errfmt(err, errlen, -EINVAL, "controlvm: missing subcommand");
	c->argc = json_array_size(argv);
	c->a0 = json_string_value(json_array_get(argv, 0));
	c->a1 = json_string_value(json_array_get(argv, 1));
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if (sub_adapter(c->sub, subs[i].name, &c->x)) {
			c->op = subs[i].op;
			return 0;
		}
	}
	return errfmt(err, errlen, -EINVAL, "unknown controlvm subcommand '%s' (natpf<x>, "
		      "setlinkstate<x>, nicpromisc<x>, nictrace<x>, nictracefile<x>, "
		      "nicbandwidthgroup<x>)", c->sub);
}

int ctl_vm_parse_args(struct ctl_vm_cmd *c, char *err, size_t errlen)
{
	const char *sub = c->sub, *v = c->a0;
	char why[384];

	if (c->op != CTL_VM_NATPF && c->argc > 1)
		return errfmt(err, errlen, -EINVAL, "%s: unexpected argument '%s' (one value: "
			      "natd controlvm VM %s VALUE)", sub, c->a1 ? c->a1 : "", sub);
	switch (c->op) {
	case CTL_VM_SETLINKSTATE:
		if (!v || c->argc != 1 || (strcmp(v, "on") && strcmp(v, "off")))
			return errfmt(err, errlen, -EINVAL, "%s: expected on or off", sub);
		c->on = !strcmp(v, "on");
		return 0;
	case CTL_VM_NATPF:
		if (c->argc == 2 && v && c->a1 && !strcmp(v, "delete")) {
			c->del = true;
			return 0;
		}
		if (c->argc == 1 && v && !strcmp(v, "delete"))
			return errfmt(err, errlen, -EINVAL, "%s delete: expected the rule's name "
				      "(natd controlvm VM %s delete NAME)", sub, sub);
		if (c->argc != 1 || !v)
			return errfmt(err, errlen, -EINVAL, "%s: expected a rule (name,proto,"
				      "hostip,hostport,guestip,guestport) or delete NAME", sub);
		if (pfrule_parse(v, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &c->rule, why,
				 sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "%s \"%s\": %s", sub, v, why);
		return 0;
	case CTL_VM_NICPROMISC:
		if (c->argc != 1 || !v || adapter_parse_promisc(v, &c->promisc) < 0)
			return errfmt(err, errlen, -EINVAL, "%s: expected deny, allow-vms or "
				      "allow-all", sub);
		return 0;
	case CTL_VM_NICTRACEFILE:
	case CTL_VM_NICTRACE:
		if (!v || c->argc != 1)
			return errfmt(err, errlen, -EINVAL, "%s: expected %s", sub,
				      c->op == CTL_VM_NICTRACEFILE ? "a file name" : "on or off");
		return 0;
	case CTL_VM_NICBANDWIDTHGROUP:
		if (!v || c->argc != 1)
			return errfmt(err, errlen, -EINVAL, "%s: expected a group name or none",
				      sub);
		return 0;
	}
	return errfmt(err, errlen, -EINVAL, "%s: unknown subcommand", sub);
}

/*
 * controlvm natpf<x> RULE | natpf<x> delete NAME. An added rule is bound
 * before it is listed; on failure nothing changes.
 */
static json_t *ctl_vm_natpf(struct ctl_vm *vm, struct ctl_vm_cmd *c, char *err, size_t errlen)
{
	unsigned x = c->x;
	struct nic *nic;
	char why[384];

	if (vm->ops[x - 1] != &nat_mode_ops) {
		snprintf(err, errlen, "%s: VM '%s' has no NAT adapter %u", c->sub, vm->cfg->name,
			 x);
		return NULL;
	}
	if (ctl_vm_parse_args(c, err, errlen) < 0)
		return NULL;
	nic = nat_mode_nic(vm->state[x - 1]);
	if (c->del) {
		if (portfwd_delete(nic, c->a1, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s delete: %s", c->sub, why);
			return NULL;
		}
		return json_object();
	}
	if (portfwd_add(nic, &c->rule, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", c->sub, c->a0, why);
		return NULL;
	}
	return json_pack("{s:s}", "name", c->rule.name);
}

/* controlvm nicpromisc<x> POLICY: only modes on a switch have one. */
static json_t *ctl_vm_nicpromisc(struct ctl_vm *vm, const struct ctl_vm_cmd *c, char *err,
				 size_t errlen)
{
	unsigned x = c->x;

	if (!vm->ops[x - 1]->set_promisc) {
		snprintf(err, errlen, "%s: adapter %u is in %s mode, which has no switch; "
			 "promiscuous policies apply to natnetwork, intnet, hostonly and "
			 "bridged adapters", c->sub, x, vm->ops[x - 1]->name);
		return NULL;
	}
	if (vm->ops[x - 1]->set_promisc(vm->state[x - 1], c->promisc, err, errlen) < 0)
		return NULL;
	vm->cfg->nic[x - 1].promisc = c->promisc;
	log_info("nic%u: promiscuous policy %s (controlvm)", x,
		 adapter_promisc_name(c->promisc));
	return json_object();
}

/* controlvm: {"subcommand": "setlinkstate1", "argv": ["off"]}. */
static json_t *ctl_vm_controlvm(void *opaque, json_t *args, char *err, size_t errlen)
{
	struct ctl_vm *vm = opaque;
	struct ctl_vm_cmd c;
	char why[PATH_MAX + 128];
	unsigned x;

	if (ctl_vm_parse_sub(args, &c, err, errlen) < 0)
		return NULL;
	x = c.x;
	if (c.op == CTL_VM_NATPF)
		return ctl_vm_natpf(vm, &c, err, errlen); /* its own message for no adapter */
	if (!vm->ops[x - 1]) {
		snprintf(err, errlen, "%s: VM '%s' has no adapter %u", c.sub, vm->cfg->name, x);
		return NULL;
	}
	if (ctl_vm_parse_args(&c, err, errlen) < 0)
		return NULL;
	switch (c.op) {
	case CTL_VM_SETLINKSTATE:
		if (c.on && vm->cfg->nic[x - 1].mode == NIC_MODE_NULL) {
			/* a null adapter has no cable to plug in: say so, do not ignore it */
			snprintf(err, errlen, "%s: adapter %u is --nic%u null (not attached): there "
				 "is no cable to plug in (start it as --nic%u nat, or another mode)",
				 c.sub, x, x, x);
			return NULL;
		}
		vm->ops[x - 1]->set_cable(vm->state[x - 1], c.on);
		log_info("nic%u: cable %s (controlvm)", x, c.on ? "connected" : "disconnected");
		return json_object();
	case CTL_VM_NICPROMISC:
		return ctl_vm_nicpromisc(vm, &c, err, errlen);
	case CTL_VM_NICTRACEFILE:
	case CTL_VM_NICTRACE:
		if (nictrace_control(&vm->trace[x - 1], vm->loop, &vm->cfg->nic[x - 1], x,
				     c.op == CTL_VM_NICTRACE ? c.a0 : NULL,
				     c.op == CTL_VM_NICTRACEFILE ? c.a0 : NULL, why,
				     sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", c.sub, why);
			return NULL;
		}
		return json_object();
	case CTL_VM_NICBANDWIDTHGROUP:
		if (ctl_vm_set_bwgroup(vm, x, c.a0, err, errlen) < 0)
			return NULL;
		snprintf(vm->cfg->nic[x - 1].bandwidth_group,
			 sizeof(vm->cfg->nic[x - 1].bandwidth_group), "%s", c.a0);
		log_info("nic%u: bandwidth group %s (controlvm)", x, c.a0);
		return json_object();
	case CTL_VM_NATPF:
		break;
	}
	snprintf(err, errlen, "%s: unknown subcommand", c.sub);
	return NULL;
}

void ctl_vm_register(struct ctl_server *s, struct ctl_vm *vm)
{
	ctl_server_register(s, "showvminfo", ctl_vm_showvminfo, vm);
	ctl_server_register(s, "bandwidthctl", ctl_vm_bandwidthctl, vm);
	ctl_server_register(s, "controlvm", ctl_vm_controlvm, vm);
}
