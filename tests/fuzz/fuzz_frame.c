/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frame.c - libFuzzer target for the whole input path of a NAT
 * adapter, every Ethernet type: an input is a 2-byte EtherType and the
 * frame's payload, sent by a guest to natd's MAC; with the high bit of the
 * first byte set on 0x08xx (IPv4, ARP), to the broadcast address instead
 * (DHCP, ARP requests). It goes through the transport and nic_frame() (ARP
 * for natd's alias addresses) into lwIP's ethernet_input(): ARP, IPv4 with
 * reassembly, ICMP, the DHCP server (forwarders/nic.c, dhcp/), the TFTP server at
 * .4 (tftp/, a real root with one file), TCP and UDP; IPv6 as in
 * fuzz_ip6_input. The adapter is set up by fuzz_nic.h.
 * Seeds (corpus/fuzz_frame/, from gen_corpus.py): ARP for .2/.3/.4, ICMP
 * echo, DHCP discover and request, TFTP read requests, a TCP SYN, IPv4
 * fragments, an ICMPv6 echo, a VLAN tag, a runt.
 */
#include <unistd.h>

#include "fuzz_nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tftp_root[] = "/tmp/natd-fuzz-frame.XXXXXX";
static char tftp_file[sizeof(tftp_root) + 2];

static void remove_root(void)
{
	unlink(tftp_file);
	rmdir(tftp_root);
}

static int setup(void)
{
	char *extra[] = { "--nattftpprefix1", tftp_root };
	FILE *f;

	/* a TFTP root with one file "f" of 3000 bytes, removed at exit */
	if (!mkdtemp(tftp_root))
		return -1;
	snprintf(tftp_file, sizeof(tftp_file), "%s/f", tftp_root);
	atexit(remove_root);
	f = fopen(tftp_file, "w");
	if (!f)
		return -1;
	for (int i = 0; i < 3000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	return fuzz_nic_setup("fuzz_frame", extra, 2);
}

/* An ARP request "who has 10.0.2.2? tell 10.0.2.15" from the guest, which
 * puts the guest into lwIP's ARP cache (else every reply waits for ARP). */
static void arp_from_guest(void)
{
	uint8_t f[42] = { [12] = 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, fuzz_guest_mac, 6);
	memcpy(f + 22, fuzz_guest_mac, 6);
	memcpy(f + 28, (const uint8_t[]){ 10, 0, 2, 15 }, 4);
	memcpy(f + 38, (const uint8_t[]){ 10, 0, 2, 2 }, 4);
	fuzz_nic_frame(f, sizeof(f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[0x10000];
	static int ready;
	bool ip4_or_arp;

	if (!ready)
		ready = setup() == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	if (size < 2 || size - 2 > sizeof(frame) - 14)
		return 0;
	ip4_or_arp = (data[0] & 0x7f) == 0x08;
	if (data[0] & 0x80 && ip4_or_arp)
		memset(frame, 0xff, 6);
	else
		memcpy(frame, nic_netif(fuzz_nic)->hwaddr, 6);
	memcpy(frame + 6, fuzz_guest_mac, 6);
	frame[12] = ip4_or_arp ? 0x08 : data[0];
	frame[13] = data[1];
	memcpy(frame + 14, data + 2, size - 2);
	arp_from_guest();
	fuzz_nic_frame(frame, 12 + size);
	fuzz_nic_drop_fragments();
	return 0;
}
