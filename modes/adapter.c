/* SPDX-License-Identifier: MIT */
/*
 * adapter.c - the names of modes, NIC types and promiscuous policies (see
 * adapter.h).
 */
#include "modes/adapter.h"
#include "modes/nic_model.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/bytes.h"

static const char *const mode_names[] = {
	[NIC_MODE_NONE] = "none",         [NIC_MODE_NULL] = "null",
	[NIC_MODE_NAT] = "nat",           [NIC_MODE_NATNETWORK] = "natnetwork",
	[NIC_MODE_BRIDGED] = "bridged",   [NIC_MODE_INTNET] = "intnet",
	[NIC_MODE_HOSTONLY] = "hostonly", [NIC_MODE_GENERIC] = "generic",
};
static_assert(ARRAY_SIZE(mode_names) == NIC_MODE_COUNT, "mode_names");

static const char *const type_names[] = {
	[NIC_TYPE_AM79C970A] = "Am79C970A", [NIC_TYPE_AM79C973] = "Am79C973",
	[NIC_TYPE_82540EM] = "82540EM",     [NIC_TYPE_82543GC] = "82543GC",
	[NIC_TYPE_82545EM] = "82545EM",     [NIC_TYPE_VIRTIO] = "virtio",
};
static_assert(ARRAY_SIZE(type_names) == NIC_TYPE_COUNT, "type_names");

static const char *const promisc_names[] = {
	[NIC_PROMISC_DENY] = "deny", [NIC_PROMISC_ALLOW_VMS] = "allow-vms",
	[NIC_PROMISC_ALLOW_ALL] = "allow-all",
};
static_assert(ARRAY_SIZE(promisc_names) == NIC_PROMISC_COUNT, "promisc_names");

const char *adapter_promisc_name(enum nic_promisc p)
{
	return (unsigned)p < NIC_PROMISC_COUNT ? promisc_names[p] : "?";
}

const char *adapter_mode_name(enum nic_mode m)
{
	return (unsigned)m < NIC_MODE_COUNT ? mode_names[m] : "?";
}

const char *adapter_type_name(enum nic_type t)
{
	return (unsigned)t < NIC_TYPE_COUNT ? type_names[t] : "?";
}

const char *adapter_type_qemu_model(enum nic_type t)
{
	const struct nic_model *m = nic_model(t);

	return m ? m->qemu : "virtio-net-pci";
}

int adapter_parse_mode(const char *s, enum nic_mode *out)
{
	for (unsigned m = 0; m < NIC_MODE_COUNT; m++)
		if (!strcmp(s, mode_names[m])) {
			*out = (enum nic_mode)m;
			return 0;
		}
	return -EINVAL;
}

int adapter_parse_promisc(const char *s, enum nic_promisc *out)
{
	for (unsigned p = 0; p < NIC_PROMISC_COUNT; p++)
		if (!strcmp(s, promisc_names[p])) {
			*out = (enum nic_promisc)p;
			return 0;
		}
	return -EINVAL;
}

int adapter_parse_type(const char *s, enum nic_type *out)
{
	for (unsigned t = 0; t < NIC_TYPE_COUNT; t++)
		if (!strcasecmp(s, type_names[t])) {
			*out = (enum nic_type)t;
			return 0;
		}
	return -EINVAL;
}
