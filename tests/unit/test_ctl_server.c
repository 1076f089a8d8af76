/* SPDX-License-Identifier: MIT */
/*
 * test_ctl_server.c - the control socket (natd/ctl.c, natd/ctl_client.c):
 * requests and responses between a real server on a libuv loop in a
 * background thread (ctl_fixture.h) and blocking ctl_call()s or raw clients
 * from the test thread: results, errors, several requests on a connection,
 * malformed and overlong lines, a response too large, a second server.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_fixture.h"
#include "natd/ctl_client.h"

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 60);

/* --- server and client --------------------------------------------------- */

Test(ctl, call_ok_returns_result)
{
	json_t *args = json_pack("{s:i,s:s,s:[i,i]}", "a", 1, "b", "x\ny", "c", 2, 3);
	json_t *res = NULL;
	char err[256] = "";
	int r;

	srv_start();
	r = ctl_call(S.path, "echo", args, TIMEOUT_MS, &res, err, sizeof(err));
	cr_assert_eq(r, 0, "ctl_call: %d %s", r, err);
	cr_assert(json_equal(res, args));
	json_decref(res);
	/* No args: the handler sees NULL. */
	r = ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err));
	cr_assert_eq(r, 0, "ctl_call: %d %s", r, err);
	cr_assert(json_is_object(res) && json_object_size(res) == 0);
	json_decref(res);
	json_decref(args);
}

Test(ctl, handler_error_is_eremoteio)
{
	json_t *res = (json_t *)1;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "fail", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_null(res);
	cr_assert_str_eq(err, "it failed on purpose");
}

Test(ctl, unknown_command)
{
	json_t *res = NULL;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "nope", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_str_eq(err, "unknown command 'nope'");
}

Test(ctl, socket_mode_is_0600)
{
	struct stat st;

	srv_start();
	cr_assert_eq(stat(S.path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
}

Test(ctl, several_requests_on_one_connection)
{
	const char two[] =
		"{\"version\":1,\"command\":\"echo\",\"args\":{\"n\":1}}\n"
		"\n" /* empty lines are skipped */
		"{\"version\":1,\"command\":\"fail\"}\n";
	const char third[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"n\":3}}\n";
	char line[1024];
	json_t *r;
	int fd;

	srv_start();
	fd = t_raw_connect(S.path);
	t_raw_send(fd, two, sizeof(two) - 1);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "n")), 1);
	json_decref(r);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, false);
	cr_assert_str_eq(resp_error(r), "it failed on purpose");
	json_decref(r);
	/* A request split across two writes. */
	t_raw_send(fd, third, 10);
	usleep(20000);
	t_raw_send(fd, third + 10, sizeof(third) - 1 - 10);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "result"), "n")), 3);
	json_decref(r);
	/* EOF from us: the server closes its side. */
	shutdown(fd, SHUT_WR);
	cr_assert_eq(t_raw_line(fd, line, sizeof(line)), -1);
	close(fd);
}

Test(ctl, malformed_requests_get_errors_and_connection_survives)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "{not json\n", "malformed request: " },
		{ "[1,2]\n", "malformed request: not a JSON object" },
		{ "{\"version\":2,\"command\":\"echo\"}\n", "unsupported protocol version" },
		{ "{\"command\":\"echo\"}\n", "unsupported protocol version" },
		{ "{\"version\":1,\"command\":7}\n", "malformed request: no \"command\" string" },
	};
	const char ok[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"still\":true}}\n";
	char line[1024];
	json_t *r;
	int fd;

	srv_start();
	fd = t_raw_connect(S.path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_raw_send(fd, cases[i].line, strlen(cases[i].line));
		cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
		r = parse_resp(line, false);
		cr_assert(!strncmp(resp_error(r), cases[i].error, strlen(cases[i].error)),
			  "case %zu: error '%s'", i, resp_error(r));
		json_decref(r);
	}
	t_raw_send(fd, ok, sizeof(ok) - 1);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, true);
	cr_assert(json_is_true(json_object_get(json_object_get(r, "result"), "still")));
	json_decref(r);
	close(fd);
}

Test(ctl, overlong_line_gets_error_and_close)
{
	char *big = malloc(CTL_MAX_MESSAGE + 100);
	char line[1024], err[256] = "";
	json_t *r, *res = NULL;
	int fd;

	cr_assert_not_null(big);
	memset(big, 'x', CTL_MAX_MESSAGE + 100);
	srv_start();
	fd = t_raw_connect(S.path);
	t_raw_send(fd, big, CTL_MAX_MESSAGE + 100);
	free(big);
	cr_assert_gt(t_raw_line(fd, line, sizeof(line)), 0);
	r = parse_resp(line, false);
	cr_assert_str_eq(resp_error(r), "request longer than 65536 bytes");
	json_decref(r);
	cr_assert_eq(t_raw_line(fd, line, sizeof(line)), -1, "connection not closed");
	close(fd);
	/* The server still answers others. */
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}

Test(ctl, line_of_maximum_length_is_accepted)
{
	/* {"version":1,"command":"echo","args":{"p":"xxx..."}}\n = CTL_MAX_MESSAGE */
	const char head[] = "{\"version\":1,\"command\":\"echo\",\"args\":{\"p\":\"";
	const char tail[] = "\"}}\n";
	size_t fill = CTL_MAX_MESSAGE - (sizeof(head) - 1) - (sizeof(tail) - 1);
	char *req = malloc(CTL_MAX_MESSAGE + 1), *line = malloc(CTL_MAX_MESSAGE + 1);
	json_t *r;
	int fd;

	cr_assert(req && line);
	memcpy(req, head, sizeof(head) - 1);
	memset(req + sizeof(head) - 1, 'y', fill);
	memcpy(req + sizeof(head) - 1 + fill, tail, sizeof(tail));
	cr_assert_eq(strlen(req), CTL_MAX_MESSAGE);
	srv_start();
	fd = t_raw_connect(S.path);
	t_raw_send(fd, req, CTL_MAX_MESSAGE);
	cr_assert_gt(t_raw_line(fd, line, CTL_MAX_MESSAGE + 1), 0);
	r = parse_resp(line, true);
	cr_assert_eq(json_string_length(json_object_get(json_object_get(r, "result"), "p")),
		     fill);
	json_decref(r);
	close(fd);
	free(req);
	free(line);
}

Test(ctl, too_large_response_becomes_an_error)
{
	json_t *res = NULL;
	char err[256] = "";

	srv_start();
	cr_assert_eq(ctl_call(S.path, "big", NULL, TIMEOUT_MS, &res, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_str_eq(err, "response too large");
}

Test(ctl, second_server_on_same_path_fails)
{
	uv_loop_t loop2;
	struct ctl_server *s2 = (struct ctl_server *)1;
	char err[256] = "", want[300];
	json_t *res = NULL;

	srv_start();
	cr_assert_eq(uv_loop_init(&loop2), 0);
	cr_assert_eq(ctl_server_start(&loop2, S.path, &s2, err, sizeof(err)), -EADDRINUSE);
	cr_assert_null(s2);
	snprintf(want, sizeof(want), "another natd is running VM 'vm1' (%s)", S.path);
	cr_assert_str_eq(err, want);
	uv_run(&loop2, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop2), 0);
	/* The first one is untouched. */
	cr_assert_eq(ctl_call(S.path, "echo", NULL, TIMEOUT_MS, &res, err, sizeof(err)), 0,
		     "%s", err);
	json_decref(res);
}
