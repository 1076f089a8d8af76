/* SPDX-License-Identifier: MIT */
/*
 * ctl_internal.h - helpers natd/ctl.c (the control socket's server) shares
 * with natd/ctl_client.c (its client); not for other modules.
 */
#ifndef NATD_CTL_INTERNAL_H
#define NATD_CTL_INTERNAL_H

#include <stddef.h>
#include <sys/un.h>

/* "VM" from ".../run/VM.ctl", for messages. */
void ctl_vm_name_of(const char *path, char *out, size_t outlen);

/* sa for the socket at path. 0, or -ENAMETOOLONG when path is empty or
 * does not fit sun_path. */
int ctl_fill_addr(const char *path, struct sockaddr_un *sa);

#endif
