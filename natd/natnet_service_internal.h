/* SPDX-License-Identifier: MIT */
/*
 * natnet_service_internal.h - what the two halves of the NAT network's
 * service share: natnet_control.c (the commands, which fork the service)
 * calls into natnet_service.c (the service process).
 */
#ifndef NATD_NATNET_SERVICE_INTERNAL_H
#define NATD_NATNET_SERVICE_INTERNAL_H

#include "natd/natnet_store.h"

/* The service's main, in the forked grandchild; ready_fd is the pipe to the
 * starting command (natnet_service_report()). Returns the exit status. */
int natnet_service_main(const char *home, const struct natnet_def *d, int ready_fd);

/* Writes one line to the starting command's pipe (nothing when fd < 0). */
void natnet_service_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
