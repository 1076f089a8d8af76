#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Port forwards into the guest's IPv6 address: a rule with guest address
# "::" follows the SLAAC address natd saw; one with a given IPv6 address; the
# guest sees an IPv6 remote client's own address, and host loopback clients
# as the gateway ::2; UDP over IPv6 through a forward. (socat prints
# addresses in full.)
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
command -v socat >/dev/null || fail "socat missing"
tap="p6$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
new_remote
natd_start natd --name vmpf6 --nic1 nat --attach1 "tap:$tap" \
	--natpf1 "web6,tcp,,8080,::,80" --natpf1 "udp6,udp,,5353,::,7"
tap_into_ns "$tap" "$ns"
addr=$(guest6_addr "$ns" "$tap") || fail "the guest configured no IPv6 address"
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
check "the guest has an IPv6 default route via natd" wait_for 10 has_default

http_client_echo "$ns" "TCP6-LISTEN:80,bind=[$addr]"
wait_for 10 listening "$ns" tcp "[$addr]:80" || fail "guest HTTP server did not start"
bg ip netns exec "$ns" socat UDP6-RECVFROM:7,bind="[$addr]",reuseaddr,fork \
	SYSTEM:'echo "from=$SOCAT_PEERADDR"; cat'
wait_for 10 listening "$ns" udp "[$addr]:7" || fail "guest UDP echo did not start"
# natd learns the guest's address from its packets: one ping to the gateway.
ip netns exec "$ns" ping -6 -c 1 -W 2 fd17:625c:f037:2::2 > /dev/null || true

got=$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 "http://[2001:db8:100::2]:8080/")
expect_eq "remote IPv6 client reaches the guest's IPv6 server, guest sees its address" \
	"client=[2001:0db8:0100:0000:0000:0000:0000:0001]" "$got"
got=$(curl -sS --max-time 10 "http://[::1]:8080/")
expect_eq "host loopback client shown to the guest as the gateway ::2" \
	"client=[fd17:625c:f037:0002:0000:0000:0000:0002]" "$got"
got=$(curl -sS --max-time 10 "http://127.0.0.1:8080/")
expect_eq "IPv4 host client into the guest's IPv6 address, shown as ::2" \
	"client=[fd17:625c:f037:0002:0000:0000:0000:0002]" "$got"
got=$(echo ping | ip netns exec "$REMOTE_NS" timeout 10 socat -t 3 - "UDP6:[2001:db8:100::2]:5353" | tr '\n' ' ')
expect_eq "UDP over IPv6 through a forward, guest sees the remote peer" \
	"from=[2001:0db8:0100:0000:0000:0000:0000:0001] ping " "$got"

check "controlvm adds a rule with the guest's IPv6 address given" \
	"$NATD_BIN" controlvm vmpf6 natpf1 "given,tcp,2001:db8:100::2,8081,$addr,80"
got=$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 "http://[2001:db8:100::2]:8081/")
expect_eq "rule with a given guest IPv6 address forwards" "client=[2001:0db8:0100:0000:0000:0000:0000:0001]" "$got"
natd_stop "$NATD_PID"
done_testing
