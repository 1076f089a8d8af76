#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ISC dhclient in a kernel guest gets 10.0.2.15 with router and DNS, and gets
# it again after a restart (INIT-REBOOT); the guest pings the gateway.
. "$(dirname "$0")/lib.sh"

command -v dhclient >/dev/null || { echo "SKIP: dhclient (isc-dhcp-client) missing"; exit 77; }
tap="nt$ID"
ns=$(new_netns guest)
natd_start natd --name vm2 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"

dhclient_lease "$ns" "$tap" > "$T/lease"
expect_eq "leased address" 10.0.2.15 "$(lease_var "$T/lease" new_ip_address)"
expect_eq "subnet mask" 255.255.255.0 "$(lease_var "$T/lease" new_subnet_mask)"
expect_eq "router" 10.0.2.2 "$(lease_var "$T/lease" new_routers)"
expect_eq "DNS server" 10.0.2.3 "$(lease_var "$T/lease" new_domain_name_servers)"
expect_eq "search list" test.example "$(lease_var "$T/lease" new_domain_search | sed 's/\.$//')"
check "ping the gateway 10.0.2.2" ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.0.2.2

# A restarted dhclient asks for its recorded lease again (INIT-REBOOT REQUEST).
dhclient_lease "$ns" "$tap" > "$T/lease2"
expect_eq "renewed address" 10.0.2.15 "$(lease_var "$T/lease2" new_ip_address)"
check "natd logged both ACKs" test "$(grep -c 'DHCP leased 10.0.2.15' "$T/natd.log")" -ge 2

natd_stop "$NATD_PID"
done_testing
