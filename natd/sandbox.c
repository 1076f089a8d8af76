/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c - giving up privilege after start-up (natd/sandbox.h).
 *
 * The user change goes through libcap-ng's capng_change_id(): with
 * PR_SET_KEEPCAPS it sets the supplementary groups (the target user's, by
 * initgroups), the real, effective and saved group and user ids, and then
 * leaves exactly the capabilities selected before it in the effective and
 * permitted sets; the bounding set is cleared so that nothing can be
 * regained. The seccomp filter is built with libseccomp from the table of
 * natd/sandbox_syscalls.c, synchronised over every thread (libuv's thread
 * pool is running by then), with no_new_privs set.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

static const char *const mode_names[] = {
	[SANDBOX_ON] = "on", [SANDBOX_TRAP] = "trap", [SANDBOX_LOG] = "log",
	[SANDBOX_OFF] = "off",
};
_Static_assert(sizeof(mode_names) / sizeof(mode_names[0]) == SANDBOX_OFF + 1, "modes");

const char *sandbox_mode_name(enum sandbox_mode m)
{
	return mode_names[m];
}

int sandbox_parse_mode(const char *s, enum sandbox_mode *m, char *err, size_t errlen)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum sandbox_mode)i;
			return 0;
		}
	}
	snprintf(err, errlen, "expected on, off, trap or log, not '%s'", s);
	return -EINVAL;
}

void sandbox_opts_init(struct sandbox_opts *o)
{
	const char *env = getenv("NATD_SANDBOX");
	char why[128];

	memset(o, 0, sizeof(*o));
	o->mode = SANDBOX_ON;
	if (env && *env && sandbox_parse_mode(env, &o->mode, why, sizeof(why)) < 0) {
		log_warn("NATD_SANDBOX: %s; the sandbox stays on", why);
		o->mode = SANDBOX_ON;
	}
}

/* A name or a number of an existing user (group when grp). */
static int lookup_id(const char *s, bool grp, unsigned long *id, gid_t *login_gid)
{
	char *end;

	if (grp) {
		struct group *g = getgrnam(s);

		if (!g) {
			errno = 0;
			*id = strtoul(s, &end, 10);
			if (errno || *end || !*s || !(g = getgrgid((gid_t)*id)))
				return -ENOENT;
		}
		*id = g->gr_gid;
		return 0;
	}
	struct passwd *pw = getpwnam(s);

	if (!pw) {
		errno = 0;
		*id = strtoul(s, &end, 10);
		if (errno || *end || !*s || !(pw = getpwuid((uid_t)*id)))
			return -ENOENT;
	}
	*id = pw->pw_uid;
	*login_gid = pw->pw_gid;
	return 0;
}

int sandbox_parse_user(const char *spec, struct sandbox_opts *o, char *err, size_t errlen)
{
	char user[64];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long uid, gid;
	gid_t login_gid = 0;

	if (n == 0 || n >= sizeof(user) || (colon && !colon[1])) {
		snprintf(err, errlen, "--user: expected USER or USER:GROUP, not '%s'", spec);
		return -EINVAL;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if (lookup_id(user, false, &uid, &login_gid) < 0) {
		snprintf(err, errlen, "--user: no user '%s' on this system", user);
		return -EINVAL;
	}
	gid = login_gid;
	if (colon && lookup_id(colon + 1, true, &gid, NULL) < 0) {
		snprintf(err, errlen, "--user: no group '%s' on this system", colon + 1);
		return -EINVAL;
	}
	if (uid == 0) {
		snprintf(err, errlen, "--user: '%s' is root; natd drops to an unprivileged "
			 "user (leave --user out to stay root)", user);
		return -EINVAL;
	}
	if (geteuid() != 0 && (uid != geteuid() || gid != getegid())) {
		snprintf(err, errlen, "--user: natd runs as uid %lu, not root, and cannot "
			 "become '%s'; start it as root, or as that user without --user",
			 (unsigned long)geteuid(), spec);
		return -EPERM;
	}
	o->have_user = geteuid() == 0; /* natd's own user: nothing to change */
	o->uid = (uid_t)uid;
	o->gid = (gid_t)gid;
	snprintf(o->user, sizeof(o->user), "%s", spec);
	return 0;
}

/* --sandbox trap: name the call, then die of it as the default mode does. */
static void sandbox_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[192];
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "natd[%ld]: sandbox: forbidden system call %s (%d); "
		     "see README \"Privilege drop and sandbox\"\n", (long)getpid(),
		     name ? name : "?", si->si_syscall);
	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Set once the filter is loaded: a property of the process, never undone. */
static bool filter_loaded;

bool sandbox_may_spawn(void)
{
	return !filter_loaded;
}

static int add_list(scmp_filter_ctx ctx, const char *const *names, unsigned *count)
{
	for (unsigned i = 0; names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int rc;

		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue; /* not a call of this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0)
			return rc;
		(*count)++;
	}
	return 0;
}

static int install_filter(enum sandbox_mode mode, char *err, size_t errlen)
{
	uint32_t deny = mode == SANDBOX_TRAP ? SCMP_ACT_TRAP :
			mode == SANDBOX_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	unsigned count = 0;
	int rc;

	if (mode == SANDBOX_OFF) {
		log_info("sandbox: off (--sandbox off / NATD_SANDBOX=off): no system call filter");
		return 0;
	}
	if (mode == SANDBOX_TRAP) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSYS, &sa, NULL);
	}
	ctx = seccomp_init(deny);
	if (!ctx) {
		snprintf(err, errlen, "sandbox: seccomp_init failed");
		return -ENOMEM;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = add_list(ctx, sandbox_syscalls, &count);
#ifdef SANDBOX_SANITIZER
	if (rc == 0)
		rc = add_list(ctx, sandbox_syscalls_sanitizer, &count);
#endif
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc == 0 && mode != SANDBOX_LOG)
		filter_loaded = true;
	if (rc < 0) {
		snprintf(err, errlen, "sandbox: cannot install the seccomp filter: %s (--sandbox "
			 "off runs without it)", strerror(-rc));
		return rc;
	}
	log_info("sandbox: seccomp allowlist of %u system calls installed; others %s", count,
		 mode == SANDBOX_TRAP ? "are named in the log, then kill natd" :
		 mode == SANDBOX_LOG ? "are allowed and logged by the kernel (--sandbox log)" :
		 "kill natd (--sandbox trap names them)");
	return 0;
}

static int change_user(const struct sandbox_opts *o, unsigned caps, const char *const *own,
		       char *err, size_t errlen)
{
	uid_t r, e, s;
	char *kept;
	int rc;

	for (unsigned i = 0; own && own[i]; i++) {
		if (chown(own[i], o->uid, o->gid) < 0 && errno != ENOENT)
			log_warn("sandbox: cannot give %s to %s: %s", own[i], o->user,
				 strerror(errno));
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (caps & SANDBOX_CAP_NET_BIND_SERVICE)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_BIND_SERVICE);
	if (caps & SANDBOX_CAP_NET_ADMIN)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN);
	if (caps & SANDBOX_CAP_NET_RAW)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_RAW);
	rc = capng_change_id((int)o->uid, (int)o->gid, CAPNG_INIT_SUPP_GRP |
			     CAPNG_CLEAR_BOUNDING);
	if (rc < 0) {
		snprintf(err, errlen, "sandbox: cannot become %s (uid %lu, gid %lu): libcap-ng "
			 "error %d", o->user, (unsigned long)o->uid, (unsigned long)o->gid, rc);
		return -EPERM;
	}
	if (getresuid(&r, &e, &s) < 0 || r != o->uid || e != o->uid || s != o->uid ||
	    setuid(0) == 0) {
		snprintf(err, errlen, "sandbox: the user change to %s did not take", o->user);
		return -EPERM;
	}
	capng_get_caps_process();
	kept = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	log_info("sandbox: now user %s (uid %lu, gid %lu); capabilities kept: %s", o->user,
		 (unsigned long)o->uid, (unsigned long)o->gid,
		 kept && *kept && strcmp(kept, "none") ? kept : "none");
	free(kept);
	return 0;
}

int sandbox_enter(const struct sandbox_opts *o, unsigned caps, const char *const *own,
		  char *err, size_t errlen)
{
	int rc;

	if (o->have_user) {
		rc = change_user(o, caps, own, err, errlen);
		if (rc < 0)
			return rc;
	}
	return install_filter(o->mode, err, errlen);
}

int sandbox_enter_home(const struct sandbox_opts *o, unsigned caps, const char *home,
		       const char *const *files, char *err, size_t errlen)
{
	const char *own[SANDBOX_OWN_MAX + 1];
	struct stat st;
	unsigned n = 0;

	if (o->have_user && stat(home, &st) == 0 && st.st_uid == o->uid) {
		for (unsigned i = 0; files && files[i] && n < SANDBOX_OWN_MAX; i++)
			own[n++] = files[i];
	} else if (o->have_user) {
		log_warn("sandbox: NATD_HOME %s is not %s's: as %s natd cannot remove its "
			 "files under it when it stops (the next start replaces them) nor "
			 "write its state there; give --user a NATD_HOME of that user's", home,
			 o->user, o->user);
	}
	own[n] = NULL;
	return sandbox_enter(o, caps, own, err, errlen);
}

int sandbox_enter_service(enum sandbox_mode mode, char *err, size_t errlen)
{
	return install_filter(mode, err, errlen);
}
