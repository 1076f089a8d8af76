/* SPDX-License-Identifier: MIT */
/*
 * ctl_fixture.h - what the pieces of the control socket's unit tests
 * (test_ctl_*.c) share: a real server (natd/ctl.c) on a libuv loop run in a
 * background thread, with handlers "echo" (returns args), "fail" (error) and
 * "big" (a result too long for one line), and "showvminfo"/"controlvm" when
 * cli_handlers is set; and raw clients on the test thread. Every wait is
 * bounded (poll timeouts, a timed join of the loop thread, which is stopped
 * through a uv_async_t that closes the server).
 */
#ifndef NATD_TEST_CTL_FIXTURE_H
#define NATD_TEST_CTL_FIXTURE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>
#include <uv.h>

#include "natd/ctl.h"

#define TIMEOUT_MS 5000

struct srv {
	uv_loop_t loop;
	uv_async_t stop;
	struct ctl_server *s;
	pthread_t thread;
	bool running;
	bool closed;
	bool cli_handlers;	/* also register showvminfo and controlvm */
	char dir[64];
	char path[128];
};

extern struct srv S;

/* Starts the server on S.path and its loop thread. */
void srv_start(void);
/* Asks the loop thread to close the server, joins it within 5 s. */
void srv_stop(void);
/* The suite's .init (a fresh S and its directory) and .fini. */
void setup(void);
void teardown(void);

/* --- raw client helpers -------------------------------------------------- */

void set_path(struct sockaddr_un *sa, const char *path);
int t_raw_connect(const char *path);
void t_raw_send(int fd, const char *data, size_t len);
/*
 * Reads one line (without '\n') into buf. Returns its length, or -1 on EOF
 * (or reset) before any byte. Bytes after the line stay in the socket: reads one byte
 * at a time, which is plenty for tests.
 */
ssize_t t_raw_line(int fd, char *buf, size_t cap);
/* Parses a response line and checks version/ok; returns it (caller frees). */
json_t *parse_resp(const char *line, bool ok);
const char *resp_error(json_t *r);

#endif
