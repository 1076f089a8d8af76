/* SPDX-License-Identifier: MIT */
/*
 * srcpin.c - source addresses pinned to their VM's switch port (see
 * srcpin.h).
 */
#include "forwarders/srcpin.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

struct srcpin_slot {
	uint32_t addr;      /* network order; 0: free */
	uint32_t port;
	uint8_t mac[6];
};

struct srcpin {
	struct srcpin_slot slot[SRCPIN_SLOTS];
};

struct srcpin *srcpin_new(void)
{
	return calloc(1, sizeof(struct srcpin));
}

void srcpin_free(struct srcpin *t)
{
	free(t);
}

static struct srcpin_slot *srcpin_slot(const struct srcpin *t, uint32_t addr)
{
	return (struct srcpin_slot *)&t->slot[ntohl(addr) & (SRCPIN_SLOTS - 1)];
}

void srcpin_lease(struct srcpin *t, uint32_t addr, const uint8_t mac[6], uint32_t port)
{
	struct srcpin_slot *s = srcpin_slot(t, addr);

	if (addr == 0)
		return;
	s->addr = addr;
	s->port = port;
	memcpy(s->mac, mac, 6);
}

void srcpin_unlease(struct srcpin *t, uint32_t addr)
{
	struct srcpin_slot *s = srcpin_slot(t, addr);

	if (s->addr == addr)
		s->addr = 0;
}

uint32_t srcpin_port(const struct srcpin *t, uint32_t addr)
{
	const struct srcpin_slot *s = srcpin_slot(t, addr);

	return addr && s->addr == addr ? s->port : SRCPIN_NONE;
}

int srcpin_frame_source(const uint8_t *f, size_t len, uint32_t *src)
{
	if (len < 14)
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00) {
		if (len < 14 + 20 || f[14] >> 4 != 4)
			return 0;
		memcpy(src, f + 14 + 12, 4);
		return 1;
	}
	if (f[12] == 0x08 && f[13] == 0x06) {
		const uint8_t *a = f + 14;

		/* Ethernet/IPv4: htype 1, ptype 0x0800, hlen 6, plen 4 */
		if (len < 14 + 28 || a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 ||
		    a[4] != 6 || a[5] != 4)
			return 0;
		memcpy(src, a + 14, 4);
		return 2;
	}
	return 0;
}

enum srcpin_verdict srcpin_check(struct srcpin *t, const uint8_t *f, size_t len, uint32_t port,
				 uint32_t *src, uint32_t *owner)
{
	struct srcpin_slot *s;

	*src = 0;
	*owner = SRCPIN_NONE;
	if (!srcpin_frame_source(f, len, src) || *src == 0)
		return SRCPIN_PASS;
	s = srcpin_slot(t, *src);
	if (s->addr != *src)
		return SRCPIN_PASS;
	*owner = s->port;
	if (s->port == port)
		return SRCPIN_PASS;
	if (!memcmp(f + 6, s->mac, 6)) {
		s->port = port;
		return SRCPIN_MOVED;
	}
	return SRCPIN_SPOOFED;
}
