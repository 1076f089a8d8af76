/* SPDX-License-Identifier: MIT */
/*
 * intnet_dir.h - the directory internal networks' switches live in, and who
 * may share it.
 *
 * By default it is $NATD_HOME/run/intnet (mode 0700): an internal network is
 * one user's. NATD_INTNET_DIR names another directory; when that directory
 * is open to its group (rwx for the group, e.g. made with
 * `install -d -m 2770 -g GROUP DIR`), every member of GROUP who points
 * NATD_INTNET_DIR at it shares its networks: the switch accepts the group's
 * processes (SO_PEERCRED) and the files a member needs to join (socket,
 * secret, pid, log) are the group's. Sharing is therefore a decision of the
 * one who made the directory, never a side effect of an option.
 */
#ifndef NATD_INTNET_DIR_H
#define NATD_INTNET_DIR_H

#include <stddef.h>
#include <sys/types.h>

/* dir/NAME.SUFFIX, dir being NATD_INTNET_DIR or home/run/intnet (the
 * directory itself when name is NULL). 0 or -ENAMETOOLONG. */
int intnet_run_path(const char *home, const char *name, const char *suffix, char *out,
		    size_t outlen);

/*
 * Creates dir (0700) when it does not exist and checks that it may be used:
 * not writable by every user; ours (or root's, when we are root), or open
 * to a group we are in. *share_gid is that group when the directory is
 * open to it, (gid_t)-1 when it is private. 0, or -errno with a one-line
 * reason in err.
 */
int intnet_dir_check(const char *dir, gid_t *share_gid, char *err, size_t errlen);

/* Gives the file open as fd to group gid with mode (a shared network's
 * file), unless it is already so. No-op for gid (gid_t)-1. 0 or -errno. */
int intnet_dir_share_fd(int fd, gid_t gid, mode_t mode);

/* The same for the file at path. */
int intnet_dir_share_path(const char *path, gid_t gid, mode_t mode);

#endif
