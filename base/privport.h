/* SPDX-License-Identifier: MIT */
/*
 * privport.h - may this process bind a low port? Linux lets only holders of
 * CAP_NET_BIND_SERVICE bind ports below net.ipv4.ip_unprivileged_port_start
 * (1024 unless changed). Port forwards (forwarders/pfrule.c) and the UDP
 * tunnel's source port (l2/uplink.c) check it before they start, so that
 * natd refuses with the reason rather than fail later with EACCES.
 */
#ifndef NATD_BASE_PRIVPORT_H
#define NATD_BASE_PRIVPORT_H

#include <stdbool.h>

/* /proc/sys/net/ipv4/ip_unprivileged_port_start, 1024 when unreadable. */
unsigned privport_start(void);

/* True when this process has CAP_NET_BIND_SERVICE in its effective set (or,
 * when capget() fails, runs as root). */
bool privport_may_bind(void);

/* True when port may be bound: at or above the start, or the capability. */
bool privport_allowed(unsigned port);

#endif
