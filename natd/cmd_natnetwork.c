/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork.c - `natd natnetwork add|modify|start|stop|remove|list`, in
 * VBoxManage natnetwork's words.
 *
 * Every command that changes natd.json holds the store's lock from reading
 * to writing (natd/natnet_store.h), so concurrent commands serialise and none
 * loses another's update. Changes are checked in full before anything is
 * written; `modify` of a running network is handed to the service first and
 * written only when the service took it, so the file and the service never
 * disagree. `start` also holds the lock until the service is ready, so a
 * `modify` racing with it either sees the network stopped (and the service
 * starts with the change) or running (and the change is applied live).
 */
#include "base/esc.h"
#include "natd/cmd_natnetwork.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "natd/cmd_natnetwork_internal.h"
#include "natd/cmd_usage.h"
#include "natd/config.h"
#include "natd/daemon.h"
#include "natd/hostonly_store.h"
#include "natd/natnet_leases.h"
#include "natd/natnet_service.h"
#include "natd/natnet_status.h"
#include "natd/natnet_store.h"

/* Full checks of a changed definition against itself and the store. */
static int check_def(const char *sub, const struct natnet_store *st,
		     const struct natnet_def *d)
{
	char err[512];

	if (natnet_def_check(d, err, sizeof(err)) < 0 ||
	    natnet_store_check_def(st, d, err, sizeof(err)) < 0 ||
	    hostonly_check_natnet(st->root, st->path, d, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd natnetwork %s: %s: %s\n", sub, d->name, err);
		return 1;
	}
	return 0;
}

static int load_store(const char *sub, struct natnet_store *st, bool lock)
{
	char home[PATH_MAX], err[768];

	config_default_home(home, sizeof(home));
	if (natnet_store_load(st, home, lock, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd natnetwork %s: %s\n", sub, err);
		return 1;
	}
	return 0;
}

static int save_store(const char *sub, struct natnet_store *st)
{
	char err[512];

	if (natnet_store_save(st, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd natnetwork %s: %s (nothing changed)\n", sub, err);
		return 1;
	}
	return 0;
}

static const struct natnet_def *get_def(const char *sub, const struct natnet_store *st,
					const char *name)
{
	int i = natnet_store_find(st, name);

	if (i < 0) {
		esc_fprintf(stderr, "natd natnetwork %s: no NAT network '%s' (natd natnetwork "
			"list shows them)\n", sub, name);
		return NULL;
	}
	return &st->defs[i];
}

static int running(const char *sub, const struct natnet_store *st, const char *name,
		   pid_t *pid)
{
	int r = natnet_service_running(st->home, name, pid);

	if (r < 0)
		esc_fprintf(stderr, "natd natnetwork %s: cannot tell whether %s runs: %s\n", sub,
			name, strerror(-r));
	return r;
}

static int cmd_add(const struct natnet_args *a)
{
	struct natnet_store st;
	struct natnet_def d;
	int rc;

	if (!a->network_given)
		return cmd_usage("natnetwork", "add", "--network CIDR is required");
	if (load_store("add", &st, true))
		return 1;
	rc = 1;
	if (natnet_store_find(&st, a->netname) >= 0) {
		esc_fprintf(stderr, "natd natnetwork add: a NAT network '%s' exists (natd "
			"natnetwork modify changes it)\n", a->netname);
		goto out;
	}
	natnet_def_init(&d, a->netname);
	if (natnet_cli_apply("add", a, &d) || check_def("add", &st, &d))
		goto out;
	if (natnet_store_put(&st, &d) < 0) {
		esc_fprintf(stderr, "natd natnetwork add: at most %d NAT networks\n",
			NATNET_MAX_NETWORKS);
		goto out;
	}
	rc = save_store("add", &st);
out:
	natnet_store_release(&st);
	return rc;
}

static int cmd_modify(const struct natnet_args *a)
{
	const struct natnet_def *old;
	struct natnet_store st;
	struct natnet_def d;
	char err[512];
	int rc = 1, r;

	if (a->n_ops == 0)
		return cmd_usage("natnetwork", "modify", "nothing to change");
	if (load_store("modify", &st, true))
		return 1;
	old = get_def("modify", &st, a->netname);
	if (!old)
		goto out;
	d = *old;
	if (natnet_cli_apply("modify", a, &d) || check_def("modify", &st, &d))
		goto out;
	r = running("modify", &st, d.name, NULL);
	if (r < 0)
		goto out;
	if (r == 1) {
		if (d.network.s_addr != old->network.s_addr || d.prefixlen != old->prefixlen) {
			esc_fprintf(stderr, "natd natnetwork modify: %s is running: stop it before "
				"changing --network (natd natnetwork stop --netname %s)\n", d.name,
				d.name);
			goto out;
		}
		if (d.ipv6 != old->ipv6) {
			esc_fprintf(stderr, "natd natnetwork modify: %s is running: stop it before "
				"changing --ipv6 (natd natnetwork stop --netname %s)\n", d.name,
				d.name);
			goto out;
		}
		if (natnet_service_apply(st.home, &d, err, sizeof(err)) < 0) {
			esc_fprintf(stderr, "natd natnetwork modify: %s: %s (nothing changed)\n",
				d.name, err);
			goto out;
		}
		if (d.enabled != old->enabled)
			printf("%s keeps running; --%s takes effect at its next start\n", d.name,
			       d.enabled ? "enable" : "disable");
	}
	if (natnet_store_put(&st, &d) < 0)
		goto out;
	rc = save_store("modify", &st);
	if (rc && r == 1)
		esc_fprintf(stderr, "natd natnetwork modify: the running service of %s has the "
			"change; natd.json does not\n", d.name);
out:
	natnet_store_release(&st);
	return rc;
}

/* start --foreground: the service serves; modify may go on, systemd may
 * start what depends on it. */
static void start_ready(void *arg)
{
	natnet_store_release(arg);
	daemon_notify("READY=1");
}

static int cmd_start(const struct natnet_args *a)
{
	const struct natnet_def *d;
	struct natnet_store st;
	char err[1024];
	pid_t pid;
	int rc = 1, r;

	struct sandbox_opts sb;

	sandbox_opts_init(&sb);
	if (a->user && sandbox_parse_user(a->user, &sb, err, sizeof(err)) < 0)
		return cmd_usage("natnetwork", "start", "%s", err);
	if (load_store("start", &st, true))
		return 1;
	d = get_def("start", &st, a->netname);
	if (!d)
		goto out;
	r = running("start", &st, d->name, &pid);
	if (r < 0)
		goto out;
	if (r == 1) {
		esc_fprintf(stderr, "natd natnetwork start: %s is already running (pid %ld)\n",
			d->name, (long)pid);
		goto out;
	}
	if (!d->enabled) {
		esc_fprintf(stderr, "natd natnetwork start: %s is disabled (natd natnetwork modify "
			"--netname %s --enable)\n", d->name, d->name);
		goto out;
	}
	if (a->foreground) {
		r = natnet_service_run(st.home, d, &sb, start_ready, &st, err, sizeof(err));
		if (r < 0)
			esc_fprintf(stderr, "natd natnetwork start: %s: %s\n", d->name, err);
		rc = r < 0 ? 1 : r;
		goto out;
	}
	if (natnet_service_start(st.home, d, &sb, err, sizeof(err)) < 0) {
		esc_fprintf(stderr, "natd natnetwork start: %s: %s\n", d->name, err);
		goto out;
	}
	rc = 0;
out:
	natnet_store_release(&st);
	return rc;
}

static int cmd_stop(const struct natnet_args *a)
{
	char home[PATH_MAX], err[512];
	int r;

	config_default_home(home, sizeof(home));
	r = natnet_service_stop(home, a->netname, err, sizeof(err));
	if (r < 0) {
		esc_fprintf(stderr, "natd natnetwork stop: %s: %s\n", a->netname, err);
		return 1;
	}
	return 0;
}

static int cmd_remove(const struct natnet_args *a)
{
	char lp[PATH_MAX];
	struct natnet_store st;
	pid_t pid;
	int rc = 1, r;

	if (load_store("remove", &st, true))
		return 1;
	if (!get_def("remove", &st, a->netname))
		goto out;
	r = running("remove", &st, a->netname, &pid);
	if (r < 0)
		goto out;
	if (r == 1) {
		esc_fprintf(stderr, "natd natnetwork remove: %s is running (pid %ld): stop it "
			"first (natd natnetwork stop --netname %s)\n", a->netname, (long)pid,
			a->netname);
		goto out;
	}
	natnet_store_remove(&st, a->netname);
	rc = save_store("remove", &st);
	if (rc == 0 && natnet_leases_path(st.home, a->netname, lp, sizeof(lp)) == 0)
		unlink(lp);
out:
	natnet_store_release(&st);
	return rc;
}

/* The uplink and, while the network runs, what its switch says of it. */
static void print_uplink(const char *spec, json_t *u)
{
	json_t *p;
	size_t i;

	printf("Uplink:       %s\n", spec);
	if (!json_is_object(u))
		return;
	printf("        %s, %lld frames in, %lld out, %lld dropped, via %s\n",
	       json_is_true(json_object_get(u, "up")) ? "up" : "down",
	       (long long)json_integer_value(json_object_get(u, "frames_in")),
	       (long long)json_integer_value(json_object_get(u, "frames_out")),
	       (long long)json_integer_value(json_object_get(u, "dropped")),
	       json_string_value(json_object_get(u, "transport")) ?: "?");
	json_array_foreach(json_object_get(u, "peers"), i, p)
		printf("        peer %s: %lld frames\n",
		       json_string_value(json_object_get(p, "address")) ?: "?",
		       (long long)json_integer_value(json_object_get(p, "frames")));
}

static void print_def(const char *home, const struct natnet_def *d)
{
	char net[INET_ADDRSTRLEN + 4], t[PFRULE_TEXT_MAX], a1[INET_ADDRSTRLEN],
	     a2[INET_ADDRSTRLEN];
	struct natnet_addrs ad;
	json_t *status = NULL;
	pid_t pid;
	int r;

	natnet_def_addrs(d, &ad);
	natnet_format_network(d, net, sizeof(net));
	printf("Name:         %s\n", d->name);
	printf("Network:      %s\n", net);
	printf("Gateway:      %s\n", inet_ntop(AF_INET, &ad.gateway, a1, sizeof(a1)));
	if (d->dhcp) {
		inet_ntop(AF_INET, &ad.dhcp_server, a1, sizeof(a1));
		inet_ntop(AF_INET, &ad.range_first, a2, sizeof(a2));
		printf("DHCP Server:  Yes (%s, leases from %s)\n", a1, a2);
	} else {
		printf("DHCP Server:  No\n");
	}
	printf("IPv6:         %s\n", d->ipv6 ? "Yes" : "No");
	natnet_format_ipv6_prefix(d, t, sizeof(t));
	printf("IPv6 Prefix:  %s\n", t);
	printf("IPv6 Default: %s\n", d->ipv6_default ? "Yes" : "No");
	printf("Enabled:      %s\n", d->enabled ? "Yes" : "No");
	r = natnet_service_running(home, d->name, &pid);
	if (r == 1) {
		char why[256];
		json_t *ports = NULL;

		if (natnet_service_status(home, d->name, &status, why, sizeof(why)) == 0)
			ports = json_object_get(status, "vms_attached");
		if (json_is_integer(ports))
			printf("Running:      Yes (pid %ld, %lld VM%s attached)\n", (long)pid,
			       (long long)json_integer_value(ports),
			       json_integer_value(ports) == 1 ? "" : "s");
		else
			printf("Running:      Yes (pid %ld)\n", (long)pid);
	} else {
		printf("Running:      %s\n", r == 0 ? "No" : "unknown");
	}
	if (d->n_rules4) {
		printf("Port-forwarding (ipv4)\n");
		for (unsigned i = 0; i < d->n_rules4; i++)
			if (natnet_format_rule(&d->rules4[i], t, sizeof(t)) >= 0)
				printf("        %s\n", t);
	}
	if (d->n_rules6) {
		printf("Port-forwarding (ipv6)%s\n", d->ipv6 ? "" : " (not in force: IPv6 off)");
		for (unsigned i = 0; i < d->n_rules6; i++)
			if (natnet_format_rule(&d->rules6[i], t, sizeof(t)) >= 0)
				printf("        %s\n", t);
	}
	if (d->source_ip4.s_addr)
		printf("Source IPv4:  %s\n", inet_ntop(AF_INET, &d->source_ip4, a1, sizeof(a1)));
	if (d->uplink[0])
		print_uplink(d->uplink, json_object_get(status, "uplink"));
	if (d->lo6) {
		struct in6_addr a6;
		char t6[INET6_ADDRSTRLEN];

		natnet_loopback6_addr(d, &a6);
		printf("loopback mapping (ipv6)%s\n        ::1=%u (%s)\n",
		       d->ipv6 ? "" : " (not in force: IPv6 off)", d->lo6,
		       inet_ntop(AF_INET6, &a6, t6, sizeof(t6)));
	}
	if (d->n_lo4) {
		printf("loopback mappings (ipv4)\n");
		for (unsigned i = 0; i < d->n_lo4; i++) {
			natnet_format_loopback(&d->lo4[i], t, sizeof(t));
			printf("        %s\n", t);
		}
	}
	natnet_status_print(status);
	json_decref(status);
	printf("\n");
}

static int cmd_list(const struct natnet_args *a)
{
	struct natnet_store st;
	unsigned shown = 0;

	if (load_store("list", &st, false))
		return 1;
	printf("NAT Networks:\n\n");
	for (size_t i = 0; i < st.n; i++) {
		if (a->pattern && fnmatch(a->pattern, st.defs[i].name, 0) != 0)
			continue;
		print_def(st.home, &st.defs[i]);
		shown++;
	}
	printf("%u network%s found\n", shown, shown == 1 ? "" : "s");
	natnet_store_release(&st);
	return 0;
}

int cmd_natnetwork(int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *help;
		bool defs;
		int (*fn)(const struct natnet_args *a);
	} subs[] = {
		{ "add", natnetwork_add_help, true, cmd_add },
		{ "modify", natnetwork_modify_help, true, cmd_modify },
		{ "start", natnetwork_start_help, false, cmd_start },
		{ "stop", natnetwork_stop_help, false, cmd_stop },
		{ "remove", natnetwork_remove_help, false, cmd_remove },
		{ "list", natnetwork_list_help, false, cmd_list },
	};
	static struct natnet_args a; /* large: not on the stack */
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(natnetwork_help, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i].name))
			continue;
		rc = natnet_cli_parse(sub, argc, argv, subs[i].defs, &a);
		if (rc == 1) {
			fputs(subs[i].help, stdout);
			return 0;
		}
		if (rc)
			return rc;
		return subs[i].fn(&a);
	}
	esc_fprintf(stderr, "natd natnetwork: unknown subcommand '%s' (add, modify, start, stop, "
		"remove, list; see natd natnetwork --help)\n", sub);
	return 2;
}
