/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - what a long-running natd process gives up once it has opened
 * everything that needs privilege: its user (--user USER[:GROUP]: setgroups,
 * setresgid, setresuid through libcap-ng, keeping only the capabilities a
 * running feature needs) and most of the kernel's system calls (a seccomp
 * allowlist through libseccomp, natd/sandbox_syscalls.c; a call outside it
 * kills the process).
 *
 * natd run calls sandbox_enter_run() after its adapters, control socket and
 * signal handlers are up and before its loop runs; the NAT-network service
 * and the switch daemons call sandbox_enter_service() once they are ready.
 */
#ifndef NATD_SANDBOX_H
#define NATD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum sandbox_mode {
	SANDBOX_ON,   /* allowlist; anything else kills the process */
	SANDBOX_TRAP, /* allowlist; anything else is logged by name, then kills */
	SANDBOX_LOG,  /* allowlist; anything else is allowed and logged by the kernel */
	SANDBOX_OFF,  /* no filter */
};

struct sandbox_opts {
	enum sandbox_mode mode;
	bool have_user;  /* --user given */
	uid_t uid;
	gid_t gid;
	char user[64];   /* as given, for messages */
};

/* Capabilities natd may keep after --user (bit set). */
#define SANDBOX_CAP_NET_BIND_SERVICE 0x1u
#define SANDBOX_CAP_NET_ADMIN        0x2u
#define SANDBOX_CAP_NET_RAW          0x4u

/* Mode from NATD_SANDBOX (on when unset); user none. */
void sandbox_opts_init(struct sandbox_opts *o);

/* "on", "off", "trap", "log". Returns 0 or -EINVAL with a one-line message. */
int sandbox_parse_mode(const char *s, enum sandbox_mode *m, char *err, size_t errlen);

const char *sandbox_mode_name(enum sandbox_mode m);

/*
 * --user USER[:GROUP]: a user and group name or number that exist. GROUP
 * defaults to USER's login group. Refused when natd does not run as root
 * (unless USER is natd's own user and group, a no-op), and for root itself.
 * Returns 0 or -EINVAL with a one-line message.
 */
int sandbox_parse_user(const char *spec, struct sandbox_opts *o, char *err, size_t errlen);

/*
 * Gives up the user (when o->have_user) and then installs the seccomp filter
 * (unless o->mode is off). caps: SANDBOX_CAP_* kept after the user change.
 * own: NULL-terminated paths handed to the new user first (chown), those
 * that exist. Returns 0 or a negative errno with the reason in err; on
 * failure the process must not go on.
 */
int sandbox_enter(const struct sandbox_opts *o, unsigned caps, const char *const *own,
		  char *err, size_t errlen);

/*
 * sandbox_enter() for a process whose state is under NATD_HOME home: files
 * (NULL-ended, at most SANDBOX_OWN_MAX) become the user's when home is the
 * user's; otherwise natd warns that it cannot remove or write them later.
 */
#define SANDBOX_OWN_MAX 8
int sandbox_enter_home(const struct sandbox_opts *o, unsigned caps, const char *home,
		       const char *const *files, char *err, size_t errlen);

/* natd run (natd/sandbox_run.c): sandbox_enter() with cfg's --user and
 * --sandbox, keeping CAP_NET_BIND_SERVICE when an adapter is in NAT mode
 * (run-time port forwards below 1024) and CAP_NET_ADMIN when one is on a tap
 * (carrier changes); run_dir and the control socket become the user's when
 * NATD_HOME is. */
struct natd_config;
int sandbox_enter_run(const struct natd_config *cfg, const char *run_dir, char *err,
		      size_t errlen);

/* The NAT-network service NAME (natd/sandbox_run.c): sandbox_enter() with
 * natnetwork start's --user, keeping CAP_NET_BIND_SERVICE; its files under
 * run/ become the user's when NATD_HOME is. */
int sandbox_enter_natnet(const struct sandbox_opts *sb, const char *home, const char *name,
			 char *err, size_t errlen);

/* The switch daemons without --user: the filter only, in mode (their
 * --sandbox, else NATD_SANDBOX's). Returns as sandbox_enter(). */
int sandbox_enter_service(enum sandbox_mode mode, char *err, size_t errlen);

/* False once this process's filter forbids creating processes (fork,
 * execve): daemon_spawn() refuses then, with the reason, instead of dying. */
bool sandbox_may_spawn(void);

/* The allowlist (natd/sandbox_syscalls.c): system call names, NULL-ended;
 * names this architecture lacks are skipped. */
extern const char *const sandbox_syscalls[];
/* Added when built with AddressSanitizer or UndefinedBehaviorSanitizer: what
 * their runtime calls (LeakSanitizer's exit check stops the process with a
 * ptrace()d clone). */
extern const char *const sandbox_syscalls_sanitizer[];

#endif
