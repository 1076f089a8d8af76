#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `natd natnetwork` without guests: help texts, validation, natd.json
# (concurrent modify calls all persisted, unknown keys kept, a truncated
# file reported with its path and line and left alone), start refusals and
# failures with their reasons, a QEMU-stream peer connecting straight to the
# switch socket, and `natd run --nic<x> natnetwork` refusals.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
J="$NATD_HOME/natd.json"

# refused DESCRIPTION EXPECTED-TEXT EXPECTED-STATUS ARGS...: the command fails
# with that exit status and says EXPECTED-TEXT on stderr.
refused() { # refused DESCRIPTION TEXT STATUS ARGS...
	local what=$1 text=$2 want=$3
	shift 3
	expect_refused "$what" "$want" "$text" "$N" "$@"
	ok "$what"
}

# Help texts.
for sub in "" add modify start stop remove list; do
	check "natd natnetwork $sub --help" sh -c "'$N' natnetwork $sub --help | grep -q '^Usage: natd natnetwork'"
done
check "natd --help mentions natnetwork" sh -c "'$N' --help | grep -q 'natnetwork add'"
check "natd run --help documents --nat-network<x>" sh -c "'$N' run --help | grep -q -- '--nat-network<x> NAME'"

# Validation (nothing written).
refused "add without --network" "--network CIDR is required" 2 natnetwork add --netname a
refused "add without --netname" "--netname NAME is required" 2 natnetwork add --network 10.1.0.0/24
refused "bad name" "not a valid network name" 2 natnetwork add --netname ../x --network 10.1.0.0/24
refused "IPv6 network" "not an IPv4 network" 2 natnetwork add --netname a --network fd00::/64
refused "/31" "prefix /31 out of range" 2 natnetwork add --netname a --network 10.1.0.0/31
refused "host bits" "did you mean 10.1.0.0/24" 2 natnetwork add --netname a --network 10.1.0.7/24
refused "loopback network" "not a unicast network" 2 natnetwork add --netname a --network 127.1.0.0/16
refused "/30 with DHCP" "no address for DHCP leases" 1 natnetwork add --netname a --network 10.1.0.0/30
refused "rule without guest address" "guest address missing" 2 \
	natnetwork add --netname a --network 10.1.0.0/24 --port-forward-4 "r:tcp:[]:2222:[]:22"
refused "rule in the per-VM syntax" "expected 6 ':'-separated fields" 2 \
	natnetwork add --netname a --network 10.1.0.0/24 --port-forward-4 "r,tcp,,2222,10.1.0.5,22"
refused "rule to the gateway" "one of natd's own" 1 \
	natnetwork add --netname a --network 10.1.0.0/24 --port-forward-4 "r:tcp:[]:2222:[10.1.0.1]:22"
refused "loopback mapping onto the DHCP server" "offset must name a free address" 1 \
	natnetwork add --netname a --network 10.1.0.0/24 --loopback-4 127.0.0.2=3
refused "unknown option" "unknown option '--bogus'" 2 natnetwork add --netname a --network 10.1.0.0/24 --bogus 1
refused "unknown subcommand" "unknown subcommand 'frob'" 2 natnetwork frob
check "nothing was written" test ! -e "$J"

check "/30 without DHCP is fine" "$N" natnetwork add --netname tiny --network 10.1.0.0/30 --dhcp off
check "--opt=value form" "$N" natnetwork add --netname=n1 --network=10.2.0.0/24 --dhcp=on
refused "add of an existing name" "exists" 1 natnetwork add --netname n1 --network 10.3.0.0/24
refused "modify of an unknown network" "no NAT network 'nope'" 1 natnetwork modify --netname nope --dhcp off
refused "modify with nothing to change" "nothing to change" 2 natnetwork modify --netname n1
refused "delete of an unknown rule" "has no IPv4 rule 'nope'" 1 \
	natnetwork modify --netname n1 --port-forward-4 delete nope

# Concurrent modify calls: every one is persisted.
pids=()
for i in $(seq 1 16); do
	"$N" natnetwork modify --netname n1 --port-forward-4 "r$i:tcp:[]:$((20000 + i)):[10.2.0.$((10 + i))]:22" \
		2> "$T/conc.$i.err" &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || { cat "$T"/conc.*.err >&2; fail "a concurrent modify failed"; }; done
expect_eq "16 concurrent modify calls: all 16 rules persisted" 16 "$(grep -c '"r[0-9]*:tcp' "$J")"
expect_eq "list shows the 16 rules" 16 "$("$N" natnetwork list n1 | grep -c ':tcp:\[\]:2')"
refused "a duplicate host port across rules" "already used by rule 'r1'" 1 \
	natnetwork modify --netname n1 --port-forward-4 "dup:tcp:[]:20001:[10.2.0.50]:22"

# Unknown keys survive a rewrite; list filters by pattern.
head -n 1 "$J" | grep -qx '{' || fail "natd.json does not start with a lone '{'"
sed -i '1a\  "other_tool": {"keep": "me"},' "$J"
check "modify after a foreign key was added" "$N" natnetwork modify --netname n1 --dhcp off
check "the foreign key is kept" grep -q '"other_tool"' "$J"
check "list PATTERN" sh -c "'$N' natnetwork list 'ti*' | grep -q 'Name:         tiny' && ! '$N' natnetwork list 'ti*' | grep -q 'Name:         n1'"
check "natd.json is private (mode 0600)" test "$(stat -c %a "$J")" = 600

# A truncated natd.json: reported with its path and line, never replaced.
cp "$J" "$T/good.json"
head -c 200 "$T/good.json" > "$J"
cp "$J" "$T/truncated.json"
refused "list with a truncated natd.json" "$J: line" 1 natnetwork list
refused "add with a truncated natd.json" "$J: line" 1 natnetwork add --netname z --network 10.9.0.0/24
check "  ... the file is left as it was" cmp -s "$T/truncated.json" "$J"
printf '{"natnetworks": [{"name": "x", "network": "10.0.0.0/40"}]}\n' > "$J"
refused "a bad entry is named" "natnetworks[0] (x): network '10.0.0.0/40'" 1 natnetwork list
cp "$T/good.json" "$J"
check "the good file loads again" sh -c "'$N' natnetwork list >/dev/null"

# start refusals and failures.
check "disable n1" "$N" natnetwork modify --netname n1 --disable
refused "start of a disabled network" "is disabled" 1 natnetwork start --netname n1
check "enable n1" "$N" natnetwork modify --netname n1 --enable
bg socat TCP-LISTEN:20003,reuseaddr,fork SYSTEM:true
wait_for 10 listening - tcp "*:20003" || fail "port holder did not start"
refused "start when a rule's host port is taken" "rule 'r3'" 1 natnetwork start --netname n1
check "  ... and nothing is left running" sh -c "'$N' natnetwork list n1 | grep -q 'Running:      No'"
check "  ... no switch socket left" test ! -e "$NATD_HOME/run/natnet-n1.sock"
check "  ... the reason is in the service's log" grep -q "r3" "$NATD_HOME/run/natnet-n1.log"
kill "${_pids[-1]}"
wait_for 10 sh -c "! ss -Hltn 'sport = :20003' | grep -q ." || fail "port holder did not go"
check "start n1" "$N" natnetwork start --netname n1
_pids+=("$(cat "$NATD_HOME/run/natnet-n1.pid")")
refused "start of a running network" "already running" 1 natnetwork start --netname n1
refused "modify --network of a running network" "stop it before changing --network" 1 \
	natnetwork modify --netname n1 --network 10.2.0.0/23

# QEMU (here a minimal -netdev stream peer) connects straight to the switch:
# the gateway .1, the DHCP server .3 and the host loopback .2 answer ARP.
check "a QEMU stream peer on the switch socket resolves .1, .2 and .3" sh -c \
	"'$NATD_TEST_BIN/stream_peer' '$NATD_HOME/run/natnet-n1.sock' 10.2.0.1 10.2.0.2 10.2.0.3 >/dev/null"
check "several peers at once" sh -c "'$NATD_TEST_BIN/stream_peer' '$NATD_HOME/run/natnet-n1.sock' 10.2.0.1 >/dev/null & '$NATD_TEST_BIN/stream_peer' '$NATD_HOME/run/natnet-n1.sock' 10.2.0.1 >/dev/null && wait \$!"

# natd run refusals.
set +e
"$N" run --name v1 --nic1 natnetwork --attach1 "tap:x$ID" > "$T/run1.out" 2>&1; rc1=$?
"$N" run --name v1 --nic1 natnetwork --nat-network1 nope --attach1 "tap:x$ID" > "$T/run2.out" 2>&1; rc2=$?
"$N" run --name v1 --nic1 natnetwork --nat-network1 tiny --natpf1 "a,tcp,,1,,1" > "$T/run3.out" 2>&1; rc3=$?
"$N" run --name v1 --nic1 natnetwork --nat-network1 n1 --attach1 "tap:x$ID" > /dev/null 2>&1 &
set -e
_natd_pids+=("$!")
expect_eq "natd run --nic1 natnetwork without --nat-network1: usage error" 2 "$rc1"
check "  ... naming the option" grep -q "needs --nat-network1" "$T/run1.out"
expect_eq "natd run joining an unknown network: start-up failure" 1 "$rc2"
check "  ... naming it" grep -q "no NAT network 'nope'" "$T/run2.out"
expect_eq "natd run with --natpf1 on a NAT network: usage error" 2 "$rc3"
check "modify --disable of a network a VM could join" "$N" natnetwork modify --netname tiny --disable
set +e
"$N" run --name v2 --nic1 natnetwork --nat-network1 tiny --attach1 "tap:y$ID" > "$T/run4.out" 2>&1; rc4=$?
set -e
expect_eq "natd run joining a disabled network: start-up failure" 1 "$rc4"
check "  ... saying so" grep -q "is disabled" "$T/run4.out"

# A service killed outright leaves a stale pid file: "not running", and start
# works again (stale sockets replaced).
kill -KILL "$(cat "$NATD_HOME/run/natnet-n1.pid")"
wait_for 10 sh -c "'$N' natnetwork list n1 | grep -q 'Running:      No'" || fail "killed service still listed as running"
ok "a killed service is listed as not running"
check "start after a crash" "$N" natnetwork start --netname n1
_pids+=("$(cat "$NATD_HOME/run/natnet-n1.pid")")
check "  ... the switch answers again" sh -c \
	"'$NATD_TEST_BIN/stream_peer' '$NATD_HOME/run/natnet-n1.sock' 10.2.0.1 >/dev/null"
check "stop n1" "$N" natnetwork stop --netname n1
check "  ... its log ends with a clean stop" sh -c "tail -n 1 '$NATD_HOME/run/natnet-n1.log' | grep -q ': stopped\$'"
check "  ... and holds no sanitizer report" sh -c "! grep -Eq 'Sanitizer|runtime error' '$NATD_HOME/run/natnet-n1.log'"
refused "stop of a stopped network" "not running" 1 natnetwork stop --netname n1
check "remove n1" "$N" natnetwork remove --netname n1
check "remove tiny" "$N" natnetwork remove --netname tiny
expect_eq "list is empty" "0 networks found" "$("$N" natnetwork list | tail -n1)"
for pid in "${_natd_pids[@]}"; do natd_stop "$pid"; done
done_testing
