/* SPDX-License-Identifier: MIT */
/*
 * nic_model.h - what the NIC model of an adapter (--nictype<x>, the six of
 * VirtualBox; default Am79C973) decides, in every mode:
 *
 *   - offloads: virtio and the Intel PRO/1000 models take checksum and
 *     segmentation offloads (a NAT adapter's tap opens with virtio-net
 *     headers, devices/vnet.h); the AMD PCnet models have none, as
 *     VirtualBox's PCnet has none;
 *   - the largest frame: PCnet 1514 bytes (no jumbo frames: longer ones are
 *     dropped silently both ways and counted), Intel 16124 (MTU 16110, the
 *     e1000 family's limit), virtio 65549 (MTU 65535). The attachment may
 *     allow less: a NAT adapter its MTU (--natsettings<x>) + 14, a NAT
 *     network 1514 (its MTU is 1500); an internal network's switch takes
 *     what the card takes;
 *   - the QEMU -device model natd prints: QEMU has no Am79C973 and no
 *     82543GC, so the Am79C970A's pcnet and the 82544GC's e1000-82544gc
 *     (same drivers in the guest) stand in for them.
 *
 * Also here: the adapter's default MAC (--macaddress<x> auto), derived from
 * the VM's name and the adapter number under VirtualBox's OUI 08:00:27.
 * natd/config.c checks and derives with this at start; natd/main.c applies
 * the frame limit and the MAC to the VM's transport (mode_ops.vm_device).
 */
#ifndef NATD_MODES_NIC_MODEL_H
#define NATD_MODES_NIC_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modes/adapter.h"

struct device;

struct nic_model {
	const char *name;        /* "Am79C973", as --nictype<x> has it */
	const char *desc;        /* "AMD PCnet-FAST III" */
	const char *qemu;        /* QEMU's -device model natd prints */
	bool qemu_exact;         /* false: QEMU lacks this model, qemu stands in */
	const char *qemu_desc;   /* what QEMU's model is ("Am79C970A") */
	bool offload;            /* checksum and segmentation offloads */
	unsigned max_mtu;        /* largest MTU: max_frame - 14 */
	size_t max_frame;        /* largest frame, Ethernet header to payload */
};

/* The model of type t (NULL out of range). */
const struct nic_model *nic_model(enum nic_type t);

/* The largest frame adapter n passes: the model's, or less where its
 * attachment allows less (see above). */
size_t nic_model_frame_limit(const struct nic_config *n);

/*
 * Checks what the model of adapter x allows against its other settings
 * (an MTU above the model's largest, --natsettings<x>). 0, or -EINVAL with
 * a one-line reason naming the options in err.
 */
int nic_model_check(const struct nic_config *n, unsigned x, char *err, size_t errlen);

/*
 * The default MAC of adapter x (1..8) of VM vm: 08:00:27 followed by three
 * bytes of a keyed hash (SipHash-2-4, a fixed key) of the name and the
 * adapter number: the same for the same VM and adapter on every run and
 * host, different for other VMs (but for a 1 in 16.7 million chance) and
 * for other adapters of the VM (natd/config.c moves a colliding one on).
 */
void nic_model_default_mac(const char *vm, unsigned x, uint8_t mac[6]);

/* Gives every adapter of nics[0..count) without --macaddress<x> its
 * default MAC, moving one that equals another adapter's MAC on to the next
 * free address. */
void nic_model_default_macs(struct nic_config *nics, unsigned count, const char *vm);

/* "08:00:27:aa:bb:cc" into buf (18 bytes). Returns buf. */
const char *nic_model_format_mac(const uint8_t mac[6], char buf[18]);

/*
 * Applies adapter x's model to its VM transport dev: the frame limit, and
 * the MAC where the transport is the guest's own interface (a tap). A MAC
 * the transport cannot take is refused (-errno, reason in err) when the
 * user gave it (--macaddress<x>), logged otherwise. 0 or -errno.
 */
int nic_model_apply(struct device *dev, unsigned x, const struct nic_config *n, char *err,
		    size_t errlen);

/* The adapter's "nic" object for showvminfo: model, MAC, offloads, frame
 * limit and the frames dropped for it (a new reference). */
json_t *nic_model_json(struct device *dev, const struct nic_config *n);

#endif
