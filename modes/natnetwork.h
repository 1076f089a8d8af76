/* SPDX-License-Identifier: MIT */
/*
 * natnetwork.h - an adapter of `natd run` in natnetwork mode (--nic<x>
 * natnetwork --nat-network<x> NAME), joined to the NAT network's switch.
 */
#ifndef NATD_MODES_NATNETWORK_H
#define NATD_MODES_NATNETWORK_H

#include <stddef.h>
#include <uv.h>

#include "l2/link.h"
#include "natd/config.h"

/* Checks natd.json, then starts the link. 0 and *out, or -errno with err. */
int natnetwork_start(uv_loop_t *loop, unsigned adapter, const struct nic_config *cfg,
		     const char *home, struct l2_link **out, char *err, size_t errlen);

#endif
