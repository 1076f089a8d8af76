/* SPDX-License-Identifier: MIT */
/*
 * test_help_text.c - natd run --help says what natd does: the entry of
 * --nattftpserver<x> describes the TFTP connection helper natd has (a
 * next-server outside the NAT network may answer from a port of its own)
 * instead of claiming there is none.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "natd/config.h"

/* The text of one option's entry: from its line to the next option's. */
static void entry(const char *opt, char *out, size_t len)
{
	const char *p = strstr(config_run_help, opt), *end;
	size_t n;

	cr_assert_not_null(p, "%s missing from natd run --help", opt);
	end = strstr(p + strlen(opt), "\n  -");
	if (!end)
		end = strstr(p + strlen(opt), "\n\n");
	cr_assert_not_null(end);
	n = (size_t)(end - p);
	cr_assert_lt(n, len);
	memcpy(out, p, n);
	out[n] = '\0';
	/* one line of words: the indentation goes */
	for (char *q = out, *w = out;; q++) {
		if (*q == '\n') {
			*w++ = ' ';
			while (q[1] == ' ')
				q++;
			continue;
		}
		*w++ = *q;
		if (!*q)
			break;
	}
}

Test(help_text, nattftpserver_describes_the_tftp_helper)
{
	char e[1024];

	entry("  --nattftpserver<x> IP", e, sizeof(e));
	cr_assert_null(strstr(e, "no TFTP helper"), "still says natd has no TFTP helper: %s", e);
	cr_assert_null(strstr(e, "must answer from port 69"), "%s", e);
	cr_assert_not_null(strstr(e, "TFTP connection helper"), "%s", e);
	cr_assert_not_null(strstr(e, "answer from a port of its own"), "%s", e);
	cr_assert_not_null(strstr(e, "10.0.<x+1>.4"), "%s", e);
}
