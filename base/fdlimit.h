/* SPDX-License-Identifier: MIT */
/*
 * fdlimit.h - natd's file descriptors: the process's limit (RLIMIT_NOFILE,
 * raised to the hard limit at start), a budget for the descriptors guests
 * make natd open (flows' host sockets, forwarded connections, TFTP files),
 * and a count of EMFILE/ENFILE failures.
 *
 * The budget is the limit less the descriptors open when it is set and a
 * reserve kept for what must keep working whatever the guests do: the
 * control socket (showvminfo), DNS, the transports, a NAT network's switch
 * ports. Whoever opens a descriptor for a guest takes one from the budget
 * first (fdlimit_take()) and gives it back when it closed it; when none is
 * left the guest's flow is refused at once (and counted), instead of
 * exhausting the process's descriptors. One budget per process, like the
 * limit itself.
 */
#ifndef NATD_FDLIMIT_H
#define NATD_FDLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct fdlimit_stats {
	uint64_t limit;        /* the soft limit now */
	uint64_t hard;         /* the hard limit */
	uint64_t initial;      /* the soft limit natd started with */
	unsigned reserve;      /* kept out of the budget */
	unsigned budget;       /* descriptors guests may make natd open */
	unsigned in_use;       /* of the budget */
	uint64_t refused;      /* fdlimit_take() refused: budget used up */
	uint64_t exhausted;    /* EMFILE or ENFILE seen (fdlimit_note()) */
};

/* Raises the soft RLIMIT_NOFILE to the hard limit (at most
 * /proc/sys/fs/nr_open). Returns the soft limit in force afterwards. */
uint64_t fdlimit_raise(void);

/* Descriptors open in this process now (entries of /proc/self/fd), or 0
 * when that cannot be read. */
unsigned fdlimit_open_now(void);

/* Sets the budget: the soft limit less the descriptors open now and
 * reserve (0 when that leaves nothing). Returns the budget. */
unsigned fdlimit_set_budget(unsigned reserve);

/* Takes one descriptor from the budget: false (counted in refused) when
 * none is left. Until fdlimit_set_budget() is called there is no budget
 * and every take succeeds. */
bool fdlimit_take(void);
/* Gives one back (after closing the descriptor taken for). */
void fdlimit_give(void);

/* err (a positive errno value) from socket(), accept(), open()...: when it
 * is EMFILE or ENFILE, counts it and logs (rate-limited) what failed. */
void fdlimit_note(int err, const char *what);

void fdlimit_get_stats(struct fdlimit_stats *st);

#endif
