#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A guest that floods the DNS proxy cannot make natd hold unbounded state:
# the upstream (198.51.100.1) takes queries and never answers, so every
# query natd relays stays in flight (c-ares retries for seconds). The guest
# sends 2000 UDP queries at once: natd keeps at most DNS_MAX_INFLIGHT (512)
# per adapter and answers the rest SERVFAIL at once; they are all released
# when c-ares gives up. Then 70 TCP connections to port 53: at most
# DNS_TCP_MAX_CONNS (64) are kept (each holds a 64 KiB buffer), the others
# reset; and a connection left idle is closed by natd (DNS_TCP_IDLE_S, 30 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

dns_net fl
# The black hole: a UDP socket that is never read, a TCP listener that never
# accepts.
bg ip netns exec "$REMOTE_NS" python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.51.100.1", 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("198.51.100.1", 53))
t.listen(1)
time.sleep(600)'
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:53 || fail "black-hole nameserver did not start"
dns_guest vmflood 'nameserver 198.51.100.1\n'

info() { "$NATD_BIN" showvminfo vmflood --machinereadable | sed -n "s/^$1=//p"; }

# 2000 queries (ids 0..1999) in one burst, then the answers that come within
# 3 s: SERVFAIL (RCODE 2) with the query's own id.
ip netns exec "$ns" python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.connect(("10.0.2.3", 53))
q = b"\x07example\x03org\x00\x00\x01\x00\x01"
for i in range(2000):
    s.send(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + q)
    if i % 200 == 199:
        time.sleep(0.02)   # the tap queue, not natd, would drop the rest
s.settimeout(3)
ok = 0
try:
    while True:
        a = s.recv(4096)
        qid, flags = struct.unpack(">HH", a[:4])
        if flags & 0x8000 and flags & 0xf == 2 and qid < 2000:
            ok += 1
except socket.timeout:
    pass
print(ok)' > "$T/servfail"
inflight=$(info dns_inflight)
busy=$(info dns_refused_busy)
log "in flight after the burst: $inflight; answered SERVFAIL at once: $busy; guest saw $(cat "$T/servfail") SERVFAIL"
check "queries in flight held to 512 per adapter" test "$inflight" -le 512
check "  ... and the limit reached" test "$inflight" -ge 400
check "the rest answered SERVFAIL at once (counted)" test "$busy" -ge 1000
check "  ... the guest got those answers" test "$(cat "$T/servfail")" -ge 1000
check "the refusal is logged" grep -q 'queries (.* bytes) in flight: a query answered SERVFAIL' "$T/natd.log"
drained() { [ "$(info dns_inflight)" = 0 ]; }
check "every query released once c-ares gives up" wait_for 60 drained

# 70 TCP connections held open: the first 64 stay, the others are reset.
dns_tcp_hold "$ns" 10.0.2.3 70 > "$T/reset"
expect_eq "connections beyond 64 reset (the guest sees 6)" 6 "$(cat "$T/reset")"
check "  ... counted" test "$(info dns_tcp_refused)" -ge 6

# One connection left idle: natd closes it (FIN) after 30 s.
ip netns exec "$ns" python3 -c '
import socket
c = socket.create_connection(("10.0.2.3", 53), timeout=5)
c.settimeout(45)
print("closed" if c.recv(1) == b"" else "data")
' > "$T/idle"
expect_eq "an idle TCP connection is closed by natd" closed "$(cat "$T/idle")"
check "  ... counted" test "$(info dns_tcp_idle_closed)" -ge 1

# natd stops while a connection has 32 queries in flight and 8 more waiting
# for room: cancelling the 32 must not send the 8 (to the channel being
# destroyed); natd exits cleanly (under ASan: no report).
ip netns exec "$ns" python3 -c '
import socket, struct, time
c = socket.create_connection(("10.0.2.3", 53), timeout=5)
q = b"\x07example\x03org\x00\x00\x01\x00\x01"
for i in range(40):
    m = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + q
    c.sendall(struct.pack(">H", len(m)) + m)
time.sleep(30)' &
_pids+=("$!")
pipelined() { [ "$(info dns_inflight)" = 32 ]; }
check "32 queries of one connection in flight" wait_for 10 pipelined
natd_stop "$NATD_PID"
check "natd's log holds no sanitizer report" sh -c "! grep -q 'Sanitizer\|runtime error' '$T/natd.log'"
done_testing
