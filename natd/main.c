/* SPDX-License-Identifier: MIT */
/*
 * main.c - the natd command: subcommand dispatch and `natd run`.
 *
 * `natd run` parses and validates every option first (natd/config.c), then
 * creates $NATD_HOME/run, starts lwIP on a libuv loop and one NIC per
 * configured adapter, and runs until SIGINT or SIGTERM, when it closes every
 * transport and handle before exiting 0. A failure at start-up undoes nothing
 * on the host because nothing was changed before it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "natd/cmd_ctl.h"
#include "natd/cmd_dhcpserver.h"
#include "natd/cmd_list.h"
#include "natd/cmd_natnetwork.h"
#include "natd/config.h"
#include "natd/ctl.h"
#include "natd/vminfo.h"
#include "forwarders/dns.h"
#include "forwarders/nat.h"
#include "forwarders/portfwd.h"
#include "base/log.h"
#include "natd/natnet_store.h"
#include "modes/natnetwork.h"
#include "stack/nic.h"
#include "stack/stack.h"

#define NATD_VERSION "0.1.0"

static const char main_help[] =
"Usage: natd COMMAND [ARGS]\n"
"\n"
"natd is a userspace NAT engine for virtual machines: it terminates a VM's\n"
"TCP/IP in a user-mode stack (lwIP) and re-originates it on the host's\n"
"sockets, with a DHCP server, as VirtualBox's NAT mode does.\n"
"\n"
"Commands:\n"
"  run [--name VM] [OPTIONS]   serve a VM's network adapters in the foreground\n"
"                              (natd run --help lists the options)\n"
"  showvminfo VM [--machinereadable]\n"
"                              show a running VM's NICs, leases, flows, counters\n"
"  controlvm VM SUBCOMMAND ... change a running VM: setlinkstate<x> on|off\n"
"                              natpf<x> RULE, natpf<x> delete NAME\n"
"                              (nictrace<x>: not supported yet)\n"
"  natnetwork add|modify|start|stop|remove|list ...\n"
"                              NAT networks shared by several VMs\n"
"                              (natd natnetwork --help)\n"
"  dhcpserver add|modify|remove|start|stop|restart|findlease ...\n"
"                              DHCP servers of internal networks and host-only\n"
"                              interfaces (natd dhcpserver --help)\n"
"  list dhcpservers            show them (natd list --help)\n"
"  bandwidthctl VM ...         (not supported yet)\n"
"  help, --help                this text\n"
"  version, --version          natd's version\n"
"\n"
"Environment: NATD_HOME (state directory), NATD_RESOLV_CONF (resolver file).\n";

static struct {
	uv_loop_t *loop;
	struct natd_config cfg;
	struct nic *nics[NATD_MAX_NICS];
	struct l2_link *links[NATD_MAX_NICS]; /* --nic<x> natnetwork */
	unsigned open_nics;
	uv_signal_t sig_int, sig_term;
	bool stopping;
	bool nat_started;
	bool dns_started;
	struct ctl_server *ctl;
	uint64_t started_ms;
} app;

static void app_signals_closed(uv_handle_t *h)
{
	(void)h;
}

static void app_stack_closed(void *opaque)
{
	(void)opaque;
	uv_close((uv_handle_t *)&app.sig_int, app_signals_closed);
	uv_close((uv_handle_t *)&app.sig_term, app_signals_closed);
}

static void app_nic_closed(void *opaque)
{
	(void)opaque;
	if (--app.open_nics == 0)
		stack_shutdown(app_stack_closed, NULL);
}

static void app_nat_closed(void *opaque)
{
	(void)opaque;
	if (app.open_nics == 0) {
		stack_shutdown(app_stack_closed, NULL);
		return;
	}
	for (unsigned i = 0; i < NATD_MAX_NICS; i++) {
		if (app.nics[i]) {
			nic_stop(app.nics[i], app_nic_closed, NULL);
			app.nics[i] = NULL;
		}
		if (app.links[i]) {
			l2_link_stop(app.links[i], app_nic_closed, NULL);
			app.links[i] = NULL;
		}
	}
}

static void app_dns_closed(void *opaque)
{
	(void)opaque;
	if (app.nat_started)
		nat_shutdown(app_nat_closed, NULL);
	else
		app_nat_closed(NULL);
}

/* Shutdown order: DNS queries and flows (host sockets) first, then adapters,
 * then lwIP. */
static void app_stop(void)
{
	if (app.stopping)
		return;
	app.stopping = true;
	if (app.ctl) {
		ctl_server_close(app.ctl, NULL, NULL);
		app.ctl = NULL;
	}
	if (app.dns_started)
		dns_shutdown(app_dns_closed, NULL);
	else
		app_dns_closed(NULL);
}

static json_t *app_showvminfo(void *opaque, json_t *args, char *err, size_t errlen)
{
	json_t *r, *nics;

	(void)opaque;
	(void)args;
	(void)err;
	(void)errlen;
	r = vminfo_json(&app.cfg, app.nics, app.started_ms);
	nics = json_object_get(r, "nics");
	for (unsigned i = 0; i < NATD_MAX_NICS && json_is_array(nics); i++) {
		struct l2_link_stats st;

		if (!app.links[i])
			continue;
		l2_link_get_stats(app.links[i], &st);
		json_array_append_new(nics, json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:I, s:I, "
			"s:I, s:I}", "adapter", (json_int_t)i + 1, "mode", "natnetwork",
			"nat_network", app.cfg.nic[i].nat_network, "attach", app.cfg.nic[i].attach,
			"vm_attached", st.vm_attached, "joined", st.joined,
			"frames_to_network", (json_int_t)st.to_network,
			"frames_from_network", (json_int_t)st.from_network,
			"frames_dropped", (json_int_t)st.dropped, "joins", (json_int_t)st.joins));
	}
	return r;
}

/*
 * controlvm natpf<x> RULE | natpf<x> delete NAME. An added rule is bound
 * before it is listed; on failure nothing changes.
 */
static json_t *app_natpf(const char *sub, unsigned x, json_t *argv, char *err, size_t errlen)
{
	const char *a0 = json_string_value(json_array_get(argv, 0));
	const char *a1 = json_string_value(json_array_get(argv, 1));
	size_t argc = json_array_size(argv);
	struct nic *nic = x >= 1 && x <= NATD_MAX_NICS ? app.nics[x - 1] : NULL;
	struct pfrule r;
	char why[384];

	if (!nic || app.cfg.nic[x - 1].mode != NIC_MODE_NAT) {
		snprintf(err, errlen, "%s: VM '%s' has no NAT adapter %u", sub, app.cfg.name, x);
		return NULL;
	}
	if (argc == 2 && a0 && a1 && !strcmp(a0, "delete")) {
		if (portfwd_delete(nic, a1, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s delete: %s", sub, why);
			return NULL;
		}
		return json_object();
	}
	if (argc != 1 || !a0) {
		snprintf(err, errlen, "%s: expected a rule (name,proto,hostip,hostport,guestip,"
			 "guestport) or delete NAME", sub);
		return NULL;
	}
	if (pfrule_parse(a0, PFRULE_SYNTAX_VBOX, AF_UNSPEC, &r, why, sizeof(why)) < 0 ||
	    portfwd_add(nic, &r, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", sub, a0, why);
		return NULL;
	}
	return json_pack("{s:s}", "name", r.name);
}

/* controlvm: {"subcommand": "setlinkstate1", "argv": ["off"]}. */
static json_t *app_controlvm(void *opaque, json_t *args, char *err, size_t errlen)
{
	const char *sub = json_string_value(json_object_get(args, "subcommand"));
	json_t *argv = json_object_get(args, "argv");
	const char *v = json_string_value(json_array_get(argv, 0));
	unsigned x;
	char extra;

	(void)opaque;
	if (!sub) {
		snprintf(err, errlen, "controlvm: missing subcommand");
		return NULL;
	}
	if (sscanf(sub, "setlinkstate%u%c", &x, &extra) == 1) {
		if (x < 1 || x > NATD_MAX_NICS || (!app.nics[x - 1] && !app.links[x - 1])) {
			snprintf(err, errlen, "%s: VM '%s' has no adapter %u", sub, app.cfg.name, x);
			return NULL;
		}
		if (!v || json_array_size(argv) != 1 || (strcmp(v, "on") && strcmp(v, "off"))) {
			snprintf(err, errlen, "%s: expected on or off", sub);
			return NULL;
		}
		if (app.links[x - 1])
			l2_link_set_cable(app.links[x - 1], !strcmp(v, "on"));
		else
			nic_set_cable(app.nics[x - 1], !strcmp(v, "on"));
		log_info("nic%u: cable %s (controlvm)", x, !strcmp(v, "on") ? "connected" :
			 "disconnected");
		return json_object();
	}
	if (sscanf(sub, "natpf%u%c", &x, &extra) == 1)
		return app_natpf(sub, x, argv, err, errlen);
	if (!strncmp(sub, "nictrace", 8)) {
		snprintf(err, errlen, "%s: not supported yet", sub);
		return NULL;
	}
	snprintf(err, errlen, "unknown controlvm subcommand '%s' (natpf<x>, setlinkstate<x>)",
		 sub);
	return NULL;
}

/* The control socket $NATD_HOME/run/VM.ctl (natd/ctl.h). */
static int app_start_ctl(const char *run_dir)
{
	char path[PATH_MAX], err[512];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.ctl", run_dir, app.cfg.name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	rc = ctl_server_start(app.loop, path, &app.ctl, err, sizeof(err));
	if (rc < 0) {
		log_err("control socket: %s", err);
		return rc;
	}
	ctl_server_register(app.ctl, "showvminfo", app_showvminfo, NULL);
	ctl_server_register(app.ctl, "controlvm", app_controlvm, NULL);
	return 0;
}

static void app_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (app.stopping) {
		log_warn("second %s: exiting at once", strsignal(signum));
		exit(1);
	}
	log_info("%s: shutting down", strsignal(signum));
	app_stop();
}

/* What a user needs to know to attach a VM to adapter x. */
static void print_attach_help(unsigned x, const struct nic_config *n)
{
	char mac[40] = "";
	const char *model = config_nic_type_qemu_model(n->type);
	const char *spec = n->attach;

	if (n->mac_set)
		snprintf(mac, sizeof(mac), ",mac=%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
			 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	if (!strncmp(spec, "stream:", 7)) {
		log_info("nic%u: waiting for a VM on %s; attach QEMU with:", x, spec + 7);
		fprintf(stderr, "  -netdev stream,id=nic%u,server=off,addr.type=unix,addr.path=%s "
			"-device %s,netdev=nic%u%s\n", x, spec + 7, model, x, mac);
	} else if (!strncmp(spec, "stream-connect:", 15)) {
		log_info("nic%u: connecting to %s; start QEMU with:", x, spec + 15);
		fprintf(stderr, "  -netdev stream,id=nic%u,server=on,addr.type=unix,addr.path=%s "
			"-device %s,netdev=nic%u%s\n", x, spec + 15, model, x, mac);
	} else if (!strncmp(spec, "dgram:", 6)) {
		log_info("nic%u: exchanging frames over UDP (%s); QEMU's -netdev dgram takes "
			 "the two addresses swapped", x, spec + 6);
	} else {
		log_info("nic%u: attached to %s", x, spec);
	}
	if (n->mtu > 1500 && (n->type == NIC_TYPE_AM79C970A || n->type == NIC_TYPE_AM79C973))
		log_warn("nic%u: MTU %u with an AMD PCnet NIC: jumbo frames need virtio or an "
			 "Intel NIC type (--nictype%u virtio)", x, n->mtu, x);
}

static void print_nic_summary(unsigned x, const struct nic_config *n)
{
	char net[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];
	char first[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &n->network, net, sizeof(net));
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	inet_ntop(AF_INET, &n->dns, dns, sizeof(dns));
	inet_ntop(AF_INET, &n->guest_first, first, sizeof(first));
	if (n->mode == NIC_MODE_NULL) {
		log_info("nic%u: not attached (cable pulled); frames are dropped", x);
		return;
	}
	log_info("nic%u: NAT %s/%u, gateway %s, DNS %s, guests from %s, MTU %u%s", x, net,
		 n->prefixlen, gw, dns, first, n->mtu,
		 n->cable_connected ? "" : ", cable disconnected");
}

static int cmd_run(int argc, char **argv)
{
	char err[512], run_dir[PATH_MAX];
	struct natd_config *cfg = &app.cfg;
	int rc;

	config_init(cfg);
	rc = config_parse_run(cfg, argc, argv, err, sizeof(err));
	if (rc == 1) {
		fputs(config_run_help, stdout);
		config_free(cfg);
		return 0;
	}
	if (rc == 0)
		rc = config_finish(cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "natd run: %s\n", err);
		config_free(cfg);
		return 2;
	}
	if (cfg->verbosity < 0)
		log_set_level(LOG_LVL_WARN);
	else if (cfg->verbosity > 1)
		log_set_level(LOG_LVL_DEBUG);
	log_set_prefix(cfg->name);

	if ((size_t)snprintf(run_dir, sizeof(run_dir), "%.*s/run", PATH_MAX - 8, cfg->home) >=
	    sizeof(run_dir))
		rc = -ENAMETOOLONG;
	else
		rc = natnet_mkdir_p(run_dir);
	if (rc < 0) {
		log_err("cannot create %s: %s (set NATD_HOME to a writable directory)",
			run_dir, strerror(-rc));
		config_free(cfg);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	app.loop = uv_default_loop();
	rc = stack_init(app.loop);
	if (rc < 0) {
		log_err("cannot start the stack: %s", uv_strerror(rc));
		config_free(cfg);
		return 1;
	}
	app.started_ms = stack_now_ms();
	rc = app_start_ctl(run_dir);
	if (rc < 0)
		app_stop();
	else
		rc = nat_init(app.loop, app.cfg.max_flows, app.cfg.udp_timeout, err,
				      sizeof(err));
	if (rc < 0 && !app.stopping) {
		log_err("cannot start the NAT engine: %s", err);
		app_stop();
	} else if (rc == 0) {
		app.nat_started = true;
		rc = dns_init(app.loop, err, sizeof(err));
		if (rc < 0) {
			log_err("cannot start the DNS proxy: %s", err);
			app_stop();
		} else {
			app.dns_started = true;
		}
	}
	for (unsigned i = 0; i < NATD_MAX_NICS && !app.stopping; i++) {
		const struct nic_config *n = &cfg->nic[i];

		if (!n->configured || n->mode == NIC_MODE_NONE)
			continue;
		if (n->mode == NIC_MODE_NATNETWORK) {
			rc = natnetwork_start(app.loop, i + 1, n, cfg->home, &app.links[i], err,
					      sizeof(err));
			if (rc < 0) {
				log_err("nic%u: %s", i + 1, err);
				app_stop();
				break;
			}
			app.open_nics++;
			log_info("nic%u: NAT network %s", i + 1, n->nat_network);
			print_attach_help(i + 1, n);
			continue;
		}
		rc = nic_start(app.loop, i + 1, n, &app.nics[i], err, sizeof(err));
		if (rc < 0) {
			log_err("nic%u: %s", i + 1, err);
			app_stop();
			break;
		}
		app.open_nics++;
		if (n->mode == NIC_MODE_NAT) {
			rc = dns_nic_start(app.nics[i], err, sizeof(err));
			for (unsigned j = 0; rc == 0 && j < n->n_natpf; j++) {
				struct pfrule r = n->natpf[j];

				rc = portfwd_add(app.nics[i], &r, err, sizeof(err));
			}
			if (rc < 0) {
				log_err("nic%u: %s", i + 1, err);
				app_stop();
				break;
			}
		}
		print_nic_summary(i + 1, n);
		print_attach_help(i + 1, n);
	}
	uv_signal_init(app.loop, &app.sig_int);
	uv_signal_init(app.loop, &app.sig_term);
	if (!app.stopping) {
		uv_signal_start(&app.sig_int, app_signal, SIGINT);
		uv_signal_start(&app.sig_term, app_signal, SIGTERM);
		log_info("running (%u adapter%s)", app.open_nics, app.open_nics == 1 ? "" : "s");
	}
	uv_run(app.loop, UV_RUN_DEFAULT);
	uv_loop_close(app.loop);
	config_free(cfg);
	if (rc < 0)
		return 1;
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(main_help, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("natd %s (lwIP 2.1.3, libuv %s)\n", NATD_VERSION, uv_version_string());
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "showvminfo"))
		return cmd_showvminfo(argc - 1, argv + 1);
	if (!strcmp(cmd, "controlvm"))
		return cmd_controlvm(argc - 1, argv + 1);
	if (!strcmp(cmd, "natnetwork"))
		return cmd_natnetwork(argc - 1, argv + 1);
	if (!strcmp(cmd, "dhcpserver"))
		return cmd_dhcpserver(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "bandwidthctl")) {
		fprintf(stderr, "natd %s: not supported yet\n", cmd);
		return 2;
	}
	fprintf(stderr, "natd: unknown command '%s' (see natd --help)\n", cmd);
	return 2;
}
