/* SPDX-License-Identifier: MIT */
/*
 * natnet_store.h - NAT network definitions (`natd natnetwork`) and their
 * persistence in $NATD_HOME/natd.json, plus each network's DHCP leases in
 * $NATD_HOME/natnet-NAME.leases.json.
 *
 * A definition is what `VBoxManage natnetwork add|modify` sets: name,
 * IPv4 network, enabled, DHCP, IPv6 flags, port-forwarding rules (in the
 * NAT-network syntax, forwarders/pfrule.h) and loopback mappings. The
 * checks here (natnet_def_check, natnet_store_check_def) are the only
 * validation: the CLI, the loader and the service all use them, so a file
 * that loads is a configuration the service can run.
 *
 * natd.json is read whole and rewritten whole: under an exclusive lock on
 * natd.json.lock (so two concurrent `natd natnetwork` commands never lose
 * an update), into natd.json.tmp, fsync, rename over natd.json, fsync of
 * the directory. Keys this module does not know are kept as they were. A
 * file that does not parse, or whose content fails the checks, is an error
 * naming the file and the line (or the entry), and is never rewritten.
 *
 * Addresses of a network N/len (natnet_def_addrs): gateway N+1, host
 * loopback N+2 (the default mapping 127.0.0.1=2, as in VirtualBox), DHCP
 * server N+3, leases from N+4 up to the broadcast address minus one (or up
 * to the lowest loopback mapping above N+3, and at most 65536 addresses).
 */
#ifndef NATD_NATNET_STORE_H
#define NATD_NATNET_STORE_H

#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "forwarders/pfrule.h"
#include "natd/config.h"

#define NATNET_MAX_NETWORKS 64
#define NATNET_MAX_RULES    NATD_MAX_NATPF   /* per family */
#define NATNET_MAX_LOOPBACK NAT_MAX_LOOPBACK
#define NATNET_MAX_LEASES   4096
#define NATNET_STORE_VERSION 1

struct natnet_loopback {
	struct in_addr host;    /* an address in 127.0.0.0/8 */
	uint32_t offset;        /* network + offset reaches host */
};

struct natnet_def {
	char name[NATD_NAME_MAX];
	struct in_addr network; /* network byte order */
	unsigned prefixlen;
	bool enabled;           /* default on */
	bool dhcp;              /* default on */
	bool ipv6;              /* default off */
	bool ipv6_default;      /* default off */
	struct pfrule rules4[NATNET_MAX_RULES];
	unsigned n_rules4;
	struct pfrule rules6[NATNET_MAX_RULES];
	unsigned n_rules6;
	struct natnet_loopback lo4[NATNET_MAX_LOOPBACK];
	unsigned n_lo4;
	uint32_t lo6;           /* --loopback-6: <prefix>::lo6 reaches the host's
				 * ::1 (with --ipv6 on); 0: none (the default) */
};

/* The addresses natd uses in a network (network byte order). */
struct natnet_addrs {
	struct in_addr network, netmask, broadcast;
	struct in_addr gateway;      /* .1 */
	struct in_addr dhcp_server;  /* .3 */
	struct in_addr range_first, range_last; /* leases; first > last: none */
	/* IPv6 (with --ipv6 on): VirtualBox's prefix fd17:625c:f037:XXYY::/64,
	 * XXYY the second and third octets of the IPv4 network; the gateway,
	 * which also proxies DNS, is <prefix>::1 (router fe80::1). */
	struct in6_addr prefix6, gateway6;
};

/* A new definition with VirtualBox's defaults: enabled, DHCP on, IPv6 off,
 * loopback mapping 127.0.0.1=2. */
void natnet_def_init(struct natnet_def *d, const char *name);

void natnet_def_addrs(const struct natnet_def *d, struct natnet_addrs *a);

/*
 * Parses --network: IPv4 "a.b.c.d/len", len 8 to 30, no host bits, a unicast
 * range (not 0/8, 127/8, 224/4 or above). Returns 0 or -EINVAL with err.
 */
int natnet_parse_network(const char *text, struct in_addr *net, unsigned *prefixlen,
			 char *err, size_t errlen);

/* The address --loopback-6 maps to the host's ::1: <prefix>::lo6. */
void natnet_loopback6_addr(const struct natnet_def *d, struct in6_addr *out);

/* Parses --loopback-6 OFFSET (0 means "none"). */
int natnet_parse_loopback6(const char *text, uint32_t *offset, char *err, size_t errlen);

/* Parses --loopback-4 "127.x.y.z=OFFSET" (offset 0 means "remove"). */
int natnet_parse_loopback(const char *text, struct natnet_loopback *lo, char *err,
			  size_t errlen);

/* Formats a rule or a loopback mapping as natd.json and `list` show it. */
int natnet_format_rule(const struct pfrule *r, char *buf, size_t len);
void natnet_format_loopback(const struct natnet_loopback *lo, char *buf, size_t len);
/* "192.168.15.0/24" */
void natnet_format_network(const struct natnet_def *d, char *buf, size_t len);
/* The IPv6 prefix of a NAT network, "fd17:625c:f037:a80f::/64". */
void natnet_format_ipv6_prefix(const struct natnet_def *d, char *buf, size_t len);

/*
 * Checks one definition on its own: network, room for DHCP leases when DHCP
 * is on (/29 or shorter), rules (unique names, no host-port conflict, guest
 * address inside the network and not one of natd's), loopback mappings.
 * Returns 0 or -EINVAL with the reason in err.
 */
int natnet_def_check(const struct natnet_def *d, char *err, size_t errlen);

/* True when two networks share an address. */
bool natnet_overlap(const struct natnet_def *a, const struct natnet_def *b);

/* JSON form of a definition (a new reference) and back; errors name the
 * field ("network: ..."). natnet_def_from_json also runs natnet_def_check. */
json_t *natnet_def_to_json(const struct natnet_def *d);
int natnet_def_from_json(json_t *o, struct natnet_def *d, char *err, size_t errlen);

struct natnet_store {
	char home[PATH_MAX];
	char path[PATH_MAX];        /* home/natd.json */
	int lock_fd;                /* -1 when not locked */
	json_t *root;               /* the file's object, unknown keys kept */
	struct natnet_def *defs;
	size_t n;
};

/*
 * Parses the text of natd.json (path is only for messages). An empty text
 * is an empty store. Returns 0, or -EINVAL with "PATH: line L column C:
 * reason" or "PATH: natnetworks[i] (NAME): field: reason" in err.
 */
int natnet_store_parse(struct natnet_store *st, const char *text, size_t len,
		       const char *path, char *err, size_t errlen);

/*
 * Loads home/natd.json (a missing file is an empty store). With lock, first
 * takes the exclusive lock on home/natd.json.lock (creating home), waiting
 * up to 30 s; natnet_store_release() drops it. Returns 0 or a negative
 * errno with the reason in err.
 */
int natnet_store_load(struct natnet_store *st, const char *home, bool lock,
		      char *err, size_t errlen);

/* Writes the store back atomically (requires the lock). 0 or -errno. */
int natnet_store_save(struct natnet_store *st, char *err, size_t errlen);

/* Frees the store and drops the lock. */
void natnet_store_release(struct natnet_store *st);

/* Index of network name, or -1. */
int natnet_store_find(const struct natnet_store *st, const char *name);

/*
 * Checks d against the other networks of the store (the one with d's name
 * is the one being replaced): networks must not overlap, host ports of
 * port-forwarding rules must not collide. 0 or -EINVAL/-EEXIST with err.
 */
int natnet_store_check_def(const struct natnet_store *st, const struct natnet_def *d,
			   char *err, size_t errlen);

/* Adds d, or replaces the network of the same name. 0 or -ENOMEM/-ENOSPC. */
int natnet_store_put(struct natnet_store *st, const struct natnet_def *d);
/* Removes network name. 0 or -ENOENT. */
int natnet_store_remove(struct natnet_store *st, const char *name);

/* --- leases ---------------------------------------------------------------- */

struct natnet_lease {
	uint8_t mac[6];
	struct in_addr addr;
	char hostname[64];
	int64_t expires;        /* wall clock, seconds since the epoch */
};

/* home/natnet-NAME.leases.json */
int natnet_leases_path(const char *home, const char *name, char *out, size_t outlen);

/*
 * Parses a lease file's text into out[0..max); entries that are malformed,
 * outside d's lease range (d NULL: any address; the DHCP server refuses
 * what is not its own) or already expired at now are skipped. Returns
 * the number kept, or -EINVAL with err when the text is not a lease file.
 */
int natnet_leases_parse(const char *text, size_t len, const struct natnet_def *d,
			time_t now, struct natnet_lease *out, size_t max,
			char *err, size_t errlen);

/* Reads the lease file of network d (a missing file: 0 leases). */
int natnet_leases_load(const char *home, const struct natnet_def *d, time_t now,
		       struct natnet_lease *out, size_t max, char *err, size_t errlen);

/* The same with the lease file's path (a missing file: 0 leases). */
int natnet_leases_read(const char *path, const struct natnet_def *d, time_t now,
		       struct natnet_lease *out, size_t max, char *err, size_t errlen);
/* Writes leases to path atomically, in the same format. 0 or -errno. */
int natnet_leases_write(const char *path, const struct natnet_lease *l, size_t n, char *err,
			size_t errlen);

/* Writes the lease file atomically. 0 or -errno with err. */
int natnet_leases_save(const char *home, const char *name, const struct natnet_lease *l,
		       size_t n, char *err, size_t errlen);

/* mkdir -p with mode 0700. 0 or -errno. */
int natnet_mkdir_p(const char *path);

/*
 * Writes text to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. 0 or -errno with err.
 */
int natnet_write_atomic(const char *path, const char *text, size_t len, char *err,
			size_t errlen);

#endif
