/* SPDX-License-Identifier: MIT */
/*
 * bwgroup.c - a running natd's bandwidth groups, and the limit syntax (see
 * bwgroup.h).
 */
#include "natd/bwgroup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

int bw_parse_rate(const char *s, uint64_t *bytes_per_s)
{
	uint64_t num, mul, div = 1;
	const char *unit;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	num = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	unit = end;
	if (unit[0] && unit[1])
		return -EINVAL;
	switch (unit[0]) {
	case 'k': mul = 1000; div = 8; break;
	case 'm': mul = 1000000; div = 8; break;
	case 'g': mul = 1000000000; div = 8; break;
	case 'K': mul = 1000; break;
	case '\0': /* VBoxManage's default unit */
	case 'M': mul = 1000000; break;
	case 'G': mul = 1000000000; break;
	default: return -EINVAL;
	}
	if (num > UINT64_MAX / mul)
		return -ERANGE;
	*bytes_per_s = num * mul / div;
	if (num && !*bytes_per_s)
		*bytes_per_s = 1;
	return 0;
}

struct bw_group *bw_table_find(struct bw_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->g[i].name, name))
			return &t->g[i];
	return NULL;
}

static int group_add(struct bw_table *t, const char *name, const char *limit, char *err,
		     size_t errlen)
{
	struct bw_group *g;
	uint64_t rate;

	if (bw_table_find(t, name))
		return errfmt(err, errlen, -EEXIST, "bandwidth group '%s' exists", name);
	if (strlen(limit) >= sizeof(g->limit) || bw_parse_rate(limit, &rate) < 0)
		return errfmt(err, errlen, -EINVAL, "--limit: '%s' is not a rate", limit);
	g = NULL;
	for (size_t i = 0; i < t->n && !g; i++)
		if (!t->g[i].name[0] && !t->g[i].users)
			g = &t->g[i]; /* a removed group's place */
	if (!g && t->n >= VM_STORE_MAX_BWGROUPS)
		return errfmt(err, errlen, -ENOSPC, "at most %d bandwidth groups",
			      VM_STORE_MAX_BWGROUPS);
	if (!g)
		g = &t->g[t->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->limit, sizeof(g->limit), "%s", limit);
	shaper_init(&g->sh, rate);
	return 0;
}

int bw_table_load(struct bw_table *t, const struct vm_def *d, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; d && i < d->n_bw; i++) {
		int rc = group_add(t, d->bw[i].name, d->bw[i].limit, err, errlen);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int bw_table_apply(struct bw_table *t, json_t *args, char *err, size_t errlen)
{
	const char *op = json_string_value(json_object_get(args, "op"));
	const char *name = json_string_value(json_object_get(args, "name"));
	const char *limit = json_string_value(json_object_get(args, "limit"));
	struct bw_group *g;
	uint64_t rate;

	if (!op || !name || !config_name_valid(name))
		return errfmt(err, errlen, -EINVAL, "bandwidthctl: missing op or name");
	if (!strcmp(op, "add")) {
		int rc = group_add(t, name, limit ? limit : "", err, errlen);

		if (rc == 0)
			log_info("bandwidth group %s added, limit %s", name, limit);
		return rc;
	}
	g = bw_table_find(t, name);
	if (!g)
		return errfmt(err, errlen, -ENOENT, "no bandwidth group '%s'", name);
	if (!strcmp(op, "set")) {
		if (!limit || strlen(limit) >= sizeof(g->limit) || bw_parse_rate(limit, &rate) < 0)
			return errfmt(err, errlen, -EINVAL, "--limit: '%s' is not a rate",
				      limit ? limit : "");
		snprintf(g->limit, sizeof(g->limit), "%s", limit);
		shaper_set_rate(&g->sh, rate);
		log_info("bandwidth group %s: limit %s now", name, limit);
		return 0;
	}
	if (!strcmp(op, "remove")) {
		if (g->users)
			return errfmt(err, errlen, -EBUSY, "bandwidth group '%s' is used by %u "
				      "adapter%s (controlvm nicbandwidthgroup<x> none first)", name,
				      g->users, g->users == 1 ? "" : "s");
		/* adapters point at groups: keep the others where they are */
		g->name[0] = '\0';
		log_info("bandwidth group %s removed", name);
		return 0;
	}
	return errfmt(err, errlen, -EINVAL, "bandwidthctl: unknown op '%s'", op);
}

json_t *bw_table_json(const struct bw_table *t)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct bw_group *g = &t->g[i];

		if (!g->name[0])
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
			"name", g->name, "limit", g->limit,
			"bytes_per_s", (json_int_t)g->sh.rate, "adapters", (json_int_t)g->users,
			"bytes", (json_int_t)g->sh.bytes, "waits", (json_int_t)g->sh.waits));
	}
	return arr;
}
