/* SPDX-License-Identifier: MIT */
/*
 * natnet_json.c - a NAT network definition's JSON form in natd.json and in
 * the service's control messages (see natnet_json.h): rules kept as text in
 * the NAT-network syntax (forwarders/pfrule.c), so the file reads as the
 * commands that made it, and every field checked on the way back.
 */
#include "natd/natnet_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static json_t *rules_json(const struct pfrule *r, unsigned n)
{
	json_t *arr = json_array();
	char t[PFRULE_TEXT_MAX];

	for (unsigned i = 0; arr && i < n; i++)
		if (natnet_format_rule(&r[i], t, sizeof(t)) >= 0)
			json_array_append_new(arr, json_string(t));
	return arr;
}

json_t *natnet_def_to_json(const struct natnet_def *d)
{
	char net[INET_ADDRSTRLEN + 4], t[48];
	json_t *lo = json_array();

	natnet_format_network(d, net, sizeof(net));
	for (unsigned i = 0; lo && i < d->n_lo4; i++) {
		natnet_format_loopback(&d->lo4[i], t, sizeof(t));
		json_array_append_new(lo, json_string(t));
	}
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:o, s:o, s:o, s:I}",
			 "name", d->name, "network", net, "enabled", d->enabled,
			 "dhcp", d->dhcp, "ipv6", d->ipv6, "ipv6_default", d->ipv6_default,
			 "port_forward_4", rules_json(d->rules4, d->n_rules4),
			 "port_forward_6", rules_json(d->rules6, d->n_rules6),
			 "loopback_4", lo, "loopback_6", (json_int_t)d->lo6);

	if (o && d->uplink[0])
		json_object_set_new(o, "uplink", json_string(d->uplink));
	if (o && d->source_ip4.s_addr) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &d->source_ip4, a, sizeof(a));
		json_object_set_new(o, "source_ip4", json_string(a));
	}
	return o;
}

static int get_bool(json_t *o, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0; /* default */
	if (!json_is_boolean(v))
		return errfmt(err, errlen, -EINVAL, "%s: expected true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int get_rules(json_t *o, const char *key, int family, struct pfrule *rules,
		     unsigned *n, char *err, size_t errlen)
{
	json_t *arr = json_object_get(o, key), *v;
	char why[256];
	size_t i;

	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return errfmt(err, errlen, -EINVAL, "%s: expected a list of rules", key);
	if (json_array_size(arr) > NATNET_MAX_RULES)
		return errfmt(err, errlen, -EINVAL, "%s: more than %d rules", key,
			      NATNET_MAX_RULES);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return errfmt(err, errlen, -EINVAL, "%s[%zu]: expected a rule as text",
				      key, i);
		if (pfrule_parse(json_string_value(v), PFRULE_SYNTAX_NATNET, family,
				 &rules[*n], why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "%s[%zu] '%s': %s", key, i,
				      json_string_value(v), why);
		(*n)++;
	}
	return 0;
}

int natnet_def_from_json(json_t *o, struct natnet_def *d, char *err, size_t errlen)
{
	json_t *name = json_object_get(o, "name"), *net = json_object_get(o, "network");
	json_t *lo, *v;
	char why[256];
	size_t i;
	int rc;

	if (!json_is_object(o))
		return errfmt(err, errlen, -EINVAL, "expected an object");
	if (!json_is_string(name))
		return errfmt(err, errlen, -EINVAL, "name: missing or not a string");
	natnet_def_init(d, json_string_value(name));
	if (!config_name_valid(json_string_value(name)))
		return errfmt(err, errlen, -EINVAL, "name '%s': not a valid network name",
			      json_string_value(name));
	if (!json_is_string(net))
		return errfmt(err, errlen, -EINVAL, "network: missing or not a string");
	rc = natnet_parse_network(json_string_value(net), &d->network, &d->prefixlen, why,
				  sizeof(why));
	if (rc < 0)
		return errfmt(err, errlen, rc, "%s", why);
	if ((rc = get_bool(o, "enabled", &d->enabled, err, errlen)) < 0 ||
	    (rc = get_bool(o, "dhcp", &d->dhcp, err, errlen)) < 0 ||
	    (rc = get_bool(o, "ipv6", &d->ipv6, err, errlen)) < 0 ||
	    (rc = get_bool(o, "ipv6_default", &d->ipv6_default, err, errlen)) < 0 ||
	    (rc = get_rules(o, "port_forward_4", AF_INET, d->rules4, &d->n_rules4, err,
			    errlen)) < 0 ||
	    (rc = get_rules(o, "port_forward_6", AF_INET6, d->rules6, &d->n_rules6, err,
			    errlen)) < 0)
		return rc;
	v = json_object_get(o, "loopback_6");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)UINT32_MAX)
			return errfmt(err, errlen, -EINVAL, "loopback_6: expected an offset, 0 "
				      "to %u", UINT32_MAX);
		d->lo6 = (uint32_t)json_integer_value(v);
	}
	v = json_object_get(o, "uplink");
	if (v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(d->uplink))
			return errfmt(err, errlen, -EINVAL, "uplink: expected text like "
				      "\"udp:5001,host:5002\" or \"vde:/path\"");
		snprintf(d->uplink, sizeof(d->uplink), "%s", json_string_value(v));
	}
	v = json_object_get(o, "source_ip4");
	if (v && (!json_is_string(v) ||
		  inet_pton(AF_INET, json_string_value(v), &d->source_ip4) != 1 ||
		  !d->source_ip4.s_addr))
		return errfmt(err, errlen, -EINVAL, "source_ip4: expected an IPv4 address");
	lo = json_object_get(o, "loopback_4");
	if (lo) {
		if (!json_is_array(lo) || json_array_size(lo) > NATNET_MAX_LOOPBACK)
			return errfmt(err, errlen, -EINVAL, "loopback_4: expected a list of at "
				      "most %d mappings", NATNET_MAX_LOOPBACK);
		d->n_lo4 = 0;
		json_array_foreach(lo, i, v) {
			if (!json_is_string(v))
				return errfmt(err, errlen, -EINVAL, "loopback_4[%zu]: expected "
					      "text like \"127.0.0.1=2\"", i);
			rc = natnet_parse_loopback(json_string_value(v), &d->lo4[d->n_lo4], why,
						   sizeof(why));
			if (rc < 0)
				return errfmt(err, errlen, rc, "loopback_4[%zu]: %s", i, why);
			d->n_lo4++;
		}
	}
	return natnet_def_check(d, err, errlen);
}
