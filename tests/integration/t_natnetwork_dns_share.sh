#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# On a NAT network one DNS proxy serves every VM; a VM that floods it gets
# at most its share (a quarter) of the queries in flight, so the others are
# still served. The upstream (198.51.100.1) answers ok.example and never
# answers anything else: vmflood's 2000 queries for other names all stay in
# flight (c-ares retries for seconds) and would fill the proxy's 512; vmok,
# meanwhile, gets its answer. The same for TCP connections: vmflood keeps 16
# (a quarter of 64), vmok still connects and is answered over TCP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

N="$NATD_BIN"
command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
new_remote
bg ip netns exec "$REMOTE_NS" python3 -c '
import socket, threading
ok = b"\x02ok\x07example\x00\x00\x01\x00\x01"
def answer(q):
    if len(q) >= 12 + len(ok) and q[12:12 + len(ok)].lower() == ok:
        a = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + ok
        return a + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x07"
def conn(c):
    buf = b""
    while True:
        d = c.recv(4096)
        if not d:
            return
        buf += d
        while len(buf) >= 2 and len(buf) >= 2 + (buf[0] << 8 | buf[1]):
            n = buf[0] << 8 | buf[1]
            a = answer(buf[2:2 + n])
            buf = buf[2 + n:]
            if a:
                c.sendall(len(a).to_bytes(2, "big") + a)
def tcp():
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("198.51.100.1", 53))
    t.listen(16)
    while True:
        threading.Thread(target=conn, args=(t.accept()[0],), daemon=True).start()
threading.Thread(target=tcp, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 53))
while True:
    q, peer = s.recvfrom(4096)
    a = answer(q)
    if a:
        s.sendto(a, peer)'
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:53 || fail "upstream did not start"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:53 || fail "upstream did not start (TCP)"
printf 'nameserver 198.51.100.1\n' > "$NATD_RESOLV_CONF"

check "add dnsshare" "$N" natnetwork add --netname dnsshare --network 192.168.21.0/24 --enable
check "start dnsshare" natnet_start dnsshare
declare -A NS TAP
natnet_vms dnsshare ds vmflood vmok
q() { ip netns exec "${NS[vmok]}" dig @192.168.21.1 +time=3 +tries=1 +short "$@" ok.example A; }
expect_eq "vmok is answered through the gateway's proxy" 192.0.2.7 "$(q)"

# vmflood: 2000 queries the upstream never answers, to the gateway's proxy.
ip netns exec "${NS[vmflood]}" python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("192.168.21.1", 53))
q = b"\x05flood\x07example\x00\x00\x01\x00\x01"
for i in range(2000):
    s.send(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + q)
    if i % 200 == 199:
        time.sleep(0.02)'
expect_eq "vmok is still answered during vmflood's flood (UDP)" 192.0.2.7 "$(q)"
expect_eq "  ... and over TCP" 192.0.2.7 "$(q +tcp)"
check "vmflood's refusals are logged, naming it and its adapter" \
	grep -q "the VM on switch port [0-9]* (vmflood nic1) is at its share of queries in flight (128)" \
	"$NATD_HOME/run/natnet-dnsshare.log"

# vmflood holds TCP connections: 16 stay, the rest are reset; vmok connects.
dns_tcp_hold "${NS[vmflood]}" 192.168.21.1 30 20 > "$T/reset" &
_pids+=("$!")
check "vmflood's connections are made" wait_for 30 test -s "$T/reset"
expect_eq "vmflood keeps 16 TCP connections, 14 reset" 14 "$(cat "$T/reset")"
expect_eq "vmok is answered over TCP while vmflood holds its 16" 192.0.2.7 "$(q +tcp)"
natd_stop "$NATD_PID"
check "stop dnsshare" natnet_stop dnsshare
done_testing
