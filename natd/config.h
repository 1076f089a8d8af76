/* SPDX-License-Identifier: MIT */
/*
 * config.h - the options of `natd run`, parsed and validated.
 *
 * The vocabulary is VBoxManage modifyvm's (INTERFACE.md): per-NIC options end
 * in the adapter number 1..8. config_parse_run() fills a natd_config from
 * argv without side effects; config_finish() applies defaults, derives the
 * addresses of each NIC and rejects combinations natd cannot honour, so that
 * `natd run` either starts with everything it was asked for or not at all.
 */
#ifndef NATD_CONFIG_H
#define NATD_CONFIG_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modes/adapter.h"
#include "natd/sandbox.h"

struct natd_config {
	char name[NATD_NAME_MAX];
	char home[PATH_MAX];          /* NATD_HOME */
	int verbosity;                /* 0 normal, 1 -v, 2 -vv; -1 -q */
	unsigned max_flows[3];        /* TCP, UDP, ICMP flows per VM */
	unsigned udp_timeout;         /* seconds a UDP flow may stay idle */
	size_t max_tcp_buffer;        /* bytes of host data held for the guest's
				       * TCP connections, all together */
	struct sandbox_opts sandbox;  /* --user, --sandbox (natd/sandbox.h) */
	struct nic_config nic[NATD_MAX_NICS]; /* nic[0] is adapter 1 */
};

/* Defaults for every field; home from the environment (config_default_home). */
void config_init(struct natd_config *cfg);

/*
 * Parses the arguments of `natd run` (argv[0] is "run"). Returns 0, 1 when
 * --help was asked for (nothing else done), or -EINVAL with a one-line
 * message naming the option in err.
 */
/* A VM or NAT-network name: 1 to NATD_NAME_MAX-1 of [A-Za-z0-9._-], not
 * starting with '.' or '-' (names become file names under $NATD_HOME/run). */
bool config_name_valid(const char *s);

int config_parse_run(struct natd_config *cfg, int argc, char **argv,
		     char *err, size_t errlen);

/*
 * Applies defaults (with no NIC named: NIC 1 NAT on stream:HOME/run/NAME.sock),
 * derives addresses, checks consistency and refuses what is not supported yet.
 * Returns 0 or -EINVAL with the reason in err.
 */
int config_finish(struct natd_config *cfg, char *err, size_t errlen);

void config_free(struct natd_config *cfg);

/* $NATD_HOME, else $XDG_STATE_HOME/natd, else /var/lib/natd as root, else
 * ~/.local/state/natd. */
void config_default_home(char *out, size_t outlen);

/* Parses "a.b.c.d/len". Returns 0 or -EINVAL. */
int config_parse_cidr(const char *s, struct in_addr *net, unsigned *prefixlen);
/* Parses "aa:bb:cc:dd:ee:ff", "aa-bb-..." or VirtualBox's "AABBCCDDEEFF". */
int config_parse_mac(const char *s, uint8_t mac[6]);

/* A size in bytes: digits, optionally followed by k, M or G (binary:
 * 1024, 1024^2, 1024^3). Returns 0 or -EINVAL (also on overflow). */
int config_parse_size(const char *s, size_t *out);
/* Bounds of --max-tcp-buffer. */
#define CONFIG_TCP_BUFFER_MIN ((size_t)1 << 20)
#define CONFIG_TCP_BUFFER_MAX ((size_t)64 << 30)

/* The adapter number of a per-NIC option or controlvm subcommand: exactly
 * one digit 1..NATD_MAX_NICS ("1"; not "01", "9" or "4294967297"). */
int config_parse_adapter(const char *s, unsigned *x);

/* The text of `natd run --help`. */
extern const char config_run_help[];

/* The text of `natd --help` (natd/main_help.c). */
extern const char main_help[];

#endif
