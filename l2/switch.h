/* SPDX-License-Identifier: MIT */
/*
 * switch.h - the Ethernet switch of every natd network (NAT networks,
 * internal networks, host-only interfaces, later bridged): a learning bridge
 * whose ports are VMs and "host ports", natd's own in-process adapters (a
 * NAT network's gateway, an internal network's DHCP server), and at most one
 * host interface (a host-only interface's tap, switch_add_hostif()).
 *
 * VMs attach by connecting to a UNIX stream socket (QEMU's "-netdev stream"
 * framing: 4-byte big-endian length, then the frame): QEMU itself
 * (server=off) or a natd l2 link (l2/link.h) relaying a VM's transport. Each
 * connection is one port; only the owner's uid, root and (when shared) one
 * group may connect (SO_PEERCRED). A host port is an in-process endpoint
 * (devices/inproc.h) an adapter opens as "inproc:NAME".
 *
 * Forwarding (IEEE 802.1D): source addresses are learnt per port and age
 * out after 300 s (l2/fdb.h); broadcast and multicast go to every other
 * port; a unicast frame goes to the port its destination was learnt on (a
 * host port's own MAC: always to that host port), and is flooded when
 * unknown, but only to ports whose promiscuous policy allows it or that own
 * the address (see switch_policy.c). A port whose output is full drops the
 * frame, as a switch does.
 *
 * Hello frames (l2/switch_hello.h): a natd link introduces its port (VM
 * name, adapter, MAC, promiscuous policy) with a hello carrying the
 * switch's secret; the switch consumes every hello, applies the valid ones
 * and drops the rest. A port that never sent a valid hello (QEMU connected
 * directly) has policy deny.
 */
#ifndef NATD_SWITCH_H
#define NATD_SWITCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "devices/device.h"
#include "l2/switch_hello.h"

#define SWITCH_MAX_PORTS 128       /* host and VM ports together */
#define SWITCH_FRAME_MAX (65535 + 14)

struct eth_switch;

struct switch_config {
	const char *sock_path;   /* listening socket; mode 0600, or 0660 (group
				  * share_gid) when share_gid != (gid_t)-1 */
	const char *name;        /* for log lines, e.g. "NAT network natnet1" */
	uint8_t secret[SWITCH_SECRET_LEN]; /* hello frames must carry it */
	uid_t owner_uid;         /* peers (SO_PEERCRED) of this uid or root are accepted */
	gid_t share_gid;         /* (gid_t)-1: nobody else; else also peers in this
				  * group (primary or supplementary) */
	uint32_t fdb_age_ms;     /* learnt addresses' aging; 0: 300 s (802.1D) */
};

struct switch_stats {
	unsigned ports;            /* VM ports connected now (host ports, the host
				    * interface and the uplink not counted) */
	unsigned host_ports;       /* host ports registered now (the host interface too) */
	unsigned fdb_entries;      /* learnt addresses */
	uint64_t connects;         /* VM connections accepted so far */
	uint64_t refused;          /* connections refused (credentials, no free port) */
	uint64_t frames;           /* frames switched */
	uint64_t flooded;          /* of which flooded (group or unknown destination) */
	uint64_t dropped;          /* bad frames, bad hellos, full or absent ports */
	uint64_t hellos;           /* valid hellos applied */
	uint64_t bad_hellos;       /* hellos dropped: malformed, wrong secret */
};

/*
 * Listens on cfg->sock_path (an existing file is replaced: the caller makes
 * sure no other switch owns it); with share_gid set, the socket's group is
 * share_gid (we must be in it). cfg's strings are copied. Returns 0 and
 * *out, or a negative errno with a one-line reason in err. The switch has no
 * port until a VM connects or a host port is added.
 */
int switch_start(uv_loop_t *loop, const struct switch_config *cfg, struct eth_switch **out,
		 char *err, size_t errlen);

/*
 * A host port: an in-process endpoint (devices/inproc.h) registered under
 * inproc_name, whose own address is mac. It receives frames for its MAC
 * (always, whatever was learnt) and group frames, never a promiscuous copy,
 * and counts as "host" for the policies. Takes the lowest free port number
 * (port 0 for the first one added before any VM connects). Returns 0, or
 * -EEXIST (name in use, or another host port has mac), -EINVAL (group MAC,
 * bad name), -ENOSPC (no free port), -ENOMEM, with a reason in err.
 */
int switch_add_host_port(struct eth_switch *sw, const char *inproc_name, const uint8_t mac[6],
			 char *err, size_t errlen);
/* Unregisters it (its adapter sees its link go down); nothing if unknown. */
void switch_remove_host_port(struct eth_switch *sw, const char *inproc_name);

/*
 * The host's own interface as a port (switch_hostif.c): the switch opens
 * spec (devices/device.h; a host-only interface's "tap:vboxnetN") itself,
 * without offloads (frames cross the switch as they are, to VM ports that
 * take plain frames). The port is the host for the promiscuous policies
 * (allow-vms VMs do not see its traffic), its hellos are dropped, and it
 * receives frames for mac (its own address, whatever a VM claims) and
 * group frames; with promisc, every frame (the interface is promiscuous:
 * a packet capture on the host sees the VMs' traffic, as on VirtualBox's
 * host-only interfaces). At most one per switch; it stays until
 * switch_close(). 0, or -EEXIST (there is one), -ENOSPC, or the device's
 * error, with a reason in err.
 */
int switch_add_hostif(struct eth_switch *sw, const char *spec, const uint8_t mac[6],
		      bool promisc, char *err, size_t errlen);
/* The host interface's address and promiscuous mode changed. */
void switch_set_hostif(struct eth_switch *sw, const uint8_t mac[6], bool promisc);

struct switch_port_info {
	unsigned idx;             /* port number */
	bool host;                /* host port (in-process, or the host interface) */
	bool hostif;              /* the host interface (switch_add_hostif) */
	bool uplink;              /* the uplink (switch_set_uplink()) */
	char vm[64];              /* from the hello; "" if none (e.g. QEMU connected directly) */
	unsigned adapter;         /* from the hello; 0 if none */
	uint8_t mac[6];           /* from the hello, else the first MAC learnt on the port,
				   * else zero; a host port's own MAC */
	bool mac_known;
	enum switch_policy policy;
	pid_t pid;                /* SO_PEERCRED of the connection (host ports: our own) */
	uid_t uid;
	uint64_t rx_frames;       /* frames from the port taken into the switch (hellos too) */
	uint64_t tx_frames;       /* frames sent to the port */
	uint64_t rx_dropped;      /* from the port: runt, oversize, group source, bad
				   * hello, bad framing (its transport's rx_errors) */
	uint64_t tx_dropped;      /* to the port: its output full, adapter absent */
};

/* Calls fn for every live port (host ports while registered, VM ports while
 * connected) in port order; stops when fn returns non-zero and returns that
 * value, else 0. */
int switch_foreach_port(const struct eth_switch *sw,
			int (*fn)(void *opaque, const struct switch_port_info *p), void *opaque);

/*
 * cb is told when a port appears (a VM connects, a host port is added),
 * changes (a valid hello) or goes away (gone=true: the VM left, the host port
 * was removed); not during switch_close(). May be NULL. cb runs inside
 * the switch (from forwarding for a hello): it must not close the switch
 * nor add or remove ports.
 */
void switch_set_port_observer(struct eth_switch *sw,
			      void (*cb)(void *opaque, const struct switch_port_info *p, bool gone),
			      void *opaque);

void switch_get_stats(const struct eth_switch *sw, struct switch_stats *st);

/* Closes every port and the listener, removes the socket file, frees sw,
 * then calls closed(opaque) (may be NULL). */
void switch_close(struct eth_switch *sw, void (*closed)(void *opaque), void *opaque);

/*
 * The uplink (l2/uplink.h): a port whose device is opened from spec (a
 * "dgram:" UDP tunnel or "vde:" switch, devices/device.h), through which
 * the network reaches VMs on other hosts. Frames from it are switched like
 * any port's; it gets group frames and every unicast frame whose
 * destination was not learnt elsewhere (as a trunk of an 802.1D bridge),
 * never promiscuous copies. While its device is down (a VDE switch gone)
 * nothing is sent to it and what was learnt on it is forgotten. One per
 * switch: a new spec replaces the old one (closed first, so that the new
 * one may bind the same UDP port; when the new one cannot open, the old one
 * is opened again and the error returned); NULL removes it.
 * 0, or -errno with a one-line reason in err.
 */
int switch_set_uplink(struct eth_switch *sw, const char *spec, char *err, size_t errlen);

struct switch_uplink_info {
	bool present, up;
	char spec[PATH_MAX + 96];
	struct switch_port_info port;     /* frames switched to and from it */
	struct device_stats dev;          /* its device's counters */
	struct device_peer peers[DEVICE_MAX_PEERS];
	unsigned n_peers;
};
void switch_get_uplink(const struct eth_switch *sw, struct switch_uplink_info *out);

/* --- access control (switch_policy.c) ------------------------------------- */

/* May a peer with these credentials (SO_PEERCRED uid and gid, and its
 * supplementary groups, n of them; groups may be NULL when n is 0) attach?
 * uid 0 and cfg->owner_uid always; with cfg->share_gid set, also members of
 * that group. */
bool switch_peer_allowed(const struct switch_config *cfg, uid_t uid, gid_t gid,
			 const gid_t *groups, size_t n);

#endif
