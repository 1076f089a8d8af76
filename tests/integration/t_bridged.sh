#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_bridged.sh - bridged networking, wired (--nic<x> bridged --bridgeadapter<x> IF).
#
# A "LAN" namespace is joined to the test's namespace by a veth; the test's
# end is IF. The LAN has dnsmasq (DHCP, 203.0.113.100-150) and an HTTP
# server on 203.0.113.1. Kernel guests on natd's taps are bridged to IF:
#   - a guest gets its lease from the LAN's dnsmasq, fetches a file
#     byte-exact, and is pinged from the LAN; IF is promiscuous while natd
#     runs and not after;
#   - two guests bridged to IF reach each other;
#   - under deny a guest is not shown unicast frames for another MAC, under
#     allow-vms it sees the other VM's but not the LAN's, under allow-all it
#     sees them all (controlvm nicpromisc1, live);
#   - jumbo frames (MTU 9000 on the LAN and IF) pass with 82545EM and are
#     dropped and counted both ways with Am79C973;
#   - the guest's link follows IF (down, up; deleted and made again);
#   - a missing IF, and no CAP_NET_RAW (setpriv), fail at start with the reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bridged.sh"

IF="br$ID"
LANIF="bl$ID"
carrier() { cat "/sys/class/net/$1/carrier" 2>/dev/null || echo 0; }

LAN=$(new_netns lan)
bridged_lan_link
bridged_lan_www 3000000 203.0.113.1
bridged_lan_dhcp

# ---- errors at start --------------------------------------------------------
set +e
out=$("$N" run --name e1 --nic1 bridged --bridgeadapter1 nosuch0 --attach1 "tap:be$ID" 2>&1)
rc=$?
set -e
check "missing interface: exit 1" test "$rc" = 1
check "  ... names it" grep -q "bridgeadapter1 nosuch0: no such network interface" <<< "$out"
check "  ... leaves no tap behind" sh -c "! ip link show be$ID 2>/dev/null"
set +e
out=$(setpriv --inh-caps=-net_raw --bounding-set=-net_raw -- \
	"$N" run --name e2 --nic1 bridged --bridgeadapter1 "$IF" --attach1 "tap:be$ID" 2>&1)
rc=$?
set -e
check "no CAP_NET_RAW: exit 1" test "$rc" = 1
check "  ... says why" grep -q "needs CAP_NET_RAW" <<< "$out"
set +e
out=$("$N" run --name e3 --nic1 bridged --attach1 "tap:be$ID" 2>&1)
rc=$?
set -e
check "no --bridgeadapter1: exit 2" test "$rc" = 2
check "  ... naming it" grep -q "needs --bridgeadapter1" <<< "$out"
set +e
out=$("$N" run --name e4 --nic1 bridged --bridgeadapter1 "$IF" --nicproperty1 wireless=maybe 2>&1)
rc=$?
set -e
check "bad wireless property: exit 2" test "$rc" = 2
check "  ... naming it" grep -q "wireless=on or wireless=off" <<< "$out"
check "  ... IF was not made promiscuous" test "$(promiscuity "$IF")" = 0

# ---- one guest: lease, download, ping from the LAN --------------------------
G1=$(new_netns g1)
G2=$(new_netns g2)
natd_start natd1 --name vm1 --nic1 bridged --bridgeadapter1 "$IF" --nictype1 82545EM \
	--macaddress1 08:00:27:0b:00:01 --attach1 "tap:bt1$ID"
PID1=$NATD_PID
tap_into_ns "bt1$ID" "$G1"
check "IF is promiscuous while a VM is bridged" test "$(promiscuity "$IF")" -ge 1
udhcpc_lease "$G1" "bt1$ID" > "$T/lease1" || fail "vm1: no lease"
IP1=$(sed -n 's/^ip=//p' "$T/lease1")
check "vm1 leased $IP1 from the LAN's dnsmasq" in_lan_range "$IP1"
check "  ... dnsmasq has the lease for vm1's MAC" grep -q "08:00:27:0b:00:01 $IP1" "$T/dnsmasq.leases"
ip netns exec "$G1" curl -sf --max-time 30 -o "$T/got1" http://203.0.113.1:8080/blob ||
	fail "vm1: download failed"
check "vm1 fetched 3 MB from the LAN byte-exact" cmp -s "$T/www/blob" "$T/got1"
check "the LAN pings vm1" ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 "$IP1"
check "showvminfo: interface and mode" sh -c "test '$(info vm1 nics_1_interface)' = '$IF' && test '$(info vm1 nics_1_bridge_mode)' = wired"
# 82545EM has offloads: the download's segments reach vm1 whole (up to
# 64 KiB a frame), so bytes, not frames, show the 3 MB.
check "showvminfo: frames both ways" sh -c "test '$(info vm1 nics_1_counters_frames_to_network)' -gt 20 && test '$(info vm1 nics_1_network_rx_bytes)' -ge 3000000"

# ---- a second guest; the two reach each other -------------------------------
natd_start natd2 --name vm2 --nic1 bridged --bridgeadapter1 "$IF" --nictype1 Am79C973 \
	--macaddress1 08:00:27:0b:00:02 --attach1 "tap:bt2$ID"
PID2=$NATD_PID
tap_into_ns "bt2$ID" "$G2"
udhcpc_lease "$G2" "bt2$ID" > "$T/lease2" || fail "vm2: no lease"
IP2=$(sed -n 's/^ip=//p' "$T/lease2")
check "vm2 leased $IP2" in_lan_range "$IP2"
check "  ... not vm1's" test "$IP2" != "$IP1"
check "vm1 pings vm2 (both bridged to IF)" ip netns exec "$G1" ping -c 3 -i 0.2 -W 2 "$IP2"
check "vm2 pings vm1" ip netns exec "$G2" ping -c 3 -i 0.2 -W 2 "$IP1"
check "vm2 fetches from the LAN too" sh -c "ip netns exec '$G2' curl -sf --max-time 30 http://203.0.113.1:8080/blob | cmp -s - '$T/www/blob'"

# ---- promiscuous policies ---------------------------------------------------
# frames_seen NS IF FILTER ACTION...: unicast frames matching FILTER that a
# capture on the guest's interface sees while ACTION runs.
frames_seen() {
	local ns=$1 ifc=$2 filter=$3 f="$T/cap.$RANDOM.pcap" n
	shift 3
	ip netns exec "$ns" timeout 15 tcpdump --immediate-mode -n -U -i "$ifc" -w "$f" "$filter" 2>"$f.err" &
	local tp=$!
	wait_for 10 grep -q "listening on" "$f.err" || fail "tcpdump did not start"
	"$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null || true
	n=$(tcpdump -n -r "$f" 2>/dev/null | wc -l)
	echo "$n"
}
# The LAN sends to a MAC nobody has; vm2 sends to the LAN's MAC.
ip -n "$LAN" neigh replace 203.0.113.77 lladdr 02:00:00:00:00:77 dev "$LANIF"
lan_to_stranger() { ip netns exec "$LAN" ping -c 5 -i 0.2 -W 1 203.0.113.77; }
vm2_to_lan() { ip netns exec "$G2" ping -c 5 -i 0.2 -W 1 203.0.113.1; }
LANMAC=$(ip -n "$LAN" -o link show "$LANIF" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
n=$(frames_seen "$G1" "bt1$ID" "ether dst 02:00:00:00:00:77" lan_to_stranger)
expect_eq "deny: vm1 is not shown the LAN's frames for another MAC" 0 "$n"
n=$(frames_seen "$G1" "bt1$ID" "ether dst $LANMAC" vm2_to_lan)
expect_eq "deny: nor vm2's frames to the LAN" 0 "$n"
check "deny: those frames are counted as filtered" test "$(info vm1 nics_1_counters_frames_filtered)" -ge 10
"$N" controlvm vm1 nicpromisc1 allow-vms
n=$(frames_seen "$G1" "bt1$ID" "ether dst $LANMAC" vm2_to_lan)
check "allow-vms: vm1 sees vm2's frames to the LAN ($n)" test "$n" -ge 5
n=$(frames_seen "$G1" "bt1$ID" "ether dst 02:00:00:00:00:77" lan_to_stranger)
expect_eq "allow-vms: but not the LAN's frames for another MAC" 0 "$n"
"$N" controlvm vm1 nicpromisc1 allow-all
n=$(frames_seen "$G1" "bt1$ID" "ether dst 02:00:00:00:00:77" lan_to_stranger)
check "allow-all: vm1 sees the LAN's frames for another MAC ($n)" test "$n" -ge 5
"$N" controlvm vm1 nicpromisc1 deny

# ---- jumbo frames -----------------------------------------------------------
ip -n "$LAN" link set "$LANIF" mtu 9000
ip link set "$IF" mtu 9000
ip -n "$G1" link set "bt1$ID" mtu 9000
ip -n "$G2" link set "bt2$ID" mtu 9000
check "jumbo: an 8000-byte ping from the LAN reaches vm1 (82545EM)" \
	ip netns exec "$LAN" ping -c 3 -i 0.2 -W 2 -M do -s 8000 "$IP1"
check "jumbo: and vm1's 8000-byte ping reaches the LAN" \
	ip netns exec "$G1" ping -c 3 -i 0.2 -W 2 -M do -s 8000 203.0.113.1
check "jumbo: an 8000-byte ping from the LAN does not reach vm2 (Am79C973)" \
	sh -c "! ip netns exec '$LAN' ping -c 3 -i 0.2 -W 1 -M do -s 8000 '$IP2'"
check "  ... counted: oversize_to_vm" test "$(info vm2 nics_1_nic_oversize_to_vm)" -ge 3
check "jumbo: vm2's own 8000-byte ping does not leave" \
	sh -c "! ip netns exec '$G2' ping -c 3 -i 0.2 -W 1 -M do -s 8000 203.0.113.1"
check "  ... counted: oversize_from_vm" test "$(info vm2 nics_1_nic_oversize_from_vm)" -ge 3
check "vm2 still passes 1500-byte frames" ip netns exec "$G2" ping -c 2 -i 0.2 -W 2 -M do -s 1472 203.0.113.1

# ---- the link follows IF ----------------------------------------------------
ip link set "$IF" down
check "IF down: vm1's link goes down" wait_for 5 sh -c "test \"\$(ip netns exec '$G1' cat /sys/class/net/bt1$ID/carrier)\" = 0"
check "  ... showvminfo says so" test "$(info vm1 nics_1_interface_state)" = down
ip link set "$IF" up
check "IF up: vm1's link comes back" wait_for 5 sh -c "test \"\$(ip netns exec '$G1' cat /sys/class/net/bt1$ID/carrier)\" = 1"
check "  ... and the LAN reaches vm1 again" wait_for 10 ip netns exec "$LAN" ping -c 1 -W 1 "$IP1"
ip link del "$IF"
check "IF deleted: vm1's link goes down" wait_for 5 sh -c "test \"\$(ip netns exec '$G1' cat /sys/class/net/bt1$ID/carrier)\" = 0"
check "  ... showvminfo: gone" test "$(info vm1 nics_1_interface_state)" = gone
bridged_lan_link
check "IF made again: vm1's link comes back" wait_for 10 sh -c "test \"\$(ip netns exec '$G1' cat /sys/class/net/bt1$ID/carrier)\" = 1"
check "  ... and the LAN reaches vm1 through the new IF" wait_for 10 ip netns exec "$LAN" ping -c 1 -W 1 "$IP1"
check "  ... IF is promiscuous again" test "$(promiscuity "$IF")" -ge 1

natd_stop "$PID2"
natd_stop "$PID1"
check "IF is no longer promiscuous once the VMs are gone" test "$(promiscuity "$IF")" = 0
done_testing
