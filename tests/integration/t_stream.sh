#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The QEMU stream transport: a peer speaking -netdev stream framing exchanges
# ARP with natd; when it goes away, the next VM is accepted; natd's embedded
# default (no options) listens on $NATD_HOME/run/default.sock and prints the
# QEMU arguments.
. "$(dirname "$0")/lib.sh"

peer="$NATD_TEST_BIN/stream_peer"
[ -x "$peer" ] || fail "test helper $peer missing"

natd_start natd
sock="$NATD_HOME/run/default.sock"
check "default socket created" test -S "$sock"
check "QEMU arguments printed" grep -q -- "-netdev stream,id=nic1,server=off,addr.type=unix,addr.path=$sock -device pcnet,netdev=nic1" "$T/natd.log"
check "socket is owner-only" test "$(stat -c %a "$sock")" = 600

out=$("$peer" "$sock" 10.0.2.2 10.0.2.3) || fail "ARP over the stream socket"
expect_eq "framed ARP replies" "10.0.2.2 is-at 52:55:0a:00:02:02
10.0.2.3 is-at 52:55:0a:00:02:02" "$out"
# The first VM went away; natd accepts the next one.
out=$("$peer" "$sock" 10.0.2.2) || fail "ARP from a second VM after the first left"
expect_eq "second VM served" "10.0.2.2 is-at 52:55:0a:00:02:02" "$out"
check "natd logged attach and detach" grep -q 'nic1: VM detached' "$T/natd.log"
# A frame the framing allows but the NIC does not (65540 bytes, over the
# default Am79C973's 1514 and any IP packet): dropped and counted, and the
# stream stays in step.
out=$("$peer" "$sock" oversize 10.0.2.2) || fail "ARP after an oversize frame"
expect_eq "oversize frame skipped, the next frame answered" "oversize sent
10.0.2.2 is-at 52:55:0a:00:02:02" "$out"
check "  ... counted" sh -c "'$NATD_BIN' showvminfo default --machinereadable | grep -qx 'nics_1_nic_oversize_from_vm=1'"
natd_stop "$NATD_PID"

# stream-connect: natd connects to a socket a VM (here socat) listens on.
if command -v socat >/dev/null; then
	vmsock="$T/vm.sock"
	natd_start natd2 --name vm4 --nic1 nat --attach1 "stream-connect:$vmsock" --macaddress1 080027AABBCC --nictype1 virtio
	check "stream-connect prints QEMU server arguments" grep -q -- "server=on,addr.type=unix,addr.path=$vmsock -device virtio-net-pci,netdev=nic1,mac=08:00:27:aa:bb:cc" "$T/natd2.log"
	# socat relays between natd (connecting) and our peer (connecting too).
	socat "UNIX-LISTEN:$vmsock" "UNIX-LISTEN:$T/peer.sock" &
	_pids+=("$!")
	wait_for 5 test -S "$T/peer.sock" || fail "socat did not start"
	out=$("$peer" "$T/peer.sock" 10.0.2.2) || fail "ARP over stream-connect (natd reconnects within 1 s)"
	expect_eq "stream-connect ARP reply" "10.0.2.2 is-at 52:55:0a:00:02:02" "$out"
	natd_stop "$NATD_PID"
fi
done_testing
