/* SPDX-License-Identifier: MIT */
/*
 * ctl_vm.h - the commands of a running VM's control socket: showvminfo,
 * controlvm, bandwidthctl (natd/ctl.h has the socket and its protocol).
 */
#ifndef NATD_CTL_VM_H
#define NATD_CTL_VM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "natd/bwgroup.h"
#include "natd/config.h"
#include "natd/ctl.h"
#include "natd/nictrace.h"
#include "forwarders/pfrule.h"
#include "modes/adapter.h"

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

/* A controlvm request, parsed: what to do to which adapter. */
enum ctl_vm_op {
	CTL_VM_SETLINKSTATE,       /* setlinkstate<x> on|off */
	CTL_VM_NATPF,              /* natpf<x> RULE | natpf<x> delete NAME */
	CTL_VM_NICPROMISC,         /* nicpromisc<x> deny|allow-vms|allow-all */
	CTL_VM_NICTRACEFILE,       /* nictracefile<x> FILE */
	CTL_VM_NICTRACE,           /* nictrace<x> on|off */
	CTL_VM_NICBANDWIDTHGROUP,  /* nicbandwidthgroup<x> NAME|none */
};

struct ctl_vm_cmd {
	enum ctl_vm_op op;
	unsigned x;                /* the adapter, 1..NATD_MAX_NICS */
	const char *sub;           /* the subcommand as sent */
	size_t argc;               /* elements of "argv" */
	const char *a0, *a1;       /* its first two, NULL when absent or not strings */
	/* filled by ctl_vm_parse_args(): */
	bool on;                   /* setlinkstate */
	bool del;                  /* natpf delete a1 */
	struct pfrule rule;        /* natpf RULE */
	enum nic_promisc promisc;  /* nicpromisc */
};

/*
 * The subcommand of a controlvm request ({"subcommand": "natpf1", "argv":
 * [...]}): op, adapter number, arguments. The strings in c are borrowed
 * from args. Returns 0, or -EINVAL with a one-line reason in err. Needs no
 * running VM (the fuzz target calls it).
 */
int ctl_vm_parse_sub(json_t *args, struct ctl_vm_cmd *c, char *err, size_t errlen);

/* The arguments of c's op, checked and parsed (natpf's rule, nicpromisc's
 * policy, setlinkstate's state). Returns 0 or -EINVAL with a reason. */
int ctl_vm_parse_args(struct ctl_vm_cmd *c, char *err, size_t errlen);

/* Puts adapter x (1-based) in bandwidth group name ("none": in none).
 * Returns 0 or a negative errno with a one-line reason in err. */
int ctl_vm_set_bwgroup(struct ctl_vm *vm, unsigned x, const char *name, char *err,
		       size_t errlen);

/* Registers showvminfo, controlvm and bandwidthctl on s for vm. */
void ctl_vm_register(struct ctl_server *s, struct ctl_vm *vm);

#endif
