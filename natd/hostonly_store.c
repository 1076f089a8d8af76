/* SPDX-License-Identifier: MIT */
/*
 * hostonly_store.c - host-only interface definitions in natd.json (see
 * hostonly_store.h). natd.json belongs to natd/natnet_store.c; this module
 * reads and replaces its "hostonlyifs" member only.
 */
#include "natd/hostonly_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define HOSTONLY_KEY "hostonlyifs"

json_t *hostonly_def_to_json(const struct hostonly_def *d)
{
	char a[INET6_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	json_t *o;

	inet_ntop(AF_INET, &d->ip, a, sizeof(a));
	inet_ntop(AF_INET, &d->netmask, m, sizeof(m));
	o = json_pack("{s:s, s:s, s:s}", "name", d->name, "ip", a, "netmask", m);
	if (o && d->uplink[0] && json_object_set_new(o, "uplink", json_string(d->uplink)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o && d->has_ip6) {
		inet_ntop(AF_INET6, &d->ip6, a, sizeof(a));
		if (json_object_set_new(o, "ipv6", json_string(a)) < 0 ||
		    json_object_set_new(o, "ipv6_prefixlen", json_integer(d->prefixlen6)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int hostonly_def_from_json(json_t *o, struct hostonly_def *d, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *ip = json_string_value(json_object_get(o, "ip"));
	const char *mask = json_string_value(json_object_get(o, "netmask"));
	const char *ip6 = json_string_value(json_object_get(o, "ipv6"));
	json_t *len6 = json_object_get(o, "ipv6_prefixlen"), *up = json_object_get(o, "uplink");

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return errfmt(err, errlen, -EINVAL, "expected an object");
	if (!name || strlen(name) >= sizeof(d->name))
		return errfmt(err, errlen, -EINVAL, "name: missing, not a string or too long");
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (!ip || inet_pton(AF_INET, ip, &d->ip) != 1)
		return errfmt(err, errlen, -EINVAL, "ip: expected an IPv4 address");
	if (!mask || inet_pton(AF_INET, mask, &d->netmask) != 1)
		return errfmt(err, errlen, -EINVAL, "netmask: expected an IPv4 netmask");
	if (json_object_get(o, "ipv6") || len6) {
		if (!ip6 || inet_pton(AF_INET6, ip6, &d->ip6) != 1)
			return errfmt(err, errlen, -EINVAL, "ipv6: expected an IPv6 address");
		if (!json_is_integer(len6) || json_integer_value(len6) < 0 ||
		    json_integer_value(len6) > 128)
			return errfmt(err, errlen, -EINVAL, "ipv6_prefixlen: expected 8 to 128");
		d->has_ip6 = true;
		d->prefixlen6 = (unsigned)json_integer_value(len6);
	}
	if (up) {
		struct uplink u;
		char why[256];

		if (!json_is_string(up) || strlen(json_string_value(up)) >= sizeof(d->uplink))
			return errfmt(err, errlen, -EINVAL, "uplink: expected text like "
				      "udp:LPORT,HOST:PORT or vde:/path/to/switch");
		if (uplink_parse(json_string_value(up), &u, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "uplink: %s", why);
		snprintf(d->uplink, sizeof(d->uplink), "%s", json_string_value(up));
	}
	return hostonly_def_check(d, err, errlen);
}

/* --- the list ------------------------------------------------------------------- */

void hostonly_store_free(struct hostonly_store *hs)
{
	free(hs->defs);
	hs->defs = NULL;
	hs->n = 0;
}

int hostonly_store_find(const struct hostonly_store *hs, const char *name)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!strcmp(hs->defs[i].name, name))
			return (int)i;
	return -1;
}

int hostonly_store_parse(struct hostonly_store *hs, json_t *root, const char *path,
			 char *err, size_t errlen)
{
	json_t *arr = json_object_get(root, HOSTONLY_KEY), *o;
	char why[384];
	size_t i;

	hostonly_store_free(hs);
	if (!arr || json_array_size(arr) == 0)
		return json_is_array(arr) || !arr ? 0 :
		       errfmt(err, errlen, -EINVAL, "%s: %s: expected a list", path, HOSTONLY_KEY);
	if (json_array_size(arr) > HOSTONLY_MAX_IFS)
		return errfmt(err, errlen, -EINVAL, "%s: %s: more than %d interfaces", path,
			      HOSTONLY_KEY, HOSTONLY_MAX_IFS);
	hs->defs = calloc(json_array_size(arr), sizeof(hs->defs[0]));
	if (!hs->defs)
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
	json_array_foreach(arr, i, o) {
		const char *nm = json_string_value(json_object_get(o, "name"));
		struct hostonly_def *d = &hs->defs[hs->n];
		int rc = hostonly_def_from_json(o, d, why, sizeof(why));

		if (rc == 0 && hostonly_store_find(hs, d->name) >= 0)
			rc = errfmt(why, sizeof(why), -EINVAL, "defined twice");
		if (rc < 0) {
			hostonly_store_free(hs);
			return errfmt(err, errlen, -EINVAL, "%s: %s[%zu]%s%.16s%s: %s (the file is "
				      "left as it is: fix or remove the entry)", path, HOSTONLY_KEY,
				      i, nm ? " (" : "", nm ? nm : "", nm ? ")" : "", why);
		}
		hs->n++;
	}
	return 0;
}

int hostonly_store_put(struct hostonly_store *hs, const struct hostonly_def *d)
{
	int i = hostonly_store_find(hs, d->name);
	struct hostonly_def *nd;

	if (i >= 0) {
		hs->defs[i] = *d;
		return 0;
	}
	nd = realloc(hs->defs, (hs->n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	hs->defs = nd;
	hs->defs[hs->n++] = *d;
	return 0;
}

int hostonly_store_remove(struct hostonly_store *hs, const char *name)
{
	int i = hostonly_store_find(hs, name);

	if (i < 0)
		return -ENOENT;
	memmove(&hs->defs[i], &hs->defs[i + 1], (hs->n - (size_t)i - 1) * sizeof(hs->defs[0]));
	hs->n--;
	return 0;
}

/* --- natd.json ------------------------------------------------------------------- */

int hostonly_db_load(struct hostonly_db *db, const char *home, bool lock, char *err,
		     size_t errlen)
{
	int rc;

	memset(&db->hs, 0, sizeof(db->hs));
	rc = dhcpsrv_store_load(&db->st, &db->ds, home, lock, err, errlen);
	if (rc < 0)
		return rc;
	rc = hostonly_store_parse(&db->hs, db->st.root, db->st.path, err, errlen);
	if (rc < 0)
		dhcpsrv_store_release(&db->st, &db->ds);
	return rc;
}

int hostonly_store_get(const char *home, const char *name, struct hostonly_def *out,
		       char *err, size_t errlen)
{
	struct hostonly_db db;
	int i, rc = hostonly_db_load(&db, home, false, err, errlen);

	if (rc < 0)
		return rc;
	i = hostonly_store_find(&db.hs, name);
	if (i >= 0)
		*out = db.hs.defs[i];
	else
		rc = errfmt(err, errlen, -ENOENT, "no host-only interface '%s' in %s", name,
			    db.st.path);
	hostonly_db_release(&db);
	return rc;
}

int hostonly_db_save(struct hostonly_db *db, char *err, size_t errlen)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < db->hs.n; i++) {
		if (json_array_append_new(arr, hostonly_def_to_json(&db->hs.defs[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	/* A new file reads in order: version, natnetworks, dhcpservers, us. */
	if (natnet_store_set_key(&db->st, "dhcpservers", dhcpsrv_store_to_json(&db->ds), err,
				 errlen) < 0) {
		json_decref(arr);
		return -ENOMEM;
	}
	return natnet_store_update_key(&db->st, HOSTONLY_KEY, arr, err, errlen);
}

void hostonly_db_release(struct hostonly_db *db)
{
	hostonly_store_free(&db->hs);
	dhcpsrv_store_release(&db->st, &db->ds);
}

static int check_against(const struct natnet_def *nets, size_t n_nets,
			 const struct hostonly_store *hs, const struct hostonly_def *d, char *err,
			 size_t errlen)
{
	char a[INET_ADDRSTRLEN + 4], b[INET_ADDRSTRLEN + 4];

	hostonly_format_ip(d, a, sizeof(a));
	for (size_t i = 0; i < hs->n; i++) {
		const struct hostonly_def *o = &hs->defs[i];

		if (strcmp(o->name, d->name) && hostonly_overlap(o, d)) {
			hostonly_format_ip(o, b, sizeof(b));
			return errfmt(err, errlen, -EINVAL, "%s%s overlaps host-only interface %s "
				      "(%s%s)", a, d->has_ip6 ? " (or its IPv6 prefix)" : "",
				      o->name, b, o->has_ip6 ? " and its IPv6 prefix" : "");
		}
	}
	for (size_t i = 0; i < n_nets; i++) {
		if (hostonly_overlap_natnet(d, &nets[i])) {
			natnet_format_network(&nets[i], b, sizeof(b));
			return errfmt(err, errlen, -EINVAL, "%s%s overlaps NAT network '%s' (%s%s)",
				      a, d->has_ip6 ? " (or its IPv6 prefix)" : "", nets[i].name,
				      b, nets[i].ipv6 ? " and its IPv6 prefix" : "");
		}
	}
	return 0;
}

int hostonly_db_check(const struct hostonly_db *db, const struct hostonly_def *d, char *err,
		      size_t errlen)
{
	struct dhcpsrv_def s;
	char why[384];
	int i, rc;

	rc = hostonly_def_check(d, err, errlen);
	if (rc == 0)
		rc = check_against(db->st.defs, db->st.n, &db->hs, d, err, errlen);
	if (rc < 0)
		return rc;
	if (dhcpsrv_def_init(&s, DHCPSRV_KIND_INTERFACE, d->name, why, sizeof(why)) < 0)
		return errfmt(err, errlen, -EINVAL, "%s", why);
	i = dhcpsrv_store_find(&db->ds, s.network);
	if (i >= 0 && hostonly_dhcp_check(d, &db->ds.defs[i], why, sizeof(why)) < 0)
		return errfmt(err, errlen, -EINVAL, "the DHCP server of %s: %s", d->name, why);
	return 0;
}

int hostonly_check_natnet(json_t *root, const char *path, const struct natnet_def *n,
			  char *err, size_t errlen)
{
	struct hostonly_store hs = { 0 };
	char a[INET_ADDRSTRLEN + 4], b[INET_ADDRSTRLEN + 4];
	int rc = hostonly_store_parse(&hs, root, path, err, errlen);

	for (size_t i = 0; rc == 0 && i < hs.n; i++) {
		if (!hostonly_overlap_natnet(&hs.defs[i], n))
			continue;
		natnet_format_network(n, a, sizeof(a));
		hostonly_format_ip(&hs.defs[i], b, sizeof(b));
		rc = errfmt(err, errlen, -EINVAL, "network %s%s overlaps host-only interface %s "
			    "(%s%s)", a, n->ipv6 ? " (or its IPv6 prefix)" : "", hs.defs[i].name, b,
			    hs.defs[i].has_ip6 ? " and its IPv6 prefix" : "");
	}
	hostonly_store_free(&hs);
	return rc;
}

int hostonly_check_dhcpsrv(json_t *root, const char *path, const struct dhcpsrv_def *s,
			   char *err, size_t errlen)
{
	struct hostonly_store hs = { 0 };
	char why[384];
	int i, rc;

	if (s->kind != DHCPSRV_KIND_INTERFACE)
		return 0;
	rc = hostonly_store_parse(&hs, root, path, err, errlen);
	i = rc == 0 ? hostonly_store_find(&hs, s->interface) : -1;
	if (i >= 0 && hostonly_dhcp_check(&hs.defs[i], s, why, sizeof(why)) < 0)
		rc = errfmt(err, errlen, -EINVAL, "%s", why);
	hostonly_store_free(&hs);
	return rc;
}
