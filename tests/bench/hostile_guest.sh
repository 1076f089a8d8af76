#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# hostile_guest.sh WHAT [N] - what a hostile kernel guest costs natd, as
# figures (no pass/fail). Run as root with NATD_BIN pointing at the natd to
# measure (default build/natd); uses the integration harness, so every
# namespace and process goes on exit.
#
#   stall [N]    N (default 30) guest connections to a server writing
#                endlessly that the guest never reads (SO_RCVBUF 4096):
#                natd's VmRSS before, with them (once it stopped reading)
#                and 10 s after they closed. RCVBUF=0: the guest's
#                default receive buffer instead of 4096 bytes.
#   fds [N]      natd under `prlimit --nofile=128:128`; the guest opens N
#                (default 200) TCP connections: how many were established,
#                whether `showvminfo` answers meanwhile, DHCP and DNS.
#   synflood     a NAT network with two guests; the first opens 400
#                connections to a black hole (SYNs the remote namespace
#                drops) while the second connects to a real server: how many
#                of the second's 20 connections succeed, in how long.
#   dhcpflood [N] N (default 40) DHCP clients with different MACs behind one
#                port (macvlans on the guest's tap): how many got a lease.
. "$(dirname "$0")/../integration/lib.sh"

what=${1:-stall}
tap="nt$ID"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
total_in() {
	"$NATD_BIN" showvminfo "$1" --machinereadable |
		awk -F= '/_bytes_in=/ { s += $2 } END { printf "%d\n", s }'
}
count_state() {
	"$NATD_BIN" showvminfo "$1" --machinereadable | grep -c "_state=\"$2\"" || true
}

stall() {
	local n=${1:-30} ns pid base peak after prev cur i rcvopt=
	[ "${RCVBUF:-4096}" != 0 ] && rcvopt=",rcvbuf=${RCVBUF:-4096}"
	ns=$(new_netns guest)
	new_remote
	bg ip netns exec "$REMOTE_NS" socat -U TCP-LISTEN:9200,bind=198.51.100.1,reuseaddr,fork,backlog=256 OPEN:/dev/zero
	wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9200 || fail "sender did not start"
	natd_start natd --name vmstall --nic1 nat --attach1 "tap:$tap"
	pid=$NATD_PID
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap" > /dev/null
	base=$(rss_kb "$pid")
	local clients=()
	for ((i = 0; i < n; i++)); do
		ip netns exec "$ns" socat -u EXEC:'sleep 600' "TCP:198.51.100.1:9200$rcvopt" \
			> /dev/null 2>&1 &
		_pids+=("$!")
		clients+=("$!")
	done
	wait_for 30 sh -c "[ \$('$NATD_BIN' showvminfo vmstall --machinereadable | grep -c '_state=\"established\"') -ge $n ]" ||
		log "not all $n connections were established"
	prev=-1
	for ((i = 0; i < 60; i++)); do
		cur=$(total_in vmstall)
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 2
	done
	peak=$(rss_kb "$pid")
	echo "stall: $n connections: VmRSS baseline $base kB, stalled $peak kB (+$((peak - base)) kB)," \
		"$cur bytes read from the sender ($((cur / n)) per connection)"
	kill "${clients[@]}" 2>/dev/null || true
	wait_for 30 sh -c "[ \$('$NATD_BIN' showvminfo vmstall --machinereadable | grep -c '_proto=\"tcp\"') = 0 ]" ||
		log "flows still listed 30 s after the clients went"
	sleep 10
	after=$(rss_kb "$pid")
	echo "stall: 10 s after the connections closed: VmRSS $after kB (+$((after - base)) kB over the baseline)"
}

fds() {
	local n=${1:-200} pid t0 t1 rc
	fd_limit_guest vmfds 128:128 h.hostile.test > /dev/null
	pid=$NATD_PID
	echo "fds: natd's limit: $(awk '/open files/ { print $4 " (soft) " $5 " (hard)" }' /proc/$pid/limits)," \
		"$(ls /proc/$pid/fd | wc -l) descriptors open after the guest's lease"
	ip netns exec "$ns" "$NATD_TEST_BIN/tcp_hold" connect 198.51.100.1 9300 "$n" 20 > "$T/hold.out" &
	_pids+=("$!")
	local hold=$!
	wait_for 30 test -s "$T/hold.out" || log "tcp_hold reported nothing within 30 s"
	echo "fds: $n guest connections at once: $(cat "$T/hold.out");" \
		"natd has $(ls /proc/$pid/fd | wc -l) descriptors open"
	t0=$(date +%s.%N)
	set +e
	timeout 20 "$NATD_BIN" showvminfo vmfds --machinereadable > "$T/info" 2> "$T/info.err"
	rc=$?
	set -e
	t1=$(date +%s.%N)
	echo "fds: showvminfo meanwhile: exit $rc after $(echo "$t1 - $t0" | bc) s $(head -c 200 "$T/info.err")"
	{ grep -E '^(descriptors|drops_host_socket|drops_descriptor|flow_counters_tcp)' "$T/info" || true; } | tr '\n' ' '
	echo
	set +e
	timeout 15 ip netns exec "$ns" busybox udhcpc -f -q -n -i "$tap" -s /bin/true -t 3 -T 2 > /dev/null 2>&1
	echo "fds: a new DHCP exchange meanwhile: udhcpc exit $?"
	echo "fds: DNS through the proxy meanwhile: '$(ip netns exec "$ns" dig @10.0.2.3 +time=3 +tries=1 +short h.hostile.test A 2>&1 | head -1)'"
	kill "$hold"
	sleep 3
	echo "fds: after the guest closed them: $(ls /proc/$pid/fd | wc -l) descriptors open;" \
		"a new connection: $(ip netns exec "$ns" timeout 10 "$NATD_TEST_BIN/tcp_hold" connect 198.51.100.1 9300 1 5 | head -1 & sleep 6; kill %1 2>/dev/null)"
	set -e
}

# natnet_two NAME: a NAT network NAME with two guests (vm1, vm2) on taps;
# sets NS1 NS2 TAP1 TAP2.
natnet_two() {
	"$NATD_BIN" natnetwork add --netname "$1" --network 192.168.19.0/24 --enable > /dev/null
	natnet_start "$1" || fail "natnetwork start"
	TAP1="nh1$ID" TAP2="nh2$ID"
	NS1=$(new_netns vm1)
	NS2=$(new_netns vm2)
	natd_start natd-vm1 --name vm1 --nic1 natnetwork --nat-network1 "$1" --attach1 "tap:$TAP1"
	tap_into_ns "$TAP1" "$NS1"
	natd_start natd-vm2 --name vm2 --nic1 natnetwork --nat-network1 "$1" --attach1 "tap:$TAP2"
	tap_into_ns "$TAP2" "$NS2"
	udhcpc_lease "$NS1" "$TAP1" > /dev/null
	udhcpc_lease "$NS2" "$TAP2" > /dev/null
}

synflood() {
	local n=${1:-17000} t0 t1
	new_remote
	host_route 203.0.113.0/24 via 198.51.100.1
	ip -n "$REMOTE_NS" route add blackhole 203.0.113.0/24
	bg ip netns exec "$REMOTE_NS" "$NATD_TEST_BIN/tcp_hold" listen 198.51.100.1 9400
	wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9400 || fail "server did not start"
	natnet_two nhsyn
	ip netns exec "$NS1" "$NATD_TEST_BIN/tcp_hold" connect 203.0.113.9 80 "$n" 5 > "$T/flood.out" &
	_pids+=("$!")
	wait_for 30 test -s "$T/flood.out" || log "the flood reported nothing"
	echo "synflood: vm1, $n connects to a black hole: $(cat "$T/flood.out")"
	t0=$(date +%s.%N)
	ip netns exec "$NS2" "$NATD_TEST_BIN/tcp_hold" connect 198.51.100.1 9400 20 10 > "$T/ok.out" &
	_pids+=("$!")
	wait_for 20 test -s "$T/ok.out" || log "vm2 reported nothing"
	t1=$(date +%s.%N)
	echo "synflood: vm2 meanwhile, 20 connects to a server: $(cat "$T/ok.out") (reported after $(echo "$t1 - $t0" | bc) s)"
	sleep 16
	ip netns exec "$NS2" "$NATD_TEST_BIN/tcp_hold" connect 198.51.100.1 9400 20 10 > "$T/ok2.out" &
	_pids+=("$!")
	wait_for 20 test -s "$T/ok2.out" || true
	echo "synflood: vm2 16 s later: $(cat "$T/ok2.out")"
}

dhcpflood() {
	local n=${1:-40} got=0 j mv
	natnet_two nhdhcp
	for ((j = 1; j <= n; j++)); do
		mv="mv$j$ID"
		ip -n "$NS1" link add link "$TAP1" name "$mv" address "02:00:5e:00:19:$(printf %02x $j)" type macvlan mode bridge
		ip -n "$NS1" link set "$mv" up
		timeout 15 ip netns exec "$NS1" busybox udhcpc -f -q -n -i "$mv" -s /bin/true -t 2 -T 1 \
			> /dev/null 2>&1 && got=$((got + 1))
	done
	echo "dhcpflood: vm1's port, $n more MACs: $got got a lease"
	echo "dhcpflood: leases the network holds: $("$NATD_BIN" natnetwork list | sed -n '/^DHCP leases/,/^[A-Z]/p' | grep -c '192.168.19')"
}

# upstall N: N guest connections writing endlessly to a server that never
# reads: natd's RSS once the windows are full, and after they close.
upstall() {
	local n=${1:-30} ns pid base peak after prev cur i
	ns=$(new_netns guest)
	new_remote
	bg ip netns exec "$REMOTE_NS" "$NATD_TEST_BIN/tcp_hold" listen-idle 198.51.100.1 9201
	wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9201 || fail "server did not start"
	natd_start natd --name vmup --nic1 nat --attach1 "tap:$tap"
	pid=$NATD_PID
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap" > /dev/null
	base=$(rss_kb "$pid")
	local clients=()
	for ((i = 0; i < n; i++)); do
		ip netns exec "$ns" socat -u OPEN:/dev/zero TCP:198.51.100.1:9201 > /dev/null 2>&1 &
		_pids+=("$!")
		clients+=("$!")
	done
	prev=-1
	for ((i = 0; i < 60; i++)); do
		cur=$("$NATD_BIN" showvminfo vmup --machinereadable | awk -F= '/_bytes_out=/ { s += $2 } END { printf "%d\n", s }')
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 2
	done
	peak=$(rss_kb "$pid")
	echo "upstall: $n connections: VmRSS baseline $base kB, stalled $peak kB (+$((peak - base)) kB)," \
		"$cur bytes written to host sockets"
	kill "${clients[@]}" 2>/dev/null || true
	sleep 10
	after=$(rss_kb "$pid")
	echo "upstall: 10 s after the clients went: VmRSS $after kB (+$((after - base)) kB)"
}

case "$what" in
stall) stall "${2:-30}" ;;
upstall) upstall "${2:-30}" ;;
fds) fds "${2:-200}" ;;
synflood) synflood "${2:-17000}" ;;
dhcpflood) dhcpflood "${2:-40}" ;;
*) fail "unknown measurement '$what' (stall, fds, synflood, dhcpflood)" ;;
esac
