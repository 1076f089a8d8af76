#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP port-forward connections count in their target VM's share on a NAT
# network, as UDP forward flows do (t_natnetwork_udp_forward_flows). A
# forward tcp rule sends remote clients to vmtarget; a remote namespace
# opens 4400 connections to it, 1100 at a time. natd makes at most the VM's share
# of TCP flows (4096, a quarter of 16384) and refuses the rest (RST),
# logging which VM is at its share; vmother, on the same network, still
# opens its own connections. (Before, forward connections belonged to no
# VM: all 4400 were made and counted in no VM's share.)
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
HOLD="$NATD_TEST_BIN/tcp_hold"
[ -x "$HOLD" ] || fail "$HOLD missing (build the tests)"
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 9000 ] || { echo "SKIP: descriptor hard limit $hard < 9000"; exit 77; }
new_remote
bg ip netns exec "$REMOTE_NS" "$HOLD" listen 198.51.100.1 9400
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9400 || fail "server did not start"

check "add tcpfl" "$N" natnetwork add --netname tcpfl --network 192.168.22.0/24 --enable
check "start tcpfl" natnet_start tcpfl
declare -A NS TAP
natnet_vms tcpfl tf vmtarget vmother
for vm in vmtarget vmother; do
	# As any guest does before it talks: it ARPs for its gateway.
	ip netns exec "${NS[$vm]}" ping -c 1 -W 2 192.168.22.1 > /dev/null
done
target=$(lease_var "$T/lease.vmtarget" ip)
[ -n "$target" ] || fail "vmtarget got no address"
# vmtarget accepts what the forward brings and holds it open.
bg ip netns exec "${NS[vmtarget]}" "$HOLD" listen 0.0.0.0 7
wait_for 10 listening "${NS[vmtarget]}" tcp 0.0.0.0:7 || fail "vmtarget's server did not start"
check "a forward tcp rule to vmtarget" \
	"$N" natnetwork modify --netname tcpfl --port-forward-4 "many:tcp:[]:11080:[$target]:7"

# The remote clients: 4400 connections, 1100 at once every 2 s, held open.
for b in 1 2 3 4; do
	ip netns exec "$REMOTE_NS" "$HOLD" connect 198.51.100.2 11080 1100 20 > "$T/clients.$b" &
	_pids+=("$!")
	sleep 2
done
check "the remote's connects finish" wait_for 40 test -s "$T/clients.4"
log "remote, 4 x 1100 connects to the forward: $(cat "$T"/clients.[1-4] | tr '\n' ' ')"
refused() { "$N" natnetwork list > "$T/list"; echo "$(date +%s) $(grep -E 'port [0-9]+:' "$T/list")" >> "$T/progress"; grep -Eq 'Refused: +[1-9][0-9]* flows \(a VM.s share\)' "$T/list"; }
wait_for 90 refused || { cat "$T/list"; sort -u "$T/progress" | awk '!seen[$1]++'; fail "forward connections beyond the VM's share are not refused"; }
ok "forward connections beyond vmtarget's share are refused"
full() { "$N" natnetwork list > "$T/list" && grep -Eq 'port [0-9]+: 4096 0 0, 0, [1-9][0-9]*$' "$T/list"; }
wait_for 30 full || true
log "$(grep -E 'port [0-9]+:|Refused|TCP' "$T/list")"
check "vmtarget holds its share of TCP flows, no more" \
	grep -Eq 'port [0-9]+: 4096 0 0, 0, [1-9][0-9]*$' "$T/list"
check "the service logs the refusal naming the VM, its adapter and the client" \
	grep -Eq "nic1: the VM on switch port [0-9]+ \(vmtarget nic1\) is at its share of tcp flows or connects under way: a new flow from 198\.51\.100\.1:[0-9]+ refused" \
	"$NATD_HOME/run/natnet-tcpfl.log"
check "the rule's refusal says why" \
	grep -q "port forward 'many': connection from 198.51.100.1:[0-9]* refused: the guest's VM is at its share of flows" \
	"$NATD_HOME/run/natnet-tcpfl.log"

# vmother's own connections: 20 to the remote, all made meanwhile.
ip netns exec "${NS[vmother]}" "$HOLD" connect 198.51.100.1 9400 20 10 > "$T/ok.out" &
_pids+=("$!")
check "vmother's connections finish" wait_for 15 test -s "$T/ok.out"
expect_eq "all 20 of vmother's connections succeed meanwhile" \
	"connected=20 refused=0 unreachable=0 timedout=0 other=0" "$(cat "$T/ok.out")"
"$N" natnetwork list > "$T/list"
check "  ... and count as its own" grep -Eq 'port [0-9]+: 20 [0-9]+ [0-9]+, 0, 0$' "$T/list"
check "stop tcpfl" natnet_stop tcpfl
done_testing
