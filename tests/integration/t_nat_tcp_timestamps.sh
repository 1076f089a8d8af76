#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP timestamps (RFC 7323) through natd: lwIP is built with
# LWIP_TCP_TIMESTAMPS, so natd's SYN-ACK to a Linux guest whose SYN carries
# the option carries it too, echoing the guest's value, and the data
# segments that follow keep it. With it a guest that closes first and sets
# net.ipv4.tcp_tw_reuse=1 can reuse its ports still in TIME_WAIT for new
# connections (Linux reuses a TIME_WAIT port only when the peer sent
# timestamps); without it such a guest runs out of ports. Checked with a
# port range of 4 and 16 connections, each closed by the guest first:
# every one connects, over at most 4 source ports.
. "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || fail "socat missing"
command -v tcpdump >/dev/null || fail "tcpdump missing"
tap="ns$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmts --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_timestamps=1

# The server says one line and waits for the client to close first.
bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:9100,bind=198.51.100.1,reuseaddr,fork \
	SYSTEM:'echo served; cat > /dev/null'
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9100 || fail "server did not start"

# One connection under tcpdump in the guest: the SYN, natd's SYN-ACK, and
# natd's data segment.
cap="$T/ts.txt"
ip netns exec "$ns" timeout 30 tcpdump -l --immediate-mode -nn -i "$tap" \
	'tcp port 9100' > "$cap" 2> "$T/tcpdump.err" &
tpid=$!
wait_for 10 grep -q "listening on" "$T/tcpdump.err" || fail "tcpdump did not start"
cat > "$T/client.py" <<'EOF'
import socket, sys
s = socket.create_connection(("198.51.100.1", 9100), timeout=10)
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(100)
    if not d:
        break
    buf += d
s.close()
sys.stdout.write(buf.decode())
EOF
got=$(ip netns exec "$ns" timeout 20 python3 "$T/client.py" 2> "$T/client.err") || true
expect_eq "a connection with timestamps answered" served "$got"
sniff_end "$tpid" "$cap" "Flags \[F\.\]"
syn=$(grep -m1 'Flags \[S\],' "$cap" || true)
synack=$(grep -m1 'Flags \[S\.\],' "$cap" || true)
data=$(grep -m1 '198.51.100.1.9100 > .*length [1-9]' "$cap" || true)
[ -n "$syn" ] && [ -n "$synack" ] && [ -n "$data" ] ||
	{ cat "$cap" >&2; fail "capture lacks the SYN, SYN-ACK or natd's data segment"; }
gval=$(sed -n 's/.*TS val \([0-9]*\) ecr.*/\1/p' <<< "$syn")
[ -n "$gval" ] || { echo "$syn" >&2; fail "the guest's SYN carries no timestamp (tcp_timestamps)"; }
echo "$synack" | grep -q "TS val [0-9]* ecr $gval[],]" ||
	{ echo "$synack" >&2; fail "natd's SYN-ACK does not carry the timestamp option echoing $gval"; }
ok "natd's SYN-ACK carries the timestamp option and echoes the guest's value"
echo "$data" | grep -q "TS val [0-9]* ecr [0-9]" ||
	{ echo "$data" >&2; fail "natd's data segment carries no timestamp"; }
ok "natd's data segments to the guest carry timestamps"

# TIME_WAIT reuse: 4 source ports, 16 connections the guest closes first.
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 40003"
cat > "$T/many.py" <<'EOF'
import errno, socket, sys, time
ports, done = set(), 0
for i in range(16):
    deadline = time.monotonic() + 15  # TIME_WAIT itself lasts 60 s
    while True:
        s = socket.socket()
        s.settimeout(10)
        try:
            s.connect(("198.51.100.1", 9100))
            break
        except OSError as e:
            s.close()
            if e.errno != errno.EADDRNOTAVAIL or time.monotonic() > deadline:
                print(f"connection {i}: {e}", file=sys.stderr)
                print(f"done {done} ports {len(ports)}")
                sys.exit(1)
            time.sleep(0.2)
    ports.add(s.getsockname()[1])
    if s.makefile("rb").readline() == b"served\n":
        done += 1
    s.close()  # the guest closes first: this port goes to TIME_WAIT
print(f"done {done} ports {len(ports)}")
EOF
res=$(ip netns exec "$ns" timeout 300 python3 "$T/many.py" 2> "$T/many.err") || true
[ -s "$T/many.err" ] && cat "$T/many.err" >&2
n=$(sed -n 's/^done \([0-9]*\) ports.*/\1/p' <<< "$res")
p=$(sed -n 's/.* ports \([0-9]*\)$/\1/p' <<< "$res")
expect_eq "16 connections closed by the guest first, each answered (tcp_tw_reuse=1)" 16 "${n:-0}"
[ -n "$p" ] && [ "$p" -le 4 ] || fail "used $p source ports, expected at most 4"
ok "the 16 connections went over $p source ports: TIME_WAIT ports reused"

natd_stop "$NATD_PID"
done_testing
