/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_store.h - DHCP server definitions for internal networks and
 * host-only interfaces (`natd dhcpserver`, VBoxManage dhcpserver's words),
 * their place in $NATD_HOME/natd.json and their lease files.
 *
 * A definition belongs to one network, named as VirtualBox names it: an
 * internal network's own name (kind network), or "HostInterfaceNetworking-IF"
 * for host-only interface IF (kind interface). It holds the server's
 * address, the netmask, the dynamic range, whether it is enabled, the lease
 * time, DHCP options set by the user (kept as given, encoded by the engine's
 * encoder dhcp_opt_from_text/_hex so a value that does not encode is refused
 * when it is set), reservations by MAC address and reservations by VM and
 * NIC number. dhcpsrv_def_check() is the only validation: the CLI and the
 * loader use it, so a file that loads is a configuration the engine takes.
 *
 * natd.json is the file of natd/natnet_store.h, loaded and saved with it
 * (under its lock, atomically, unknown keys kept); these definitions are its
 * top-level key "dhcpservers", a list of objects:
 *   { "network": "lab", "kind": "network",
 *     "server_ip": "10.9.0.1", "netmask": "255.255.255.0",
 *     "lower_ip": "10.9.0.10", "upper_ip": "10.9.0.50",
 *     "enabled": true, "lease_time": 86400,
 *     "options": [ { "code": 6, "text": "10.9.0.1" }, { "code": 43, "hex": "0102" } ],
 *     "fixed": [ { "mac": "08:00:27:00:00:01", "ip": "10.9.0.7" } ],
 *     "vm_fixed": [ { "vm": "vm1", "nic": 1, "ip": "10.9.0.8" } ] }
 * with "kind": "interface" and "interface": "vboxnet0" (after "kind") for a
 * host-only interface's server, whose "network" is then
 * "HostInterfaceNetworking-vboxnet0".
 *
 * Leases live in a file per server (natd/dhcpsrv_leases.h). The network's
 * daemon (the switch of the internal network or host-only interface) runs
 * the server and listens on $NATD_HOME/run/intnet/NAME.ctl or
 * $NATD_HOME/run/hostonly/IF.ctl (dhcpsrv_ctl_path).
 */
#ifndef NATD_DHCPSRV_STORE_H
#define NATD_DHCPSRV_STORE_H

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"
#include "natd/config.h"
#include "natd/natnet_store.h"

#define DHCPSRV_MAX_SERVERS   64
#define DHCPSRV_OPT_TEXT_MAX  1024     /* an option's value as given */
#define DHCPSRV_DEFAULT_LEASE 86400
#define DHCPSRV_HOSTONLY_PREFIX "HostInterfaceNetworking-"
#define DHCPSRV_IFNAME_MAX    16       /* IFNAMSIZ */

enum dhcpsrv_kind {
	DHCPSRV_KIND_NETWORK,    /* an internal network */
	DHCPSRV_KIND_INTERFACE,  /* a host-only interface */
};

/* An option set with --set-opt (text) or --set-opt-hex (hex). */
struct dhcpsrv_option {
	uint8_t code;
	bool hex;
	char value[DHCPSRV_OPT_TEXT_MAX];
	struct dhcp_opt enc;     /* the engine's encoding of value */
};

/* --vm VM --nic N --fixed-address IP: the daemon learns the NIC's MAC when
 * the VM joins (dhcpsrv_config_add_vm). */
struct dhcpsrv_vm_fixed {
	char vm[NATD_NAME_MAX];
	unsigned nic;            /* 1 .. NATD_MAX_NICS */
	struct in_addr addr;
};

struct dhcpsrv_def {
	char network[NATD_NAME_MAX];    /* NAME, or HostInterfaceNetworking-IF */
	enum dhcpsrv_kind kind;
	char interface[DHCPSRV_IFNAME_MAX]; /* kind interface: IF; else "" */
	struct in_addr server_ip, netmask, lower_ip, upper_ip; /* network order */
	bool enabled;                   /* default on */
	uint32_t lease_time;            /* seconds, default 86400 */
	struct dhcpsrv_option opts[DHCP_MAX_OPTS];
	unsigned n_opts;
	struct dhcp_fixed fixed[DHCP_MAX_FIXED];
	unsigned n_fixed;
	struct dhcpsrv_vm_fixed vm_fixed[DHCP_MAX_FIXED];
	unsigned n_vm_fixed;            /* n_fixed + n_vm_fixed <= DHCP_MAX_FIXED */
};

/*
 * A new definition for internal network name (kind network) or host-only
 * interface name (kind interface), enabled, lease time 86400, no addresses
 * yet. 0, or -EINVAL with err when the name is not valid (config_name_valid;
 * an interface name is also shorter than 16 bytes).
 */
int dhcpsrv_def_init(struct dhcpsrv_def *d, enum dhcpsrv_kind kind, const char *name,
		     char *err, size_t errlen);

/* "HostInterfaceNetworking-IF" -> IF; NULL for any other network name. */
const char *dhcpsrv_hostonly_ifname(const char *network);

/*
 * Checks a whole definition: name; netmask contiguous, /1 to /30; a unicast
 * subnet (not 0/8, 127/8, 224/4 and above); server IP, lower and upper IP
 * inside the subnet and not its network or broadcast address; lower <=
 * upper; server IP outside [lower, upper]; lease time; options (settable,
 * unique codes, encoded; option 3 one router, option 6 at most DHCP_MAX_DNS
 * servers); reservations inside the subnet, not network, broadcast or the
 * server IP, no address twice, no MAC twice, no VM NIC twice, at most
 * DHCP_MAX_FIXED in all. 0 or -EINVAL with the reason in err.
 */
int dhcpsrv_def_check(const struct dhcpsrv_def *d, char *err, size_t errlen);

/* Parses a dotted-quad IPv4 address (nothing else). 0 or -EINVAL. */
int dhcpsrv_parse_ip(const char *text, struct in_addr *out);

/*
 * Sets option code from value (text, or hex when hex), replacing an option
 * of the same code. 0; -EINVAL (not settable, does not encode) or -ENOSPC
 * (DHCP_MAX_OPTS) with err.
 */
int dhcpsrv_option_set(struct dhcpsrv_def *d, uint8_t code, const char *value, bool hex,
		       char *err, size_t errlen);
/* Removes option code. 0 or -ENOENT. */
int dhcpsrv_option_unset(struct dhcpsrv_def *d, uint8_t code);

/* Reserves addr for mac (replacing mac's reservation). 0 or -ENOSPC. */
int dhcpsrv_fixed_set(struct dhcpsrv_def *d, const uint8_t mac[6], struct in_addr addr);
/* Reserves addr for NIC nic of VM vm (replacing it). 0 or -ENOSPC. */
int dhcpsrv_vm_fixed_set(struct dhcpsrv_def *d, const char *vm, unsigned nic,
			 struct in_addr addr);
/* Drops a reservation. 0 or -ENOENT. */
int dhcpsrv_fixed_remove(struct dhcpsrv_def *d, const uint8_t mac[6]);
int dhcpsrv_vm_fixed_remove(struct dhcpsrv_def *d, const char *vm, unsigned nic);
/* Index of the reservation of VM vm's NIC nic, or -1. */
int dhcpsrv_vm_fixed_find(const struct dhcpsrv_def *d, const char *vm, unsigned nic);

/* "08:00:27:aa:bb:cc" (buf of at least 18 bytes). */
void dhcpsrv_format_mac(const uint8_t mac[6], char *buf, size_t len);

/*
 * The engine's configuration for d: network and netmask, server_id = server
 * IP, range = [lower, upper], lease time; router only when option 3 is set,
 * DNS only when option 6 is set; every other option in opts[]; the MAC
 * reservations in fixed[]. Reservations by VM are not included: the daemon
 * adds them as VMs join (dhcpsrv_config_add_vm). out is overwritten.
 * 0 or -EINVAL with err (d does not pass dhcpsrv_def_check).
 */
int dhcpsrv_def_to_config(const struct dhcpsrv_def *d, struct dhcp_server_config *out,
			  char *err, size_t errlen);

/*
 * For the network's daemon: when NIC nic of VM vm joins with mac, adds its
 * reservation (if d has one) to cfg->fixed. Returns 1 when added, 0 when
 * the NIC has no reservation, -EEXIST when mac already has a different
 * reservation in cfg, -ENOSPC when cfg->fixed is full.
 */
int dhcpsrv_config_add_vm(const struct dhcpsrv_def *d, struct dhcp_server_config *cfg,
			  const char *vm, unsigned nic, const uint8_t mac[6]);

/* JSON form of a definition (a new reference) and back; errors name the
 * field ("lower_ip: ..."). dhcpsrv_def_from_json also runs the check. */
json_t *dhcpsrv_def_to_json(const struct dhcpsrv_def *d);
int dhcpsrv_def_from_json(json_t *o, struct dhcpsrv_def *d, char *err, size_t errlen);

/* --- the definitions in natd.json ------------------------------------------ */

struct dhcpsrv_store {
	struct dhcpsrv_def *defs;    /* heap; n entries */
	size_t n;
};

/*
 * Reads root's "dhcpservers" (missing: none) into ds (emptied first); path
 * is only for messages: "PATH: dhcpservers[i] (NAME): field: reason".
 * 0 or -EINVAL/-ENOMEM with err.
 */
int dhcpsrv_store_parse(struct dhcpsrv_store *ds, json_t *root, const char *path,
			char *err, size_t errlen);

/*
 * natnet_store_load() (with lock: under natd.json's lock, for a change)
 * followed by dhcpsrv_store_parse() of the same file. On failure nothing is
 * held. 0 or -errno with err.
 */
int dhcpsrv_store_load(struct natnet_store *st, struct dhcpsrv_store *ds, const char *home,
		       bool lock, char *err, size_t errlen);

/* Puts ds into st->root's "dhcpservers" and natnet_store_save()s. */
int dhcpsrv_store_save(struct natnet_store *st, const struct dhcpsrv_store *ds, char *err,
		       size_t errlen);

/* Frees ds's definitions (and st, when not NULL: natnet_store_release). */
void dhcpsrv_store_release(struct natnet_store *st, struct dhcpsrv_store *ds);

/* Index of the server of network (its VirtualBox network name), or -1. */
int dhcpsrv_store_find(const struct dhcpsrv_store *ds, const char *network);

/* Adds d or replaces the server of the same network. 0, -ENOMEM, -ENOSPC. */
int dhcpsrv_store_put(struct dhcpsrv_store *ds, const struct dhcpsrv_def *d);
/* Removes the server of network. 0 or -ENOENT. */
int dhcpsrv_store_remove(struct dhcpsrv_store *ds, const char *network);

/* --- the daemon ------------------------------------------------------------------ */

/* home/run/intnet/NAME.ctl or home/run/hostonly/IF.ctl. 0 or -ENAMETOOLONG. */
int dhcpsrv_ctl_path(const char *home, const struct dhcpsrv_def *d, char *out, size_t outlen);

#endif
