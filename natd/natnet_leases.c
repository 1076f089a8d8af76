/* SPDX-License-Identifier: MIT */
/*
 * natnet_leases.c - DHCP lease files (see natnet_leases.h): a NAT
 * network's $NATD_HOME/natnet-NAME.leases.json, and any file of that format
 * by path, as natd/lease_keeper.c keeps them. Reading and the atomic write
 * go through natd/natnet_store.c's file helpers.
 */
#include "natd/natnet_leases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "natd/natnet_store_internal.h"

int natnet_leases_path(const char *home, const char *name, char *out, size_t outlen)
{
	if ((size_t)snprintf(out, outlen, "%s/natnet-%s.leases.json", home, name) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int natnet_leases_parse(const char *text, size_t len, const struct natnet_def *d,
			time_t now, struct natnet_lease *out, size_t max,
			char *err, size_t errlen)
{
	struct natnet_addrs a;
	json_error_t je;
	json_t *root, *arr, *o;
	size_t i, n = 0;

	if (d)
		natnet_def_addrs(d, &a);
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
		const char *mac = json_string_value(json_object_get(o, "mac"));
		const char *ip = json_string_value(json_object_get(o, "ip"));
		const char *host = json_string_value(json_object_get(o, "hostname"));
		json_t *exp = json_object_get(o, "expires");
		struct natnet_lease l;
		uint32_t h;
		bool dup = false;

		if (n >= max)
			break;
		memset(&l, 0, sizeof(l));
		if (!mac || config_parse_mac(mac, l.mac) < 0 || !ip ||
		    inet_pton(AF_INET, ip, &l.addr) != 1 || !json_is_integer(exp))
			continue;
		l.expires = (int64_t)json_integer_value(exp);
		h = ntohl(l.addr.s_addr);
		if (l.expires <= (int64_t)now || (d && (h < ntohl(a.range_first.s_addr) ||
							 h > ntohl(a.range_last.s_addr))))
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= out[j].addr.s_addr == l.addr.s_addr ||
			       !memcmp(out[j].mac, l.mac, 6);
		if (dup)
			continue;
		if (host)
			snprintf(l.hostname, sizeof(l.hostname), "%s", host);
		out[n++] = l;
	}
	json_decref(root);
	return (int)n;
}

int natnet_leases_read(const char *path, time_t now, struct natnet_lease *out, size_t max,
		       char *err, size_t errlen)
{
	char why[256];
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = natnet_read_file(path, &text, &len, why, sizeof(why));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: %s", path, strerror(-rc));
	rc = natnet_leases_parse(text, len, NULL, now, out, max, why, sizeof(why));
	free(text);
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s: %s", path, why);
	return rc;
}

int natnet_leases_write(const char *path, const struct natnet_lease *l, size_t n, char *err,
			size_t errlen)
{
	char mac[18], ip[INET_ADDRSTRLEN];
	json_t *arr = json_array(), *root;
	char *text;
	int rc;

	for (size_t i = 0; arr && i < n; i++) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l[i].mac[0],
			 l[i].mac[1], l[i].mac[2], l[i].mac[3], l[i].mac[4], l[i].mac[5]);
		inet_ntop(AF_INET, &l[i].addr, ip, sizeof(ip));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I}", "mac", mac,
						     "ip", ip, "hostname", l[i].hostname,
						     "expires", (json_int_t)l[i].expires));
	}
	root = json_pack("{s:i, s:o}", "version", 1, "leases", arr);
	text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (!text)
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
	rc = natnet_write_json(path, text, err, errlen);
	return rc;
}
