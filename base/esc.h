/* SPDX-License-Identifier: MIT */
/*
 * esc.h - text that came from outside (a command-line argument, a name in a
 * file, a field of a request) made safe to echo in a message: valid UTF-8
 * passes unchanged, and every byte that is not part of valid UTF-8 or that
 * is a control character (C0, DEL, C1) is written as \xNN. So an error
 * message about bad input is one line of valid UTF-8 (a terminal, a log
 * file, a JSON string take it as it is) that still shows which bytes were
 * wrong. natd's messages go through it where they leave the process: the
 * log (log.c), the command-line tools' errors (esc_fprintf) and the control
 * socket's error replies.
 */
#ifndef NATD_ESC_H
#define NATD_ESC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* The most bytes esc_text() writes for n bytes of input, NUL included. */
#define ESC_MAX(n) (4 * (n) + 1)

/*
 * Copies src into dst (dstlen > 0), escaped as above; never cuts an escape
 * or a UTF-8 sequence in two, and always NUL-terminates. Returns the length
 * written (without the NUL).
 */
size_t esc_text(char *dst, size_t dstlen, const char *src);

/* The same for the n bytes at src (a NUL among them is escaped too). */
size_t esc_mem(char *dst, size_t dstlen, const void *src, size_t n);

/*
 * printf-style to f, escaped; a newline that ends the text is kept (any
 * other is escaped, so one message stays one line).
 */
void esc_vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void esc_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
