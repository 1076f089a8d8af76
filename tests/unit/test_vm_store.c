/* SPDX-License-Identifier: MIT */
/*
 * test_vm_store.c - stored VM settings and bandwidth groups
 * (natd/vm_store.h, natd/bwgroup.h, devices/shaper.h): modifyvm's merge
 * rules (replace, --natpf<x> add and delete, --nicproperty<x> per key,
 * canonical spelling), the run arguments (a none adapter's settings left
 * out), the JSON parser's refusals, the RATE syntax and the token bucket.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "devices/shaper.h"
#include "natd/bwgroup.h"
#include "natd/vm_store.h"

static void apply(struct vm_def *d, int argc, char **argv)
{
	char err[256];

	cr_assert_eq(vm_def_apply(d, argc, argv, err, sizeof(err)), 0, "%s", err);
}

static const char *value_of(const struct vm_def *d, const char *opt)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->s[i].opt, opt))
			return d->s[i].value;
	return NULL;
}

Test(vm_store, replace_and_canonical)
{
	struct vm_def d = { .name = "vm" };
	char *a1[] = { "--nic1", "nat", "--nictype1=virtio", "--max-tcp-flows", "100" };
	char *a2[] = { "--nictype1", "82545EM" };

	apply(&d, 5, a1);
	cr_assert_str_eq(value_of(&d, "nictype1"), "virtio", "the --opt=value form");
	apply(&d, 2, a2);
	cr_assert_str_eq(value_of(&d, "nictype1"), "82545EM");
	cr_assert_eq(d.n, 3, "replaced, not added");
	cr_assert_str_eq(value_of(&d, "max-tcp-flows"), "100");
	vm_def_free(&d);
}

Test(vm_store, natpf_add_delete)
{
	struct vm_def d = { .name = "vm" };
	char *add[] = { "--natpf1", "a,tcp,,1000,,22", "--natpf1", "b,udp,,1001,,53" };
	char *dup[] = { "--natpf1", "a,tcp,,2000,,22" };
	char *del[] = { "--natpf1", "delete", "a" };
	char *del_missing[] = { "--natpf1", "delete", "zz" };
	char err[256];

	apply(&d, 4, add);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(vm_def_apply(&d, 2, dup, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "has a rule named 'a' already"), "%s", err);
	apply(&d, 3, del);
	cr_assert_eq(d.n, 1);
	cr_assert_str_eq(d.s[0].value, "b,udp,,1001,,53");
	cr_assert_eq(vm_def_apply(&d, 3, del_missing, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "no such rule"), "%s", err);
	vm_def_free(&d);
}

Test(vm_store, nicproperty_per_key)
{
	struct vm_def d = { .name = "vm" };
	char *a[] = { "--nicproperty1", "sport=1", "--nicproperty1", "dport=2",
		      "--nicproperty1", "sport=3" };
	char *b[] = { "--nicproperty1", "dest=h,dport=4" };

	apply(&d, 6, a);
	cr_assert_eq(d.n, 2);
	cr_assert_str_eq(d.s[0].value, "dport=2");
	cr_assert_str_eq(d.s[1].value, "sport=3");
	apply(&d, 2, b); /* the comma form: one property each */
	cr_assert_eq(d.n, 3);
	cr_assert_str_eq(d.s[0].value, "sport=3");
	cr_assert_str_eq(d.s[1].value, "dest=h");
	cr_assert_str_eq(d.s[2].value, "dport=4");
	vm_def_free(&d);
}

Test(vm_store, refusals)
{
	struct vm_def d = { .name = "vm" };
	char *unknown[] = { "--bogus1", "x" };
	char *noadapter[] = { "--nic", "nat" };
	char *name[] = { "--name", "x" };
	char *missing[] = { "--nic1" };
	char *unknown_last[] = { "--nic1", "nat", "--bogus1" };
	char *bare[] = { "nic1" };
	char err[256];

	cr_assert_eq(vm_def_apply(&d, 2, unknown, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown option '--bogus1'"), "%s", err);
	cr_assert_eq(vm_def_apply(&d, 2, noadapter, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "needs an adapter number"), "%s", err);
	cr_assert_eq(vm_def_apply(&d, 2, name, err, sizeof(err)), -EINVAL);
	cr_assert_eq(vm_def_apply(&d, 1, missing, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "missing value"), "%s", err);
	cr_assert_eq(vm_def_apply(&d, 1, bare, err, sizeof(err)), -EINVAL);
	cr_assert_eq(d.n, 0);
	/* last without a value: still unknown (modifyvm applies to a copy, so
	 * what came before it is dropped with the copy) */
	cr_assert_eq(vm_def_apply(&d, 3, unknown_last, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown option '--bogus1'"), "last, without a value: %s", err);
	vm_def_free(&d);
}

Test(vm_store, argv_leaves_out_none_adapters)
{
	struct vm_def d = { .name = "vm" };
	char *a[] = { "--nic1", "none", "--attach1", "tap:x", "--nictype1", "virtio",
		      "--nic2", "nat", "--attach2", "tap:y" };
	char **argv = NULL;
	int argc = 0;

	apply(&d, 10, a);
	cr_assert_eq(vm_def_argv(&d, &argc, &argv), 0);
	cr_assert_eq(argc, 6);
	cr_assert_str_eq(argv[0], "--nic1");
	cr_assert_str_eq(argv[1], "none");
	cr_assert_str_eq(argv[2], "--nic2");
	cr_assert_str_eq(argv[5], "tap:y");
	cr_assert_null(argv[6]);
	vm_argv_free(argc, argv);
	vm_def_free(&d);
}

static bool argv_has(int argc, char **argv, const char *s)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], s))
			return true;
	return false;
}

Test(vm_store, other_modes_settings_kept_unused)
{
	struct vm_def d = { .name = "vm" };
	char *a1[] = { "--nic1", "nat", "--natnet1", "10.0.9.0/24", "--natpf1", "w,tcp,,80,,80",
		       "--nictype1", "virtio" };
	char *a2[] = { "--nic1", "intnet", "--intnet1", "lan" };
	char *bad[] = { "--natdnsproxy1", "off" };
	const char *over[NATD_MAX_NICS] = { "nat" };
	char **argv = NULL, err[256];
	int argc = 0;

	cr_assert(vm_opt_applies("natnet1", "nat"));
	cr_assert(!vm_opt_applies("natnet1", "intnet"));
	cr_assert(vm_opt_applies("nat-network2", "natnetwork"));
	cr_assert(!vm_opt_applies("nat-network2", "nat"), "nat-network is not a NAT setting");
	cr_assert(vm_opt_applies("nicproperty1", "bridged"));
	cr_assert(vm_opt_applies("nicproperty1", "generic"));
	cr_assert(!vm_opt_applies("nicproperty1", "hostonly"));
	cr_assert(!vm_opt_applies("bridgeadapter1", "nat"));
	cr_assert(vm_opt_applies("nictype1", "intnet"), "every mode's settings");
	cr_assert(vm_opt_applies("natpf1", NULL), "no mode stored: all");

	apply(&d, 8, a1);
	apply(&d, 4, a2);
	cr_assert_str_eq(value_of(&d, "natnet1"), "10.0.9.0/24", "kept stored");
	cr_assert_eq(vm_def_argv(&d, &argc, &argv), 0);
	cr_assert(!argv_has(argc, argv, "--natnet1"), "left out of run's options");
	cr_assert(!argv_has(argc, argv, "--natpf1"));
	cr_assert(argv_has(argc, argv, "--intnet1"));
	cr_assert(argv_has(argc, argv, "--nictype1"), "a setting of every mode stays");
	vm_argv_free(argc, argv);
	argv = NULL;
	argc = 0;
	cr_assert_eq(vm_def_argv_modes(&d, over, &argc, &argv), 0);
	cr_assert(argv_has(argc, argv, "--natnet1"), "run's --nic1 nat: the NAT settings apply");
	cr_assert(!argv_has(argc, argv, "--intnet1"));
	vm_argv_free(argc, argv);

	cr_assert_lt(vm_def_apply(&d, 2, bad, err, sizeof(err)), 0, "given, and unused: refused");
	cr_assert(strstr(err, "--natdnsproxy1: adapter 1 is --nic1 intnet"), "%s", err);
	vm_def_free(&d);
}

Test(vm_store, json_round_trip_and_refusals)
{
	const char *good = "{\"vms\": [{\"name\": \"a\", \"settings\": [[\"nic1\", \"nat\"]], "
			   "\"bwgroups\": [{\"name\": \"L\", \"limit\": \"20m\"}]}]}";
	const char *bad[] = {
		"{\"vms\": {}}",
		"{\"vms\": [{\"name\": \"a b\", \"settings\": []}]}",
		"{\"vms\": [{\"name\": \"a\", \"settings\": [[\"nic01\", \"nat\"]]}]}",
		"{\"vms\": [{\"name\": \"a\", \"settings\": [[\"nic1\"]]}]}",
		"{\"vms\": [{\"name\": \"a\", \"settings\": [], \"bwgroups\": "
		"[{\"name\": \"L\", \"limit\": \"1\"}, {\"name\": \"L\", \"limit\": \"2\"}]}]}",
	};
	struct vm_store vs;
	char err[256];
	json_t *root = json_loads(good, 0, NULL);

	cr_assert_eq(vm_store_parse(&vs, root, "t.json", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vs.n, 1);
	cr_assert_str_eq(vs.vms[0].s[0].opt, "nic1");
	cr_assert_eq(vs.vms[0].n_bw, 1);
	cr_assert_eq(vm_def_find_bwgroup(&vs.vms[0], "L"), 0);
	json_decref(root);
	vm_store_release(NULL, &vs);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root = json_loads(bad[i], 0, NULL);
		cr_assert_not_null(root, "%s", bad[i]);
		cr_assert_eq(vm_store_parse(&vs, root, "t.json", err, sizeof(err)), -EINVAL,
			     "accepted %s", bad[i]);
		cr_assert(strstr(err, "t.json: vms"), "%s", err);
		json_decref(root);
	}
}

Test(bwgroup, rates)
{
	uint64_t r;

	cr_assert_eq(bw_parse_rate("20m", &r), 0);
	cr_assert_eq(r, 2500000);
	cr_assert_eq(bw_parse_rate("100k", &r), 0);
	cr_assert_eq(r, 12500);
	cr_assert_eq(bw_parse_rate("1g", &r), 0);
	cr_assert_eq(r, 125000000);
	cr_assert_eq(bw_parse_rate("5K", &r), 0);
	cr_assert_eq(r, 5000);
	cr_assert_eq(bw_parse_rate("3", &r), 0, "no unit: megabytes");
	cr_assert_eq(r, 3000000);
	cr_assert_eq(bw_parse_rate("0", &r), 0);
	cr_assert_eq(r, 0);
	cr_assert_eq(bw_parse_rate("1k", &r), 0);
	cr_assert_eq(r, 125);
	cr_assert_eq(bw_parse_rate("20x", &r), -EINVAL);
	cr_assert_eq(bw_parse_rate("20mm", &r), -EINVAL);
	cr_assert_eq(bw_parse_rate("-1m", &r), -EINVAL);
	cr_assert_eq(bw_parse_rate("", &r), -EINVAL);
	cr_assert_eq(bw_parse_rate("99999999999999999999", &r), -ERANGE);
	cr_assert_eq(bw_parse_rate("18446744073709551615G", &r), -ERANGE);
}

Test(shaper, debt_and_refill)
{
	struct shaper s;

	shaper_init(&s, 1000000); /* 1 MB/s, burst 2 max frames */
	cr_assert_eq(shaper_wait_ms(&s), 0, "a full bucket");
	shaper_charge(&s, 131100 + 100000); /* the burst and 100 ms more */
	cr_assert_geq(shaper_wait_ms(&s), 90);
	cr_assert_leq(shaper_wait_ms(&s), 100);
	usleep(120000);
	cr_assert_eq(shaper_wait_ms(&s), 0, "paid back after 120 ms");
	shaper_set_rate(&s, 0);
	shaper_charge(&s, 1u << 30);
	cr_assert_eq(shaper_wait_ms(&s), 0, "rate 0: no limit");
	cr_assert_eq(s.bytes, 131100 + 100000 + (1u << 30));
}
