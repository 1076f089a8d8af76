/* SPDX-License-Identifier: MIT */
/*
 * cmd_vm.h - VMs' stored settings on the command line (natd/vm_store.h):
 * `natd modifyvm VM OPTIONS`, `natd unregistervm VM`, `natd list
 * vms|runningvms`, showvminfo of a stored VM, and what `natd run --name VM`
 * starts from.
 */
#ifndef NATD_CMD_VM_H
#define NATD_CMD_VM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* argv[0] is the command's name. Exit statuses as their --help says. */
int cmd_modifyvm(int argc, char **argv);
int cmd_unregistervm(int argc, char **argv);
/* `natd list vms`, `natd list runningvms`. */
int cmd_vm_list_vms(void);
int cmd_vm_list_running(void);
/* The names of the VMs a natd run serves now, sorted: a JSON list of
 * strings (a new reference; empty when none, NULL when out of memory). */
json_t *cmd_vm_running_names(void);

/* showvminfo of stored VM vm: its settings (and, when it does not run, its
 * adapters as natd run would start them). 0 and *out (a new reference),
 * -ENOENT when vm has no stored settings, -errno with err. */
int cmd_vm_stored_info(const char *vm, bool running, json_t **out, char *err, size_t errlen);

/*
 * natd run's arguments with the stored settings of the VM they name (--name,
 * default "default") put before them, so options given override: 1 and
 * *out_argc and *out_argv (free with vm_argv_free()), 0 when the VM has no stored
 * settings (use argv as is), -errno with err.
 */
int cmd_vm_run_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err,
		    size_t errlen);

/* The bandwidth groups of cfg's VM (stored with natd bandwidthctl) into t,
 * checking that every --nicbandwidthgroup<x> of cfg names one. 0 or -errno
 * with err. */
struct bw_table;
struct natd_config;
int cmd_vm_bwgroups(const struct natd_config *cfg, struct bw_table *t, char *err,
		    size_t errlen);

#endif
