/* SPDX-License-Identifier: MIT */
/*
 * hostaddr.h - is an address one of this host's? For the settings that
 * bind natd's outgoing host sockets to a source address (--natbindip<x> of
 * `natd run`, --source-ip4 of `natd natnetwork`, the manual's
 * NAT/NAME/SourceIp4), which must name an address the host has.
 */
#ifndef NATD_BASE_HOSTADDR_H
#define NATD_BASE_HOSTADDR_H

#include <netinet/in.h>
#include <stddef.h>

/*
 * 0 when a socket can be bound to a (network byte order) in natd's network
 * namespace, i.e. the host has that address; -EADDRNOTAVAIL with "A is not
 * an address of this host" in err, or another -errno with err.
 */
int hostaddr_check4(struct in_addr a, char *err, size_t errlen);

#endif
