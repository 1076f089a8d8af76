#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv6 outbound from a guest that has just attached (issue: curl to an IPv6
# server right after the guest got its address and default route timed out,
# or found the default route gone). Two causes, each checked here:
#  - While the guest's SLAAC address is still tentative (duplicate address
#    detection, a second or more after natd's router advertisement), the
#    kernel sends from its link-local address and keeps that source for the
#    whole connection. natd must terminate such flows like any other: TCP
#    (curl), UDP and ping -6 at once. The guest's detection is made to last
#    about 4 s (dad_transmits 4; its link-local address is given without
#    detection) so that every repetition starts while the address is
#    tentative; five repetitions, the link going down and up between them.
#  - natd is the guest's router: its neighbour advertisements for fe80::2
#    must carry the Router flag, else the guest's neighbour unreachability
#    detection, probing fe80::2 a few seconds after traffic through it,
#    reads "no longer a router" and deletes the default route (RFC 4861
#    7.2.5).
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
tap="n6$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
new_remote
mkdir -p "$T/www"
echo "hello early" > "$T/www/h.txt"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p "[2001:db8:100::1]:8080" -h "$T/www"
bg ip netns exec "$REMOTE_NS" socat UDP6-RECVFROM:7000,bind=[2001:db8:100::1],fork PIPE
wait_for 10 listening "$REMOTE_NS" tcp "[2001:db8:100::1]:8080" || fail "httpd did not start"
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:7000" || fail "UDP echo did not start"

natd_start natd --name vm6early --nic1 nat --attach1 "tap:$tap" --natipv6default1 on
wait_for 5 ip link show "$tap" > /dev/null || fail "tap $tap was not created"
ip link set "$tap" netns "$ns"
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.dad_transmits=4" \
	"net.ipv6.neigh.$tap.delay_first_probe_time=1"
ip -n "$ns" link set "$tap" addrgenmode none
g() { ip netns exec "$ns" "$@"; }
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
tentative() { ip -n "$ns" -6 addr show dev "$tap" scope global tentative | grep -q inet6; }
for i in 1 2 3 4 5; do
	ip -n "$ns" link set "$tap" up
	ip -n "$ns" addr add fe80::5054:ff:fe12:3456/64 dev "$tap" nodad
	check "($i) the guest has an IPv6 default route via natd" wait_for 10 has_default
	check "($i) its SLAAC address is still tentative" tentative
	expect_eq "($i) TCP at once, from the link-local address" "hello early" \
		"$(g curl -sS --max-time 10 "http://[2001:db8:100::1]:8080/h.txt")"
	expect_eq "($i) UDP at once" "early $i" \
		"$(echo "early $i" | g timeout 10 socat -t 2 - "UDP6:[2001:db8:100::1]:7000")"
	check "($i) ping -6 at once" g ping -6 -c 1 -W 3 2001:db8:100::1
	check "($i) ... all while the address was tentative" tentative
	[ "$i" = 5 ] || ip -n "$ns" link set "$tap" down
done

# The guest checks its router: its neighbour entry for fe80::2 made stale
# (as it gets after the reachable time), the next packet through the
# router (a datagram nobody answers) moves it to DELAY, and 1 s later
# (delay_first_probe_time, set above) the kernel sends a unicast neighbour
# solicitation for fe80::2 and takes natd's advertisement.
nstate() { ip -n "$ns" -6 neigh show fe80::2 dev "$tap" | grep -qw "$1"; }
for i in 1 2 3; do
	ip -n "$ns" -6 neigh change fe80::2 dev "$tap" lladdr 52:55:0a:00:02:02 router nud stale
	echo "probe $i" | g socat -u - "UDP6:[2001:db8:100::1]:9" || true
	check "($i) the guest is about to probe fe80::2 (DELAY)" wait_for 10 nstate DELAY
	check "($i) natd answers the probe" wait_for 5 nstate REACHABLE
	check "($i) natd is still a router for the guest" nstate router
	check "($i) and the default route is still there" has_default
done
expect_eq "TCP after the probes" "hello early" \
	"$(g curl -sS --max-time 10 "http://[2001:db8:100::1]:8080/h.txt")"
natd_stop "$NATD_PID"
done_testing
