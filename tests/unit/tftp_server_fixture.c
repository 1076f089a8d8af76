/* SPDX-License-Identifier: MIT */
/*
 * tftp_server_fixture.c - the per-test directory tree of the TFTP server's
 * unit tests (test_tftp_server_*.c); see tftp_server_fixture.h.
 */
#include "tftp_server_fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char tmpdir[64], root[128];

void mkfile(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "create %s", path);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

void fs_setup(void)
{
	char p[256];

	strcpy(tmpdir, "/tmp/natd-tftp-test.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	cr_assert_eq(mkdir(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/sub", tmpdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/boot.bin", tmpdir);
	mkfile(p, "0123456789", 10);
	snprintf(p, sizeof(p), "%s/root/sub/cfg", tmpdir);
	mkfile(p, "cfg", 3);
	snprintf(p, sizeof(p), "%s/secret", tmpdir);
	mkfile(p, "secret", 6);
	snprintf(p, sizeof(p), "%s/outdir", tmpdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/outdir/secret2", tmpdir);
	mkfile(p, "secret2", 7);
	/* links: inside the root (fine), out of it (refused) */
	snprintf(p, sizeof(p), "%s/root/link-in", tmpdir);
	cr_assert_eq(symlink("sub/cfg", p), 0);
	snprintf(p, sizeof(p), "%s/root/link-abs-in", tmpdir);
	{
		char t[256];

		snprintf(t, sizeof(t), "%s/root/boot.bin", tmpdir);
		cr_assert_eq(symlink(t, p), 0);
	}
	snprintf(p, sizeof(p), "%s/root/link-out", tmpdir);
	cr_assert_eq(symlink("../secret", p), 0);
	snprintf(p, sizeof(p), "%s/root/link-etc", tmpdir);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/root/dirlink", tmpdir);
	cr_assert_eq(symlink("../outdir", p), 0);
	snprintf(p, sizeof(p), "%s/root/fifo", tmpdir);
	cr_assert_eq(mkfifo(p, 0644), 0);
}

void fs_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

struct tftp_request opts_req(void)
{
	struct tftp_request r;

	memset(&r, 0, sizeof(r));
	r.opcode = TFTP_RRQ;
	strcpy(r.filename, "f");
	return r;
}
