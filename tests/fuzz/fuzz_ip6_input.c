/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ip6_input.c - libFuzzer target for the whole IPv6 input path of a NAT
 * adapter: each input is an IPv6 packet (from its header) that a guest sends
 * to natd's MAC. It goes through the transport and nic_frame() into lwIP's
 * ethernet_input(), natd's LWIP_HOOK_IP6_INPUT (forwarders/nic6.c: checks, router
 * solicitations, DHCPv6, guest addresses) and on into lwIP's IPv6, ICMPv6,
 * Neighbour Discovery, reassembly, UDP and TCP code. The adapter is set up
 * by fuzz_nic.h (a real one; nothing reaches the host's network).
 */
#include "fuzz_nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[0x10000];
	static int ready;

	if (!ready)
		ready = fuzz_nic_setup("fuzz_ip6_input", NULL, 0) == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	if (size > sizeof(frame) - 14)
		return 0;
	memcpy(frame, nic_netif(fuzz_nic)->hwaddr, 6);
	memcpy(frame + 6, fuzz_guest_mac, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	memcpy(frame + 14, data, size);
	fuzz_nic_frame(frame, 14 + size);
	fuzz_nic_drop_fragments();
	return 0;
}
