#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vm_ab.sh [SECONDS] - natd binaries compared on a real VM in one run: the
# bench VM (tests/bench/vm_image.sh: a Debian kernel and an initramfs whose
# /init runs one iperf3 to the remote; QEMU TCG, virtio-net with vectors=0
# as in run.sh's vm phase) attached to each natd binary in turn, on its
# vhost-user socket and/or its stream socket. One boot per repetition,
# direction, attachment and binary, the binaries' order reversed every other
# repetition. Per boot: Gbit/s, natd's and QEMU's CPU seconds per GB over the
# iperf3 run (/proc/PID/stat, as run.sh counts them); at the end the medians
# (min-max) per binary and attachment, and vhost-user / stream of natd's CPU
# per GB per binary when both ran. Runs in namespaces of its own
# (tests/integration/lib.sh); root needed.
#
# Environment:
#   NATD_BINS   natd binaries (space-separated; default NATD_BIN)
#   REPS        repetitions (default 3)
#   DIRS        "r2g" (default), "g2r", or both
#   ATTACH      "vhost stream" (default), or one of them
#   VM_DIR      the VM's kernel and initramfs (default ~/.cache/natd/bench-vm,
#               built there by vm_image.sh when missing)
#   VETH_MTU    the MTU of the veth to the remote (default 65520, as run.sh)
#   PERF_OUT    PREFIX: natd is profiled (perf record -g, 999 Hz) during each
#               iperf3 run into PREFIX.BINn.ATTACH.DIR.REP.data
#   PERF_STAT=1 natd's system calls (all, epoll_wait, recvfrom, read,
#               write, sendmsg), context switches and page faults counted (perf stat)
#               during each iperf3 run, printed per MB moved
#   ACCOUNTING  "threaded" (default), "softirq", or both (alternated, boot
#               by boot): how the veth to the remote is accounted
#               (veth_napi.sh). threaded: the veth's receive runs in its NAPI
#               kthreads (their CPU per GB printed apart, "napi"), so the
#               remote's TCP is not charged to natd; softirq: the veth as
#               before stop 29, the remote's TCP runs in natd's softirq and
#               is counted as natd's CPU
#   VETH_SOFTIRQ=1  the same as ACCOUNTING=softirq
[ -n "${VMAB_TRACE:-}" ] && set -x
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/veth_napi.sh"

DUR=${1:-10}
REPS=${REPS:-3}
DIRS=${DIRS:-r2g}
ATTACH=${ATTACH:-vhost stream}
NATD_BINS=${NATD_BINS:-$NATD_BIN}
VM_DIR=${VM_DIR:-$HOME/.cache/natd/bench-vm}
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing"
command -v iperf3 >/dev/null || fail "iperf3 missing"
if [ ! -f "$VM_DIR/initrd.gz" ]; then
	"$(dirname "$0")/vm_image.sh" "$VM_DIR" > "$T/vm_image.log" 2>&1 ||
		fail "vm_image.sh: $(tail -n1 "$T/vm_image.log")"
fi
new_remote
# the remote link at run.sh's MTU (its veth is 65520: 64 KiB segments to natd's host socket)
ip link set "vh$ID" mtu "${VETH_MTU:-65520}"
ip -n "$REMOTE_NS" link set "vr$ID" mtu "${VETH_MTU:-65520}"
ACCOUNTING=${ACCOUNTING:-threaded}
[ "${VETH_SOFTIRQ:-0}" = 1 ] && ACCOUNTING=softirq
for a in $ACCOUNTING; do
	case $a in threaded|softirq) ;; *) fail "ACCOUNTING: '$a' is neither threaded nor softirq" ;; esac
done
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# console_wait FILE MARK TENTHS PID: true once MARK is in FILE; false when
# TENTHS tenths of a second passed or PID (the VM's QEMU) ended first.
console_wait() {
	local t
	for ((t = 0; t < $3; t++)); do
		grep -q "$2" "$1" && return 0
		kill -0 "$4" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "$2" "$1"
}

# boot BIN N ATT DIR REP: one natd, one VM, one iperf3; appends
# "N ATT DIR REP GBPS NATD_S/GB QEMU_S/GB NAPI_S/GB ACCOUNTING" to $T/results,
# ATT suffixed with the accounting when ACCOUNTING has both.
boot() {
	local bin=$1 n=$2 att=$3 dir=$4 rep=$5 out=$T/vm.console spid qpid acc=$6
	local c0 c1 q0 q1 k0 k1 nd=() perf_pid= stat_pid=
	rm -f "$T/vm.sock"
	veth_accounting "vh$ID" "" "vr$ID" "$REMOTE_NS" "$acc"
	[ "$VETH_ACCOUNTING" = "$acc" ] || fail "threaded NAPI not available: run with ACCOUNTING=softirq"
	if [ "$att" = vhost ]; then
		NATD_BIN=$bin natd_start "natd$n-$att" --name "vmab$n" --nic1 nat --nictype1 virtio \
			--attach1 "vhost-user:$T/vm.sock"
		nd=(-object memory-backend-memfd,id=mem,size=512M,share=on -machine memory-backend=mem
		    -chardev "socket,id=c,path=$T/vm.sock" -netdev vhost-user,id=n,chardev=c)
	else
		NATD_BIN=$bin natd_start "natd$n-$att" --name "vmab$n" --nic1 nat --nictype1 virtio \
			--attach1 "stream:$T/vm.sock"
		nd=(-netdev "stream,id=n,server=off,addr.type=unix,addr.path=$T/vm.sock")
	fi
	: > "$out"
	ip netns exec "$REMOTE_NS" timeout $((DUR + 360)) iperf3 -s -1 -p 5201 > "$T/iperf3-s.log" 2>&1 &
	spid=$!
	wait_for 5 listening "$REMOTE_NS" tcp "*:5201" || wait_for 5 listening "$REMOTE_NS" tcp "[::]:5201" ||
		fail "iperf3 server"
	qemu-system-x86_64 -machine q35 -accel tcg -m 512 -nodefaults -display none -no-reboot \
		-kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initrd.gz" \
		-append "console=ttyS0 quiet natd_bench=198.51.100.1:$dir:$DUR" -serial "file:$out" \
		"${nd[@]}" -device virtio-net-pci,netdev=n,vectors=0 > "$T/qemu.log" 2>&1 &
	qpid=$!
	_pids+=("$qpid")
	console_wait "$out" BENCH-BEGIN 2400 "$qpid" || fail "the VM did not start iperf3: $(tail -n1 "$T/qemu.log")"
	c0=$(cpu_ticks "$NATD_PID") q0=$(cpu_ticks "$qpid") k0=$(napi_ticks)
	if [ -n "${PERF_OUT:-}" ]; then
		perf record -q -F 999 -g -p "$NATD_PID" -o "$PERF_OUT.bin$n.$att.$dir.$rep.data" \
			-- sleep "$((DUR - 2))" > /dev/null 2>&1 &
		perf_pid=$!
	fi
	if [ "${PERF_STAT:-0}" = 1 ]; then
		perf stat -x, -o "$T/perf-stat" -p "$NATD_PID" -e raw_syscalls:sys_enter \
			-e syscalls:sys_enter_epoll_wait,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read \
			-e syscalls:sys_enter_write,syscalls:sys_enter_sendmsg,context-switches,page-faults \
			-- sleep "$((DUR - 2))" > /dev/null 2>&1 &
		stat_pid=$!
	fi
	console_wait "$out" BENCH-DONE $(((DUR + 90) * 10)) "$qpid" || true
	c1=$(cpu_ticks "$NATD_PID") q1=$(cpu_ticks "$qpid") k1=$(napi_ticks)
	[ -n "$perf_pid" ] && wait "$perf_pid"
	if [ -n "$stat_pid" ]; then
		wait "$stat_pid" || true
		STAT_SECS=$((DUR - 2))
	fi
	wait_for 30 grep -q BENCH-END "$out" || fail "the VM's iperf3 did not finish"
	kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true
	kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
	natd_stop "$NATD_PID"
	sed -n '/^BENCH-JSON/,/^BENCH-END/p' "$out" | sed '1d;$d' | tr -d '\r' | python3 -c '
import json, sys
n, att, d, rep, c, q, k, hz, acc, both = sys.argv[1:]
if both == "1":
    att += "-" + acc
r = json.load(sys.stdin)["end"]["sum_received"]
gb = r["bytes"] / 1e9
print(n, att, d, rep, "%.3f" % (r["bits_per_second"] / 1e9), "%.3f" % (int(c) / int(hz) / gb),
      "%.3f" % (int(q) / int(hz) / gb), "%.3f" % (int(k) / int(hz) / gb))' \
		"$n" "$att" "$dir" "$rep" $((c1 - c0)) $((q1 - q0)) $((k1 - k0)) "$hz" "$acc" "$both_acc" |
		tee -a "$T/results" |
		awk '{printf "bin%s %-15s %s rep %s: %s Gbit/s  natd %s CPU-s/GB  QEMU %s CPU-s/GB  napi %s CPU-s/GB\n", $1, $2, $3, $4, $5, $6, $7, $8}'
	if [ -n "$stat_pid" ]; then
		# per MB at the run's mean rate over perf's seconds
		awk -F, -v g="$(tail -n1 "$T/results" | cut -d' ' -f5)" -v s="$STAT_SECS" '
			$3 ~ /:|context|faults/ { n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all"
				printf "  %s/MB %.1f", n, $1 / (g * 125 * s) }
			END { print "" }' "$T/perf-stat"
	fi
}

: > "$T/results"
both_acc=0
[ "$(echo $ACCOUNTING | wc -w)" -gt 1 ] && both_acc=1
bins=($NATD_BINS)
for ((n = 0; n < ${#bins[@]}; n++)); do log "bin$n: ${bins[$n]}"; done
for ((rep = 1; rep <= REPS; rep++)); do
	log "repetition $rep, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	order=$(seq 0 $((${#bins[@]} - 1)))
	accs=$ACCOUNTING
	if ((rep % 2 == 0)); then
		order=$(seq $((${#bins[@]} - 1)) -1 0)
		accs=$(echo $ACCOUNTING | tr ' ' '\n' | tac | tr '\n' ' ')
	fi
	for dir in $DIRS; do
		for att in $ATTACH; do
			for n in $order; do
				for acc in $accs; do
					boot "${bins[$n]}" "$n" "$att" "$dir" "$rep" "$acc"
				done
			done
		done
	done
done

log "veth accounting: $ACCOUNTING"
python3 - "$T/results" <<'EOF'
import sys, statistics as st
r = {}
for l in open(sys.argv[1]):
    n, att, d, rep, g, c, q, k = l.split()
    r.setdefault((d, n, att), []).append((float(g), float(c), float(q), float(k)))
fmt = lambda v: "%.3f (%.3f-%.3f)" % (st.median(v), min(v), max(v))
for (d, n, att), v in sorted(r.items()):
    print("# %s bin%s %-15s Gbit/s %s  natd CPU-s/GB %s  QEMU CPU-s/GB %s  napi CPU-s/GB %s" % (
        d, n, att, fmt([x[0] for x in v]), fmt([x[1] for x in v]), fmt([x[2] for x in v]),
        fmt([x[3] for x in v])))
for (d, n, att), v in sorted(r.items()):
    s = r.get((d, n, att.replace("vhost", "stream")))
    if att.startswith("vhost") and s:
        print("# %s bin%s %s natd CPU per GB vhost-user / stream: %.2f (medians)" % (
            d, n, att[6:] or "", st.median([x[1] for x in v]) / st.median([x[1] for x in s])))
EOF
ok "VM runs done"
done_testing
