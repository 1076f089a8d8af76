#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --natlocalhostreachable<x>: off (default), the gateway address is only the
# router; on, TCP and UDP to it reach host 127.0.0.1. --natbindip<x>: natd's
# host sockets use the given source address.
. "$(dirname "$0")/lib.sh"

tap="nt$ID"
ns=$(new_netns guest)
new_remote
ip addr add 198.51.100.3/24 dev "vh$ID"

# Services on the host's loopback only.
bg socat TCP-LISTEN:9300,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-loopback'
bg socat UDP-RECVFROM:9301,bind=127.0.0.1,fork PIPE
# A remote service that tells the client its address.
bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:9302,bind=198.51.100.1,reuseaddr,fork \
	SYSTEM:'echo \$SOCAT_PEERADDR'
wait_for 10 listening - tcp 127.0.0.1:9300 || fail "loopback TCP server did not start"
wait_for 10 listening - udp 127.0.0.1:9301 || fail "loopback UDP server did not start"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9302 || fail "remote server did not start"

natd_start natd --name vmopt1 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
ip netns exec "$ns" timeout 10 socat -u /dev/null TCP:10.0.2.2:9300 2> "$T/lo.err" || true
check "default: host loopback not reachable through the gateway" grep -q "Connection refused" "$T/lo.err"
expect_eq "default: host sockets use the host's own address" 198.51.100.2 \
	"$(ip netns exec "$ns" timeout 10 socat -u TCP:198.51.100.1:9302 -)"
natd_stop "$NATD_PID"

tap="nu$ID"
natd_start natd2 --name vmopt2 --nic1 nat --attach1 "tap:$tap" \
	--natlocalhostreachable1 on --natbindip1 198.51.100.3
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
expect_eq "on: TCP to 10.0.2.2 reaches host 127.0.0.1" host-loopback \
	"$(ip netns exec "$ns" timeout 10 socat -u TCP:10.0.2.2:9300 -)"
expect_eq "on: UDP to 10.0.2.2 reaches host 127.0.0.1 (echoed)" udp-via-loopback \
	"$(echo udp-via-loopback | ip netns exec "$ns" timeout 10 socat -t 2 - UDP:10.0.2.2:9301)"
check "the gateway still answers ping itself" ip netns exec "$ns" ping -c 1 -W 2 10.0.2.2
expect_eq "--natbindip1: the remote sees 198.51.100.3" 198.51.100.3 \
	"$(ip netns exec "$ns" timeout 10 socat -u TCP:198.51.100.1:9302 -)"
natd_stop "$NATD_PID"
done_testing
