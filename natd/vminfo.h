/* SPDX-License-Identifier: MIT */
/*
 * vminfo.h - builds the "showvminfo" result of a running natd (vminfo.c).
 */
#ifndef NATD_VMINFO_H
#define NATD_VMINFO_H

#include <jansson.h>
#include <stdint.h>

#include "natd/config.h"

struct nic;

/* A new JSON object: name, pid, uptime, nics[] (config, leases, counters,
 * flows), flow_counters, drops. */
json_t *vminfo_json(const struct natd_config *cfg, struct nic *const nics[NATD_MAX_NICS],
		    uint64_t started_ms);

#endif
