#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_bridged_host.sh - the host reaches the VMs bridged to one of its
# interfaces, and they reach it (modes/bridged_host.c, devices/hostinj.c).
#
# The test's namespace is "the host": IF (the test's end of a veth to a
# "LAN" namespace) has 203.0.113.2 and 2001:db8:1::2; the LAN has
# 203.0.113.1 and 2001:db8:1::1 and an HTTP server. Kernel guests on natd's
# taps are bridged to IF with static addresses.
#   - wired: the host pings a guest (IPv4, IPv6) and the guest the host; a
#     file fetched byte-exact over TCP both ways (host -> guest, guest ->
#     host); one UDP broadcast from a guest reaches the other guest once and
#     the host's stack once; no guest ever sees its own frames come back;
#     two guests reach each other; the LAN still reaches them and they it;
#     showvminfo shows the tap, frames to the host, reflections dropped;
#   - wireless (wireless=on): the host and a guest ping each other (IPv4,
#     IPv6) and exchange a file; the LAN still works and never sees the VM's
#     MAC as a source;
#   - hostreach=off: frames to IF's MAC go to the wire as before, no tap;
#   - without CAP_NET_ADMIN (setpriv, only net_raw of the network
#     capabilities left) natd starts, warns that the host cannot reach the
#     VM, and the LAN path works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bridged.sh"

IF="br$ID"
LANIF="bl$ID"
MAC1=08:00:27:0e:00:01
MAC2=08:00:27:0e:00:02
MAC3=08:00:27:0e:00:03
MAC4=08:00:27:0e:00:04

LAN=$(new_netns lan)
bridged_lan_link 6
ip addr add 203.0.113.2/24 dev "$IF"
ip -6 addr add 2001:db8:1::2/64 dev "$IF" nodad
IFMAC=$(mac_of "" "$IF")
bridged_lan_www 2000000 ::
mkdir -p "$T/hostwww" "$T/g1www" "$T/g3www"
head -c 2000000 /dev/urandom > "$T/hostwww/blob"
head -c 2000000 /dev/urandom > "$T/g1www/blob"
head -c 1000000 /dev/urandom > "$T/g3www/blob"
bg python3 -m http.server --bind 203.0.113.2 --directory "$T/hostwww" 8081
wait_for 10 listening - tcp 203.0.113.2:8081 || fail "the host's HTTP server did not start"

# guest NS TAP IPV4-HOST-PART: the guest's interface up with static addresses.
guest() {
	tap_into_ns "$2" "$1"
	ip -n "$1" addr add "203.0.113.$3/24" dev "$2"
	ip -n "$1" -6 addr add "2001:db8:1::$3/64" dev "$2" nodad
}
# capture NAME NS IFACE FILTER: tcpdump of incoming frames (-Q in) in the
# background into $T/NAME.pcap (NS "-": the host's namespace, the test's
# own); count NAME stops it and prints the count.
declare -A CAPS
capture() {
	local f="$T/$1.pcap" in=(ip netns exec "$2")
	[ "$2" = - ] && in=()
	"${in[@]}" timeout 120 tcpdump --immediate-mode -n -e -U -Q in -i "$3" -w "$f" "$4" 2>"$f.err" &
	CAPS[$1]=$!
	_pids+=("$!")
	wait_for 10 grep -q "listening on" "$f.err" || fail "tcpdump ($1) did not start"
}
count() {
	sleep 1
	kill "${CAPS[$1]}" 2>/dev/null || true
	wait "${CAPS[$1]}" 2>/dev/null || true
	tcpdump -n -e -r "$T/$1.pcap" 2>/dev/null > "$T/$1.txt" || true
	wc -l < "$T/$1.txt"
}

# ---- wired: two guests ---------------------------------------------------------
G1=$(new_netns g1)
G2=$(new_netns g2)
natd_start natd1 --name hvm1 --nic1 bridged --bridgeadapter1 "$IF" --macaddress1 "$MAC1" \
	--attach1 "tap:bh1$ID"
PID1=$NATD_PID
check "natd says the host reaches the VM" grep -q "the host reaches the VM through natdh" "$T/natd1.log"
TAP1=$(info hvm1 nics_1_host_tap)
check "showvminfo: host reach on, through tap $TAP1" \
	bash -c "test '$(info hvm1 nics_1_host_reachable)' = true && [[ '$TAP1' == natdh* ]]"
check "  ... the tap exists, with IF's MAC" test "$(mac_of "" "$TAP1")" = "$IFMAC"
check "  ... with the redirect into IF's receive path" \
	sh -c "tc filter show dev '$TAP1' ingress | grep -q 'Ingress Redirect to device $IF'"
guest "$G1" "bh1$ID" 11
capture own1 "$G1" "bh1$ID" "ether src $MAC1"
natd_start natd2 --name hvm2 --nic1 bridged --bridgeadapter1 "$IF" --macaddress1 "$MAC2" \
	--attach1 "tap:bh2$ID"
PID2=$NATD_PID
guest "$G2" "bh2$ID" 12
capture own2 "$G2" "bh2$ID" "ether src $MAC2"

check "the host pings vm1" ping -c 3 -i 0.2 -W 2 203.0.113.11
check "vm1 pings the host's address on IF" ip netns exec "$G1" ping -c 3 -i 0.2 -W 2 203.0.113.2
check "the host has vm1's own MAC for it" sh -c "ip neigh show 203.0.113.11 dev '$IF' | grep -q '$MAC1'"
check "the host pings vm1 over IPv6" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::11
check "vm1 pings the host over IPv6" ip netns exec "$G1" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2
ip netns exec "$G1" curl -sf --max-time 30 -o "$T/g1got" http://203.0.113.2:8081/blob ||
	fail "vm1: download from the host failed"
check "vm1 fetched 2 MB from the host byte-exact" cmp -s "$T/hostwww/blob" "$T/g1got"
bg ip netns exec "$G1" python3 -m http.server --bind 203.0.113.11 --directory "$T/g1www" 8082
wait_for 10 listening "$G1" tcp 203.0.113.11:8082 || fail "vm1's HTTP server did not start"
curl -sf --max-time 30 -o "$T/hostgot" http://203.0.113.11:8082/blob || fail "host: download from vm1 failed"
check "the host fetched 2 MB from vm1 byte-exact" cmp -s "$T/g1www/blob" "$T/hostgot"
check "vm1 and vm2 reach each other" ip netns exec "$G1" ping -c 3 -i 0.2 -W 2 203.0.113.12
check "the host pings vm2" ping -c 3 -i 0.2 -W 2 203.0.113.12
check "the LAN pings vm1" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 203.0.113.11
ip netns exec "$G2" curl -sf --max-time 30 -o "$T/g2got" http://203.0.113.1:8080/blob ||
	fail "vm2: download from the LAN failed"
check "vm2 fetched 2 MB from the LAN byte-exact" cmp -s "$T/www/blob" "$T/g2got"
check "the LAN's frames to vm1 do not enter the host (its ARP entry is vm1's)" \
	sh -c "ip -n '$LAN' neigh show 203.0.113.11 | grep -q '$MAC1'"

# One UDP broadcast from vm1: vm2 and the host's stack get it once each.
capture bc2 "$G2" "bh2$ID" "udp port 9999"
capture bchost - "$IF" "udp port 9999"
ip netns exec "$G1" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b"natd-hostreach-broadcast", ("203.0.113.255", 9999))'
n=$(count bc2)
expect_eq "vm2 got vm1's broadcast exactly once" 1 "$n"
n=$(count bchost)
expect_eq "the host's receive path on IF got it exactly once" 1 "$n"
n=$(count own1)
expect_eq "vm1 never saw one of its own frames come back" 0 "$n"
n=$(count own2)
expect_eq "vm2 never saw one of its own frames come back" 0 "$n"
check "showvminfo: frames to the host counted" test "$(info hvm1 nics_1_host_frames_to_host)" -ge 10
check "showvminfo: reflections dropped counted" test "$(info hvm1 nics_1_host_reflections_dropped)" -ge 1
check "showvminfo: frames from the host counted" test "$(info hvm1 nics_1_host_frames_from_host)" -ge 3
natd_stop "$PID2"
natd_stop "$PID1"
check "the tap went away with natd" sh -c "! ip link show '$TAP1' 2>/dev/null"

# ---- wireless --------------------------------------------------------------------
G3=$(new_netns g3)
G4=$(new_netns g4)
ip neigh flush dev "$IF"
ip netns exec "$LAN" tcpdump -n -e -U -i "$LANIF" -w "$T/lan.pcap" 2>"$T/lan.err" &
LANCAP=$!
_pids+=("$LANCAP")
wait_for 10 grep -q "listening on" "$T/lan.err" || fail "tcpdump in the LAN did not start"
natd_start natd3 --name hvm3 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 wireless=on \
	--macaddress1 "$MAC3" --attach1 "tap:bh3$ID"
PID3=$NATD_PID
guest "$G3" "bh3$ID" 21
natd_start natd4 --name hvm4 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 wireless=on \
	--macaddress1 "$MAC4" --attach1 "tap:bh4$ID"
PID4=$NATD_PID
guest "$G4" "bh4$ID" 22
check "wireless: the host pings vm3" ping -c 3 -i 0.2 -W 2 203.0.113.21
check "wireless: vm3 pings the host" ip netns exec "$G3" ping -c 3 -i 0.2 -W 2 203.0.113.2
check "wireless: the host pings vm3 over IPv6" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::21
check "wireless: vm3 pings the host over IPv6" ip netns exec "$G3" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2
bg ip netns exec "$G3" python3 -m http.server --bind 203.0.113.21 --directory "$T/g3www" 8083
wait_for 10 listening "$G3" tcp 203.0.113.21:8083 || fail "vm3's HTTP server did not start"
curl -sf --max-time 30 -o "$T/hostgot3" http://203.0.113.21:8083/blob || fail "host: download from vm3 failed"
check "wireless: the host fetched 1 MB from vm3 byte-exact" cmp -s "$T/g3www/blob" "$T/hostgot3"
ip netns exec "$G3" curl -sf --max-time 30 -o "$T/g3got" http://203.0.113.2:8081/blob ||
	fail "vm3: download from the host failed"
check "wireless: vm3 fetched 2 MB from the host byte-exact" cmp -s "$T/hostwww/blob" "$T/g3got"
check "wireless: vm3 and vm4 reach each other" ip netns exec "$G3" ping -c 3 -i 0.2 -W 2 203.0.113.22
check "wireless: the host pings vm4" ping -c 3 -i 0.2 -W 2 203.0.113.22
check "wireless: the LAN pings vm3" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 203.0.113.21
ip netns exec "$G3" curl -sf --max-time 30 -o "$T/g3lan" "http://[2001:db8:1::1]:8080/blob" ||
	fail "vm3: download from the LAN failed"
check "wireless: vm3 fetched 2 MB from the LAN over IPv6 byte-exact" cmp -s "$T/www/blob" "$T/g3lan"
natd_stop "$PID4"
natd_stop "$PID3"
kill "$LANCAP" 2>/dev/null || true
wait "$LANCAP" 2>/dev/null || true
tcpdump -n -e -r "$T/lan.pcap" 2>/dev/null > "$T/lan.txt" || true
check "wireless: the LAN saw frames (capture works)" test "$(wc -l < "$T/lan.txt")" -gt 100
check "wireless: the LAN never saw vm3's or vm4's MAC as a source" \
	sh -c "! grep -q -e ' $MAC3 > ' -e ' $MAC4 > ' '$T/lan.txt'"

# ---- natd run --user nobody; IF deleted and made again ------------------------------
G7=$(new_netns g7)
ip neigh flush dev "$IF"
natd_start natd7 --name hvm7 --user nobody --nic1 bridged --bridgeadapter1 "$IF" \
	--macaddress1 "$MAC3" --attach1 "tap:bh7$ID"
PID7=$NATD_PID
guest "$G7" "bh7$ID" 51
check "--user nobody: natd kept CAP_NET_ADMIN for host reach" grep -q "capabilities kept:.*net_admin" "$T/natd7.log"
check "--user nobody: the host pings the VM" ping -c 3 -i 0.2 -W 2 203.0.113.51
TAP7=$(info hvm7 nics_1_host_tap)
make_if() {
	ip link add "$IF" type veth peer name "$LANIF"
	ip link set "$LANIF" netns "$LAN"
	ip -n "$LAN" addr add 203.0.113.1/24 dev "$LANIF"
	ip -n "$LAN" link set "$LANIF" up
	ip addr add 203.0.113.2/24 dev "$IF"
	ip link set "$IF" up
}
ip link del "$IF"
make_if
check "IF made again: the VM's tap redirects into the new IF" \
	wait_for 10 sh -c "tc filter show dev '$TAP7' ingress | grep -q 'Ingress Redirect to device $IF'"
check "  ... and the host pings the VM again (as nobody, in the sandbox)" \
	wait_for 10 ping -c 1 -W 1 203.0.113.51
natd_stop "$PID7"

# ---- hostreach=off ---------------------------------------------------------------
G5=$(new_netns g5)
ip neigh flush dev "$IF"
natd_start natd5 --name hvm5 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 hostreach=off \
	--macaddress1 "$MAC1" --attach1 "tap:bh5$ID"
PID5=$NATD_PID
guest "$G5" "bh5$ID" 31
check "hostreach=off: showvminfo says so" \
	sh -c "test '$(info hvm5 nics_1_host_reachable)' = false && test '$(info hvm5 nics_1_host_why_not)' = 'turned off (hostreach=off)'"
check "hostreach=off: no tap" sh -c "! ip -o link show | grep -q natdh"
check "hostreach=off: the LAN pings vm5" ip netns exec "$LAN" ping -c 2 -i 0.2 -W 2 203.0.113.31
check "hostreach=off: the host does not reach vm5" sh -c "! ping -c 2 -i 0.2 -W 1 203.0.113.31"
natd_stop "$PID5"

# ---- without CAP_NET_ADMIN -------------------------------------------------------
# The guest's tap is made beforehand (owned by root: natd attaches to it
# without the capability).
ip tuntap add "bh6$ID" mode tap user 0
_links+=("bh6$ID")
G6=$(new_netns g6)
NATD_PREFIX="setpriv --inh-caps=-net_admin --bounding-set=-net_admin --" \
	natd_start natd6 --name hvm6 --nic1 bridged --bridgeadapter1 "$IF" --macaddress1 "$MAC2" \
	--attach1 "tap:bh6$ID"
PID6=$NATD_PID
check "no CAP_NET_ADMIN: natd runs and warns once" \
	test "$(grep -c 'the host cannot reach this VM: creating a tap needs CAP_NET_ADMIN' "$T/natd6.log")" = 1
check "  ... showvminfo: host reach off, and why" \
	bash -c "test '$(info hvm6 nics_1_host_reachable)' = false && [[ '$(info hvm6 nics_1_host_why_not)' == *CAP_NET_ADMIN* ]]"
guest "$G6" "bh6$ID" 41
ip -n "$G6" link set "bh6$ID" address "$MAC2"
check "  ... the LAN pings the VM" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 203.0.113.41
ip netns exec "$G6" curl -sf --max-time 30 -o "$T/g6got" http://203.0.113.1:8080/blob ||
	fail "vm6: download from the LAN failed"
check "  ... and the VM fetches from the LAN byte-exact" cmp -s "$T/www/blob" "$T/g6got"
natd_stop "$PID6"
done_testing
