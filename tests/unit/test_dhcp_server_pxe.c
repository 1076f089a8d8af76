/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_server_pxe.c - unit tests of dhcp/dhcp_server.c for PXE clients:
 * the PXEClient vendor class, discovery control and UUID echoed, the boot
 * file per client architecture (BIOS, UEFI) and malformed PXE options.
 */
#include "dhcp_server_fixture.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

TestSuite(dhcp, .init = setup, .fini = teardown);

static const char PXE_VCI[] = "PXEClient:Arch:00000:UNDI:002001";
static const uint8_t PXE_UUID[17] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };

static void pxe_cfg(struct dhcp_server_config *c, const char *efi)
{
	base_cfg(c);
	c->next_server.s_addr = t_ip("10.0.2.4");
	strcpy(c->boot_file, "vm1.pxe");
	if (efi)
		strcpy(c->boot_file_efi, efi);
}

/* A DISCOVER as a PXE ROM sends it: 60, 93 (arch, -1 for none), 97. */
static void pxe_discover(const uint8_t mac[6], int arch, struct treply *r)
{
	struct tmsg m;

	msg_init(&m, DHCPDISCOVER, mac, 0x3000 + mac[5]);
	t_msg_opt(&m, DHO_VENDOR_CLASS, PXE_VCI, (uint8_t)strlen(PXE_VCI));
	if (arch >= 0)
		t_msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ (uint8_t)(arch >> 8), (uint8_t)arch },
			  2);
	t_msg_opt(&m, DHO_CLIENT_UUID, PXE_UUID, sizeof(PXE_UUID));
	msg_end(&m);
	send_msg(&m, 0, r);
}

static const char *rfile(const struct treply *r)
{
	return (const char *)r->b + BOOTP_OFF_FILE;
}

Test(dhcp, pxe_client_gets_pxeclient_discovery_control_and_uuid)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct treply r;
	uint32_t si;

	pxe_cfg(&c, NULL);
	restart_with(&c);
	pxe_discover(MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	memcpy(&si, r.b + BOOTP_OFF_SIADDR, 4);
	cr_assert_eq(si, t_ip("10.0.2.4"));
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 7);
	cr_assert_eq(memcmp(buf, "vm1.pxe", 7), 0);
	cr_assert_eq(t_ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "10.0.2.4", 8), 0);
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), 9);
	cr_assert_eq(memcmp(buf, "PXEClient", 9), 0);
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, (uint8_t[]){ 6, 1, 8, 255 }, 4), 0);
	cr_assert_eq(t_ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), 17);
	cr_assert_eq(memcmp(buf, PXE_UUID, 17), 0);
	cr_assert_eq(counters().pxe_clients, 1);

	/* the REQUEST that follows is ACKed with the same */
	{
		struct tmsg m;
		uint32_t a = t_ryiaddr(&r);

		msg_init(&m, DHCPREQUEST, MAC_A, 0x3100);
		t_msg_opt_ip(&m, DHO_SERVER_ID, "10.0.2.2");
		t_msg_opt(&m, DHO_REQUESTED_ADDR, &a, 4);
		t_msg_opt(&m, DHO_VENDOR_CLASS, PXE_VCI, (uint8_t)strlen(PXE_VCI));
		t_msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ 0, 0 }, 2);
		msg_end(&m);
		send_msg(&m, 0, &r);
		cr_assert_eq(t_rtype(&r), DHCPACK);
		cr_assert_str_eq(rfile(&r), "vm1.pxe");
		cr_assert_eq(t_ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), 9);
		cr_assert_eq(t_ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), -1,
			     "none sent, none echoed");
	}
}

Test(dhcp, plain_client_gets_boot_file_without_pxe_options)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct treply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	discover(MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), -1);
	cr_assert_eq(counters().pxe_clients, 0);
}

Test(dhcp, pxe_client_without_boot_file_gets_plain_dhcp)
{
	uint8_t buf[64];
	struct treply r;

	pxe_discover(MAC_A, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(rfile(&r)[0], '\0');
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_TFTP_SERVER, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_CLASS, buf, sizeof(buf)), -1);
	cr_assert_eq(t_ropt(&r, DHO_VENDOR_OPTS, buf, sizeof(buf)), -1);
}

Test(dhcp, uefi_client_gets_the_efi_file_when_there_is_one)
{
	struct dhcp_server_config c;
	uint8_t buf[64];
	struct treply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	pxe_discover(MAC_A, 7, &r); /* EFI BC, what OVMF x64 sends */
	cr_assert_str_eq(rfile(&r), "vm1.efi");
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 7);
	cr_assert_eq(memcmp(buf, "vm1.efi", 7), 0);
	pxe_discover(MAC_B, 11, &r);
	cr_assert_str_eq(rfile(&r), "vm1.efi", "ARM64 UEFI");
	pxe_discover(MAC_C, 0, &r);
	cr_assert_str_eq(rfile(&r), "vm1.pxe", "BIOS");

	pxe_cfg(&c, NULL);
	restart_with(&c);
	pxe_discover(MAC_A, 9, &r);
	cr_assert_str_eq(rfile(&r), "vm1.pxe", "no UEFI file: the one boot file");
}

Test(dhcp, malformed_pxe_options_are_ignored_not_fatal)
{
	struct dhcp_server_config c;
	struct tmsg m;
	struct treply r;

	pxe_cfg(&c, "vm1.efi");
	restart_with(&c);
	msg_init(&m, DHCPDISCOVER, MAC_A, 0x4000);
	t_msg_opt(&m, DHO_VENDOR_CLASS, "PXECl", 5); /* too short to be PXEClient */
	t_msg_opt(&m, DHO_CLIENT_ARCH, (uint8_t[]){ 0, 7, 1 }, 3); /* odd length */
	{
		uint8_t big[40] = { 0 };

		t_msg_opt(&m, DHO_CLIENT_UUID, big, sizeof(big)); /* longer than 17 */
	}
	msg_end(&m);
	send_msg(&m, 0, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_str_eq(rfile(&r), "vm1.pxe");
	cr_assert_eq(counters().pxe_clients, 0);
	cr_assert_eq(counters().malformed, 0);
}

Test(dhcp, pxe_options_fit_next_to_long_host_options)
{
	struct dhcp_server_config c;
	struct treply r;
	uint8_t buf[300];

	pxe_cfg(&c, NULL);
	memset(c.boot_file, 'b', 100);
	c.boot_file[100] = '\0';
	memset(c.boot_file_efi, 'e', 120);
	c.boot_file_efi[120] = '\0';
	strcpy(c.domain, "corp.example.com");
	restart_with(&c);
	pxe_discover(MAC_A, 7, &r);
	cr_assert_eq(t_rtype(&r), DHCPOFFER);
	cr_assert_eq(t_ropt(&r, DHO_BOOTFILE, buf, sizeof(buf)), 120);
	cr_assert_eq(t_ropt(&r, DHO_CLIENT_UUID, buf, sizeof(buf)), 17);

	/* what cannot fit with every PXE option is refused up front */
	memset(c.domain, 'd', 200);
	c.domain[200] = '\0';
	cr_assert_null(dhcp_server_new(&c));
}

Test(dhcp, architecture_names)
{
	cr_assert_str_eq(dhcp_arch_name(0), "x86 BIOS");
	cr_assert_str_eq(dhcp_arch_name(7), "x64 UEFI");
	cr_assert_str_eq(dhcp_arch_name(11), "ARM64 UEFI");
	cr_assert_str_eq(dhcp_arch_name(0x1234), "unknown");
	cr_assert(!dhcp_arch_is_uefi(0));
	cr_assert(dhcp_arch_is_uefi(6));
	cr_assert(dhcp_arch_is_uefi(7));
	cr_assert(dhcp_arch_is_uefi(9));
	cr_assert(!dhcp_arch_is_uefi(16), "HTTP boot is not TFTP");
	cr_assert(!dhcp_arch_is_uefi(0x1234));
}
