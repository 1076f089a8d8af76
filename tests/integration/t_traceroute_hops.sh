#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# traceroute from a guest through two real routers (namespaces forwarding
# between veth pairs) to a target, IPv4 and IPv6, UDP probes: natd is hop 1
# (it answers TTL/hop limit 1 itself), so the host socket must send the
# guest's TTL less one, and every router behind the host shows up at its
# own hop:
#   guest -- natd (host) -- r1 -- r2 -- target
#   hop 1: natd's gateway; hop 2: r1; hop 3: r2; hop 4: the target.
. "$(dirname "$0")/lib.sh"

command -v traceroute >/dev/null || fail "traceroute missing"
tap="nt$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
r1=$(new_netns r1)
r2=$(new_netns r2)
tg=$(new_netns target)

# veth LINK-A NS-A ADDR4-A ADDR6-A LINK-B NS-B ADDR4-B ADDR6-B ("-" for the
# host's own namespace).
veth() {
	ip link add "$1" type veth peer name "$5"
	[ "$2" = - ] && _links+=("$1")
	[ "$2" = - ] || ip link set "$1" netns "$2"
	ip link set "$5" netns "$6"
	local in=()
	[ "$2" = - ] || in=(-n "$2")
	ip "${in[@]}" addr add "$3" dev "$1"
	ip "${in[@]}" -6 addr add "$4" dev "$1" nodad
	ip "${in[@]}" link set "$1" up
	ip -n "$6" addr add "$7" dev "$5"
	ip -n "$6" -6 addr add "$8" dev "$5" nodad
	ip -n "$6" link set "$5" up
}
veth "th$ID" - 198.51.100.1/30 2001:db8:1::1/64 "t1$ID" "$r1" 198.51.100.2/30 2001:db8:1::2/64
veth "u1$ID" "$r1" 198.51.100.5/30 2001:db8:2::1/64 "u2$ID" "$r2" 198.51.100.6/30 2001:db8:2::2/64
veth "v2$ID" "$r2" 203.0.113.1/24 2001:db8:3::1/64 "vt$ID" "$tg" 203.0.113.10/24 2001:db8:3::10/64

for r in "$r1" "$r2"; do
	# routers, answering every expired probe at once
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
done
host_route 203.0.113.0/24 via 198.51.100.2
host_route 2001:db8:3::/64 via 2001:db8:1::2
ip -n "$r1" route add 203.0.113.0/24 via 198.51.100.6
ip -n "$r1" -6 route add 2001:db8:3::/64 via 2001:db8:2::2
ip -n "$r2" route add 198.51.100.0/30 via 198.51.100.5
ip -n "$r2" -6 route add 2001:db8:1::/64 via 2001:db8:2::1
ip -n "$tg" route add default via 203.0.113.1
ip -n "$tg" -6 route add default via 2001:db8:3::1
check "the host reaches the target through both routers" wait_for 10 ping -c 1 -W 1 203.0.113.10
check "the host reaches the target over IPv6" wait_for 10 ping -6 -c 1 -W 1 2001:db8:3::10

natd_start natd --name vmtrace --nic1 nat --attach1 "tap:$tap" --natipv6default1 on
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
guest6_addr "$ns" "$tap" > /dev/null || fail "the guest configured no IPv6 address"
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
check "the guest has an IPv6 default route via natd" wait_for 10 has_default

# hops FILE: "N ADDR" per answered hop of a traceroute -n -q 1 report.
hops() { awk '$1 ~ /^[0-9]+$/ && $2 != "*" { print $1, $2 }' "$1"; }

ip netns exec "$ns" timeout 60 traceroute -n -q 1 -w 2 -m 6 203.0.113.10 > "$T/trace4" 2>&1 || true
cat "$T/trace4"
expect_eq "IPv4: natd, r1, r2, the target at hops 1 to 4" \
	"1 10.0.2.2
2 198.51.100.2
3 198.51.100.6
4 203.0.113.10" "$(hops "$T/trace4")"

ip netns exec "$ns" timeout 60 traceroute -6 -n -q 1 -w 2 -m 6 2001:db8:3::10 > "$T/trace6" 2>&1 || true
cat "$T/trace6"
expect_eq "IPv6: natd, r1, r2, the target at hops 1 to 4" \
	"1 fd17:625c:f037:2::2
2 2001:db8:1::2
3 2001:db8:2::2
4 2001:db8:3::10" "$(hops "$T/trace6")"

# ICMP echo probes (traceroute -I) go through natd's ping sockets: the same.
ip netns exec "$ns" timeout 60 traceroute -I -n -q 1 -w 2 -m 6 203.0.113.10 > "$T/trace4i" 2>&1 || true
cat "$T/trace4i"
expect_eq "IPv4 ICMP echo probes: natd, r1, r2, the target" \
	"1 10.0.2.2
2 198.51.100.2
3 198.51.100.6
4 203.0.113.10" "$(hops "$T/trace4i")"
ip netns exec "$ns" timeout 60 traceroute -6 -I -n -q 1 -w 2 -m 6 2001:db8:3::10 > "$T/trace6i" 2>&1 || true
cat "$T/trace6i"
expect_eq "IPv6 ICMPv6 echo probes: natd, r1, r2, the target" \
	"1 fd17:625c:f037:2::2
2 2001:db8:1::2
3 2001:db8:2::2
4 2001:db8:3::10" "$(hops "$T/trace6i")"
natd_stop "$NATD_PID"
done_testing
