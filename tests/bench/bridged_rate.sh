#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bridged_rate.sh [REPS] [SECONDS] - TCP throughput guest -> LAN and
# LAN -> guest (iperf3, one stream, MTU 1500; -R for the second) through a
# bridged adapter, side by side with the same guest on a plain Linux bridge:
#   natd     a kernel guest on natd's tap, `natd run --nic1 bridged
#            --bridgeadapter1 IF` (wired), IF a veth whose peer is the LAN;
#   bridge   a kernel guest on a tap whose frames a userspace process relays
#            to a second tap (socat, one read and one write per frame, as
#            QEMU does without vhost), that second tap a port of a Linux
#            bridge with a veth to a second LAN;
#   veth     the guest on a veth that is itself a port of that bridge: the
#            kernel alone, no process on the path (the ceiling).
# Each LAN runs an iperf3 server on 203.0.113.1. Prints one line per run
# (Gbit/s received), the median per path and direction, and natd's CPU
# time per GB carried (user + system, from /proc/PID/stat, over its runs).
# NATD_NICTYPE (default virtio: offloads; Am79C973: none) picks the guest's
# card. Run as root:
#   sudo NATD_BIN=build-release/natd tests/bench/bridged_rate.sh 5 5
# Uses the integration harness: every namespace and process is removed on
# exit. Not part of ctest: no timed assertions.
. "$(dirname "$0")/../integration/lib.sh"

reps=${1:-3}
secs=${2:-5}
command -v iperf3 > /dev/null || fail "iperf3 is missing (scripts/setup.sh --tests installs it)"
command -v socat > /dev/null || fail "socat is missing"

# lan NAME HOSTEND: a LAN namespace on a veth (HOSTEND stays here) with
# 203.0.113.1/24 and an iperf3 server. Prints the namespace.
lan() {
	local ns
	ns=$(new_netns "$1")
	ip link add "$2" type veth peer name "l$2"
	_links+=("$2")
	ip link set "l$2" netns "$ns"
	ip -n "$ns" addr add 203.0.113.1/24 dev "l$2"
	ip -n "$ns" link set "l$2" up
	ip link set "$2" up
	ip netns exec "$ns" iperf3 -s -B 203.0.113.1 -p 5201 > /dev/null 2>&1 &
	_pids+=("$!")
	echo "$ns"
}
LAN1=$(lan lan1 "bi$ID")
LAN2=$(lan lan2 "bj$ID")
wait_for 5 listening "$LAN1" tcp 203.0.113.1:5201 || fail "iperf3 server (LAN 1)"
wait_for 5 listening "$LAN2" tcp 203.0.113.1:5201 || fail "iperf3 server (LAN 2)"

# natd: the guest on natd's tap, bridged to bi$ID.
GN=$(new_netns gn)
natd_start natd --name bench --nic1 bridged --bridgeadapter1 "bi$ID" \
	--nictype1 "${NATD_NICTYPE:-virtio}" \
	--attach1 "tap:bn$ID"
tap_into_ns "bn$ID" "$GN"
ip -n "$GN" addr add 203.0.113.10/24 dev "bn$ID"

# bridge: a Linux bridge with bj$ID and a tap socat relays the guest's tap to.
ip link add "lb$ID" type bridge
_links+=("lb$ID")
ip link set "bj$ID" master "lb$ID"
ip link set "lb$ID" up
socat TUN,tun-type=tap,tun-name="ga$ID",iff-no-pi,iff-up \
	TUN,tun-type=tap,tun-name="gb$ID",iff-no-pi,iff-up &
_pids+=("$!")
wait_for 5 ip link show "gb$ID" > /dev/null || fail "socat did not make its taps"
ip link set "gb$ID" master "lb$ID"
GB=$(new_netns gb)
ip link set "ga$ID" netns "$GB"
ip -n "$GB" addr add 203.0.113.11/24 dev "ga$ID"
ip -n "$GB" link set "ga$ID" up

# veth: the guest on a veth port of the same bridge.
GV=$(new_netns gv)
ip link add "gv$ID" type veth peer name "gw$ID"
_links+=("gv$ID")
ip link set "gw$ID" netns "$GV"
ip link set "gv$ID" master "lb$ID"
ip link set "gv$ID" up
ip -n "$GV" addr add 203.0.113.12/24 dev "gw$ID"
ip -n "$GV" link set "gw$ID" up

for g in "$GN" "$GB" "$GV"; do
	wait_for 10 ip netns exec "$g" ping -c 1 -W 1 203.0.113.1 > /dev/null ||
		fail "guest $g does not reach its LAN"
done

NATD_BENCH_PID=$NATD_PID
# cpu_ticks: natd's user + system clock ticks so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$NATD_BENCH_PID/stat"; }
HZ=$(getconf CLK_TCK)

# iperf NS [-R]: Gbit/s received in one run from NS (-R: the LAN sends);
# the bytes go to $T/bytes.
iperf() {
	ip netns exec "$1" timeout $((secs + 20)) iperf3 -c 203.0.113.1 -p 5201 -t "$secs" -J \
		${2:-} > "$T/iperf.json" || fail "iperf3 client failed"
	python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["end"]["sum_received"]; print("%.2f" % (e["bits_per_second"] / 1e9)); open(sys.argv[2], "w").write("%d" % e["bytes"])' "$T/iperf.json" "$T/bytes"
}

for ((i = 1; i <= reps; i++)); do
	for d in up down; do
		r=; [ "$d" = down ] && r=-R
		t0=$(cpu_ticks)
		echo "natd $d $(iperf "$GN" $r)"
		t1=$(cpu_ticks)
		echo "$d $((t1 - t0)) $(cat "$T/bytes")" >> "$T/cpu"
		echo "bridge $d $(iperf "$GB" $r)"
		echo "veth $d $(iperf "$GV" $r)"
	done
done | tee "$T/runs"
"$NATD_BIN" showvminfo bench --machinereadable |
	grep -E 'nics_1_network_(send_calls|tx_frames|ring_blocks|rx_frames|rx_bytes|tx_bytes)=|nics_1_offloads_'
echo "# median Gbit/s over $reps runs of ${secs} s, MTU 1500 (up: guest -> LAN, down: LAN -> guest):"
for l in natd bridge veth; do
	for d in up down; do
		awk -v l="$l" -v d="$d" '$1 == l && $2 == d { print $3 }' "$T/runs" | sort -n |
			awk -v l="$l" -v d="$d" '{ v[NR] = $1 } END { printf "%-8s %-5s %6.2f Gbit/s\n", l, d, v[int((NR + 1) / 2)] }'
	done
done
echo "# natd CPU seconds per GB carried (user + system):"
for d in up down; do
	awk -v d="$d" -v hz="$HZ" '$1 == d { t += $2; b += $3 } END { printf "natd     %-5s %6.2f s/GB (%.1f s for %.2f GB)\n", d, t / hz / (b / 1e9), t / hz, b / 1e9 }' "$T/cpu"
done
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
