/* SPDX-License-Identifier: MIT */
/*
 * generic.h - the generic mode of `natd run` (--nic<x> generic, VirtualBox
 * manual 6.8 and 6.9): the VM's transport relayed to a UDP tunnel
 * (--nicgenericdrv<x> UDPTunnel, properties sport, dest, dport) or to a VDE
 * switch (--nicgenericdrv<x> VDE, property network). See generic.c.
 */
#ifndef NATD_MODES_GENERIC_H
#define NATD_MODES_GENERIC_H

#include "l2/uplink.h"
#include "modes/mode.h"

extern const struct mode_ops generic_mode_ops;

/*
 * Reads adapter x's --nicgenericdrv<x> and --nicproperty<x> settings (each
 * property "key=value", or several "k=v,k=v") into the uplink they describe.
 * Checks property names, missing ones and ports, and that a source port
 * below net.ipv4.ip_unprivileged_port_start can be bound; nothing is
 * resolved or opened. 0, or -EINVAL / -EACCES with a one-line message
 * naming the option and property.
 */
int generic_parse(const struct nic_config *cfg, unsigned x, struct uplink *out, char *err,
		  size_t errlen);

#endif
