/* SPDX-License-Identifier: MIT */
/*
 * nat_mode.c - the nat and null entries of the mode table: starts a NAT
 * adapter (forwarders/nic.c: transport, lwIP netif, DHCP, TFTP, RAs), attaches
 * the DNS proxy and opens the adapter's port forwards (--natpf<x>); null
 * runs the same adapter with the cable pulled, so the guest sees a card
 * without a link. The NAT engine and the DNS proxy are process-wide and
 * started by natd/main.c before any adapter.
 */
#include "modes/nat_mode.h"

#include "base/hostaddr.h"
#include "base/log.h"

#include "forwarders/dns.h"
#include "forwarders/portfwd.h"
#include "forwarders/nic.h"

static int nat_start(const struct mode_env *env, unsigned x, const struct nic_config *cfg,
		     void **state, char *err, size_t errlen)
{
	struct nic *nic;
	char why[256];
	int rc;

	/* --natbindip<x>: an address the host does not have fails the start */
	rc = cfg->nat.bind_ip_set ? hostaddr_check4(cfg->nat.bind_ip, why, sizeof(why)) : 0;
	if (rc < 0)
		return errfmt(err, errlen, rc, "--natbindip%u: %s", x, why);
	rc = nic_start(env->loop, x, &cfg->nat, &nic, err, errlen);
	if (rc < 0)
		return rc;
	*state = nic;
	if (cfg->mode != NIC_MODE_NAT)
		return 0;
	rc = dns_nic_start(nic, err, errlen);
	for (unsigned j = 0; rc == 0 && j < cfg->nat.n_natpf; j++) {
		struct pfrule r = cfg->nat.natpf[j];

		rc = portfwd_add(nic, &r, err, errlen);
	}
	return rc; /* on failure the caller stops the adapter, rules and all */
}

static struct device *nat_vm_device(void *state)
{
	return nic_device(state);
}

static void nat_set_cable(void *state, bool connected)
{
	nic_set_cable(state, connected);
}

static json_t *nat_info(void *state, unsigned x, const struct nic_config *cfg)
{
	return nat_mode_info(state, x, cfg);
}

static void nat_stop(void *state, void (*closed)(void *opaque), void *opaque)
{
	nic_stop(state, closed, opaque);
}

struct nic *nat_mode_nic(void *state)
{
	return state;
}

const struct mode_ops nat_mode_ops = {
	.mode = NIC_MODE_NAT, .name = "nat",
	.help = "NAT: natd's router, DHCP, DNS and TFTP; the guest reaches the outside",
	.start = nat_start, .set_cable = nat_set_cable, .info = nat_info, .stop = nat_stop,
	.vm_device = nat_vm_device,
};

const struct mode_ops null_mode_ops = {
	.mode = NIC_MODE_NULL, .name = "null",
	.help = "not attached: a card whose cable is pulled",
	.start = nat_start, .set_cable = nat_set_cable, .info = nat_info, .stop = nat_stop,
	.vm_device = nat_vm_device,
};
