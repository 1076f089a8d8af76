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
#include <unistd.h>
#include <uv.h>

#include "natd/bwgroup.h"
#include "natd/cmd_bandwidthctl.h"
#include "natd/cmd_extradata.h"
#include "natd/cmd_ctl.h"
#include "natd/cmd_dhcpserver.h"
#include "natd/cmd_hostonlyif.h"
#include "natd/cmd_intnet.h"
#include "natd/cmd_list.h"
#include "natd/cmd_vm.h"
#include "natd/cmd_natnetwork.h"
#include "natd/config.h"
#include "natd/ctl.h"
#include "natd/ctl_vm.h"
#include "natd/daemon.h"
#include "natd/hostonly.h"
#include "natd/intnet_service.h"
#include "forwarders/dns.h"
#include "forwarders/nat.h"
#include "forwarders/portfwd.h"
#include "base/fdlimit.h"
#include "base/esc.h"
#include "base/log.h"
#include "natd/natnet_service.h"
#include "natd/natnet_store.h"
#include "natd/sandbox.h"
#include "natd/nictrace.h"
#include "natd/vm_store.h"
#include "devices/device.h"
#include "modes/mode.h"
#include "modes/nat_mode.h"
#include "modes/nic_model.h"
#include "forwarders/nic.h"
#include "stack/stack.h"
#include "natd_version.h" /* generated: NATD_VERSION, NATD_GIT_DESCRIBE */

static struct {
	uv_loop_t *loop;
	struct natd_config cfg;
	const struct mode_ops *ops[NATD_MAX_NICS]; /* NULL: no adapter x */
	void *state[NATD_MAX_NICS];                /* the mode's own */
	struct nictrace trace[NATD_MAX_NICS];      /* --nictrace<x> */
	struct bw_table bw;                        /* the VM's bandwidth groups */
	struct bw_group *nic_bw[NATD_MAX_NICS];    /* adapter x's, or NULL */
	unsigned open_nics;
	uv_signal_t sig_int, sig_term;
	bool stopping;
	bool nat_started;
	bool dns_started;
	struct ctl_server *ctl;
	struct ctl_vm vm;                          /* the control socket's view */
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
		if (app.ops[i]) {
			nictrace_stop(&app.trace[i]);
			app.ops[i]->stop(app.state[i], app_nic_closed, NULL);
			app.ops[i] = NULL;
			app.state[i] = NULL;
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

/* Is the NAT network defined and enabled? Reads natd.json without the lock
 * (it is only ever replaced whole). */
static int natnetwork_check(const char *home, const char *name, char *err, size_t errlen)
{
	struct natnet_store st;
	char why[768];
	int i, rc = 0;

	if (natnet_store_load(&st, home, false, why, sizeof(why)) < 0)
		return errfmt(err, errlen, -EINVAL, "%s", why);
	i = natnet_store_find(&st, name);
	if (i < 0)
		rc = errfmt(err, errlen, -ENOENT, "no NAT network '%s' (natd natnetwork add "
			    "--netname %s --network CIDR)", name, name);
	else if (!st.defs[i].enabled)
		rc = errfmt(err, errlen, -EPERM, "NAT network '%s' is disabled (natd natnetwork "
			    "modify --netname %s --enable)", name, name);
	natnet_store_release(&st);
	return rc;
}

/* mode_env.find_switch: the switch sockets of natd's network services. */
static int app_find_switch(enum nic_mode m, const char *home, const char *name,
			   struct mode_switch *out, char *err, size_t errlen)
{
	char sock[PATH_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	if (m == NIC_MODE_INTNET) {
		rc = intnet_service_ensure(home, name, err, errlen);
		if (rc < 0 || (rc = intnet_read_secret(home, name, out->secret, err, errlen)) < 0)
			return rc;
		out->running = true;
		intnet_run_path(home, name, "sock", sock, sizeof(sock));
		snprintf(out->spec, sizeof(out->spec), "stream-connect:%s", sock);
		return 0;
	}
	if (m == NIC_MODE_HOSTONLY)
		return hostonly_find_switch(home, name, out, err, errlen);
	if (m != NIC_MODE_NATNETWORK)
		return errfmt(err, errlen, -ENOSYS, "no switch for %s adapters",
			      adapter_mode_name(m));
	rc = natnetwork_check(home, name, err, errlen);
	if (rc < 0)
		return rc;
	out->running = natnet_service_running(home, name, NULL) == 1;
	if (out->running && natnet_run_path(home, name, "key", sock, sizeof(sock)) == 0 &&
	    daemon_read_secret(sock, out->secret, sizeof(out->secret), err, errlen) < 0)
		log_warn("NAT network %s: %s (its ports stay deny)", name, err);
	if (natnet_run_path(home, name, "sock", sock, sizeof(sock)) < 0 ||
	    (size_t)snprintf(out->spec, sizeof(out->spec), "stream-connect:%s", sock) >=
	    sizeof(out->spec) || device_spec_check(out->spec, err, errlen) < 0)
		return errfmt(err, errlen, -ENAMETOOLONG, "the switch socket path under "
			      "NATD_HOME is too long for a UNIX socket");
	return 0;
}

/* The control socket $NATD_HOME/run/VM.ctl (natd/ctl.h). */
/* Whether an adapter of cfg is in NAT mode (the NAT engine and the DNS
 * proxy serve NAT adapters only). */
static bool app_needs_nat(const struct natd_config *cfg)
{
	for (unsigned i = 0; i < NATD_MAX_NICS; i++)
		if (cfg->nic[i].configured && cfg->nic[i].mode == NIC_MODE_NAT)
			return true;
	return false;
}

/* What the control socket's commands see of the running VM. */
static struct ctl_vm *app_vm(void)
{
	app.vm = (struct ctl_vm){
		.loop = app.loop, .cfg = &app.cfg, .ops = app.ops, .state = app.state,
		.trace = app.trace, .bw = &app.bw, .nic_bw = app.nic_bw,
		.started_ms = &app.started_ms,
	};
	return &app.vm;
}

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
	ctl_vm_register(app.ctl, app_vm());
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
	const struct nic_model *m = nic_model(n->type);
	const char *model = m->qemu;
	const char *spec = n->attach;
	char mac[40], addr[18];

	snprintf(mac, sizeof(mac), ",mac=%s", nic_model_format_mac(n->mac, addr));
	log_info("nic%u: %s (%s), MAC %s, frames up to %zu bytes", x, m->name, m->desc, addr,
		 nic_model_frame_limit(n));
	if (!m->qemu_exact && (!strncmp(spec, "stream", 6) || !strncmp(spec, "dgram:", 6)))
		log_info("nic%u: QEMU has no %s; its %s (-device %s, same guest driver) stands "
			 "in", x, m->name, m->qemu_desc, m->qemu);
	if (!strncmp(spec, "stream:", 7)) {
		log_info("nic%u: waiting for a VM on %s; attach QEMU with:", x, spec + 7);
		fprintf(stderr, "  -netdev stream,id=nic%u,server=off,addr.type=unix,addr.path=%s "
			"-device %s,netdev=nic%u%s\n", x, spec + 7, model, x, mac);
	} else if (!strncmp(spec, "stream-connect:", 15)) {
		log_info("nic%u: connecting to %s; start QEMU with:", x, spec + 15);
		fprintf(stderr, "  -netdev stream,id=nic%u,server=on,addr.type=unix,addr.path=%s "
			"-device %s,netdev=nic%u%s\n", x, spec + 15, model, x, mac);
	} else if (!strncmp(spec, "vhost-user:", 11)) {
		log_info("nic%u: vhost-user server on %s; attach QEMU with (SIZE as -m, "
			 "guest memory must be shared):", x, spec + 11);
		fprintf(stderr, "  -object memory-backend-memfd,id=mem,size=SIZE,share=on "
			"-machine memory-backend=mem -chardev socket,id=vu%u,path=%s,reconnect=1 "
			"-netdev vhost-user,id=nic%u,chardev=vu%u -device virtio-net-pci,netdev=nic%u%s\n",
			x, spec + 11, x, x, x, mac);
		log_info("nic%u: without KVM (TCG), add vectors=0 to -device: QEMU 7.2 crashes "
			 "setting up a vhost-user card's MSI-X vectors without KVM", x);
	} else if (!strncmp(spec, "dgram:", 6)) {
		log_info("nic%u: exchanging frames over UDP (%s); QEMU's -netdev dgram takes "
			 "the two addresses swapped, with:", x, spec + 6);
		fprintf(stderr, "  -device %s,netdev=nic%u%s\n", model, x, mac);
	} else {
		log_info("nic%u: attached to %s", x, spec);
	}
}

static void print_nic_summary(unsigned x, const struct nic_config *n)
{
	char net[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];
	char first[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &n->nat.network, net, sizeof(net));
	inet_ntop(AF_INET, &n->nat.gateway, gw, sizeof(gw));
	inet_ntop(AF_INET, &n->nat.dns, dns, sizeof(dns));
	inet_ntop(AF_INET, &n->nat.guest_first, first, sizeof(first));
	if (n->mode == NIC_MODE_NULL) {
		log_info("nic%u: not attached (cable pulled); frames are dropped", x);
		return;
	}
	if (n->mode == NIC_MODE_NATNETWORK) {
		log_info("nic%u: NAT network %s", x, n->nat_network);
		return;
	}
	if (n->mode == NIC_MODE_INTNET || n->mode == NIC_MODE_HOSTONLY) {
		log_info("nic%u: %s %s, promiscuous policy %s", x, n->mode == NIC_MODE_INTNET ?
			 "internal network" : "host-only interface", n->mode == NIC_MODE_INTNET ?
			 n->intnet : n->hostonly_adapter, adapter_promisc_name(n->promisc));
		return;
	}
	if (n->mode == NIC_MODE_BRIDGED) {
		log_info("nic%u: bridged to the host interface %s", x, n->bridge_adapter);
		return;
	}
	if (n->mode == NIC_MODE_GENERIC) {
		log_info("nic%u: generic driver %s: the VM's frames go unchanged to it", x,
			 n->generic_drv);
		return;
	}
	log_info("nic%u: NAT %s/%u, gateway %s, DNS %s, guests from %s, MTU %u%s", x, net,
		 n->nat.prefixlen, gw, dns, first, n->nat.mtu,
		 n->cable_connected ? "" : ", cable disconnected");
}

static int run_vm(int argc, char **argv, bool stored);
/* The NAT engine with the limits of the command line, the flow limits
 * lowered to the descriptors the guest may use (base/fdlimit.h). */
static int app_nat_init(char *err, size_t errlen)
{
	struct nat_limits lim = {
		.tcp_buffer_max = app.cfg.max_tcp_buffer,
		.udp_timeout_s = app.cfg.udp_timeout,
	};

	memcpy(lim.max_flows, app.cfg.max_flows, sizeof(lim.max_flows));
	nat_fit_descriptors(lim.max_flows, NAT_FD_RESERVE);
	return nat_init(app.loop, &lim, err, errlen);
}

static int cmd_run(int argc, char **argv)
{
	char err[512];
	char **stored_argv = NULL;
	int stored_argc = 0, rc;

	/* A VM with stored settings (natd modifyvm) starts from them. */
	rc = cmd_vm_run_argv(argc, argv, &stored_argc, &stored_argv, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "natd run: %s\n", err);
		return 1;
	}
	if (rc == 1)
		rc = run_vm(stored_argc, stored_argv, true);
	else
		rc = run_vm(argc, argv, false);
	vm_argv_free(stored_argc, stored_argv);
	return rc;
}

static int run_vm(int argc, char **argv, bool stored)
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
		esc_fprintf(stderr, "natd run: %s%s%s%s\n", err,
			stored ? " (with VM '" : "", stored ? cfg->name : "",
			stored ? "'s stored settings: natd showvminfo VM)" : "");
		config_free(cfg);
		return 2;
	}
	rc = cmd_vm_bwgroups(cfg, &app.bw, err, sizeof(err));
	if (rc < 0) {
		esc_fprintf(stderr, "natd run: %s\n", err);
		config_free(cfg);
		return 2;
	}
	if (cfg->verbosity < 0)
		log_set_level(LOG_LVL_WARN);
	else if (cfg->verbosity > 1)
		log_set_level(LOG_LVL_DEBUG);
	log_set_prefix(cfg->name);
	if (stored)
		log_info("starting from the stored settings of VM %s (natd modifyvm)", cfg->name);

	if ((size_t)snprintf(run_dir, sizeof(run_dir), "%.*s/run", PATH_MAX - 8, cfg->home) >=
	    sizeof(run_dir))
		rc = errfmt(err, sizeof(err), -ENAMETOOLONG, "NATD_HOME is too long");
	else
		rc = natnet_private_dir(run_dir, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		config_free(cfg);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	fdlimit_raise();
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
	else if (!app_needs_nat(cfg))
		rc = 1; /* no NAT adapter: no NAT engine, no DNS proxy */
	else
		rc = app_nat_init(err, sizeof(err));
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
	if (cfg->sandbox.have_user) /* the switches it starts drop to the user too */
		switchd_set_user(cfg->sandbox.uid, cfg->sandbox.gid);
	switchd_set_sandbox(cfg->sandbox.mode); /* and take its --sandbox */
	for (unsigned i = 0; i < NATD_MAX_NICS && !app.stopping; i++) {
		const struct nic_config *n = &cfg->nic[i];
		const struct mode_ops *ops = mode_ops(n->mode);
		struct mode_env env = { app.loop, cfg->home, cfg->name, app_find_switch };
		void *state = NULL;

		if (!n->configured || n->mode == NIC_MODE_NONE)
			continue;
		if (!ops) {
			log_err("nic%u: the %s mode is not implemented", i + 1,
				adapter_mode_name(n->mode));
			rc = -ENOSYS;
			app_stop();
			break;
		}
		rc = ops->start(&env, i + 1, n, &state, err, sizeof(err));
		if (state) {
			app.ops[i] = ops;
			app.state[i] = state;
			app.open_nics++;
		}
		if (rc == 0 && ops->vm_device)
			rc = nic_model_apply(ops->vm_device(state), i + 1, n, err, sizeof(err));
		if (rc == 0 && ops->vm_device)
			rc = nictrace_start(&app.trace[i], app.loop, ops->vm_device(state), n, err,
					    sizeof(err));
		else if (rc == 0 && n->trace)
			rc = errfmt(err, sizeof(err), -EINVAL, "--nictrace%u: the %s mode has no "
				    "transport to trace", i + 1, ops->name);
		if (rc == 0 && n->bandwidth_group[0])
			rc = ctl_vm_set_bwgroup(app_vm(), i + 1, n->bandwidth_group, err,
						sizeof(err));
		if (rc < 0) {
			log_err("nic%u: %s", i + 1, err);
			app_stop();
			break;
		}
		print_nic_summary(i + 1, n);
		print_attach_help(i + 1, n);
	}
	uv_signal_init(app.loop, &app.sig_int);
	uv_signal_init(app.loop, &app.sig_term);
	if (!app.stopping) {
		uv_signal_start(&app.sig_int, app_signal, SIGINT);
		uv_signal_start(&app.sig_term, app_signal, SIGTERM);
		rc = sandbox_enter_run(cfg, run_dir, err, sizeof(err));
		if (rc < 0) {
			log_err("%s", err);
			app_stop();
		} else {
			log_info("running (%u adapter%s)", app.open_nics,
				 app.open_nics == 1 ? "" : "s");
		}
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
		if (argc > 2) {
			esc_fprintf(stderr, "natd %s: unexpected argument '%s' (it takes none)\n", cmd,
				    argv[2]);
			return 2;
		}
		printf("natd %s%s%s (lwIP 2.1.3, libuv %s)\n", NATD_VERSION,
		       NATD_GIT_DESCRIBE[0] ? ", git " : "", NATD_GIT_DESCRIBE,
		       uv_version_string());
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
	if (!strcmp(cmd, "modifyvm"))
		return cmd_modifyvm(argc - 1, argv + 1);
	if (!strcmp(cmd, "unregistervm"))
		return cmd_unregistervm(argc - 1, argv + 1);
	if (!strcmp(cmd, "hostonlyif"))
		return cmd_hostonlyif(argc - 1, argv + 1);
	if (!strcmp(cmd, "intnet"))
		return cmd_intnet(argc - 1, argv + 1);
	if (!strcmp(cmd, "intnet-switch")) /* internal: started by --nic<x> intnet */
		return intnet_service_main_cmd(argc - 1, argv + 1);
	if (!strcmp(cmd, "hostonly-switch")) /* internal: started by --nic<x> hostonly */
		return switchd_main_cmd(SWITCHD_HOSTONLY, argc - 1, argv + 1);
	if (!strcmp(cmd, "bandwidthctl"))
		return cmd_bandwidthctl(argc - 1, argv + 1);
	if (!strcmp(cmd, "setextradata"))
		return cmd_setextradata(argc - 1, argv + 1);
	if (!strcmp(cmd, "getextradata"))
		return cmd_getextradata(argc - 1, argv + 1);
	esc_fprintf(stderr, "natd: unknown command '%s' (see natd --help)\n", cmd);
	return 2;
}
