#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DNS over TCP, pipelined: a guest writes 40 queries on one connection at
# once (more than the 32 the proxy keeps in flight per connection) and then
# only reads. Every query gets its answer: the proxy reads on from what it
# buffered when answers come back, not only when the guest sends more;
# a guest that half-closes after its queries still gets every answer; a
# guest that pipelines more bytes of queries (4000, 140 KB) than the
# proxy's per-connection buffer (64 KiB) is flow-controlled by the TCP
# window, not reset, and gets every answer (some SERVFAIL: see "any").
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
# pipeline.py N [half|any]: N A queries for qI.pipe.test in one write to
# 10.0.2.3:53 over TCP (a thread writes, so answers are read meanwhile),
# reading answers (at most 20 s, 60 s from 1000 queries); prints how many
# came back with the id and the address expected, then "reset" if the
# proxy reset the connection. With "half" the guest shuts down its sending
# side after the write, and the script then also prints "eof" if the proxy
# closed the connection after the answers. With "any" an answer counts
# whatever its rcode (the address and rcodes go to stderr): dnsmasq closes
# an upstream TCP connection after 100 queries, and c-ares gives some of
# thousands of pipelined queries up, which the proxy answers SERVFAIL.
import socket, struct, sys, threading, time
n = int(sys.argv[1])
def query(i):
    name = b"".join(bytes([len(l)]) + l for l in ("q%d.pipe.test" % i).encode().split(b"."))
    q = struct.pack("!HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0) + name + b"\0" + struct.pack("!HH", 1, 1)
    return struct.pack("!H", len(q)) + q
s = socket.create_connection(("10.0.2.3", 53), timeout=5)
half = len(sys.argv) > 2 and sys.argv[2] == "half"
anyrc = len(sys.argv) > 2 and sys.argv[2] == "any"
def send():
    try:
        s.sendall(b"".join(query(i) for i in range(n)))
        if half:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
threading.Thread(target=send, daemon=True).start()
buf, good, seen, eof, reset, rcodes = b"", 0, set(), False, False, {}
end = time.time() + (60 if n >= 1000 else 20)
while (len(seen) < n or (half and not eof)) and time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    except ConnectionResetError:
        reset = True
        break
    if not d:
        eof = True
        break
    buf += d
    while len(buf) >= 2 and len(buf) - 2 >= struct.unpack("!H", buf[:2])[0]:
        m = buf[2:2 + struct.unpack("!H", buf[:2])[0]]
        buf = buf[2 + len(m):]
        qid = struct.unpack("!H", m[:2])[0] - 0x1000
        if not 0 <= qid < n or qid in seen:
            continue
        rcodes[m[3] & 15] = rcodes.get(m[3] & 15, 0) + 1
        if anyrc or socket.inet_aton("192.0.2.7") in m:
            seen.add(qid)
            good += 1
if anyrc:
    print("rcodes", rcodes, file=sys.stderr)
print(good, "eof" if eof else "open") if half else print(good, *(["reset"] if reset else []))
EOF2
expect_eq "10 queries in one write, 10 answers" 10 \
	"$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 10)"
expect_eq "40 queries in one write (32 in flight at most), 40 answers" 40 \
	"$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 40)"
expect_eq "40 queries, then the guest half-closes: 40 answers, then the proxy closes" \
	"40 eof" "$(ip netns exec "$ns" timeout 30 python3 "$T/pipeline.py" 40 half)"
expect_eq "4000 queries (140 KB) in one write, over the proxy's 64 KiB buffer: 4000 answers, no reset" \
	4000 "$(ip netns exec "$ns" timeout 90 python3 "$T/pipeline.py" 4000 any)"
natd_stop "$NATD_PID"
done_testing
