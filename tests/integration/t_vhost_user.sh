#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The vhost-user transport (--attach1 vhost-user:PATH): natd serves the
# vhost-user protocol, reads the guest's frames from its transmit queue and
# writes frames into its receive buffers in the shared memory. The frontend
# is tests/integration/vhost_user_peer (what QEMU and the guest's virtio-net
# driver do, joined to a tap; Debian 12's QEMU cannot run vhost-user net
# without KVM), the guest is the kernel in a namespace on that tap: a DHCP
# lease, ping, 8 MiB byte-exact both ways (also into receive buffers smaller
# than a frame: mergeable buffers), a port forward to the guest, natd
# restarting and the frontend reconnecting, the frontend going away and a
# new one attaching, and broken queues (a buffer outside the shared memory,
# a looping chain, an available index far ahead) logged while natd stays up;
# then an internal network joining a tap VM and a vhost-user VM.
. "$(dirname "$0")/lib.sh"

peer="$NATD_TEST_BIN/vhost_user_peer"
[ -x "$peer" ] || fail "test helper $peer missing"
command -v socat >/dev/null || fail "socat missing"
sock="$T/vu.sock"
ns=$(new_netns guest)
new_remote

# start_peer TAP [bad-*]: a frontend on a new tap, moved into the guest.
start_peer() {
	local tap=$1
	shift
	"$peer" "$sock" "$tap" "$@" > "$T/peer.$tap.out" 2> "$T/peer.$tap.log" &
	PEER_PID=$!
	_pids+=("$PEER_PID")
	tap_into_ns "$tap" "$ns"
}
stop_peer() {
	kill "$PEER_PID" 2>/dev/null || true
	wait "$PEER_PID" 2>/dev/null || true
}

natd_start natd --name vmvu --nic1 nat --attach1 "vhost-user:$sock" \
	--natpf1 "web,tcp,127.0.0.1,8089,,8080"
check "QEMU arguments printed" grep -q -- "-chardev socket,id=vu1,path=$sock,reconnect=1 -netdev vhost-user,id=nic1,chardev=vu1 -device virtio-net-pci,netdev=nic1" "$T/natd.log"
check "socket is owner-only" test "$(stat -c %a "$sock")" = 600

check "the adapter is a virtio-net card" grep -q "nic1: virtio (" "$T/natd.log"
set +e
out=$("$NATD_BIN" run --name vmvx --nic1 nat --nictype1 82540EM --attach1 "vhost-user:$T/vx.sock" 2>&1)
rc=$?
set -e
expect_eq "--nictype1 82540EM with vhost-user: exit 2" 2 "$rc"
check "  ... and the reason" grep -q "an adapter attached through vhost-user is a virtio-net card" <<< "$out"

start_peer "va$ID"
guest_up "$ns" "va$ID"
check "the guest got 10.0.2.15" grep -qx "ip=10.0.2.15" "$T/lease.va$ID"
check "ping to the gateway" ip netns exec "$ns" ping -c 2 -W 2 10.0.2.2

# 8 MiB both ways, byte-exact (frames through both queues, many rounds of
# the rings).
mkdir -p "$T/www"
head -c 8388608 /dev/urandom > "$T/www/big.bin"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl.bin" http://198.51.100.1:8080/big.bin ||
	fail "download through natd"
expect_eq "8 MiB download is byte-exact" "$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl.bin")"
bg ip netns exec "$REMOTE_NS" socat -u TCP-LISTEN:9000,bind=198.51.100.1,reuseaddr CREATE:"$T/up.bin"
up_pid=${_pids[-1]}
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9000 || fail "upload server did not start"
ip netns exec "$ns" timeout 60 socat -u FILE:"$T/www/big.bin" TCP:198.51.100.1:9000 ||
	fail "upload through natd"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
expect_eq "8 MiB upload is byte-exact" "$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/up.bin")"

# A port forward reaches a server in the guest.
bg ip netns exec "$ns" socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo VU-FWD-OK'
wait_for 10 listening "$ns" tcp "*:8080" || wait_for 5 listening "$ns" tcp "0.0.0.0:8080" ||
	fail "guest server did not start"
got=$(timeout 10 socat -u TCP:127.0.0.1:8089 - || true)
expect_eq "port forward 127.0.0.1:8089 -> guest:8080" "VU-FWD-OK" "$got"

# natd restarts: the frontend reconnects and sets the rings up anew.
natd_stop "$NATD_PID"
natd_start natd2 --name vmvu --nic1 nat --attach1 "vhost-user:$sock"
wait_for 10 grep -q "VM attached" "$T/natd2.log" || fail "the frontend did not come back"
check "ping after natd restarted" ip netns exec "$ns" ping -c 2 -W 2 10.0.2.2
check "the frontend logged the reconnect" grep -q "reconnecting" "$T/peer.va$ID.log"

# The frontend goes away (QEMU stopped) and a new one attaches.
stop_peer
wait_for 10 grep -q "VM disconnected" "$T/natd2.log" || fail "natd did not notice the frontend leaving"
start_peer "vb$ID"
guest_up "$ns" "vb$ID"
check "a new frontend gets a lease" grep -qx "ip=10.0.2.15" "$T/lease.vb$ID"
check "and reaches the gateway" ip netns exec "$ns" ping -c 2 -W 2 10.0.2.2

# The frontend goes away in the middle of a download: natd resets the
# rings, unmaps the shared memory, and serves the next frontend.
ip netns exec "$ns" curl -sS --max-time 20 --limit-rate 1M -o "$T/cut.bin" \
	http://198.51.100.1:8080/big.bin 2>/dev/null &
curl_pid=$!
_pids+=("$curl_pid")
got_some() { [ "$(stat -c %s "$T/cut.bin" 2>/dev/null || echo 0)" -gt 100000 ]; }
wait_for 10 got_some || fail "the download did not start"
check "the guest's memory is mapped in natd" grep -q "memfd:guest" "/proc/$NATD_PID/maps"
n_disc=$(grep -c "VM disconnected" "$T/natd2.log")
stop_peer
gone() { [ "$(grep -c "VM disconnected" "$T/natd2.log")" -gt "$n_disc" ]; }
wait_for 10 gone || fail "natd did not notice the frontend leaving mid-transfer"
check "the guest's memory is unmapped once it left" sh -c "! grep -q memfd:guest /proc/$NATD_PID/maps"
kill "$curl_pid" 2>/dev/null || true
wait "$curl_pid" 2>/dev/null || true
start_peer "vd$ID"
guest_up "$ns" "vd$ID"
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl5.bin" http://198.51.100.1:8080/big.bin ||
	fail "download after the frontend left mid-transfer"
expect_eq "a new frontend after one left mid-transfer: 8 MiB byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl5.bin")"

# Mergeable receive buffers: with 1024-byte buffers every full-sized frame
# spans two of them (num_buffers 2).
stop_peer
VU_PEER_RXBUF=1024 start_peer "vm$ID"
guest_up "$ns" "vm$ID"
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl2.bin" http://198.51.100.1:8080/big.bin ||
	fail "download into 1024-byte buffers"
expect_eq "8 MiB download into merged buffers is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl2.bin")"
kill -USR1 "$PEER_PID"
wait_for 5 grep -q "^merged" "$T/peer.vm$ID.out" || fail "the frontend did not report"
check "frames came in several buffers" grep -q "^merged [1-9]" "$T/peer.vm$ID.out"
# This frontend negotiated no offloads while natd's stack makes 64 KiB
# segments: natd completed the checksums and cut them to the MTU itself.
check "natd does the offloads for a guest without them" \
	grep -q "features 0x100008000 (natd completes checksums" "$T/natd2.log"
read -r _ txmax _ _ _ rxmax _ _ < <(grep "^tx_max" "$T/peer.vm$ID.out")
check "no frame to that guest longer than the MTU ($rxmax bytes)" test "$rxmax" -le 1514 -a "$rxmax" -gt 1000

# Offloads both ways: a frontend that negotiates CSUM, GUEST_CSUM and
# HOST/GUEST_TSO4/6, its tap opened with virtio-net headers and the same
# offloads (as vhost-net does for QEMU). The kernel's TSO frames of up to
# 64 KiB with partial checksums reach natd whole, natd's GSO frames reach the
# kernel whole, and UDP with a partial checksum is completed by natd. This
# frontend also negotiates protocol features, as QEMU does: its rings start
# disabled and carry frames once SET_VRING_ENABLE enables them.
stop_peer
VU_PEER_OFFLOAD=1 VU_PEER_PROTOCOL=1 start_peer "vo$ID"
guest_up "$ns" "vo$ID"
check "natd and the frontend agreed on offloads and protocol features" \
	grep -q "features 0x140009983 (checksum and TSO offloads both ways)" "$T/natd2.log"
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl3.bin" http://198.51.100.1:8080/big.bin ||
	fail "download with offloads"
expect_eq "offloads: 8 MiB download is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl3.bin")"
bg ip netns exec "$REMOTE_NS" socat -u TCP-LISTEN:9001,bind=198.51.100.1,reuseaddr CREATE:"$T/up3.bin"
up_pid=${_pids[-1]}
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9001 || fail "upload server did not start"
ip netns exec "$ns" timeout 60 socat -u FILE:"$T/www/big.bin" TCP:198.51.100.1:9001 ||
	fail "upload with offloads"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
expect_eq "offloads: 8 MiB upload is byte-exact" "$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/up3.bin")"
bg ip netns exec "$REMOTE_NS" socat UDP-RECVFROM:9002,bind=198.51.100.1,fork SYSTEM:cat
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:9002 || fail "UDP echo did not start"
head -c 1200 /dev/urandom | base64 -w0 > "$T/udp.txt"
got=$(ip netns exec "$ns" timeout 5 socat -T 3 - UDP:198.51.100.1:9002 < "$T/udp.txt" || true)
expect_eq "offloads: a UDP datagram with a partial checksum echoed byte-exact" "$(cat "$T/udp.txt")" "$got"
kill -USR1 "$PEER_PID"
wait_for 5 grep -q "^tx_max" "$T/peer.vo$ID.out" || fail "the frontend did not report"
read -r _ txmax _ txgso _ rxmax _ rxgso < <(grep "^tx_max" "$T/peer.vo$ID.out")
log "offloads: longest frame guest->natd $txmax bytes ($txgso TSO frames), natd->guest $rxmax ($rxgso GSO frames)"
check "the guest's TSO frames reached natd whole (over 60000 bytes)" test "$txmax" -gt 60000 -a "$txgso" -gt 0
check "natd's GSO frames reached the guest whole (over 60000 bytes)" test "$rxmax" -gt 60000 -a "$rxgso" -gt 0

# A bandwidth group on the running VM: the transmit queue is not read while
# the group is in debt (the kick unwatched) and read again when it ends.
check "bandwidthctl vmvu add Limit --limit 20m" "$NATD_BIN" bandwidthctl vmvu add Limit --type network --limit 20m
check "controlvm vmvu nicbandwidthgroup1 Limit" "$NATD_BIN" controlvm vmvu nicbandwidthgroup1 Limit
bg ip netns exec "$REMOTE_NS" iperf3 -s -B 198.51.100.1 -p 5201
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:5201 || fail "iperf3 did not start"
ip netns exec "$ns" timeout 20 iperf3 -c 198.51.100.1 -p 5201 -t 4 -J > "$T/iperf.json" 2>&1 ||
	{ cat "$T/iperf.json" >&2; fail "iperf3 over vhost-user"; }
up=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(int(j["end"]["sum_received"]["bits_per_second"]/1e6))' "$T/iperf.json")
log "guest -> remote in the group: $up Mbit/s"
check "vhost-user guest -> remote is shaped to 20 Mbit/s (+-10%: $up)" test "$up" -ge 18 -a "$up" -le 22
check "controlvm vmvu nicbandwidthgroup1 none" "$NATD_BIN" controlvm vmvu nicbandwidthgroup1 none
ip netns exec "$ns" timeout 20 curl -sS --max-time 15 -o "$T/dl4.bin" http://198.51.100.1:8080/big.bin ||
	fail "download after the group was lifted"
expect_eq "after the group: 8 MiB download is byte-exact" \
	"$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl4.bin")"

# The cable (setlinkstate): QEMU shows the guest its link down while its
# vhost-user connection is closed, so natd closes it and turns the frontend
# away until the cable is back; then the frontend's reconnect is served.
info() { local o; o=$("$NATD_BIN" showvminfo vmvu --machinereadable) && grep -qx "$1" <<< "$o"; }
check "controlvm vmvu setlinkstate1 off" "$NATD_BIN" controlvm vmvu setlinkstate1 off
wait_for 10 grep -q "VM disconnected (link set off)" "$T/natd2.log" || fail "the connection stayed"
wait_for 10 grep -q "link is off: QEMU's connection closed" "$T/natd2.log" ||
	fail "the frontend's reconnect was not turned away"
check "showvminfo: guest_link down" info 'nics_1_guest_link="down"'
check "no ping while the cable is out" sh -c "! ip netns exec '$ns' ping -c 1 -W 1 10.0.2.2"
n_att=$(grep -c "VM attached" "$T/natd2.log")
check "controlvm vmvu setlinkstate1 on" "$NATD_BIN" controlvm vmvu setlinkstate1 on
attached_again() { [ "$(grep -c "VM attached" "$T/natd2.log")" -gt "$n_att" ]; }
wait_for 10 attached_again || fail "the frontend did not come back with the cable"
check "showvminfo: guest_link up" info 'nics_1_guest_link="up"'
check "ping with the cable back" wait_for 10 ip netns exec "$ns" ping -c 1 -W 1 10.0.2.2

# Broken queues: logged, natd stays up, the next frontend works.
n=0
for bad in bad-desc bad-loop bad-index; do
	stop_peer
	n=$((n + 1))
	start_peer "vx$n$ID" "$bad"
	wait_for 10 grep -q "bad sent" "$T/peer.vx$n$ID.out" || fail "$bad: not sent"
	broken() { [ "$(grep -c "transmit queue broken" "$T/natd2.log")" -ge "$n" ]; }
	wait_for 10 broken || fail "$bad: natd logged nothing"
	check "$bad: natd still runs" kill -0 "$NATD_PID"
done
check "a buffer outside the shared memory was named" grep -q "descriptor outside guest memory" "$T/natd2.log"
check "a looping chain was named" grep -q "descriptor chain loops" "$T/natd2.log"
check "a runaway index was named" grep -q "available index too far ahead" "$T/natd2.log"
check "showvminfo answers" "$NATD_BIN" showvminfo vmvu
stop_peer
start_peer "vc$ID"
guest_up "$ns" "vc$ID"
check "a good frontend after the broken ones gets a lease" grep -q "^ip=10\.0\.2\.1[0-9]$" "$T/lease.vc$ID"
check "  ... and reaches the gateway" ip netns exec "$ns" ping -c 2 -W 2 10.0.2.2
natd_stop "$NATD_PID"
stop_peer

# Another mode over the same transport: an internal network between a VM on
# a tap and a VM on vhost-user.
natd_start natd3 --name vmia --nic1 intnet --intnet1 "vu$ID" --attach1 "tap:ti$ID"
ia_pid=$NATD_PID
natd_start natd4 --name vmib --nic1 intnet --intnet1 "vu$ID" --attach1 "vhost-user:$sock"
ns2=$(new_netns guest2)
tap_into_ns "ti$ID" "$ns2"
start_peer "vi$ID"
ip -n "$ns2" addr add 192.168.77.1/24 dev "ti$ID"
ip -n "$ns" addr flush dev "vi$ID"
ip -n "$ns" addr add 192.168.77.2/24 dev "vi$ID"
check "internal network: the tap VM reaches the vhost-user VM" \
	ip netns exec "$ns2" ping -c 2 -W 2 192.168.77.2
natd_stop "$NATD_PID"
natd_stop "$ia_pid"
done_testing
