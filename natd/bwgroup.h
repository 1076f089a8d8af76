/* SPDX-License-Identifier: MIT */
/*
 * bwgroup.h - bandwidth groups (VirtualBox manual 6.10) in a running natd:
 * one token bucket (devices/shaper.h) per group, shared by the adapters
 * that name it (--nicbandwidthgroup<x>, controlvm nicbandwidthgroup<x>),
 * limiting what their VM sends. The groups are the VM's stored ones (natd
 * bandwidthctl, natd/vm_store.h), changed live over the control socket.
 */
#ifndef NATD_BWGROUP_H
#define NATD_BWGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/shaper.h"
#include "natd/vm_store.h"

/*
 * Parses a limit as VBoxManage bandwidthctl takes it: a whole number with
 * k, m or g for kilo-, mega-, gigabits per second, K, M or G for kilo-,
 * mega-, gigabytes per second (decimal units), or no unit for megabytes per
 * second; 0 means no limit. 0 and *bytes_per_s, or -EINVAL / -ERANGE.
 */
int bw_parse_rate(const char *s, uint64_t *bytes_per_s);

struct bw_group {
	char name[NATD_NAME_MAX];
	char limit[24];
	struct shaper sh;
	unsigned users;        /* adapters in the group */
};

struct bw_table {
	struct bw_group g[VM_STORE_MAX_BWGROUPS];
	size_t n;
};

/* The groups of stored VM d (NULL: none). 0 or -EINVAL with err. */
int bw_table_load(struct bw_table *t, const struct vm_def *d, char *err, size_t errlen);
struct bw_group *bw_table_find(struct bw_table *t, const char *name);

/* The running natd's side of `natd bandwidthctl`: {"op": "add"|"set"|"remove",
 * "name": ..., "limit": ...}. 0, or -errno with err (nothing changed). */
int bw_table_apply(struct bw_table *t, json_t *args, char *err, size_t errlen);

/* showvminfo's "bwgroups" list (a new reference). */
json_t *bw_table_json(const struct bw_table *t);

#endif
