/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c - runs a fuzz target without libFuzzer: every file named on
 * the command line, or found directly in a directory named there, is passed
 * once to LLVMFuzzerTestOneInput(). This is how the corpora run in the
 * normal test suite (tests/CMakeLists.txt links it with each fuzz_*.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 0, or -errno when the file cannot be read. */
static int replay_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
	}
	if (rc == 0)
		LLVMFuzzerTestOneInput(buf, len);
out:
	if (f)
		fclose(f);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
	return rc;
}

static int replay_dir(const char *dir, unsigned *count)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path) < 0)
			rc = -EIO;
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				failed = 1;
		} else {
			if (replay_file(argv[i]) < 0)
				failed = 1;
			count++;
		}
	}
	printf("replay: %u input(s)%s\n", count, failed ? ", some unreadable" : "");
	return failed;
}
