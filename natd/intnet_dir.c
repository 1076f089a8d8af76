/* SPDX-License-Identifier: MIT */
/*
 * intnet_dir.c - where internal networks' switch files live, and whether a
 * group shares them (see intnet_dir.h).
 */
#include "natd/intnet_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/config.h"
#include "natd/natnet_store.h"

int intnet_run_path(const char *home, const char *name, const char *suffix, char *out,
		    size_t outlen)
{
	const char *dir = getenv("NATD_INTNET_DIR");
	int n;

	if ((name && strlen(name) >= NATD_NAME_MAX) || (suffix && strlen(suffix) > 8))
		return -ENAMETOOLONG;
	if (dir && *dir) {
		if (strlen(dir) > PATH_MAX - 100)
			return -ENAMETOOLONG;
		n = name ? snprintf(out, outlen, "%s/%.63s.%.8s", dir, name, suffix)
			 : snprintf(out, outlen, "%s", dir);
	} else {
		if (strlen(home) > PATH_MAX - 100)
			return -ENAMETOOLONG;
		n = name ? snprintf(out, outlen, "%s/run/intnet/%.63s.%.8s", home, name, suffix)
			 : snprintf(out, outlen, "%s/run/intnet", home);
	}
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* Whether this process is in group gid (effective or supplementary). */
static int in_group(gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	int n;

	if (getegid() == gid)
		return 1;
	n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int intnet_dir_check(const char *dir, gid_t *share_gid, char *err, size_t errlen)
{
	uid_t me = geteuid();
	struct stat st;
	int rc;

	*share_gid = (gid_t)-1;
	rc = natnet_mkdir_p(dir);
	if (rc < 0 && rc != -EACCES)
		return errfmt(err, errlen, rc, "cannot create %s: %s", dir, strerror(-rc));
	if (stat(dir, &st) < 0)
		return errfmt(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errfmt(err, errlen, -ENOTDIR, "%s is not a directory", dir);
	if (st.st_mode & S_IWOTH)
		return errfmt(err, errlen, -EPERM, "%s is writable by every user: refusing to "
			      "keep switches there (chmod o-w it, or share with a group: "
			      "install -d -m 2770 -g GROUP DIR)", dir);
	if ((st.st_mode & S_IRWXG) == S_IRWXG && (st.st_uid == me || in_group(st.st_gid) ||
						    me == 0)) {
		*share_gid = st.st_gid;
		return 0;
	}
	if (st.st_uid == me || me == 0)
		return 0;
	if ((st.st_mode & S_IRWXG) == S_IRWXG)
		return errfmt(err, errlen, -EPERM, "%s is shared with group %ld, and you are not "
			      "in it", dir, (long)st.st_gid);
	return errfmt(err, errlen, -EPERM, "%s belongs to uid %ld and is not shared with a "
		      "group (mode %03o): internal networks are one user's unless NATD_INTNET_DIR "
		      "names a directory open to a group of theirs", dir, (long)st.st_uid,
		      (unsigned)(st.st_mode & 0777));
}

int intnet_dir_share_fd(int fd, gid_t gid, mode_t mode)
{
	struct stat st;

	if (gid == (gid_t)-1)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_gid != gid && fchown(fd, (uid_t)-1, gid) < 0)
		return -errno;
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		return -errno;
	return 0;
}

int intnet_dir_share_path(const char *path, gid_t gid, mode_t mode)
{
	int fd, rc;

	if (gid == (gid_t)-1)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	rc = intnet_dir_share_fd(fd, gid, mode);
	close(fd);
	return rc;
}
