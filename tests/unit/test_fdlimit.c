/* SPDX-License-Identifier: MIT */
/* Unit tests for base/fdlimit.c: raising RLIMIT_NOFILE, the guests' budget,
 * the EMFILE counter. Each test runs in its own process (Criterion). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/fdlimit.h"

static void set_soft(rlim_t soft)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (soft > rl.rlim_max)
		soft = rl.rlim_max;
	rl.rlim_cur = soft;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

Test(fdlimit, raises_the_soft_limit_to_the_hard_one)
{
	struct rlimit rl;
	struct fdlimit_stats st;
	uint64_t got;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < 200 || rl.rlim_max == RLIM_INFINITY)
		cr_skip_test("hard limit %llu: nothing to raise to", (unsigned long long)rl.rlim_max);
	set_soft(100);
	got = fdlimit_raise();
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(got, rl.rlim_cur);
	cr_assert_gt(rl.rlim_cur, 100);
	fdlimit_get_stats(&st);
	cr_assert_eq(st.initial, 100);
	cr_assert_eq(st.limit, rl.rlim_cur);
	cr_assert_eq(st.hard, rl.rlim_max);
}

Test(fdlimit, budget_is_the_limit_less_open_descriptors_and_reserve)
{
	struct fdlimit_stats st;
	unsigned open_now, budget;

	set_soft(64);
	open_now = fdlimit_open_now();
	cr_assert_gt(open_now, 2, "stdin, stdout, stderr at least");
	budget = fdlimit_set_budget(10);
	cr_assert_eq(budget, 64 - open_now - 10);
	for (unsigned i = 0; i < budget; i++)
		cr_assert(fdlimit_take(), "take %u of %u", i, budget);
	cr_assert_not(fdlimit_take());
	cr_assert_not(fdlimit_take());
	fdlimit_get_stats(&st);
	cr_assert_eq(st.in_use, budget);
	cr_assert_eq(st.refused, 2);
	cr_assert_eq(st.reserve, 10);
	fdlimit_give();
	cr_assert(fdlimit_take(), "a descriptor given back can be taken again");
	for (unsigned i = 0; i < budget + 5; i++)
		fdlimit_give(); /* never below zero */
	fdlimit_get_stats(&st);
	cr_assert_eq(st.in_use, 0);
}

Test(fdlimit, no_budget_when_the_reserve_does_not_fit)
{
	set_soft(64);
	cr_assert_eq(fdlimit_set_budget(1000), 0);
	cr_assert_not(fdlimit_take());
}

Test(fdlimit, without_a_budget_every_take_succeeds)
{
	for (int i = 0; i < 100000; i++)
		cr_assert(fdlimit_take());
}

Test(fdlimit, emfile_and_enfile_are_counted)
{
	struct fdlimit_stats st;

	fdlimit_note(EMFILE, "test");
	fdlimit_note(ENFILE, "test");
	fdlimit_note(ECONNREFUSED, "test");
	fdlimit_note(0, "test");
	fdlimit_get_stats(&st);
	cr_assert_eq(st.exhausted, 2);
}
