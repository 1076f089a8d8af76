#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A port forward whose guest address cannot be a guest of the adapter (outside
# its network or IPv6 prefix, or one of natd's own addresses) could never
# work: natd run refuses it (exit 2, naming the option and why), and so does
# controlvm natpf<x> at run time, changing nothing; a rule to an address in
# the network is taken and forwards to a real guest.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"

# expect_refusal PATTERN ARGS...: natd run ARGS exits 2 with PATTERN on stderr.
expect_refusal() {
	local pattern=$1
	shift
	expect_refused "natd run $*" 2 "$pattern" "$NATD_BIN" run "$@"
	ok "refused: $(head -n1 "$T/refused.err")"
}
expect_refusal '--natpf1 "a,tcp,,18080,10.0.3.15,80": guest address 10.0.3.15 is outside the adapter'"'"'s network 10.0.2.0/24' \
	--nic1 nat --natpf1 "a,tcp,,18080,10.0.3.15,80"
expect_refusal "guest address 10.0.2.15 is outside the adapter's network 192.168.7.0/24" \
	--nic1 nat --natpf1 "a,tcp,,18080,10.0.2.15,80" --natnet1 192.168.7.0/24
expect_refusal "guest address 10.0.2.3 is one of natd's own" --nic1 nat --natpf1 "dns,udp,,5353,10.0.2.3,53"
expect_refusal "guest address fd17:625c:f037:3::15 is outside the adapter's IPv6 prefix fd17:625c:f037:2::/64" \
	--nic1 nat --natpf1 "a,tcp,,18080,fd17:625c:f037:3::15,80"

tap="ng$ID"
ns=$(new_netns guest)
natd_start natd --name vmpfg --nic1 nat --attach1 "tap:$tap" --natpf1 "web,tcp,127.0.0.1,18081,10.0.2.15,80"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
expect_eq "guest leased 10.0.2.15" 10.0.2.15 "$(lease_var "$T/lease.$tap" ip)"
http_client_echo "$ns" "TCP-LISTEN:80,bind=10.0.2.15"
wait_for 10 listening "$ns" tcp "10.0.2.15:80" || fail "guest HTTP server did not start"
expect_eq "a rule to an address of the network forwards" "client=10.0.2.2" \
	"$(curl -sS --max-time 10 http://127.0.0.1:18081/)"

# controlvm natpf<x> RULE: the same refusal, nothing added.
controlvm_refused() {
	local pattern=$1
	shift
	expect_refused "controlvm natpf1 $1" any "$pattern" "$NATD_BIN" controlvm vmpfg natpf1 "$1"
	ok "controlvm refused: $(head -n1 "$T/refused.err")"
}
controlvm_refused "guest address 10.0.3.15 is outside the adapter's network 10.0.2.0/24" "b,tcp,127.0.0.1,18082,10.0.3.15,80"
controlvm_refused "guest address 10.0.2.255 is the network's broadcast address" "c,tcp,127.0.0.1,18083,10.0.2.255,80"
controlvm_refused "guest address 2001:db8::15 is outside the adapter's IPv6 prefix" "d,tcp,127.0.0.1,18084,2001:db8::15,80"
"$NATD_BIN" showvminfo vmpfg --machinereadable > "$T/info"
expect_eq "no refused rule was added (one rule, web)" 'nics_1_rules_1_name="web"' \
	"$(grep '^nics_1_rules_[0-9]*_name=' "$T/info")"
check "  ... and its host port is not bound" sh -c "! ss -Hltn 'sport = :18082' | grep -q ."
check "a rule to another address of the network is added" "$NATD_BIN" controlvm vmpfg natpf1 "e,tcp,127.0.0.1,18085,10.0.2.15,80"
expect_eq "  ... and forwards" "client=10.0.2.2" "$(curl -sS --max-time 10 http://127.0.0.1:18085/)"
natd_stop "$NATD_PID"
done_testing
