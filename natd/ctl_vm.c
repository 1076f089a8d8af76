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

/*
 * controlvm natpf<x> RULE | natpf<x> delete NAME. An added rule is bound
 * before it is listed; on failure nothing changes.
 */
static json_t *ctl_vm_natpf(struct ctl_vm *vm, const char *sub, unsigned x, json_t *argv, char *err, size_t errlen)
{
	const char *a0 = json_string_value(json_array_get(argv, 0));
	const char *a1 = json_string_value(json_array_get(argv, 1));
	size_t argc = json_array_size(argv);
	struct nic *nic;
	struct pfrule r;
	char why[384];

	if (vm->ops[x - 1] != &nat_mode_ops) {
		snprintf(err, errlen, "%s: VM '%s' has no NAT adapter %u", sub, vm->cfg->name, x);
		return NULL;
	}
	nic = nat_mode_nic(vm->state[x - 1]);
	if (argc == 2 && a0 && a1 && !strcmp(a0, "delete")) {
		if (portfwd_delete(nic, a1, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s delete: %s", sub, why);
			return NULL;
		}
		return json_object();
	}
	if (argc != 1 || !a0) {
		snprintf(err, errlen, "%s: expected a rule (name,proto,hostip,hostport,guestip,"
			 "guestport) or delete NAME", sub);
		return NULL;
	}
	if (pfrule_parse(a0, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &r, why, sizeof(why)) < 0 ||
	    portfwd_add(nic, &r, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", sub, a0, why);
		return NULL;
	}
	return json_pack("{s:s}", "name", r.name);
}

/* controlvm nicpromisc<x> POLICY: only modes on a switch have one. */
static json_t *ctl_vm_nicpromisc(struct ctl_vm *vm, const char *sub, unsigned x, const char *v, size_t argc,
			      char *err, size_t errlen)
{
	struct nic_config *n = &vm->cfg->nic[x - 1];
	enum nic_promisc p;

	if (argc != 1 || !v || adapter_parse_promisc(v, &p) < 0) {
		snprintf(err, errlen, "%s: expected deny, allow-vms or allow-all", sub);
		return NULL;
	}
	if (!vm->ops[x - 1]->set_promisc) {
		snprintf(err, errlen, "%s: adapter %u is in %s mode, which has no switch; "
			 "promiscuous policies apply to natnetwork, intnet and hostonly "
			 "adapters", sub, x,
			 vm->ops[x - 1]->name);
		return NULL;
	}
	if (vm->ops[x - 1]->set_promisc(vm->state[x - 1], p, err, errlen) < 0)
		return NULL;
	n->promisc = p;
	log_info("nic%u: promiscuous policy %s (controlvm)", x, adapter_promisc_name(p));
	return json_object();
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

/* controlvm: {"subcommand": "setlinkstate1", "argv": ["off"]}. */
static json_t *ctl_vm_controlvm(void *opaque, json_t *args, char *err, size_t errlen)
{
	struct ctl_vm *vm = opaque;
	const char *sub = json_string_value(json_object_get(args, "subcommand"));
	json_t *argv = json_object_get(args, "argv");
	const char *v = json_string_value(json_array_get(argv, 0));
	unsigned x;

	if (!sub) {
		snprintf(err, errlen, "controlvm: missing subcommand");
		return NULL;
	}
	if (sub_adapter(sub, "setlinkstate", &x) || sub_adapter(sub, "nicpromisc", &x) ||
	    sub_adapter(sub, "nictracefile", &x) || sub_adapter(sub, "nictrace", &x) ||
	    sub_adapter(sub, "nicbandwidthgroup", &x)) {
		if (!vm->ops[x - 1]) {
			snprintf(err, errlen, "%s: VM '%s' has no adapter %u", sub, vm->cfg->name, x);
			return NULL;
		}
	}
	if (sub_adapter(sub, "setlinkstate", &x)) {
		if (!v || json_array_size(argv) != 1 || (strcmp(v, "on") && strcmp(v, "off"))) {
			snprintf(err, errlen, "%s: expected on or off", sub);
			return NULL;
		}
		vm->ops[x - 1]->set_cable(vm->state[x - 1], !strcmp(v, "on"));
		log_info("nic%u: cable %s (controlvm)", x, !strcmp(v, "on") ? "connected" :
			 "disconnected");
		return json_object();
	}
	if (sub_adapter(sub, "natpf", &x))
		return ctl_vm_natpf(vm, sub, x, argv, err, errlen);
	if (sub_adapter(sub, "nicpromisc", &x))
		return ctl_vm_nicpromisc(vm, sub, x, v, json_array_size(argv), err, errlen);
	if (sub_adapter(sub, "nictracefile", &x) || sub_adapter(sub, "nictrace", &x)) {
		bool file = !strncmp(sub, "nictracefile", 12);
		char why[PATH_MAX + 128];

		if (!v || json_array_size(argv) != 1) {
			snprintf(err, errlen, "%s: expected %s", sub, file ? "a file name" :
				 "on or off");
			return NULL;
		}
		if (nictrace_control(&vm->trace[x - 1], vm->loop, &vm->cfg->nic[x - 1], x,
				     file ? NULL : v, file ? v : NULL, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", sub, why);
			return NULL;
		}
		return json_object();
	}
	if (sub_adapter(sub, "nicbandwidthgroup", &x)) {
		if (!v || json_array_size(argv) != 1) {
			snprintf(err, errlen, "%s: expected a group name or none", sub);
			return NULL;
		}
		if (ctl_vm_set_bwgroup(vm, x, v, err, errlen) < 0)
			return NULL;
		snprintf(vm->cfg->nic[x - 1].bandwidth_group,
			 sizeof(vm->cfg->nic[x - 1].bandwidth_group), "%s", v);
		log_info("nic%u: bandwidth group %s (controlvm)", x, v);
		return json_object();
	}
	snprintf(err, errlen, "unknown controlvm subcommand '%s' (natpf<x>, setlinkstate<x>, "
		 "nicpromisc<x>, nictrace<x>, nictracefile<x>, nicbandwidthgroup<x>)", sub);
	return NULL;
}

void ctl_vm_register(struct ctl_server *s, struct ctl_vm *vm)
{
	ctl_server_register(s, "showvminfo", ctl_vm_showvminfo, vm);
	ctl_server_register(s, "bandwidthctl", ctl_vm_bandwidthctl, vm);
	ctl_server_register(s, "controlvm", ctl_vm_controlvm, vm);
}
