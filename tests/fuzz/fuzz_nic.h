/* SPDX-License-Identifier: MIT */
/*
 * fuzz_nic.h - what the whole-adapter fuzz targets (fuzz_frame,
 * fuzz_ip6_input) share: one real NAT adapter (nic_start) on an fd:
 * transport, frames sent into it as from a VM, and whatever natd answers
 * drained and discarded. The NAT engine is not started, so nothing is ever
 * sent to the host's network: packets for remote addresses are dropped as
 * "not for us". Included by one target each (static functions).
 */
#ifndef NATD_FUZZ_NIC_H
#define NATD_FUZZ_NIC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "forwarders/nat.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/netif.h"
#include "natd/config.h"
#include "base/log.h"
#include "forwarders/nic.h"
#include "stack/stack.h"

static const uint8_t fuzz_guest_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
static struct natd_config fuzz_cfg;
static struct nic *fuzz_nic;
static int fuzz_peer = -1;

/* Starts adapter 1 as `natd run --nic1 nat --attach1 fd:N EXTRA...` would
 * (n_extra options, at most 4). Returns 0, or -1 (reason on stderr). */
static int fuzz_nic_setup(const char *target, char **extra, int n_extra)
{
	char fdspec[32], err[256];
	char *argv[10] = { "run", "--nic1", "nat", "--attach1", fdspec };
	int sv[2];

	/* (also links forwarders/nat.c, where lwIP's hooks live) */
	if (nat_drop_name(NAT_DROP_PROTOCOL) == NULL || n_extra > 4)
		return -1;
	for (int i = 0; i < n_extra; i++)
		argv[5 + i] = extra[i];
	log_set_level(LOG_LVL_ERR);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fuzz_peer = sv[1];
	snprintf(fdspec, sizeof(fdspec), "fd:%d", sv[0]);
	setenv("NATD_RESOLV_CONF", "/dev/null", 1);
	config_init(&fuzz_cfg);
	if (config_parse_run(&fuzz_cfg, 5 + n_extra, argv, err, sizeof(err)) < 0 ||
	    config_finish(&fuzz_cfg, err, sizeof(err)) < 0 ||
	    stack_init(uv_default_loop()) < 0 ||
	    nic_start(uv_default_loop(), 1, &fuzz_cfg.nic[0].nat, &fuzz_nic, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: set-up failed: %s\n", target, err);
		return -1;
	}
	return 0;
}

/* One frame into the adapter as from the VM (nic_frame() and on into lwIP),
 * the loop run once, natd's answers thrown away. */
static void fuzz_nic_frame(const uint8_t *frame, size_t len)
{
	static uint8_t sink[0x10000];

	if (send(fuzz_peer, frame, len, MSG_DONTWAIT) < 0)
		return;
	uv_run(uv_default_loop(), UV_RUN_NOWAIT);
	while (recv(fuzz_peer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
}

/* Fragments still waiting for the rest are dropped now (as lwIP's timers
 * would within IP_REASS_MAXAGE / IPV6_REASS_MAXAGE s): lwIP chains them
 * through pointers kept unaligned inside the packets, which LeakSanitizer
 * cannot see, so a leak check would report the held fragments as lost. */
static void fuzz_nic_drop_fragments(void)
{
	for (int t = 0; t <= IPV6_REASS_MAXAGE; t++)
		ip6_reass_tmr();
	for (int t = 0; t <= IP_REASS_MAXAGE; t++)
		ip_reass_tmr();
}

#endif
