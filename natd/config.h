/* SPDX-License-Identifier: MIT */
/*
 * config.h - the options of `natd run`, parsed and validated.
 *
 * The vocabulary is VBoxManage modifyvm's (INTERFACE.md): per-NIC options end
 * in the adapter number 1..8. config_parse_run() fills a natd_config from
 * argv without side effects; config_finish() applies defaults, derives the
 * addresses of each NIC and rejects combinations natd cannot honour, so that
 * `natd run` either starts with everything it was asked for or not at all.
 */
#ifndef NATD_CONFIG_H
#define NATD_CONFIG_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forwarders/pfrule.h"

#define NATD_MAX_NICS      8
#define NATD_MAX_NATPF     64
#define NATD_MAX_PROPS     8
#define NATD_NAME_MAX      64
#define NATD_MAX_LOOPBACK  4

enum nic_mode {
	NIC_MODE_NONE = 0,  /* no such adapter */
	NIC_MODE_NULL,      /* not attached: cable pulled */
	NIC_MODE_NAT,
	NIC_MODE_NATNETWORK,
	NIC_MODE_BRIDGED,
	NIC_MODE_INTNET,
	NIC_MODE_HOSTONLY,
	NIC_MODE_GENERIC,
	NIC_MODE_COUNT
};

enum nic_type {
	NIC_TYPE_AM79C970A, NIC_TYPE_AM79C973, NIC_TYPE_82540EM, NIC_TYPE_82543GC,
	NIC_TYPE_82545EM, NIC_TYPE_VIRTIO, NIC_TYPE_COUNT
};

enum nic_promisc { NIC_PROMISC_DENY, NIC_PROMISC_ALLOW_VMS, NIC_PROMISC_ALLOW_ALL,
		   NIC_PROMISC_COUNT };

/* Tri-state for on|off options whose default depends on the host. */
enum tristate { TRI_DEFAULT = -1, TRI_OFF = 0, TRI_ON = 1 };

struct nic_config {
	enum nic_mode mode;
	bool configured;              /* any option named this adapter */
	char attach[PATH_MAX + 32];   /* "" until config_finish() gives the default */

	/* NAT. Addresses in network byte order. */
	bool natnet_set;
	struct in_addr network, netmask;
	unsigned prefixlen;
	struct in_addr gateway, dns, tftp, guest_first, guest_last, broadcast;
	/* IPv6 (when ipv6): the /64 fd17:625c:f037:<third octet of network>::,
	 * its ::2 (gateway) and ::3 (DNS proxy); the router's link-local is
	 * fe80::2. On for every adapter of `natd run`. */
	bool ipv6;
	struct in6_addr prefix6, gateway6, dns6;
	struct pfrule natpf[NATD_MAX_NATPF]; /* parsed; empty names already generated */
	unsigned n_natpf;
	char tftp_prefix[PATH_MAX];   /* TFTP root; config_finish: $NATD_HOME/TFTP */
	char tftp_file[256];          /* boot file; config_finish: VM.pxe */
	bool tftp_prefix_set, tftp_file_set; /* given on the command line */
	bool tftp_server_set;
	struct in_addr tftp_server;   /* DHCP next-server; config_finish: .4 */
	bool dns_proxy;               /* default on */
	bool dns_host_resolver;       /* default off */
	bool bind_ip_set;
	struct in_addr bind_ip;
	bool localhost_reachable;     /* default off */
	enum tristate ipv6_default;
	unsigned mtu;                 /* 1500 unless --natsettings */
	unsigned sock_snd, sock_rcv, tcp_snd, tcp_rcv; /* KiB, 0 = default */
	/* Set only by the NAT-network service (natd/natnet_service.c). */
	struct in_addr dhcp_server;   /* DHCP server identifier; 0: the gateway */
	bool dhcp_disabled;           /* --dhcp off: requests are ignored */
	struct in_addr loopback_net[NATD_MAX_LOOPBACK];  /* --loopback-4: these */
	struct in_addr loopback_host[NATD_MAX_LOOPBACK]; /* reach these on the host */
	unsigned n_loopback;
	bool loopback6_set;           /* --loopback-6: this prefix address */
	struct in6_addr loopback6;    /* reaches the host's ::1 */

	/* Other modes. */
	char nat_network[NATD_NAME_MAX];
	char intnet[NATD_NAME_MAX];
	char bridge_adapter[NATD_NAME_MAX];
	char hostonly_adapter[NATD_NAME_MAX];
	char generic_drv[32];
	char *props[NATD_MAX_PROPS];
	unsigned n_props;

	/* The adapter itself. */
	enum nic_type type;
	bool cable_connected;         /* default on */
	bool mac_set;
	uint8_t mac[6];
	enum nic_promisc promisc;
	bool promisc_set;             /* --nicpromisc<x> given */
	bool trace;
	char trace_file[PATH_MAX];
	char bandwidth_group[NATD_NAME_MAX];
};

struct natd_config {
	char name[NATD_NAME_MAX];
	char home[PATH_MAX];          /* NATD_HOME */
	int verbosity;                /* 0 normal, 1 -v, 2 -vv; -1 -q */
	unsigned max_flows[3];        /* TCP, UDP, ICMP flows per VM */
	unsigned udp_timeout;         /* seconds a UDP flow may stay idle */
	struct nic_config nic[NATD_MAX_NICS]; /* nic[0] is adapter 1 */
};

/* Defaults for every field; home from the environment (config_default_home). */
void config_init(struct natd_config *cfg);

/*
 * Parses the arguments of `natd run` (argv[0] is "run"). Returns 0, 1 when
 * --help was asked for (nothing else done), or -EINVAL with a one-line
 * message naming the option in err.
 */
/* A VM or NAT-network name: 1 to NATD_NAME_MAX-1 of [A-Za-z0-9._-], not
 * starting with '.' or '-' (names become file names under $NATD_HOME/run). */
bool config_name_valid(const char *s);

int config_parse_run(struct natd_config *cfg, int argc, char **argv,
		     char *err, size_t errlen);

/*
 * Applies defaults (with no NIC named: NIC 1 NAT on stream:HOME/run/NAME.sock),
 * derives addresses, checks consistency and refuses what is not supported yet.
 * Returns 0 or -EINVAL with the reason in err.
 */
int config_finish(struct natd_config *cfg, char *err, size_t errlen);

void config_free(struct natd_config *cfg);

/* $NATD_HOME, else $XDG_STATE_HOME/natd, else /var/lib/natd as root, else
 * ~/.local/state/natd. */
void config_default_home(char *out, size_t outlen);

/* Parses "a.b.c.d/len". Returns 0 or -EINVAL. */
int config_parse_cidr(const char *s, struct in_addr *net, unsigned *prefixlen);
/* Parses "aa:bb:cc:dd:ee:ff", "aa-bb-..." or VirtualBox's "AABBCCDDEEFF". */
int config_parse_mac(const char *s, uint8_t mac[6]);

const char *config_mode_name(enum nic_mode m);
const char *config_promisc_name(enum nic_promisc p);
/* "deny", "allow-vms", "allow-all". 0 or -EINVAL. */
int config_parse_promisc(const char *s, enum nic_promisc *out);
/* The adapter number of a per-NIC option or controlvm subcommand: exactly
 * one digit 1..NATD_MAX_NICS ("1"; not "01", "9" or "4294967297"). */
int config_parse_adapter(const char *s, unsigned *x);
const char *config_nic_type_name(enum nic_type t);
/* QEMU's -device model for a NIC type (e.g. "e1000" for 82540EM). */
const char *config_nic_type_qemu_model(enum nic_type t);

/* The text of `natd run --help`. */
extern const char config_run_help[];

#endif
