/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dhcp_server.c - libFuzzer target for dhcp_server_input(): each input
 * is one message a guest sends to port 67. The server is created once and
 * keeps its lease table across inputs (a small range, so that exhaustion,
 * expiry and reclaiming are reached); the clock moves 7 s per input. Replies
 * are checked against the API's promises.
 */
#include "dhcp/dhcp_server.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_server *fuzz_server(void)
{
	static struct dhcp_server *s;
	struct dhcp_server_config c;

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
	s = dhcp_server_new(&c);
	if (!s)
		abort();
	return s;
}

static int count_lease(void *opaque, const struct dhcp_lease_info *l)
{
	unsigned *n = opaque;

	(*n)++;
	return l->hostname[sizeof(l->hostname) - 1] != '\0'; /* never */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now;
	struct dhcp_server *s = fuzz_server();
	uint8_t out[DHCP_REPLY_MAX];
	struct dhcp_reply_dest dest;
	struct dhcp_lease_info li;
	unsigned n = 0;
	int rc;

	now += 7000;
	rc = dhcp_server_input(s, data, size, now, out, sizeof(out), &dest);
	if (rc > (int)sizeof(out) || (rc > 0 && rc < 300))
		abort();
	if (rc > 0 && (out[0] != 2 || memcmp(out + 4, data + 4, 4) != 0))
		abort();
	if (size >= 34)
		dhcp_server_lease_by_mac(s, data + 28, now, &li);
	if (dhcp_server_foreach_lease(s, count_lease, &n) != 0 || n > 16)
		abort();
	return 0;
}
