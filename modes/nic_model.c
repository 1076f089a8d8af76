/* SPDX-License-Identifier: MIT */
/*
 * nic_model.c - the six NIC models and what each allows (see nic_model.h).
 *
 * The frame limits are the cards' own: the PCnet chips have no jumbo frames
 * (VirtualBox's manual: "jumbo packets will silently be dropped for both the
 * transmit and the receive direction"); the e1000 family takes frames of up
 * to 16128 bytes with the FCS, an MTU of 16110 (Linux's e1000 driver
 * allows no more); virtio-net's MTU field is 16 bits.
 */
#include "modes/nic_model.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/log.h"
#include "base/siphash.h"
#include "devices/device.h"

#define ETH_HDR 14
#define PCNET_FRAME (1500 + ETH_HDR)
#define E1000_FRAME (16110 + ETH_HDR)
#define VIRTIO_FRAME (65535 + ETH_HDR)
/* A NAT network's MTU (natd/natnet_service.c): its gateway's. */
#define NATNET_FRAME (1500 + ETH_HDR)

static const struct nic_model models[] = {
	[NIC_TYPE_AM79C970A] = { "Am79C970A", "AMD PCnet-PCI II", "pcnet", true, "Am79C970A",
				 false, PCNET_FRAME - ETH_HDR, PCNET_FRAME },
	[NIC_TYPE_AM79C973] = { "Am79C973", "AMD PCnet-FAST III", "pcnet", false, "Am79C970A",
				false, PCNET_FRAME - ETH_HDR, PCNET_FRAME },
	[NIC_TYPE_82540EM] = { "82540EM", "Intel PRO/1000 MT Desktop", "e1000", true, "82540EM",
			       true, E1000_FRAME - ETH_HDR, E1000_FRAME },
	[NIC_TYPE_82543GC] = { "82543GC", "Intel PRO/1000 T Server", "e1000-82544gc", false,
			       "82544GC", true, E1000_FRAME - ETH_HDR, E1000_FRAME },
	[NIC_TYPE_82545EM] = { "82545EM", "Intel PRO/1000 MT Server", "e1000-82545em", true,
			       "82545EM", true, E1000_FRAME - ETH_HDR, E1000_FRAME },
	[NIC_TYPE_VIRTIO] = { "virtio", "paravirtualized network adapter (virtio-net)",
			      "virtio-net-pci", true, "virtio-net", true, VIRTIO_FRAME - ETH_HDR,
			      VIRTIO_FRAME },
};
static_assert(ARRAY_SIZE(models) == NIC_TYPE_COUNT, "models");
static_assert(VIRTIO_FRAME < DEVICE_MAX_FRAME, "the transports carry virtio's frames");

const struct nic_model *nic_model(enum nic_type t)
{
	return (unsigned)t < NIC_TYPE_COUNT ? &models[t] : NULL;
}

size_t nic_model_frame_limit(const struct nic_config *n)
{
	const struct nic_model *m = nic_model(n->type);
	size_t max = m ? m->max_frame : PCNET_FRAME, att = max;

	switch (n->mode) {
	case NIC_MODE_NAT:
	case NIC_MODE_NULL:
		att = (size_t)n->nat.mtu + ETH_HDR;
		break;
	case NIC_MODE_NATNETWORK:
		att = NATNET_FRAME;
		break;
	default:
		break; /* an internal network's switch takes up to 64 KiB */
	}
	return att < max ? att : max;
}

int nic_model_check(const struct nic_config *n, unsigned x, char *err, size_t errlen)
{
	const struct nic_model *m = nic_model(n->type);

	if (!m)
		return errfmt(err, errlen, -EINVAL, "--nictype%u: unknown NIC type", x);
	if (n->nat.mtu <= m->max_mtu)
		return 0;
	if (!m->offload) /* a PCnet */
		return errfmt(err, errlen, -EINVAL, "--natsettings%u: mtu %u needs jumbo frames, "
			      "which --nictype%u %s (%s) does not have: it drops frames over "
			      "%zu bytes. Use --nictype%u 82540EM, 82543GC, 82545EM or virtio, "
			      "or an mtu of at most %u", x, n->nat.mtu, x, m->name, m->desc,
			      m->max_frame, x, m->max_mtu);
	return errfmt(err, errlen, -EINVAL, "--natsettings%u: mtu %u is more than --nictype%u "
		      "%s (%s) takes (%u); --nictype%u virtio takes up to 65520", x, n->nat.mtu,
		      x, m->name, m->desc, m->max_mtu, x);
}

void nic_model_default_mac(const char *vm, unsigned x, uint8_t mac[6])
{
	static const uint8_t key[16] = "natd default MAC";
	uint8_t buf[128];
	size_t n = strlen(vm);
	uint64_t h;

	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	memcpy(buf, vm, n);
	buf[n] = 0;
	buf[n + 1] = (uint8_t)x;
	h = siphash24(buf, n + 2, key);
	mac[0] = 0x08; /* VirtualBox's OUI (Cadmus Computer Systems) */
	mac[1] = 0x00;
	mac[2] = 0x27;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* True when an adapter before self, or one with --macaddress, has mac. */
static bool mac_taken(const struct nic_config *nics, unsigned count, unsigned self,
		      const uint8_t mac[6])
{
	for (unsigned i = 0; i < count; i++)
		if (i != self && (nics[i].mac_set || i < self) && !memcmp(nics[i].mac, mac, 6))
			return true;
	return false;
}

void nic_model_default_macs(struct nic_config *nics, unsigned count, const char *vm)
{
	for (unsigned i = 0; i < count; i++) {
		uint8_t *m = nics[i].mac;

		if (nics[i].mac_set)
			continue;
		nic_model_default_mac(vm, i + 1, m);
		for (unsigned k = 0; k < 256 && mac_taken(nics, count, i, m); k++)
			m[5]++; /* 8 adapters: a free one comes soon */
	}
}

const char *nic_model_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

int nic_model_apply(struct device *dev, unsigned x, const struct nic_config *n, char *err,
		    size_t errlen)
{
	char mac[18];
	int rc;

	if (!dev)
		return 0;
	device_set_max_frame(dev, nic_model_frame_limit(n));
	nic_model_format_mac(n->mac, mac);
	rc = device_set_guest_mac(dev, n->mac);
	if (rc == 0) {
		log_info("nic%u: the guest's interface (%s) has MAC %s", x, device_spec(dev), mac);
		return 0;
	}
	if (rc == -EOPNOTSUPP)
		return 0; /* the VM's card is the VM's: the QEMU arguments carry the MAC */
	if (n->mac_set)
		return errfmt(err, errlen, rc, "--macaddress%u %s: cannot give %s that address: %s",
			      x, mac, device_spec(dev), strerror(-rc));
	log_warn("nic%u: cannot give %s the adapter's MAC %s (%s): the guest keeps its own",
		 x, device_spec(dev), mac, strerror(-rc));
	return 0;
}

json_t *nic_model_json(struct device *dev, const struct nic_config *n)
{
	const struct nic_model *m = nic_model(n->type);
	struct device_stats st = { 0 };
	char mac[18];

	if (dev)
		device_get_stats(dev, &st);
	return json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I}",
			 "type", m ? m->name : "?", "mac", nic_model_format_mac(n->mac, mac),
			 "qemu_device", m ? m->qemu : "?",
			 "offloads", dev ? device_offloads(dev) : false,
			 "max_frame", (json_int_t)nic_model_frame_limit(n),
			 "oversize_from_vm", (json_int_t)st.rx_oversize,
			 "oversize_to_vm", (json_int_t)st.tx_oversize);
}
