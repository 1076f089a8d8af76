#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outbound TCP through natd: a kernel guest reaches servers in a "remote"
# namespace through natd's host sockets. Byte-exact transfers both ways,
# refused and unreachable destinations, 100 concurrent connections,
# half-close.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
tap="nt$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmtcp --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"

# Servers in the remote namespace (files under $T are shared with it).
mkdir -p "$T/www"
head -c 8388608 /dev/urandom > "$T/www/big.bin"
echo hello > "$T/www/small.txt"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"

# Download: 8 MiB, byte-exact.
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl.bin" http://198.51.100.1:8080/big.bin ||
	fail "download through natd"
expect_eq "8 MiB download is byte-exact" "$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/dl.bin")"

# Upload: raw TCP, 8 MiB, byte-exact (the server writes what it receives).
bg ip netns exec "$REMOTE_NS" socat -u TCP-LISTEN:9000,bind=198.51.100.1,reuseaddr CREATE:"$T/up.bin"
up_pid=${_pids[-1]}
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9000 || fail "upload server did not start"
ip netns exec "$ns" timeout 60 socat -u FILE:"$T/www/big.bin" TCP:198.51.100.1:9000 ||
	fail "upload through natd"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
expect_eq "8 MiB upload is byte-exact" "$(sha256sum < "$T/www/big.bin")" "$(sha256sum < "$T/up.bin")"

# Half-close: the client shuts its write side and still gets the full answer
# the server sends only after reading to EOF.
bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:9001,bind=198.51.100.1,reuseaddr SYSTEM:'wc -c'
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9001 || fail "half-close server did not start"
got=$(head -c 100000 /dev/zero | ip netns exec "$ns" timeout 20 socat -t 10 - TCP:198.51.100.1:9001 | tr -d ' ')
expect_eq "half-closed client receives the reply" 100000 "$got"

# A closed port: the guest sees "connection refused" (a RST), not a timeout.
set +e
start=$(date +%s)
ip netns exec "$ns" curl -sS --max-time 10 http://198.51.100.1:1/ 2> "$T/refused.err"
rc=$?
set -e
expect_eq "closed port: curl exit code 7 (could not connect)" 7 "$rc"
ip netns exec "$ns" timeout 10 socat -u /dev/null TCP:198.51.100.1:1 2> "$T/refused.err" || true
check "closed port: the guest's connect() fails with ECONNREFUSED" grep -q "Connection refused" "$T/refused.err"
check "closed port answered before curl's 10 s limit" test $(( $(date +%s) - start )) -lt 10

# An unreachable address (the host has an "unreachable" route for it): the
# guest gets ICMP unreachable at once instead of waiting for SYN timeouts.
host_route unreachable 198.51.100.128/25
set +e
ip netns exec "$ns" curl -sS --max-time 10 http://198.51.100.200:80/ 2> "$T/unreach.err"
rc=$?
set -e
expect_eq "unreachable: curl exit code 7" 7 "$rc"
ip netns exec "$ns" timeout 10 socat -u /dev/null TCP:198.51.100.200:80 2> "$T/unreach.err" || true
check "unreachable: the guest's connect() fails with EHOSTUNREACH" grep -q "No route to host" "$T/unreach.err"

# 100 concurrent connections.
for i in $(seq 100); do
	ip netns exec "$ns" curl -sS --max-time 30 -o "$T/c.$i" http://198.51.100.1:8080/small.txt &
	_pids+=("$!")
done
wait_for 40 sh -c "[ \$(cat $T/c.* 2>/dev/null | grep -c hello) -eq 100 ]" ||
	fail "100 concurrent connections: only $(cat "$T"/c.* 2>/dev/null | grep -c hello) answered"
ok "100 concurrent connections all answered"

natd_stop "$NATD_PID"
done_testing
