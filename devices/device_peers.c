/* SPDX-License-Identifier: MIT */
/*
 * device_peers.c - the peers a device has heard from (dgram's senders, a
 * switch port's MACs): a small table per device, the one silent longest
 * replaced when full, listed most recent first for showvminfo
 * (device_peers()).
 */
#include "devices/device_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>


/* --- peers ------------------------------------------------------------------ */

void device_peer_seen(struct device *dev, enum device_peer_kind kind, const void *key,
		      size_t keylen)
{
	struct device_peer_slot *p;
	unsigned i;

	if (keylen > sizeof(p->key))
		keylen = sizeof(p->key);
	for (i = 0; i < dev->n_peers; i++) {
		p = &dev->peers[i];
		if (p->kind == kind && p->keylen == keylen && !memcmp(p->key, key, keylen))
			goto found;
	}
	/* A new one: a free slot, else the one silent longest. */
	if (dev->n_peers < DEVICE_MAX_PEERS) {
		i = dev->n_peers++;
	} else {
		i = 0;
		for (unsigned k = 1; k < DEVICE_MAX_PEERS; k++)
			if (dev->peers[k].last_ms < dev->peers[i].last_ms)
				i = k;
	}
	p = &dev->peers[i];
	memset(p, 0, sizeof(*p));
	memcpy(p->key, key, keylen);
	p->keylen = (uint8_t)keylen;
	p->kind = (uint8_t)kind;
found:
	p->frames++;
	p->last_ms = uv_now(dev->loop);
}

static void device_peer_format(const struct device_peer_slot *p, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->kind == DEVICE_PEER_MAC && p->keylen == 6) {
		snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", p->key[0], p->key[1],
			 p->key[2], p->key[3], p->key[4], p->key[5]);
		return;
	}
	if (p->keylen >= sizeof(struct sockaddr_in6) &&
	    ((const struct sockaddr *)p->key)->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)p->key;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(s6->sin6_port));
		return;
	}
	if (p->keylen >= sizeof(struct sockaddr_in) &&
	    ((const struct sockaddr *)p->key)->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)p->key;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(s4->sin_port));
		return;
	}
	snprintf(out, len, "?");
}

unsigned device_peers(const struct device *dev, struct device_peer *out, unsigned max)
{
	const struct device_peer_slot *order[DEVICE_MAX_PEERS];
	uint64_t now = uv_now(dev->loop);
	unsigned n = dev->n_peers;

	for (unsigned i = 0; i < n; i++)
		order[i] = &dev->peers[i];
	/* Most recent first (n is small). */
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && order[k]->last_ms > order[k - 1]->last_ms; k--) {
			const struct device_peer_slot *t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	if (n > max)
		n = max;
	for (unsigned i = 0; i < n; i++) {
		device_peer_format(order[i], out[i].addr, sizeof(out[i].addr));
		out[i].frames = order[i]->frames;
		out[i].idle_ms = now - order[i]->last_ms;
	}
	return n;
}
