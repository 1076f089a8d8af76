#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bridged_rate.sh [REPS] [SECONDS] - TCP throughput through a bridged
# adapter (iperf3, one stream, MTU 1500), side by side with the same guest
# on a plain Linux bridge, in four directions:
#   up        guest -> LAN      down      LAN -> guest (iperf3 -R)
#   hostup    guest -> host     hostdown  host -> guest (iperf3 -R)
# ("the host": this script's network namespace, whose address on the
# bridged interface the guest reaches; for natd through its host tap,
# devices/hostinj.c). Three paths:
#   natd     a kernel guest on natd's tap, `natd run --nic1 bridged
#            --bridgeadapter1 IF` (wired), IF a veth whose peer is the LAN;
#            the host has 203.0.113.2 on IF;
#   bridge   a kernel guest on a tap whose frames a userspace process relays
#            to a second tap (socat, one read and one write per frame, as
#            QEMU does without vhost), that second tap a port of a Linux
#            bridge with a veth to a second LAN; the host has 203.0.113.3 on
#            the bridge;
#   veth     the guest on a veth that is itself a port of that bridge: the
#            kernel alone, no process on the path (the ceiling).
# Each LAN runs an iperf3 server on 203.0.113.1, the host one on each of
# its addresses (port 5202).
# Prints one line per run (Gbit/s received), the median per path and
# direction, and natd's CPU time per GB carried (user + system, from
# /proc/PID/stat, over its runs). NATD_NICTYPE (default virtio: offloads;
# Am79C973: none) picks the guest's card; BRIDGED_DIRS (default "up down
# hostup hostdown") the directions. Run as root:
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
# A write to a tap that is down fails with EIO, and socat then gives up
# ("Input/output error"): moving ga into its namespace takes it down, and
# anything gb already carried (the bridge's flooding, IPv6 on gb) failed
# there. So socat makes both taps down (no iff-up: nothing is sent on
# them), they are configured, ga comes up with IPv6 off (it sends nothing
# by itself: no address to announce, no router to solicit) and only then
# gb, the side that has traffic at once.
ip link add "lb$ID" type bridge
_links+=("lb$ID")
ip link set "bj$ID" master "lb$ID"
ip link set "lb$ID" up
socat TUN,tun-type=tap,tun-name="ga$ID",iff-no-pi \
	TUN,tun-type=tap,tun-name="gb$ID",iff-no-pi 2> "$T/socat.err" &
SOCAT_PID=$!
_pids+=("$SOCAT_PID")
wait_for 10 ip link show "gb$ID" > /dev/null || fail "socat did not make its taps: $(cat "$T/socat.err")"
ip link set "gb$ID" master "lb$ID"
GB=$(new_netns gb)
ip netns exec "$GB" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip link set "ga$ID" netns "$GB"
ip -n "$GB" addr add 203.0.113.11/24 dev "ga$ID"
ip -n "$GB" link set "ga$ID" up
ip link set "gb$ID" up

# veth: the guest on a veth port of the same bridge.
GV=$(new_netns gv)
ip link add "gv$ID" type veth peer name "gw$ID"
_links+=("gv$ID")
ip link set "gw$ID" netns "$GV"
ip link set "gv$ID" master "lb$ID"
ip link set "gv$ID" up
ip -n "$GV" addr add 203.0.113.12/24 dev "gw$ID"
ip -n "$GV" link set "gw$ID" up

# The host: 203.0.113.2 on IF, 203.0.113.3 on the bridge; both LANs are
# 203.0.113.0/24, so no prefix routes, only routes to the guests.
ip addr add 203.0.113.2/24 dev "bi$ID" noprefixroute
ip route add 203.0.113.10/32 dev "bi$ID" src 203.0.113.2
ip addr add 203.0.113.3/24 dev "lb$ID" noprefixroute
ip route add 203.0.113.11/32 dev "lb$ID" src 203.0.113.3
ip route add 203.0.113.12/32 dev "lb$ID" src 203.0.113.3
for a in 203.0.113.2 203.0.113.3; do
	iperf3 -s -B "$a" -p 5202 > /dev/null 2>&1 &
	_pids+=("$!")
	wait_for 10 listening - tcp "$a:5202" || fail "iperf3 server (host, $a)"
done
declare -A HOSTIP=([$GN]=203.0.113.2 [$GB]=203.0.113.3 [$GV]=203.0.113.3)

for g in "$GN" "$GB" "$GV"; do
	wait_for 10 ip netns exec "$g" ping -c 1 -W 1 203.0.113.1 > /dev/null ||
		fail "guest $g does not reach its LAN"
	wait_for 10 ip netns exec "$g" ping -c 1 -W 1 "${HOSTIP[$g]}" > /dev/null ||
		fail "guest $g does not reach the host"
done
kill -0 "$SOCAT_PID" 2> /dev/null || fail "the socat relay ended: $(cat "$T/socat.err")"

NATD_BENCH_PID=$NATD_PID
# cpu_ticks: natd's user + system clock ticks so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$NATD_BENCH_PID/stat"; }
HZ=$(getconf CLK_TCK)

# iperf NS DIR: Gbit/s received in one run from guest NS in direction DIR
# (up, down, hostup, hostdown); the bytes go to $T/bytes.
iperf() {
	local dst=203.0.113.1 port=5201 r=
	case $2 in
	down) r=-R ;;
	hostup) dst=${HOSTIP[$1]} port=5202 ;;
	hostdown) dst=${HOSTIP[$1]} port=5202 r=-R ;;
	esac
	ip netns exec "$1" timeout $((secs + 20)) iperf3 -c "$dst" -p "$port" -t "$secs" -J \
		$r > "$T/iperf.json" || fail "iperf3 client failed ($2 from $1)"
	python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["end"]["sum_received"]; print("%.2f" % (e["bits_per_second"] / 1e9)); open(sys.argv[2], "w").write("%d" % e["bytes"])' "$T/iperf.json" "$T/bytes"
}

DIRS=${BRIDGED_DIRS:-up down hostup hostdown}
for ((i = 1; i <= reps; i++)); do
	for d in $DIRS; do
		t0=$(cpu_ticks)
		echo "natd $d $(iperf "$GN" "$d")"
		t1=$(cpu_ticks)
		echo "$d $((t1 - t0)) $(cat "$T/bytes")" >> "$T/cpu"
		echo "bridge $d $(iperf "$GB" "$d")"
		echo "veth $d $(iperf "$GV" "$d")"
	done
done | tee "$T/runs"
"$NATD_BIN" showvminfo bench --machinereadable |
	grep -E 'nics_1_network_(send_calls|tx_frames|ring_blocks|rx_frames|rx_bytes|tx_bytes)=|nics_1_offloads_|nics_1_host_'
echo "# median Gbit/s over $reps runs of ${secs} s, MTU 1500, ${NATD_NICTYPE:-virtio} (up: guest -> LAN, down: LAN -> guest, hostup: guest -> host, hostdown: host -> guest):"
for l in natd bridge veth; do
	for d in $DIRS; do
		awk -v l="$l" -v d="$d" '$1 == l && $2 == d { print $3 }' "$T/runs" | sort -n |
			awk -v l="$l" -v d="$d" '{ v[NR] = $1 } END { printf "%-8s %-8s %6.2f Gbit/s\n", l, d, v[int((NR + 1) / 2)] }'
	done
done
echo "# natd CPU seconds per GB carried (user + system):"
for d in $DIRS; do
	awk -v d="$d" -v hz="$HZ" '$1 == d { t += $2; b += $3 } END { printf "natd     %-8s %6.2f s/GB (%.1f s for %.2f GB)\n", d, t / hz / (b / 1e9), t / hz, b / 1e9 }' "$T/cpu"
done
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
