/* SPDX-License-Identifier: MIT */
/*
 * ctl_vm.h - the commands of a running VM's control socket: showvminfo,
 * controlvm, bandwidthctl (natd/ctl.h has the socket and its protocol).
 */
#ifndef NATD_CTL_VM_H
#define NATD_CTL_VM_H

#include <stdint.h>
#include <uv.h>

#include "natd/bwgroup.h"
#include "natd/config.h"
#include "natd/ctl.h"
#include "natd/nictrace.h"

struct mode_ops;

/* What the handlers see of natd run: arrays of NATD_MAX_NICS, owned by the
 * caller and alive as long as the control socket. */
struct ctl_vm {
	uv_loop_t *loop;
	struct natd_config *cfg;
	const struct mode_ops **ops;  /* NULL: no adapter x */
	void **state;                 /* the mode's own */
	struct nictrace *trace;       /* --nictrace<x> */
	struct bw_table *bw;          /* the VM's bandwidth groups */
	struct bw_group **nic_bw;     /* adapter x's group, or NULL */
	const uint64_t *started_ms;   /* stack_now_ms() at start */
};

/* Puts adapter x (1-based) in bandwidth group name ("none": in none).
 * Returns 0 or a negative errno with a one-line reason in err. */
int ctl_vm_set_bwgroup(struct ctl_vm *vm, unsigned x, const char *name, char *err,
		       size_t errlen);

/* Registers showvminfo, controlvm and bandwidthctl on s for vm. */
void ctl_vm_register(struct ctl_server *s, struct ctl_vm *vm);

#endif
