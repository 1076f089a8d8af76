#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP offloads on a tap (virtio-net headers, devices/vnet.h) and checksums on
# the wire.
#
# With offloads natd hands the kernel TCP segments of up to 64 KiB whose
# checksums are left partial; they must turn into right frames wherever they
# leave through a device without offloads. Here the guest namespace bridges
# natd's tap to a veth whose offloads are off, so the kernel cuts and
# checksums natd's segments there; a client namespace behind it downloads
# and uploads 8 MiB at MTU 1500, byte-exact, and every TCP segment it
# receives from natd has a right checksum and fits the MTU (tcpdump -vv).
# Its uploads reach natd as plain frames with complete checksums, which natd
# verifies itself.
#
# Offloads come with the NIC model: virtio here (the Intel models have them
# too). Without offloads (the default Am79C973, an AMD PCnet, has none)
# lwIP computes every checksum: all the TCP, UDP and ICMP natd puts on the
# tap must be right.
. "$(dirname "$0")/lib.sh"

for c in curl socat tcpdump ethtool; do
	command -v "$c" >/dev/null || fail "$c missing (scripts/setup.sh --tests)"
done
new_remote
mkdir -p "$T/www"
head -c 8388608 /dev/urandom > "$T/www/big.bin"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
bg ip netns exec "$REMOTE_NS" socat -u TCP-LISTEN:9000,bind=198.51.100.1,reuseaddr,fork \
	CREATE:"$T/up.bin"
bg ip netns exec "$REMOTE_NS" socat UDP-RECVFROM:7,bind=198.51.100.1,fork PIPE
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9000 || fail "upload server did not start"
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:7 || fail "UDP echo did not start"

# capture NS IFACE FILE: tcpdump -vv of IPv4 on IFACE into FILE until
# capture_stop; waits until it listens.
capture() {
	ip netns exec "$1" tcpdump -l -n -vv -i "$2" ip > "$3" 2> "$3.err" &
	CAP_PID=$!
	_pids+=("$CAP_PID")
	wait_for 10 grep -q "listening on" "$3.err" || fail "tcpdump did not start on $2"
}
capture_stop() {
	sleep 0.5 # the last packets
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
}

# ---- offloads on: natd's tap bridged to a veth without offloads ----------
tap="no$ID" gns=$(new_netns guest) cns=$(new_netns client)
natd_start natd --name vmoffload --nic1 nat --nictype1 virtio --attach1 "tap:$tap"
check "natd opened its tap with TCP offloads" grep -q "attached to tap $tap (TCP offloads)" "$T/natd.log"
tap_into_ns "$tap" "$gns"
ip link add "va$ID" netns "$gns" type veth peer name "vb$ID" netns "$cns"
ip -n "$gns" link add br0 type bridge
ip -n "$gns" link set "$tap" master br0
ip -n "$gns" link set "va$ID" master br0
# No offloads leaving the guest namespace: the kernel segments natd's GSO
# frames and completes their checksums in software here.
ip netns exec "$gns" ethtool -K "va$ID" tx off tso off gso off > /dev/null
# ... and none on the client's uploads, which reach natd as ordinary frames
# with complete checksums (no "verified" mark: rx checksumming off too).
ip netns exec "$gns" ethtool -K "va$ID" rx off > /dev/null
ip netns exec "$cns" ethtool -K "vb$ID" tx off tso off gso off > /dev/null
ip -n "$gns" link set "va$ID" up
ip -n "$gns" link set br0 up
ip -n "$cns" link set "vb$ID" up
udhcpc_lease "$cns" "vb$ID" > "$T/lease.client" || fail "no lease behind the bridge"

capture "$cns" "vb$ID" "$T/cap-offload.txt"
ip netns exec "$cns" curl -sS --max-time 60 -o "$T/dl.bin" http://198.51.100.1:8080/big.bin ||
	fail "download behind the bridge"
capture_stop
expect_eq "8 MiB download behind the bridge is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl.bin")"
# tcpdump -vv: an "IP (... length N)" line, then the TCP line with
# "cksum 0x.... (correct)" or "(incorrect -> 0x....)".
awk '/^[0-9:.]+ IP \(/ { match($0, /length [0-9]+\)/); len = substr($0, RSTART + 7, RLENGTH - 8) + 0; next }
     /^    198\.51\.100\.1\.8080 > / { n++; if ($0 ~ /cksum 0x[0-9a-f]+ \(correct\)/) good++;
				     if (len > max) max = len }
     END { printf "%d %d %d\n", n, good, max }' "$T/cap-offload.txt" > "$T/offload.sum"
read -r n good max < "$T/offload.sum"
check "the client received natd's segments ($n)" test "$n" -gt 1000
expect_eq "every segment from natd has a right TCP checksum" "$n" "$good"
check "every segment from natd fits MTU 1500 (largest $max)" test "$max" -le 1500

ip netns exec "$cns" timeout 60 socat -u FILE:"$T/www/big.bin" TCP:198.51.100.1:9000 ||
	fail "upload behind the bridge"
wait_for 20 sh -c "[ \"\$(stat -c %s '$T/up.bin' 2>/dev/null)\" = 8388608 ]" ||
	fail "upload incomplete: $(stat -c %s "$T/up.bin" 2>/dev/null) bytes"
expect_eq "8 MiB upload of complete-checksum frames is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/up.bin")"
natd_stop "$NATD_PID"
rm -f "$T/up.bin"

# ---- offloads off: lwIP's checksums on the tap -----------------------------
tap="np$ID" ns=$(new_netns plain)
natd_start natd-plain --name vmplain --nic1 nat --attach1 "tap:$tap"
check "the default NIC type (Am79C973): a tap without offloads" \
	grep -q "attached to tap $tap\$" "$T/natd-plain.log"
tap_into_ns "$tap" "$ns"
capture "$ns" "$tap" "$T/cap-plain.txt"
guest_up "$ns" "$tap"
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl2.bin" http://198.51.100.1:8080/big.bin ||
	fail "download without offloads"
got=$(echo "plain udp" | ip netns exec "$ns" timeout 10 socat -t 2 - UDP:198.51.100.1:7)
ip netns exec "$ns" ping -c 2 -W 2 198.51.100.1 > /dev/null || fail "ping through natd"
capture_stop
expect_eq "8 MiB download without offloads is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl2.bin")"
expect_eq "UDP echo without offloads" "plain udp" "$got"
# Lines of packets natd sent (from the remote, the gateway or DNS address).
grep -E '^    (198\.51\.100\.1|10\.0\.2\.[234])[ .]' "$T/cap-plain.txt" > "$T/from-natd.txt" || true
check "TCP from natd seen" grep -q 'cksum 0x[0-9a-f]* (correct)' "$T/from-natd.txt"
check "UDP from natd seen" grep -q 'UDP, length' "$T/from-natd.txt"
check "ICMP echo replies from natd seen" grep -q 'ICMP echo reply' "$T/from-natd.txt"
bad=$(grep -cE 'incorrect|wrong|bad cksum' "$T/cap-plain.txt" || true)
expect_eq "no wrong IP, TCP, UDP or ICMP checksum on the tap" 0 "$bad"
natd_stop "$NATD_PID"

# ---- natd at MTU 65520, the guest's link at 1500 -----------------------------
# The guest advertises MSS 1460 to a natd whose own MTU allows 65480: natd
# still sends 64 KiB GSO frames (one tap write each rather than one per
# 1.5 KB), cut to the guest's MSS. Behind a bridge whose veth (MTU 1500)
# has no offloads the kernel cuts them by that size: with a GSO size from
# natd's own MTU the client would get ~64 KiB segments.
tap="nm$ID" mns=$(new_netns mixed) mcns=$(new_netns mixedclient)
natd_start natd-mixed --name vmmixed --nic1 nat --nictype1 virtio --natsettings1 65520 \
	--attach1 "tap:$tap"
tap_into_ns "$tap" "$mns"
ip link add "vm$ID" netns "$mns" type veth peer name "vn$ID" netns "$mcns"
ip -n "$mns" link add br0 type bridge
ip -n "$mns" link set "$tap" master br0
ip -n "$mns" link set "vm$ID" master br0
ip netns exec "$mns" ethtool -K "vm$ID" tx off tso off gso off rx off > /dev/null
ip netns exec "$mcns" ethtool -K "vn$ID" tx off tso off gso off > /dev/null
ip -n "$mns" link set "$tap" mtu 1500
ip -n "$mns" link set "vm$ID" mtu 1500 up
ip -n "$mns" link set br0 up
ip -n "$mcns" link set "vn$ID" up
udhcpc_lease "$mcns" "vn$ID" > "$T/lease.mixed" || fail "no lease behind the bridge (MTU 65520)"
ip -n "$mcns" link set "vn$ID" mtu 1500 # whatever MTU natd's lease offered
capture "$mns" "$tap" "$T/cap-mixed-tap.txt"
CAP_TAP=$CAP_PID
capture "$mcns" "vn$ID" "$T/cap-mixed.txt"
ip netns exec "$mcns" curl -sS --max-time 60 -o "$T/dl3.bin" http://198.51.100.1:8080/big.bin ||
	fail "download at guest MTU 1500 from natd at MTU 65520"
capture_stop
CAP_PID=$CAP_TAP
capture_stop
expect_eq "8 MiB download, natd at MTU 65520, guest link at 1500, byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl3.bin")"
awk '/^[0-9:.]+ IP \(/ { match($0, /length [0-9]+\)/); len = substr($0, RSTART + 7, RLENGTH - 8) + 0; next }
     /^    198\.51\.100\.1\.8080 > / { n++; if ($0 ~ /cksum 0x[0-9a-f]+ \(correct\)/) good++;
				     if (len > max) max = len }
     END { printf "%d %d %d\n", n, good, max }' "$T/cap-mixed.txt" > "$T/mixed.sum"
read -r n good max < "$T/mixed.sum"
check "the client received natd's segments ($n)" test "$n" -gt 1000
expect_eq "every segment has a right TCP checksum" "$n" "$good"
check "every segment fits MTU 1500 (largest $max)" test "$max" -le 1500
# On the tap itself (before the bridge cuts them) natd's GSO frames.
tapmax=$(awk '/^[0-9:.]+ IP \(/ { match($0, /length [0-9]+\)/); len = substr($0, RSTART + 7, RLENGTH - 8) + 0 }
	      /^    198\.51\.100\.1\.8080 > / { if (len > max) max = len } END { print max + 0 }' \
	"$T/cap-mixed-tap.txt")
check "natd sent GSO frames longer than the guest's MTU on the tap (largest $tapmax)" \
	test "$tapmax" -gt 1500
natd_stop "$NATD_PID"
done_testing
