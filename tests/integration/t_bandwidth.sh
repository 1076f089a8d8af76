#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bandwidth groups (VirtualBox manual 6.10, bandwidthctl): the manual's
# `bandwidthctl VM add Limit --type network --limit 20m` end to end. A VM
# with two NAT adapters on taps (each a kernel guest namespace) in group
# Limit: iperf3 guest -> remote runs at 20 Mbit/s (+-10%), remote -> guest
# is not limited, both adapters together share the 20 Mbit/s, `set --limit
# 5m` on the running VM reaches a running flow and shapes a new one, `0` lifts the limit;
# the group is stored with the VM; remove of a group in use is refused;
# bad rates and unknown groups are refused naming the field.
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || fail "iperf3 missing"
N="$NATD_BIN"
new_remote
bg ip netns exec "$REMOTE_NS" iperf3 -s -p 5201
bg ip netns exec "$REMOTE_NS" iperf3 -s -p 5202
wait_for 10 listening "$REMOTE_NS" tcp "*:5202" || wait_for 10 listening "$REMOTE_NS" tcp "0.0.0.0:5202" ||
	wait_for 5 listening "$REMOTE_NS" tcp "[::]:5202" || fail "iperf3 servers did not start"

refused() { # refused DESCRIPTION TEXT ARGS...: natd ARGS fails saying TEXT
	local what=$1 text=$2
	shift 2
	expect_refused "$what" any "$text" "$N" "$@"
	ok "$what"
}

# The manual's example, before the VM exists (stored with it).
check "bandwidthctl vm add Limit --type network --limit 20m" \
	"$N" bandwidthctl vm add Limit --type network --limit 20m
check "list bwgroups shows it" sh -c "'$N' list bwgroups vm | grep -q \"Name: 'Limit', Type: network, Limit: 20m (2500000 bytes/s)\""
refused "a rate that does not parse" "--limit: '20x' is not a rate" bandwidthctl vm set Limit --limit 20x
refused "a rate that overflows" "is not a rate" bandwidthctl vm set Limit --limit 99999999999999999999g
refused "a disk group" "only network groups" bandwidthctl vm add Disk --type disk --limit 1m
refused "run with an unknown group" "has no bandwidth group 'Nope'" \
	run --name vm --nic1 nat --nicbandwidthgroup1 Nope

NS1=$(new_netns g1)
NS2=$(new_netns g2)
natd_start natd --name vm --nic1 nat --attach1 "tap:bw1$ID" --nicbandwidthgroup1 Limit \
	--nic2 nat --attach2 "tap:bw2$ID" --nicbandwidthgroup2 Limit
tap_into_ns "bw1$ID" "$NS1"
tap_into_ns "bw2$ID" "$NS2"
guest_up "$NS1" "bw1$ID"
guest_up "$NS2" "bw2$ID"
check "guest 1 reaches the remote" wait_for 10 ip netns exec "$NS1" ping -c 1 -W 1 198.51.100.1
check "guest 2 reaches the remote" wait_for 10 ip netns exec "$NS2" ping -c 1 -W 1 198.51.100.1

# iperf3 NS PORT SECONDS [args]: the receiver's Mbit/s, as an integer.
mbits() {
	local ns=$1 port=$2 secs=$3
	shift 3
	ip netns exec "$ns" timeout $((secs + 15)) iperf3 -c 198.51.100.1 -p "$port" -t "$secs" -J "$@" \
		> "$T/iperf.json" 2>&1 || { cat "$T/iperf.json" >&2; return 1; }
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(int(j["end"]["sum_received"]["bits_per_second"]/1e6))' "$T/iperf.json"
}
# The limit is a ceiling: a rate over it by more than the token bucket's
# burst allows is a failure; under it, the check only asks that traffic flows
# at a good part of the limit (a loaded machine, an ASan build, may not keep
# up with it: that says nothing about the shaper).
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

up=$(mbits "$NS1" 5201 4)
log "guest 1 -> remote: $up Mbit/s"
check "guest -> remote is shaped to 20 Mbit/s (at most +15%, at least half: $up)" within "$up" 10 23
down=$(mbits "$NS1" 5201 3 -R)
log "remote -> guest 1: $down Mbit/s"
check "remote -> guest is not shaped ($down Mbit/s > 40)" test "$down" -gt 40

# Two adapters of the group together: the seconds both flows ran (1 to 4).
ip netns exec "$NS2" timeout 20 iperf3 -c 198.51.100.1 -p 5202 -t 5 -i 1 -J > "$T/iperf2.json" 2>&1 &
p2=$!
ip netns exec "$NS1" timeout 20 iperf3 -c 198.51.100.1 -p 5201 -t 5 -i 1 -J > "$T/iperf1.json" 2>&1 &
p1=$!
wait "$p1" || { cat "$T/iperf1.json" >&2; fail "iperf3 of guest 1"; }
wait "$p2" || { cat "$T/iperf2.json" >&2; fail "iperf3 of guest 2"; }
mid() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); iv=[i["sum"] for i in j["intervals"] if 1 <= i["sum"]["start"] < 4]; print(int(sum(i["bytes"] for i in iv)*8/sum(i["seconds"] for i in iv)/1e6))' "$1"; }
a=$(mid "$T/iperf1.json")
b=$(mid "$T/iperf2.json")
log "both adapters at once (seconds 1-4): $a + $b Mbit/s"
check "two adapters of one group share 20 Mbit/s (at most +15%, at least half: $a + $b)" within $((a + b)) 10 23

# A new limit on the running VM: it reaches a flow already running, and a
# new flow runs at it. The running flow's last seconds (3 s and more after
# the change) are counted on the sender, whose rate includes what the
# guest's socket and the tap's queue take in before they fill at the new
# rate, so that check asks only that the flow fell well under the old 20m;
# the exact ceiling is checked on the receiver of a new flow.
ip netns exec "$NS1" timeout 30 iperf3 -c 198.51.100.1 -p 5201 -t 8 -i 1 -J > "$T/iperf3.json" 2>&1 &
p3=$!
sleep 2
check "bandwidthctl vm set Limit --limit 5m (running)" "$N" bandwidthctl vm set Limit --limit 5m
wait "$p3" || { cat "$T/iperf3.json" >&2; fail "iperf3 during the change"; }
late=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); iv=[i["sum"] for i in j["intervals"] if i["sum"]["start"] >= 5]; print(int(sum(i["bytes"] for i in iv)*8/sum(i["seconds"] for i in iv)/1e6*10))' "$T/iperf3.json")
log "running flow after set --limit 5m: $late tenths of Mbit/s (sender side, seconds 5-8)"
check "5m reaches the running flow (seconds 5-8: $late/10 Mbit/s, 1.0-10.0)" within "$late" 10 100
mbits "$NS1" 5201 4 > /dev/null
five=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(int(j["end"]["sum_received"]["bits_per_second"]/1e5))' "$T/iperf.json")
log "a new flow at 5m: $five tenths of Mbit/s (receiver)"
check "a new flow is shaped to 5 Mbit/s (at most +15%, at least half: $five/10)" within "$five" 25 57
check "showvminfo shows the group's new limit" \
	sh -c "'$N' showvminfo vm --machinereadable > '$T/info' && grep -qx 'bwgroups_1_limit=\"5m\"' '$T/info' && grep -qx 'nics_1_bandwidth_group=\"Limit\"' '$T/info'"
check "bandwidthctl vm set Limit --limit 0 lifts it" "$N" bandwidthctl vm set Limit --limit 0
free=$(mbits "$NS1" 5201 3)
log "limit 0: $free Mbit/s"
check "with limit 0 the guest sends unshaped ($free Mbit/s > 40)" test "$free" -gt 40

refused "remove of a group in use" "is used by" bandwidthctl vm remove Limit
check "the group is still there" sh -c "'$N' bandwidthctl vm list | grep -q Limit"
check "controlvm vm nicbandwidthgroup1 none" "$N" controlvm vm nicbandwidthgroup1 none
check "controlvm vm nicbandwidthgroup2 none" "$N" controlvm vm nicbandwidthgroup2 none
refused "controlvm with an unknown group" "has no bandwidth group 'Nope'" controlvm vm nicbandwidthgroup1 Nope
check "remove once no adapter uses it" "$N" bandwidthctl vm remove Limit
check "it is gone from the store" sh -c "! '$N' bandwidthctl vm list | grep -q Limit"
natd_stop "$NATD_PID"
done_testing
