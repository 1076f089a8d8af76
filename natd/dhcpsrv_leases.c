/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_leases.c - the lease files of internal networks' and host-only
 * interfaces' DHCP servers (see dhcpsrv_leases.h), read by
 * `natd dhcpserver findlease`.
 */
#include "natd/dhcpsrv_leases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "natd/natnet_store_internal.h"


int dhcpsrv_leases_path(const char *home, const struct dhcpsrv_def *d, char *out,
			size_t outlen)
{
	int n = d->kind == DHCPSRV_KIND_INTERFACE
		? snprintf(out, outlen, "%s/hostonly-%s.leases.json", home, d->interface)
		: snprintf(out, outlen, "%s/intnet-%s.leases.json", home, d->network);

	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int dhcpsrv_leases_find_text(const char *text, size_t len, const struct dhcpsrv_def *d,
			     const uint8_t mac[6], time_t now, struct dhcpsrv_lease *out,
			     char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *arr, *o;
	size_t i;
	int found = 0;

	root = json_loadb(text, len, 0, &je);
	if (!root)
		return errfmt(err, errlen, -EINVAL, "line %d column %d: %s", je.line, je.column,
			      je.text);
	arr = json_object_get(root, "leases");
	if (!json_is_array(arr)) {
		json_decref(root);
		return errfmt(err, errlen, -EINVAL, "leases: expected a list");
	}
	json_array_foreach(arr, i, o) {
		const char *m = json_string_value(json_object_get(o, "mac"));
		const char *a = json_string_value(json_object_get(o, "ip"));
		const char *host = json_string_value(json_object_get(o, "hostname"));
		const char *state = json_string_value(json_object_get(o, "state"));
		json_t *exp = json_object_get(o, "expires"), *iss = json_object_get(o, "issued");
		struct dhcpsrv_lease l;

		memset(&l, 0, sizeof(l));
		if (!m || config_parse_mac(m, l.mac) < 0 || memcmp(l.mac, mac, 6) || !a ||
		    dhcpsrv_parse_ip(a, &l.addr) < 0 || !json_is_integer(exp))
			continue;
		l.expires = (int64_t)json_integer_value(exp);
		if (found && l.expires <= out->expires)
			continue;
		l.issued = json_is_integer(iss) ? (int64_t)json_integer_value(iss)
						: l.expires - (int64_t)d->lease_time;
		snprintf(l.hostname, sizeof(l.hostname), "%s", host ? host : "");
		snprintf(l.state, sizeof(l.state), "%s", l.expires <= (int64_t)now ? "expired" :
			 state && *state ? state : "acked");
		*out = l;
		found = 1;
	}
	json_decref(root);
	return found;
}

int dhcpsrv_leases_find(const char *home, const struct dhcpsrv_def *d, const uint8_t mac[6],
			time_t now, struct dhcpsrv_lease *out, char *err, size_t errlen)
{
	char path[PATH_MAX], why[256];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (dhcpsrv_leases_path(home, d, path, sizeof(path)) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "NATD_HOME is too long");
	rc = natnet_read_file(path, &text, &len, why, sizeof(why));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: %s", path, strerror(-rc));
	rc = dhcpsrv_leases_find_text(text, len, d, mac, now, out, why, sizeof(why));
	free(text);
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: %s", path, why);
	return rc;
}
