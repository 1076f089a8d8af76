/* SPDX-License-Identifier: MIT */
/*
 * hostonly.c - host-only interfaces between natd.json and the kernel (see
 * hostonly.h).
 */
#include "natd/hostonly.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "devices/device.h"
#include "devices/hostif.h"
#include "natd/hostonly_store.h"
#include "natd/intnet_service.h"

static bool same4(const struct hostonly_def *a, const struct hostonly_def *b)
{
	return a && b && a->ip.s_addr == b->ip.s_addr && a->netmask.s_addr == b->netmask.s_addr;
}

static bool same6(const struct hostonly_def *a, const struct hostonly_def *b)
{
	return a && b && a->has_ip6 && b->has_ip6 && a->prefixlen6 == b->prefixlen6 &&
	       !memcmp(&a->ip6, &b->ip6, sizeof(a->ip6));
}

static int set4(const struct hostonly_def *d, bool add, char *err, size_t errlen)
{
	return hostif_addr4(d->name, add, d->ip, hostonly_prefixlen(d), err, errlen);
}

static int set6(const struct hostonly_def *d, bool add, char *err, size_t errlen)
{
	return d->has_ip6 ? hostif_addr6(d->name, add, &d->ip6, d->prefixlen6, err, errlen) : 0;
}

/*
 * IPv4: a second address in the subnet of the first is a "secondary" one,
 * which the kernel deletes with the primary (promote_secondaries off, the
 * default). So within one subnet the old address goes first and the new
 * one follows; between subnets the new one comes first.
 */
int hostonly_apply(const struct hostonly_def *from, const struct hostonly_def *to, char *err,
		   size_t errlen)
{
	bool do4 = !same4(from, to), do6 = to->has_ip6 && !same6(from, to);
	bool swap4 = do4 && from && hostonly_prefixlen(from) == hostonly_prefixlen(to) &&
		     (from->ip.s_addr & from->netmask.s_addr) ==
		     (to->ip.s_addr & to->netmask.s_addr);
	bool old6 = from && from->has_ip6 && !same6(from, to);
	char why[256];
	int rc = 0;

	if (swap4 && (rc = set4(from, false, err, errlen)) < 0)
		return rc;
	if (do4 && (rc = set4(to, true, err, errlen)) < 0)
		goto undo_swap;
	if (do6 && (rc = set6(to, true, err, errlen)) < 0)
		goto undo4;
	if (do4 && from && !swap4 && (rc = set4(from, false, err, errlen)) < 0)
		goto undo6;
	if (old6 && (rc = set6(from, false, err, errlen)) < 0)
		goto undo_old4;
	return 0;
undo_old4:
	if (do4 && from && !swap4)
		set4(from, true, why, sizeof(why));
undo6:
	if (do6)
		set6(to, false, why, sizeof(why));
undo4:
	if (do4)
		set4(to, false, why, sizeof(why));
undo_swap:
	if (swap4)
		set4(from, true, why, sizeof(why));
	return rc;
}

int hostonly_restore(const struct hostonly_def *d, char *err, size_t errlen)
{
	struct hostif_state st;
	uint8_t mac[6];
	char why[256];
	int rc;

	rc = hostif_query(d->name, &st, err, errlen);
	if (rc == 1 && !st.is_tap)
		return errfmt(err, errlen, -EEXIST, "%s exists and is not a tap: not natd's "
			      "host-only interface (delete it, or remove the definition: natd "
			      "hostonlyif remove %s)", d->name, d->name);
	if (rc == 1 && st.owner >= 0 && st.owner != (long)geteuid() && geteuid() != 0)
		return errfmt(err, errlen, -EEXIST, "%s belongs to uid %ld, not to you", d->name,
			      st.owner);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	hostonly_mac(d, mac);
	rc = hostif_create(d->name, geteuid(), mac, err, errlen);
	if (rc == -EEXIST && hostif_query(d->name, &st, why, sizeof(why)) == 1 && st.is_tap)
		return 0; /* another command made it meanwhile */
	if (rc < 0)
		return rc;
	rc = hostonly_apply(NULL, d, err, errlen);
	if (rc < 0) {
		if (hostif_delete(d->name, why, sizeof(why)) < 0)
			log_warn("%s", why);
		return rc;
	}
	return 1;
}

int hostonly_find_switch(const char *home, const char *name, struct mode_switch *out,
			 char *err, size_t errlen)
{
	struct hostonly_db db;
	struct hostonly_def d;
	char why[768], sock[PATH_MAX];
	int i, rc;

	memset(out, 0, sizeof(*out));
	if (hostonly_db_load(&db, home, false, why, sizeof(why)) < 0)
		return errfmt(err, errlen, -EINVAL, "%s", why);
	i = hostonly_store_find(&db.hs, name);
	if (i >= 0)
		d = db.hs.defs[i];
	hostonly_db_release(&db);
	if (i < 0)
		return errfmt(err, errlen, -ENOENT, "no host-only interface '%s' (natd hostonlyif "
			      "create makes one; natd list hostonlyifs shows them)", name);
	rc = hostonly_restore(&d, why, sizeof(why));
	if (rc == -EPERM)
		return errfmt(err, errlen, rc, "host-only interface %s has vanished (a reboot?) "
			      "and recreating it needs CAP_NET_ADMIN: natd hostonlyif create or "
			      "ipconfig run with it recreates it", name);
	if (rc < 0)
		return errfmt(err, errlen, rc, "host-only interface %s: %s", name, why);
	if (rc == 1)
		log_info("host-only interface %s had vanished: recreated it", name);
	rc = switchd_ensure(SWITCHD_HOSTONLY, home, name, err, errlen);
	if (rc < 0 ||
	    (rc = switchd_read_secret(SWITCHD_HOSTONLY, home, name, out->secret, err, errlen)) < 0)
		return rc;
	out->running = true;
	if (switchd_run_path(SWITCHD_HOSTONLY, home, name, "sock", sock, sizeof(sock)) < 0 ||
	    (size_t)snprintf(out->spec, sizeof(out->spec), "stream-connect:%s", sock) >=
	    sizeof(out->spec) || device_spec_check(out->spec, err, errlen) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "the switch socket path under "
			      "NATD_HOME is too long for a UNIX socket");
	return 0;
}

int hostonly_status(const char *home, const char *name, json_t **out, char *err,
		    size_t errlen)
{
	return switchd_status(SWITCHD_HOSTONLY, home, name, out, err, errlen);
}
