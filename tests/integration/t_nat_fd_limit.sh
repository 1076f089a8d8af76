#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natd under a low descriptor limit (prlimit --nofile=96:128): it raises the
# soft limit to the hard one, lowers its flow limits to what the limit
# leaves after a reserve and says so. A guest opening more connections than
# fit gets the rest refused at once (RST) and counted; meanwhile showvminfo
# answers, the guest gets a new DHCP lease and DNS answers through the
# proxy; once the connections end new ones work again. Descriptors that run
# out anyway (here: many control-socket clients) are counted as EMFILE.
. "$(dirname "$0")/lib.sh"

command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
command -v prlimit >/dev/null || fail "prlimit missing (util-linux)"
HOLD="$NATD_TEST_BIN/tcp_hold"
[ -x "$HOLD" ] || fail "$HOLD missing (build the tests)"
N="$NATD_BIN"

# The guest, natd under 96:128 descriptors, a nameserver answering h.fds.test
# and tcp_hold's server on 198.51.100.1:9300.
fd_limit_guest vmfd 96:128 h.fds.test
pid=$NATD_PID

check "the soft limit is raised to the hard limit" \
	grep -q 'descriptors: RLIMIT_NOFILE raised from 96 to 128' "$T/natd.log"
expect_eq "natd runs with 128 descriptors" 128 \
	"$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")"
check "the flow limits are lowered to the descriptors, and logged" \
	grep -Eq 'descriptors: RLIMIT_NOFILE 128, 64 kept in reserve: guests may make natd open [0-9]+; flow limits lowered to that \(TCP [0-9]+, UDP [0-9]+, ICMP [0-9]+; asked for 16384, 4096, 256\)' "$T/natd.log"
"$N" showvminfo vmfd --machinereadable > "$T/info"
budget=$(sed -n 's/^descriptors_for_guests=//p' "$T/info")
log "descriptors guests may use: $budget"
check "a budget is left for the guest" test "$budget" -ge 20
expect_eq "the TCP flow limit is the budget" "$budget" \
	"$(sed -n 's/^flow_counters_tcp_max=//p' "$T/info")"

# More connections than fit: the rest are refused at once.
want=$((budget + 60))
ip netns exec "$ns" "$HOLD" connect 198.51.100.1 9300 "$want" 20 > "$T/hold.out" &
_pids+=("$!")
holder=$!
check "the guest's connections finish (connected or refused)" wait_for 30 test -s "$T/hold.out"
log "$want connections: $(cat "$T/hold.out")"
expect_eq "as many connect as the budget allows" "$budget" \
	"$(sed -n 's/.*connected=\([0-9]*\).*/\1/p' "$T/hold.out")"
expect_eq "the others are refused (RST), none left hanging" \
	"refused=60 unreachable=0 timedout=0 other=0" \
	"$(grep -o 'refused=.*' "$T/hold.out")"
check "natd stays below its limit" test "$(ls "/proc/$pid/fd" | wc -l)" -lt 128

# Control socket, DHCP and DNS keep working meanwhile.
check "showvminfo answers while the budget is used up" \
	sh -c "timeout 10 '$N' showvminfo vmfd --machinereadable > '$T/info'"
check "the refusals are counted" grep -q '^descriptors_refused=60$' "$T/info"
check "as descriptor_limit drops" grep -q '^drops_descriptor_limit=60$' "$T/info"
expect_eq "the budget is in use" "$budget" "$(sed -n 's/^descriptors_guests_use=//p' "$T/info")"
check "the guest gets a DHCP lease meanwhile" \
	timeout 15 ip netns exec "$ns" busybox udhcpc -f -q -n -i "$tap" -s /bin/true -t 3 -T 2
expect_eq "DNS through natd's proxy answers meanwhile" 192.0.2.7 \
	"$(ip netns exec "$ns" dig @10.0.2.3 +time=3 +tries=2 +short h.fds.test A)"

# The connections end: descriptors come back and new flows work.
kill "$holder"
released() { "$N" showvminfo vmfd --machinereadable | grep -q '^descriptors_guests_use=0$'; }
check "the descriptors come back when the connections end" wait_for 20 released
ip netns exec "$ns" "$HOLD" connect 198.51.100.1 9300 5 10 > "$T/again.out" &
_pids+=("$!")
check "new connections work again" wait_for 15 grep -q '^connected=5 ' "$T/again.out"
kill "${_pids[-1]}"

# Descriptors run out for another reason (control-socket clients): EMFILE is
# counted and logged, and showvminfo works again once they are gone.
"$HOLD" unix "$NATD_HOME/run/vmfd.ctl" 150 > "$T/unix.out" &
_pids+=("$!")
check "the control-socket clients connected" wait_for 15 test -s "$T/unix.out"
log "control-socket clients: $(cat "$T/unix.out")"
kill "${_pids[-1]}"
answers() { timeout 5 "$N" showvminfo vmfd --machinereadable > "$T/info"; }
check "showvminfo answers again" wait_for 15 answers
exhausted=$(sed -n 's/^descriptors_exhausted=//p' "$T/info")
check "EMFILE counted ($exhausted)" test "$exhausted" -ge 1
check "and logged" grep -q 'descriptors: control socket: accept: Too many open files' "$T/natd.log"

natd_stop "$pid"
done_testing
