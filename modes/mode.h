/* SPDX-License-Identifier: MIT */
/*
 * mode.h - the mode table: one entry per attachment mode of `natd run`
 * (--nic<x> nat|natnetwork|intnet|null ...), each a small module in
 * modes/ with the same operations. natd/main.c starts, changes, shows and
 * stops every adapter through this table, so the order of start-up and
 * shut-down exists once, and a new mode is one file and one table entry.
 *
 * A mode's state is its own (struct nic for NAT, an l2 link for the modes
 * that join a switch); the table passes it back as void *.
 */
#ifndef NATD_MODES_MODE_H
#define NATD_MODES_MODE_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "modes/adapter.h"

struct device;

/* A switch in another process that an adapter joins (a NAT network's, an
 * internal network's), as natd finds it for the modes. */
struct mode_switch {
	char spec[PATH_MAX + 32];     /* "stream-connect:PATH" */
	uint8_t secret[16];           /* for hello frames (l2/switch.h) */
	bool running;                 /* the switch runs now */
};

/* What every mode is started with, besides its adapter's settings. */
struct mode_env {
	uv_loop_t *loop;
	const char *home;   /* NATD_HOME */
	const char *vm;     /* the VM's name (--name) */
	/*
	 * Finds the switch of the network `name` of mode m (natnetwork: must be
	 * defined and enabled, need not run; intnet: started when it does not
	 * run). 0 and *out, or -errno with a one-line reason in err. natd's top
	 * layer provides it: the modes know no service or file of natd's.
	 */
	int (*find_switch)(enum nic_mode m, const char *home, const char *name,
			   struct mode_switch *out, char *err, size_t errlen);
};

struct mode_ops {
	enum nic_mode mode;
	const char *name;   /* the --nic<x> word */
	const char *help;   /* one line for --help */
	/* Starts adapter x (1..8); cfg outlives it. 0 and *state, or -errno
	 * with a one-line reason in err. */
	int (*start)(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
		     void **state, char *err, size_t errlen);
	/* setlinkstate<x>: cable connected or pulled. */
	void (*set_cable)(void *state, bool connected);
	/* nicpromisc<x> at run time; NULL where the mode has no switch. */
	int (*set_promisc)(void *state, enum nic_promisc p, char *err, size_t errlen);
	/* The transport the VM's frames come and go on (for capture and
	 * shaping done at the transport), or NULL. */
	struct device *(*vm_device)(void *state);
	/* The adapter's showvminfo object (a new reference). */
	json_t *(*info)(void *state, unsigned x, const struct nic_config *cfg);
	/* Closes everything; closed(opaque) once it is all freed. */
	void (*stop)(void *state, void (*closed)(void *opaque), void *opaque);
};

/* The entry of mode m, or NULL when natd does not implement it. */
const struct mode_ops *mode_ops(enum nic_mode m);

/* The entries of mode_ops(), for --help and error messages. */
extern const struct mode_ops *const mode_table[];
extern const size_t mode_table_len;

#endif
