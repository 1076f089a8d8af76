#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# $NATD_HOME/run holds the control, VM and switch sockets, pid files and
# secrets: natd makes it 0700, and one that already exists must be as safe.
# Writable by others: refused with the reason, nothing created in it. Only
# readable by others: made 0700 (as a fresh one), with a warning. Another
# user's: refused. Not a directory: refused. For natd run and for a NAT
# network's service.
. "$(dirname "$0")/lib.sh"

run_dir="$NATD_HOME/run"
mode() { stat -c %a "$1"; }

# expect_run_refused PATTERN: natd run exits 1 naming run/ and why.
expect_run_refused() {
	local rc
	set +e
	timeout 10 "$NATD_BIN" run --name vmdir --nic1 nat --attach1 "stream:$T/vm.sock" > "$T/out" 2>&1
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "natd run with $run_dir ($(ls -ld "$run_dir")) exited $rc, expected 1: $(cat "$T/out")"
	grep -q -- "$1" "$T/out" || fail "expected '$1', got: $(cat "$T/out")"
	ok "refused: $(grep -- "$1" "$T/out" | head -n1)"
}

mkdir -p "$run_dir"
chmod 0777 "$run_dir"
expect_run_refused "error: $run_dir is writable by other users (mode 0777)"
check "  ... nothing was created in it" test -z "$(ls -A "$run_dir")"
check "  ... and its mode is left as it is" test "$(mode "$run_dir")" = 777
chmod 1777 "$run_dir"
expect_run_refused "is writable by other users (mode 1777)"
chmod 0770 "$run_dir"
expect_run_refused "is writable by other users (mode 0770)"

# A NAT network's service keeps its switch and secret there too.
chmod 0777 "$run_dir"
"$NATD_BIN" natnetwork add --netname dirnet --network 192.168.15.0/24 --enable
set +e
timeout 20 "$NATD_BIN" natnetwork start --netname dirnet > "$T/out" 2>&1
rc=$?
set -e
[ -f "$run_dir/natnet-dirnet.pid" ] && _pids+=("$(cat "$run_dir/natnet-dirnet.pid")")
check "natnetwork start refuses a world-writable run directory (rc $rc)" test "$rc" != 0
check "  ... saying why" grep -q "$run_dir is writable by other users (mode 0777)" "$T/out"
check "  ... and no service runs" test ! -e "$run_dir/natnet-dirnet.pid"

# Readable by others only: fixed to 0700, as natd creates it, and used.
chmod 0755 "$run_dir"
natd_start natd --name vmdir --nic1 nat --attach1 "stream:$T/vm.sock"
check "a 0755 run directory is made 0700" test "$(mode "$run_dir")" = 700
check "  ... and the change is logged" grep -q "warning: $run_dir had mode 0755; made it 0700" "$T/natd.log"
check "  ... and the control socket works" "$NATD_BIN" showvminfo vmdir
natd_stop "$NATD_PID"
chmod 0750 "$run_dir"
check "natnetwork start fixes a 0750 run directory too" natnet_start dirnet
check "  ... made 0700" test "$(mode "$run_dir")" = 700
check "natnetwork stop" natnet_stop dirnet

# Another user's run directory: refused for a user who is not root.
nob="$T/nobody"
chmod o+x "$T"           # nobody must reach its NATD_HOME
mkdir -p "$nob/run"
chmod 0777 "$nob"
chown 65534:65534 "$nob"
chmod 0700 "$nob/run"    # root's
set +e
NATD_HOME="$nob" setpriv --reuid=65534 --regid=65534 --clear-groups \
	timeout 10 "$NATD_BIN" run --name vmdir --nic1 nat --attach1 "stream:$nob/vm.sock" > "$T/out" 2>&1
rc=$?
set -e
expect_eq "another user's run directory: natd run exits 1" 1 "$rc"
check "  ... saying whose it is" grep -q "$nob/run belongs to uid 0, not to you" "$T/out"

# Not a directory.
rm -rf "$run_dir"
touch "$run_dir"
expect_run_refused "cannot create $run_dir\|$run_dir is not a directory"
rm -f "$run_dir"
done_testing
