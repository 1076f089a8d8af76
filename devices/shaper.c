/* SPDX-License-Identifier: MIT */
/*
 * shaper.c - the token bucket of a bandwidth group (see shaper.h).
 */
#include "devices/shaper.h"

#include <uv.h>

#include "devices/device.h"

/* Tokens kept: 20 ms worth, but at least two of the largest frames, so a
 * 64 KiB offloaded segment passes at any rate. */
static uint64_t burst_of(uint64_t rate)
{
	uint64_t b = rate / 50;

	return b < 2 * DEVICE_MAX_FRAME ? 2 * DEVICE_MAX_FRAME : b;
}

void shaper_init(struct shaper *s, uint64_t rate)
{
	*s = (struct shaper){ .rate = rate, .burst = burst_of(rate), .last_ns = uv_hrtime() };
	s->tokens = (int64_t)s->burst;
}

void shaper_set_rate(struct shaper *s, uint64_t rate)
{
	s->rate = rate;
	s->burst = burst_of(rate);
	s->tokens = 0;
	s->last_ns = uv_hrtime();
}

static void refill(struct shaper *s)
{
	uint64_t now = uv_hrtime(), dt = now - s->last_ns, room;
	__uint128_t add;

	if (!s->rate)
		return;
	add = (__uint128_t)s->rate * dt / 1000000000u;
	if (add == 0)
		return; /* keep last_ns: the fraction adds up */
	s->last_ns = now;
	room = (uint64_t)((int64_t)s->burst - s->tokens); /* tokens <= burst */
	if (add >= room)
		s->tokens = (int64_t)s->burst;
	else
		s->tokens += (int64_t)add;
}

void shaper_charge(struct shaper *s, size_t len)
{
	s->bytes += len;
	if (s->rate)
		s->tokens -= (int64_t)len;
}

uint64_t shaper_wait_ms(struct shaper *s)
{
	if (!s->rate)
		return 0;
	refill(s);
	if (s->tokens >= 0)
		return 0;
	return ((uint64_t)-s->tokens * 1000 + s->rate - 1) / s->rate;
}
