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
# lib.sh); root needed.
#
# Environment:
#   NATD_BIN     the natd binary to measure
#   NATD_BINS    several natd binaries (space-separated) measured in the same
#                run, each on its own hub and guest: A/B comparisons
#   REPS         repetitions (default 1); every repetition runs each system
#                once per direction, the systems alternating
#   DIRS         "g2r r2g" (default), or one of them
#   MTU          natd's MTU (--natsettings1, with --nictype1 virtio for jumbo
#                frames) and the guest's (default 1500); other than 1500,
#                -netdev user is left out (its MTU is not set here) and natd
#                is measured alone
#   VETH_MTU     the MTU of the veth to the remote (default 65520, as in
#                run.sh; before stop 27 this script left it at 1500 for MTU
#                1500, so natd's host sockets received 1448-byte segments)
#   VETH_SOFTIRQ=1  the veth to the remote without NAPI, as before stop 29:
#                the remote's TCP runs in the softirq of natd's (or QEMU's)
#                system calls and is counted as theirs. Default: threaded
#                NAPI (veth_napi.sh), the remote's work in the veth's kernel
#                threads
#   DIAG=1       per run: the guest's TCP counters (nstat: out-of-order
#                queue, ACKs sent...), its tap's drops, and the remote
#                sender's socket (ss -ti) half-way through
#   PERF_OUT     PREFIX: natd is profiled (perf record -g) during each of its
#                runs into PREFIX.natdN.DIR.data, and each QEMU process (the
#                hub with natd, the NAT itself with -netdev user) into
#                PREFIX.qemu-natdN.DIR.data and PREFIX.qemu-user.DIR.data
#   PIN          "NATD HUB IPERF": CPU lists (taskset -c) for natd, the QEMU
#                process (the hub, or -netdev user's QEMU: the NAT itself in
#                the HUB slot) and both iperf3s; "-" leaves one unpinned,
#                e.g. PIN="0 1 -" or PIN="0 0 1"
#   NICE         N (-20..19): the scheduling weight of this script's
#                autogroup (kernel.sched_autogroup_enabled=1: every session is
#                one group, sharing the CPU with other sessions' groups, not
#                per process); N < 0 approximates a quiet machine on a shared
#                one. Set back to 0 when the script ends
# Every run prints where the machine's CPU went while it ran (from
# /proc/stat and every process's /proc/PID/stat, before and after): CPU
# seconds per GB of natd, the QEMU process, the iperf3 server (remote) and
# client (guest; from iperf3's own figure, it exits before the second
# snapshot), the softirq kernel threads (ksoftirqd, NAPI threads), the machine's
# busy total and the rest of it (others: other sessions' work), and the
# machine's idle %. When idle is ~0 for both systems the row is bound by the
# machine: throughput is then about (cores - others) / (path's CPU-s per GB).
# When perf is installed, natd's system calls (all, sendmsg, recv and
# recvmsg) are counted per MB moved. Every run also prints the remote's TCP
# segments in and out per MB (nstat in the remote namespace; remote -> guest
# "in" is the ACKs and window updates of the NAT's host socket). The end
# prints medians per system and direction (Gbit/s, CPU-s/GB of natd and of
# the hub QEMU) and natd / -netdev user per repetition.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/veth_napi.sh"

DUR=${1:-10}
REPS=${REPS:-1}
DIRS=${DIRS:-g2r r2g}
NATD_BINS=${NATD_BINS:-$NATD_BIN}
MTU=${MTU:-1500}
VETH_MTU=${VETH_MTU:-65520}
command -v iperf3 >/dev/null || fail "iperf3 missing"
new_remote
# the remote link at run.sh's MTU (its veth is 65520: natd's host sockets
# get 64 KiB segments; at 1500 they got ~700 segments per MB)
remote_veth "$VETH_MTU"
bg ip netns exec "$REMOTE_NS" iperf3 -s -p 5201 > "$T/iperf3-server.log" 2>&1
IPERF_SRV_PID=${_pids[-1]}
wait_for 10 listening "$REMOTE_NS" tcp "*:5201" || wait_for 5 listening "$REMOTE_NS" tcp "[::]:5201" || fail "iperf3 server"

if [ -n "${NICE:-}" ] && [ -w /proc/self/autogroup ]; then
	echo "$NICE" > /proc/self/autogroup || fail "NICE=$NICE: not a nice value"
	# shellcheck disable=SC2154 # _ag_rc is set inside the trap string
	trap '_ag_rc=$?; echo 0 > /proc/self/autogroup 2>/dev/null; (exit $_ag_rc); _cleanup' EXIT
	log "autogroup: $(cat /proc/self/autogroup)"
fi
# PIN: "NATD HUB IPERF" CPU lists
read -r PIN_NATD PIN_HUB PIN_IPERF <<< "${PIN:-- - -}"
pin() { # pin LIST PID: every thread of PID
	[ -n "$1" ] && [ "$1" != - ] && taskset -a -p -c "$1" "$2" > /dev/null
	return 0
}
IPERF_PFX=()
[ -n "${PIN_IPERF:-}" ] && [ "$PIN_IPERF" != - ] && IPERF_PFX=(taskset -c "$PIN_IPERF")
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# ctx_switches PID: voluntary context switches of all the process's threads
# (each one a sleep and a wake-up: what a pipeline of processes pays).
ctx_switches() { cat /proc/"$1"/task/*/status | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n}'; }

# cpu_snap FILE: /proc/stat's cpu line and every process's pid, parent,
# name and CPU ticks (all threads, user + system), for cpu_table.
cpu_snap() {
	python3 - "$1" <<'EOF'
import os, sys, json
procs = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        st = open("/proc/%s/stat" % d).read()
    except OSError:
        continue
    comm = st[st.index("(") + 1:st.rindex(")")]
    f = st[st.rindex(")") + 2:].split()
    procs[d] = [comm, int(f[1]), int(f[11]) + int(f[12])]
cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
json.dump({"cpu": cpu, "procs": procs}, open(sys.argv[1], "w"))
EOF
}

# cpu_table BEFORE AFTER BYTES NATD_PID QEMU_PID SERVER_PID IPERF_JSON: where
# the CPU went, per GB moved; one line, and "KEY=VALUE ..." in $T/cpu.kv.
cpu_table() {
	python3 - "$@" "$(getconf CLK_TCK)" "$(nproc)" "$T/cpu.kv" <<'EOF'
import sys, json
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
gb = int(sys.argv[3]) / 1e9
natd, qemu, srv = sys.argv[4], sys.argv[5], sys.argv[6]
hz, ncpu = int(sys.argv[8]), int(sys.argv[9])
def ticks(pid):
    if pid in b["procs"] and pid in a["procs"]:
        return b["procs"][pid][2] - a["procs"][pid][2]
    return 0
seen = {natd, qemu}
cat = {"natd": 0, "qemu": 0, "iperf3 srv": 0, "kthreads": 0, "others": 0}
kth, oth = {}, {}  # kernel threads / other processes by name
if natd != qemu:
    cat["natd"] = ticks(natd)
cat["qemu"] = ticks(qemu)
for pid, (comm, ppid, t) in b["procs"].items():
    if pid in seen:
        continue
    t0 = a["procs"][pid][2] if pid in a["procs"] and a["procs"][pid][0] == comm else 0
    d = t - t0
    if d <= 0:
        continue
    if pid == srv:
        cat["iperf3 srv"] += d
    elif (ppid == 2 or pid == "2") and comm.startswith(("ksoftirqd", "napi/")):
        # the softirq work deferred to threads (veth's NAPI threads when
        # threaded): the path's; other kernel threads (kworkers: other
        # sessions' namespaces going away...) count as others
        cat["kthreads"] += d
        n = comm.split("/")[0]
        kth[n] = kth.get(n, 0) + d
    else:
        cat["others"] += d
        oth[comm] = oth.get(comm, 0) + d
ca, cb = a["cpu"], b["cpu"]
dt = [y - x for x, y in zip(ca, cb)]
total = sum(dt[:8])
idle = dt[3] + dt[4]
wall = total / ncpu / hz
j = json.load(open(sys.argv[7]))["end"]["cpu_utilization_percent"]
cli = j["host_total"] / 100 * wall
srv_ipf = j["remote_total"] / 100 * wall
busy = (total - idle) / hz
s = lambda t: t / hz / gb
out = {"natd": s(cat["natd"]), "qemu": s(cat["qemu"]), "srv": s(cat["iperf3 srv"]),
       "cli": cli / gb, "kthr": s(cat["kthreads"]), "others": s(cat["others"]),
       "busy": busy / gb, "idle": 100.0 * idle / total if total else 0,
       "softirq": 100.0 * dt[6] / total if total else 0}
out["path"] = out["natd"] + out["qemu"] + out["srv"] + out["cli"] + out["kthr"]
# others: the rest of the machine's busy time, processes that exited during
# the run (other sessions' compilers...) included; the named ones are a part
out["others"] = max(out["busy"] - out["path"], 0)
# cores in use on average over the run (s/GB x GB/s)
out["path_cores"] = out["path"] * gb / wall
out["others_cores"] = out["others"] * gb / wall
print("#   CPU-s/GB: natd %.2f, QEMU %.2f, iperf3 server %.2f (its own figure %.2f), client %.2f, "
      "kthreads %.2f; path %.2f; machine busy %.2f (others %.2f); idle %.1f %%, softirq %.1f %%" % (
      out["natd"], out["qemu"], out["srv"], srv_ipf / gb, out["cli"], out["kthr"], out["path"],
      out["busy"], out["others"], out["idle"], out["softirq"]))
print("#   cores: path %.2f, others %.2f, idle %.2f (of %d)" % (out["path_cores"], out["others_cores"],
      ncpu * out["idle"] / 100, ncpu))
top = lambda h: ", ".join("%s %.2f" % (k, s(v)) for k, v in sorted(h.items(), key=lambda x: -x[1])[:4])
print("#   path's kthreads: %s; others still running at the end: %s" % (top(kth) or "-", top(oth) or "-"))
open(sys.argv[10], "w").write(" ".join("%s=%.3f" % kv for kv in out.items()) + "\n")
EOF
}

# nstat_abs NS: the guest's absolute TCP/IP counters, one "name value" a line.
nstat_abs() { ip netns exec "$1" nstat -az 2>/dev/null | awk 'NR > 1 {print $1, $2}'; }

# diag_line NS TAP BEFORE AFTER: the counters that tell losses and ACK rates.
diag_line() {
	python3 - "$3" "$4" <<'EOF'
import sys
def rd(f):
    d = {}
    for l in open(f):
        k, v = l.split()
        d[k] = int(v)
    return d
a, b = rd(sys.argv[1]), rd(sys.argv[2])
keys = ["TcpInSegs", "TcpOutSegs", "TcpRetransSegs", "TcpExtTCPOFOQueue",
        "TcpExtDelayedACKs", "TcpExtTCPPureAcks", "TcpExtTCPHPHits",
        "TcpExtTCPRcvQDrop", "TcpExtTCPBacklogDrop", "IpExtInOctets", "TcpExtTCPFastRetrans",
        "TcpExtTCPLossProbes", "TcpExtTCPTimeouts", "TcpExtTCPOFODrop", "TcpExtTCPAbortOnData"]
print("#   guest " + " ".join("%s=%d" % (k, b.get(k, 0) - a.get(k, 0))
                             for k in keys if b.get(k, 0) - a.get(k, 0)))
EOF
}

# measure SYS LABEL PID NS QPID TAP REP: both directions; prints one line per
# direction and appends "SYS DIR REP GBPS" to $T/results.
measure() {
	local sys=$1 label=$2 pid=$3 ns=$4 qpid=${5:-} tap=$6 rep=$7 dir t0 t1 bytes gbps cpu hz
	local is_natd=
	[ "$sys" != user ] && is_natd=1
	hz=$(getconf CLK_TCK)
	for dir in $DIRS; do
		local rflag= dname="guest->remote"
		[ "$dir" = r2g ] && rflag=-R && dname="remote->guest"
		[ -n "${DIAG:-}" ] && { nstat_abs "$ns" > "$T/ns0"; ip -n "$ns" -s link show "$tap" > "$T/tap0"; }
		nstat_abs "$REMOTE_NS" > "$T/rs0"
		cpu_snap "$T/snap0"
		t0=$(cpu_ticks "$pid")
		local q0= c0 qc0=
		c0=$(ctx_switches "$pid")
		[ -n "$qpid" ] && [ "$qpid" != "$pid" ] && q0=$(cpu_ticks "$qpid") && qc0=$(ctx_switches "$qpid")
		local perf_pid= stat_pid= qperf_pid= ss_pid=
		if command -v perf >/dev/null && [ -n "$is_natd" ]; then
			perf stat -x, -e raw_syscalls:sys_enter,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg -p "$pid" \
				-o "$T/stat.csv" -- sleep "$DUR" > /dev/null 2>&1 &
			stat_pid=$!
		fi
		if [ -n "${PERF_OUT:-}" ] && [ -n "$qpid" ]; then
			perf record -q -F 499 -g -p "$qpid" -o "$PERF_OUT.qemu-$sys.$dir.data" \
				-- sleep "$DUR" > /dev/null 2>&1 &
			qperf_pid=$!
		fi
		if [ -n "${PERF_OUT:-}" ] && [ -n "$is_natd" ]; then
			perf record -q -F 499 -g -p "$pid" -o "$PERF_OUT.$sys.$dir.data" \
				-- sleep "$DUR" > /dev/null 2>&1 &
			perf_pid=$!
		fi
		if [ -n "${DIAG:-}" ]; then
			# the sender's socket half-way: remote's iperf3 (r2g) or the
			# guest's (g2r); rwnd_limited means its peer read too slowly
			(sleep "$((DUR / 2))"; ip netns exec "$([ -n "$rflag" ] && echo "$REMOTE_NS" || echo "$ns")" \
				ss -tinH state established '( sport = :5201 or dport = :5201 )' 2>/dev/null |
				python3 -c '
import re, sys
best = ""
for e in re.split(r"\n(?=\S)", sys.stdin.read()):
    m = re.search(r"bytes_acked:(\d+)", e)
    if m and (not best or int(m.group(1)) > int(re.search(r"bytes_acked:(\d+)", best).group(1))):
        best = e
print(" ".join(re.findall(r"(?<![\w(,])(?:cwnd|ssthresh|rtt|retrans|rwnd_limited|sndbuf_limited|busy|unacked|delivery_rate|snd_wnd):\S+", best)))
' > "$T/ss.txt") &
			ss_pid=$!
		fi
		timeout $((DUR + 30)) ip netns exec "$ns" "${IPERF_PFX[@]}" iperf3 -c 198.51.100.1 -p 5201 -t "$DUR" $rflag -J > "$T/ip.json" ||
			fail "iperf3 $label $dname"
		t1=$(cpu_ticks "$pid")
		cpu_snap "$T/snap1"
		nstat_abs "$REMOTE_NS" > "$T/rs1"
		local q1= qcpu= c1 qc1=
		c1=$(ctx_switches "$pid")
		[ -n "$q0" ] && q1=$(cpu_ticks "$qpid") && qc1=$(ctx_switches "$qpid")
		[ -n "$perf_pid" ] && wait "$perf_pid"
		[ -n "$qperf_pid" ] && wait "$qperf_pid"
		[ -n "$ss_pid" ] && { wait "$ss_pid" || true; }
		read -r bytes gbps < <(python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))["end"]["sum_received"]
print(j["bytes"], "%.3f" % (j["bits_per_second"]/1e9))' "$T/ip.json")
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
print("  %.0f syscalls/MB, %.1f sendmsg/MB, %.1f recv+%.1f recvmsg/MB" % (
      c.get("raw_syscalls:sys_enter", 0) / mb, c.get("syscalls:sys_enter_sendmsg", 0) / mb,
      c.get("syscalls:sys_enter_recvfrom", 0) / mb, c.get("syscalls:sys_enter_recvmsg", 0) / mb))' "$T/stat.csv" "$bytes")
		fi
		cpu=$(python3 -c "import sys; print('%.2f' % (($t1-$t0)/$hz / ($bytes/1e9)))")
		[ -n "$q1" ] && qcpu=$(python3 -c "print(', QEMU hub %.2f CPU-s/GB' % (($q1-$q0)/$hz / ($bytes/1e9)))")
		sc="$sc  $(python3 -c "print('%.1f' % (($c1 - $c0) / ($bytes / 1e6)))") sleeps/MB"
		[ -n "$qc1" ] && sc="$sc (QEMU hub $(python3 -c "print('%.1f' % (($qc1 - $qc0) / ($bytes / 1e6)))"))"
		# the remote's TCP segments in and out per MB (remote -> guest: the
		# ACKs of the NAT's host socket in, the data segments out)
		sc="$sc  remote $(python3 -c '
import sys
def rd(f):
    return {k: int(v) for k, v in (l.split() for l in open(f))}
a, b, mb = rd(sys.argv[1]), rd(sys.argv[2]), int(sys.argv[3]) / 1e6
d = lambda k: (b.get(k, 0) - a.get(k, 0)) / mb
print("in %.1f out %.1f segs/MB" % (d("TcpInSegs"), d("TcpOutSegs")))' "$T/rs0" "$T/rs1" "$bytes")"
		printf '%-22s %-14s %7s Gbit/s  %6s CPU-s/GB (%s)%s\n' "$label" "$dname" "$gbps" "$cpu" \
			"$([ -n "$is_natd" ] && echo natd || echo qemu)$qcpu" "$sc"
		echo "$sys $dir $rep $gbps $cpu${qcpu:+ $(grep -o '[0-9.]* CPU' <<< "$qcpu" | cut -d' ' -f1)}" >> "$T/results"
		cpu_table "$T/snap0" "$T/snap1" "$bytes" "$pid" "${qpid:-$pid}" "$IPERF_SRV_PID" "$T/ip.json"
		echo "$sys $dir $rep $gbps $(cat "$T/cpu.kv")" >> "$T/cpu_results"
		if [ -n "${DIAG:-}" ]; then
			nstat_abs "$ns" > "$T/ns1"
			diag_line "$ns" "$tap" "$T/ns0" "$T/ns1"
			echo "#   tap rx drops: $(ip -n "$ns" -s link show "$tap" | awk '/RX:/ {getline; print $4}' | head -n1) (before: $(awk '/RX:/ {getline; print $4}' "$T/tap0" | head -n1))"
			echo "#   sender: $(cat "$T/ss.txt" 2>/dev/null)"
		fi
	done
}

# natd on a stream socket per binary, QEMU's hub joining it to tap qh<N><ID>.
n=0
natd_pids=() natd_qpids=() natd_ns=() natd_taps=() natd_labels=()
for bin in $NATD_BINS; do
	sock="$T/vm$n.sock"
	# shellcheck disable=SC2046
	NATD_BIN=$bin natd_start "natd$n" --name "hub$n" --nic1 nat --attach1 "stream:$sock" \
		$([ "$MTU" = 1500 ] || echo --natsettings1 "$MTU" --nictype1 virtio)
	natd_pids+=("$NATD_PID")
	pin "$PIN_NATD" "$NATD_PID"
	gns=$(new_netns "g$n")
	tap=qh$n$ID
	bg qemu-system-x86_64 2>/dev/null -machine none -nodefaults -display none \
		-netdev "stream,id=s,server=off,addr.type=unix,addr.path=$sock" \
		-netdev "tap,id=t,ifname=$tap,script=no,downscript=no" \
		-netdev hubport,id=h1,hubid=0,netdev=s -netdev hubport,id=h2,hubid=0,netdev=t
	natd_qpids+=("${_pids[-1]}")
	pin "$PIN_HUB" "${_pids[-1]}"
	tap_into_ns "$tap" "$gns"
	guest_up "$gns" "$tap"
	[ "$MTU" = 1500 ] || ip -n "$gns" link set "$tap" mtu "$MTU"
	natd_ns+=("$gns") natd_taps+=("$tap")
	if [ "$(wc -w <<< "$NATD_BINS")" -gt 1 ]; then
		natd_labels+=("natd$n stream")
		log "natd$n: $bin"
	else
		natd_labels+=("natd stream")
	fi
	n=$((n + 1))
done

# QEMU's own -netdev user on the same kind of hub (at MTU 1500 only).
USER_NET=1
[ "$MTU" = 1500 ] || USER_NET=
if [ -n "$USER_NET" ]; then
	GNS2=$(new_netns guest2)
	tap2=qu$ID
	qemu-system-x86_64 -machine none -nodefaults -display none \
		-netdev "user,id=u,net=10.0.2.0/24" \
		-netdev "tap,id=t,ifname=$tap2,script=no,downscript=no" \
		-netdev hubport,id=h1,hubid=0,netdev=u -netdev hubport,id=h2,hubid=0,netdev=t &
	QPID=$!
	_pids+=("$QPID")
	pin "$PIN_HUB" "$QPID"
	tap_into_ns "$tap2" "$GNS2"
	guest_up "$GNS2" "$tap2"
fi

pin "$PIN_IPERF" "$IPERF_SRV_PID"
[ -n "${PIN:-}" ] && log "pinned (taskset -c): natd $PIN_NATD, QEMU $PIN_HUB, iperf3 $PIN_IPERF"

for ((rep = 1; rep <= REPS; rep++)); do
	[ "$REPS" -gt 1 ] && log "repetition $rep, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	# alternate the order between repetitions so no system always runs first
	order=$(seq 0 $((n - 1)))
	((rep % 2 == 0)) && order="user $(seq $((n - 1)) -1 0)" || order="$order user"
	[ -n "$USER_NET" ] || order=${order//user/}
	for s in $order; do
		if [ "$s" = user ]; then
			measure user "qemu -netdev user" "$QPID" "$GNS2" "$QPID" "$tap2" "$rep"
		else
			measure "natd$s" "${natd_labels[$s]}" "${natd_pids[$s]}" "${natd_ns[$s]}" \
				"${natd_qpids[$s]}" "${natd_taps[$s]}" "$rep"
		fi
	done
done

# natd's frame counters after all runs: drops mean lost segments (lwIP then
# waits for a retransmission), not a slow reader.
for ((s = 0; s < n; s++)); do
	"$NATD_BIN" showvminfo "hub$s" --machinereadable 2>/dev/null |
		grep -E '^nics_1_(counters|device)_.*(frames|dropped|errors|blocked|batches|calls)' |
		sed "s/^/# natd$s /" || true
done

python3 - "$T/results" <<'EOF'
import sys, statistics as st
r = {}
cpu = {}
for l in open(sys.argv[1]):
    f = l.split()
    s, d, rep, g = f[:4]
    r.setdefault((s, d), {})[int(rep)] = float(g)
    cpu.setdefault((s, d), []).append([float(x) for x in f[4:]])
dirs = sorted({d for _, d in r}, key=lambda d: d != "g2r")
for d in dirs:
    u = r.get(("user", d), {})
    for (s, dd), v in sorted(r.items()):
        if dd != d:
            continue
        vals = list(v.values())
        line = "# %-6s %s Gbit/s median %.3f (min %.3f, max %.3f, %d runs)" % (
            s, d, st.median(vals), min(vals), max(vals), len(vals))
        if s != "user" and u:
            ratios = [v[k] / u[k] for k in v if k in u and u[k] > 0]
            if ratios:
                line += "; / -netdev user: median %.2f (%s)" % (
                    st.median(ratios), ", ".join("%.2f" % x for x in ratios))
        print(line)
        c = cpu.get((s, d), [])
        if c and c[0]:
            nat = [x[0] for x in c]
            line = "#        %s CPU-s/GB median %.2f (min %.2f, max %.2f)" % (
                "natd" if s != "user" else "qemu", st.median(nat), min(nat), max(nat))
            if len(c[0]) > 1:
                hub = [x[1] for x in c]
                line += ", QEMU hub median %.2f (min %.2f, max %.2f)" % (
                    st.median(hub), min(hub), max(hub))
            print(line)
EOF

# where the CPU went, medians per system and direction
python3 - "$T/cpu_results" <<'EOF'
import sys, statistics as st
r = {}
for l in open(sys.argv[1]):
    f = l.split()
    r.setdefault((f[0], f[1]), []).append(dict((k, float(v)) for k, v in (x.split("=") for x in f[4:])))
print("# CPU-s/GB medians (natd, QEMU, iperf3 server, client, kthreads = path; machine busy, others; idle %)")
for (s, d), v in sorted(r.items(), key=lambda x: (x[0][1], x[0][0])):
    m = lambda k: st.median(x[k] for x in v)
    print("# %-6s %s natd %.2f QEMU %.2f srv %.2f cli %.2f kthr %.2f = path %.2f; busy %.2f, others %.2f; "
          "idle %.1f %% (min %.1f, max %.1f); cores: path %.2f, others %.2f" % (
          s, d, m("natd"), m("qemu"), m("srv"), m("cli"), m("kthr"), m("path"), m("busy"), m("others"),
          m("idle"), min(x["idle"] for x in v), max(x["idle"] for x in v), m("path_cores"), m("others_cores")))
EOF
done_testing
