/* SPDX-License-Identifier: MIT */
/*
 * fdlimit.c - the descriptor limit, budget and EMFILE counter (fdlimit.h).
 */
#include "base/fdlimit.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "base/log.h"

static struct {
	struct fdlimit_stats st;
	bool budget_set;
	struct log_ratelimit rl;
} fdl;

/* /proc/sys/fs/nr_open: the most a hard limit may be raised to. */
static uint64_t nr_open(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

uint64_t fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	fdl.st.initial = rl.rlim_cur;
	fdl.st.hard = rl.rlim_max;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		uint64_t max = nr_open();

		if (want == RLIM_INFINITY || (max && want > max))
			want = max ? max : rl.rlim_cur;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	fdl.st.limit = rl.rlim_cur;
	if (fdl.st.limit > fdl.st.initial)
		log_info("descriptors: RLIMIT_NOFILE raised from %llu to %llu",
			 (unsigned long long)fdl.st.initial, (unsigned long long)fdl.st.limit);
	return fdl.st.limit;
}

unsigned fdlimit_open_now(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* not the directory's own descriptor */
}

unsigned fdlimit_set_budget(unsigned reserve)
{
	struct rlimit rl;
	uint64_t used;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		fdl.st.limit = rl.rlim_cur;
		fdl.st.hard = rl.rlim_max;
		if (!fdl.st.initial)
			fdl.st.initial = rl.rlim_cur;
	}
	used = (uint64_t)fdlimit_open_now() + reserve;
	fdl.st.reserve = reserve;
	if (fdl.st.limit <= used)
		fdl.st.budget = 0;
	else if (fdl.st.limit == RLIM_INFINITY || fdl.st.limit - used > UINT32_MAX / 2)
		fdl.st.budget = UINT32_MAX / 2;
	else
		fdl.st.budget = (unsigned)(fdl.st.limit - used);
	fdl.budget_set = true;
	return fdl.st.budget;
}

bool fdlimit_take(void)
{
	if (fdl.budget_set && fdl.st.in_use >= fdl.st.budget) {
		fdl.st.refused++;
		log_ratelimited(&fdl.rl, LOG_LVL_WARN, "descriptors: all %u that guests may use "
				"are open (RLIMIT_NOFILE %llu, %u kept in reserve): new flows are "
				"refused", fdl.st.budget, (unsigned long long)fdl.st.limit,
				fdl.st.reserve);
		return false;
	}
	fdl.st.in_use++;
	return true;
}

void fdlimit_give(void)
{
	if (fdl.st.in_use > 0)
		fdl.st.in_use--;
}

void fdlimit_note(int err, const char *what)
{
	if (err != EMFILE && err != ENFILE)
		return;
	fdl.st.exhausted++;
	log_ratelimited(&fdl.rl, LOG_LVL_WARN, "descriptors: %s: %s (RLIMIT_NOFILE %llu)", what,
			strerror(err), (unsigned long long)fdl.st.limit);
}

void fdlimit_get_stats(struct fdlimit_stats *st)
{
	*st = fdl.st;
}
