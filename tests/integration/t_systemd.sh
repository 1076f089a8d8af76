#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd units (dist/systemd, configured into BUILD/systemd):
# `systemd-analyze verify` accepts them (directives, the ExecStart binary,
# the man pages of Documentation=); natd-natnetwork@.service's readiness
# protocol: `natd natnetwork start --foreground` sends READY=1 to
# $NOTIFY_SOCKET (a datagram socket of the test, as systemd's) only once the
# network's switch socket exists, the network shows as running and can be
# modified live meanwhile, and `natd natnetwork stop` ends it with status 0.
# Where systemd is PID 1 the units are also started and stopped for real;
# elsewhere that part is skipped with the reason.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
B=$(dirname "$N")
command -v python3 >/dev/null || fail "python3 missing"

# --- the units verify -------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units" "$T/man/man1"
	cp "$B"/man/*.1 "$T/man/man1/"
	for u in natd@ natd-natnetwork@; do
		sed -E "s|^ExecStart=[^ ]*/natd |ExecStart=$N |" "$B/systemd/$u.service" > "$T/units/$u.service"
	done
	cp "$T/units/natd@.service" "$T/units/natd@vm1.service"
	cp "$T/units/natd-natnetwork@.service" "$T/units/natd-natnetwork@lab.service"
	out=$(MANPATH="$T/man" systemd-analyze verify "$T/units/natd@vm1.service" \
		"$T/units/natd-natnetwork@lab.service" 2>&1) || fail "systemd-analyze verify: $out"
	expect_eq "systemd-analyze verify: no complaint" "" "$out"
	check "natd-natnetwork@ is Type=notify" grep -q '^Type=notify$' "$B/systemd/natd-natnetwork@.service"
else
	echo "# systemd-analyze not installed: verify skipped"
fi

# --- readiness: sd_notify READY=1 once the switch serves ---------------------
"$N" natnetwork add --netname lab --network 192.168.15.0/24 >/dev/null
cat > "$T/notify.py" <<'PY'
import os, socket, sys
path, sock_path, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
with open(out, "w") as f:
    while True:
        msg = s.recv(4096).decode()
        # what a unit started after this one would find
        f.write(f"{msg.strip()} switch={'yes' if os.path.exists(sock_path) else 'no'}\n")
        f.flush()
        if "READY=1" in msg:
            break
PY
bg python3 "$T/notify.py" "$T/notify.sock" "$NATD_HOME/run/natnet-lab.sock" "$T/notify.out"
wait_for 5 test -S "$T/notify.sock" || fail "notify listener did not start"
NOTIFY_SOCKET="$T/notify.sock" "$N" natnetwork start --netname lab --foreground \
	> "$T/fg.log" 2>&1 &
FG=$!
_pids+=("$FG")
wait_for 15 grep -q READY=1 "$T/notify.out" || { cat "$T/fg.log"; fail "no READY=1 within 15 s"; }
expect_eq "READY=1 sent once the switch socket exists" "READY=1 switch=yes" "$(cat "$T/notify.out")"
check "natnetwork list shows it running" grep -q '^Running: *Yes' <<<"$("$N" natnetwork list lab)"
check "modify applies live (the start's lock is released at READY)" \
	"$N" natnetwork modify --netname lab --port-forward-4 "web:tcp:[127.0.0.1]:18080:[192.168.15.4]:80"
check "the service took the rule" grep -q 'definition changed' "$T/fg.log"
check "natnetwork stop stops the foreground service" "$N" natnetwork stop --netname lab
set +e
wait "$FG"
rc=$?
set -e
expect_eq "the foreground service exits 0 after stop" 0 "$rc"
check "its log went to stderr" grep -q 'starting NAT network lab' "$T/fg.log"

# --- for real, where systemd runs ---------------------------------------------
if [ ! -d /run/systemd/system ]; then
	echo "# systemd is not PID 1 here ($(ps -p 1 -o comm=)): start/stop of the units skipped"
	exit 0
fi
unit=natd-natnetwork@natdit$ID.service
"$N" natnetwork add --netname "natdit$ID" --network 192.168.16.0/24 >/dev/null
cp "$T/units/natd-natnetwork@.service" /run/systemd/system/
mkdir -p "/run/systemd/system/$unit.d"
# the test's NATD_HOME under /tmp: no private /tmp, that directory writable
printf '[Service]\nEnvironment=NATD_HOME=%s\nPrivateTmp=no\nReadWritePaths=%s\n' \
	"$NATD_HOME" "$NATD_HOME" > "/run/systemd/system/$unit.d/test.conf"
_sd_cleanup() {
	systemctl stop "$unit" 2>/dev/null
	rm -rf /run/systemd/system/natd-natnetwork@.service "/run/systemd/system/$unit.d"
	systemctl daemon-reload
}
trap '_sd_cleanup; _cleanup' EXIT
systemctl daemon-reload
check "systemctl start $unit" timeout 30 systemctl start "$unit"
check "the unit is active" systemctl is-active --quiet "$unit"
check "its switch socket exists" test -S "$NATD_HOME/run/natnet-natdit$ID.sock"
check "systemctl stop $unit" timeout 30 systemctl stop "$unit"
check "the unit stopped cleanly (inactive, not failed)" test "$(systemctl is-active "$unit")" = inactive
