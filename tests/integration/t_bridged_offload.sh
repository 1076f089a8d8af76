#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_bridged_offload.sh - bridged adapters with offloads: TCP segments of up to
# 64 KiB cross whole both ways (the guest's tap with virtio-net headers, the
# packet socket on IF with PACKET_VNET_HDR), and are cut into wire frames for
# a card without offloads.
#
# A "LAN" namespace on a veth (the test's end is IF) serves a 3 MB file over
# HTTP on 203.0.113.1 and 2001:db8:1::1 and takes uploads (socat). Kernel
# guests on natd's taps, one natd each, in turn:
#   - virtio (offloads), wired: 3 MB fetched byte-exact over IPv4 and IPv6,
#     3 MB uploaded byte-exact; showvminfo shows PACKET_VNET_HDR on IF and
#     GSO frames sent whole both ways;
#   - Am79C973 (no offloads, the guest's tap without virtio-net headers): the
#     same transfers; the LAN's GSO frames are cut for it, none cross whole;
#   - virtio, wireless: the same transfers, and the LAN never sees the
#     guest's MAC as a source (the GSO frames' MAC rewritten too);
#   - virtio with NATD_PACKET_VNET=0 (no header on IF's socket): the same
#     transfers through the old path (segments cut by natd);
#   - Am79C973 with MTU 9000 on its interface, the LAN's and IF's: the LAN's
#     9000-byte segments are longer than the card takes (1514): dropped whole
#     and counted, and the download does not complete.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_bridged.sh"

IF="bo$ID"
LANIF="bp$ID"
command -v socat > /dev/null || fail "socat is missing (scripts/setup.sh --tests installs it)"

LAN=$(new_netns lan)
bridged_lan_link 6
bridged_lan_www 3000000 ::

# transfers NAME NS IP4 IP6: fetches the file over IPv4 and IPv6 and uploads
# it to the LAN, each byte-exact.
transfers() {
	local name=$1 ns=$2 port=$((9000 + RANDOM % 500))
	ip netns exec "$ns" curl -sf --max-time 60 -o "$T/got4.$name" http://203.0.113.1:8080/blob ||
		fail "$name: IPv4 download failed"
	check "$name: 3 MB fetched over IPv4 byte-exact" cmp -s "$T/www/blob" "$T/got4.$name"
	ip netns exec "$ns" curl -sf --max-time 60 -o "$T/got6.$name" "http://[2001:db8:1::1]:8080/blob" ||
		fail "$name: IPv6 download failed"
	check "$name: 3 MB fetched over IPv6 byte-exact" cmp -s "$T/www/blob" "$T/got6.$name"
	rm -f "$T/up.$name"
	ip netns exec "$LAN" timeout 60 socat -u "TCP-LISTEN:$port,bind=203.0.113.1,reuseaddr" \
		"OPEN:$T/up.$name,creat,trunc" &
	local sp=$!
	_pids+=("$sp")
	wait_for 10 listening "$LAN" tcp "203.0.113.1:$port" || fail "$name: socat did not listen"
	ip netns exec "$ns" timeout 60 socat -u "OPEN:$T/www/blob" "TCP:203.0.113.1:$port" ||
		fail "$name: upload failed"
	wait "$sp" || true
	check "$name: 3 MB uploaded to the LAN byte-exact" cmp -s "$T/www/blob" "$T/up.$name"
}

# guest NAME NIC TAP IP4 IP6 [natd options...]: a natd bridging a kernel guest
# in a new namespace (printed in $GUEST_NS), with static addresses.
guest() {
	local name=$1 nic=$2 tap=$3 ip4=$4 ip6=$5
	shift 5
	natd_start "$name" --name "$name" --nic1 bridged --bridgeadapter1 "$IF" --nictype1 "$nic" \
		--attach1 "tap:$tap" "$@"
	GUEST_PID=$NATD_PID
	GUEST_NS=$(new_netns "g$name")
	tap_into_ns "$tap" "$GUEST_NS"
	ip -n "$GUEST_NS" addr add "$ip4/24" dev "$tap"
	ip -n "$GUEST_NS" -6 addr add "$ip6/64" dev "$tap" nodad
	wait_for 10 ip netns exec "$GUEST_NS" ping -c 1 -W 1 203.0.113.1 > /dev/null ||
		fail "$name: the guest does not reach the LAN"
}

# ---- virtio, wired: whole segments both ways --------------------------------
guest ov virtio "ot1$ID" 203.0.113.21 2001:db8:1::21
check "virtio: the guest's card has offloads" test "$(info ov nics_1_nic_offloads)" = true
check "  ... and IF's packet socket PACKET_VNET_HDR" test "$(info ov nics_1_offloads_interface_vnet_hdr)" = true
transfers virtio "$GUEST_NS"
n=$(info ov nics_1_offloads_gso_to_network)
check "virtio: the guest's segments went to IF whole ($n GSO frames)" test "$n" -gt 10
n=$(info ov nics_1_offloads_gso_to_vm)
check "virtio: the LAN's reached the guest whole ($n GSO frames)" test "$n" -gt 10
expect_eq "virtio: nothing cut for the guest" 0 "$(info ov nics_1_offloads_gso_cut_for_vm)"
natd_stop "$GUEST_PID"

# ---- Am79C973: no offloads, segments cut ------------------------------------
guest op Am79C973 "ot2$ID" 203.0.113.22 2001:db8:1::22
check "Am79C973: no offloads on the guest's card" test "$(info op nics_1_nic_offloads)" = false
transfers pcnet "$GUEST_NS"
n=$(info op nics_1_offloads_gso_cut_for_vm)
check "Am79C973: the LAN's segments were cut into frames for it ($n)" test "$n" -gt 10
expect_eq "  ... none reached it whole" 0 "$(info op nics_1_offloads_gso_to_vm)"
expect_eq "  ... and it sent none whole" 0 "$(info op nics_1_offloads_gso_to_network)"
expect_eq "  ... no frame over 1514 bytes was dropped" 0 "$(info op nics_1_nic_oversize_to_vm)"
natd_stop "$GUEST_PID"

# ---- virtio, wireless: whole segments, IF's MAC ------------------------------
ip netns exec "$LAN" tcpdump -n -e -U -i "$LANIF" -w "$T/lan.pcap" 2>"$T/lan.err" &
_pids+=("$!")
TDP=$!
wait_for 10 grep -q "listening on" "$T/lan.err" || fail "tcpdump in the LAN did not start"
guest ow virtio "ot3$ID" 203.0.113.23 2001:db8:1::23 --nicproperty1 wireless=on \
	--macaddress1 08:00:27:0d:00:03
transfers wireless "$GUEST_NS"
n=$(info ow nics_1_offloads_gso_to_network)
check "wireless: the guest's segments went to IF whole ($n GSO frames)" test "$n" -gt 10
n=$(info ow nics_1_offloads_gso_to_vm)
check "wireless: the LAN's reached the guest whole ($n GSO frames)" test "$n" -gt 10
natd_stop "$GUEST_PID"
sleep 0.5
kill "$TDP" 2>/dev/null; wait "$TDP" 2>/dev/null || true
tcpdump -n -e -r "$T/lan.pcap" 2>/dev/null > "$T/lan.txt" || true
check "wireless: the LAN saw IF's MAC as a source" grep -q " $(mac_of "" "$IF") > " "$T/lan.txt"
check "  ... and never the guest's" sh -c "! grep -q ' 08:00:27:0d:00:03 > ' '$T/lan.txt'"
check "  ... also on frames longer than the MTU (whole segments)" \
	sh -c "grep ' $(mac_of "" "$IF") > ' '$T/lan.txt' | grep -qE 'length (1[6-9][0-9][0-9]|[2-9][0-9]{3}|[0-9]{5})[:,]'"

# ---- virtio without PACKET_VNET_HDR: the old path ---------------------------
NATD_PACKET_VNET=0 guest on virtio "ot4$ID" 203.0.113.24 2001:db8:1::24
check "NATD_PACKET_VNET=0: IF's socket has no PACKET_VNET_HDR" \
	test "$(info on nics_1_offloads_interface_vnet_hdr)" = false
transfers novnet "$GUEST_NS"
n=$(info on nics_1_network_segments_cut)
check "NATD_PACKET_VNET=0: the LAN's segments were cut by natd ($n)" test "$n" -gt 10
expect_eq "  ... nothing went to IF with a GSO header" 0 "$(info on nics_1_offloads_gso_to_network)"
natd_stop "$GUEST_PID"

# ---- jumbo segments a PCnet card does not take ------------------------------
ip -n "$LAN" link set "$LANIF" mtu 9000
ip link set "$IF" mtu 9000
guest oj Am79C973 "ot5$ID" 203.0.113.25 2001:db8:1::25
ip -n "$GUEST_NS" link set "ot5$ID" mtu 9000
check "Am79C973 at MTU 9000: a download does not complete" \
	sh -c "! ip netns exec '$GUEST_NS' curl -sf --max-time 5 -o /dev/null http://203.0.113.1:8080/blob"
n=$(info oj nics_1_nic_oversize_to_vm)
check "  ... the LAN's 9000-byte segments were dropped and counted ($n)" test "$n" -ge 1
expect_eq "  ... none was cut into frames the card would not take either" 0 \
	"$(info oj nics_1_offloads_gso_cut_for_vm)"
natd_stop "$GUEST_PID"
done_testing
