#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# On a NAT network, an address the DHCP server leased is pinned to the
# switch port of the VM that asked for it. vma (a kernel guest, raw socket)
# sends with vmb's leased address as source: a UDP datagram to a remote
# echo, a DNS query to the gateway's proxy, and an ARP reply claiming vmb's
# address. natd drops all three, counts them in `natd natnetwork list` and
# logs which VM sent in which VM's name; the echo and the DNS answer do not
# reach vmb, and vmb's own flows still work (natd's ARP entry for it was
# not taken over). (Before, natd forwarded the spoofed datagram and sent
# vmb the echo and the DNS answer.) vma's own traffic is untouched.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
command -v python3 >/dev/null || fail "python3 missing"
new_remote
remote_udp_echo 9500 > "$T/remote.out"

check "add spoof" "$N" natnetwork add --netname spoof --network 192.168.22.0/24 --enable
check "start spoof" natnet_start spoof
declare -A NS TAP
natnet_vms spoof sp vma vmb
b=$(lease_var "$T/lease.vmb" ip)
[ -n "$b" ] || fail "vmb got no address"
# vmb: whatever reaches its port 5555.
bg ip netns exec "${NS[vmb]}" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5555))
while True:
    d, peer = s.recvfrom(4096)
    print(len(d), peer[0], peer[1], flush=True)' > "$T/vmb.out"
wait_for 10 listening "${NS[vmb]}" udp 0.0.0.0:5555 || fail "vmb's reader did not start"

# echo.py ADDR: one datagram from ADDR:5556 to the remote echo; prints the echo.
cat > "$T/echo.py" <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5556))
s.settimeout(3)
s.sendto(b"own-" + sys.argv[1].encode(), ("198.51.100.1", 9500))
try:
    print(s.recv(2048).decode())
except socket.timeout:
    print("timeout")
EOF2
a=$(lease_var "$T/lease.vma" ip)
expect_eq "vma's own UDP flow works" "own-$a" \
	"$(ip netns exec "${NS[vma]}" timeout 10 python3 "$T/echo.py" "$a")"

# rawudp.py: raw IPv4/UDP datagrams from any source address (vma's raw socket).
cat > "$T/rawudp.py" <<'EOF2'
import socket, struct
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
def udp(src, dst, dport, payload):
    u = struct.pack("!HHHH", 5555, dport, 8 + len(payload), 0) + payload
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(u))
    u = u[:6] + struct.pack("!H", csum(ph + u) or 0xffff) + u[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + u
def send(src, dst, dport, payload):
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(udp(src, dst, dport, payload), (dst, 0))
EOF2

# vma, with vmb's address as source: UDP to the echo and a DNS query to the
# gateway (raw IP, its own MAC), then an ARP reply to the gateway claiming it.
ip netns exec "${NS[vma]}" timeout 10 python3 - "$b" "${TAP[vma]}" "$T" <<'EOF2'
import socket, struct, sys
src, ifc = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from rawudp import send
send(src, "198.51.100.1", 9500, b"spoofed-by-vma")
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
send(src, "192.168.22.1", 53, q)
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind((ifc, 0))
mac = p.getsockname()[4][:6]
gw = b"\x52\x55" + socket.inet_aton("192.168.22.1")
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + socket.inet_aton(src) + gw + socket.inet_aton("192.168.22.1")
p.send(gw + mac + b"\x08\x06" + arp)
EOF2
sleep 2
check "the spoofed datagram does not reach the remote" sh -c "! grep -q spoofed '$T/remote.out'"
check "vmb gets neither the echo nor a DNS answer it never asked for" \
	sh -c "! grep -Eq ' (9500|53)$' '$T/vmb.out'"
"$N" natnetwork list > "$T/list"
log "$(grep -E 'Dropped' "$T/list")"
check "natnetwork list counts the 3 frames dropped" \
	grep -Eq "Dropped: +3 frames with another VM's leased address as source" "$T/list"
check "the service logs which VM sent in which VM's name" \
	grep -Eq "nic1: the VM on switch port [0-9]+ \(vma nic1\) sent from $b, leased to the VM on switch port [0-9]+ \(vmb nic1\): dropped" \
	"$NATD_HOME/run/natnet-spoof.log"
expect_eq "vmb's own UDP flow works (natd still sends to vmb's MAC)" "own-$b" \
	"$(ip netns exec "${NS[vmb]}" timeout 10 python3 "$T/echo.py" "$b")"
expect_eq "  ... and vma's" "own-$a" \
	"$(ip netns exec "${NS[vma]}" timeout 10 python3 "$T/echo.py" "$a")"

# The service restarts and restores both leases from disk; the sidecars
# rejoin without DHCP. vmb's address is pinned at once, to whatever port
# vmb's MAC comes back on: vma's spoofing is dropped before vmb has sent
# anything, then vmb's own traffic takes the pin, and vma is still refused.
# (Before, restored leases were pinned only at the VM's next DHCP exchange.)
check "stop spoof" natnet_stop spoof
check "start spoof again" natnet_start spoof
for vm in vma vmb; do
	wait_for 10 grep -q 'joined NAT network spoof again' "$T/natd-$vm.log" || fail "$vm did not rejoin"
done
check "both leases restored" grep -q 'restored 2 DHCP leases' "$NATD_HOME/run/natnet-spoof.log"
spoof_udp() {
	ip netns exec "${NS[vma]}" timeout 10 python3 -c \
		'import sys; sys.path.insert(0, sys.argv[1]); from rawudp import send; send(sys.argv[2], "198.51.100.1", 9500, sys.argv[3].encode())' \
		"$T" "$b" "$1"
}
spoof_udp spoofed-after-restart
sleep 2
check "after the restart, before vmb sent anything: the spoofed datagram does not reach the remote" \
	sh -c "! grep -q spoofed-after-restart '$T/remote.out'"
check "  ... the service logs it against the restored lease" \
	grep -Eq "nic1: the VM on switch port [0-9]+ \(vma nic1\) sent from $b, leased to a VM not back since its lease was restored: dropped" \
	"$NATD_HOME/run/natnet-spoof.log"
expect_eq "vmb's own UDP flow works after the restart (its MAC takes the pin)" "own-$b" \
	"$(ip netns exec "${NS[vmb]}" timeout 10 python3 "$T/echo.py" "$b")"
spoof_udp spoofed-again
sleep 2
check "  ... and vma's spoofing is still dropped" sh -c "! grep -q spoofed-again '$T/remote.out'"
check "  ... logged against vmb now" \
	grep -Eq "nic1: the VM on switch port [0-9]+ \(vma nic1\) sent from $b, leased to the VM on switch port [0-9]+ \(vmb nic1\): dropped" \
	"$NATD_HOME/run/natnet-spoof.log"
"$N" natnetwork list > "$T/list"
check "natnetwork list counts the 2 frames dropped since the restart" \
	grep -Eq "Dropped: +2 frames with another VM's leased address as source" "$T/list"
check "stop spoof" natnet_stop spoof
done_testing
