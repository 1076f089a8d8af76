/* SPDX-License-Identifier: MIT */
/*
 * tftp_server_fixture.h - what the pieces of the TFTP server's unit tests
 * (test_tftp_server_*.c) share: a real directory tree per test (.init =
 * fs_setup, .fini = fs_teardown) under tmpdir, with the TFTP root in root:
 * boot.bin (10 bytes), sub/cfg, links inside and out of the root, a link to
 * a directory outside, a FIFO, and secrets beside the root. Also the
 * smallest read request, for the negotiation and transfer tests.
 */
#ifndef NATD_TEST_TFTP_SERVER_FIXTURE_H
#define NATD_TEST_TFTP_SERVER_FIXTURE_H

#include <stddef.h>

#include "tftp/tftp_server.h"

extern char tmpdir[64], root[128];

/* Creates (or truncates) path with len bytes of data. */
void mkfile(const char *path, const void *data, size_t len);
void fs_setup(void);
void fs_teardown(void);

/* An RRQ of "f" without options. */
struct tftp_request opts_req(void);

#endif
