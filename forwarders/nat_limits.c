/* SPDX-License-Identifier: MIT */
/*
 * nat_limits.c - the NAT engine's limits against a guest that takes too
 * much: the flow limits fitted to the descriptors the process may open
 * (base/fdlimit.h), and flows refused by the table's or a guest's limits,
 * counted and logged.
 */
#include "forwarders/nat.h"

#include <errno.h>
#include <string.h>

#include "base/fdlimit.h"
#include "base/log.h"
#include "forwarders/nat_internal.h"
#include "forwarders/nic.h"
#include "forwarders/nic6.h"

void nat_fit_descriptors(unsigned max_flows[FLOW_PROTO_COUNT], unsigned reserve)
{
	unsigned budget = fdlimit_set_budget(reserve), was[FLOW_PROTO_COUNT];
	struct fdlimit_stats st;
	bool lowered = false;

	fdlimit_get_stats(&st);
	for (unsigned p = 0; p < FLOW_PROTO_COUNT; p++) {
		was[p] = max_flows[p];
		if (max_flows[p] > budget) {
			max_flows[p] = budget ? budget : 1;
			lowered = true;
		}
	}
	if (lowered)
		log_warn("descriptors: RLIMIT_NOFILE %llu, %u kept in reserve: guests may "
			 "make natd open %u; flow limits lowered to that (TCP %u, UDP %u, ICMP %u; "
			 "asked for %u, %u, %u)", (unsigned long long)st.limit, reserve, budget,
			 max_flows[0], max_flows[1], max_flows[2], was[0], was[1], was[2]);
	else
		log_info("descriptors: RLIMIT_NOFILE %llu, %u kept in reserve: guests may make "
			 "natd open %u", (unsigned long long)st.limit, reserve, budget);
}

void nat_flow_refused_guest(struct nic *nic, const struct flow_key *k, uint32_t port,
			    bool from_host, int err)
{
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT;
	char r[64], who[160];

	if (err == ENOSPC) {
		nat.drops[NAT_DROP_FLOWS_FULL]++;
	} else if (err == EDQUOT) {
		nat.drops[NAT_DROP_GUEST_QUOTA]++;
		log_ratelimited(&rl, LOG_LVL_WARN, "nic%u: %s is at its share of %s flows or "
				"connects under way: a new flow %s %s refused", nic_adapter(nic),
				nic_guest_name(nic, port, who, sizeof(who)),
				flow_proto_name((enum flow_proto)k->proto),
				from_host ? "from" : "to",
				flow_key_format_side(k, false, r, sizeof(r)));
	}
}

void nat_flow_refused(struct nic *nic, const struct flow_key *k, int err)
{
	nat_flow_refused_guest(nic, k, nic_rx_port(nic), false, err);
}

uint32_t nat_forward_guest(const struct nic *nic, const struct flow_key *k)
{
	uint32_t a;

	if (k->family == AF_INET6)
		return nic_ip6(nic) ? nic6_guest_port(nic_ip6(nic), k->gaddr) : FLOW_GUEST_NONE;
	if (k->family != AF_INET)
		return FLOW_GUEST_NONE;
	memcpy(&a, k->gaddr, 4);
	return nic_guest_port4(nic, a);
}
