/* SPDX-License-Identifier: MIT */
/*
 * ctl_internal.h - helpers natd/ctl.c (the control socket's server) shares
 * with natd/ctl_listen.c (its listening socket) and natd/ctl_client.c (its
 * client); not for other modules.
 */
#ifndef NATD_CTL_INTERNAL_H
#define NATD_CTL_INTERNAL_H

#include <stddef.h>
#include <sys/un.h>
#include <uv.h>

/* "VM" from ".../run/VM.ctl", for messages. */
void ctl_vm_name_of(const char *path, char *out, size_t outlen);

/* sa for the socket at path. 0, or -ENAMETOOLONG when path is empty or
 * does not fit sun_path. */
int ctl_fill_addr(const char *path, struct sockaddr_un *sa);

/* ctl_listen.c: the listening socket. */
struct ctl_listen;
/*
 * Listens on path (created mode 0600; a stale socket is replaced, a live
 * one refused) and hands each accepted connection's descriptor
 * (non-blocking, close-on-exec) to accepted(opaque, fd), which owns it.
 * Keeps a spare descriptor so that a connection is served even at the
 * descriptor limit (EMFILE is counted, base/fdlimit.h). Returns 0 and *out,
 * or a negative errno with a one-line reason in err.
 */
int ctl_listen_start(uv_loop_t *loop, const char *path,
		     void (*accepted)(void *opaque, int fd), void *opaque,
		     struct ctl_listen **out, char *err, size_t errlen);
/* A connection it accepted was closed: its spare descriptor comes back. */
void ctl_listen_conn_closed(struct ctl_listen *l);
/* Stops, removes the socket file if it is still ours; closed(opaque) once
 * its handles are closed. */
void ctl_listen_close(struct ctl_listen *l, void (*closed)(void *opaque), void *opaque);

#endif
