/* SPDX-License-Identifier: MIT */
/*
 * test_esc.c - outside text echoed in messages (base/esc.h): valid UTF-8
 * unchanged, invalid bytes and control characters as \xNN, never more than
 * the buffer, never a cut sequence; esc_fprintf keeps one final newline.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/esc.h"

static const char *esc(const char *in)
{
	static char out[256];

	esc_text(out, sizeof(out), in);
	return out;
}

Test(esc, valid_utf8_unchanged)
{
	cr_assert_str_eq(esc(""), "");
	cr_assert_str_eq(esc("vm1 'natnet-1' ,:[]\\\""), "vm1 'natnet-1' ,:[]\\\"");
	cr_assert_str_eq(esc("r\xc3\xa9seau \xe2\x82\xac \xf0\x9f\x98\x80"),
			 "r\xc3\xa9seau \xe2\x82\xac \xf0\x9f\x98\x80");
}

Test(esc, invalid_bytes_escaped)
{
	cr_assert_str_eq(esc("a\xff" "b"), "a\\xffb");
	cr_assert_str_eq(esc("\xfe"), "\\xfe");
	cr_assert_str_eq(esc("\xc3"), "\\xc3", "a sequence cut at the end");
	cr_assert_str_eq(esc("\xc3(x"), "\\xc3(x", "a lead byte without continuation");
	cr_assert_str_eq(esc("\x80\xbf"), "\\x80\\xbf", "stray continuation bytes");
	cr_assert_str_eq(esc("\xc0\xaf"), "\\xc0\\xaf", "overlong '/'");
	cr_assert_str_eq(esc("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", "overlong, 3 bytes");
	cr_assert_str_eq(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80", "a surrogate");
	cr_assert_str_eq(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80", "above U+10FFFF");
	cr_assert_str_eq(esc("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
}

Test(esc, control_characters_escaped)
{
	cr_assert_str_eq(esc("a\nb\tc\rd"), "a\\x0ab\\x09c\\x0dd");
	cr_assert_str_eq(esc("\x1b[31mred"), "\\x1b[31mred", "a terminal escape");
	cr_assert_str_eq(esc("x\x7fy"), "x\\x7fy");
	cr_assert_str_eq(esc("\xc2\x9b" "2J"), "\\xc2\\x9b2J", "C1 CSI");
	cr_assert_str_eq(esc("\xc2\xa0"), "\xc2\xa0", "U+00A0 is no control");
}

Test(esc, bounded_and_never_cut)
{
	char out[8];

	cr_assert_eq(esc_text(out, sizeof(out), "abcdefghij"), 7);
	cr_assert_str_eq(out, "abcdefg");
	cr_assert_eq(esc_text(out, sizeof(out), "ab\xff\xff"), 6);
	cr_assert_str_eq(out, "ab\\xff", "the second escape does not fit whole");
	cr_assert_eq(esc_text(out, sizeof(out), "abcde\xe2\x82\xac"), 5);
	cr_assert_str_eq(out, "abcde", "a sequence goes whole or not at all");
	cr_assert_eq(esc_text(out, 1, "abc"), 0);
	cr_assert_str_eq(out, "");
}

Test(esc, worst_case_fits_esc_max)
{
	char in[64], out[ESC_MAX(sizeof(in) - 1)];

	memset(in, 0xff, sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	cr_assert_eq(esc_text(out, sizeof(out), in), 4 * (sizeof(in) - 1));
}

Test(esc, fprintf_keeps_the_final_newline_only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	esc_fprintf(f, "natd run: --name: '%s' is not valid\n", "a\nb\xff");
	esc_fprintf(f, "%s", "no newline\n\n");
	fclose(f);
	cr_assert_str_eq(buf, "natd run: --name: 'a\\x0ab\\xff' is not valid\n"
			 "no newline\\x0a\n");
	free(buf);
}

Test(esc, fprintf_long_messages)
{
	char *buf = NULL, big[3000];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[2000] = '\x01';
	esc_fprintf(f, "<%s>\n", big);
	fclose(f);
	cr_assert_eq(len, sizeof(big) - 1 + 3 + 3);
	cr_assert(strstr(buf, "x\\x01x"));
	free(buf);
}
