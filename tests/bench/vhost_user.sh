#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vhost_user.sh [SECONDS] - natd's vhost-user transport against its stream
# transport, the Linux kernel in a "guest" namespace on a tap playing the VM
# (no guest CPU in the way; QEMU 7.2 runs vhost-user net only with KVM):
#   natd stream      QEMU (`-machine none`) joins the tap to natd's
#                    `-netdev stream` socket with a hub (as qemu_hub.sh)
#   natd vhost-user  tests/integration/vhost_user_peer (QEMU's side of the
#                    protocol and a virtio-net driver) joins the tap to
#                    natd's vhost-user socket: without offloads (frames of
#                    at most 1514 bytes, as the hub's), then with checksum
#                    and TSO offloads both ways (its tap opened with
#                    virtio-net headers, as vhost-net does)
# iperf3 guest -> remote and remote -> guest (198.51.100.1 in a "remote"
# namespace), MTU 1500. Prints Gbit/s, natd's CPU seconds per GB moved and
# the frontend's (QEMU's or the peer's), from /proc/PID/stat. Runs in
# namespaces of its own (tests/integration/lib.sh); root needed. NATD_BIN
# picks the natd binary (the peer is taken from beside it, tests/).
# VETH_SOFTIRQ=1: the veth to the remote without NAPI (the remote's TCP then
# runs in natd's softirq and is counted as natd's CPU); default threaded NAPI
# (veth_napi.sh), the remote's work in the veth's kernel threads.
# VETH_MTU: the veth's MTU (default 65520 as run.sh's; 1500 before stop 29).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/veth_napi.sh"

DUR=${1:-10}
command -v iperf3 >/dev/null || fail "iperf3 missing"
peer="$NATD_TEST_BIN/vhost_user_peer"
[ -x "$peer" ] || fail "$peer missing (build with --tests)"
new_remote
remote_veth "${VETH_MTU:-65520}"
bg ip netns exec "$REMOTE_NS" iperf3 -s -p 5201 > "$T/iperf3-server.log" 2>&1
wait_for 10 listening "$REMOTE_NS" tcp "*:5201" || wait_for 5 listening "$REMOTE_NS" tcp "[::]:5201" || fail "iperf3 server"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure LABEL NATD_PID FRONTEND_PID NS: both directions, one line each.
measure() {
	local label=$1 pid=$2 fpid=$3 ns=$4 dir t0 t1 f0 f1 bytes gbps hz
	hz=$(getconf CLK_TCK)
	for dir in "guest->remote" "remote->guest"; do
		local rflag=
		[ "$dir" = "remote->guest" ] && rflag=-R
		t0=$(cpu_ticks "$pid")
		f0=$(cpu_ticks "$fpid")
		ip netns exec "$ns" iperf3 -c 198.51.100.1 -p 5201 -t "$DUR" $rflag -J > "$T/ip.json" ||
			fail "iperf3 $label $dir"
		t1=$(cpu_ticks "$pid")
		f1=$(cpu_ticks "$fpid")
		read -r bytes gbps < <(python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))["end"]["sum_received"]
print(j["bytes"], "%.3f" % (j["bits_per_second"]/1e9))' "$T/ip.json")
		printf '%-30s %-14s %7s Gbit/s  natd %6s CPU-s/GB  frontend %6s CPU-s/GB\n' "$label" "$dir" \
			"$gbps" "$(python3 -c "print('%.2f' % (($t1-$t0)/$hz / ($bytes/1e9)))")" \
			"$(python3 -c "print('%.2f' % (($f1-$f0)/$hz / ($bytes/1e9)))")"
	done
}

# natd stream, QEMU's hub joining it to tap qs<ID>.
natd_start natd-stream --name vs --nic1 nat --nictype1 virtio --attach1 "stream:$T/vm.sock"
GNS=$(new_netns guest)
tap=qs$ID
bg qemu-system-x86_64 2>/dev/null -machine none -nodefaults -display none \
	-netdev "stream,id=s,server=off,addr.type=unix,addr.path=$T/vm.sock" \
	-netdev "tap,id=t,ifname=$tap,script=no,downscript=no" \
	-netdev hubport,id=h1,hubid=0,netdev=s -netdev hubport,id=h2,hubid=0,netdev=t
qpid=${_pids[-1]}
tap_into_ns "$tap" "$GNS"
guest_up "$GNS" "$tap"
measure "natd stream (QEMU hub)" "$NATD_PID" "$qpid" "$GNS"
natd_stop "$NATD_PID"

# natd vhost-user, the peer without offloads, then with them.
for off in 0 1; do
	natd_start "natd-vu$off" --name "vu$off" --nic1 nat --attach1 "vhost-user:$T/vu$off.sock"
	GNS=$(new_netns "guestvu$off")
	tap=vu$off$ID
	VU_PEER_OFFLOAD=$off "$peer" "$T/vu$off.sock" "$tap" > "$T/peer$off.out" 2> "$T/peer$off.log" &
	ppid=$!
	_pids+=("$ppid")
	tap_into_ns "$tap" "$GNS"
	guest_up "$GNS" "$tap"
	measure "natd vhost-user ($([ $off = 1 ] && echo offloads || echo no offloads))" \
		"$NATD_PID" "$ppid" "$GNS"
	natd_stop "$NATD_PID"
	kill "$ppid" 2>/dev/null || true
done
done_testing
