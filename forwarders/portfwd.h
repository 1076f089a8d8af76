/* SPDX-License-Identifier: MIT */
/*
 * portfwd.h - port forwarding: host sockets for the rules of each NAT
 * adapter (`--natpf<x>`, `controlvm natpf<x>`), connections and datagrams
 * they receive carried into the guest with the client's own address as
 * source (see portfwd.c).
 *
 * A rule is visible (listed, counted) only once its host socket is bound:
 * portfwd_add() either binds and adds it, or changes nothing.
 */
#ifndef NATD_PORTFWD_H
#define NATD_PORTFWD_H

#include <stddef.h>
#include <stdint.h>

#include "forwarders/pfrule.h"

struct nic;

struct portfwd_info {
	const struct pfrule *rule;
	char bound[64];            /* the host socket's address, "[::]:8080" */
	uint64_t accepted;         /* TCP connections / UDP datagrams taken */
	uint64_t refused;          /* no guest address, flow table full, ... */
};

/*
 * Adds rule r to adapter nic (a NAT adapter, after nat_init()): checks it
 * against the adapter's rules (unique name, host address and port not taken;
 * an empty name gets a generated one, written back into r), the privileged
 * port rule, then binds its host socket. Returns 0, or a negative errno with
 * a one-line reason in err; on failure nothing changed.
 */
int portfwd_add(struct nic *nic, struct pfrule *r, char *err, size_t errlen);

/*
 * Deletes the rule called name: its host socket is closed at once (new
 * connections are refused); TCP connections already forwarded go on until
 * they end; the rule's UDP flows end. Returns 0 or -ENOENT with err.
 */
int portfwd_delete(struct nic *nic, const char *name, char *err, size_t errlen);

/* Calls fn for each rule of nic in the order they were added; stops when fn
 * returns non-zero and returns that. */
int portfwd_foreach(const struct nic *nic,
		    int (*fn)(void *opaque, const struct portfwd_info *info), void *opaque);

#endif
