#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual's last NAT-network knob (6.4): `natd setextradata global
# "NAT/NAME/SourceIp4" IP`, the same as `natnetwork add|modify --source-ip4`,
# binds the network's outgoing host sockets to a host address. The host end
# of the veth to a "remote" namespace has three addresses (198.51.100.2, .3,
# .4); servers there tell a guest of NAT network srcnet its source address
# over TCP and UDP, and tcpdump there sees its pings: .3 as added, .4 after a
# live setextradata, the kernel's .2 after an empty value removed it.
# getextradata reads it (and enumerate), natd.json keeps it; an address the
# host does not have, a bad address, other keys and targets are refused,
# changing nothing. Per VM: --natbindip<x> with an address the host does
# not have fails the start; with one it has, UDP leaves from it too.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
new_remote
RNS=$REMOTE_NS
ip addr add 198.51.100.3/24 dev "vh$ID"
ip addr add 198.51.100.4/24 dev "vh$ID"
# Servers that answer with the client's address, TCP and UDP.
bg ip netns exec "$RNS" socat TCP-LISTEN:9302,bind=198.51.100.1,reuseaddr,fork \
	SYSTEM:'echo \$SOCAT_PEERADDR'
# (the UDP one reads the datagram first: an echo that exited before socat
# wrote it to its input made socat fail with EPIPE, now and then, without
# answering)
bg ip netns exec "$RNS" socat UDP4-RECVFROM:9303,bind=198.51.100.1,fork \
	SYSTEM:'read -r line; echo \$SOCAT_PEERADDR'
wait_for 10 listening "$RNS" tcp 198.51.100.1:9302 || fail "remote TCP server"
wait_for 10 listening "$RNS" udp 198.51.100.1:9303 || fail "remote UDP server"
tcp_src() { ip netns exec "$1" timeout 10 socat -u TCP:198.51.100.1:9302 -; }
udp_src() { echo hi | ip netns exec "$1" timeout 10 socat -t 3 - UDP:198.51.100.1:9303; }
# ping_src NS: the source address the remote sees on a guest's ping.
ping_src() {
	local f="$T/icmp.$RANDOM"
	ip netns exec "$RNS" timeout 10 tcpdump -n -l -c 1 -i "vr$ID" \
		'icmp[icmptype] = icmp-echo' > "$f" 2> "$f.err" &
	local p=$!
	wait_for 5 grep -q "listening on" "$f.err" || fail "tcpdump did not start"
	ip netns exec "$1" ping -c 1 -W 2 198.51.100.1 >/dev/null 2>&1 || true
	wait "$p" 2>/dev/null || true
	sed -n 's/.* IP \([0-9.]*\) > 198\.51\.100\.1: ICMP echo request.*/\1/p' "$f"
}

# Bad input first: nothing is stored.
check "natnetwork add srcnet" "$N" natnetwork add --netname srcnet --network 192.168.30.0/24
cp "$NATD_HOME/natd.json" "$T/before.json"
rc=0; "$N" natnetwork modify --netname srcnet --source-ip4 198.51.100.300 2> "$T/err" || rc=$?
expect_eq "--source-ip4 198.51.100.300: usage error" 2 "$rc"
check "  ... naming it" grep -q "\-\-source-ip4: '198.51.100.300' is not an IPv4 address" "$T/err"
rc=0; "$N" setextradata global NAT/srcnet/SourceIp4 203.0.113.77 2> "$T/err" || rc=$?
expect_eq "setextradata with an address the host does not have: refused" 1 "$rc"
check "  ... saying so" grep -q "203.0.113.77 is not an address of this host" "$T/err"
check "  ... in one line, as setextradata" grep -qx \
	"natd setextradata: NAT/srcnet/SourceIp4: 203.0.113.77 is not an address of this host" "$T/err"
rc=0; "$N" setextradata global NAT/srcnet/SourceIp4 198.51.100.300 2> "$T/err" || rc=$?
expect_eq "setextradata with a malformed address: usage error" 2 "$rc"
check "  ... naming it, as setextradata" grep -q \
	"^natd setextradata: '198.51.100.300' is not an IPv4 address" "$T/err"
rc=0; "$N" setextradata global NAT/srcnet/SourceIp4 127.0.0.1 2> "$T/err" || rc=$?
expect_eq "setextradata with a loopback address: refused" 1 "$rc"
check "  ... saying why, as setextradata" grep -q \
	"^natd setextradata: NAT/srcnet/SourceIp4: source_ip4: 127.0.0.1 cannot be" "$T/err"
rc=0; "$N" setextradata global NAT/srcnet/SourceIp6 198.51.100.3 2> "$T/err" || rc=$?
expect_eq "setextradata of another key: usage error" 2 "$rc"
check "  ... naming the key natd knows" grep -q "unknown key 'NAT/srcnet/SourceIp6': natd knows only NAT/NAME/SourceIp4" "$T/err"
rc=0; "$N" setextradata vm1 NAT/srcnet/SourceIp4 198.51.100.3 2> "$T/err" || rc=$?
expect_eq "setextradata for a VM: usage error" 2 "$rc"
rc=0; "$N" setextradata global NAT/nosuch/SourceIp4 198.51.100.3 2> "$T/err" || rc=$?
expect_eq "setextradata for a network not defined: refused" 1 "$rc"
check "  ... naming it" grep -q "^natd setextradata: no NAT network 'nosuch'" "$T/err"
check "natd.json unchanged by all of that" cmp -s "$NATD_HOME/natd.json" "$T/before.json"
expect_eq "getextradata: no value yet" "No value set!" "$("$N" getextradata global NAT/srcnet/SourceIp4)"

check "natnetwork modify --source-ip4 198.51.100.3" \
	"$N" natnetwork modify --netname srcnet --source-ip4 198.51.100.3
check "  ... in natd.json" grep -q '"source_ip4": "198.51.100.3"' "$NATD_HOME/natd.json"
expect_eq "getextradata reads it" "Value: 198.51.100.3" "$("$N" getextradata global NAT/srcnet/SourceIp4)"
check "natnetwork list shows it" sh -c "'$N' natnetwork list srcnet | grep -qx 'Source IPv4:  198.51.100.3'"
natnet_start srcnet || fail "natnetwork start"

ns=$(new_netns g1)
natd_start natd-g1 --name g1 --nic1 natnetwork --nat-network1 srcnet --attach1 "tap:tg$ID"
tap_into_ns "tg$ID" "$ns"
udhcpc_lease "$ns" "tg$ID" > "$T/lease"
expect_eq "the guest leased" 192.168.30.4 "$(lease_var "$T/lease" ip)"
expect_eq "TCP from the guest leaves from 198.51.100.3" 198.51.100.3 "$(tcp_src "$ns")"
expect_eq "UDP from the guest leaves from 198.51.100.3" 198.51.100.3 "$(udp_src "$ns")"
expect_eq "ping from the guest leaves from 198.51.100.3" 198.51.100.3 "$(ping_src "$ns")"

# Live, the manual's way.
check "setextradata global NAT/srcnet/SourceIp4 198.51.100.4 (running)" \
	"$N" setextradata global NAT/srcnet/SourceIp4 198.51.100.4
expect_eq "  ... TCP now leaves from 198.51.100.4" 198.51.100.4 "$(tcp_src "$ns")"
expect_eq "  ... UDP too" 198.51.100.4 "$(udp_src "$ns")"
expect_eq "  ... and ping" 198.51.100.4 "$(ping_src "$ns")"
expect_eq "getextradata enumerate" "Key: NAT/srcnet/SourceIp4, Value: 198.51.100.4" \
	"$("$N" getextradata global enumerate)"
cp "$NATD_HOME/natd.json" "$T/before.json"
rc=0; "$N" setextradata global NAT/srcnet/SourceIp4 203.0.113.77 2> "$T/err" || rc=$?
expect_eq "a foreign address is refused on the running network too" 1 "$rc"
check "  ... natd.json unchanged" cmp -s "$NATD_HOME/natd.json" "$T/before.json"
expect_eq "  ... and TCP still leaves from 198.51.100.4" 198.51.100.4 "$(tcp_src "$ns")"
check "setextradata with an empty value removes it" \
	"$N" setextradata global NAT/srcnet/SourceIp4 ""
expect_eq "  ... getextradata: no value" "No value set!" "$("$N" getextradata global NAT/srcnet/SourceIp4)"
check "  ... gone from natd.json" sh -c "! grep -q source_ip4 '$NATD_HOME/natd.json'"
expect_eq "  ... TCP leaves from the kernel's choice again" 198.51.100.2 "$(tcp_src "$ns")"
expect_eq "  ... UDP too" 198.51.100.2 "$(udp_src "$ns")"
natd_stop "$NATD_PID"
check "natnetwork stop" natnet_stop srcnet

# Per VM: --natbindip<x>.
rc=0; "$N" run --name g2 --nic1 nat --attach1 "tap:tx$ID" --natbindip1 203.0.113.77 \
	> "$T/natd-g2.log" 2>&1 || rc=$?
expect_eq "natd run --natbindip1 with an address the host does not have fails" 1 "$rc"
check "  ... saying so" grep -q "\-\-natbindip1: 203.0.113.77 is not an address of this host" "$T/natd-g2.log"
ns3=$(new_netns g3)
natd_start natd-g3 --name g3 --nic1 nat --attach1 "tap:ty$ID" --natbindip1 198.51.100.4
tap_into_ns "ty$ID" "$ns3"
guest_up "$ns3" "ty$ID"
expect_eq "--natbindip1 198.51.100.4: TCP leaves from it" 198.51.100.4 "$(tcp_src "$ns3")"
expect_eq "  ... UDP too" 198.51.100.4 "$(udp_src "$ns3")"
natd_stop "$NATD_PID"
done_testing
