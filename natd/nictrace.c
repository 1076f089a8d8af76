/* SPDX-License-Identifier: MIT */
/*
 * nictrace.c - packet capture of one adapter, started, switched and stopped
 * (see nictrace.h).
 */
#include "natd/nictrace.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

int nictrace_check_file(const char *file, char *err, size_t errlen)
{
	char copy[PATH_MAX];
	struct stat st;
	const char *dir;

	if (!file[0])
		return errfmt(err, errlen, -EINVAL, "no trace file name");
	if (strlen(file) >= sizeof(copy))
		return errfmt(err, errlen, -ENAMETOOLONG, "%s: name too long", file);
	memcpy(copy, file, strlen(file) + 1);
	dir = dirname(copy);
	if (stat(dir, &st) < 0)
		return errfmt(err, errlen, -errno, "%s: directory %s: %s", file, dir,
			      strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errfmt(err, errlen, -ENOTDIR, "%s: %s is not a directory", file, dir);
	if (access(dir, W_OK) < 0)
		return errfmt(err, errlen, -errno, "%s: directory %s is not writable: %s",
			      file, dir, strerror(errno));
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return errfmt(err, errlen, -EISDIR, "%s is a directory", file);
	return 0;
}

static int trace_open(uv_loop_t *loop, const char *file, uint64_t max, struct capture **out,
		      char *err, size_t errlen)
{
	int rc = nictrace_check_file(file, err, errlen);

	if (rc < 0)
		return rc;
	return capture_open(loop, file, max, out, err, errlen);
}

int nictrace_start(struct nictrace *t, uv_loop_t *loop, struct device *dev,
		   const struct nic_config *n, char *err, size_t errlen)
{
	int rc;

	t->dev = dev;
	t->cap = NULL;
	if (!n->trace)
		return 0;
	rc = trace_open(loop, n->trace_file, n->trace_max, &t->cap, err, errlen);
	if (rc < 0)
		return rc;
	device_set_capture(dev, t->cap);
	log_info("tracing to %s", n->trace_file);
	return 0;
}

static void trace_swap(struct nictrace *t, struct capture *c)
{
	struct capture *old = t->cap;

	t->cap = c;
	if (t->dev)
		device_set_capture(t->dev, c);
	if (old)
		capture_close(old);
}

int nictrace_control(struct nictrace *t, uv_loop_t *loop, struct nic_config *n, unsigned x,
		     const char *onoff, const char *file, char *err, size_t errlen)
{
	struct capture *c = NULL;
	int rc;

	if (!t->dev)
		return errfmt(err, errlen, -ENOTCONN, "adapter %u has no transport to trace", x);
	if (file) {
		if (strlen(file) >= sizeof(n->trace_file))
			return errfmt(err, errlen, -ENAMETOOLONG, "%s: name too long", file);
		if (t->cap) {
			rc = trace_open(loop, file, n->trace_max, &c, err, errlen);
			if (rc < 0)
				return rc;
			trace_swap(t, c);
			log_info("nic%u: tracing to %s now (controlvm)", x, file);
		} else {
			rc = nictrace_check_file(file, err, errlen);
			if (rc < 0)
				return rc;
		}
		snprintf(n->trace_file, sizeof(n->trace_file), "%s", file);
		return 0;
	}
	if (!strcmp(onoff, "on")) {
		if (t->cap)
			return 0;
		rc = trace_open(loop, n->trace_file, n->trace_max, &c, err, errlen);
		if (rc < 0)
			return rc;
		trace_swap(t, c);
		n->trace = true;
		log_info("nic%u: tracing to %s (controlvm)", x, n->trace_file);
		return 0;
	}
	if (!strcmp(onoff, "off")) {
		if (t->cap)
			log_info("nic%u: tracing stopped (controlvm), %s kept", x, n->trace_file);
		trace_swap(t, NULL);
		n->trace = false;
		return 0;
	}
	return errfmt(err, errlen, -EINVAL, "expected on or off, not '%s'", onoff);
}

json_t *nictrace_json(const struct nictrace *t, const struct nic_config *n)
{
	struct capture_stats st = { 0 };

	if (t->cap)
		capture_get_stats(t->cap, &st);
	return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I}", "on", t->cap != NULL,
			 "file", n->trace_file, "frames", (json_int_t)st.frames,
			 "bytes", (json_int_t)st.bytes, "not_written", (json_int_t)st.not_written,
			 "max_bytes", (json_int_t)n->trace_max);
}

void nictrace_stop(struct nictrace *t)
{
	trace_swap(t, NULL);
	t->dev = NULL;
}
