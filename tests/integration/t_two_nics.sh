#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two NAT adapters: NIC 2 serves 10.0.3.0/24, with its own MTU (option 26:
# jumbo frames, so an Intel NIC type; the default PCnet has none);
# DNS handed out directly (--natdnsproxy2 off) leaves out 127/8 resolvers.
. "$(dirname "$0")/lib.sh"

tap1="na$ID"
tap2="nb$ID"
ns=$(new_netns guest)
printf '# test resolver file\nnameserver 127.0.0.53\nnameserver 192.0.2.53\ndomain corp.example\n' \
	> "$NATD_RESOLV_CONF"
natd_start natd --name vm3 --nic1 nat --attach1 "tap:$tap1" \
	--nic2 nat --attach2 "tap:$tap2" --nictype2 82545EM --natsettings2 9000,,,, \
	--natdnsproxy2 off
tap_into_ns "$tap1" "$ns"
tap_into_ns "$tap2" "$ns"

udhcpc_lease "$ns" "$tap1" > "$T/lease1"
udhcpc_lease "$ns" "$tap2" > "$T/lease2"
expect_eq "NIC 1 address" 10.0.2.15 "$(lease_var "$T/lease1" ip)"
expect_eq "NIC 1 DNS is the proxy" 10.0.2.3 "$(lease_var "$T/lease1" dns)"
expect_eq "NIC 2 address" 10.0.3.15 "$(lease_var "$T/lease2" ip)"
expect_eq "NIC 2 router" 10.0.3.2 "$(lease_var "$T/lease2" router)"
expect_eq "NIC 2 MTU (option 26)" 9000 "$(lease_var "$T/lease2" mtu)"
expect_eq "NIC 2 DNS: host servers without 127/8" 192.0.2.53 "$(lease_var "$T/lease2" dns)"
expect_eq "NIC 2 domain" corp.example "$(lease_var "$T/lease2" domain)"
check "ping 10.0.3.2 over NIC 2" ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.3.2
check "a 8000-byte ping at MTU 9000" ip netns exec "$ns" ping -c 1 -W 2 -s 8000 -M do 10.0.3.2
check "ping 10.0.2.2 over NIC 1" ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.2.2

natd_stop "$NATD_PID"
done_testing
