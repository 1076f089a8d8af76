/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ip6_input.c - libFuzzer target for the whole IPv6 input path of a NAT
 * adapter: each input is an IPv6 packet (from its header) that a guest sends
 * to natd's MAC. It goes through the transport and nic_frame() into lwIP's
 * ethernet_input(), natd's LWIP_HOOK_IP6_INPUT (stack/nic6.c: checks, router
 * solicitations, DHCPv6, guest addresses) and on into lwIP's IPv6, ICMPv6,
 * Neighbour Discovery, reassembly, UDP and TCP code. The adapter is a real one (nic_start) on an
 * fd: transport whose other end is drained and discarded. The NAT engine is
 * not started, so nothing is ever sent to the host's network: packets for
 * remote addresses are dropped as "not for us".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "forwarders/nat.h"
#include "lwip/ip6_frag.h"
#include "lwip/netif.h"
#include "natd/config.h"
#include "natd/log.h"
#include "stack/nic.h"
#include "stack/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct natd_config cfg;
static struct nic *nic;
static int peer = -1;

static int fuzz_setup(void)
{
	char fdspec[32], err[256];
	char *argv[] = { "run", "--nic1", "nat", "--attach1", fdspec, NULL };
	int sv[2];

	/* (also links forwarders/nat.c, where lwIP's hooks live) */
	if (nat_drop_name(NAT_DROP_PROTOCOL) == NULL)
		return -1;
	log_set_level(LOG_LVL_ERR);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	peer = sv[1];
	snprintf(fdspec, sizeof(fdspec), "fd:%d", sv[0]);
	setenv("NATD_RESOLV_CONF", "/dev/null", 1);
	config_init(&cfg);
	if (config_parse_run(&cfg, 5, argv, err, sizeof(err)) < 0 ||
	    config_finish(&cfg, err, sizeof(err)) < 0 || stack_init(uv_default_loop()) < 0 ||
	    nic_start(uv_default_loop(), 1, &cfg.nic[0], &nic, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_ip6_input: set-up failed: %s\n", err);
		return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t guest_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static int ready;
	static uint8_t frame[0x10000], sink[0x10000];

	if (!ready)
		ready = fuzz_setup() == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	if (size > sizeof(frame) - 14)
		return 0;
	/* The frame arrives as from a VM: through the transport (nic_frame()). */
	memcpy(frame, nic_netif(nic)->hwaddr, 6);
	memcpy(frame + 6, guest_mac, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	memcpy(frame + 14, data, size);
	if (send(peer, frame, 14 + size, MSG_DONTWAIT) < 0)
		return 0;
	uv_run(uv_default_loop(), UV_RUN_NOWAIT);
	while (recv(peer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	/* Fragments still waiting for the rest are dropped now (as lwIP's timer
	 * would in IPV6_REASS_MAXAGE s): lwIP chains them through pointers kept
	 * unaligned inside the packets, which LeakSanitizer cannot see, so a
	 * leak check would report the held fragments as lost. */
	for (int t = 0; t <= IPV6_REASS_MAXAGE; t++)
		ip6_reass_tmr();
	return 0;
}
