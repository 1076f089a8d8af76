/* SPDX-License-Identifier: MIT */
/*
 * ctl_listen.c - the control socket's listening side for natd/ctl.c: the
 * socket file (mode 0600, a stale one replaced, a live one refused, only our
 * own file removed at the end) and accepting connections.
 *
 * Theory of operation
 *
 * natd accepts itself (a uv_poll on the listening socket) instead of
 * through uv_listen(): at the descriptor limit, libuv silently accepts and
 * closes pending connections, and showvminfo would fail exactly when it is
 * needed. Here a spare descriptor (/dev/null, opened at start) is kept:
 * when accept() fails with EMFILE or ENFILE, the failure is counted
 * (fdlimit_note()), the spare is closed and the connection accepted in its
 * place and served. The spare comes back when a control connection closes.
 * Without a spare, the listener stops polling (the connection waits in the
 * backlog) and tries again after a second or when a connection closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/fdlimit.h"
#include "base/log.h"
#include "natd/ctl_internal.h"

#define CTL_BACKLOG 16
#define CTL_ACCEPTS_PER_WAKE 16
#define CTL_RETRY_MS 1000

struct ctl_listen {
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_timer_t retry;
	uv_pipe_t warm;          /* never opened: see ctl_listen_start() */
	int fd;                  /* the listening socket; the poll's */
	int spare;               /* /dev/null, given up to accept at EMFILE; -1 */
	bool polling;
	bool closing;
	unsigned handles;        /* poll, timer and warm until their close_cb */
	char *path;
	dev_t dev;
	ino_t ino;
	bool bound;              /* the socket file is ours (dev/ino valid) */
	void (*accepted)(void *opaque, int fd);
	void *opaque;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

static void listen_poll_cb(uv_poll_t *h, int status, int events);

static void listen_set_polling(struct ctl_listen *l, bool on)
{
	if (l->closing || l->polling == on)
		return;
	l->polling = on;
	if (on)
		uv_poll_start(&l->poll, UV_READABLE, listen_poll_cb);
	else
		uv_poll_stop(&l->poll);
}

static void listen_spare_back(struct ctl_listen *l)
{
	if (l->spare < 0)
		l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void listen_retry_cb(uv_timer_t *t)
{
	struct ctl_listen *l = t->data;

	listen_spare_back(l);
	listen_set_polling(l, true);
}

static void listen_poll_cb(uv_poll_t *h, int status, int events)
{
	struct ctl_listen *l = h->data;

	(void)status;
	(void)events;
	for (int i = 0; i < CTL_ACCEPTS_PER_WAKE && !l->closing; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			l->accepted(l->opaque, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			fdlimit_note(errno, "control socket: accept");
			if (l->spare >= 0) {
				close(l->spare); /* its slot serves this connection */
				l->spare = -1;
				continue;
			}
			/* nothing to give up: let it wait in the backlog */
			listen_set_polling(l, false);
			uv_timer_start(&l->retry, listen_retry_cb, CTL_RETRY_MS, 0);
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("control socket: accept: %s", strerror(errno));
		return;
	}
}

void ctl_listen_conn_closed(struct ctl_listen *l)
{
	if (!l || l->closing)
		return;
	listen_spare_back(l);
	listen_set_polling(l, true);
}

/* Removes the socket file if it is still the one we bound. */
static void listen_unlink(struct ctl_listen *l)
{
	struct stat st;

	if (!l->bound)
		return;
	l->bound = false;
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
}

static void listen_free(struct ctl_listen *l)
{
	void (*closed)(void *) = l->closed;
	void *opaque = l->closed_opaque;

	if (l->fd >= 0)
		close(l->fd);
	if (l->spare >= 0)
		close(l->spare);
	free(l->path);
	free(l);
	if (closed)
		closed(opaque);
}

static void listen_handle_closed(uv_handle_t *h)
{
	struct ctl_listen *l = h->data;

	if (--l->handles == 0)
		listen_free(l);
}

void ctl_listen_close(struct ctl_listen *l, void (*closed)(void *opaque), void *opaque)
{
	if (!l || l->closing)
		return;
	l->closing = true;
	l->closed = closed;
	l->closed_opaque = opaque;
	listen_unlink(l);
	uv_close((uv_handle_t *)&l->poll, listen_handle_closed);
	uv_close((uv_handle_t *)&l->retry, listen_handle_closed);
	uv_close((uv_handle_t *)&l->warm, listen_handle_closed);
}

/*
 * Checks what is at path before binding: nothing (0), a stale socket nobody
 * listens on (removed, 0), or a live one / something else (error).
 */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	char vm[NAME_MAX + 1];
	int probe, r, e;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		errfmt(err, errlen, 0, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		errfmt(err, errlen, 0, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	r = ctl_fill_addr(path, &sa);
	if (r < 0) {
		errfmt(err, errlen, 0, "socket path too long: %s", path);
		return r;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		e = errno;
		errfmt(err, errlen, 0, "socket: %s", strerror(e));
		return -e;
	}
	r = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	close(probe);
	if (r == 0 || e == EAGAIN) {
		ctl_vm_name_of(path, vm, sizeof(vm));
		errfmt(err, errlen, 0, "another natd is running VM '%s' (%s)", vm, path);
		return -EADDRINUSE;
	}
	if (e == ENOENT)
		return 0;
	if (e != ECONNREFUSED) {
		errfmt(err, errlen, 0, "cannot probe %s: %s", path, strerror(e));
		return -e;
	}
	log_info("removing stale control socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT) {
		e = errno;
		errfmt(err, errlen, 0, "cannot remove stale socket %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/*
 * The socket is created and bound here rather than with uv_pipe_bind():
 * libuv unlinks a path bound through it when the handle closes, whoever owns
 * the file by then, and natd must only remove its own socket file.
 */
int ctl_listen_start(uv_loop_t *loop, const char *path,
		     void (*accepted)(void *opaque, int fd), void *opaque,
		     struct ctl_listen **out, char *err, size_t errlen)
{
	struct ctl_listen *l;
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_mask;
	int r, e;

	*out = NULL;
	if (ctl_fill_addr(path, &sa) < 0) {
		errfmt(err, errlen, 0, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	r = clear_stale(path, err, errlen);
	if (r < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		errfmt(err, errlen, 0, "out of memory");
		return -ENOMEM;
	}
	l->loop = loop;
	l->accepted = accepted;
	l->opaque = opaque;
	l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		r = -errno;
		errfmt(err, errlen, 0, "socket: %s", strerror(-r));
		goto fail;
	}
	/* The socket must never exist with a wider mode, even briefly. */
	old_mask = umask(0177);
	r = bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	umask(old_mask);
	if (r < 0) {
		r = -e;
		errfmt(err, errlen, 0, "cannot bind %s: %s", path, strerror(e));
		goto fail;
	}
	if (lstat(path, &st) < 0) {
		r = -errno;
		errfmt(err, errlen, 0, "%s: %s", path, strerror(-r));
		unlink(path);
		goto fail;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->bound = true;
	if (chmod(path, 0600) < 0 || listen(l->fd, CTL_BACKLOG) < 0) {
		r = -errno;
		errfmt(err, errlen, 0, "%s: %s", path, strerror(-r));
		goto fail;
	}
	r = uv_poll_init(loop, &l->poll, l->fd);
	if (r < 0) {
		errfmt(err, errlen, 0, "cannot listen on %s: %s", path, uv_strerror(r));
		goto fail;
	}
	l->poll.data = l;
	uv_timer_init(loop, &l->retry);
	l->retry.data = l;
	/* libuv opens a reserve descriptor of its own at the first stream
	 * handle of a loop: let that happen now, not at the first connection,
	 * so natd's descriptor count does not change after start. */
	uv_pipe_init(loop, &l->warm, 0);
	l->warm.data = l;
	l->handles = 3;
	listen_set_polling(l, true);
	*out = l;
	return 0;
fail:
	listen_unlink(l);
	if (l->fd >= 0)
		close(l->fd);
	if (l->spare >= 0)
		close(l->spare);
	free(l->path);
	free(l);
	return r;
}
