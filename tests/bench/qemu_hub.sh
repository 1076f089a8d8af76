#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# qemu_hub.sh [SECONDS] - natd on the path a QEMU VM uses, without a guest
# CPU in the way: a `qemu-system-x86_64 -machine none` process joins, with a
# hub, a tap (the Linux kernel in a "guest" namespace plays the VM) to natd's
# `-netdev stream` socket; for comparison the same hub joined to QEMU's own
# `-netdev user` (libslirp). iperf3 guest -> remote and remote -> guest
# (198.51.100.1 in a "remote" namespace), MTU 1500. Prints Gbit/s and natd's
# CPU seconds per GB moved. Runs in namespaces of its own (tests/integration/
# lib.sh); root needed. NATD_BIN picks the natd binary to measure; with
# PERF_OUT=PREFIX, natd is profiled (perf record -g) during each of its runs
# into PREFIX.g2r.data and PREFIX.r2g.data, and the QEMU process (the hub
# with natd, the NAT itself with -netdev user) into PREFIX.qemu-stream.DIR.data
# and PREFIX.qemu-user.DIR.data. When perf is installed, natd's
# system calls (all, and sendmsg alone) are counted per MB moved.
. "$(dirname "$0")/../integration/lib.sh"

DUR=${1:-10}
command -v iperf3 >/dev/null || fail "iperf3 missing"
new_remote
bg ip netns exec "$REMOTE_NS" iperf3 -s -p 5201 > "$T/iperf3-server.log" 2>&1
wait_for 10 listening "$REMOTE_NS" tcp "*:5201" || wait_for 5 listening "$REMOTE_NS" tcp "[::]:5201" || fail "iperf3 server"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure LABEL PID NS: both directions; prints one line per direction.
measure() {
	local label=$1 pid=$2 ns=$3 qpid=${4:-} dir t0 t1 bytes gbps cpu hz
	hz=$(getconf CLK_TCK)
	for dir in "guest->remote" "remote->guest"; do
		local rflag=
		[ "$dir" = "remote->guest" ] && rflag=-R
		t0=$(cpu_ticks "$pid")
		local q0=
		[ -n "$qpid" ] && [ "$qpid" != "$pid" ] && q0=$(cpu_ticks "$qpid")
		local perf_pid= stat_pid=
		if command -v perf >/dev/null && [ "$label" = "natd stream" ]; then
			perf stat -x, -e raw_syscalls:sys_enter,syscalls:sys_enter_sendmsg -p "$pid" \
				-o "$T/stat.csv" -- sleep "$DUR" > /dev/null 2>&1 &
			stat_pid=$!
		fi
		local qperf_pid=
		if [ -n "${PERF_OUT:-}" ] && [ -n "$qpid" ]; then
			perf record -q -F 499 -g -p "$qpid" \
				-o "$PERF_OUT.qemu-$([ "$label" = "natd stream" ] && echo stream || echo user).$([ -n "$rflag" ] && echo r2g || echo g2r).data" \
				-- sleep "$DUR" > /dev/null 2>&1 &
			qperf_pid=$!
		fi
		if [ -n "${PERF_OUT:-}" ] && [ "$label" = "natd stream" ]; then
			perf record -q -F 499 -g -p "$pid" -o "$PERF_OUT.$([ -n "$rflag" ] && echo r2g || echo g2r).data" \
				-- sleep "$DUR" > /dev/null 2>&1 &
			perf_pid=$!
		fi
		ip netns exec "$ns" iperf3 -c 198.51.100.1 -p 5201 -t "$DUR" $rflag -J > "$T/ip.json" ||
			fail "iperf3 $label $dir"
		t1=$(cpu_ticks "$pid")
		local q1= qcpu=
		[ -n "$q0" ] && q1=$(cpu_ticks "$qpid")
		[ -n "$perf_pid" ] && wait "$perf_pid"
		[ -n "$qperf_pid" ] && wait "$qperf_pid"
		local sc=""
		if [ -n "$stat_pid" ]; then
			wait "$stat_pid" || true
			sc=$(python3 -c '
import sys
c = {}
for l in open(sys.argv[1]):
    f = l.strip().split(",")
    if len(f) > 2 and f[0].isdigit():
        c[f[2]] = int(f[0])
mb = int(sys.argv[2]) / 1e6
print("  %.0f syscalls/MB, %.1f sendmsg/MB" % (c.get("raw_syscalls:sys_enter", 0) / mb,
      c.get("syscalls:sys_enter_sendmsg", 0) / mb))' "$T/stat.csv" "$(python3 -c '
import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"])' "$T/ip.json")")
		fi
		read -r bytes gbps < <(python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))["end"]["sum_received"]
print(j["bytes"], "%.3f" % (j["bits_per_second"]/1e9))' "$T/ip.json")
		cpu=$(python3 -c "import sys; print('%.2f' % (($t1-$t0)/$hz / ($bytes/1e9)))")
		[ -n "$q1" ] && qcpu=$(python3 -c "print(', QEMU hub %.2f CPU-s/GB' % (($q1-$q0)/$hz / ($bytes/1e9)))")
		printf '%-22s %-14s %7s Gbit/s  %6s CPU-s/GB (%s)%s\n' "$label" "$dir" "$gbps" "$cpu" \
			"$([ "$label" = "qemu -netdev user" ] && echo qemu || echo natd)$qcpu" "$sc"
	done
}

# natd on a stream socket, QEMU's hub joining it to tap qh<ID>.
sock="$T/vm.sock"
natd_start natd --name hub --nic1 nat --attach1 "stream:$sock"
GNS=$(new_netns guest)
tap=qh$ID
bg qemu-system-x86_64 2>/dev/null -machine none -nodefaults -display none \
	-netdev "stream,id=s,server=off,addr.type=unix,addr.path=$sock" \
	-netdev "tap,id=t,ifname=$tap,script=no,downscript=no" \
	-netdev hubport,id=h1,hubid=0,netdev=s -netdev hubport,id=h2,hubid=0,netdev=t
tap_into_ns "$tap" "$GNS"
guest_up "$GNS" "$tap"
measure "natd stream" "$NATD_PID" "$GNS" "${_pids[-1]}"
# natd's frame counters after both runs: drops mean lost segments (lwIP then
# waits for a retransmission), not a slow reader.
"$NATD_BIN" showvminfo hub --machinereadable 2>/dev/null |
	grep -E '^nics_1_(counters|device)_.*(frames|dropped|errors|blocked|batches|calls)' | sed 's/^/# natd /' || true

# QEMU's own -netdev user on the same kind of hub.
GNS2=$(new_netns guest2)
tap2=qu$ID
qemu-system-x86_64 -machine none -nodefaults -display none \
	-netdev "user,id=u,net=10.0.2.0/24" \
	-netdev "tap,id=t,ifname=$tap2,script=no,downscript=no" \
	-netdev hubport,id=h1,hubid=0,netdev=u -netdev hubport,id=h2,hubid=0,netdev=t &
QPID=$!
_pids+=("$QPID")
tap_into_ns "$tap2" "$GNS2"
guest_up "$GNS2" "$tap2"
measure "qemu -netdev user" "$QPID" "$GNS2" "$QPID"
done_testing
