#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# soak.sh [MINUTES] - a guest behind natd under mixed traffic for MINUTES
# (default 30), natd's resident memory and open descriptors sampled every
# minute. Run as root (namespaces, a tap); uses build/natd (NATD_BIN to
# override).
#
# The guest is a kernel stack in a namespace on a tap (tests/integration/
# lib.sh builds the world and tears it down). Each round of the loop, about
# ten seconds:
#   - HTTP: a 1 MiB download from a server in the remote namespace (checked
#     byte count);
#   - connection churn: 100 short TCP connections to the remote;
#   - UDP: 50 datagrams echoed by the remote;
#   - DNS: 20 queries through natd's proxy (10.0.2.3) to a dnsmasq upstream;
#   - a port forward: 20 HTTP requests from the host to a server in the
#     guest through --natpf1;
#   - hostile frames: 200 frames of junk from the guest (runts, bad IPv4
#     and IPv6 headers, truncated TCP and UDP, random EtherTypes).
# Output: one line per minute (minute, VmRSS kB, open fds, rounds, failed
# operations) and a summary comparing the minutes after warm-up (minute 2
# on) with the first of them. A benchmark: it reports, it asserts nothing.
set -euo pipefail
MINUTES=${1:-30}
export NATD_BIN=${NATD_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/natd}
. "$(dirname "$0")/../integration/lib.sh"

new_remote
cat > "$T/dnsmasq.conf" <<EOS
no-resolv
no-hosts
listen-address=198.51.100.1
bind-interfaces
address=/soak.test/198.51.100.1
EOS
bg ip netns exec "$REMOTE_NS" dnsmasq -k -C "$T/dnsmasq.conf" --pid-file="$T/dnsmasq.pid"
printf 'nameserver 198.51.100.1\n' > "$NATD_RESOLV_CONF"
head -c 1048576 /dev/urandom > "$T/blob"
(cd "$T" && bg ip netns exec "$REMOTE_NS" python3 -m http.server 8000 --bind 198.51.100.1) >/dev/null 2>&1
bg ip netns exec "$REMOTE_NS" socat UDP4-RECVFROM:7777,bind=198.51.100.1,fork EXEC:cat
bg ip netns exec "$REMOTE_NS" socat TCP4-LISTEN:7000,bind=198.51.100.1,reuseaddr,fork SYSTEM:'echo x'

NS=$(new_netns soak)
TAP="sk$ID"
natd_start natd --name soak --nic1 nat --attach1 "tap:$TAP" --natpf1 "web,tcp,127.0.0.1,18080,,8080"
tap_into_ns "$TAP" "$NS"
guest_up "$NS" "$TAP"
(cd "$T" && bg ip netns exec "$NS" python3 -m http.server 8080) >/dev/null 2>&1
wait_for 10 listening "$NS" tcp "0.0.0.0:8080" || fail "guest server did not start"
wait_for 10 listening "$REMOTE_NS" tcp "198.51.100.1:8000" || fail "remote server did not start"

cat > "$T/junk.py" <<'EOS'
# 200 junk frames on the guest's interface (argv[1]).
import os, random, socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((os.sys.argv[1], 0))
gw = bytes.fromhex("525500000202") if False else b"\xff" * 6
src = bytes.fromhex("020000000001")
for i in range(200):
    k = i % 6
    if k == 0:
        f = gw + src + b"\x08\x00" + os.urandom(random.randint(0, 10))          # runt IPv4
    elif k == 1:
        ip = bytes([0x45, 0, 0xff, 0xff]) + os.urandom(16)                       # length lies
        f = gw + src + b"\x08\x00" + ip + os.urandom(random.randint(0, 60))
    elif k == 2:
        ip = bytes([0x46 + random.randint(0, 9), 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0]) + \
             socket.inet_aton("10.0.2.15") + socket.inet_aton("198.51.100.1")
        f = gw + src + b"\x08\x00" + ip + os.urandom(random.randint(0, 8))       # truncated TCP
    elif k == 3:
        f = gw + src + b"\x86\xdd" + bytes([0x60]) + os.urandom(random.randint(0, 80))  # IPv6 junk
    elif k == 4:
        ip = bytes([0x45, 0, 0, 28, 0, 0, 0x20, 0, 64, 17, 0, 0]) + \
             socket.inet_aton("10.0.2.15") + socket.inet_aton("198.51.100.1")
        f = gw + src + b"\x08\x00" + ip + os.urandom(8)                           # UDP fragment
    else:
        f = gw + src + os.urandom(2) + os.urandom(random.randint(0, 100))        # any EtherType
    try:
        s.send(f)
    except OSError:
        pass
EOS

failed=0
round() {
	local n i
	n=$(ip netns exec "$NS" curl -s --max-time 10 http://198.51.100.1:8000/blob | wc -c) || n=0
	[ "$n" = 1048576 ] || failed=$((failed + 1))
	for i in $(seq 100); do
		ip netns exec "$NS" timeout 2 socat -u TCP4:198.51.100.1:7000 - >/dev/null 2>&1 || failed=$((failed + 1))
	done
	for i in $(seq 50); do
		echo "u$i" | ip netns exec "$NS" timeout 2 socat -T1 - UDP4:198.51.100.1:7777 >/dev/null 2>&1 ||
			failed=$((failed + 1))
	done
	for i in $(seq 20); do
		ip netns exec "$NS" dig +time=2 +tries=1 +short @10.0.2.3 "n$i.soak.test" 2>/dev/null |
			grep -q 198.51.100.1 || failed=$((failed + 1))
	done
	for i in $(seq 20); do
		curl -s --max-time 5 -o /dev/null http://127.0.0.1:18080/ || failed=$((failed + 1))
	done
	ip netns exec "$NS" python3 "$T/junk.py" "$TAP" 2>/dev/null || true
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$NATD_PID/status"; }
fds() { ls "/proc/$NATD_PID/fd" | wc -l; }
echo "# soak: $MINUTES minutes, natd pid $NATD_PID ($NATD_BIN)"
printf '%6s %10s %6s %7s %7s\n' minute rss_kb fds rounds failed
printf '%6s %10s %6s %7s %7s\n' 0 "$(rss)" "$(fds)" 0 0
start=$(date +%s)
rounds=0
next=60
samples=()
while :; do
	now=$(( $(date +%s) - start ))
	[ "$now" -ge $((MINUTES * 60)) ] && break
	round
	rounds=$((rounds + 1))
	now=$(( $(date +%s) - start ))
	while [ "$now" -ge "$next" ]; do
		r=$(rss)
		f=$(fds)
		printf '%6s %10s %6s %7s %7s\n' $((next / 60)) "$r" "$f" "$rounds" "$failed"
		samples+=("$((next / 60)) $r $f")
		next=$((next + 60))
	done
done
python3 - "${samples[@]}" <<'EOS'
import sys
rows = [tuple(map(int, a.split())) for a in sys.argv[1:]]
after = [r for r in rows if r[0] >= 2]
if not after:
    print("# summary: too short for a warm-up (run 3 minutes or more)")
    sys.exit(0)
m0 = after[0]
rss = [r[1] for r in after]; fds = [r[2] for r in after]
print("# summary after warm-up (minute %d on): RSS %d..%d kB (first %d, last %d, +%.1f%%), "
      "fds %d..%d (first %d, last %d)" % (m0[0], min(rss), max(rss), m0[1], rss[-1],
      100.0 * (rss[-1] - m0[1]) / m0[1], min(fds), max(fds), m0[2], fds[-1]))
EOS
"$NATD_BIN" showvminfo soak --machinereadable | grep -E '^(tcp_buffer|descriptors|drops|nat_)' | head -20 || true
natd_stop "$NATD_PID"
