/* SPDX-License-Identifier: MIT */
/*
 * nictrace.h - packet capture of one adapter of `natd run` (--nictrace<x>,
 * --nictracefile<x>, --nictracesize<x>; `controlvm VM nictrace<x> on|off`,
 * `nictracefile<x> FILE`): a devices/capture.h file on the adapter's VM
 * transport, switched on, off and to another file at run time.
 */
#ifndef NATD_NICTRACE_H
#define NATD_NICTRACE_H

#include <jansson.h>
#include <stddef.h>
#include <uv.h>

#include "devices/capture.h"
#include "devices/device.h"
#include "modes/adapter.h"

struct nictrace {
	struct device *dev;     /* the adapter's VM transport */
	struct capture *cap;    /* while tracing */
};

/* Starts tracing to n->trace_file when n->trace is on. 0, or -errno with a
 * one-line reason in err (nothing started). */
int nictrace_start(struct nictrace *t, uv_loop_t *loop, struct device *dev,
		   const struct nic_config *n, char *err, size_t errlen);

/* controlvm nictrace<x> on|off (file NULL) or nictracefile<x> FILE: applies
 * it and updates n, or leaves both as they were and says why in err. */
int nictrace_control(struct nictrace *t, uv_loop_t *loop, struct nic_config *n, unsigned x,
		     const char *onoff, const char *file, char *err, size_t errlen);

/* The adapter's "trace" object for showvminfo (a new reference). */
json_t *nictrace_json(const struct nictrace *t, const struct nic_config *n);

/* Stops tracing (the file is flushed and closed). */
void nictrace_stop(struct nictrace *t);

/* Checks that file can be created: its directory exists and is writable.
 * 0, or -errno with the reason in err. */
int nictrace_check_file(const char *file, char *err, size_t errlen);

#endif
