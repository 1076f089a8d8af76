/* SPDX-License-Identifier: MIT */
/*
 * switch_hello.h - the words natd's links and switch (l2/switch.h) share:
 * the promiscuous policies of a port and the hello frame.
 *
 * A natd link introduces its switch port (VM name, adapter, MAC,
 * promiscuous policy) with a hello, an Ethernet frame to the group address
 * SWITCH_HELLO_ADDR (03:6e:61:74:64:00, locally administered; "natd"),
 * EtherType 0x88B5 (IEEE 802 local experimental), carrying the switch's
 * secret, first on every join and again when the policy changes. Payload
 * (big-endian, offsets from the frame's start):
 *   14  magic "natd" (4)      18  version 1 (1)       19  secret (16)
 *   35  adapter (2)           37  MAC (6)             43  policy (1)
 *   44  VM name length n (1, 0..63)                   45  VM name (n bytes,
 *       no byte below 0x20 nor 0x7f; no NUL)
 * then anything (Ethernet padding to 60 bytes, later versions' fields): it
 * is ignored. The frame's source address is the MAC (zero when unknown); a
 * MAC of all zeroes in the payload means "not known". Every frame sent to
 * SWITCH_HELLO_ADDR is taken as a hello and consumed by the switch: applied
 * when valid with the right secret, else dropped and counted. A port that
 * never sent a valid hello (QEMU connected directly) has policy deny.
 */
#ifndef NATD_SWITCH_HELLO_H
#define NATD_SWITCH_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Promiscuous-mode policy of a VM port (VirtualBox manual 6.11). */
enum switch_policy {
	SWITCH_POLICY_DENY,        /* own MAC(s), broadcast, multicast only */
	SWITCH_POLICY_ALLOW_VMS,   /* also unicast between two other VMs */
	SWITCH_POLICY_ALLOW_ALL,   /* everything, host ports' unicast too */
	SWITCH_POLICY_COUNT
};

/* "deny", "allow-vms", "allow-all"; "?" for a value out of range. */
const char *switch_policy_name(enum switch_policy p);
/* The inverse (exact, lower case): 0, or -EINVAL. */
int switch_policy_parse(const char *s, enum switch_policy *out);

#define SWITCH_SECRET_LEN 16

#define SWITCH_HELLO_MAX 128        /* the longest is 108 bytes */
#define SWITCH_HELLO_ETHERTYPE 0x88B5
#define SWITCH_HELLO_VERSION 1
extern const uint8_t SWITCH_HELLO_ADDR[6];

struct switch_hello {
	char vm[64];
	unsigned adapter;
	uint8_t mac[6];
	bool mac_known;           /* the MAC is not all zeroes */
	enum switch_policy policy;
};

/*
 * Builds a hello frame into out (cap >= SWITCH_HELLO_MAX will do); vm may be
 * NULL or "" and mac NULL (unknown). Returns its length (60 or more), or
 * -EINVAL (vm longer than 63 bytes or with control characters, adapter over
 * 65535, a group MAC, policy out of range, cap too small).
 */
int switch_hello_build(uint8_t *out, size_t cap, const uint8_t secret[SWITCH_SECRET_LEN],
		       const char *vm, unsigned adapter, const uint8_t mac[6],
		       enum switch_policy policy);

/* True when an Ethernet frame is a hello (whatever its secret and content:
 * it is sent to SWITCH_HELLO_ADDR): links drop such frames coming from a VM,
 * and the switch never forwards one. */
bool switch_frame_is_hello(const uint8_t *frame, size_t len);

/* Parses a hello: 0 and *out, -EINVAL when malformed (not a hello, bad
 * magic, version, policy or name, truncated), -EPERM when well formed but
 * for another secret. */
int switch_hello_parse(const uint8_t *frame, size_t len, const uint8_t secret[SWITCH_SECRET_LEN],
		       struct switch_hello *out);

#endif
