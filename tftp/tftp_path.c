/* SPDX-License-Identifier: MIT */
/*
 * tftp_path.c - the TFTP server's confinement of file names to its root
 * (see tftp_server.h): names normalized, files opened beneath the root
 * (openat2() RESOLVE_BENEATH, or openat() and a check of where the
 * descriptor points on kernels without it), open errors as TFTP errors, and
 * the choice of boot files.
 */
#include "tftp/tftp_server.h"
#include "tftp/tftp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- confinement ------------------------------------------------------ */

int tftp_path_normalize(const char *name, char *rel, size_t cap)
{
	const char *p = name;
	size_t o = 0, n = strlen(name);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return -EACCES;
	if (n > 0 && name[n - 1] == '/')
		return -ENOENT; /* a directory */
	while (*p) {
		const char *e;
		size_t l;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		l = (size_t)(e - p);
		p = e;
		if (l == 1 && e[-1] == '.')
			continue;
		if (l == 2 && e[-1] == '.' && e[-2] == '.')
			return -EACCES;
		if (o + (o ? 1 : 0) + l + 1 > cap)
			return -ENAMETOOLONG;
		if (o)
			rel[o++] = '/';
		memcpy(rel + o, e - l, l);
		o += l;
	}
	if (o == 0)
		return -ENOENT;
	rel[o] = '\0';
	return 0;
}

#define TFTP_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static int tftp_openat2(int dfd, const char *rel)
{
	struct open_how how = {
		.flags = TFTP_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The path a descriptor refers to, from /proc. */
static int fd_path(int fd, char *buf, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, cap - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/*
 * Without openat2: open as usual, then ask the kernel where the descriptor
 * really points (symlinks resolved) and refuse anything not inside the root.
 * Checking the open descriptor, not the name, leaves no window for a race.
 */
static int tftp_open_checked(int dfd, const char *rel)
{
	char rootp[PATH_MAX], filep[PATH_MAX];
	size_t rl;
	int fd, rc;

	fd = openat(dfd, rel, TFTP_OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	rc = fd_path(dfd, rootp, sizeof(rootp));
	if (rc == 0)
		rc = fd_path(fd, filep, sizeof(filep));
	if (rc < 0) {
		rc = -EACCES; /* cannot prove it is inside: refuse */
		goto out;
	}
	rl = strlen(rootp);
	if (rl == 1) /* the root is "/" */
		rl = 0;
	if (strncmp(filep, rootp, rl) != 0 || filep[rl] != '/') {
		rc = -EXDEV;
		goto out;
	}
	return fd;
out:
	close(fd);
	return rc;
}

int tftp_open_beneath_how(const char *root, const char *rel, uint64_t *size,
			  enum tftp_open_how how)
{
	static bool no_openat2;
	struct stat st;
	int dfd, fd = -1, rc;

	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (how == TFTP_OPEN_AUTO && !no_openat2) {
		fd = tftp_openat2(dfd, rel);
		if (fd == -ENOSYS || fd == -EPERM) { /* old kernel, or a seccomp filter */
			if (fd == -ENOSYS)
				no_openat2 = true;
			fd = tftp_open_checked(dfd, rel);
		}
	} else if (how == TFTP_OPEN_OPENAT2) {
		fd = tftp_openat2(dfd, rel);
	} else {
		fd = tftp_open_checked(dfd, rel);
	}
	if (fd < 0) {
		rc = fd;
		fd = -1;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EACCES;
		goto out;
	}
	*size = (uint64_t)st.st_size;
	rc = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

int tftp_open_beneath(const char *root, const char *rel, uint64_t *size)
{
	return tftp_open_beneath_how(root, rel, size, TFTP_OPEN_AUTO);
}

void tftp_open_error(int rc, uint16_t *code, const char **msg)
{
	switch (rc) {
	case -ENOENT:
	case -ENOTDIR:
		*code = TFTP_ENOTFOUND;
		*msg = "file not found";
		break;
	case -EXDEV:
	case -ELOOP:
	case -EACCES:
	case -EPERM:
	case -EISDIR:
		*code = TFTP_EACCESS;
		*msg = "access violation";
		break;
	case -ENAMETOOLONG:
		*code = TFTP_EUNDEF;
		*msg = "file name too long";
		break;
	default:
		*code = TFTP_EUNDEF;
		*msg = "cannot read file";
		break;
	}
}

void tftp_boot_files(const char *root, const char *file, bool always,
		     char out[TFTP_BOOT_FILE_MAX], char efi[TFTP_BOOT_FILE_MAX])
{
	char cand[TFTP_BOOT_FILE_MAX], rel[TFTP_FILENAME_MAX];
	struct stat st;
	bool have_root = root[0] && stat(root, &st) == 0 && S_ISDIR(st.st_mode);
	size_t n = strlen(file);
	uint64_t size;
	int fd;

	out[0] = efi[0] = '\0';
	if (n == 0 || n >= TFTP_BOOT_FILE_MAX || (!have_root && !always))
		return;
	memcpy(out, file, n + 1);
	if (!have_root)
		return;
	if (n > 4 && !strcmp(file + n - 4, ".pxe"))
		snprintf(cand, sizeof(cand), "%.*s.efi", (int)(n - 4), file);
	else if ((size_t)snprintf(cand, sizeof(cand), "%s.efi", file) >= sizeof(cand))
		return;
	if (tftp_path_normalize(cand, rel, sizeof(rel)) < 0)
		return;
	fd = tftp_open_beneath(root, rel, &size);
	if (fd < 0)
		return;
	close(fd);
	memcpy(efi, cand, strlen(cand) + 1);
}
