#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A guest reconnecting from the same source port right after a connection
# the server closed first. natd's lwIP sent the first FIN on the guest side,
# so it held that 4-tuple in TIME_WAIT and answered a new SYN on it with a
# bare ACK for two minutes (the guest's connect() never completed); HTTP
# clients with Connection: close hit this within seconds at high connection
# rates. Each reconnect must get a fresh answer.
. "$(dirname "$0")/lib.sh"

command -v socat >/dev/null || fail "socat missing"
tap="nr$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmreuse --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"

# The server answers one line and closes first (its FIN precedes the guest's).
bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:9100,bind=198.51.100.1,reuseaddr,fork \
	SYSTEM:'echo served'
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9100 || fail "server did not start"

for i in 1 2 3 4 5; do
	got=$(ip netns exec "$ns" timeout 20 socat -u \
		TCP:198.51.100.1:9100,sourceport=40123,reuseaddr - 2> "$T/reuse.$i.err") || true
	expect_eq "connection $i from source port 40123 answered" served "$got"
done

# Many short connections, each closed by the server first, from every port
# the guest picks: none may hang.
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 40009"
for i in $(seq 40); do
	got=$(ip netns exec "$ns" timeout 20 socat -u TCP:198.51.100.1:9100 - 2>> "$T/many.err") || true
	[ "$got" = served ] || fail "short connection $i over 10 source ports not answered"
done
ok "40 short connections over 10 source ports all answered"

natd_stop "$NATD_PID"
done_testing
