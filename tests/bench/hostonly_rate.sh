#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hostonly_rate.sh [REPS] [MTU] [SECONDS] - TCP throughput on a host-only
# interface, with iperf3: host -> guest, guest -> host (one stream each)
# and guest -> guest, between kernel guests on taps behind `natd run --nic1
# hostonly --hostonlyadapter1 vboxnet0` and the host's vboxnet0 (created
# in the harness's private namespace). MTU (default 1500) is set on
# vboxnet0 and in the guests. Prints one line per run (Gbit/s received)
# and the median per direction. Run as root:
#   sudo tests/bench/hostonly_rate.sh 3
#   sudo tests/bench/hostonly_rate.sh 3 9000
# Uses NATD_BIN (default build/natd) and the integration harness, so every
# namespace and process is removed on exit. Not part of ctest: no timed
# assertions.
. "$(dirname "$0")/../integration/lib.sh"

reps=${1:-3}
mtu=${2:-1500}
secs=${3:-5}
command -v iperf3 > /dev/null || fail "iperf3 is missing (scripts/setup.sh --tests installs it)"
"$NATD_BIN" hostonlyif create > /dev/null || fail "hostonlyif create"
ip link set vboxnet0 mtu "$mtu"
declare -A NS TAP
for v in vm1 vm2; do
	TAP[$v]="b${v}$ID"
	NS[$v]=$(new_netns "$v")
	natd_start "natd-$v" --name "$v" --nic1 hostonly --hostonlyadapter1 vboxnet0 \
		--attach1 "tap:${TAP[$v]}" --macaddress1 "08:00:27:00:00:0${v#vm}"
	tap_into_ns "${TAP[$v]}" "${NS[$v]}"
	ip -n "${NS[$v]}" link set "${TAP[$v]}" address "08:00:27:00:00:0${v#vm}" mtu "$mtu"
	udhcpc_lease "${NS[$v]}" "${TAP[$v]}" > "$T/lease.$v"
done
_pids+=("$(cat "$NATD_HOME/run/hostonly/vboxnet0.pid")")
ip1=$(lease_var "$T/lease.vm1" ip)
ip2=$(lease_var "$T/lease.vm2" ip)

# iperf SERVER-NS SERVER-IP CLIENT-NS [-R]: Gbit/s received in one run ("-"
# is the host's namespace).
iperf() {
	local sns=$1 sip=$2 cns=$3 r=${4:-} run=()
	[ "$sns" = - ] || run=(ip netns exec "$sns")
	"${run[@]}" timeout $((secs + 20)) iperf3 -s -1 -B "$sip" -p 5201 > /dev/null 2>&1 &
	local spid=$!
	wait_for 5 listening "$sns" tcp "$sip:5201" || fail "iperf3 server did not start"
	run=()
	[ "$cns" = - ] || run=(ip netns exec "$cns")
	"${run[@]}" timeout $((secs + 20)) iperf3 -c "$sip" -p 5201 -t "$secs" $r -J > "$T/iperf.json" ||
		fail "iperf3 client failed"
	wait "$spid" || true
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$T/iperf.json"
}

for ((i = 1; i <= reps; i++)); do
	echo "host->guest $(iperf "${NS[vm1]}" "$ip1" -)"
	echo "guest->host $(iperf - 192.168.56.1 "${NS[vm1]}")"
	echo "guest->guest $(iperf "${NS[vm2]}" "$ip2" "${NS[vm1]}")"
done | tee "$T/runs"
echo "# median Gbit/s over $reps runs of ${secs} s, MTU $mtu:"
for l in host-\>guest guest-\>host guest-\>guest; do
	awk -v l="$l" '$1 == l { print $2 }' "$T/runs" | sort -n |
		awk -v l="$l" '{ v[NR] = $1 } END { printf "%-14s %6.2f Gbit/s\n", l, v[int((NR + 1) / 2)] }'
done
