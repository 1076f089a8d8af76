/* SPDX-License-Identifier: MIT */
/*
 * ctl_client.c - the blocking client of natd's control socket (protocol in
 * natd/ctl.h) and the printing of its results. `natd showvminfo`, `natd
 * controlvm` (natd/cmd_ctl.c), `natd dhcpserver` and the network services
 * call ctl_call(), which uses plain sockets and poll() with a deadline.
 */
#include "natd/ctl_client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/ctl.h"
#include "natd/ctl_internal.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline. Returns 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int client_connect(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };
	char vm[NAME_MAX + 1];
	int fd, e;

	if (ctl_fill_addr(path, &sa) < 0) {
		errfmt(err, errlen, 0, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		errfmt(err, errlen, 0, "socket: %s", strerror(e));
		return -e;
	}
	/* Bounds connect() when the listener's backlog is full. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	ctl_vm_name_of(path, vm, sizeof(vm));
	if (e == ENOENT)
		errfmt(err, errlen, 0, "no natd is running VM '%s' (no %s)", vm, path);
	else if (e == ECONNREFUSED)
		errfmt(err, errlen, 0, "no natd is running VM '%s' (stale socket %s)", vm, path);
	else if (e == EAGAIN || e == EINPROGRESS)
		errfmt(err, errlen, 0, "natd for VM '%s' does not accept connections (%s)", vm,
		       path);
	else
		errfmt(err, errlen, 0, "cannot connect to %s: %s", path, strerror(e));
	return e == EINPROGRESS ? -EAGAIN : -e;
}

int ctl_call(const char *path, const char *command, json_t *args, int timeout_ms,
	     json_t **result, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	json_t *req = NULL, *resp = NULL, *v;
	json_error_t jerr;
	char *text = NULL, *buf = NULL, *nl = NULL;
	size_t len, off, got = 0;
	int fd = -1, r;

	*result = NULL;
	req = json_pack("{s:i,s:s}", "version", CTL_PROTOCOL_VERSION, "command", command);
	if (!req || (args && json_object_set(req, "args", args) < 0) ||
	    !(text = json_dumps(req, JSON_COMPACT))) {
		errfmt(err, errlen, 0, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	len = strlen(text);
	if (len + 1 > CTL_MAX_MESSAGE) {
		errfmt(err, errlen, 0, "request longer than %d bytes", CTL_MAX_MESSAGE);
		r = -EMSGSIZE;
		goto out;
	}
	text[len++] = '\n'; /* overwrites the NUL: len is the line's length */
	buf = malloc(CTL_MAX_MESSAGE);
	if (!buf) {
		errfmt(err, errlen, 0, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	fd = client_connect(path, timeout_ms, err, errlen);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	for (off = 0; off < len;) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EINTR) {
			r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				goto io_err;
			continue;
		}
		r = -errno;
		goto io_err;
	}
	while (!nl) {
		ssize_t n;

		if (got == CTL_MAX_MESSAGE) {
			errfmt(err, errlen, 0, "response longer than %d bytes", CTL_MAX_MESSAGE);
			r = -EPROTO;
			goto out;
		}
		n = recv(fd, buf + got, CTL_MAX_MESSAGE - got, MSG_DONTWAIT);
		if (n > 0) {
			nl = memchr(buf + got, '\n', (size_t)n);
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			errfmt(err, errlen, 0, "natd closed the connection without answering");
			r = -EPROTO;
			goto out;
		}
		if (errno == EAGAIN || errno == EINTR) {
			r = wait_fd(fd, POLLIN, deadline);
			if (r < 0)
				goto io_err;
			continue;
		}
		r = -errno;
		goto io_err;
	}
	resp = json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
	if (!json_is_object(resp)) {
		errfmt(err, errlen, 0, "malformed response from natd: %s",
		       resp ? "not a JSON object" : jerr.text);
		r = -EPROTO;
		goto out;
	}
	v = json_object_get(resp, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CTL_PROTOCOL_VERSION) {
		errfmt(err, errlen, 0, "natd answered with an unsupported protocol version");
		r = -EPROTO;
		goto out;
	}
	v = json_object_get(resp, "ok");
	if (!json_is_boolean(v)) {
		errfmt(err, errlen, 0, "malformed response from natd: no \"ok\"");
		r = -EPROTO;
		goto out;
	}
	if (json_is_false(v)) {
		v = json_object_get(resp, "error");
		errfmt(err, errlen, 0, "%s", json_is_string(v) ? json_string_value(v)
							   : "natd reported an error");
		r = -EREMOTEIO;
		goto out;
	}
	v = json_object_get(resp, "result");
	*result = v ? json_incref(v) : json_null();
	r = 0;
	goto out;
io_err:
	if (r == -ETIMEDOUT)
		errfmt(err, errlen, 0, "no answer from natd within %d ms (%s)", timeout_ms, path);
	else
		errfmt(err, errlen, 0, "%s: %s", path, strerror(-r));
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(text);
	json_decref(resp);
	json_decref(req);
	return r;
}

/* --- printing ------------------------------------------------------------ */

/* Writes s so that it stays on one line; quotes and backslashes escaped too
 * when quoted (the machine-readable form). */
static void put_escaped(FILE *out, const char *s, size_t n, bool quoted)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (quoted && (ch == '"' || ch == '\\'))
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\r')
			fputs("\\r", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
}

static void put_scalar(FILE *out, json_t *v, bool machine)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (machine)
			fputc('"', out);
		put_escaped(out, json_string_value(v), json_string_length(v), machine);
		if (machine)
			fputc('"', out);
		break;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs(machine ? "\"true\"" : "true", out);
		break;
	case JSON_FALSE:
		fputs(machine ? "\"false\"" : "false", out);
		break;
	default:
		fputs(machine ? "\"\"" : "null", out);
		break;
	}
}

static void print_human(FILE *out, const char *name, json_t *v, int depth);

static void print_human_children(FILE *out, const char *name, json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, item)
			print_human(out, key, item, depth);
	} else {
		json_array_foreach(v, i, item) {
			char sub[256];

			snprintf(sub, sizeof(sub), "%s[%zu]", name, i + 1);
			print_human(out, sub, item, depth);
		}
	}
}

static void print_human(FILE *out, const char *name, json_t *v, int depth)
{
	if (json_is_array(v) && json_array_size(v) > 0) {
		/* Items are numbered siblings: "flows[1]:", "flows[2]:". */
		print_human_children(out, name, v, depth);
		return;
	}
	fprintf(out, "%*s", depth * 2, "");
	put_escaped(out, name, strlen(name), false);
	if (json_is_object(v) && json_object_size(v) > 0) {
		fputs(":\n", out);
		print_human_children(out, name, v, depth + 1);
	} else if (json_is_object(v) || json_is_array(v)) {
		fputs(": (none)\n", out);
	} else {
		fputs(": ", out);
		put_scalar(out, v, false);
		fputc('\n', out);
	}
}

static void print_machine(FILE *out, const char *prefix, json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	char sub[512];

	if (json_is_object(v)) {
		json_object_foreach(v, key, item) {
			if (prefix[0])
				snprintf(sub, sizeof(sub), "%s_%s", prefix, key);
			else
				snprintf(sub, sizeof(sub), "%s", key);
			print_machine(out, sub, item);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (prefix[0])
				snprintf(sub, sizeof(sub), "%s_%zu", prefix, i + 1);
			else
				snprintf(sub, sizeof(sub), "%zu", i + 1);
			print_machine(out, sub, item);
		}
	} else {
		const char *name = prefix[0] ? prefix : "value"; /* a bare scalar */

		put_escaped(out, name, strlen(name), false);
		fputc('=', out);
		put_scalar(out, v, true);
		fputc('\n', out);
	}
}

void ctl_print_result(FILE *out, json_t *result, int machine_readable)
{
	if (!result)
		return;
	if (machine_readable) {
		print_machine(out, "", result);
		return;
	}
	if (json_is_object(result) || json_is_array(result)) {
		print_human_children(out, "", result, 0);
	} else {
		put_scalar(out, result, false);
		fputc('\n', out);
	}
}
