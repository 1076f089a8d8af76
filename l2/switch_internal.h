/* SPDX-License-Identifier: MIT */
/*
 * switch_internal.h - the parts of the switch (switch.c) that live in
 * files of their own: the delivery decision as a pure function
 * (switch_policy.c; the unit tests drive it): who gets a frame, given each
 * port's kind, promiscuous policy and own addresses, and where the
 * forwarding database has the destination; the listening socket with
 * its access control (switch_listen.c); and the switch's own structures,
 * which the uplink (switch_uplink.c) shares with switch.c.
 */
#ifndef NATD_SWITCH_INTERNAL_H
#define NATD_SWITCH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "base/log.h"
#include "devices/device.h"
#include "devices/inproc.h"
#include "l2/fdb.h"
#include "l2/switch.h"

/* Source addresses a port keeps as its own (most recent first out). */
#define SWITCH_OWN_MACS 8

/* What the decision needs to know of a port. */
struct switch_pview {
	bool live;                 /* a port that may receive frames now */
	bool host;                 /* host port: deny, and pinned is its MAC */
	bool all;                  /* a host port that gets every frame (the host's
				    * interface while it is promiscuous) */
	bool uplink;               /* the uplink: also every unknown unicast */
	enum switch_policy policy; /* VM ports; host ports behave as deny */
	bool pinned;               /* pinned_mac valid: the host port's MAC, the hello's MAC */
	uint8_t pinned_mac[6];
	/* Source addresses learnt on the port; unlike the fdb they do not age,
	 * so a silent VM's flooded frames still reach it under deny. */
	uint8_t own[SWITCH_OWN_MACS][6];
	unsigned n_own, own_next;
};

struct switch_portset {
	uint64_t w[(SWITCH_MAX_PORTS + 63) / 64];
};

static inline bool switch_portset_has(const struct switch_portset *s, unsigned p)
{
	return s->w[p / 64] >> (p % 64) & 1;
}

/* Is mac the port's own (pinned, or learnt on it)? */
bool switch_pview_owns(const struct switch_pview *v, const uint8_t mac[6]);
/* A frame from mac came in on the port: remember it as one of its own. */
void switch_pview_learn(struct switch_pview *v, const uint8_t mac[6]);
/* mac was learnt on another port (it moved): forget it here (not the
 * pinned one). */
void switch_pview_forget(struct switch_pview *v, const uint8_t mac[6]);

/*
 * Who gets a frame for dst that came in on port in (< n), ports being
 * views[0..n-1]; fdb_port is the port the fdb has dst on (-1: unknown).
 * Sets the receiving ports in *out (never in, each at most once) and returns
 * how many; *flooded tells whether normal forwarding flooded the frame
 * (group or unknown destination). Rules:
 *  - group destination: every live port but in;
 *  - unicast: a host port's pinned MAC goes to that port, else to fdb_port;
 *    nowhere more when that is in;
 *  - unknown unicast: flooded, but a host or deny port gets it only when dst
 *    is its own (switch_pview_owns()); the uplink always (other hosts' VMs
 *    are behind it, as behind a trunk of an 802.1D bridge);
 *  - then, known or not, copies to promiscuous VM ports: allow-all always;
 *    allow-vms when neither in nor dst's port (known, or the owner of dst)
 *    is a host port; and to host ports marked `all`.
 */
unsigned switch_decide(const struct switch_pview *views, unsigned n, unsigned in,
		       const uint8_t dst[6], int fdb_port, struct switch_portset *out,
		       bool *flooded);

/* --- the listening socket (switch_listen.c) ------------------------------- */

struct switch_listener {
	const struct switch_config *cfg;   /* the switch's own copy */
	int fd;
	uv_poll_t poll;
	bool poll_init;
	bool created;                      /* the socket file is ours: */
	dev_t dev;                         /* ... this one */
	ino_t ino;
	/* A peer passed the check: fd (non-blocking, close-on-exec) is now the
	 * callee's. */
	void (*accepted)(void *opaque, int fd, const struct ucred *uc);
	void *opaque;
	uint64_t refused;                  /* peers refused for their credentials */
	struct log_ratelimit rl;
};

/*
 * Creates cfg->sock_path (mode and group from cfg; a file there is
 * replaced) and starts accepting. 0, or a negative errno with err; on
 * failure the caller still calls switch_listener_stop().
 */
int switch_listener_start(struct switch_listener *l, uv_loop_t *loop,
			  const struct switch_config *cfg,
			  void (*accepted)(void *opaque, int fd, const struct ucred *uc),
			  void *opaque, char *err, size_t errlen);

/* Stops accepting, closes the socket and removes its file (when still
 * ours). Returns true when closed(&l->poll) will be called from the loop. */
bool switch_listener_stop(struct switch_listener *l, uv_close_cb closed);

/* --- the switch itself (switch.c; switch_uplink.c and switch_hostif.c use it) */

#define SWITCH_DEFER_SLOTS 32
#define SWITCH_DEFER_FRAME 2048 /* host ports' MTU is 1500 */

struct switch_port {
	struct eth_switch *sw;
	unsigned idx;
	bool host;                   /* a host port is registered in this slot */
	bool uplink;                 /* the uplink's device is in this slot */
	struct device *dev;          /* VM port, uplink or host interface; NULL when free
				      * or closing */
	struct inproc_endpoint *ep;  /* host port */
	char ep_name[INPROC_NAME_MAX];
	bool up;                     /* VM connected; host port's adapter attached */
	bool closing;                /* device_close() called, close callback pending */
	bool batch;                  /* host: frames given since its last batch_end */
	bool hostif;                 /* dev is the host's interface (switch_hostif.c) */
	unsigned gen;                /* bumped whenever the slot changes hands */
	struct switch_port_info info;
};

struct switch_deferred {
	unsigned port, gen;
	uint32_t from;               /* the sending port's tag */
	size_t len;
};

struct eth_switch {
	uv_loop_t *loop;
	struct switch_config cfg;    /* sock_path and name: our copies */
	char *path, *name;
	struct switch_listener lst;
	struct fdb *fdb;
	struct switch_port ports[SWITCH_MAX_PORTS];
	struct switch_pview views[SWITCH_MAX_PORTS];
	unsigned hi;                 /* ports in use are below hi */
	bool host_batch;             /* some host port's batch is set */
	/* Frames from a host port to another, delivered from `idle`. */
	uv_idle_t idle;
	bool idle_init;
	unsigned defer_head, defer_n;
	struct switch_deferred defer[SWITCH_DEFER_SLOTS];
	uint8_t defer_data[SWITCH_DEFER_SLOTS][SWITCH_DEFER_FRAME];
	void (*observer)(void *opaque, const struct switch_port_info *p, bool gone);
	void *observer_opaque;
	struct switch_stats st;
	int uplink;                  /* its slot, or -1 */
	char *uplink_spec;
	unsigned pending;            /* handles and devices still closing */
	bool closing;
	void (*closed)(void *opaque);
	void *closed_opaque;
	struct log_ratelimit rl;
};

/* A slot is taken or given back: recomputes hi. */
void switch_update_hi(struct eth_switch *sw);
/* The lowest slot neither in use nor closing, or NULL. */
struct switch_port *switch_port_free_slot(struct eth_switch *sw);
/* A slot changes hands: fresh info and view, nothing learnt. */
void switch_port_reset(struct switch_port *pt, bool host);
/* The device handler's callbacks of a device port (VM, uplink, host interface). */
void switch_port_frame(void *opaque, const uint8_t *frame, size_t len);
void switch_port_batch_end(void *opaque);
void switch_port_link(void *opaque, bool up);
/* Closes a device port's device (two-phase; the slot is free after). */
void switch_port_close(struct switch_port *pt);
/* Tells the port observer (switch_set_port_observer) about pt. */
void switch_notify(struct eth_switch *sw, const struct switch_port *pt, bool gone);

#endif
