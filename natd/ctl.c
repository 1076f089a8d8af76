/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the control socket of a running natd (its blocking client is
 * natd/ctl_client.c).
 *
 * The server listens on a libuv pipe ($NATD_HOME/run/VM.ctl, mode 0600),
 * checks each peer's credentials (SO_PEERCRED: natd's own user or root),
 * reads '\n'-terminated JSON requests into a bounded per-connection buffer,
 * dispatches them to synchronous handlers registered by the rest of natd and
 * writes one compact JSON response line per request, in order. `natd
 * showvminfo` and `natd controlvm` (natd/cmd_ctl.c) talk to it with
 * ctl_call() (natd/ctl_client.h).
 *
 * Theory of operation: the server owns one listener and a list of
 * connections. Every live libuv handle is counted in s->handles; a handle
 * leaves the count only in its close_cb. A connection is freed in its
 * close_cb (pending writes are cancelled by libuv before that and free their
 * own requests); the server is freed when ctl_server_close() was called and
 * the count reaches zero. A handler may call ctl_server_close() itself: the
 * dispatch loop stops at once and nothing is freed before the loop turns.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "natd/ctl.h"
#include "base/esc.h"
#include "base/log.h"
#include "natd/ctl_internal.h"

#define CTL_BACKLOG 16

struct ctl_cmd {
	struct ctl_cmd *next;
	ctl_handler fn;
	void *opaque;
	char name[];
};

struct ctl_conn {
	uv_pipe_t pipe;
	struct ctl_server *s;
	struct ctl_conn *next, **pprev;
	unsigned writes;         /* uv_write requests in flight */
	bool close_after_write;  /* protocol error answered: close once written */
	size_t len;
	char buf[CTL_MAX_MESSAGE];
};

struct ctl_write {
	uv_write_t req;
	struct ctl_conn *c;
	size_t len;
	char data[];
};

struct ctl_server {
	uv_loop_t *loop;
	uv_pipe_t listener;
	char *path;
	dev_t dev;
	ino_t ino;
	bool bound;              /* the socket file is ours (dev/ino valid) */
	bool closing;
	unsigned handles;        /* handles not yet through close_cb */
	struct ctl_cmd *cmds;
	struct ctl_conn *conns;
	void (*closed)(void *opaque);
	void *closed_opaque;
};

/* "VM" from ".../run/VM.ctl", for messages. */
void ctl_vm_name_of(const char *path, char *out, size_t outlen)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".ctl"))
		n -= 4;
	snprintf(out, outlen, "%.*s", (int)n, b);
}

int ctl_fill_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

/* --- server: teardown ---------------------------------------------------- */

static void server_free(struct ctl_server *s)
{
	void (*closed)(void *) = s->closed;
	void *opaque = s->closed_opaque;

	while (s->cmds) {
		struct ctl_cmd *c = s->cmds;

		s->cmds = c->next;
		free(c);
	}
	free(s->path);
	free(s);
	if (closed)
		closed(opaque);
}

static void server_handle_closed(struct ctl_server *s)
{
	if (--s->handles == 0 && s->closing)
		server_free(s);
}

static void listener_close_cb(uv_handle_t *h)
{
	server_handle_closed(h->data);
}

static void conn_close_cb(uv_handle_t *h)
{
	struct ctl_conn *c = h->data;
	struct ctl_server *s = c->s;

	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
	server_handle_closed(s);
}

static void conn_close(struct ctl_conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, conn_close_cb);
}

/* Removes the socket file if it is still the one we bound. */
static void server_unlink(struct ctl_server *s)
{
	struct stat st;

	if (!s->bound)
		return;
	s->bound = false;
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
}

void ctl_server_close(struct ctl_server *s, void (*closed)(void *opaque), void *opaque)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	s->closed = closed;
	s->closed_opaque = opaque;
	server_unlink(s);
	for (struct ctl_conn *c = s->conns; c; c = c->next)
		conn_close(c);
	if (!uv_is_closing((uv_handle_t *)&s->listener))
		uv_close((uv_handle_t *)&s->listener, listener_close_cb);
}

/* --- server: one connection ---------------------------------------------- */

static void write_cb(uv_write_t *req, int status)
{
	struct ctl_write *w = req->data;
	struct ctl_conn *c = w->c;

	free(w);
	c->writes--;
	if (status < 0 && status != UV_ECANCELED) {
		log_debug("control socket: write: %s", uv_strerror(status));
		conn_close(c);
	} else if (c->close_after_write && c->writes == 0) {
		conn_close(c);
	}
}

/* Queues one response line (takes the reference to resp). */
static void conn_send(struct ctl_conn *c, json_t *resp)
{
	char *text = json_dumps(resp, JSON_COMPACT);
	struct ctl_write *w = NULL;
	size_t n;
	uv_buf_t b;
	int r;

	json_decref(resp);
	if (!text)
		goto fail;
	n = strlen(text);
	if (n + 1 > CTL_MAX_MESSAGE) {
		/* Too big for the other side: say so instead. */
		free(text);
		text = NULL;
		resp = json_pack("{s:i,s:b,s:s}", "version", CTL_PROTOCOL_VERSION, "ok", 0,
				 "error", "response too large");
		text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
		json_decref(resp);
		if (!text)
			goto fail;
		n = strlen(text);
	}
	w = malloc(sizeof(*w) + n + 1);
	if (!w)
		goto fail;
	memcpy(w->data, text, n);
	w->data[n] = '\n';
	w->len = n + 1;
	w->c = c;
	w->req.data = w;
	free(text);
	text = NULL;
	b = uv_buf_init(w->data, (unsigned)w->len);
	r = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_cb);
	if (r < 0) {
		free(w);
		log_debug("control socket: write: %s", uv_strerror(r));
		conn_close(c);
		return;
	}
	c->writes++;
	return;
fail:
	free(text);
	log_warn("control socket: out of memory building a response");
	conn_close(c);
}

static json_t *error_response(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *error_response(const char *fmt, ...)
{
	char msg[512], esc[ESC_MAX(sizeof(msg))];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a JSON string must be valid UTF-8: what came from outside is escaped */
	esc_text(esc, sizeof(esc), msg);
	return json_pack("{s:i,s:b,s:s}", "version", CTL_PROTOCOL_VERSION, "ok", 0,
			 "error", esc);
}

static struct ctl_cmd *find_cmd(struct ctl_server *s, const char *name)
{
	for (struct ctl_cmd *c = s->cmds; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Answers one request line (without its '\n'). */
static json_t *handle_line(struct ctl_server *s, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *v, *args, *result, *resp;
	const char *command;
	struct ctl_cmd *cmd;
	char err[512] = "";

	req = json_loadb(line, len, 0, &jerr);
	if (!req)
		return error_response("malformed request: %s", jerr.text);
	if (!json_is_object(req)) {
		resp = error_response("malformed request: not a JSON object");
		goto out;
	}
	v = json_object_get(req, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CTL_PROTOCOL_VERSION) {
		resp = error_response("unsupported protocol version (this natd speaks %d)",
				      CTL_PROTOCOL_VERSION);
		goto out;
	}
	v = json_object_get(req, "command");
	if (!json_is_string(v)) {
		resp = error_response("malformed request: no \"command\" string");
		goto out;
	}
	command = json_string_value(v);
	cmd = find_cmd(s, command);
	if (!cmd) {
		resp = error_response("unknown command '%.64s'", command);
		goto out;
	}
	args = json_object_get(req, "args");
	if (json_is_null(args))
		args = NULL;
	result = cmd->fn(cmd->opaque, args, err, sizeof(err));
	if (!result) {
		resp = error_response("%s", err[0] ? err : "command failed");
		goto out;
	}
	resp = json_pack("{s:i,s:b,s:o}", "version", CTL_PROTOCOL_VERSION, "ok", 1,
			 "result", result);
out:
	json_decref(req);
	return resp;
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct ctl_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - c->len));
}

static void read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct ctl_conn *c = st->data;
	struct ctl_server *s = c->s;
	size_t start = 0;
	char *nl;

	(void)buf;
	if (nread < 0) {
		if (nread != UV_EOF)
			log_debug("control socket: read: %s", uv_strerror((int)nread));
		conn_close(c);
		return;
	}
	c->len += (size_t)nread;
	while ((nl = memchr(c->buf + start, '\n', c->len - start))) {
		size_t n = (size_t)(nl - (c->buf + start));

		if (n > 0) {
			json_t *resp = handle_line(s, c->buf + start, n);

			/* A handler may have closed the server or this connection. */
			if (s->closing || uv_is_closing((uv_handle_t *)&c->pipe)) {
				json_decref(resp);
				return;
			}
			if (!resp) {
				log_warn("control socket: out of memory");
				conn_close(c);
				return;
			}
			conn_send(c, resp);
			if (uv_is_closing((uv_handle_t *)&c->pipe))
				return;
		}
		start += n + 1;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (c->len == sizeof(c->buf)) {
		/* A line longer than the protocol allows: answer, then hang up. */
		uv_read_stop(st);
		c->len = 0;
		c->close_after_write = true;
		conn_send(c, error_response("request longer than %d bytes", CTL_MAX_MESSAGE));
	}
}

/* Only natd's own user and root may use the socket. */
static bool peer_allowed(struct ctl_conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("control socket: cannot read peer credentials: %s", strerror(errno));
		return false;
	}
	if (cred.uid == geteuid() || cred.uid == 0)
		return true;
	log_warn("control socket: refusing pid %ld uid %lu (only natd's user, uid "
		 "%lu, and root may connect)",
		 (long)cred.pid, (unsigned long)cred.uid, (unsigned long)geteuid());
	return false;
}

static void connection_cb(uv_stream_t *ls, int status)
{
	struct ctl_server *s = ls->data;
	struct ctl_conn *c;
	int r;

	if (status < 0) {
		log_warn("control socket: %s", uv_strerror(status));
		return;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		log_warn("control socket: out of memory");
		return;
	}
	memset(c, 0, offsetof(struct ctl_conn, buf));
	c->s = s;
	r = uv_pipe_init(s->loop, &c->pipe, 0);
	if (r < 0) {
		free(c);
		log_warn("control socket: %s", uv_strerror(r));
		return;
	}
	c->pipe.data = c;
	s->handles++;
	c->next = s->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &s->conns;
	s->conns = c;
	r = uv_accept(ls, (uv_stream_t *)&c->pipe);
	if (r < 0) {
		log_warn("control socket: accept: %s", uv_strerror(r));
		conn_close(c);
		return;
	}
	if (!peer_allowed(c)) {
		conn_close(c);
		return;
	}
	r = uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
	if (r < 0) {
		log_warn("control socket: read: %s", uv_strerror(r));
		conn_close(c);
	}
}

/* --- server: start ------------------------------------------------------- */

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
int ctl_server_start(uv_loop_t *loop, const char *path, struct ctl_server **out,
		     char *err, size_t errlen)
{
	struct ctl_server *s = NULL;
	struct sockaddr_un sa;
	struct stat st;
	mode_t old_mask;
	int fd = -1, r, e;

	*out = NULL;
	if (ctl_fill_addr(path, &sa) < 0) {
		errfmt(err, errlen, 0, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	r = clear_stale(path, err, errlen);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		errfmt(err, errlen, 0, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	s->loop = loop;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		errfmt(err, errlen, 0, "socket: %s", strerror(-r));
		goto fail;
	}
	/* The socket must never exist with a wider mode, even briefly. */
	old_mask = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
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
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->bound = true;
	if (chmod(path, 0600) < 0 || listen(fd, CTL_BACKLOG) < 0) {
		r = -errno;
		errfmt(err, errlen, 0, "%s: %s", path, strerror(-r));
		goto fail;
	}
	r = uv_pipe_init(loop, &s->listener, 0);
	if (r < 0) {
		errfmt(err, errlen, 0, "%s: %s", path, uv_strerror(r));
		goto fail;
	}
	s->listener.data = s;
	s->handles = 1;
	r = uv_pipe_open(&s->listener, fd);
	if (r == 0) {
		fd = -1; /* the handle owns it now */
		r = uv_listen((uv_stream_t *)&s->listener, CTL_BACKLOG, connection_cb);
	}
	if (r < 0) {
		errfmt(err, errlen, 0, "cannot listen on %s: %s", path, uv_strerror(r));
		if (fd >= 0)
			close(fd);
		/* Freed in the listener's close_cb when the caller's loop runs. */
		ctl_server_close(s, NULL, NULL);
		return r;
	}
	*out = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (s) {
		server_unlink(s);
		free(s->path);
		free(s);
	}
	return r;
}

int ctl_server_register(struct ctl_server *s, const char *command, ctl_handler fn,
			void *opaque)
{
	size_t n = strlen(command);
	struct ctl_cmd *c;

	if (find_cmd(s, command))
		return -EEXIST;
	c = malloc(sizeof(*c) + n + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c->name, command, n + 1);
	c->fn = fn;
	c->opaque = opaque;
	c->next = s->cmds;
	s->cmds = c;
	return 0;
}
