/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_def.h - a DHCP server definition for an internal network or a
 * host-only interface (`natd dhcpserver`, VBoxManage dhcpserver's words) in
 * memory: its checks, its editing, and the engine configuration built
 * from it. Its place in natd.json is natd/dhcpsrv_store.h.
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
 */
#ifndef NATD_DHCPSRV_DEF_H
#define NATD_DHCPSRV_DEF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_server.h"
#include "natd/config.h"

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

#endif
