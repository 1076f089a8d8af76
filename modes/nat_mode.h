/* SPDX-License-Identifier: MIT */
/*
 * nat_mode.h - the nat and null modes of the mode table (modes/mode.h):
 * a NAT adapter (forwarders/nic.h) with its DNS proxy and port forwards; null is
 * the same adapter with its cable pulled. Also what showvminfo shows of them
 * (nat_info.c).
 */
#ifndef NATD_MODES_NAT_MODE_H
#define NATD_MODES_NAT_MODE_H

#include <jansson.h>

#include "modes/mode.h"

struct nic;

extern const struct mode_ops nat_mode_ops, null_mode_ops;

/* The NAT adapter behind a nat mode's state. */
struct nic *nat_mode_nic(void *state);

/* showvminfo: one NAT adapter; the engine's and DNS proxy's counters. */
json_t *nat_mode_info(const struct nic *nic, unsigned x, const struct nic_config *n);
void nat_mode_info_globals(json_t *root);
/* The process's descriptors (base/fdlimit.h): limits, the guests' budget and
 * its use, refusals and EMFILE/ENFILE failures. */
json_t *nat_mode_info_descriptors(void);
/* The guests with flows: adapter, switch port (0: the VM attached
 * directly), flows per protocol, connects under way, refusals. */
json_t *nat_mode_info_guests(void);
struct nic;
/* A NAT adapter's DHCP limits: leases per port, refusals, pool exhausted. */
json_t *nat_mode_info_dhcp(const struct nic *nic);

#endif
