/* SPDX-License-Identifier: MIT */
/*
 * adapter.h - one network adapter of a VM as `natd run` was asked to set it
 * up: its mode and the settings of every mode, the NIC model, cable, MAC
 * and promiscuous policy. natd/config.c fills it from the command line
 * (VBoxManage modifyvm's words); the mode table (modes/mode.h) starts the
 * adapter from it. The NAT adapter's own part is struct nat_config
 * (forwarders/nat_config.h), which the layers below the modes see alone.
 */
#ifndef NATD_MODES_ADAPTER_H
#define NATD_MODES_ADAPTER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "forwarders/nat_config.h"

#define NATD_MAX_NICS      NAT_MAX_ADAPTERS
#define NATD_MAX_NATPF     NAT_MAX_NATPF
#define NATD_MAX_PROPS     8
#define NATD_NAME_MAX      64

enum nic_mode {
	NIC_MODE_NONE = 0,  /* no such adapter */
	NIC_MODE_NULL,      /* not attached: cable pulled */
	NIC_MODE_NAT,
	NIC_MODE_NATNETWORK,
	NIC_MODE_BRIDGED,
	NIC_MODE_INTNET,
	NIC_MODE_HOSTONLY,
	NIC_MODE_GENERIC,
	NIC_MODE_COUNT
};

enum nic_type {
	NIC_TYPE_AM79C970A, NIC_TYPE_AM79C973, NIC_TYPE_82540EM, NIC_TYPE_82543GC,
	NIC_TYPE_82545EM, NIC_TYPE_VIRTIO, NIC_TYPE_COUNT
};

enum nic_promisc { NIC_PROMISC_DENY, NIC_PROMISC_ALLOW_VMS, NIC_PROMISC_ALLOW_ALL,
		   NIC_PROMISC_COUNT };

struct nic_config {
	enum nic_mode mode;
	bool configured;              /* any option named this adapter */
	char attach[PATH_MAX + 32];   /* "" until config_finish() gives the default */

	/* nat (and null, whose card has no cable): the NAT adapter's settings. */
	struct nat_config nat;
	char nat_opt[32];             /* the first --nat*<x> option given, "" if none */

	/* Other modes. */
	char nat_network[NATD_NAME_MAX];
	char intnet[NATD_NAME_MAX];
	char bridge_adapter[NATD_NAME_MAX];
	char hostonly_adapter[NATD_NAME_MAX];
	char generic_drv[32];
	char *props[NATD_MAX_PROPS];
	unsigned n_props;

	/* The adapter itself. */
	enum nic_type type;
	bool type_set;                /* --nictype<x> given */
	bool cable_connected;         /* default on */
	bool mac_set;                 /* --macaddress<x> given */
	uint8_t mac[6];               /* that, or from config_finish() on the default
				       * (modes/nic_model.h): always the adapter's MAC */
	enum nic_promisc promisc;
	bool promisc_set;             /* --nicpromisc<x> given */
	bool trace;
	char trace_file[PATH_MAX];    /* default $NATD_HOME/VM-nic<x>.pcap */
	uint64_t trace_max;           /* --nictracesize<x>, 0: no cap */
	char bandwidth_group[NATD_NAME_MAX];
};

/* Names as the command line has them ("natnetwork", "allow-vms",
 * "82540EM"); "?" for a value out of range. */
const char *adapter_mode_name(enum nic_mode m);
const char *adapter_promisc_name(enum nic_promisc p);
const char *adapter_type_name(enum nic_type t);
/* QEMU's -device model for a NIC type (e.g. "e1000" for 82540EM; where
 * QEMU lacks the model, the one that stands in: modes/nic_model.h). */
const char *adapter_type_qemu_model(enum nic_type t);

/* Parsers of those names (a NIC type case-insensitively). 0 or -EINVAL. */
int adapter_parse_mode(const char *s, enum nic_mode *out);
int adapter_parse_promisc(const char *s, enum nic_promisc *out);
int adapter_parse_type(const char *s, enum nic_type *out);

#endif
