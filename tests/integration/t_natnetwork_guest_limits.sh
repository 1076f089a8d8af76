#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Limits per guest on a NAT network: two kernel guests join one network
# through natd run sidecars on taps. The first floods SYNs to a black hole
# (203.0.113.0/24, routed to the remote namespace, which drops it): natd
# keeps at most 256 of its connects under way and refuses the rest at once
# (RST), so the second guest's connections keep working; `natd natnetwork
# list` shows the limits, each VM's flows and the refusals. The first guest
# sends DHCP from more MACs (macvlans on its tap) than a port may hold
# leases for: 8 get one, the others nothing, and the second guest still
# gets an address.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
HOLD="$NATD_TEST_BIN/tcp_hold"
[ -x "$HOLD" ] || fail "$HOLD missing (build the tests)"
new_remote
# The black hole: the host routes 203.0.113.0/24 to the remote namespace,
# which discards it without a word.
host_route 203.0.113.0/24 via 198.51.100.1
ip -n "$REMOTE_NS" route add blackhole 203.0.113.0/24
bg ip netns exec "$REMOTE_NS" "$HOLD" listen 198.51.100.1 9400
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9400 || fail "server did not start"

check "add natlim" "$N" natnetwork add --netname natlim --network 192.168.17.0/24 --enable
check "start natlim" natnet_start natlim

declare -A NS TAP
natnet_vms natlim nl vmflood vmok
expect_eq "vmok got its address" 192.168.17.5 "$(lease_var "$T/lease.vmok" ip)"

# vmflood: connects to the black hole, more than the whole TCP table holds
# (16384) when the descriptor limit lets it. natd holds a connect 15 s:
# what is still under way after 10 s stays so.
hard=$(ulimit -Hn)
flood=17000
[ "$hard" != unlimited ] && [ "$hard" -lt 17064 ] && flood=$((hard - 64))
ip netns exec "${NS[vmflood]}" "$HOLD" connect 203.0.113.9 80 "$flood" 10 > "$T/flood.out" &
_pids+=("$!")
flooder=$!
check "the flood's connects are answered or pending after 10 s" wait_for 30 test -s "$T/flood.out"
log "vmflood, $flood connects to the black hole: $(cat "$T/flood.out")"
expect_eq "256 of them stay under way" 256 "$(sed -n 's/.*timedout=\([0-9]*\).*/\1/p' "$T/flood.out")"
check "the rest are refused at once (RST)" \
	test "$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' "$T/flood.out")" -ge $((flood - 256 - 100))

# Meanwhile (natd keeps a connect 15 s) vmok's connections work.
ip netns exec "${NS[vmok]}" "$HOLD" connect 198.51.100.1 9400 20 10 > "$T/ok.out" &
_pids+=("$!")
check "vmok's connections finish" wait_for 15 test -s "$T/ok.out"
expect_eq "all 20 of vmok's connections succeed during the flood" \
	"connected=20 refused=0 unreachable=0 timedout=0 other=0" "$(cat "$T/ok.out")"

"$N" natnetwork list > "$T/list"
check "natnetwork list shows the limits per VM" \
	grep -q 'Limits per VM: 4096 TCP, 1024 UDP, 64 ICMP flows; 256 TCP connects under way; 8 DHCP leases per switch port' "$T/list"
check "  ... a VM with 256 connects under way" grep -Eq 'port [0-9]+: 256 0 0, 256, [1-9][0-9]*$' "$T/list"
check "  ... and vmok's 20 connections" grep -Eq 'port [0-9]+: 20 0 0, 0, 0$' "$T/list"
check "  ... and the refusals" grep -Eq 'Refused: +[1-9][0-9]* flows \(a VM.s share\)' "$T/list"
check "the service logs the refusals, naming the VM and its adapter" \
	grep -q "the VM on switch port [0-9]* (vmflood nic1) is at its share of tcp flows or connects under way" \
	"$NATD_HOME/run/natnet-natlim.log"
kill "$flooder"

# DHCP: vmflood asks from 10 more MACs through its one port (macvlans).
got=0
for ((j = 1; j <= 10; j++)); do
	mv="mv$j$ID"
	ip -n "${NS[vmflood]}" link add link "${TAP[vmflood]}" name "$mv" address "02:00:5e:00:17:$(printf %02x $j)" type macvlan mode bridge
	ip -n "${NS[vmflood]}" link set "$mv" up
	if timeout 15 ip netns exec "${NS[vmflood]}" busybox udhcpc -f -q -n -i "$mv" -s /bin/true \
		-t 2 -T 1 > "$T/udhcpc.$mv.log" 2>&1; then
		got=$((got + 1))
	fi
done
expect_eq "the port gets 8 leases in all (its tap's and 7 more)" 7 "$got"
"$N" natnetwork list > "$T/list"
check "natnetwork list counts the refused DHCP clients" \
	grep -Eq 'Refused: .* [1-9][0-9]* DHCP clients \(a port.s leases\)' "$T/list"
check "the service logs them" grep -q "refused: its port holds 8 leases and offers already" \
	"$NATD_HOME/run/natnet-natlim.log"
# vmok asks again (a renewal and a new exchange) and keeps being served.
check "vmok still gets its address" sh -c \
	"timeout 15 ip netns exec ${NS[vmok]} busybox udhcpc -f -q -n -i ${TAP[vmok]} -s /bin/true -t 3 -T 2 >/dev/null 2>&1"

check "stop natlim" natnet_stop natlim
done_testing
