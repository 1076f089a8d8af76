/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_server_path.c - unit tests of tftp/tftp_server.c's file names:
 * normalisation, confinement to a real root directory (symlinks, FIFOs,
 * both open methods: openat2() and the checked fallback) in the tree of
 * tftp_server_fixture.h, and the choice of the PXE boot files DHCP offers.
 */
#include "tftp/tftp_internal.h"
#include "tftp/tftp_server.h"
#include "tftp_server_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* ---- confinement ---- */

Test(tftp_path, normalize)
{
	char rel[64];

	cr_assert_eq(tftp_path_normalize("a/b", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "a/b");
	cr_assert_eq(tftp_path_normalize("//a///./b/.//c", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "a/b/c");
	cr_assert_eq(tftp_path_normalize("/etc/passwd", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "etc/passwd", "absolute means from the root");
	cr_assert_eq(tftp_path_normalize("..a/b..", rel, sizeof(rel)), 0);
	cr_assert_str_eq(rel, "..a/b..");
	cr_assert_eq(tftp_path_normalize("../x", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a/../b", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a/..", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("/..", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("a\nb", rel, sizeof(rel)), -EACCES);
	cr_assert_eq(tftp_path_normalize("", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("/", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("./.", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("dir/", rel, sizeof(rel)), -ENOENT);
	cr_assert_eq(tftp_path_normalize("abcdef", rel, 6), -ENAMETOOLONG);
	cr_assert_eq(tftp_path_normalize("abcde", rel, 6), 0);
}

static int open_rel(const char *rel, enum tftp_open_how how, uint64_t *size)
{
	int fd = tftp_open_beneath_how(root, rel, size, how);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void check_confinement(enum tftp_open_how how)
{
	uint64_t size = 0;
	char missing[160];

	cr_assert_eq(open_rel("boot.bin", how, &size), 0);
	cr_assert_eq(size, 10);
	cr_assert_eq(open_rel("sub/cfg", how, &size), 0);
	cr_assert_eq(size, 3);
	cr_assert_eq(open_rel("link-in", how, &size), 0, "a symlink staying inside");
	cr_assert_eq(size, 3);
	cr_assert_eq(open_rel("nope", how, &size), -ENOENT);
	cr_assert_eq(open_rel("boot.bin/x", how, &size), -ENOTDIR);
	cr_assert_eq(open_rel("link-out", how, &size), -EXDEV, "../secret");
	cr_assert_eq(open_rel("link-etc", how, &size), -EXDEV, "/etc/passwd");
	cr_assert_eq(open_rel("dirlink/secret2", how, &size), -EXDEV, "directory link out");
	cr_assert_eq(open_rel("sub", how, &size), -EACCES, "a directory");
	cr_assert_eq(open_rel("fifo", how, &size), -EACCES, "a FIFO, opened without blocking");
	snprintf(missing, sizeof(missing), "%s/none", tmpdir);
	cr_assert_eq(tftp_open_beneath_how(missing, "boot.bin", &size, how), -ENOENT,
		     "no root");
}

Test(tftp_path, confinement_openat2, .init = fs_setup, .fini = fs_teardown)
{
	uint64_t size;
	int rc = tftp_open_beneath_how(root, "boot.bin", &size, TFTP_OPEN_OPENAT2);

	if (rc == -ENOSYS)
		cr_skip_test("kernel without openat2()");
	cr_assert_geq(rc, 0);
	close(rc);
	check_confinement(TFTP_OPEN_OPENAT2);
	/* a link to an absolute path inside the root: RESOLVE_BENEATH refuses
	 * absolute links even when they lead back inside (documented) */
	cr_assert_eq(open_rel("link-abs-in", TFTP_OPEN_OPENAT2, &size), -EXDEV);
}

Test(tftp_path, confinement_fallback, .init = fs_setup, .fini = fs_teardown)
{
	uint64_t size;

	check_confinement(TFTP_OPEN_CHECKED);
	cr_assert_eq(open_rel("link-abs-in", TFTP_OPEN_CHECKED, &size), 0);
}

Test(tftp_path, confinement_auto_and_errors, .init = fs_setup, .fini = fs_teardown)
{
	uint16_t code;
	const char *msg;
	uint64_t size;
	int fd;

	check_confinement(TFTP_OPEN_AUTO);
	fd = tftp_open_beneath(root, "boot.bin", &size);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);

	tftp_open_error(-ENOENT, &code, &msg);
	cr_assert_eq(code, TFTP_ENOTFOUND);
	cr_assert_str_eq(msg, "file not found");
	tftp_open_error(-EXDEV, &code, &msg);
	cr_assert_eq(code, TFTP_EACCESS);
	cr_assert_str_eq(msg, "access violation");
	tftp_open_error(-EACCES, &code, &msg);
	cr_assert_eq(code, TFTP_EACCESS);
	tftp_open_error(-EIO, &code, &msg);
	cr_assert_eq(code, TFTP_EUNDEF);
}

/* ---- PXE boot files ---- */

Test(tftp_boot, offered_while_the_root_exists, .init = fs_setup, .fini = fs_teardown)
{
	char file[TFTP_BOOT_FILE_MAX], efi[TFTP_BOOT_FILE_MAX], p[256], none[256];

	snprintf(none, sizeof(none), "%s/none", tmpdir);
	tftp_boot_files(none, "vm.pxe", false, file, efi);
	cr_assert_str_eq(file, "", "no root, nothing given: no boot file");
	cr_assert_str_eq(efi, "");
	tftp_boot_files(none, "vm.pxe", true, file, efi);
	cr_assert_str_eq(file, "vm.pxe", "--nattftpfile or --nattftpserver: offered anyway");
	cr_assert_str_eq(efi, "");
	tftp_boot_files(root, "", true, file, efi);
	cr_assert_str_eq(file, "");

	tftp_boot_files(root, "vm.pxe", false, file, efi);
	cr_assert_str_eq(file, "vm.pxe");
	cr_assert_str_eq(efi, "", "no vm.efi in the root");
	snprintf(p, sizeof(p), "%s/vm.efi", root);
	mkfile(p, "efi", 3);
	tftp_boot_files(root, "vm.pxe", false, file, efi);
	cr_assert_str_eq(efi, "vm.efi");

	snprintf(p, sizeof(p), "%s/sub/cfg.efi", root);
	mkfile(p, "efi", 3);
	tftp_boot_files(root, "sub/cfg", false, file, efi);
	cr_assert_str_eq(file, "sub/cfg");
	cr_assert_str_eq(efi, "sub/cfg.efi", ".efi appended when not .pxe");

	/* an EFI file that is a link out of the root is not offered */
	snprintf(p, sizeof(p), "%s/out.efi", root);
	cr_assert_eq(symlink("../secret", p), 0);
	tftp_boot_files(root, "out.pxe", false, file, efi);
	cr_assert_str_eq(file, "out.pxe");
	cr_assert_str_eq(efi, "");
}
