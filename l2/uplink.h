/* SPDX-License-Identifier: MIT */
/*
 * uplink.h - the far side of a wire that leaves natd over an existing
 * engine: a UDP tunnel (frames in UDP datagrams, the framing of QEMU's
 * -netdev dgram and VirtualBox's UDPTunnel driver) or a VDE switch
 * (libvdeplug). A generic adapter (modes/generic.c) relays its VM to one;
 * a switch of natd's (NAT network, internal network) takes one as its
 * uplink port, so that the network spans hosts.
 *
 * Text form (`--uplink` of `natd natnetwork` and `natd intnet`):
 *   udp:LPORT,HOST:PORT   receive on UDP port LPORT (every local address),
 *                         send to HOST:PORT; HOST a name, an IPv4 address or
 *                         a bracketed IPv6 address ([2001:db8::1])
 *   vde:SWITCH            a VDE switch: its directory, PATH[N] for port N,
 *                         or a libvdeplug URL
 * The device spec it opens as (devices/device.h) is made at start:
 * uplink_device_spec() resolves HOST once (IPv4 or IPv6, the first address
 * the resolver gives) into "dgram:0.0.0.0:LPORT,ADDR:PORT" (IPv6:
 * "dgram:[::]:LPORT,[ADDR]:PORT"), or gives "vde:SWITCH" once a switch
 * path is there.
 */
#ifndef NATD_L2_UPLINK_H
#define NATD_L2_UPLINK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define UPLINK_HOST_MAX 256
#define UPLINK_TEXT_MAX (PATH_MAX + 8)
#define UPLINK_SPEC_MAX (PATH_MAX + 96)

enum uplink_kind { UPLINK_NONE, UPLINK_UDP, UPLINK_VDE };

struct uplink {
	enum uplink_kind kind;
	unsigned lport, rport;          /* udp: 1..65535 */
	char host[UPLINK_HOST_MAX];     /* udp: as given, without brackets */
	char vde[PATH_MAX];             /* vde: the switch as given */
};

/* Parses the text form; 0, or -EINVAL with the reason in err. */
int uplink_parse(const char *text, struct uplink *u, char *err, size_t errlen);

/* The text form back ("" for UPLINK_NONE). */
void uplink_format(const struct uplink *u, char *buf, size_t len);

/* A port 1..65535 in decimal: 0 and *port, or -EINVAL. */
int uplink_parse_port(const char *s, unsigned *port);

/*
 * Resolves u into the device spec to open (see above): -ENOENT when a VDE
 * switch path does not exist, -EHOSTUNREACH when HOST does not resolve,
 * with a one-line reason in err. Blocks on the resolver: start-up only.
 */
int uplink_device_spec(const struct uplink *u, char *out, size_t outlen, char *err,
		       size_t errlen);

#endif
