/* SPDX-License-Identifier: MIT */
/*
 * intnet_store.c - internal networks' settings in natd.json (see
 * intnet_store.h).
 */
#include "natd/intnet_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "natd/natnet_store.h"

/* The entry of name in root's "intnets" into out (zeroed when none). */
static int intnet_find(json_t *root, const char *path, const char *name,
		       struct intnet_def *out, char *err, size_t errlen)
{
	json_t *arr = json_object_get(root, "intnets"), *o;
	size_t i;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return errfmt(err, errlen, -EINVAL, "%s: intnets: expected a list", path);
	json_array_foreach(arr, i, o) {
		const char *nm = json_string_value(json_object_get(o, "name"));
		json_t *up = json_object_get(o, "uplink");
		struct uplink u;
		char why[256];

		if (!nm || strcmp(nm, name))
			continue;
		if (up && (!json_is_string(up) ||
			   strlen(json_string_value(up)) >= sizeof(out->uplink) ||
			   uplink_parse(json_string_value(up), &u, why, sizeof(why)) < 0))
			return errfmt(err, errlen, -EINVAL, "%s: intnets[%zu] (%s): uplink: %s",
				      path, i, name, json_is_string(up) ? why : "expected text");
		if (up)
			snprintf(out->uplink, sizeof(out->uplink), "%s", json_string_value(up));
	}
	return 0;
}

int intnet_store_get(const char *home, const char *name, struct intnet_def *out, char *err,
		     size_t errlen)
{
	struct natnet_store st;
	int rc = natnet_store_load(&st, home, false, err, errlen);

	if (rc < 0)
		return rc;
	rc = intnet_find(st.root, st.path, name, out, err, errlen);
	natnet_store_release(&st);
	return rc;
}

int intnet_store_update(const char *home, const struct intnet_def *d,
			int (*change)(void *opaque, const struct intnet_def *old,
				      const struct intnet_def *d, char *err, size_t errlen),
			void *opaque, char *err, size_t errlen)
{
	struct natnet_store st;
	struct intnet_def old;
	json_t *arr, *keep, *o;
	size_t i;
	int rc = natnet_store_load(&st, home, true, err, errlen);

	if (rc < 0)
		return rc;
	rc = intnet_find(st.root, st.path, d->name, &old, err, errlen);
	if (rc == 0 && change)
		rc = change(opaque, &old, d, err, errlen);
	if (rc < 0)
		goto out;
	keep = json_array();
	arr = json_object_get(st.root, "intnets");
	json_array_foreach(arr, i, o) {
		const char *nm = json_string_value(json_object_get(o, "name"));

		if (!nm || strcmp(nm, d->name))
			json_array_append(keep, o);
	}
	if (d->uplink[0])
		json_array_append_new(keep, json_pack("{s:s, s:s}", "name", d->name,
						      "uplink", d->uplink));
	rc = natnet_store_update_key(&st, "intnets", keep, err, errlen);
out:
	natnet_store_release(&st);
	return rc;
}
