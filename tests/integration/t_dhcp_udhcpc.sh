#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A kernel guest on natd's tap gets its lease from busybox udhcpc, with the
# addresses VirtualBox's NAT hands out, and pings the gateway.
. "$(dirname "$0")/lib.sh"

tap="nt$ID"
ns=$(new_netns guest)
natd_start natd --name vm1 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"

udhcpc_lease "$ns" "$tap" > "$T/lease"
expect_eq "leased address" 10.0.2.15 "$(lease_var "$T/lease" ip)"
expect_eq "subnet mask" 255.255.255.0 "$(lease_var "$T/lease" subnet)"
expect_eq "router" 10.0.2.2 "$(lease_var "$T/lease" router)"
expect_eq "DNS server" 10.0.2.3 "$(lease_var "$T/lease" dns)"
expect_eq "server id" 10.0.2.2 "$(lease_var "$T/lease" serverid)"
expect_eq "lease time" 86400 "$(lease_var "$T/lease" lease)"
expect_eq "broadcast" 10.0.2.255 "$(lease_var "$T/lease" broadcast)"
expect_eq "search domain from NATD_RESOLV_CONF" test.example "$(lease_var "$T/lease" search)"
expect_eq "no MTU option at 1500" "" "$(lease_var "$T/lease" mtu)"
check "natd logs the lease" grep -q 'nic1: DHCP leased 10.0.2.15 to ' "$T/natd.log"

guest_has_address() { ip -n "$ns" -4 addr show dev "$tap" | grep -q '10.0.2.15/24'; }
check "guest address configured" guest_has_address
check "ping the gateway 10.0.2.2" ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.0.2.2
# The guest resolves the DNS proxy's address (10.0.2.3) to the gateway's MAC.
ip netns exec "$ns" ping -c 1 -W 1 10.0.2.3 >/dev/null 2>&1 || true
neigh_of_dns() { ip -n "$ns" neigh show 10.0.2.3 | grep -q 'lladdr 52:55:0a:00:02:02'; }
check "ARP for 10.0.2.3 answered with the gateway's MAC" wait_for 3 neigh_of_dns

# A second DISCOVER from the same client gets the same address back.
udhcpc_lease "$ns" "$tap" > "$T/lease2"
expect_eq "same client, same address" 10.0.2.15 "$(lease_var "$T/lease2" ip)"

# RENEWING: a bound udhcpc told to renew (SIGUSR1) unicasts a REQUEST with
# ciaddr set; natd ACKs it and the lease goes on.
cat > "$T/renew.script" <<EOF2
#!/bin/sh
echo "\$1 \${ip:-}" >> "$T/renew.events"
exit 0
EOF2
chmod +x "$T/renew.script"
ip netns exec "$ns" busybox udhcpc -f -i "$tap" -s "$T/renew.script" -r 10.0.2.15 -t 5 -T 2 \
	> "$T/udhcpc-renew.log" 2>&1 &
_pids+=("$!")
bound_seen() { grep -q '^bound 10.0.2.15' "$T/renew.events"; }
check "udhcpc bound in the background" wait_for 10 bound_seen
acks_before=$(grep -c 'DHCP leased 10.0.2.15' "$T/natd.log")
kill -USR1 "${_pids[-1]}"
renew_seen() { grep -q '^renew 10.0.2.15' "$T/renew.events"; }
check "renewal ACKed (udhcpc ran its renew hook)" wait_for 10 renew_seen
check "natd logged the renewal" test "$(grep -c 'DHCP leased 10.0.2.15' "$T/natd.log")" -gt "$acks_before"

natd_stop "$NATD_PID"
check "natd logs a clean stop" grep -q 'vm1: stopped' "$T/natd.log"
done_testing
