/* SPDX-License-Identifier: MIT */
/*
 * switch_listen.c - the switch's listening socket (switch_internal.h):
 * creates it with its mode and group (switch_config), accepts every
 * pending connection on one uv_poll_t wake-up, checks the peer's
 * credentials (SO_PEERCRED, and its groups through SO_PEERGROUPS or the
 * group database when the switch is shared with a group) with
 * switch_peer_allowed(), and hands the accepted ones to switch.c; the
 * others are logged (rate-limited) and closed.
 */
#include "l2/switch_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/bytes.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* The peer's supplementary groups, into buf (cap of them) or a new array
 * in *out (the caller frees it when it is not buf). Returns how many. */
static size_t listen_peer_groups(int fd, const struct ucred *uc, gid_t *buf, size_t cap,
				 gid_t **out)
{
	socklen_t sl = (socklen_t)(cap * sizeof(gid_t));
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	int ng = (int)cap;

	*out = buf;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buf, &sl) == 0)
		return sl / sizeof(gid_t);
	if (errno == ERANGE) {
		gid_t *g = malloc(sl);

		if (g && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &sl) == 0) {
			*out = g;
			return sl / sizeof(gid_t);
		}
		free(g);
		return 0;
	}
	/* A kernel without SO_PEERGROUPS (before 4.13): the group database. */
	if (getpwuid_r(uc->uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp)
		return 0;
	if (getgrouplist(pw.pw_name, uc->gid, buf, &ng) < 0)
		ng = (int)cap; /* more than fit: the first cap */
	return (size_t)ng;
}

/* Reads the peer's credentials and checks them: true when it may attach. */
static bool listen_peer_ok(struct switch_listener *l, int fd, struct ucred *uc)
{
	const struct switch_config *cfg = l->cfg;
	socklen_t sl = sizeof(*uc);
	gid_t buf[64], *groups = buf;
	bool ok;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &sl) < 0) {
		log_ratelimited(&l->rl, LOG_LVL_WARN, "%s: refusing a connection: "
				"SO_PEERCRED: %s", cfg->name, strerror(errno));
		return false;
	}
	ok = switch_peer_allowed(cfg, uc->uid, uc->gid, NULL, 0);
	if (!ok && cfg->share_gid != (gid_t)-1) {
		size_t n = listen_peer_groups(fd, uc, buf, ARRAY_SIZE(buf), &groups);

		ok = switch_peer_allowed(cfg, uc->uid, uc->gid, groups, n);
		if (groups != buf)
			free(groups);
	}
	if (!ok)
		log_ratelimited(&l->rl, LOG_LVL_WARN, "%s: refusing a connection from uid %u "
				"(pid %ld): neither root nor the owner (uid %u)%s", cfg->name,
				(unsigned)uc->uid, (long)uc->pid, (unsigned)cfg->owner_uid,
				cfg->share_gid != (gid_t)-1 ? " nor in the group" : "");
	return ok;
}

static void listen_cb(uv_poll_t *p, int status, int events)
{
	struct switch_listener *l = p->data;

	(void)events;
	if (status < 0) {
		log_ratelimited(&l->rl, LOG_LVL_ERR, "%s: poll: %s", l->cfg->name,
				uv_strerror(status));
		return;
	}
	while (l->fd >= 0) { /* the callback may stop the listener */
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred uc;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_ratelimited(&l->rl, LOG_LVL_WARN, "%s: accept: %s",
						l->cfg->name, strerror(errno));
			return;
		}
		if (!listen_peer_ok(l, fd, &uc)) {
			l->refused++;
			close(fd);
			continue;
		}
		l->accepted(l->opaque, fd, &uc);
	}
}

/* Creates, binds and sets up the socket file. */
static int listen_socket(struct switch_listener *l, char *err, size_t errlen)
{
	const struct switch_config *cfg = l->cfg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool shared = cfg->share_gid != (gid_t)-1;
	size_t n = strlen(cfg->sock_path);
	struct stat st;
	int fd, e;

	if (n >= sizeof(sa.sun_path))
		return errfmt(err, errlen, -ENAMETOOLONG, "switch socket path %s is longer than "
			      "%zu bytes (set a shorter NATD_HOME)", cfg->sock_path,
			      sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, cfg->sock_path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* The caller holds the network's lock: a file left here is stale. */
	if (unlink(cfg->sock_path) < 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (stat(cfg->sock_path, &st) == 0) {
		l->created = true;
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	/* Whoever connects is checked (SO_PEERCRED) too: the mode only keeps
	 * the others from trying. */
	if ((shared && chown(cfg->sock_path, (uid_t)-1, cfg->share_gid) < 0) ||
	    chmod(cfg->sock_path, shared ? 0660 : 0600) < 0 || listen(fd, 16) < 0)
		goto fail;
	l->fd = fd;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (l->created)
		unlink(cfg->sock_path);
	l->created = false;
	return errfmt(err, errlen, -e, "switch socket %s: %s", cfg->sock_path, strerror(e));
}

int switch_listener_start(struct switch_listener *l, uv_loop_t *loop,
			  const struct switch_config *cfg,
			  void (*accepted)(void *opaque, int fd, const struct ucred *uc),
			  void *opaque, char *err, size_t errlen)
{
	int r;

	*l = (struct switch_listener){ .cfg = cfg, .fd = -1, .accepted = accepted,
				       .opaque = opaque };
	r = listen_socket(l, err, errlen);
	if (r < 0)
		return r;
	r = uv_poll_init(loop, &l->poll, l->fd);
	if (r == 0) {
		l->poll.data = l;
		l->poll_init = true;
		r = uv_poll_start(&l->poll, UV_READABLE, listen_cb);
	}
	if (r < 0)
		return errfmt(err, errlen, r, "switch: cannot watch %s: %s", cfg->sock_path,
			      uv_strerror(r));
	return 0;
}

bool switch_listener_stop(struct switch_listener *l, uv_close_cb closed)
{
	bool pending = l->poll_init;
	struct stat st;

	if (l->created && stat(l->cfg->sock_path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		unlink(l->cfg->sock_path); /* ours, not a successor's */
	l->created = false;
	if (l->poll_init) {
		uv_poll_stop(&l->poll);
		uv_close((uv_handle_t *)&l->poll, closed);
		l->poll_init = false;
	}
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
	return pending;
}
