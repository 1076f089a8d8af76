#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UDP port-forward flows count in their target VM's share on a NAT network.
# A forward udp rule sends remote peers' datagrams to vmtarget; a remote
# namespace sends one datagram from each of 1400 source ports, each a flow.
# natd makes at most the VM's share of UDP flows (1024, a quarter of 4096)
# and refuses the rest, logging which VM (switch port, name and adapter)
# is at its share; vmother, on the same network, still opens its own UDP
# flows. (Before, forward flows belonged to no VM: all 1400 were made,
# none refused, and they counted in no VM's share.)
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
command -v python3 >/dev/null || fail "python3 missing"
new_remote
# A UDP echo in the remote namespace, for vmother's own flows.
remote_udp_echo 9500 > /dev/null

check "add udpfl" "$N" natnetwork add --netname udpfl --network 192.168.21.0/24 --enable
check "start udpfl" natnet_start udpfl
declare -A NS TAP
natnet_vms udpfl uf vmtarget vmother
for vm in vmtarget vmother; do
	# As any guest does before it talks: it ARPs for its gateway.
	ip netns exec "${NS[$vm]}" ping -c 1 -W 2 192.168.21.1 > /dev/null
done
target=$(lease_var "$T/lease.vmtarget" ip)
[ -n "$target" ] || fail "vmtarget got no address"
# vmtarget reads what the forward brings (no ICMP errors back).
bg ip netns exec "${NS[vmtarget]}" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7))
while True:
    s.recv(2048)'
wait_for 10 listening "${NS[vmtarget]}" udp 0.0.0.0:7 || fail "vmtarget's reader did not start"
check "a forward udp rule to vmtarget" \
	"$N" natnetwork modify --netname udpfl --port-forward-4 "flood:udp:[]:11053:[$target]:7"

# The remote peers: one datagram from each of 1400 fresh sockets, paced
# (1 ms every 10) so that the rule's socket buffer drops none on a busy host.
ip netns exec "$REMOTE_NS" timeout 60 python3 -c '
import socket, time
for i in range(1400):
    d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    d.bind(("198.51.100.1", 0))
    d.sendto(b"x", ("198.51.100.2", 11053))
    d.close()
    if i % 10 == 9:
        time.sleep(0.001)'
refused() { "$N" natnetwork list > "$T/list" && grep -Eq 'Refused: +[1-9][0-9]* flows \(a VM.s share\)' "$T/list"; }
wait_for 20 refused || { cat "$T/list"; fail "forward flows beyond the VM's share are not refused"; }
ok "forward flows beyond vmtarget's share are refused"
log "$(grep -E 'port [0-9]+:|Refused|UDP' "$T/list")"
check "vmtarget holds its share of UDP flows, no more" \
	grep -Eq 'port [0-9]+: 0 1024 0, 0, [1-9][0-9]*$' "$T/list"
check "the service logs the refusal naming the VM, its adapter and the peer" \
	grep -Eq "nic1: the VM on switch port [0-9]+ \(vmtarget nic1\) is at its share of udp flows or connects under way: a new flow from 198\.51\.100\.1:[0-9]+ refused" \
	"$NATD_HOME/run/natnet-udpfl.log"

# vmother's own UDP flows: 20 source ports to the remote echo, each answered.
got=$(ip netns exec "${NS[vmother]}" timeout 30 python3 -c '
import socket
n = 0
for i in range(20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"ping%d" % i, ("198.51.100.1", 9500))
    try:
        if s.recv(2048) == b"ping%d" % i:
            n += 1
    except socket.timeout:
        pass
    s.close()
print(n)')
expect_eq "vmother's 20 UDP flows are answered meanwhile" 20 "$got"
"$N" natnetwork list > "$T/list"
check "  ... and counted as its own" grep -Eq 'port [0-9]+: 0 20 [0-9]+, 0, 0$' "$T/list"
check "stop udpfl" natnet_stop udpfl
done_testing
