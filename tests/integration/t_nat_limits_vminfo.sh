#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The flow table's limit (--max-tcp-flows) and `natd showvminfo`: flows are
# listed per NIC; when the table is full a new connection is refused at once
# (RST) and counted while existing ones stay; a slot freed is usable again.
. "$(dirname "$0")/lib.sh"

tap="nt$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmlim --max-tcp-flows 3 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
check "control socket is owner-only" test "$(stat -c %a "$NATD_HOME/run/vmlim.ctl")" = 600

bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:9100,bind=198.51.100.1,reuseaddr,fork PIPE
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9100 || fail "echo server did not start"
holders=()
for i in 1 2 3; do
	# an idle connection: socat only reads from it, the server never writes
	ip netns exec "$ns" socat -u TCP:198.51.100.1:9100 OPEN:/dev/null > /dev/null 2>&1 &
	_pids+=("$!")
	holders+=("$!")
done
three_established() {
	[ "$("$NATD_BIN" showvminfo vmlim --machinereadable | grep -c '_state="established"')" = 3 ]
}
check "showvminfo lists 3 established TCP flows" wait_for 10 three_established
"$NATD_BIN" showvminfo vmlim --machinereadable > "$T/info"
check "flow remote address shown" grep -q 'nics_1_flows_1_remote="198.51.100.1:9100"' "$T/info"
check "lease shown" grep -q 'nics_1_leases_1_ip="10.0.2.15"' "$T/info"

ip netns exec "$ns" timeout 10 socat -u /dev/null TCP:198.51.100.1:9100 2> "$T/full.err" || true
check "4th connection refused while the table is full" grep -q "Connection refused" "$T/full.err"
"$NATD_BIN" showvminfo vmlim --machinereadable > "$T/info"
check "refusal counted" grep -q 'flow_counters_tcp_refused_table_full=1' "$T/info"
check "the 3 flows are still established" three_established

# Free one slot: a new connection works again.
kill "${holders[0]}"
two_left() { [ "$("$NATD_BIN" showvminfo vmlim --machinereadable | grep -c '_proto="tcp"')" -le 2 ]; }
check "a closed connection leaves the table" wait_for 10 two_left
got=$(echo ping-after-free | ip netns exec "$ns" timeout 10 socat -t 2 - TCP:198.51.100.1:9100)
expect_eq "a new connection works once a slot is free" ping-after-free "$got"

# controlvm setlinkstate: the cable pulled and plugged back at run time.
check "controlvm setlinkstate1 off" "$NATD_BIN" controlvm vmlim setlinkstate1 off
if ip netns exec "$ns" ping -c 2 -i 0.3 -W 1 10.0.2.2 > /dev/null 2>&1; then
	fail "the gateway still answers with the cable pulled"
fi
ok "no answer from the gateway with the cable pulled"
check "controlvm setlinkstate1 on" "$NATD_BIN" controlvm vmlim setlinkstate1 on
check "the gateway answers again" ip netns exec "$ns" ping -c 2 -i 0.3 -W 2 10.0.2.2
set +e
"$NATD_BIN" controlvm vmlim bogus1 on 2> "$T/err"
rc=$?
set -e
expect_eq "an unknown controlvm subcommand exits 2 (a usage error)" 2 "$rc"
check "and says so" grep -q "unknown controlvm subcommand 'bogus1'" "$T/err"

set +e
"$NATD_BIN" showvminfo no-such-vm 2> "$T/err"
rc=$?
set -e
expect_eq "showvminfo of an unknown VM exits 1" 1 "$rc"
check "and says no natd runs it" grep -q "no natd is running VM 'no-such-vm'" "$T/err"

natd_stop "$NATD_PID"
check "control socket removed at exit" test ! -e "$NATD_HOME/run/vmlim.ctl"
done_testing
