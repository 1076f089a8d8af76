/* SPDX-License-Identifier: MIT */
/*
 * intnet_client.c - the callers' side of the switch daemons of internal
 * networks and host-only interfaces (natd/intnet_service.c): where their
 * files are, starting a daemon when none runs and waiting for its switch,
 * its secret, its status, and its uplink. See
 * intnet_service.h.
 */
#include "natd/intnet_service.h"
#include "natd/intnet_service_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/config.h"
#include "natd/ctl_client.h"
#include "natd/daemon.h"
#include "natd/intnet_dir.h"
#include "natd/natnet_store.h"

#define INTNET_READY_TIMEOUT_MS 10000
#define INTNET_CTL_TIMEOUT_MS   5000

static const struct switchd_desc switchd_descs[] = {
	[SWITCHD_INTNET] = { "intnet", "intnet-switch", "internal network" },
	[SWITCHD_HOSTONLY] = { "hostonly", "hostonly-switch", "host-only interface" },
};

const struct switchd_desc *switchd_desc(enum switchd_kind k)
{
	return &switchd_descs[k];
}

int switchd_run_path(enum switchd_kind k, const char *home, const char *name,
		     const char *suffix, char *out, size_t outlen)
{
	int n;

	if (k == SWITCHD_INTNET)
		return intnet_run_path(home, name, suffix, out, outlen);
	if (strlen(home) > PATH_MAX - 100 || (name && strlen(name) >= NATD_NAME_MAX) ||
	    (suffix && strlen(suffix) > 8))
		return -ENAMETOOLONG;
	if (name)
		n = snprintf(out, outlen, "%.*s/run/%s/%.63s.%.8s", PATH_MAX - 100, home,
			     switchd_descs[k].dir, name, suffix);
	else
		n = snprintf(out, outlen, "%.*s/run/%s", PATH_MAX - 100, home,
			     switchd_descs[k].dir);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int switchd_dir_check(enum switchd_kind k, const char *dir, gid_t *share_gid,
			     char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (k == SWITCHD_INTNET)
		return intnet_dir_check(dir, share_gid, err, errlen);
	*share_gid = (gid_t)-1;
	rc = natnet_mkdir_p(dir);
	if (rc < 0)
		return errfmt(err, errlen, rc, "cannot create %s: %s", dir, strerror(-rc));
	if (stat(dir, &st) == 0 && st.st_uid != geteuid() && geteuid() != 0)
		return errfmt(err, errlen, -EPERM, "%s belongs to uid %ld, not to you: %ss are "
			      "one user's", dir, (long)st.st_uid, switchd_descs[k].what);
	return 0;
}

struct isv_exec_args {
	enum switchd_kind kind;
	const char *name;
};

static char switchd_user[32]; /* "UID:GID" of natd run --user, or "" */
static const char *switchd_sandbox; /* natd run's --sandbox mode, or NULL */

void switchd_set_user(uid_t uid, gid_t gid)
{
	snprintf(switchd_user, sizeof(switchd_user), "%lu:%lu", (unsigned long)uid,
		 (unsigned long)gid);
}

void switchd_set_sandbox(enum sandbox_mode m)
{
	switchd_sandbox = sandbox_mode_name(m);
}

/* In the daemon_spawn() child: a fresh natd process for the daemon. */
static int isv_exec(void *arg, int ready_fd)
{
	const struct isv_exec_args *a = arg;
	char fd[16], self[PATH_MAX];
	char *argv[9];
	unsigned na = 0;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		daemon_report(ready_fd, "error: cannot find natd's executable: %s",
			      strerror(errno));
		return 1;
	}
	self[n] = '\0';
	snprintf(fd, sizeof(fd), "%d", ready_fd);
	fcntl(ready_fd, F_SETFD, 0); /* the pipe crosses exec */
	argv[na++] = "natd";
	argv[na++] = (char *)switchd_descs[a->kind].command;
	argv[na++] = (char *)a->name;
	argv[na++] = fd;
	if (switchd_user[0]) {
		argv[na++] = "--user";
		argv[na++] = switchd_user;
	}
	if (switchd_sandbox) {
		argv[na++] = "--sandbox";
		argv[na++] = (char *)switchd_sandbox;
	}
	argv[na] = NULL;
	execv(self, argv);
	daemon_report(ready_fd, "error: exec %s: %s", self, strerror(errno));
	return 1;
}

/* A shared network's log is the group's: whichever member's adapter starts
 * the daemon appends to it. */
static int share_log(const char *path, gid_t gid, char *err, size_t errlen)
{
	int fd, rc;

	if (gid == (gid_t)-1)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0)
		return errfmt(err, errlen, -errno, "%s: %s", path, strerror(errno));
	rc = intnet_dir_share_fd(fd, gid, 0660);
	close(fd);
	if (rc < 0 && rc != -EPERM)
		return errfmt(err, errlen, rc, "%s: %s", path, strerror(-rc));
	return 0;
}

/* 0 once the switch socket accepts a connection within timeout_ms. */
static int isv_wait_listening(const char *sock, int timeout_ms, int *why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int r;

		if (fd < 0)
			return -errno;
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		*why = r < 0 ? errno : 0;
		close(fd);
		if (r == 0)
			return 0;
		if (*why == EACCES || *why == EPERM)
			return -*why;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return -ETIMEDOUT;
}

int switchd_ensure(enum switchd_kind k, const char *home, const char *name, char *err,
		   size_t errlen)
{
	const char *what = switchd_descs[k].what;
	char dir[PATH_MAX], sock[PATH_MAX], pid[PATH_MAX], log[PATH_MAX];
	struct sockaddr_un sa;
	gid_t gid;
	int rc, why = 0;

	if (switchd_run_path(k, home, NULL, NULL, dir, sizeof(dir)) < 0 ||
	    switchd_run_path(k, home, name, "sock", sock, sizeof(sock)) < 0 ||
	    strlen(sock) >= sizeof(sa.sun_path))
		return errfmt(err, errlen, -ENAMETOOLONG, "the %s's socket path under NATD_HOME "
			      "is longer than a UNIX socket path may be (%zu bytes): use a shorter "
			      "NATD_HOME or name", what, sizeof(sa.sun_path) - 1);
	rc = switchd_dir_check(k, dir, &gid, err, errlen);
	if (rc < 0)
		return rc;
	switchd_run_path(k, home, name, "pid", pid, sizeof(pid));
	if (daemon_running(pid, NULL) != 1) {
		struct isv_exec_args a = { k, name };

		switchd_run_path(k, home, name, "log", log, sizeof(log));
		rc = share_log(log, gid, err, errlen);
		if (rc < 0)
			return rc;
		rc = daemon_spawn(log, isv_exec, &a, INTNET_READY_TIMEOUT_MS, err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = isv_wait_listening(sock, INTNET_READY_TIMEOUT_MS, &why);
	if (rc == -EACCES || rc == -EPERM)
		return errfmt(err, errlen, rc, "%s '%s': %s: permission denied (the switch is "
			      "another user's%s)", what, name, sock, k == SWITCHD_INTNET ?
			      " and not shared with a group of yours" : "");
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s '%s': its switch %s does not answer: %s",
			      what, name, sock, strerror(why ? why : -rc));
	return 0;
}

int intnet_service_ensure(const char *home, const char *name, char *err, size_t errlen)
{
	return switchd_ensure(SWITCHD_INTNET, home, name, err, errlen);
}

int switchd_read_secret(enum switchd_kind k, const char *home, const char *name,
			uint8_t secret[SWITCH_SECRET_LEN], char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (switchd_run_path(k, home, name, "key", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	return daemon_read_secret(path, secret, SWITCH_SECRET_LEN, err, errlen);
}

int intnet_read_secret(const char *home, const char *name, uint8_t secret[SWITCH_SECRET_LEN],
		       char *err, size_t errlen)
{
	return switchd_read_secret(SWITCHD_INTNET, home, name, secret, err, errlen);
}

int switchd_status(enum switchd_kind k, const char *home, const char *name, json_t **out,
		   char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (switchd_run_path(k, home, name, "pid", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	if (daemon_running(path, NULL) != 1)
		return errfmt(err, errlen, -ESRCH, "%s '%s' has no VMs", switchd_descs[k].what,
			      name);
	switchd_run_path(k, home, name, "ctl", path, sizeof(path));
	return ctl_call(path, "status", NULL, INTNET_CTL_TIMEOUT_MS, out, err, errlen);
}

int intnet_service_status(const char *home, const char *name, json_t **out, char *err,
			  size_t errlen)
{
	return switchd_status(SWITCHD_INTNET, home, name, out, err, errlen);
}

int switchd_set_uplink(enum switchd_kind k, const char *home, const char *name,
		       const char *uplink, char *err, size_t errlen)
{
	char path[PATH_MAX];
	json_t *args, *res = NULL;
	int rc;

	if (switchd_run_path(k, home, name, "pid", path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	if (daemon_running(path, NULL) != 1)
		return -ESRCH;
	switchd_run_path(k, home, name, "ctl", path, sizeof(path));
	args = json_pack("{s:s}", "uplink", uplink);
	if (!args)
		return errfmt(err, errlen, -ENOMEM, "out of memory");
	rc = ctl_call(path, "uplink", args, INTNET_CTL_TIMEOUT_MS, &res, err, errlen);
	json_decref(args);
	json_decref(res);
	return rc;
}

int intnet_service_set_uplink(const char *home, const char *name, const char *uplink,
			      char *err, size_t errlen)
{
	return switchd_set_uplink(SWITCHD_INTNET, home, name, uplink, err, errlen);
}
