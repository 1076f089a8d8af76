/* SPDX-License-Identifier: MIT */
/*
 * vm_store.h - VMs' stored settings (`natd modifyvm VM OPTIONS`): the
 * options of `natd run` a VM starts from, kept in $NATD_HOME/natd.json under
 * "vms" (read and written whole, locked and atomic: natd/natnet_store.h).
 *
 * A VM's settings are a list of run options in their canonical spelling
 * ("nic1" "nat", "natpf1" "web,tcp,,8080,,80"). modifyvm replaces an
 * option's stored value, except --natpf<x> (adds a rule; `--natpf<x> delete
 * NAME` removes one) and --nicproperty<x> (replaces the property of the
 * same key). Options of an adapter whose --nic<x> is none are kept but not
 * given to `natd run`, so disabling an adapter loses none of its settings.
 */
#ifndef NATD_VM_STORE_H
#define NATD_VM_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "natd/config.h"
#include "natd/natnet_store.h"

#define VM_STORE_MAX_VMS       256
#define VM_STORE_MAX_SETTINGS  256
#define VM_STORE_MAX_BWGROUPS  16

/* A bandwidth group (natd bandwidthctl): its name and limit as given. */
struct vm_bwgroup {
	char name[NATD_NAME_MAX];
	char limit[24];     /* "20m"; natd/bwgroup.h parses it */
};

struct vm_setting {
	char opt[40];   /* without "--": "nic1", "max-tcp-flows" */
	char *value;
};

struct vm_def {
	char name[NATD_NAME_MAX];
	struct vm_setting *s;
	size_t n;
	struct vm_bwgroup bw[VM_STORE_MAX_BWGROUPS];
	size_t n_bw;
};

/* Index of bandwidth group name in d, or -1. */
int vm_def_find_bwgroup(const struct vm_def *d, const char *name);

struct vm_store {
	struct vm_def *vms;
	size_t n;
};

/* Parses "vms" of natd.json's object (absent: none). 0 or -EINVAL with err
 * naming the entry. */
int vm_store_parse(struct vm_store *vs, json_t *root, const char *path, char *err,
		   size_t errlen);
/* natnet_store_load() + vm_store_parse(). */
int vm_store_load(struct natnet_store *st, struct vm_store *vs, const char *home, bool lock,
		  char *err, size_t errlen);
/* Writes vs into st's "vms" and saves the file (requires the lock). */
int vm_store_save(struct natnet_store *st, const struct vm_store *vs, char *err,
		  size_t errlen);
void vm_store_release(struct natnet_store *st, struct vm_store *vs);

/* Index of VM name, or -1. */
int vm_store_find(const struct vm_store *vs, const char *name);
/* The VM of that name, added (empty) when missing. NULL when full. */
struct vm_def *vm_store_get(struct vm_store *vs, const char *name);
/* Removes VM name. 0 or -ENOENT. */
int vm_store_remove(struct vm_store *vs, const char *name);

/*
 * Applies modifyvm's options (argv[0..argc-1], "--opt value" or
 * "--opt=value") to d. 0, or a negative errno with the reason in err (d is
 * then partly changed: apply to a copy): -EINVAL for a bad command line (an
 * unknown option, a missing or bad value: natd run's parser checks each
 * value), -ENOENT, -EEXIST or -EPERM for one that d's settings refuse (a
 * rule to delete it lacks, a rule's name it has, a setting of another mode
 * than its adapter's), -ENOSPC or -ENOMEM.
 */
int vm_def_apply(struct vm_def *d, int argc, char **argv, char *err, size_t errlen);

/* A deep copy of src into dst. 0 or -ENOMEM. */
int vm_def_copy(struct vm_def *dst, const struct vm_def *src);
void vm_def_free(struct vm_def *d);

/*
 * The run options d stands for, appended to *argv (a NULL-terminated,
 * malloc'd array of malloc'd strings, *argc entries): "--opt" "value"
 * pairs, leaving out the options of adapters set to none and, as VirtualBox
 * keeps them, the stored settings of another mode than the adapter's (the
 * NAT settings of an adapter now on intnet, say: kept for when it is NAT
 * again). mode[x - 1], when mode is not NULL and the entry is, is adapter
 * x's mode for this run (natd run --nic<x> over the stored one). 0 or
 * -ENOMEM.
 */
int vm_def_argv(const struct vm_def *d, int *argc, char ***argv);
int vm_def_argv_modes(const struct vm_def *d, const char *const *mode, int *argc,
		      char ***argv);

/*
 * Whether the option opt (canonical BASE<x>, no "--") is a setting of the
 * adapter mode `mode` (a --nic<x> value; NULL: not set, any applies).
 */
bool vm_opt_applies(const char *opt, const char *mode);
void vm_argv_free(int argc, char **argv);

/* Whether a natd runs VM name now (its control socket answers). */
bool vm_running(const char *home, const char *name);

#endif
