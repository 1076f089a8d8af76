#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory per TCP flow is bounded when the guest stops reading: a kernel
# guest opens N_CONN connections to a server in the remote namespace that
# writes endlessly, and never reads them (small SO_RCVBUF, so its window
# closes). natd stops reading the host sockets once the guest's window and
# a small per-flow buffer are full (the data waits in the kernel): its RSS
# stays under a bound derived from the per-flow buffer, and under the global
# cap (--max-tcp-buffer) when that is lower. A stalled connection that starts
# reading again gets every byte; after the flows close, natd's memory goes
# back near its baseline (malloc_trim). The other way, guest uploads to a
# server that never reads cost natd at most its receive window (1 MiB) each.
# Figures are printed as "# rss ..." lines.
. "$(dirname "$0")/lib.sh"

N_CONN=${N_CONN:-30}
tap="nt$ID"
ns=$(new_netns guest)
new_remote

# The fast sender: every connection gets /dev/zero as fast as it can take it.
bg ip netns exec "$REMOTE_NS" socat -U TCP-LISTEN:9200,bind=198.51.100.1,reuseaddr,fork,backlog=256 OPEN:/dev/zero
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9200 || fail "sender did not start"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
asan=0
case "$(ldd "$NATD_BIN" 2>/dev/null)" in *libasan*) asan=1 ;; esac

# total_in VM: the bytes natd has read from host sockets for the VM's flows.
total_in() {
	"$NATD_BIN" showvminfo "$1" --machinereadable |
		awk -F= '/_bytes_in=/ { s += $2 } END { printf "%d\n", s }'
}
# n_established VM
n_established() {
	"$NATD_BIN" showvminfo "$1" --machinereadable | grep -c '_state="established"' || true
}
# settle VM: waits (60 s at most) until natd has stopped reading: the flows'
# byte counts stay the same for 2 s.
settle() {
	local prev=-1 cur i
	for ((i = 0; i < 60; i++)); do
		cur=$(total_in "$1")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 2
	done
	return 1
}

# stalled_clients N: N guest connections that never read (socat -u only
# writes to the socket, and has nothing to write). Sets CLIENTS.
stalled_clients() {
	local i
	CLIENTS=()
	for ((i = 0; i < $1; i++)); do
		ip netns exec "$ns" socat -u EXEC:'sleep 600' TCP:198.51.100.1:9200,rcvbuf=4096 \
			> /dev/null 2>&1 &
		_pids+=("$!")
		CLIENTS+=("$!")
	done
}

# run_phase VM ARGS...: natd with ARGS, N_CONN stalled connections; checks
# RSS against LIMIT_KB (above the baseline) and the return after they close.
run_phase() {
	local vm=$1 limit_kb=$2
	shift 2
	natd_start "natd-$vm" --name "$vm" --nic1 nat --attach1 "tap:$tap" "$@"
	local pid=$NATD_PID
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap"
	# warm up: one short transfer, so the baseline includes lwIP's first buffers
	{ ip netns exec "$ns" timeout 20 socat -u TCP:198.51.100.1:9200 - 2> /dev/null |
		head -c 1048576 > /dev/null; } || true
	local base
	base=$(rss_kb "$pid")
	stalled_clients "$N_CONN"
	check "$vm: $N_CONN connections established" wait_for 30 \
		sh -c "[ \"\$('$NATD_BIN' showvminfo $vm --machinereadable | grep -c '_state=\"established\"')\" -ge $N_CONN ]"
	check "$vm: natd stops reading the host sockets" settle "$vm"
	local peak in
	peak=$(rss_kb "$pid")
	in=$(total_in "$vm")
	log "rss $vm: baseline ${base} kB, with $N_CONN stalled connections ${peak} kB" \
		"(+$((peak - base)) kB), $in bytes read from the sender"
	check "$vm: RSS grew by at most ${limit_kb} kB (grew $((peak - base)) kB)" \
		test $((peak - base)) -le "$limit_kb"
	"$NATD_BIN" showvminfo "$vm" --machinereadable > "$T/info.$vm"
	check "$vm: showvminfo shows the TCP buffer and its cap" \
		grep -q '^tcp_buffer_max=' "$T/info.$vm"

	# A stalled connection that reads again gets a byte-exact stream.
	got=$({ ip netns exec "$ns" timeout 60 socat -u TCP:198.51.100.1:9200,rcvbuf=4096 - 2> /dev/null |
		head -c 33554432 || true; } | wc -c)
	expect_eq "$vm: a reader among the stalled flows gets 32 MiB" 33554432 "$got"

	kill "${CLIENTS[@]}" 2>/dev/null || true
	gone() { [ "$(n_established "$vm")" = 0 ]; }
	check "$vm: the flows close" wait_for 30 gone
	check "$vm: every chunk of host data is given back" sh -c \
		"'$NATD_BIN' showvminfo $vm --machinereadable | grep -q '^tcp_buffer_bytes=0\$'"
	# malloc_trim runs from the one-second sweep
	local after i
	for ((i = 0; i < 50; i++)); do
		after=$(rss_kb "$pid")
		[ $((after - base)) -le 4096 ] && break
		sleep 0.2
	done
	log "rss $vm: after the flows closed ${after} kB ($((after - base)) kB above the baseline)"
	if [ "$asan" = 1 ]; then
		log "$vm: RSS after the flows closed not checked: AddressSanitizer's allocator" \
			"keeps freed memory in quarantine"
	else
		check "$vm: RSS back within 4 MiB of the baseline" test $((after - base)) -le 4096
	fi
	natd_stop "$pid"
	# the tap went with natd
	ip -n "$ns" link del "$tap" 2>/dev/null || true
}

# upload_phase N: N guest connections writing endlessly to a server that
# never reads: natd holds at most its 1 MiB receive window per connection.
upload_phase() {
	local n=$1 pid base peak out held prev=-1 i srv
	bg ip netns exec "$REMOTE_NS" "$NATD_TEST_BIN/tcp_hold" listen-idle 198.51.100.1 9201
	srv=$!
	wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9201 || fail "idle server did not start"
	natd_start natd-vmup --name vmup --nic1 nat --attach1 "tap:$tap"
	pid=$NATD_PID
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap"
	base=$(rss_kb "$pid")
	for ((i = 0; i < n; i++)); do
		ip netns exec "$ns" socat -u OPEN:/dev/zero TCP:198.51.100.1:9201 > /dev/null 2>&1 &
		_pids+=("$!")
	done
	for ((i = 0; i < 30; i++)); do
		out=$("$NATD_BIN" showvminfo vmup --machinereadable |
			awk -F= '/_bytes_out=/ { s += $2 } END { printf "%d\n", s }')
		[ "$out" = "$prev" ] && [ "$out" -gt 0 ] && break
		prev=$out
		sleep 2
	done
	peak=$(rss_kb "$pid")
	held=$("$NATD_BIN" showvminfo vmup --machinereadable | sed -n 's/^tcp_buffer_guest_bytes=//p')
	log "rss vmup: baseline ${base} kB, with $n stalled uploads ${peak} kB (+$((peak - base)) kB)," \
		"$out bytes written to the host sockets, $held bytes held"
	check "vmup: at most the receive window (1 MiB) held per upload ($held bytes)" \
		test "$held" -gt 0 -a "$held" -le $((n * 1048576))
	if [ "$asan" = 1 ]; then
		log "vmup: RSS not checked: AddressSanitizer's redzones and quarantine"
	else
		check "vmup: RSS grew by at most $((n * 1536 + 8192)) kB for $n stalled uploads" \
			test $((peak - base)) -le $((n * 1536 + 8192))
	fi
	# The server goes away: natd lets go of everything it held.
	kill "$srv" 2>/dev/null || true
	check "vmup: nothing held once the server is gone" wait_for 30 sh -c \
		"'$NATD_BIN' showvminfo vmup --machinereadable | grep -qx 'tcp_buffer_guest_bytes=0'"
	natd_stop "$pid"
}

# Per flow natd keeps at most the guest's window plus 128 KiB in lwIP, in
# chunks of 64 KiB: about 256 KiB a stalled flow, 8 MiB for 30. Allow twice
# that for lwIP's own segments and the allocator.
run_phase vmmem $((N_CONN * 512 + 8192))
# With a global cap of 2 MiB, the flows share it (each may still take one
# small chunk when it holds nothing, so every flow makes progress).
run_phase vmcap $((2048 + N_CONN * 64 + 8192)) --max-tcp-buffer 2M
upload_phase 10
done_testing
