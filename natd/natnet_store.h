/* SPDX-License-Identifier: MIT */
/*
 * natnet_store.h - NAT network definitions (natd/natnet_def.h) in
 * $NATD_HOME/natd.json: their JSON form, loading and saving the file, the
 * checks of one network against the others, and the file helpers natd's
 * other files use too (natnet_mkdir_p, natnet_write_atomic).
 *
 * natd.json is read whole and rewritten whole: under an exclusive lock on
 * natd.json.lock (so two concurrent `natd natnetwork` commands never lose
 * an update), into natd.json.tmp, fsync, rename over natd.json, fsync of
 * the directory. Keys this module does not know are kept as they were. A
 * file that does not parse, or whose content fails the checks, is an error
 * naming the file and the line (or the entry), and is never rewritten.
 */
#ifndef NATD_NATNET_STORE_H
#define NATD_NATNET_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "natd/natnet_def.h"
#include "natd/natnet_json.h"

#define NATNET_MAX_NETWORKS 64
#define NATNET_STORE_VERSION 1

/* A definition's JSON form: natnet_def_to_json(), natnet_def_from_json(). */

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

/*
 * Sets root's member key (not "version" or "natnetworks": natnet_store_save
 * writes those) to value, a reference this takes (NULL: out of memory). A
 * new file gets "version" and "natnetworks" first, so that it reads in that
 * order. 0 or -ENOMEM with err.
 */
int natnet_store_set_key(struct natnet_store *st, const char *key, json_t *value, char *err,
			 size_t errlen);

/* natnet_store_set_key(), then natnet_store_save() (requires the lock): how
 * the other parts of natd.json (VMs, DHCP servers, host-only interfaces,
 * internal networks) write theirs. 0 or -errno with err; nothing written
 * on failure. */
int natnet_store_update_key(struct natnet_store *st, const char *key, json_t *value,
			    char *err, size_t errlen);

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

/* --- file helpers ---------------------------------------------------------- */

/* mkdir -p with mode 0700. 0 or -errno. */
int natnet_mkdir_p(const char *path);

/*
 * A directory only natd's user may use ($NATD_HOME/run: control sockets,
 * switch sockets, pid files, secrets): made 0700 when missing, as
 * natnet_mkdir_p does. One that exists must be a directory of ours (of
 * anyone's when we are root) that no other user may write to; one that
 * others may only read or enter is given mode 0700, as a fresh one has (and
 * the change is logged). 0, or -errno with a one-line reason in err.
 */
int natnet_private_dir(const char *path, char *err, size_t errlen);

/*
 * Writes text to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. 0 or -errno with err.
 */
int natnet_write_atomic(const char *path, const char *text, size_t len, char *err,
			size_t errlen);

#endif
