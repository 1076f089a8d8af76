/* SPDX-License-Identifier: MIT */
/*
 * natnet_store.c - natd.json (lock, load, check NAT networks against each
 * other, save) and the file helpers natd's other files use (see
 * natnet_store.h); a definition's JSON form is natd/natnet_json.c.
 *
 * natd.json looks like
 *   {
 *     "version": 1,
 *     "natnetworks": [
 *       { "name": "natnet1", "network": "192.168.15.0/24", "enabled": true,
 *         "dhcp": true, "ipv6": false, "ipv6_default": false,
 *         "port_forward_4": [ "ssh:tcp:[]:1022:[192.168.15.5]:22" ],
 *         "port_forward_6": [], "loopback_4": [ "127.0.0.1=2" ],
 *         "loopback_6": 0 }
 *     ]
 *   }
 * Rules are kept as text in the NAT-network syntax and parsed by
 * forwarders/pfrule.c, so the file reads as the commands that made it.
 */
#include "natd/natnet_store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/natnet_store_internal.h"

#define STORE_LOCK_WAIT_MS 30000
#define STORE_MAX_BYTES    (4 << 20)

/* --- the store -------------------------------------------------------------- */

static void store_clear(struct natnet_store *st)
{
	json_decref(st->root);
	st->root = NULL;
	free(st->defs);
	st->defs = NULL;
	st->n = 0;
}

int natnet_store_find(const struct natnet_store *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->defs[i].name, name))
			return (int)i;
	return -1;
}

static int check_against(const struct natnet_def *o, const struct natnet_def *d,
			 char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN + 4], b[INET_ADDRSTRLEN + 4];
	struct uplink uo, ud;

	if (o->uplink[0] && d->uplink[0] && uplink_parse(o->uplink, &uo, NULL, 0) == 0 &&
	    uplink_parse(d->uplink, &ud, NULL, 0) == 0 && uo.kind == UPLINK_UDP &&
	    ud.kind == UPLINK_UDP && uo.lport == ud.lport)
		return errfmt(err, errlen, -EEXIST, "uplink %s: UDP port %u is the uplink of NAT "
			      "network '%s' already", d->uplink, ud.lport, o->name);
	if (natnet_overlap(o, d)) {
		natnet_format_network(d, a, sizeof(a));
		natnet_format_network(o, b, sizeof(b));
		return errfmt(err, errlen, -EINVAL, "network %s overlaps NAT network '%s' (%s)",
			      a, o->name, b);
	}
	for (unsigned i = 0; i < d->n_rules4 + d->n_rules6; i++) {
		const struct pfrule *r = i < d->n_rules4 ? &d->rules4[i]
							 : &d->rules6[i - d->n_rules4];

		for (unsigned j = 0; j < o->n_rules4 + o->n_rules6; j++) {
			const struct pfrule *q = j < o->n_rules4 ? &o->rules4[j]
								 : &o->rules6[j - o->n_rules4];

			if (pfrule_host_conflict(r, q))
				return errfmt(err, errlen, -EEXIST, "rule '%s': host %s port %u is "
					      "already forwarded by rule '%s' of NAT network '%s'",
					      r->name, pfrule_proto_name(r->proto), r->host_port,
					      q->name, o->name);
		}
	}
	return 0;
}

int natnet_store_check_def(const struct natnet_store *st, const struct natnet_def *d,
			   char *err, size_t errlen)
{
	for (size_t i = 0; i < st->n; i++) {
		int rc;

		if (!strcmp(st->defs[i].name, d->name))
			continue;
		rc = check_against(&st->defs[i], d, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int natnet_store_put(struct natnet_store *st, const struct natnet_def *d)
{
	int i = natnet_store_find(st, d->name);
	struct natnet_def *nd;

	if (i >= 0) {
		st->defs[i] = *d;
		return 0;
	}
	if (st->n >= NATNET_MAX_NETWORKS)
		return -ENOSPC;
	nd = realloc(st->defs, (st->n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	st->defs = nd;
	st->defs[st->n++] = *d;
	return 0;
}

int natnet_store_remove(struct natnet_store *st, const char *name)
{
	int i = natnet_store_find(st, name);

	if (i < 0)
		return -ENOENT;
	memmove(&st->defs[i], &st->defs[i + 1], (st->n - (size_t)i - 1) * sizeof(st->defs[0]));
	st->n--;
	return 0;
}

int natnet_store_parse(struct natnet_store *st, const char *text, size_t len,
		       const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *ver, *arr, *o;
	char why[384];
	size_t i, k;
	int rc = -EINVAL;

	store_clear(st);
	for (k = 0; k < len && isspace((unsigned char)text[k]); k++)
		;
	if (k == len) {
		st->root = json_object();
		return st->root ? 0 : -ENOMEM;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return errfmt(err, errlen, -EINVAL, "%s: line %d column %d: %s (the file is "
			      "left as it is: fix or remove it)", path, je.line, je.column,
			      je.text);
	if (!json_is_object(root)) {
		errfmt(err, errlen, -EINVAL, "%s: line 1: expected a JSON object", path);
		goto out;
	}
	ver = json_object_get(root, "version");
	if (ver && (!json_is_integer(ver) || json_integer_value(ver) < 1)) {
		errfmt(err, errlen, -EINVAL, "%s: version: expected a positive number", path);
		goto out;
	}
	if (ver && json_integer_value(ver) > NATNET_STORE_VERSION) {
		errfmt(err, errlen, -EINVAL, "%s: version %lld is newer than this natd "
		       "understands (%d)", path, (long long)json_integer_value(ver),
		       NATNET_STORE_VERSION);
		goto out;
	}
	arr = json_object_get(root, "natnetworks");
	if (arr && !json_is_array(arr)) {
		errfmt(err, errlen, -EINVAL, "%s: natnetworks: expected a list", path);
		goto out;
	}
	if (arr && json_array_size(arr) > NATNET_MAX_NETWORKS) {
		errfmt(err, errlen, -EINVAL, "%s: natnetworks: more than %d networks", path,
		       NATNET_MAX_NETWORKS);
		goto out;
	}
	if (arr && json_array_size(arr)) {
		st->defs = calloc(json_array_size(arr), sizeof(st->defs[0]));
		if (!st->defs) {
			rc = errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
			goto out;
		}
	}
	json_array_foreach(arr, i, o) {
		struct natnet_def *d = &st->defs[st->n];
		const char *nm = json_string_value(json_object_get(o, "name"));

		rc = natnet_def_from_json(o, d, why, sizeof(why));
		if (rc == 0 && natnet_store_find(st, d->name) >= 0)
			rc = errfmt(why, sizeof(why), -EINVAL, "a second network of that name");
		for (size_t j = 0; rc == 0 && j < st->n; j++)
			rc = check_against(&st->defs[j], d, why, sizeof(why));
		if (rc < 0) {
			errfmt(err, errlen, -EINVAL, "%s: natnetworks[%zu]%s%.64s%s: %s", path, i,
			       nm ? " (" : "", nm ? nm : "", nm ? ")" : "", why);
			rc = -EINVAL;
			goto out;
		}
		st->n++;
	}
	st->root = root;
	return 0;
out:
	json_decref(root);
	store_clear(st);
	return rc;
}

/* Reads a whole small file. 0 and *text (NUL-terminated, caller frees), or -errno. */
int natnet_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;
	int rc;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 1 >= cap || !buf) {
			if (cap > STORE_MAX_BYTES) {
				rc = errfmt(err, errlen, -EFBIG, "%s: larger than %d bytes", path,
					    STORE_MAX_BYTES);
				goto out;
			}
			nb = realloc(buf, buf ? cap *= 2 : cap);
			if (!nb) {
				rc = errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = errfmt(err, errlen, -errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	close(fd);
	return 0;
out:
	free(buf);
	close(fd);
	return rc;
}

int natnet_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int natnet_private_dir(const char *path, char *err, size_t errlen)
{
	uid_t me = geteuid();
	struct stat st;
	int rc;

	rc = natnet_mkdir_p(path);
	if (rc < 0)
		return errfmt(err, errlen, rc, "cannot create %s: %s (set NATD_HOME to a "
			      "writable directory)", path, strerror(-rc));
	if (stat(path, &st) < 0)
		return errfmt(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errfmt(err, errlen, -ENOTDIR, "%s is not a directory", path);
	if (st.st_uid != me && me != 0)
		return errfmt(err, errlen, -EPERM, "%s belongs to uid %ld, not to you: natd "
			      "keeps its sockets in a directory of its own user (set NATD_HOME "
			      "to one of yours)", path, (long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return errfmt(err, errlen, -EPERM, "%s is writable by other users (mode %04o): "
			      "what is in it cannot be trusted; remove it, or chmod 700 it if "
			      "you know its contents are yours", path,
			      (unsigned)(st.st_mode & 07777));
	if ((st.st_mode & 07777) != 0700) {
		if (chmod(path, 0700) < 0)
			return errfmt(err, errlen, -errno, "%s has mode %04o and cannot be made "
				      "0700: %s", path, (unsigned)(st.st_mode & 07777),
				      strerror(errno));
		log_warn("%s had mode %04o; made it 0700, as natd creates it", path,
			 (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

static int store_lock(struct natnet_store *st, char *err, size_t errlen)
{
	char lp[PATH_MAX + 8];
	int fd, rc;

	rc = natnet_mkdir_p(st->home);
	if (rc < 0)
		return errfmt(err, errlen, rc, "cannot create %s: %s (set NATD_HOME to a "
			      "writable directory)", st->home, strerror(-rc));
	snprintf(lp, sizeof(lp), "%s.lock", st->path);
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "%s: %s", lp, strerror(errno));
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 20) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = errfmt(err, errlen, -errno, "%s: lock: %s", lp, strerror(errno));
			close(fd);
			return rc;
		}
		if (waited >= STORE_LOCK_WAIT_MS) {
			close(fd);
			return errfmt(err, errlen, -EBUSY, "%s: still locked by another natd "
				      "command after %d s", lp, STORE_LOCK_WAIT_MS / 1000);
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	st->lock_fd = fd;
	return 0;
}

int natnet_store_load(struct natnet_store *st, const char *home, bool lock,
		      char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	if ((size_t)snprintf(st->home, sizeof(st->home), "%s", home) >= sizeof(st->home) ||
	    (size_t)snprintf(st->path, sizeof(st->path), "%s/natd.json", home) >=
		    sizeof(st->path) - 8)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	if (lock) {
		rc = store_lock(st, err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = natnet_read_file(st->path, &text, &len, err, errlen);
	if (rc == -ENOENT) {
		rc = natnet_store_parse(st, "", 0, st->path, err, errlen);
	} else if (rc == 0) {
		rc = natnet_store_parse(st, text, len, st->path, err, errlen);
	} else if (err && !err[0]) {
		errfmt(err, errlen, rc, "%s: %s", st->path, strerror(-rc));
	}
	free(text);
	if (rc < 0)
		natnet_store_release(st);
	return rc;
}

int natnet_write_atomic(const char *path, const char *text, size_t len, char *err,
			size_t errlen)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t off = 0;
	int fd, dfd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return errfmt(err, errlen, -ENAMETOOLONG, "%s: path too long", path);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "%s: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = errfmt(err, errlen, -errno, "%s: write: %s", tmp, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = errfmt(err, errlen, -errno, "%s: fsync: %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = errfmt(err, errlen, -errno, "%s: close: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = errfmt(err, errlen, -errno, "rename %s to %s: %s", tmp, path,
			    strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) < 0)
			rc = errfmt(err, errlen, -errno, "%s: fsync: %s", dir, strerror(errno));
		close(dfd);
	}
	return rc;
}

/* Writes json_dumps() output plus a final newline; frees text. */
int natnet_write_json(const char *path, char *text, char *err, size_t errlen)
{
	size_t n = strlen(text);
	char *t = realloc(text, n + 2);
	int rc;

	if (!t) {
		free(text);
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	rc = natnet_write_atomic(path, t, n + 1, err, errlen);
	free(t);
	return rc;
}

int natnet_store_save(struct natnet_store *st, char *err, size_t errlen)
{
	json_t *arr;
	char *text;
	int rc;

	if (st->lock_fd < 0)
		return errfmt(err, errlen, -ENOLCK, "%s: not locked", st->path);
	arr = json_array();
	if (!arr || !st->root)
		goto nomem;
	for (size_t i = 0; i < st->n; i++)
		if (json_array_append_new(arr, natnet_def_to_json(&st->defs[i])) < 0)
			goto nomem;
	if (json_object_set_new(st->root, "version", json_integer(NATNET_STORE_VERSION)) < 0 ||
	    json_object_set_new(st->root, "natnetworks", arr) < 0) {
		arr = NULL;
		goto nomem;
	}
	text = json_dumps(st->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", st->path);
	rc = natnet_write_json(st->path, text, err, errlen);
	return rc;
nomem:
	json_decref(arr);
	return errfmt(err, errlen, -ENOMEM, "%s: out of memory", st->path);
}

int natnet_store_set_key(struct natnet_store *st, const char *key, json_t *value, char *err,
			 size_t errlen)
{
	/* A new file reads in order: version, natnetworks, then the others. */
	if (st->root && !json_object_get(st->root, "version"))
		json_object_set_new(st->root, "version", json_integer(NATNET_STORE_VERSION));
	if (st->root && !json_object_get(st->root, "natnetworks"))
		json_object_set_new(st->root, "natnetworks", json_array());
	if (!value || !st->root || json_object_set_new(st->root, key, value) < 0) {
		if (!st->root)
			json_decref(value);
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", st->path);
	}
	return 0;
}

int natnet_store_update_key(struct natnet_store *st, const char *key, json_t *value,
			    char *err, size_t errlen)
{
	int rc = natnet_store_set_key(st, key, value, err, errlen);

	return rc < 0 ? rc : natnet_store_save(st, err, errlen);
}

void natnet_store_release(struct natnet_store *st)
{
	store_clear(st);
	if (st->lock_fd >= 0) {
		flock(st->lock_fd, LOCK_UN);
		close(st->lock_fd);
		st->lock_fd = -1;
	}
}
