/* SPDX-License-Identifier: MIT */
/*
 * unix_sock.c - the UNIX socket a VM's transport listens on (stream:,
 * vhost-user:) or connects to (stream-connect:): the path's check, the
 * address, binding with a stale socket file replaced (one nobody listens
 * on), mode 0600, accepting the VM's connection (one at a time), and
 * removing the file at close only while it is still the one bound.
 */
#include "devices/device_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int device_unix_path_check(const char *type, const char *arg, char *err,
			   size_t errlen)
{
	struct sockaddr_un sa;

	if (!*arg) {
		device_seterr(err, errlen, "%s: missing socket path", type);
		return -EINVAL;
	}
	if (strlen(arg) >= sizeof(sa.sun_path)) {
		device_seterr(err, errlen, "%s: socket path longer than %zu bytes",
			      type, sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	return 0;
}

socklen_t device_unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path)); /* length checked by the spec */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* Binds fd to path, replacing a stale socket file nobody listens on. */
static int unix_bind(struct device *dev, int fd, const char *path,
		       char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t sl = device_unix_addr(path, &sa);
	struct stat st;
	int probe, r, e;

	if (bind(fd, (struct sockaddr *)&sa, sl) == 0)
		return 0;
	if (errno != EADDRINUSE)
		goto fail;
	if (lstat(path, &st) < 0)
		goto fail_addrinuse;
	if (!S_ISSOCK(st.st_mode)) {
		device_seterr(err, errlen, "%s: %s exists and is not a socket",
			      dev->spec, path);
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		goto fail;
	r = connect(probe, (struct sockaddr *)&sa, sl);
	e = errno;
	close(probe);
	if (r == 0 || e == EAGAIN) {
		device_seterr(err, errlen, "%s: another process is listening on %s",
			      dev->spec, path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED && e != ENOENT)
		goto fail_addrinuse;
	log_info("%s: removing stale socket %s", dev->spec, path);
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sl) == 0)
		return 0;
fail:
	e = errno;
	device_seterr(err, errlen, "%s: bind: %s", dev->spec, strerror(e));
	return -e;
fail_addrinuse:
	device_seterr(err, errlen, "%s: bind: %s", dev->spec, strerror(EADDRINUSE));
	return -EADDRINUSE;
}

int device_unix_listen(struct device *dev, const char *path, char *err,
		       size_t errlen)
{
	struct stat st;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: socket: %s", dev->spec, strerror(errno));
		goto out;
	}
	r = unix_bind(dev, fd, path, err, errlen);
	if (r < 0)
		goto out;
	if (stat(path, &st) == 0) {
		dev->sock_created = true;
		dev->sock_dev = st.st_dev;
		dev->sock_ino = st.st_ino;
	}
	if (chmod(path, 0600) < 0 || listen(fd, 4) < 0) {
		r = -errno;
		device_seterr(err, errlen, "%s: %s", dev->spec, strerror(errno));
		unlink(path);
		goto out;
	}
	dev->listen_fd = fd;
	fd = -1;
	log_info("%s: waiting for a VM on %s", dev->spec, path);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int device_unix_accept(struct device *dev)
{
	int fd;

	while (!dev->closing) {
		fd = accept4(dev->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimited(&dev->rl, LOG_LVL_WARN, "%s: accept: %s",
						dev->spec, strerror(errno));
			return -1;
		}
		if (dev->io_init) {
			log_warn("%s: a VM is already attached; closing a second connection",
				 dev->spec);
			close(fd);
			continue;
		}
		return fd;
	}
	return -1;
}

void device_unix_unlink(struct device *dev, const char *path)
{
	struct stat st;

	/* Remove the socket file only if it still is the one we bound. */
	if (dev->sock_created && stat(path, &st) == 0 &&
	    st.st_dev == dev->sock_dev && st.st_ino == dev->sock_ino)
		unlink(path);
	dev->sock_created = false;
}
