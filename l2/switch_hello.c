/* SPDX-License-Identifier: MIT */
/*
 * switch_hello.c - the promiscuous policies' names and the hello frame a
 * natd link introduces its switch port with (layout in switch_hello.h):
 * built by the link's owner (modes/), parsed by the switch (switch.c) from
 * whatever a port sends, so the parser takes any bytes
 * (tests/fuzz/fuzz_switch_hello.c).
 */
#include "l2/switch_hello.h"

#include <errno.h>
#include <string.h>

#include "base/bytes.h"

/* 03:6e:61:74:64:00: group, locally administered, "natd". */
const uint8_t SWITCH_HELLO_ADDR[6] = { 0x03, 0x6e, 0x61, 0x74, 0x64, 0x00 };

static const uint8_t hello_magic[4] = { 'n', 'a', 't', 'd' };

#define HELLO_NAME_MAX 63
#define HELLO_MIN_FRAME 60    /* Ethernet minimum without FCS */

static const char *const policy_names[] = {
	[SWITCH_POLICY_DENY] = "deny",
	[SWITCH_POLICY_ALLOW_VMS] = "allow-vms",
	[SWITCH_POLICY_ALLOW_ALL] = "allow-all",
};
_Static_assert(ARRAY_SIZE(policy_names) == SWITCH_POLICY_COUNT, "one name per policy");

const char *switch_policy_name(enum switch_policy p)
{
	return (unsigned)p < SWITCH_POLICY_COUNT ? policy_names[p] : "?";
}

int switch_policy_parse(const char *s, enum switch_policy *out)
{
	for (unsigned i = 0; s && i < SWITCH_POLICY_COUNT; i++)
		if (!strcmp(s, policy_names[i])) {
			*out = (enum switch_policy)i;
			return 0;
		}
	return -EINVAL;
}

static bool name_ok(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int switch_hello_build(uint8_t *out, size_t cap, const uint8_t secret[SWITCH_SECRET_LEN],
		       const char *vm, unsigned adapter, const uint8_t mac[6],
		       enum switch_policy policy)
{
	static const uint8_t zero[6];
	size_t n = vm ? strlen(vm) : 0, len = 45 + n;

	if (!mac)
		mac = zero;
	if (n > HELLO_NAME_MAX || !name_ok((const uint8_t *)vm, n) || adapter > 0xffff ||
	    (mac[0] & 1) || (unsigned)policy >= SWITCH_POLICY_COUNT)
		return -EINVAL;
	if (len < HELLO_MIN_FRAME)
		len = HELLO_MIN_FRAME;
	if (!out || cap < len)
		return -EINVAL;
	memset(out, 0, len);
	memcpy(out, SWITCH_HELLO_ADDR, 6);
	memcpy(out + 6, mac, 6);
	put16(out + 12, SWITCH_HELLO_ETHERTYPE);
	memcpy(out + 14, hello_magic, 4);
	out[18] = SWITCH_HELLO_VERSION;
	memcpy(out + 19, secret, SWITCH_SECRET_LEN);
	put16(out + 35, (uint16_t)adapter);
	memcpy(out + 37, mac, 6);
	out[43] = (uint8_t)policy;
	out[44] = (uint8_t)n;
	if (n)
		memcpy(out + 45, vm, n);
	return (int)len;
}

bool switch_frame_is_hello(const uint8_t *frame, size_t len)
{
	return len >= 6 && !memcmp(frame, SWITCH_HELLO_ADDR, 6);
}

/* A cursor over the bytes still to parse. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->left < n)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

int switch_hello_parse(const uint8_t *frame, size_t len, const uint8_t secret[SWITCH_SECRET_LEN],
		       struct switch_hello *out)
{
	static const uint8_t zero[6];
	struct cursor c = { frame, len };
	const uint8_t *eth, *magic, *ver, *sec, *adapter, *mac, *policy, *nlen, *name;
	uint8_t diff = 0;

	if (!(eth = take(&c, 14)) || memcmp(eth, SWITCH_HELLO_ADDR, 6) ||
	    get16(eth + 12) != SWITCH_HELLO_ETHERTYPE)
		goto malformed;
	if (!(magic = take(&c, 4)) || memcmp(magic, hello_magic, 4) || !(ver = take(&c, 1)) ||
	    *ver != SWITCH_HELLO_VERSION)
		goto malformed;
	if (!(sec = take(&c, SWITCH_SECRET_LEN)) || !(adapter = take(&c, 2)) ||
	    !(mac = take(&c, 6)) || !(policy = take(&c, 1)) || !(nlen = take(&c, 1)))
		goto malformed;
	if (*policy >= SWITCH_POLICY_COUNT || (mac[0] & 1) || *nlen > HELLO_NAME_MAX ||
	    !(name = take(&c, *nlen)) || !name_ok(name, *nlen))
		goto malformed;
	/* The rest (padding, later versions' fields) is ignored. */
	for (size_t i = 0; i < SWITCH_SECRET_LEN; i++)
		diff |= sec[i] ^ secret[i]; /* in constant time */
	if (diff)
		return -EPERM;
	memset(out, 0, sizeof(*out));
	memcpy(out->vm, name, *nlen);
	out->adapter = get16(adapter);
	memcpy(out->mac, mac, 6);
	out->mac_known = memcmp(mac, zero, 6) != 0;
	out->policy = (enum switch_policy)*policy;
	return 0;
malformed:
	return -EINVAL;
}
