/* SPDX-License-Identifier: MIT */
/*
 * natnet_status.h - the part of `natd natnetwork list` that a running NAT
 * network's service reports (its "status" answer, natd/natnet_service.c):
 * leases, IPv6 guests, the limits per VM and what each VM uses of them.
 */
#ifndef NATD_NATNET_STATUS_H
#define NATD_NATNET_STATUS_H

#include <jansson.h>

/* Prints the sections of a status answer (NULL: nothing) to stdout. */
void natnet_status_print(json_t *status);

#endif
