#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A VM on a stream socket that goes away normally is logged as such: a peer
# that closes with natd's frames still unread in its socket (as a QEMU that
# quits may) leaves natd's socket with a pending ECONNRESET, which libuv
# reports as "bad file descriptor"; natd must log the end of the stream, and
# serve the next VM.
. "$(dirname "$0")/lib.sh"

peer="$NATD_TEST_BIN/stream_peer"
[ -x "$peer" ] || fail "test helper $peer missing"

sock="$T/vm.sock"
natd_start natd --name vmhup --nic1 nat --attach1 "stream:$sock"
out=$("$peer" "$sock" hangup) || fail "stream_peer hangup"
expect_eq "the peer hung up with natd's answer unread" "hung up" "$out"
detached() { [ "$(grep -c 'nic1: VM detached' "$T/natd.log")" -ge "$1" ]; }
check "natd noticed the VM leaving" wait_for 5 detached 1
check "logged as the end of the stream" grep -q "vm.sock: VM disconnected (end of stream)$" "$T/natd.log"
check "not as a bad file descriptor" sh -c "! grep -qi 'bad file descriptor' '$T/natd.log'"

# A peer that reads everything and closes: the same message.
out=$("$peer" "$sock" 10.0.2.2) || fail "ARP from the next VM"
expect_eq "the next VM is served" "10.0.2.2 is-at 52:55:0a:00:02:02" "$out"
check "natd noticed the second VM leaving" wait_for 5 detached 2
expect_eq "both departures logged as the end of the stream" 2 \
	"$(grep -c 'VM disconnected (end of stream)$' "$T/natd.log")"
natd_stop "$NATD_PID"
done_testing
