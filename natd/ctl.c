/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the control socket of a running natd (its blocking client is
 * natd/ctl_client.c).
 *
 * The server listens on $NATD_HOME/run/VM.ctl (mode 0600; the socket file
 * and accepting, with a spare descriptor for when natd is at its descriptor
 * limit, are natd/ctl_listen.c's), serves each connection on a libuv pipe,
 * checks each peer's credentials (SO_PEERCRED: natd's own user or root),
 * reads '\n'-terminated JSON requests into a bounded per-connection buffer,
 * dispatches them to synchronous handlers registered by the rest of natd and
 * writes one compact JSON response line per request, in order. `natd
 * showvminfo` and `natd controlvm` (natd/cmd_ctl.c) talk to it with
 * ctl_call() (natd/ctl_client.h).
 *
 * Theory of operation: the server owns one listener and a list of
 * connections. Every live libuv handle is counted in s->handles (the
 * listener as one, until it reports it closed); a handle leaves the count
 * only in its close_cb. A connection is freed in its
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
	struct ctl_listen *listener; /* the socket file, accepting (ctl_listen.c) */
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
	free(s);
	if (closed)
		closed(opaque);
}

static void server_handle_closed(struct ctl_server *s)
{
	if (--s->handles == 0 && s->closing)
		server_free(s);
}

static void listener_closed(void *opaque)
{
	server_handle_closed(opaque);
}

static void conn_close_cb(uv_handle_t *h)
{
	struct ctl_conn *c = h->data;
	struct ctl_server *s = c->s;

	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
	ctl_listen_conn_closed(s->closing ? NULL : s->listener);
	server_handle_closed(s);
}

static void conn_close(struct ctl_conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, conn_close_cb);
}

void ctl_server_close(struct ctl_server *s, void (*closed)(void *opaque), void *opaque)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	s->closed = closed;
	s->closed_opaque = opaque;
	for (struct ctl_conn *c = s->conns; c; c = c->next)
		conn_close(c);
	ctl_listen_close(s->listener, listener_closed, s);
	s->listener = NULL;
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

json_t *ctl_request_parse(const char *line, size_t len, const char **command, json_t **args,
			  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *req, *v;

	req = json_loadb(line, len, 0, &jerr);
	if (!req) {
		errfmt(err, errlen, -EINVAL, "malformed request: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(req)) {
		errfmt(err, errlen, -EINVAL, "malformed request: not a JSON object");
		goto bad;
	}
	v = json_object_get(req, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CTL_PROTOCOL_VERSION) {
		errfmt(err, errlen, -EPROTO, "unsupported protocol version (this natd speaks %d)",
		       CTL_PROTOCOL_VERSION);
		goto bad;
	}
	v = json_object_get(req, "command");
	if (!json_is_string(v)) {
		errfmt(err, errlen, -EINVAL, "malformed request: no \"command\" string");
		goto bad;
	}
	*command = json_string_value(v);
	*args = json_object_get(req, "args");
	if (json_is_null(*args))
		*args = NULL;
	return req;
bad:
	json_decref(req);
	return NULL;
}

/* Answers one request line (without its '\n'). */
static json_t *handle_line(struct ctl_server *s, const char *line, size_t len)
{
	json_t *req, *args, *result, *resp;
	const char *command;
	struct ctl_cmd *cmd;
	char err[512] = "";

	req = ctl_request_parse(line, len, &command, &args, err, sizeof(err));
	if (!req)
		return error_response("%s", err);
	cmd = find_cmd(s, command);
	if (!cmd) {
		resp = error_response("unknown command '%.64s'", command);
		goto out;
	}
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

/* ctl_listen.c accepted a connection: fd is ours. */
static void conn_accepted(void *opaque, int fd)
{
	struct ctl_server *s = opaque;
	struct ctl_conn *c;
	int r;

	c = malloc(sizeof(*c));
	if (!c) {
		log_warn("control socket: out of memory");
		close(fd);
		return;
	}
	memset(c, 0, offsetof(struct ctl_conn, buf));
	c->s = s;
	r = uv_pipe_init(s->loop, &c->pipe, 0);
	if (r < 0) {
		free(c);
		close(fd);
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
	r = uv_pipe_open(&c->pipe, fd);
	if (r < 0) {
		log_warn("control socket: %s", uv_strerror(r));
		close(fd);
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

int ctl_server_start(uv_loop_t *loop, const char *path, struct ctl_server **out,
		     char *err, size_t errlen)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s) {
		errfmt(err, errlen, 0, "out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	r = ctl_listen_start(loop, path, conn_accepted, s, &s->listener, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	s->handles = 1; /* the listener, until listener_closed() */
	*out = s;
	return 0;
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
