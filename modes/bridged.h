/* SPDX-License-Identifier: MIT */
/*
 * bridged.h - the bridged mode of `natd run` (--nic<x> bridged
 * --bridgeadapter<x> IF, VirtualBox manual 6.5): the VM's adapter joined to
 * the host interface IF at layer 2 through an AF_PACKET socket, wired (the
 * VM's own MAC on the wire, IF promiscuous) or wireless (IF's MAC on every
 * frame, l2/wifi_nat.h). See bridged.c.
 */
#ifndef NATD_MODES_BRIDGED_H
#define NATD_MODES_BRIDGED_H

#include "modes/mode.h"

extern const struct mode_ops bridged_mode_ops;

enum bridged_wireless { BRIDGED_WIRELESS_AUTO, BRIDGED_WIRELESS_ON, BRIDGED_WIRELESS_OFF };

struct bridged_props {
	enum bridged_wireless wireless;   /* wireless=on|off, default from IF's type */
	bool hostreach;                   /* hostreach=on|off, default on */
};

/*
 * Reads adapter x's --nicproperty<x> settings of the bridged mode
 * (wireless=on|off, hostreach=on|off). 0, or -EINVAL with a one-line
 * message naming the option. Nothing is opened.
 */
int bridged_parse(const struct nic_config *cfg, unsigned x, struct bridged_props *out,
		  char *err, size_t errlen);

/* Whether the host interface name is a wireless one (/sys/class/net/IF/wireless
 * or phy80211 exists). */
bool bridged_if_is_wireless(const char *ifname);

#endif
