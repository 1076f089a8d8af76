#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_bridged_wireless.sh - bridged networking in wireless mode
# (--nicproperty<x> wireless=on): the VM's frames leave with IF's MAC.
#
# The LAN namespace (veth, the test's end is IF) has dnsmasq (DHCP) and an
# HTTP server on 203.0.113.1 and 2001:db8:1::1. A capture in the LAN runs
# throughout:
#   - a kernel guest gets a lease, fetches a file byte-exact over IPv4 and
#     IPv6, is pinged from the LAN over both; the LAN never sees the VM's
#     MAC as a source, only IF's (and its own); showvminfo lists the learnt
#     addresses; IF is not made promiscuous;
#   - a frame of another EtherType from the guest is dropped and counted,
#     and never reaches the LAN;
#   - a second wireless guest reaches the first (both behind IF's MAC);
#   - the second guest forging the first one's MAC has its frames dropped
#     (counted) and is not shown the first one's traffic, which the first
#     still gets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bridged.sh"

IF="br$ID"
LANIF="bl$ID"
MAC1=08:00:27:0c:00:01
MAC2=08:00:27:0c:00:02

LAN=$(new_netns lan)
bridged_lan_link 6
IFMAC=$(mac_of "" "$IF")
LANMAC=$(mac_of "$LAN" "$LANIF")
bridged_lan_www 2000000 ::
bridged_lan_dhcp
ip netns exec "$LAN" tcpdump -n -e -U -i "$LANIF" -w "$T/lan.pcap" 2>"$T/lan.err" &
_pids+=("$!")
wait_for 10 grep -q "listening on" "$T/lan.err" || fail "tcpdump in the LAN did not start"

G1=$(new_netns g1)
G2=$(new_netns g2)
natd_start natd1 --name wvm1 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 wireless=on \
	--nictype1 virtio --macaddress1 "$MAC1" --attach1 "tap:wt1$ID"
PID1=$NATD_PID
tap_into_ns "wt1$ID" "$G1"
check "wireless: IF is not made promiscuous" test "$(promiscuity "$IF")" = 0
check "showvminfo: wireless" test "$(info wvm1 nics_1_bridge_mode)" = wireless
udhcpc_lease "$G1" "wt1$ID" > "$T/lease1" || fail "wvm1: no lease"
IP1=$(sed -n 's/^ip=//p' "$T/lease1")
check "wvm1 leased $IP1 from the LAN's dnsmasq (replies broadcast to it)" in_lan_range "$IP1"
check "  ... for its own MAC (the DHCP client hardware address is kept)" grep -q "$MAC1 $IP1" "$T/dnsmasq.leases"
ip netns exec "$G1" curl -sf --max-time 30 -o "$T/got4" "http://203.0.113.1:8080/blob" || fail "IPv4 download failed"
check "wvm1 fetched 2 MB over IPv4 byte-exact" cmp -s "$T/www/blob" "$T/got4"
check "the LAN pings wvm1" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 "$IP1"
ip -n "$G1" -6 addr add 2001:db8:1::11/64 dev "wt1$ID" nodad
check "wvm1 pings the LAN over IPv6" ip netns exec "$G1" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1
check "the LAN pings wvm1 over IPv6" ip netns exec "$LAN" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::11
ip netns exec "$G1" curl -sf --max-time 30 -o "$T/got6" "http://[2001:db8:1::1]:8080/blob" || fail "IPv6 download failed"
check "wvm1 fetched 2 MB over IPv6 byte-exact" cmp -s "$T/www/blob" "$T/got6"
check "the LAN's neighbour entry for wvm1 is IF's MAC" \
	sh -c "ip -n '$LAN' -6 neigh show 2001:db8:1::11 | grep -q '$IFMAC'"
check "the LAN's ARP entry for wvm1 is IF's MAC" \
	sh -c "ip -n '$LAN' neigh show '$IP1' | grep -q '$IFMAC'"
learnt=$("$N" showvminfo wvm1 --machinereadable | grep '^nics_1_wireless_learnt')
check "showvminfo: learnt IPv4 $IP1" grep -q "\"$IP1\"" <<< "$learnt"
check "showvminfo: learnt IPv6 2001:db8:1::11" grep -q '"2001:db8:1::11"' <<< "$learnt"

# ---- other EtherTypes -------------------------------------------------------
ip netns exec "$G1" python3 - "wt1$ID" "$MAC1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
src = bytes.fromhex(sys.argv[2].replace(':', ''))
for _ in range(3):
    s.send(b'\xff' * 6 + src + b'\x88\xb5' + b'natd-test' + bytes(40))
PY
check "a frame of EtherType 0x88b5 from the VM is dropped and counted" \
	wait_for 5 sh -c "test \"\$('$N' showvminfo wvm1 --machinereadable | sed -n 's/^nics_1_wireless_dropped_ethertype=//p')\" -ge 3"

# ---- a second wireless guest ------------------------------------------------
natd_start natd2 --name wvm2 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 wireless=on \
	--macaddress1 "$MAC2" --attach1 "tap:wt2$ID"
PID2=$NATD_PID
tap_into_ns "wt2$ID" "$G2"
udhcpc_lease "$G2" "wt2$ID" > "$T/lease2" || fail "wvm2: no lease"
IP2=$(sed -n 's/^ip=//p' "$T/lease2")
check "wvm2 leased $IP2" in_lan_range "$IP2"
check "wvm1 pings wvm2 (both behind IF's MAC)" ip netns exec "$G1" ping -c 3 -i 0.2 -W 2 "$IP2"
check "wvm2 pings wvm1" ip netns exec "$G2" ping -c 3 -i 0.2 -W 2 "$IP1"

# ---- a forged source MAC does not steal wvm1's traffic ----------------------
frames_seen() {
	local ns=$1 ifc=$2 filter=$3 f="$T/cap.$RANDOM.pcap"
	shift 3
	ip netns exec "$ns" timeout 15 tcpdump --immediate-mode -n -U -i "$ifc" -w "$f" "$filter" 2>"$f.err" &
	local tp=$!
	wait_for 10 grep -q "listening on" "$f.err" || fail "tcpdump did not start"
	"$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null || true
	tcpdump -n -r "$f" 2>/dev/null | wc -l
}
forged0=$(info wvm2 nics_1_wireless_dropped_forged)
ip -n "$G2" link set "wt2$ID" address "$MAC1"
ip -n "$G2" neigh flush all
ip netns exec "$G2" ping -c 3 -i 0.2 -W 1 203.0.113.1 >/dev/null 2>&1 || true
check "wvm2's frames with wvm1's MAC are dropped and counted" \
	test "$(info wvm2 nics_1_wireless_dropped_forged)" -gt "$forged0"
n=$(frames_seen "$G2" "wt2$ID" "icmp and dst host $IP1" ip netns exec "$LAN" ping -c 5 -i 0.2 -W 1 "$IP1")
expect_eq "wvm2 is not shown the LAN's pings to wvm1" 0 "$n"
check "wvm1 still answers the LAN" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 "$IP1"
check "  ... and is the only one learnt with its address" \
	sh -c "! '$N' showvminfo wvm2 --machinereadable | grep '^nics_1_wireless_learnt' | grep -q '\"$IP1\"'"
ip -n "$G2" link set "wt2$ID" address "$MAC2"

# ---- what the LAN saw -------------------------------------------------------
sleep 0.5
kill "${_pids[-1]}" 2>/dev/null || true
sleep 0.5
tcpdump -n -e -r "$T/lan.pcap" 2>/dev/null > "$T/lan.txt" || true
srcs=$(awk '{print $2}' "$T/lan.txt" | sort -u | tr '\n' ' ')
log "source MACs seen in the LAN: $srcs"
# With offloads (virtio) the downloads' TCP segments cross whole, up to
# 64 KiB a frame: a few hundred frames, not thousands.
check "the LAN saw frames (capture works)" test "$(wc -l < "$T/lan.txt")" -gt 100
check "the LAN saw IF's MAC as a source" grep -q " $IFMAC > " "$T/lan.txt"
check "the LAN never saw wvm1's MAC as a source" sh -c "! grep -q ' $MAC1 > ' '$T/lan.txt'"
check "the LAN never saw wvm2's MAC as a source" sh -c "! grep -q ' $MAC2 > ' '$T/lan.txt'"
check "only IF's and the LAN's own MACs as sources" \
	sh -c "test -z \"\$(awk '{print \$2}' '$T/lan.txt' | sort -u | grep -v -e '^$IFMAC\$' -e '^$LANMAC\$')\""
check "no 0x88b5 frame reached the LAN" sh -c "! grep -q 'ethertype Unknown (0x88b5)' '$T/lan.txt'"

natd_stop "$PID2"
natd_stop "$PID1"
done_testing
