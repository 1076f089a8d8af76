/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the control socket of a running natd ($NATD_HOME/run/VM.ctl):
 * its protocol and its server. The client side, used by `natd showvminfo`
 * and `natd controlvm`, is natd/ctl_client.h.
 *
 * Protocol (versioned, small, so that other tools can speak it): one JSON
 * object per line ('\n'-terminated, at most CTL_MAX_MESSAGE bytes) each way.
 *   request:  {"version": 1, "command": "showvminfo", "args": {...}}
 *   response: {"version": 1, "ok": true, "result": {...}}
 *         or  {"version": 1, "ok": false, "error": "one line"}
 * A connection may carry several requests, answered in order. The socket is
 * mode 0600 and the server also checks the peer's credentials (SO_PEERCRED):
 * only natd's own user and root may talk to it.
 */
#ifndef NATD_CTL_H
#define NATD_CTL_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#define CTL_PROTOCOL_VERSION 1
#define CTL_MAX_MESSAGE (64 * 1024)

struct ctl_server;

/*
 * A command's handler. Returns the result (a new reference, owned by the
 * caller), or NULL with a one-line reason in err. args may be NULL.
 */
typedef json_t *(*ctl_handler)(void *opaque, json_t *args, char *err, size_t errlen);

/*
 * Checks one request line (without its '\n'): a JSON object of this
 * protocol's version with a "command" string. Returns the request (a new
 * reference) with *command and *args borrowed from it (*args NULL when
 * absent or null), or NULL with a one-line reason in err.
 */
json_t *ctl_request_parse(const char *line, size_t len, const char **command, json_t **args,
			  char *err, size_t errlen);

/*
 * Listens on path (a stale socket file nobody listens on is replaced; a live
 * one is an error: another natd with the same VM name runs). Returns 0 or a
 * negative errno with a one-line reason in err.
 */
int ctl_server_start(uv_loop_t *loop, const char *path, struct ctl_server **out,
		     char *err, size_t errlen);

/* Adds a command. -EEXIST if already registered. */
int ctl_server_register(struct ctl_server *s, const char *command, ctl_handler fn,
			void *opaque);

/* Closes the listener and every connection, unlinks the socket file, frees s,
 * then calls closed(opaque) (may be NULL). */
void ctl_server_close(struct ctl_server *s, void (*closed)(void *opaque), void *opaque);

#endif
