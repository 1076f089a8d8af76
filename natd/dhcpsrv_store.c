/* SPDX-License-Identifier: MIT */
/*
 * dhcpsrv_store.c - DHCP server definitions of internal networks and
 * host-only interfaces in natd.json: their JSON form and the list of them
 * (see dhcpsrv_store.h).
 *
 * natd.json itself belongs to natd/natnet_store.c: this module only reads
 * and replaces the "dhcpservers" member of the root object that store keeps,
 * so NAT networks and keys of other tools survive every rewrite and one lock
 * serialises `natd natnetwork` and `natd dhcpserver` commands.
 */
#include "natd/dhcpsrv_store.h"
#include "natd/intnet_dir.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "natd/dhcpsrv_def_internal.h"

/* --- JSON -------------------------------------------------------------------- */

json_t *dhcpsrv_def_to_json(const struct dhcpsrv_def *d)
{
	char a[INET_ADDRSTRLEN], mac[18];
	json_t *o = json_object(), *opts = json_array(), *fx = json_array(), *vfx = json_array();

	if (!o || !opts || !fx || !vfx)
		goto nomem;
	for (unsigned i = 0; i < d->n_opts; i++)
		json_array_append_new(opts, json_pack("{s:i, s:s}", "code", d->opts[i].code,
						       d->opts[i].hex ? "hex" : "text",
						       d->opts[i].value));
	for (unsigned i = 0; i < d->n_fixed; i++) {
		dhcpsrv_format_mac(d->fixed[i].mac, mac, sizeof(mac));
		json_array_append_new(fx, json_pack("{s:s, s:s}", "mac", mac, "ip",
						    dhcpsrv_ntoa(d->fixed[i].addr, a)));
	}
	for (unsigned i = 0; i < d->n_vm_fixed; i++)
		json_array_append_new(vfx, json_pack("{s:s, s:i, s:s}", "vm", d->vm_fixed[i].vm,
						     "nic", (int)d->vm_fixed[i].nic, "ip",
						     dhcpsrv_ntoa(d->vm_fixed[i].addr, a)));
	json_object_set_new(o, "network", json_string(d->network));
	json_object_set_new(o, "kind", json_string(d->kind == DHCPSRV_KIND_INTERFACE ?
						   "interface" : "network"));
	if (d->kind == DHCPSRV_KIND_INTERFACE)
		json_object_set_new(o, "interface", json_string(d->interface));
	json_object_set_new(o, "server_ip", json_string(dhcpsrv_ntoa(d->server_ip, a)));
	json_object_set_new(o, "netmask", json_string(dhcpsrv_ntoa(d->netmask, a)));
	json_object_set_new(o, "lower_ip", json_string(dhcpsrv_ntoa(d->lower_ip, a)));
	json_object_set_new(o, "upper_ip", json_string(dhcpsrv_ntoa(d->upper_ip, a)));
	json_object_set_new(o, "enabled", json_boolean(d->enabled));
	json_object_set_new(o, "lease_time", json_integer(d->lease_time));
	json_object_set_new(o, "options", opts);
	json_object_set_new(o, "fixed", fx);
	json_object_set_new(o, "vm_fixed", vfx);
	if (json_object_size(o) != (d->kind == DHCPSRV_KIND_INTERFACE ? 12u : 11u) ||
	    json_array_size(opts) != d->n_opts || json_array_size(fx) != d->n_fixed ||
	    json_array_size(vfx) != d->n_vm_fixed) {
		json_decref(o);
		return NULL;
	}
	return o;
nomem:
	json_decref(o);
	json_decref(opts);
	json_decref(fx);
	json_decref(vfx);
	return NULL;
}

static int get_ip(json_t *o, const char *key, struct in_addr *out, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		return errfmt(err, errlen, -EINVAL, "%s: missing or not a string", key);
	if (dhcpsrv_parse_ip(s, out) < 0)
		return errfmt(err, errlen, -EINVAL, "%s: '%s' is not an IPv4 address", key, s);
	return 0;
}

static json_t *get_list(json_t *o, const char *key, char *err, size_t errlen, int *rc)
{
	json_t *v = json_object_get(o, key);

	*rc = 0;
	if (v && !json_is_array(v))
		*rc = errfmt(err, errlen, -EINVAL, "%s: expected a list", key);
	else if (json_array_size(v) > DHCP_MAX_FIXED)
		*rc = errfmt(err, errlen, -EINVAL, "%s: more than %d entries", key, DHCP_MAX_FIXED);
	return v;
}

static int options_from_json(json_t *o, struct dhcpsrv_def *d, char *err, size_t errlen)
{
	char why[256];
	json_t *arr, *v;
	size_t i;
	int rc;

	arr = get_list(o, "options", err, errlen, &rc);
	json_array_foreach(arr, i, v) {
		json_t *code = json_object_get(v, "code");
		const char *text = json_string_value(json_object_get(v, "text"));
		const char *hex = json_string_value(json_object_get(v, "hex"));
		json_int_t c = json_integer_value(code);

		if (rc < 0)
			break;
		if (!json_is_integer(code) || c < 1 || c > 254)
			return errfmt(err, errlen, -EINVAL, "options[%zu]: code: expected 1 to 254",
				      i);
		if (!text == !hex)
			return errfmt(err, errlen, -EINVAL, "options[%zu]: expected \"text\" or "
				      "\"hex\"", i);
		for (unsigned j = 0; j < d->n_opts; j++)
			if (d->opts[j].code == c)
				return errfmt(err, errlen, -EINVAL, "options[%zu]: option %lld set "
					      "twice", i, (long long)c);
		if (dhcpsrv_option_set(d, (uint8_t)c, text ? text : hex, hex != NULL, why,
				       sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "options[%zu]: %s", i, why);
	}
	return rc;
}

static int fixed_from_json(json_t *o, struct dhcpsrv_def *d, char *err, size_t errlen)
{
	char why[256];
	json_t *arr, *v;
	size_t i;
	int rc;

	arr = get_list(o, "fixed", err, errlen, &rc);
	json_array_foreach(arr, i, v) {
		const char *mac = json_string_value(json_object_get(v, "mac"));
		struct dhcp_fixed *f = &d->fixed[d->n_fixed];

		if (rc < 0)
			return rc;
		if (!mac || config_parse_mac(mac, f->mac) < 0)
			return errfmt(err, errlen, -EINVAL, "fixed[%zu]: mac: expected a MAC "
				      "address", i);
		if (get_ip(v, "ip", &f->addr, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "fixed[%zu]: %s", i, why);
		d->n_fixed++;
	}
	if (rc < 0)
		return rc;
	arr = get_list(o, "vm_fixed", err, errlen, &rc);
	json_array_foreach(arr, i, v) {
		const char *vm = json_string_value(json_object_get(v, "vm"));
		json_t *nic = json_object_get(v, "nic");
		struct dhcpsrv_vm_fixed *f = &d->vm_fixed[d->n_vm_fixed];

		if (rc < 0)
			return rc;
		if (d->n_fixed + d->n_vm_fixed >= DHCP_MAX_FIXED)
			return errfmt(err, errlen, -EINVAL, "more than %d reservations",
				      DHCP_MAX_FIXED);
		if (!vm || strlen(vm) >= sizeof(f->vm))
			return errfmt(err, errlen, -EINVAL, "vm_fixed[%zu]: vm: expected a VM name",
				      i);
		if (!json_is_integer(nic) || json_integer_value(nic) < 1 ||
		    json_integer_value(nic) > NATD_MAX_NICS)
			return errfmt(err, errlen, -EINVAL, "vm_fixed[%zu]: nic: expected 1 to %d",
				      i, NATD_MAX_NICS);
		if (get_ip(v, "ip", &f->addr, why, sizeof(why)) < 0)
			return errfmt(err, errlen, -EINVAL, "vm_fixed[%zu]: %s", i, why);
		snprintf(f->vm, sizeof(f->vm), "%s", vm);
		f->nic = (unsigned)json_integer_value(nic);
		d->n_vm_fixed++;
	}
	return rc;
}

int dhcpsrv_def_from_json(json_t *o, struct dhcpsrv_def *d, char *err, size_t errlen)
{
	const char *net = json_string_value(json_object_get(o, "network"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *ifn = json_string_value(json_object_get(o, "interface"));
	json_t *en = json_object_get(o, "enabled"), *lt = json_object_get(o, "lease_time");
	int rc;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return errfmt(err, errlen, -EINVAL, "expected an object");
	if (!net || strlen(net) >= sizeof(d->network))
		return errfmt(err, errlen, -EINVAL, "network: missing, not a string or too long");
	if (!kind || (strcmp(kind, "network") && strcmp(kind, "interface")))
		return errfmt(err, errlen, -EINVAL, "kind: expected \"network\" or \"interface\"");
	snprintf(d->network, sizeof(d->network), "%s", net);
	d->kind = kind[0] == 'n' ? DHCPSRV_KIND_NETWORK : DHCPSRV_KIND_INTERFACE;
	if (d->kind == DHCPSRV_KIND_INTERFACE) {
		if (!ifn || strlen(ifn) >= sizeof(d->interface))
			return errfmt(err, errlen, -EINVAL, "interface: missing, not a string or "
				      "longer than %d bytes", DHCPSRV_IFNAME_MAX - 1);
		snprintf(d->interface, sizeof(d->interface), "%s", ifn);
	}
	rc = dhcpsrv_def_check_name(d, err, errlen);
	if (rc == 0)
		rc = get_ip(o, "server_ip", &d->server_ip, err, errlen);
	if (rc == 0)
		rc = get_ip(o, "netmask", &d->netmask, err, errlen);
	if (rc == 0)
		rc = get_ip(o, "lower_ip", &d->lower_ip, err, errlen);
	if (rc == 0)
		rc = get_ip(o, "upper_ip", &d->upper_ip, err, errlen);
	if (rc < 0)
		return rc;
	if (en && !json_is_boolean(en))
		return errfmt(err, errlen, -EINVAL, "enabled: expected true or false");
	d->enabled = !en || json_is_true(en);
	if (lt && (!json_is_integer(lt) || json_integer_value(lt) < 1 ||
		   json_integer_value(lt) > UINT32_MAX))
		return errfmt(err, errlen, -EINVAL, "lease_time: expected seconds, 1 to %u",
			      UINT32_MAX);
	d->lease_time = lt ? (uint32_t)json_integer_value(lt) : DHCPSRV_DEFAULT_LEASE;
	rc = options_from_json(o, d, err, errlen);
	if (rc == 0)
		rc = fixed_from_json(o, d, err, errlen);
	if (rc == 0)
		rc = dhcpsrv_def_check(d, err, errlen);
	return rc;
}

/* --- the store ----------------------------------------------------------------- */

static void store_clear(struct dhcpsrv_store *ds)
{
	free(ds->defs);
	ds->defs = NULL;
	ds->n = 0;
}

int dhcpsrv_store_find(const struct dhcpsrv_store *ds, const char *network)
{
	for (size_t i = 0; i < ds->n; i++)
		if (!strcmp(ds->defs[i].network, network))
			return (int)i;
	return -1;
}

int dhcpsrv_store_parse(struct dhcpsrv_store *ds, json_t *root, const char *path,
			char *err, size_t errlen)
{
	json_t *arr = json_object_get(root, "dhcpservers"), *o;
	char why[384];
	size_t i;

	store_clear(ds);
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return errfmt(err, errlen, -EINVAL, "%s: dhcpservers: expected a list", path);
	if (json_array_size(arr) > DHCPSRV_MAX_SERVERS)
		return errfmt(err, errlen, -EINVAL, "%s: dhcpservers: more than %d servers", path,
			      DHCPSRV_MAX_SERVERS);
	if (json_array_size(arr) == 0)
		return 0;
	ds->defs = calloc(json_array_size(arr), sizeof(ds->defs[0]));
	if (!ds->defs)
		return errfmt(err, errlen, -ENOMEM, "%s: out of memory", path);
	json_array_foreach(arr, i, o) {
		const char *nm = json_string_value(json_object_get(o, "network"));
		struct dhcpsrv_def *d = &ds->defs[ds->n];
		int rc = dhcpsrv_def_from_json(o, d, why, sizeof(why));

		if (rc == 0 && dhcpsrv_store_find(ds, d->network) >= 0)
			rc = errfmt(why, sizeof(why), -EINVAL, "a second server for that network");
		if (rc < 0) {
			store_clear(ds);
			return errfmt(err, errlen, -EINVAL, "%s: dhcpservers[%zu]%s%.64s%s: %s "
				      "(the file is left as it is: fix or remove the entry)", path,
				      i, nm ? " (" : "", nm ? nm : "", nm ? ")" : "", why);
		}
		ds->n++;
	}
	return 0;
}

int dhcpsrv_store_load(struct natnet_store *st, struct dhcpsrv_store *ds, const char *home,
		       bool lock, char *err, size_t errlen)
{
	int rc;

	memset(ds, 0, sizeof(*ds));
	rc = natnet_store_load(st, home, lock, err, errlen);
	if (rc < 0)
		return rc;
	rc = dhcpsrv_store_parse(ds, st->root, st->path, err, errlen);
	if (rc < 0)
		natnet_store_release(st);
	return rc;
}

json_t *dhcpsrv_store_to_json(const struct dhcpsrv_store *ds)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < ds->n; i++) {
		if (json_array_append_new(arr, dhcpsrv_def_to_json(&ds->defs[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

int dhcpsrv_store_save(struct natnet_store *st, const struct dhcpsrv_store *ds, char *err,
		       size_t errlen)
{
	return natnet_store_update_key(st, "dhcpservers", dhcpsrv_store_to_json(ds), err, errlen);
}

void dhcpsrv_store_release(struct natnet_store *st, struct dhcpsrv_store *ds)
{
	store_clear(ds);
	if (st)
		natnet_store_release(st);
}

int dhcpsrv_store_put(struct dhcpsrv_store *ds, const struct dhcpsrv_def *d)
{
	int i = dhcpsrv_store_find(ds, d->network);
	struct dhcpsrv_def *nd;

	if (i >= 0) {
		ds->defs[i] = *d;
		return 0;
	}
	if (ds->n >= DHCPSRV_MAX_SERVERS)
		return -ENOSPC;
	nd = realloc(ds->defs, (ds->n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	ds->defs = nd;
	ds->defs[ds->n++] = *d;
	return 0;
}

int dhcpsrv_store_remove(struct dhcpsrv_store *ds, const char *network)
{
	int i = dhcpsrv_store_find(ds, network);

	if (i < 0)
		return -ENOENT;
	memmove(&ds->defs[i], &ds->defs[i + 1], (ds->n - (size_t)i - 1) * sizeof(ds->defs[0]));
	ds->n--;
	return 0;
}

/* --- the daemon -------------------------------------------------------------- */

int dhcpsrv_ctl_path(const char *home, const struct dhcpsrv_def *d, char *out, size_t outlen)
{
	int n;

	if (d->kind != DHCPSRV_KIND_INTERFACE) /* NATD_INTNET_DIR or home/run/intnet */
		return intnet_run_path(home, d->network, "ctl", out, outlen);
	n = snprintf(out, outlen, "%s/run/hostonly/%s.ctl", home, d->interface);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}
