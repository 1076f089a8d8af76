/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dhcp_server.c - libFuzzer target for dhcp_server_input(): each input
 * is one message a guest sends to port 67. The server is created once and
 * keeps its lease table across inputs (a small range, so that exhaustion,
 * expiry and reclaiming are reached); the clock moves 7 s per input. Three
 * MACs (52:54:00:12:34:57..59) have fixed addresses, one outside the range,
 * and custom options replace the router and add others, one large enough
 * that full (PXE) replies leave some out. Each port may hold 4 offers and
 * leases; an input comes from port 1 or 2, or from no known port, by its
 * length (dhcp_server_input_port()). Replies are checked against the API's
 * promises, and no fixed address may be offered or leased to another MAC.
 * A second server, keyed by MAC (a NAT adapter's), gets every input too
 * and must never hold two leases or offers for one MAC.
 */
#include "dhcp/dhcp_server.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_EXTRA_LEASES 1 /* fixed addresses outside the range */

static struct dhcp_server_config fuzz_cfg;

/* Whether addr (network order) is fixed for a MAC other than mac. */
static bool fixed_for_other(const void *addr, const uint8_t *mac)
{
	for (unsigned i = 0; i < fuzz_cfg.n_fixed; i++)
		if (!memcmp(&fuzz_cfg.fixed[i].addr, addr, 4))
			return memcmp(fuzz_cfg.fixed[i].mac, mac, 6) != 0;
	return false;
}

static void fuzz_fixed(struct dhcp_server_config *c, uint8_t last, const char *addr)
{
	struct dhcp_fixed *f = &c->fixed[c->n_fixed++];

	memcpy(f->mac, (const uint8_t[]){ 0x52, 0x54, 0x00, 0x12, 0x34, last }, 6);
	inet_pton(AF_INET, addr, &f->addr);
}

static void fuzz_opt(struct dhcp_server_config *c, uint8_t code, const char *text, bool hex)
{
	char err[128];
	int rc = hex ? dhcp_opt_from_hex(code, text, &c->opts[c->n_opts], err, sizeof(err))
		     : dhcp_opt_from_text(code, text, &c->opts[c->n_opts], err, sizeof(err));

	if (rc < 0)
		abort();
	c->n_opts++;
}

static struct dhcp_server *fuzz_server(bool by_mac)
{
	static struct dhcp_server *servers[2];
	struct dhcp_server *s = servers[by_mac];
	struct dhcp_server_config c;
	char big[2 * 160 + 1];

	if (s)
		return s;
	log_set_level(LOG_LVL_ERR);
	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "10.0.2.0", &c.network);
	inet_pton(AF_INET, "255.255.255.0", &c.netmask);
	inet_pton(AF_INET, "10.0.2.2", &c.server_id);
	inet_pton(AF_INET, "10.0.2.2", &c.router);
	inet_pton(AF_INET, "10.0.2.3", &c.dns[0]);
	c.n_dns = 1;
	inet_pton(AF_INET, "10.0.2.15", &c.range_first);
	inet_pton(AF_INET, "10.0.2.30", &c.range_last);
	c.lease_time = 120;
	c.mtu = 9000;
	strcpy(c.domain, "example.com");
	strcpy(c.search[0], "example.com");
	strcpy(c.search[1], "corp.example.net");
	c.n_search = 2;
	inet_pton(AF_INET, "10.0.2.4", &c.next_server);
	strcpy(c.boot_file, "pxelinux.0");
	fuzz_fixed(&c, 0x57, "10.0.2.20");
	fuzz_fixed(&c, 0x58, "10.0.2.40");
	fuzz_fixed(&c, 0x59, "10.0.2.30");
	fuzz_opt(&c, 3, "10.0.2.1", false);
	fuzz_opt(&c, 42, "10.0.2.2, 10.0.2.3", false);
	fuzz_opt(&c, 121, "10.9.0.0/16 10.0.2.1, 0.0.0.0/0 10.0.2.2", false);
	for (size_t i = 0; i < 160; i++)
		snprintf(big + 2 * i, 3, "%02zx", i);
	fuzz_opt(&c, 252, big, true);
	c.key_by_mac = by_mac;
	if (!by_mac)
		fuzz_cfg = c;
	s = dhcp_server_new(&c);
	if (!s)
		abort();
	dhcp_server_set_port_limit(s, 4);
	servers[by_mac] = s;
	return s;
}

struct macs {
	unsigned n;
	uint8_t mac[32][6];
};

static int one_per_mac(void *opaque, const struct dhcp_lease_info *l)
{
	struct macs *m = opaque;

	for (unsigned i = 0; i < m->n; i++)
		if (!memcmp(m->mac[i], l->mac, 6))
			abort(); /* keyed by MAC, yet two leases for one MAC */
	if (m->n < 32)
		memcpy(m->mac[m->n++], l->mac, 6);
	return 0;
}

static int count_lease(void *opaque, const struct dhcp_lease_info *l)
{
	unsigned *n = opaque;

	(*n)++;
	if (fixed_for_other(&l->addr, l->mac))
		abort(); /* a fixed address leased or offered to another MAC */
	return l->hostname[sizeof(l->hostname) - 1] != '\0'; /* never */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now;
	struct dhcp_server *s = fuzz_server(false), *m = fuzz_server(true);
	uint8_t out[DHCP_REPLY_MAX];
	struct macs seen = { 0 };
	struct dhcp_reply_dest dest;
	struct dhcp_lease_info li;
	unsigned n = 0;
	int rc;

	now += 7000;
	rc = dhcp_server_input_port(s, size % 3 ? (uint32_t)(size % 3) : DHCP_PORT_ANY, data, size,
				    now, out, sizeof(out), &dest);
	if (rc > (int)sizeof(out) || (rc > 0 && rc < 300))
		abort();
	if (rc > 0 && (out[0] != 2 || memcmp(out + 4, data + 4, 4) != 0))
		abort();
	if (rc > 0 && fixed_for_other(out + 16, out + 28))
		abort(); /* yiaddr: a fixed address given to another chaddr */
	if (size >= 34)
		dhcp_server_lease_by_mac(s, data + 28, now, &li);
	if (dhcp_server_foreach_lease(s, count_lease, &n) != 0 || n > 16 + FUZZ_EXTRA_LEASES)
		abort();
	rc = dhcp_server_input(m, data, size, now, out, sizeof(out), &dest);
	if (rc > (int)sizeof(out) || (rc > 0 && rc < 300))
		abort();
	dhcp_server_foreach_lease(m, one_per_mac, &seen);
	return 0;
}
