# SPDX-License-Identifier: MIT
#
# lib.sh - natd's integration harness, sourced by every tests/integration/t_*.sh.
#
# A test builds its own little world and tears it down whatever happens:
#   - natd runs on "the host" (the test's own network namespace, see below)
#     on a tap it creates;
#   - the tap is moved into a fresh "guest" network namespace (natd's fd keeps
#     working), where the Linux kernel's stack and real clients (udhcpc,
#     dhclient, ping, curl...) play the VM;
#   - later tests add a "remote" namespace on a veth pair with documentation
#     addresses (198.51.100.0/24, 2001:db8::/32) for servers.
# Everything created is registered and removed by one EXIT trap. Every wait is
# bounded. DHCP clients run with our own scripts and lease files under the
# test's temporary directory, so nothing on the host (/etc/resolv.conf
# included) is ever rewritten.
#
# Results: each check prints "ok - ..." or "not ok - ..."; the script exits
# non-zero on the first failure after dumping natd's log.

set -euo pipefail

NATD_BIN=${NATD_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/natd}
NATD_SRC=${NATD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NATD_TEST_BIN=${NATD_TEST_BIN:-$(dirname "$NATD_BIN")/tests}

[ "$(id -u)" = 0 ] || { echo "SKIP: integration tests need root (namespaces, taps)"; exit 77; }

# Each test runs in a network namespace of its own (unnamed, made by
# unshare), which plays "the host": natd, its taps, the host end of veths and
# host-side servers live there. Tests therefore never touch the machine's own
# addresses, routes or sysctls, and several may run at once.
if [ -z "${NATD_IT_PRIVATE_NET:-}" ]; then
	export NATD_IT_PRIVATE_NET=1
	exec unshare --net -- bash "${BASH_SOURCE[1]}" "$@"
fi
ip link set lo up
[ -x "$NATD_BIN" ] || { echo "not ok - natd binary $NATD_BIN missing (build first)"; exit 1; }

T=$(mktemp -d /tmp/natd-it.XXXXXX)
# A short id for interface and namespace names (IFNAMSIZ is 16).
ID=$(printf '%04x' $(( $$ % 65536 )))
export NATD_HOME="$T/home"
export NATD_RESOLV_CONF="$T/resolv.conf"
printf 'nameserver 127.0.0.53\nsearch test.example\n' > "$NATD_RESOLV_CONF"

_namespaces=()
_links=()
_routes=()
_pids=()
_natd_pids=()
_failed=0
_checks=0

log() { echo "# $*"; }

_cleanup() {
	local rc=$?
	local p ns l
	set +e
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_natd_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_pids[@]}" "${_natd_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	[ -f "$T/.namespaces" ] && mapfile -t -O "${#_namespaces[@]}" _namespaces < "$T/.namespaces"
	for ns in "${_namespaces[@]}"; do
		# kill anything still running inside
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for l in "${_links[@]}"; do ip link del "$l" 2>/dev/null; done
	for r in "${_routes[@]}"; do ip route del $r 2>/dev/null; done
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		for f in "$T"/natd*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f"
			sed 's/^/#   /' "$f" | tail -n 60
		done >&2
	fi
	[ -n "${NATD_TEST_KEEP:-}" ] && cp -a "$T" "$NATD_TEST_KEEP" 2>/dev/null; rm -rf "$T"
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

ok() { _checks=$((_checks + 1)); echo "ok $_checks - $*"; }
# Failures go to stderr: a helper's stdout may be redirected to a file.
fail() {
	_checks=$((_checks + 1))
	echo "not ok $_checks - $*" >&2
	exit 1
}
# check DESCRIPTION COMMAND...: runs the command, ok if it succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what (command: $*)"; fi
}
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
# expect_refused [--one-line] WHAT STATUS TEXT COMMAND...: COMMAND (at most
# 30 s) must fail with exit STATUS ("any": any non-zero) and TEXT, a fixed
# string, in what it wrote on stderr (--one-line: in one line, all it
# wrote there). Its output is left in $T/refused.out and $T/refused.err.
# Fails the test otherwise; prints nothing when it holds (the caller's ok).
expect_refused() {
	local one=0 what want text rc=0
	[ "$1" = --one-line ] && { one=1; shift; }
	what=$1 want=$2 text=$3
	shift 3
	timeout 30 "$@" > "$T/refused.out" 2> "$T/refused.err" || rc=$?
	if [ "$want" = any ]; then
		[ "$rc" != 0 ] || fail "$what: accepted ($(printf '%q ' "$@"))"
	else
		[ "$rc" = "$want" ] ||
			{ cat "$T/refused.err" >&2; fail "$what: exit status $rc, expected $want"; }
	fi
	grep -qF -- "$text" "$T/refused.err" ||
		{ cat "$T/refused.err" >&2; fail "$what: no '$text' in the message"; }
	[ "$one" = 0 ] || [ "$(wc -l < "$T/refused.err")" = 1 ] ||
		{ cat "$T/refused.err" >&2; fail "$what: more than one line"; }
}
# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# new_netns NAME: a namespace with lo up, removed at exit. Prints its name.
# Called as ns=$(new_netns x), i.e. in a subshell: the name is recorded in a
# file, not only in _namespaces, so that the EXIT trap finds it.
new_netns() {
	local ns="natd-$1-$ID"
	# a stale one of a dead test with the same id would be reused silently
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	_namespaces+=("$ns")
	echo "$ns" >> "$T/.namespaces"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# new_remote: a "remote" host: namespace REMOTE_NS on a veth pair, with
# 198.51.100.1/24 (and 2001:db8:100::1/64) there and 198.51.100.2/24 (and
# 2001:db8:100::2/64) on the host end, so host sockets reach it directly.
new_remote() {
	local h="vh$ID" r="vr$ID"
	REMOTE_NS=$(new_netns remote)
	ip link add "$h" type veth peer name "$r"
	_links+=("$h")
	ip link set "$r" netns "$REMOTE_NS"
	ip addr add 198.51.100.2/24 dev "$h"
	ip -6 addr add 2001:db8:100::2/64 dev "$h" nodad 2>/dev/null || true
	ip link set "$h" up
	ip -n "$REMOTE_NS" addr add 198.51.100.1/24 dev "$r"
	ip -n "$REMOTE_NS" -6 addr add 2001:db8:100::1/64 dev "$r" nodad 2>/dev/null || true
	ip -n "$REMOTE_NS" link set "$r" up
	wait_for 5 ping -c 1 -W 1 198.51.100.1 >/dev/null || fail "remote namespace unreachable from the host"
}

# listening NS tcp|udp ADDR:PORT: true once a socket listens there ("-" for
# the host's own namespace). Use with wait_for instead of sleeping.
listening() {
	local ns=$1 proto=$2 addr=$3 opt=-ltn
	[ "$proto" = udp ] && opt=-lun
	if [ "$ns" = - ]; then
		ss -H $opt "src $addr" | grep -q .
	else
		ip netns exec "$ns" ss -H $opt "src $addr" | grep -q .
	fi
}

# host_route ROUTE...: adds a route in the host namespace, removed at exit.
host_route() {
	ip route add "$@"
	_routes+=("$*")
}

# bg COMMAND...: runs a command in the background, killed at exit.
bg() {
	"$@" &
	_pids+=("$!")
}

# sniff_end PID OUT [LINE]: ends a capture started in the background (tcpdump
# -l --immediate-mode writing text to OUT) once LINE, a grep pattern it must
# show, is in OUT; without LINE 1 s later (what it must not see would have
# come by then).
sniff_end() {
	if [ -n "${3:-}" ]; then
		wait_for 10 grep -q "$3" "$2" || true
	else
		sleep 1
	fi
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# guest_up NS TAP: lease over DHCP and configure the guest (default route via
# the gateway).
guest_up() {
	udhcpc_lease "$1" "$2" > "$T/lease.$2" || fail "no lease"
}

# natd_start LOGNAME ARGS...: starts `natd run ARGS` in the background, logging
# to $T/LOGNAME.log, and waits (10 s at most) until it says it is running.
# Sets NATD_PID. NATD_PREFIX, when set, is a command that execs natd (e.g.
# "prlimit --nofile=128:128"), split on spaces.
natd_start() {
	local logname=$1
	shift
	# shellcheck disable=SC2086
	${NATD_PREFIX:-} "$NATD_BIN" run "$@" > "$T/$logname.log" 2>&1 &
	NATD_PID=$!
	_natd_pids+=("$NATD_PID")
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q ': running (' "$T/$logname.log" 2>/dev/null && return 0
		kill -0 "$NATD_PID" 2>/dev/null || { cat "$T/$logname.log" >&2; fail "natd exited at start-up"; }
		sleep 0.1
	done
	fail "natd did not report running within 10 s"
}

# natd_stop PID: SIGTERM, waits (10 s) and expects exit status 0.
natd_stop() {
	local pid=$1 i rc
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "natd did not exit within 10 s of SIGTERM"
	set +e
	wait "$pid"
	rc=$?
	set -e
	expect_eq "natd exits 0 after SIGTERM" 0 "$rc"
}

# tap_into_ns TAP NS: moves natd's tap into the guest namespace and brings it up.
tap_into_ns() {
	local tap=$1 ns=$2
	wait_for 5 ip link show "$tap" >/dev/null || fail "tap $tap was not created"
	ip link set "$tap" netns "$ns"
	ip -n "$ns" link set "$tap" up
}

# udhcpc_lease NS IFACE [extra udhcpc args]: runs busybox udhcpc once in NS;
# prints the variables of the lease (ip=, router=, dns=, ...) and configures
# the interface. Fails when no lease came within 10 s.
udhcpc_lease() {
	local ns=$1 ifc=$2
	shift 2
	local script="$T/udhcpc.script" out="$T/udhcpc.$ifc.env"
	cat > "$script" <<-'EOF'
	#!/bin/sh
	# natd test script: record the lease, configure the interface; never
	# touches /etc/resolv.conf.
	case "$1" in
	deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
	bound|renew)
		{ for v in ip subnet router dns domain search mtu broadcast lease serverid siaddr boot_file; do
			eval "echo $v=\${$v:-}"
		done; } > "$UDHCPC_OUT"
		ip addr flush dev "$interface"
		ip addr add "$ip/${mask:-24}" broadcast "${broadcast:-+}" dev "$interface"
		[ -n "${mtu:-}" ] && ip link set "$interface" mtu "$mtu"
		for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
		;;
	esac
	exit 0
	EOF
	chmod +x "$script"
	rm -f "$out"
	UDHCPC_OUT="$out" timeout 15 ip netns exec "$ns" busybox udhcpc -f -q -n -i "$ifc" \
		-s "$script" -t 5 -T 2 -O mtu -O search "$@" > "$T/udhcpc.$ifc.log" 2>&1 ||
		{ cat "$T/udhcpc.$ifc.log" >&2; fail "udhcpc got no lease on $ifc"; }
	[ -s "$out" ] || fail "udhcpc script recorded no lease"
	cat "$out"
}

# dhclient_lease NS IFACE: ISC dhclient, once, with our own config, script,
# lease and pid files. Prints new_* variables of the lease.
dhclient_lease() {
	local ns=$1 ifc=$2
	local script="$T/dhclient.script" out="$T/dhclient.$ifc.env"
	cat > "$T/dhclient.conf" <<-'EOF'
	request subnet-mask, broadcast-address, routers, domain-name,
		domain-name-servers, domain-search, interface-mtu, host-name;
	EOF
	cat > "$script" <<-'EOF'
	#!/bin/sh
	# natd test script: record the lease, configure the interface; never
	# touches /etc/resolv.conf.
	case "$reason" in
	PREINIT) ip link set "$interface" up ;;
	BOUND|RENEW|REBIND|REBOOT)
		set | grep '^new_' > "@OUT@"
		ip addr flush dev "$interface"
		ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
		for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
		;;
	esac
	exit 0
	EOF
	# dhclient runs its script with an environment of its own: bake the path in.
	sed -i "s|@OUT@|$out|" "$script"
	chmod +x "$script"
	rm -f "$out"
	timeout 20 ip netns exec "$ns" dhclient -1 -v -cf "$T/dhclient.conf" \
		-sf "$script" -lf "$T/dhclient.$ifc.leases" -pf "$T/dhclient.$ifc.pid" "$ifc" \
		> "$T/dhclient.$ifc.log" 2>&1 ||
		{ cat "$T/dhclient.$ifc.log" >&2; fail "dhclient got no lease on $ifc"; }
	# dhclient daemonises after binding; stop it (it is in the netns anyway).
	[ -f "$T/dhclient.$ifc.pid" ] && kill "$(cat "$T/dhclient.$ifc.pid")" 2>/dev/null || true
	[ -s "$out" ] || fail "dhclient script recorded no lease"
	cat "$out"
}

# guest6_sysctls NS: IPv6 defaults in the guest namespace for interfaces moved
# in afterwards: accept router advertisements (accept_ra=2, as for a host that
# might forward), one DAD probe, router solicitation without the initial
# random delay. DAD stays on (natd must answer it correctly).
guest6_sysctls() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_ra=2 \
		net.ipv6.conf.default.dad_transmits=1 \
		net.ipv6.conf.default.router_solicitation_delay=0
}

# guest6_addr NS IFACE: waits (15 s at most) until IFACE has a global address
# (SLAAC from natd's RAs) that passed DAD, and prints it.
guest6_addr() {
	local i a
	for ((i = 0; i < 150; i++)); do
		a=$(ip -n "$1" -6 -o addr show dev "$2" scope global -tentative -dadfailed |
			awk '{ sub("/.*", "", $4); print $4; exit }')
		[ -n "$a" ] && { echo "$a"; return 0; }
		sleep 0.1
	done
	return 1
}

# lease_var FILE NAME: the value of NAME=... in a recorded lease.
lease_var() {
	sed -n "s/^$2=//p" "$1" | tr -d "'" | head -n1
}

# (A UDP server's SYSTEM command must read its input, as with "; cat
# >/dev/null": socat writes the datagram into it, and when the command has
# already exited that write fails with EPIPE and the child may quit before
# relaying the answer.)

# (A TCP client that only reads what a server sends runs `socat -u ADDRESS -`,
# never `socat - ADDRESS </dev/null`: that one half-closes at once, and then
# socat on each side waits only its -t (0.5 s) for the rest, so on a loaded
# machine a server's answer slower than that is lost ("expected X, got ''",
# the server's write failing with EPIPE). With -u the client sends nothing;
# the server's answer, then its close, end the client. Servers for it answer
# and exit (SYSTEM:'echo ...', no `cat`).)

# http_client_echo NS SOCAT-LISTEN: an HTTP server in NS ("-" for the host's
# namespace) on socat's listening address (e.g. TCP-LISTEN:80,bind=ADDR)
# that answers every request with "client=PEER", the address it saw.
http_client_echo() {
	local ns=$1 listen=$2
	[ -x "$T/http.sh" ] || {
		cat > "$T/http.sh" <<-'EOS'
		#!/bin/sh
		read -r line
		printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclient=%s\n' "$SOCAT_PEERADDR"
		EOS
		chmod +x "$T/http.sh"
	}
	if [ "$ns" = - ]; then
		bg socat "$listen,reuseaddr,fork" EXEC:"$T/http.sh"
	else
		bg ip netns exec "$ns" socat "$listen,reuseaddr,fork" EXEC:"$T/http.sh"
	fi
}

# rdisc NS IFACE: rdisc6's report of one router advertisement on IFACE, once
# the interface has a link-local address that passed DAD to send from.
rdisc() {
	local i
	for ((i = 0; i < 100; i++)); do
		ip -n "$1" -6 addr show dev "$2" scope link -tentative | grep -q inet6 && break
		sleep 0.1
	done
	ip netns exec "$1" rdisc6 -1 -w 3000 -r 3 "$2"
}

# natnet_start NAME: `natd natnetwork start`; the service is killed at exit
# whatever happens, and its log is shown on failure.
natnet_start() {
	"$NATD_BIN" natnetwork start --netname "$1" || return 1
	_pids+=("$(cat "$NATD_HOME/run/natnet-$1.pid")")
	ln -sf "$NATD_HOME/run/natnet-$1.log" "$T/natd-svc-$1.log"
}

# remote_udp_echo PORT: a UDP echo on 198.51.100.1:PORT in the remote
# namespace (new_remote), killed at exit; each datagram is also printed, a
# line each, on its standard output. Waits (10 s) until it listens.
remote_udp_echo() {
	bg ip netns exec "$REMOTE_NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", int(sys.argv[1])))
while True:
    d, peer = s.recvfrom(2048)
    print(d.decode(errors="replace"), flush=True)
    s.sendto(d, peer)' "$1"
	wait_for 10 listening "$REMOTE_NS" udp "198.51.100.1:$1" || fail "UDP echo did not start"
}

# natnet_vms NET TAGPREFIX VM...: each VM joins NAT network NET as a kernel
# guest: a namespace (NS[VM]), a `natd run --name VM` sidecar on the tap
# TAGPREFIX<index>$ID (TAP[VM]) moved into it, and a DHCP lease (udhcpc's
# variables in $T/lease.VM). The caller declares the associative arrays:
# `declare -A NS TAP`.
natnet_vms() {
	local net=$1 pfx=$2 i=0 vm
	shift 2
	for vm in "$@"; do
		TAP[$vm]="$pfx$i$ID"
		NS[$vm]=$(new_netns "$vm")
		natd_start "natd-$vm" --name "$vm" --nic1 natnetwork --nat-network1 "$net" \
			--attach1 "tap:${TAP[$vm]}"
		tap_into_ns "${TAP[$vm]}" "${NS[$vm]}"
		udhcpc_lease "${NS[$vm]}" "${TAP[$vm]}" > "$T/lease.$vm"
		i=$((i + 1))
	done
}

# natnet_stop NAME: `natd natnetwork stop`; the service's log must end with a
# clean stop and hold no sanitizer report.
natnet_stop() {
	local log="$NATD_HOME/run/natnet-$1.log"
	"$NATD_BIN" natnetwork stop --netname "$1" || return 1
	tail -n 1 "$log" | grep -q ': stopped$' || { tail -n 20 "$log" >&2; return 1; }
	! grep -Eq 'Sanitizer|runtime error' "$log" || { grep -E -A20 'Sanitizer|runtime error' "$log" >&2; return 1; }
}

# dns_upstream CONF: dnsmasq with configuration file CONF in the remote
# namespace (pid file CONF.pid); waits (10 s) until it listens on UDP port 53
# of CONF's listen-address.
dns_upstream() {
	local conf=$1 addr
	addr=$(sed -n 's/^listen-address=//p' "$conf")
	[ -n "$addr" ] || fail "$conf: no listen-address"
	bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --conf-file="$conf" \
		--pid-file="$conf.pid" --user=root
	wait_for 10 listening "$REMOTE_NS" udp "$addr:53" || fail "dnsmasq did not start on $addr ($conf)"
}

# fd_limit_guest VM NOFILE NAME: the guest's namespace ($ns, tap $tap) behind
# natd run --name VM under `prlimit --nofile=NOFILE` (NATD_PID, log
# $T/natd.log), and a remote namespace serving it: dnsmasq answering NAME
# with 192.0.2.7 (natd's resolver file names it) and tcp_hold listening on
# 198.51.100.1:9300. What t_nat_fd_limit and the bench's hostile_guest.sh fds
# share.
fd_limit_guest() {
	tap="nt$ID"
	ns=$(new_netns guest)
	new_remote
	printf '%s\n' no-resolv no-hosts bind-interfaces listen-address=198.51.100.1 \
		"host-record=$3,192.0.2.7" > "$T/dnsmasq.conf"
	dns_upstream "$T/dnsmasq.conf"
	printf 'nameserver 198.51.100.1\n' > "$NATD_RESOLV_CONF"
	bg ip netns exec "$REMOTE_NS" "$NATD_TEST_BIN/tcp_hold" listen 198.51.100.1 9300
	wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9300 || fail "tcp_hold did not start"
	NATD_PREFIX="prlimit --nofile=$2" natd_start natd --name "$1" --nic1 nat --attach1 "tap:$tap"
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap"
}

done_testing() {
	echo "# $_checks checks passed"
}
