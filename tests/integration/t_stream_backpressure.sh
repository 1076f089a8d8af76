#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A QEMU stream socket that stops taking frames in the middle of a download
# (QEMU stopped with SIGSTOP for 2 s): natd's output ring fills, and the TCP
# segments it cannot take stay queued in lwIP (sent again once the VM reads)
# instead of being dropped. A `qemu-system-x86_64 -machine none` hub joins
# the guest's tap (a kernel in a namespace, large receive window so that
# more than the ring can be in flight) to natd's `stream:` socket; a 128 MiB
# download from the remote is byte-exact, goes on after QEMU continues, and
# natd's adapter counts no frame dropped to the VM.
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
command -v curl >/dev/null || fail "curl missing"
N=$NATD_BIN

new_remote
mkdir -p "$T/www"
head -c $((128 * 1024 * 1024)) /dev/urandom > "$T/www/big.bin"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"

sock="$T/vm.sock"
natd_start natd --name bp --nic1 nat --attach1 "stream:$sock"
ns=$(new_netns guest)
tap=bp$ID
qemu-system-x86_64 -machine none -nodefaults -display none \
	-netdev "stream,id=s,server=off,addr.type=unix,addr.path=$sock" \
	-netdev "tap,id=t,ifname=$tap,script=no,downscript=no" \
	-netdev hubport,id=h1,hubid=0,netdev=s -netdev hubport,id=h2,hubid=0,netdev=t \
	> "$T/qemu.log" 2>&1 &
qpid=$!
_pids+=("$qpid")
wait_for 10 ip link show "$tap" >/dev/null 2>&1 || fail "QEMU did not create $tap"
tap_into_ns "$tap" "$ns"
# The guest may take far more than natd's 4 MiB output ring in flight.
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 1048576 67108864"
guest_up "$ns" "$tap"

dropped() {
	"$N" showvminfo bp --machinereadable | sed -n 's/^nics_1_counters_tx_dropped=//p'
}
d0=$(dropped)
[ -n "$d0" ] || fail "no tx_dropped counter in showvminfo"

ip netns exec "$ns" curl -sS --max-time 120 -o "$T/dl.bin" http://198.51.100.1:8080/big.bin \
	> "$T/curl.log" 2>&1 &
cpid=$!
_pids+=("$cpid")
# Once data flows (at least 4 MiB in), QEMU stops reading for 2 s.
wait_for 30 sh -c "[ \$(stat -c %s '$T/dl.bin' 2>/dev/null || echo 0) -ge 4194304 ]" ||
	fail "the download did not start"
kill -STOP "$qpid"
sleep 2
got=$(stat -c %s "$T/dl.bin")
kill -CONT "$qpid"
[ "$got" -lt $((128 * 1024 * 1024)) ] || fail "the download ended before QEMU was stopped"
log "QEMU stopped for 2 s at $got bytes"
rc=0
wait "$cpid" || rc=$?
check "download finished after QEMU went on" test "$rc" = 0
expect_eq "128 MiB download through a stalled stream is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl.bin")"
expect_eq "no frame to the VM dropped while its socket was full" "$d0" "$(dropped)"
done_testing
