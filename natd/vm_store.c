/* SPDX-License-Identifier: MIT */
/*
 * vm_store.c - VMs' stored settings in natd.json (see vm_store.h).
 */
#include "natd/vm_store.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "natd/config_internal.h"

static const char *const global_opts[] = {
	"max-tcp-flows", "max-udp-flows", "max-icmp-flows", "udp-timeout", "max-tcp-buffer",
};

/* --- definitions -------------------------------------------------------------- */

void vm_def_free(struct vm_def *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->s[i].value);
	free(d->s);
	d->s = NULL;
	d->n = 0;
}

int vm_def_find_bwgroup(const struct vm_def *d, const char *name)
{
	for (size_t i = 0; i < d->n_bw; i++)
		if (!strcmp(d->bw[i].name, name))
			return (int)i;
	return -1;
}

int vm_def_copy(struct vm_def *dst, const struct vm_def *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->name, src->name, sizeof(dst->name));
	memcpy(dst->bw, src->bw, sizeof(dst->bw));
	dst->n_bw = src->n_bw;
	if (!src->n)
		return 0;
	dst->s = calloc(src->n, sizeof(*dst->s));
	if (!dst->s)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->s[i] = src->s[i];
		dst->s[i].value = strdup(src->s[i].value);
		if (!dst->s[i].value) {
			dst->n = i;
			vm_def_free(dst);
			return -ENOMEM;
		}
	}
	dst->n = src->n;
	return 0;
}

/* The length of option name's base: name less its adapter number. */
static size_t base_len(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && isdigit((unsigned char)name[n - 1]))
		n--;
	return n;
}

/*
 * The canonical spelling of option name (without "--"): a global option as
 * is, a per-NIC one as BASE<x> with x its adapter number. *adapter is x (0
 * for a global one). 0, or -EINVAL with err.
 */
static int canon(const char *name, char *out, size_t outlen, unsigned *adapter, char *err,
		 size_t errlen)
{
	const struct config_nic_opt *no;
	size_t dpos;

	*adapter = 0;
	for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++) {
		if (!strcmp(name, global_opts[i])) {
			snprintf(out, outlen, "%s", name);
			return 0;
		}
	}
	no = config_nic_opt_find(name, &dpos);
	if (no) {
		if (!name[dpos])
			return fail(err, errlen, "--%s needs an adapter number 1-%d, as in --%s1",
				    name, NATD_MAX_NICS, name);
		if (config_parse_adapter(name + dpos, adapter) < 0)
			return fail(err, errlen, "--%s: adapter number must be 1 to %d", name,
				    NATD_MAX_NICS);
		snprintf(out, outlen, "%s%u", no->name, *adapter);
		return 0;
	}
	if (!strcmp(name, "name"))
		return fail(err, errlen, "--name: the VM is named by modifyvm's first argument");
	if (!strcmp(name, "user") || !strcmp(name, "sandbox"))
		return fail(err, errlen, "--%s is not stored: give it to natd run (natd run --name "
			    "VM --%s ...)", name, name);
	return fail(err, errlen, "unknown option '--%s' (modifyvm takes natd run's per-adapter "
		    "options, --max-*-flows, --udp-timeout and --max-tcp-buffer; see natd run "
		    "--help)", name);
}

static int setting_add(struct vm_def *d, const char *opt, const char *value)
{
	struct vm_setting *s;

	if (d->n >= VM_STORE_MAX_SETTINGS)
		return -ENOSPC;
	s = realloc(d->s, (d->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	d->s = s;
	memset(&s[d->n], 0, sizeof(s[d->n]));
	snprintf(s[d->n].opt, sizeof(s[d->n].opt), "%s", opt);
	s[d->n].value = strdup(value);
	if (!s[d->n].value)
		return -ENOMEM;
	d->n++;
	return 0;
}

static void setting_del(struct vm_def *d, size_t i)
{
	free(d->s[i].value);
	memmove(&d->s[i], &d->s[i + 1], (d->n - i - 1) * sizeof(d->s[0]));
	d->n--;
}

/* The length of a port-forwarding rule's name (up to its first comma). */
static size_t rule_name_len(const char *rule)
{
	return strcspn(rule, ",");
}

/* The length of a property's key (up to '='). */
static size_t prop_key_len(const char *p)
{
	return strcspn(p, "=");
}

static int apply_one(struct vm_def *d, const char *opt, const char *value, const char *extra,
		     bool *used_extra, char *err, size_t errlen)
{
	bool natpf = !strncmp(opt, "natpf", 5), prop = !strncmp(opt, "nicproperty", 11);
	int rc;

	*used_extra = false;
	if (natpf && !strcmp(value, "delete")) {
		bool found = false;

		if (!extra)
			return fail(err, errlen, "--%s delete: which rule? (--%s delete NAME)", opt,
				    opt);
		*used_extra = true;
		for (size_t i = 0; i < d->n; i++) {
			if (strcmp(d->s[i].opt, opt) || rule_name_len(d->s[i].value) !=
			    strlen(extra) || strncmp(d->s[i].value, extra, strlen(extra)))
				continue;
			setting_del(d, i);
			found = true;
			break;
		}
		if (!found) {
			fail(err, errlen, "--%s delete %s: VM '%s' has no such rule", opt, extra,
			     d->name);
			return -ENOENT;
		}
		return 0;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->s[i].opt, opt))
			continue;
		if (natpf) {
			size_t l = rule_name_len(value);

			if (rule_name_len(d->s[i].value) == l && !strncmp(d->s[i].value, value, l)) {
				fail(err, errlen, "--%s: VM '%s' has a rule named '%.*s' already "
				     "(--%s delete %.*s first)", opt, d->name, (int)l, value, opt,
				     (int)l, value);
				return -EEXIST;
			}
			continue;
		}
		if (prop) {
			size_t l = prop_key_len(value);

			if (prop_key_len(d->s[i].value) != l || strncmp(d->s[i].value, value, l))
				continue;
		}
		setting_del(d, i);
		break;
	}
	rc = setting_add(d, opt, value);
	if (rc < 0) {
		fail(err, errlen, "VM '%s': %s", d->name, rc == -ENOSPC ? "too many settings" :
		     "out of memory");
		return rc;
	}
	return 0;
}

/*
 * Whether value is one natd run takes for opt (canonical, without "--"; of
 * adapter x, 0 for a global option), checked alone by natd run's own parser
 * (a per-NIC option on an adapter of mode nat, so that only the value
 * counts): a bad value is the command line's fault, whatever is stored.
 * 0, or -EINVAL with err.
 */
static int check_value(const char *opt, unsigned x, const char *value, char *err,
		       size_t errlen)
{
	struct natd_config *cfg = calloc(1, sizeof(*cfg));
	char run[] = "run", nic[16], nat[] = "nat", o[48], *v = strdup(value), *argv[6];
	int argc = 0, rc;

	if (!cfg || !v) {
		free(cfg);
		free(v);
		return fail(err, errlen, "out of memory");
	}
	snprintf(nic, sizeof(nic), "--nic%u", x);
	snprintf(o, sizeof(o), "--%s", opt);
	argv[argc++] = run;
	if (x && strcmp(o, nic)) {
		argv[argc++] = nic;
		argv[argc++] = nat;
	}
	argv[argc++] = o;
	argv[argc++] = v;
	argv[argc] = NULL;
	config_init(cfg);
	rc = config_parse_run(cfg, argc, argv, err, errlen);
	config_free(cfg);
	free(cfg);
	free(v);
	return rc < 0 ? -EINVAL : 0;
}

static const char *nic_mode_of(const struct vm_def *d, unsigned x);
static int def_apply(struct vm_def *d, int argc, char **argv, char (*given)[40], int *n_given,
		     char *err, size_t errlen);

/*
 * Options given to modifyvm must be settings of their adapter's mode once
 * everything is applied: stored ones of another mode are kept (and left out
 * of natd run's options), new ones would be stored and not used.
 */
static int check_given(const struct vm_def *d, char (*given)[40], int n, char *err,
		       size_t errlen)
{
	for (int k = 0; k < n; k++) {
		const char *opt = given[k], *mode;
		size_t dpos = base_len(opt);

		if (!opt[dpos] || (dpos == 3 && !strncmp(opt, "nic", 3)))
			continue;
		mode = nic_mode_of(d, (unsigned)atoi(opt + dpos));
		if (!mode || !strcmp(mode, "none") || vm_opt_applies(opt, mode))
			continue;
		fail(err, errlen, "--%s: adapter %s is --nic%s %s, and this is not one of its "
		     "settings (settings of another mode stay stored, unused, until the adapter "
		     "is of that mode again)", opt, opt + dpos, opt + dpos, mode);
		return -EPERM;
	}
	return 0;
}

int vm_def_apply(struct vm_def *d, int argc, char **argv, char *err, size_t errlen)
{
	char (*given)[40] = calloc((size_t)argc + 1, sizeof(*given));
	int n_given = 0, rc;

	if (!given)
		return fail(err, errlen, "out of memory");
	rc = def_apply(d, argc, argv, given, &n_given, err, errlen);
	if (rc == 0)
		rc = check_given(d, given, n_given, err, errlen);
	free(given);
	return rc;
}

static int def_apply(struct vm_def *d, int argc, char **argv, char (*given)[40], int *n_given,
		     char *err, size_t errlen)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *value;
		char name[64], opt[40];
		unsigned adapter;
		bool used;
		size_t nlen;
		int rc;

		if (strncmp(arg, "--", 2))
			return fail(err, errlen, "unexpected argument '%s' (options start with --)",
				    arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) - 2 : strlen(arg) - 2;
		if (nlen >= sizeof(name))
			return fail(err, errlen, "unknown option '%s'", arg);
		memcpy(name, arg + 2, nlen);
		name[nlen] = '\0';
		rc = canon(name, opt, sizeof(opt), &adapter, err, errlen);
		if (rc < 0)
			return rc; /* an unknown option, also last without a value */
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return fail(err, errlen, "%s: missing value", arg);
		if (!(!strncmp(opt, "natpf", 5) && !strcmp(value, "delete")))
			snprintf(given[(*n_given)++], sizeof(given[0]), "%s", opt);
		if (!strncmp(opt, "nicproperty", 11) && strchr(value, ',')) {
			/* K=V,K=V: stored one property each, so each is replaced alone */
			char buf[512], *save = NULL, *tok;

			if (strlen(value) >= sizeof(buf))
				return fail(err, errlen, "--%s: too long", opt);
			memcpy(buf, value, strlen(value) + 1);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				rc = check_value(opt, adapter, tok, err, errlen);
				if (rc == 0)
					rc = apply_one(d, opt, tok, NULL, &used, err, errlen);
				if (rc < 0)
					return rc;
			}
			continue;
		}
		rc = 0;
		if (strncmp(opt, "natpf", 5) || strcmp(value, "delete"))
			rc = check_value(opt, adapter, value, err, errlen);
		if (rc == 0)
			rc = apply_one(d, opt, value, i + 1 < argc ? argv[i + 1] : NULL, &used,
				       err, errlen);
		if (rc < 0)
			return rc;
		if (used)
			i++;
	}
	return 0;
}

/* Adapter x's --nic<x> value in d, or NULL. */
static const char *nic_mode_of(const struct vm_def *d, unsigned x)
{
	char opt[16];

	snprintf(opt, sizeof(opt), "nic%u", x);
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->s[i].opt, opt))
			return d->s[i].value;
	return NULL;
}

bool vm_opt_applies(const char *opt, const char *mode)
{
	static const struct {
		const char *base, *modes[3];
	} only[] = {
		{ "nat-network", { "natnetwork" } },
		{ "intnet", { "intnet" } },
		{ "nicgenericdrv", { "generic" } },
		{ "nicproperty", { "generic", "bridged" } },
		{ "hostonlyadapter", { "hostonly" } },
		{ "bridgeadapter", { "bridged" } },
	};
	size_t dpos = base_len(opt);

	if (!mode)
		return true;
	for (size_t k = 0; k < sizeof(only) / sizeof(only[0]); k++) {
		if (strlen(only[k].base) != dpos || strncmp(opt, only[k].base, dpos))
			continue;
		for (size_t m = 0; m < 3 && only[k].modes[m]; m++)
			if (!strcmp(mode, only[k].modes[m]))
				return true;
		return false;
	}
	/* --nat*<x> (not --nat-network<x>): settings of nat adapters */
	if (dpos >= 3 && !strncmp(opt, "nat", 3))
		return !strcmp(mode, "nat");
	return true;
}

int vm_def_argv(const struct vm_def *d, int *argc, char ***argv)
{
	return vm_def_argv_modes(d, NULL, argc, argv);
}

int vm_def_argv_modes(const struct vm_def *d, const char *const *over, int *argc,
		      char ***argv)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *opt = d->s[i].opt;
		size_t dpos = base_len(opt);
		char **a, flag[48];
		const char *mode;

		if (opt[dpos] && !(dpos == 3 && !strncmp(opt, "nic", 3))) {
			unsigned x = (unsigned)atoi(opt + dpos);

			mode = over && x >= 1 && x <= NATD_MAX_NICS && over[x - 1] ?
				over[x - 1] : nic_mode_of(d, x);
			if (mode && !strcmp(mode, "none"))
				continue; /* kept for when the adapter is enabled again */
			if (!vm_opt_applies(opt, mode))
				continue; /* kept for when the adapter is of that mode again */
		}
		a = realloc(*argv, (size_t)(*argc + 3) * sizeof(*a));
		if (!a)
			return -ENOMEM;
		*argv = a;
		snprintf(flag, sizeof(flag), "--%s", opt);
		a[*argc] = strdup(flag);
		a[*argc + 1] = strdup(d->s[i].value);
		a[*argc + 2] = NULL;
		if (!a[*argc] || !a[*argc + 1]) {
			free(a[*argc]);
			free(a[*argc + 1]);
			a[*argc] = NULL;
			return -ENOMEM;
		}
		*argc += 2;
	}
	return 0;
}

void vm_argv_free(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* --- the store ------------------------------------------------------------------ */

static void store_clear(struct vm_store *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		vm_def_free(&vs->vms[i]);
	free(vs->vms);
	vs->vms = NULL;
	vs->n = 0;
}

int vm_store_find(const struct vm_store *vs, const char *name)
{
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(vs->vms[i].name, name))
			return (int)i;
	return -1;
}

struct vm_def *vm_store_get(struct vm_store *vs, const char *name)
{
	int i = vm_store_find(vs, name);
	struct vm_def *v;

	if (i >= 0)
		return &vs->vms[i];
	if (vs->n >= VM_STORE_MAX_VMS)
		return NULL;
	v = realloc(vs->vms, (vs->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	vs->vms = v;
	memset(&v[vs->n], 0, sizeof(v[vs->n]));
	snprintf(v[vs->n].name, sizeof(v[vs->n].name), "%s", name);
	return &vs->vms[vs->n++];
}

int vm_store_remove(struct vm_store *vs, const char *name)
{
	int i = vm_store_find(vs, name);

	if (i < 0)
		return -ENOENT;
	vm_def_free(&vs->vms[i]);
	memmove(&vs->vms[i], &vs->vms[i + 1], (vs->n - (size_t)i - 1) * sizeof(vs->vms[0]));
	vs->n--;
	return 0;
}

static int bw_from_json(json_t *arr, struct vm_def *d, char *err, size_t errlen)
{
	json_t *g;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > VM_STORE_MAX_BWGROUPS)
		return fail(err, errlen, "bwgroups: expected a list of at most %d",
			    VM_STORE_MAX_BWGROUPS);
	json_array_foreach(arr, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		const char *limit = json_string_value(json_object_get(g, "limit"));

		if (!name || !config_name_valid(name) || !limit ||
		    strlen(limit) >= sizeof(d->bw[0].limit) || vm_def_find_bwgroup(d, name) >= 0)
			return fail(err, errlen, "bwgroups[%zu]: expected a unique valid name and "
				    "a limit", i);
		snprintf(d->bw[d->n_bw].name, sizeof(d->bw[0].name), "%s", name);
		snprintf(d->bw[d->n_bw].limit, sizeof(d->bw[0].limit), "%s", limit);
		d->n_bw++;
	}
	return 0;
}

static int def_from_json(json_t *o, struct vm_def *d, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	json_t *settings = json_object_get(o, "settings"), *pair;
	size_t i;

	if (!json_is_object(o) || !name || !config_name_valid(name))
		return fail(err, errlen, "name: missing or not a valid VM name");
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (!json_is_array(settings))
		return fail(err, errlen, "settings: expected a list of [option, value]");
	json_array_foreach(settings, i, pair) {
		const char *opt = json_string_value(json_array_get(pair, 0));
		const char *value = json_string_value(json_array_get(pair, 1));
		char canonical[40];
		unsigned adapter;

		if (!json_is_array(pair) || json_array_size(pair) != 2 || !opt || !value)
			return fail(err, errlen, "settings[%zu]: expected [option, value]", i);
		if (canon(opt, canonical, sizeof(canonical), &adapter, err, errlen) < 0 ||
		    strcmp(canonical, opt))
			return fail(err, errlen, "settings[%zu]: '%s' is not an option of natd run",
				    i, opt);
		if (setting_add(d, opt, value) < 0)
			return fail(err, errlen, "settings: too many, or out of memory");
	}
	return bw_from_json(json_object_get(o, "bwgroups"), d, err, errlen);
}

int vm_store_parse(struct vm_store *vs, json_t *root, const char *path, char *err,
		   size_t errlen)
{
	json_t *arr = root ? json_object_get(root, "vms") : NULL, *o;
	size_t i;

	memset(vs, 0, sizeof(*vs));
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return fail(err, errlen, "%s: vms: expected a list", path);
	json_array_foreach(arr, i, o) {
		char why[384];
		struct vm_def *v;

		if (vs->n >= VM_STORE_MAX_VMS) {
			store_clear(vs);
			return fail(err, errlen, "%s: vms: more than %d", path, VM_STORE_MAX_VMS);
		}
		v = realloc(vs->vms, (vs->n + 1) * sizeof(*v));
		if (!v) {
			store_clear(vs);
			return fail(err, errlen, "%s: out of memory", path);
		}
		vs->vms = v;
		memset(&v[vs->n], 0, sizeof(v[vs->n]));
		vs->n++;
		if (def_from_json(o, &v[vs->n - 1], why, sizeof(why)) < 0) {
			store_clear(vs);
			return fail(err, errlen, "%s: vms[%zu]: %s", path, i, why);
		}
	}
	return 0;
}

int vm_store_load(struct natnet_store *st, struct vm_store *vs, const char *home, bool lock,
		  char *err, size_t errlen)
{
	int rc;

	memset(vs, 0, sizeof(*vs));
	rc = natnet_store_load(st, home, lock, err, errlen);
	if (rc < 0)
		return rc;
	rc = vm_store_parse(vs, st->root, st->path, err, errlen);
	if (rc < 0)
		natnet_store_release(st);
	return rc;
}

int vm_store_save(struct natnet_store *st, const struct vm_store *vs, char *err,
		  size_t errlen)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < vs->n; i++) {
		json_t *settings = json_array(), *bw = json_array(), *o;

		for (size_t k = 0; settings && k < vs->vms[i].n; k++)
			json_array_append_new(settings, json_pack("[s, s]", vs->vms[i].s[k].opt,
								  vs->vms[i].s[k].value));
		for (size_t k = 0; bw && k < vs->vms[i].n_bw; k++)
			json_array_append_new(bw, json_pack("{s:s, s:s}", "name",
							    vs->vms[i].bw[k].name, "limit",
							    vs->vms[i].bw[k].limit));
		o = settings && bw ? json_pack("{s:s, s:O, s:O}", "name", vs->vms[i].name,
					      "settings", settings, "bwgroups", bw) : NULL;
		json_decref(settings);
		json_decref(bw);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return natnet_store_update_key(st, "vms", arr, err, errlen);
}

void vm_store_release(struct natnet_store *st, struct vm_store *vs)
{
	store_clear(vs);
	if (st)
		natnet_store_release(st);
}

bool vm_running(const char *home, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n, r;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/%s.ctl", home, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}
