/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wifi_nat.c - libFuzzer target for what a bridged adapter parses of
 * guest and LAN frames: the wireless layer (l2/wifi_nat.h) both ways, and
 * the packet socket's fix-ups (devices/packet_gso.h: checksum completion,
 * cutting TCP segments). The first input byte picks the MTU for the cut;
 * the rest is the frame, given to each function in a copy of its own size
 * (so the sanitizers see any read past its end). What passes from the VM
 * must carry IF's source MAC; unicast passed to the VM its MAC; every cut
 * frame must fit the MTU.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/packet_gso.h"
#include "l2/wifi_nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t IFMAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t VMMAC[6] = { 0x08, 0x00, 0x27, 0x00, 0x00, 0x01 };
static unsigned cut_mtu;

static void emit(void *opaque, const uint8_t *f, size_t len)
{
	(void)opaque;
	(void)f;
	if (len > (size_t)cut_mtu + 14)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wifi_nat w;
	static bool init;
	static uint8_t seg[9000 + 14];
	uint8_t *f;
	size_t len;

	if (size < 1 || size > 70000)
		return 0;
	if (!init) {
		wifi_nat_init(&w, IFMAC, VMMAC);
		init = true;
	}
	cut_mtu = 68 + (unsigned)data[0] * 35; /* 68 .. 8993 */
	len = size - 1;
	f = malloc(len ? len : 1);
	if (!f)
		return 0;

	memcpy(f, data + 1, len);
	if (wifi_nat_from_vm(&w, f, len) == WIFI_PASS && memcmp(f + 6, IFMAC, 6))
		abort();
	memcpy(f, data + 1, len);
	if (wifi_nat_to_vm(&w, f, len) == WIFI_PASS && !(f[0] & 1) && memcmp(f, VMMAC, 6))
		abort();
	memcpy(f, data + 1, len);
	packet_csum_complete(f, len);
	packet_tcp_segment(f, len, cut_mtu, seg, sizeof(seg), emit, NULL);
	free(f);
	return 0;
}
