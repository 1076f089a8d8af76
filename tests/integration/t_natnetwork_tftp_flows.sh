#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TFTP data flows count in their guest's share on a NAT network. A guest's
# request to a remote port 69 gets natd's TFTP helper: datagrams from the
# server's other ports become data flows. A hostile server (a guest's
# accomplice) answers one request from 1100 ports; natd makes data flows for
# at most the VM's share of UDP flows (1024, a quarter of 4096) and refuses
# the rest, so the other VMs of the network keep their UDP flows. (Before,
# data flows belonged to no guest and could take the whole table.)
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
new_remote
# The server: on a request to port 69, one datagram (a DATA block 1) from
# each of 1100 fresh sockets, i.e. 1100 source ports.
bg ip netns exec "$REMOTE_NS" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 69))
while True:
    req, peer = s.recvfrom(2048)
    for i in range(1100):
        d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        d.bind(("198.51.100.1", 0))
        d.sendto(b"\x00\x03\x00\x01x", peer)
        d.close()'
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:69 || fail "server did not start"

check "add tftpfl" "$N" natnetwork add --netname tftpfl --network 192.168.19.0/24 --enable
check "start tftpfl" natnet_start tftpfl
tap="tf$ID"
ns=$(new_netns vmtftp)
natd_start natd-vmtftp --name vmtftp --nic1 natnetwork --nat-network1 tftpfl --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
udhcpc_lease "$ns" "$tap" > "$T/lease"

# The guest's read request, repeated every second as a client would while
# nothing answers it (it reads nothing).
bg ip netns exec "$ns" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(30):
    s.sendto(b"\x00\x01boot.pxe\x00octet\x00", ("198.51.100.1", 69))
    time.sleep(1)'
refused() { "$N" natnetwork list > "$T/list" && grep -Eq 'Refused: +[1-9][0-9]* flows \(a VM.s share\)' "$T/list"; }
wait_for 20 refused || { cat "$T/list"; fail "data flows beyond the VM's share are not refused"; }
ok "data flows beyond the VM's share are refused"
log "$(grep -E 'port [0-9]+:|Refused' "$T/list")"
check "the VM holds its share of UDP flows, no more" grep -Eq 'port [0-9]+: 0 1024 0, 0, [1-9][0-9]*$' "$T/list"
check "the service logs the refusals" \
	grep -q "is at its share of udp flows" \
	"$NATD_HOME/run/natnet-tftpfl.log"
natd_stop "$NATD_PID"
check "stop tftpfl" natnet_stop tftpfl
done_testing
