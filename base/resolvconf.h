/* SPDX-License-Identifier: MIT */
/*
 * resolvconf.h - reads the host's resolv.conf: the nameservers, the domain
 * and the search list, for natd's DHCP server (options 6, 15, 119) and its
 * DNS proxy. Pure parsing plus one bounded file read; no allocation.
 *
 * Rules follow glibc's res_init: "nameserver ADDR" (IPv4, or IPv6 with an
 * optional %scope given as an interface name or number); "domain NAME" and
 * "search NAME..." each replace the search list, and whichever comes last
 * wins ("domain" gives a one-entry list); the domain is always the first
 * entry of the resulting list. Other keywords ("options", "sortlist") are
 * ignored. Lines starting with '#' or ';' are comments, and so is the rest
 * of a line from a word starting with one of them. Names longer than
 * RESOLVCONF_NAME_MAX - 1 bytes and entries beyond the limits are skipped.
 */
#ifndef NATD_RESOLVCONF_H
#define NATD_RESOLVCONF_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#define RESOLVCONF_MAX_NS     8
#define RESOLVCONF_MAX_SEARCH 6
#define RESOLVCONF_NAME_MAX   256      /* including the terminating NUL */
#define RESOLVCONF_MAX_BYTES  (64 * 1024)

struct resolvconf {
	/* sockaddr_in / sockaddr_in6 with port 53 (and sin6_scope_id) set */
	struct sockaddr_storage ns[RESOLVCONF_MAX_NS];
	unsigned n_ns;
	char domain[RESOLVCONF_NAME_MAX];  /* "" when none */
	char search[RESOLVCONF_MAX_SEARCH][RESOLVCONF_NAME_MAX];
	unsigned n_search;
};

/* Parses text[0..len) (NUL bytes end a line) into *rc. Returns 0. */
int resolvconf_parse(const char *text, size_t len, struct resolvconf *rc);

/*
 * Reads the first RESOLVCONF_MAX_BYTES of path and parses them. Returns 0 or
 * a negative errno from open/read (*rc is then empty).
 */
int resolvconf_load(const char *path, struct resolvconf *rc);

/* getenv("NATD_RESOLV_CONF") when set and non-empty, else "/etc/resolv.conf". */
const char *resolvconf_path(void);

/*
 * The IPv4 nameservers a guest can use directly, in file order without
 * duplicates: every IPv4 server except 0.0.0.0 and 127.0.0.0/8 (a host-local
 * stub such as systemd-resolved's 127.0.0.53 is unreachable from a guest).
 * When none remain, fallback alone (natd's DNS proxy). Returns how many
 * addresses were written to out (at most max).
 */
unsigned resolvconf_dhcp_nameservers(const struct resolvconf *rc, struct in_addr *out,
				     unsigned max, struct in_addr fallback);

#endif
