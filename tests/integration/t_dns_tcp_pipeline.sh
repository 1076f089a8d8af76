#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DNS over TCP, pipelined: a guest writes 40 queries on one connection at
# once (more than the 32 the proxy keeps in flight per connection) and then
# only reads. Every query gets its answer: the proxy reads on from what it
# buffered when answers come back, not only when the guest sends more;
# a guest that half-closes after its queries still gets every answer.
# dnsmasq in the remote namespace is the upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

command -v python3 >/dev/null || fail "python3 missing"
dns_net np

cat > "$T/dnsmasq.conf" <<EOF2
no-resolv
no-hosts
bind-interfaces
listen-address=198.51.100.1
address=/pipe.test/192.0.2.7
EOF2
dns_upstream "$T/dnsmasq.conf"
dns_guest vmpipe 'nameserver 198.51.100.1\n'

cat > "$T/pipeline.py" <<'EOF2'
# pipeline.py N [half]: N A queries for qI.pipe.test in one write to
# 10.0.2.3:53 over TCP, then reads answers (at most 20 s); prints how many
# came back with the id and the address expected. With "half" the guest
# shuts down its sending side after the write, and the script then also
# prints "eof" if the proxy closed the connection after the answers.
import socket, struct, sys, time
n = int(sys.argv[1])
def query(i):
    name = b"".join(bytes([len(l)]) + l for l in ("q%d.pipe.test" % i).encode().split(b"."))
    q = struct.pack("!HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0) + name + b"\0" + struct.pack("!HH", 1, 1)
    return struct.pack("!H", len(q)) + q
s = socket.create_connection(("10.0.2.3", 53), timeout=5)
s.sendall(b"".join(query(i) for i in range(n)))
half = len(sys.argv) > 2 and sys.argv[2] == "half"
if half:
    s.shutdown(socket.SHUT_WR)
buf, good, seen, eof = b"", 0, set(), False
end = time.time() + 20
while (len(seen) < n or (half and not eof)) and time.time() < end:
    s.settimeout(max(0.1, end - time.time()))
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        eof = True
        break
    buf += d
    while len(buf) >= 2 and len(buf) - 2 >= struct.unpack("!H", buf[:2])[0]:
        m = buf[2:2 + struct.unpack("!H", buf[:2])[0]]
        buf = buf[2 + len(m):]
        qid = struct.unpack("!H", m[:2])[0] - 0x1000
        if 0 <= qid < n and qid not in seen and socket.inet_aton("192.0.2.7") in m:
            seen.add(qid)
            good += 1
print(good, "eof" if eof else "open") if half else print(good)
EOF2
expect_eq "10 queries in one write, 10 answers" 10 \
	"$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 10)"
expect_eq "40 queries in one write (32 in flight at most), 40 answers" 40 \
	"$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 40)"
expect_eq "40 queries, then the guest half-closes: 40 answers, then the proxy closes" \
	"40 eof" "$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 40 half)"
natd_stop "$NATD_PID"
done_testing
