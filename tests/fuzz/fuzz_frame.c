/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frame.c - libFuzzer target for the whole input path of a NAT
 * adapter, every Ethernet type: an input is a 2-byte EtherType and the
 * frame's payload, sent by a guest to natd's MAC; with the high bit of the
 * first byte set on 0x08xx (IPv4, ARP), to the broadcast address instead
 * (DHCP, ARP requests). It goes through the
 * transport and nic_frame() (ARP for natd's alias addresses) into lwIP's
 * ethernet_input(): ARP, IPv4 with reassembly, ICMP, the DHCP server
 * (stack/nic.c, dhcp/), the TFTP server at .4 (tftp/), TCP and UDP; IPv6 as
 * in fuzz_ip6_input. The adapter is a real one (nic_start) on an fd:
 * transport whose other end is drained and discarded; the NAT engine is not
 * started, so nothing is ever sent to the host's network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "forwarders/nat.h"
#include "lwip/ip4_frag.h"
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

static char tftp_root[64], tftp_file[80];

static void remove_root(void)
{
	unlink(tftp_file);
	rmdir(tftp_root);
}

static int fuzz_setup(void)
{
	char fdspec[32], err[256];
	static char root[] = "/tmp/natd-fuzz-frame.XXXXXX";
	char *argv[] = { "run", "--nic1", "nat", "--attach1", fdspec, "--nattftpprefix1", root,
			 NULL };
	char file[sizeof(root) + 8];
	FILE *f;
	int sv[2];

	/* (also links forwarders/nat.c, where lwIP's hooks live) */
	if (nat_drop_name(NAT_DROP_PROTOCOL) == NULL)
		return -1;
	log_set_level(LOG_LVL_ERR);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	peer = sv[1];
	/* a TFTP root with one file "f" of 3000 bytes, removed at exit */
	if (!mkdtemp(root))
		return -1;
	snprintf(file, sizeof(file), "%s/f", root);
	f = fopen(file, "w");
	if (!f)
		return -1;
	for (int i = 0; i < 3000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	snprintf(tftp_file, sizeof(tftp_file), "%s", file);
	snprintf(tftp_root, sizeof(tftp_root), "%s", root);
	atexit(remove_root);
	snprintf(fdspec, sizeof(fdspec), "fd:%d", sv[0]);
	setenv("NATD_RESOLV_CONF", "/dev/null", 1);
	config_init(&cfg);
	if (config_parse_run(&cfg, 7, argv, err, sizeof(err)) < 0 ||
	    config_finish(&cfg, err, sizeof(err)) < 0 || stack_init(uv_default_loop()) < 0 ||
	    nic_start(uv_default_loop(), 1, &cfg.nic[0], &nic, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_frame: set-up failed: %s\n", err);
		return -1;
	}
	return 0;
}

/* An ARP request "who has 10.0.2.2? tell 10.0.2.15" from the guest, which
 * puts the guest into lwIP's ARP cache. */
static void arp_from_guest(const uint8_t mac[6])
{
	uint8_t f[42] = { [12] = 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1 };
	uint8_t sink[128];

	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, (const uint8_t[]){ 10, 0, 2, 15 }, 4);
	memcpy(f + 38, (const uint8_t[]){ 10, 0, 2, 2 }, 4);
	if (send(peer, f, sizeof(f), MSG_DONTWAIT) < 0)
		return;
	uv_run(uv_default_loop(), UV_RUN_NOWAIT);
	while (recv(peer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
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
	if (size < 2 || size - 2 > sizeof(frame) - 14)
		return 0;
	/* The frame arrives as from a VM: through the transport (nic_frame()),
	 * to natd's MAC, or broadcast when the EtherType's high bit is set in
	 * the input (the type itself is taken without it for IPv4 and ARP). */
	if (data[0] & 0x80 && (data[0] & 0x7f) == 0x08)
		memset(frame, 0xff, 6);
	else
		memcpy(frame, nic_netif(nic)->hwaddr, 6);
	memcpy(frame + 6, guest_mac, 6);
	/* natd knows the guest's MAC (else every reply waits for ARP) */
	arp_from_guest(guest_mac);
	frame[12] = (data[0] & 0x7f) == 0x08 ? 0x08 : data[0];
	frame[13] = data[1];
	memcpy(frame + 14, data + 2, size - 2);
	size += 12;
	if (send(peer, frame, size, MSG_DONTWAIT) < 0)
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
	for (int t = 0; t <= IP_REASS_MAXAGE; t++)
		ip_reass_tmr();
	return 0;
}
