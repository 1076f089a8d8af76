#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh [--quick] [--reps N] [--out FILE] [--duration S] [--idle N] [--no-build]
#        [--phases LIST] [--rows LIST] [--natd BIN] [--natd-b BIN]
#        [--veth-softirq]
#
# natd's benchmark against slirp4netns. Builds natd in release mode
# (build-release/), installs what it needs (iperf3, wrk, slirp4netns,
# nginx-light, ...), sets up the same topology for both systems and measures
# them alternately, run by run; prints a table (natd, slirp4netns, ratio per
# row) and writes it as JSON (default tests/bench/results/latest.json).
#
# Topology (every namespace is the benchmark's own, removed on exit):
#
#   guest-natd  [tap, 10.0.2.15/24] ---tap--- natd        \
#                                                          +- bench "host" ns
#   guest-slirp [tap0, 10.0.2.100/24] --tap-- slirp4netns /  198.51.100.2/24
#                                                              | veth
#                                      remote ns 198.51.100.1/24: nginx,
#                                      iperf3 -s, idle-connection server
#
# natd and slirp4netns run in a namespace of their own (the "host" side of
# the NAT) rather than in the root namespace: their host sockets reach
# 198.51.100.1 over the veth and nothing else (no default route there), and
# nothing the benchmark does is visible in, or can clash with, the machine's
# root namespace.
#
# A system whose pre-check (HTTP from the guest to the remote) fails gets
# "n/a" with the reason in every row of that phase; the run goes on. No
# timed assertion: the exit status is 0 whatever the ratios (1 only when the
# benchmark itself could not run).
set -euo pipefail

usage() {
	sed -n '4,6p' "$0" | sed 's/^# //'
	cat <<-'EOF'
	  --quick       1 repetition, 5 s per iperf3/wrk run, 1000 idle connections
	  --reps N      repetitions per row and system (default 3)
	  --out FILE    JSON output (default tests/bench/results/latest.json)
	  --duration S  seconds per iperf3/wrk run (default 5)
	  --idle N      idle TCP connections for the RSS rows (default 10000)
	  --no-build    use the existing build-release/natd
	  --phases LIST comma-separated phases to run (default all):
	                65520, 1500, mixed (NAT MTU 65520, guest MTU 1500;
	                Python http.server for the connection rate), qemu (QEMU's
	                stream transport through a hub vs QEMU's -netdev user),
	                vm (a Debian kernel under QEMU TCG: natd stream, natd
	                vhost-user, -netdev user), idle
	  --rows LIST   comma-separated rows to run in the tap phases (default
	                all): iperf rows by name (tput_g2r_P1_mtu1500, ...),
	                connrate, connrate_pyhttp, connrate1_pyhttp,
	                connrate_pyhttp_q128 (listen backlog 128), latency
	  --natd BIN    the natd binary to measure (implies --no-build)
	  --natd-b BIN  a second natd (system natd_b, e.g. main's binary) run
	                in turn with natd and the other in the tap phases: an
	                A/B in one run (its samples in the .samples.tsv file)
	  --veth-softirq  the veth to the remote without NAPI (as before stop
	                29): the remote's TCP then runs in the softirq of
	                whichever NAT's system call sent it a packet and is
	                counted as that NAT's CPU. Default: threaded NAPI
	                (veth_napi.sh), the remote's receive and transmit in
	                the veth's own kernel threads, as a remote on a real
	                network does them on its own machine
	Environment: NATD_BENCH_CMAKE_ARGS extra cmake configure arguments;
	NATD_BENCH_KEEP=1 keeps the temporary directory (logs) after the run;
	NATD_BENCH_PERF=PREFIX profiles natd (perf record -g) during each of its
	iperf3 and wrk runs into PREFIX.ROW.data and PREFIX.wrk-MODE-ROW.data;
	NATD_BENCH_HUB_MTUS the qemu phase's MTUs (default "1500 32000 65520");
	NATD_BENCH_VM_DIR the vm phase's kernel and initramfs (a cache, default
	~/.cache/natd/bench-vm; tests/bench/vm_image.sh builds it).
	EOF
}

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$SRC/tests/bench
REPS=3 DUR=5 IDLE_N=10000 OUT=$BENCH/results/latest.json BUILD=1 QUICK=0
PHASES=65520,1500,mixed,qemu,vm,idle ROWS= NATD= NATD_B= VETH_ACCT=threaded
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 REPS=1 DUR=5 IDLE_N=1000 ;;
	--reps) REPS=$2; shift ;;
	--out) OUT=$2; shift ;;
	--duration) DUR=$2; shift ;;
	--idle) IDLE_N=$2; shift ;;
	--no-build) BUILD=0 ;;
	--phases) PHASES=$2; shift ;;
	--rows) ROWS=$2; shift ;;
	--natd) NATD=$(realpath "$2"); BUILD=0; shift ;;
	--natd-b) NATD_B=$(realpath "$2"); shift ;;
	--veth-softirq) VETH_ACCT=softirq ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
for v in REPS DUR IDLE_N; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad number for $v: ${!v}" >&2; exit 2; }
done
for ph in ${PHASES//,/ }; do
	case $ph in 65520|1500|mixed|qemu|vm|idle) ;;
	*) echo "run.sh: unknown phase '$ph' (65520, 1500, mixed, qemu, vm, idle)" >&2; exit 2 ;;
	esac
done
phase() { [[ ",$PHASES," == *",$1,"* ]]; }
# want ROW: ROW is to be measured (--rows).
want() { [ -z "$ROWS" ] || [[ ",$ROWS," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (network namespaces, taps)" >&2; exit 1; }
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

say() { echo "# $*" >&2; }

# ---------------------------------------------------------------- packages
PY=/usr/bin/python3
pkgs=(iperf3 wrk slirp4netns nginx-light iproute2 procps curl busybox python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nginx-light or full nginx: either provides the binary.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v nginx > /dev/null; then
	missing=("${missing[@]/nginx-light/}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d')
if [ "${#missing[@]}" -gt 0 ]; then
	say "installing ${missing[*]}"
	apt-get update -q > /dev/null
	# policy-rc.d: do not let the nginx package start a system-wide server.
	prc=/usr/sbin/policy-rc.d
	if [ ! -e $prc ]; then printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; added_prc=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" > /dev/null || {
		[ "${added_prc:-0}" = 1 ] && rm -f $prc
		echo "run.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
	[ "${added_prc:-0}" = 1 ] && rm -f $prc
fi

# ------------------------------------------------------------------- build
NATD=${NATD:-$SRC/build-release/natd}
if [ "$BUILD" = 1 ]; then
	say "building natd (release) in build-release/"
	(cd "$SRC" && BUILD_DIR=build-release \
		CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DNATD_TESTS=OFF ${NATD_BENCH_CMAKE_ARGS:-}" \
		scripts/setup.sh > "$SRC/build-release.build.log" 2>&1) ||
		{ tail -n 30 "$SRC/build-release.build.log" >&2; echo "run.sh: build failed" >&2; exit 1; }
fi
[ -x "$NATD" ] || { echo "run.sh: $NATD missing (drop --no-build)" >&2; exit 1; }
[ -z "$NATD_B" ] || [ -x "$NATD_B" ] || { echo "run.sh: $NATD_B missing" >&2; exit 1; }

# -------------------------------------------------------- world & cleanup
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# The NAT holds one host socket per idle connection, the idle server one more.
[ "$(ulimit -n)" -gt $((IDLE_N + 1000)) ] ||
	say "warning: open-file limit $(ulimit -n) is low for $IDLE_N idle connections"
T=$(mktemp -d /tmp/natd-bench.XXXXXX)
chmod 755 "$T"		# nginx workers (nobody) read $T/www
ID=$(printf '%04x' $(( $$ % 65536 )))
NS_HOST=natdb-host-$ID NS_REMOTE=natdb-remote-$ID
NS_GUEST_natd=natdb-gn-$ID NS_GUEST_natd_b=natdb-gb-$ID NS_GUEST_slirp4netns=natdb-gs-$ID NS_GUEST_qemuuser=natdb-gq-$ID
REMOTE=198.51.100.1 HOSTADDR=198.51.100.2
SAMPLES=$T/samples.tsv
: > "$SAMPLES"
export NATD_HOME=$T/natd-home NATD_RESOLV_CONF=$T/resolv.conf
printf 'nameserver 198.51.100.53\n' > "$NATD_RESOLV_CONF"	# unreachable by design

_pids=()
_namespaces=()
# The original stdout/stderr: a signal can arrive while a redirected command
# (fg ... > file) runs, and the trap would otherwise write into that file.
exec {STDOUT_FD}>&1 {STDERR_FD}>&2
_cleanup() {
	local rc=$? p ns
	set +e
	trap - INT TERM
	exec 1>&"$STDOUT_FD" 2>&"$STDERR_FD"
	[ "$rc" != 0 ] && say "exit status $rc: stopping everything"
	for p in "${_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for ns in "${_namespaces[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	sleep 0.2
	for ns in "${_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ "$rc" != 0 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f"; tail -n 20 "$f" | sed 's/^/#   /'
		done >&2
	fi
	if [ "${NATD_BENCH_KEEP:-0}" = 1 ]; then say "logs kept in $T"; else rm -rf "$T"; fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
netns_add() { ip netns add "$1"; _namespaces+=("$1"); ip -n "$1" link set lo up; }
netns_del() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$1" 2>/dev/null || true
}
# stop PID: SIGTERM, 10 s, then SIGKILL.
stop() {
	local p=$1 i
	if kill -TERM "$p" 2>/dev/null; then
		for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	fi
	wait "$p" 2>/dev/null || true
	_forget "$p"
}
# fg COMMAND...: runs COMMAND in the background and waits for it, so that a
# SIGINT/SIGTERM to the benchmark is handled at once (bash runs traps only
# between foreground commands). Returns COMMAND's exit status.
fg() {
	"$@" &
	local p=$! rc=0
	_pids+=("$p")
	wait "$p" || rc=$?
	_forget "$p"
	return "$rc"
}
# _forget PID: PID has been reaped; never signal it (or its reuse) again.
_forget() {
	local p keep=()
	for p in "${_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	_pids=("${keep[@]}")
}
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$SAMPLES"; say "[$2] $1: $3"; }
rec_na() { printf '%s\t%s\tNA\t%s\n' "$1" "$2" "$3" >> "$SAMPLES"; say "[$2] $1: n/a ($3)"; }

say "namespaces: $NS_HOST $NS_REMOTE $NS_GUEST_natd $NS_GUEST_slirp4netns; temp $T"
netns_add "$NS_HOST"
netns_add "$NS_REMOTE"
ip link add vb-host netns "$NS_HOST" type veth peer name vb-remote netns "$NS_REMOTE"
ip -n "$NS_HOST" link set vb-host mtu 65520 up
ip -n "$NS_REMOTE" link set vb-remote mtu 65520 up
ip -n "$NS_HOST" addr add $HOSTADDR/24 dev vb-host
ip -n "$NS_REMOTE" addr add $REMOTE/24 dev vb-remote
# How the remote's work is accounted (veth_napi.sh; --veth-softirq).
. "$BENCH/veth_napi.sh"
veth_accounting vb-host "$NS_HOST" vb-remote "$NS_REMOTE" "$VETH_ACCT"
say "veth to the remote: $VETH_ACCOUNTING accounting${VETH_NAPI_PIDS:+ (NAPI kthreads $VETH_NAPI_PIDS)}"
wait_for 5 ip netns exec "$NS_REMOTE" busybox ping -c1 -W1 $HOSTADDR ||
	{ echo "run.sh: veth $HOSTADDR <-> $REMOTE does not work" >&2; exit 1; }

# nginx in the remote namespace: a 100-byte file, keep-alive allowed.
mkdir -p "$T/www" "$T/nginx"
head -c 100 /dev/zero | tr '\0' 'x' > "$T/www/small"
cat > "$T/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
pid $T/nginx/nginx.pid;
error_log $T/nginx.log warn;
events { worker_connections 16384; }
http {
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen $REMOTE:80 backlog=4096;
		root $T/www;
		location / { }
	}
}
EOF
ip netns exec "$NS_REMOTE" nginx -e "$T/nginx.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	-g 'daemon off;' > "$T/nginx.out.log" 2>&1 &
_pids+=($!)
wait_for 10 ip netns exec "$NS_REMOTE" curl -sf -m 2 -o /dev/null http://$REMOTE/small ||
	{ echo "run.sh: nginx in the remote namespace does not answer" >&2; exit 1; }
# The idle-connection server (holds whatever it accepts; 1 hour at most).
timeout 3600 ip netns exec "$NS_REMOTE" "$PY" "$BENCH/idle.py" server $REMOTE 9000 3500 \
	> "$T/idle-server.log" 2>&1 &
_pids+=($!)
wait_for 10 grep -q listening "$T/idle-server.log" ||
	{ echo "run.sh: idle-connection server did not start" >&2; exit 1; }

# ------------------------------------------------------- the two systems
declare -A PID=() QPID=() REASON=()
NATD_STARTS=0 HUB=0 OTHER=slirp4netns
CLK_TCK=$(getconf CLK_TCK)

# start_natd MTU [GUEST_MTU]: natd (--natsettings1 MTU) on a tap in the host namespace, tap moved into a fresh
# guest namespace, address from natd's DHCP (busybox udhcpc with our script;
# static 10.0.2.15/24 via 10.0.2.2 if no lease).
start_natd() { start_natd_as natd "$NATD" nb-tap "$NATD_HOME" "$@"; }
# start_natd_b MTU [GUEST_MTU]: the same with --natd-b's binary (system natd_b).
start_natd_b() { start_natd_as natd_b "$NATD_B" nb-tapb "$T/natd-home-b" "$@"; }
# start_natd_as SYS BIN TAP HOME MTU [GUEST_MTU]
start_natd_as() {
	local s=$1 bin=$2 tap=$3 home=$4
	shift 4
	local mtu=$1 gmtu=${2:-$1} g=NS_GUEST_$s log i
	g=${!g}
	NATD_STARTS=$((NATD_STARTS + 1))
	log=$T/$s-$NATD_STARTS.log
	: > "$log" # exists before the first grep below, whenever natd opens it
	netns_add "$g"
	local attach=(--attach1 "tap:$tap" --nictype1 virtio)
	[ "$HUB" = 1 ] && attach=(--attach1 "stream:$T/hub.sock" --nictype1 virtio)
	rm -f "$T/hub.sock"
	NATD_HOME=$home ip netns exec "$NS_HOST" "$bin" run --name bench --nic1 nat "${attach[@]}" \
		--natsettings1 "$mtu" >> "$log" 2>&1 &
	PID[$s]=$!
	_pids+=("${PID[$s]}")
	for ((i = 0; i < 100; i++)); do
		grep -q ': running (' "$log" && break
		kill -0 "${PID[$s]}" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q ': running (' "$log"; then
		REASON[$s]="natd did not report running: $(tail -n1 "$log")"
		return 1
	fi
	if [ "$HUB" = 1 ]; then
		# QEMU's hub joins tap nb-tap to natd's stream socket.
		start_hub natd "-netdev stream,id=s,server=off,addr.type=unix,addr.path=$T/hub.sock" ||
			return 1
	fi
	wait_for 5 ip -n "$NS_HOST" link show "$tap" ||
		{ REASON[$s]="the tap $tap did not appear"; return 1; }
	ip -n "$NS_HOST" link set "$tap" netns "$g"
	ip -n "$g" link set "$tap" mtu "$gmtu" up
	cat > "$T/udhcpc.sh" <<-'EOF'
	#!/bin/sh
	# bench DHCP script: configures the interface only, never resolv.conf.
	case "$1" in
	deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
	bound|renew)
		ip addr flush dev "$interface"
		ip addr add "$ip/${mask:-24}" dev "$interface"
		for r in $router; do ip route replace default via "$r" dev "$interface"; break; done ;;
	esac
	exit 0
	EOF
	chmod +x "$T/udhcpc.sh"
	if ! fg timeout 15 ip netns exec "$g" busybox udhcpc -f -q -n -i "$tap" -s "$T/udhcpc.sh" \
		-t 3 -T 2 >> "$T/udhcpc.log" 2>&1; then
		say "[$s] no DHCP lease; configuring 10.0.2.15/24 statically"
		ip -n "$g" addr replace 10.0.2.15/24 dev "$tap"
		ip -n "$g" route replace default via 10.0.2.2 dev "$tap"
	fi
	return 0
}

# start_slirp4netns MTU [GUEST_MTU]: slirp4netns (--mtu MTU) in the host namespace, its tap in a fresh
# guest namespace (--configure: 10.0.2.100/24, default route via 10.0.2.2).
start_slirp4netns() {
	local mtu=$1 gmtu=${2:-$1} g=$NS_GUEST_slirp4netns
	netns_add "$g"
	ip netns exec "$NS_HOST" slirp4netns --configure --mtu="$mtu" --disable-host-loopback \
		--netns-type=path "/run/netns/$g" tap0 >> "$T/slirp4netns.log" 2>&1 &
	PID[slirp4netns]=$!
	_pids+=("${PID[slirp4netns]}")
	if ! wait_for 10 sh -c "ip -n $g route show default | grep -q 10.0.2.2"; then
		REASON[slirp4netns]="slirp4netns did not configure tap0: $(tail -n1 "$T/slirp4netns.log")"
		return 1
	fi
	[ "$gmtu" = "$mtu" ] || ip -n "$g" link set tap0 mtu "$gmtu"
	return 0
}

# start_hub SYS NETDEV: a QEMU process without a machine (the bench host
# namespace) whose hub joins NETDEV (id s) and a tap nb-tap (no virtio-net
# header: a hub has no offloads); QPID[SYS] is QEMU's pid.
start_hub() {
	local s=$1 nd=$2
	# shellcheck disable=SC2086
	ip netns exec "$NS_HOST" qemu-system-x86_64 -machine none -nodefaults \
		-display none $nd -netdev tap,id=t,ifname=nb-tap,script=no,downscript=no \
		-netdev hubport,id=h1,hubid=0,netdev=s -netdev hubport,id=h2,hubid=0,netdev=t \
		>> "$T/qemu-$s.log" 2>&1 &
	QPID[$s]=$!
	_pids+=("${QPID[$s]}")
	if ! wait_for 10 ip -n "$NS_HOST" link show nb-tap; then
		REASON[$s]="QEMU's hub did not start: $(tail -n1 "$T/qemu-$s.log")"
		return 1
	fi
	return 0
}

# start_qemuuser MTU: QEMU's own -netdev user (libslirp, 10.0.2.0/24) on the
# same hub; the guest's tap at MTU (QEMU 7.2 has no MTU option for -netdev
# user: libslirp's own MTU is 1500, its MSS 1460, whatever the guest's).
start_qemuuser() {
	local mtu=$1 g=$NS_GUEST_qemuuser
	netns_add "$g"
	start_hub qemuuser "-netdev user,id=s,net=10.0.2.0/24" || return 1
	PID[qemuuser]=${QPID[qemuuser]}
	ip -n "$NS_HOST" link set nb-tap netns "$g"
	ip -n "$g" link set nb-tap mtu "$mtu" up
	if ! fg timeout 15 ip netns exec "$g" busybox udhcpc -f -q -n -i nb-tap -s "$T/udhcpc.sh" \
		-t 3 -T 2 >> "$T/udhcpc.log" 2>&1; then
		say "[qemuuser] no DHCP lease; configuring 10.0.2.15/24 statically"
		ip -n "$g" addr replace 10.0.2.15/24 dev nb-tap
		ip -n "$g" route replace default via 10.0.2.2 dev nb-tap
	fi
	return 0
}

stop_system() {
	local s=$1 g=NS_GUEST_$1
	[ -n "${PID[$s]:-}" ] && stop "${PID[$s]}"
	[ -n "${QPID[$s]:-}" ] && [ "${QPID[$s]}" != "${PID[$s]:-}" ] && stop "${QPID[$s]}"
	PID[$s]= QPID[$s]=
	netns_del "${!g}"
}

# precheck SYS: HTTP from the guest to the remote, 3 tries of 3 s.
precheck() {
	local s=$1 g=NS_GUEST_$1 i rc=0 gw
	for ((i = 0; i < 3; i++)); do
		rc=0
		fg ip netns exec "${!g}" curl -sf -m 3 -o /dev/null http://$REMOTE/small || rc=$?
		[ "$rc" = 0 ] && return 0
		sleep 0.5
	done
	if ip netns exec "${!g}" busybox ping -c1 -W1 10.0.2.2 > /dev/null 2>&1; then
		gw="the gateway 10.0.2.2 answers ping"
	else
		gw="the gateway 10.0.2.2 does not answer ping either"
	fi
	case $rc in
	7) rc="connection refused/reset" ;;
	28) rc="timed out after 3 s" ;;
	*) rc="curl exit $rc" ;;
	esac
	REASON[$s]="pre-check failed: no HTTP from the guest to $REMOTE through $s ($rc; $gw)"
	return 1
}

# start_both MTU [GUEST_MTU]: (re)starts both systems; REASON[s] is empty when s passes
# traffic, else why not.
start_both() {
	local s
	local b=
	[ "$HUB" = 0 ] && b=${NATD_B:+natd_b}
	for s in natd $b $OTHER; do
		REASON[$s]=
		if start_"$s" "$@"; then precheck "$s" || true; fi
		if [ -n "${REASON[$s]}" ]; then say "[$s] ${REASON[$s]}"; else say "[$s] up, MTU $*, pre-check passed"; fi
	done
}

# usable SYS: passes traffic and is still running; else REASON[s] says why.
usable() {
	[ -n "${REASON[$1]}" ] && return 1
	if ! kill -0 "${PID[$1]}" 2>/dev/null; then
		REASON[$1]="$1 exited during the run (see its log)"
		return 1
	fi
	# An exited QEMU not reaped yet is a zombie: kill -0 still finds it.
	if [ -n "${QPID[$1]:-}" ] && { ! kill -0 "${QPID[$1]}" 2>/dev/null ||
		grep -q '^State:.*Z' "/proc/${QPID[$1]}/status" 2>/dev/null; }; then
		REASON[$1]="QEMU exited during the run: $(grep -v 'hub 0 with no nics' \
			"$T/qemu-$1.log" | tail -n1)"
		return 1
	fi
	return 0
}

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
vmrss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# iperf SYS DIR P MTU [CPUROW]: one iperf3 run from SYS's guest; DIR g2r (the
# guest sends) or r2g (the remote sends: iperf3 -R). Records Gbit/s received
# and, with CPUROW, the NAT's CPU seconds per GB received.
iperf() {
	local s=$1 dir=$2 p=$3 mtu=$4 cpurow=${5:-} qrow=${6:-} g=NS_GUEST_$1 row="tput_$2_P$3_mtu$4"
	local rflag=() c0 c1 q0=0 q1=0 spid out rc=0 res
	want "$row" || return 0
	[ "$dir" = r2g ] && rflag=(-R)
	if ! usable "$s"; then
		rec_na "$row" "$s" "${REASON[$s]}"
		[ -n "$cpurow" ] && rec_na "$cpurow" "$s" "${REASON[$s]}"
		[ -n "$qrow" ] && rec_na "$qrow" "$s" "${REASON[$s]}"
		return 0
	fi
	timeout $((DUR + 30)) ip netns exec "$NS_REMOTE" iperf3 -s -1 -B $REMOTE -p 5201 \
		>> "$T/iperf3-server.log" 2>&1 &
	spid=$!
	_pids+=("$spid")
	wait_for 5 sh -c "ip netns exec $NS_REMOTE ss -Hltn 'sport = :5201' | grep -q ." ||
		{ rec_na "$row" "$s" "iperf3 server did not start"; stop "$spid"; return 0; }
	out=$T/iperf3-$s-$row.json
	c0=$(cpu_ticks "${PID[$s]}")
	[ -n "$qrow" ] && q0=$(cpu_ticks "${QPID[$s]}")
	local perf_pid=
	if [ -n "${NATD_BENCH_PERF:-}" ] && [ "$s" = natd ]; then
		timeout $((DUR + 20)) perf record -q -F 999 -g -p "${PID[$s]}" \
			-o "$NATD_BENCH_PERF.$row.data" -- sleep "$DUR" > /dev/null 2>&1 &
		perf_pid=$!
		_pids+=("$perf_pid")
	fi
	fg timeout $((DUR + 20)) ip netns exec "${!g}" iperf3 -c $REMOTE -p 5201 -t "$DUR" -P "$p" \
		"${rflag[@]}" -J > "$out" 2>> "$T/iperf3-client.log" || rc=$?
	c1=$(cpu_ticks "${PID[$s]}" 2>/dev/null || echo "$c0")
	[ -n "$qrow" ] && q1=$(cpu_ticks "${QPID[$s]}" 2>/dev/null || echo "$q0")
	if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; _forget "$perf_pid"; fi
	stop "$spid"
	res=$("$PY" - "$out" <<-'EOF'
	import json, sys
	try:
	    d = json.load(open(sys.argv[1]))
	except Exception as e:
	    print("ERR no iperf3 JSON"); sys.exit()
	if d.get("error"):
	    print("ERR iperf3: " + d["error"]); sys.exit()
	r = d["end"]["sum_received"]
	print(r["bits_per_second"], r["bytes"])
	EOF
	)
	if [[ $res == ERR* ]]; then
		[ "$rc" = 124 ] && res="ERR iperf3 client timed out"
		usable "$s" || res="ERR ${REASON[$s]}"
		rec_na "$row" "$s" "${res#ERR }"
		[ -n "$cpurow" ] && rec_na "$cpurow" "$s" "${res#ERR }"
		[ -n "$qrow" ] && rec_na "$qrow" "$s" "${res#ERR }"
		return 0
	fi
	read -r bps bytes <<< "$res"
	rec "$row" "$s" "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')"
	[ -n "$cpurow" ] && rec "$cpurow" "$s" \
		"$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v by="$bytes" 'BEGIN { printf "%.4f", (t / hz) / (by / 1e9) }')"
	[ -n "$qrow" ] && rec "$qrow" "$s" \
		"$(awk -v t=$((q1 - q0)) -v hz="$CLK_TCK" -v by="$bytes" 'BEGIN { printf "%.4f", (t / hz) / (by / 1e9) }')"
	return 0
}

# wrk_run SYS close|close1|keepalive [URL ROW]: new-connection rate
# (Connection: close, 16 connections, or 1 at a time: the set-up latency) or
# request/response latency (keep-alive, 1 connection); URL default nginx's
# file, ROW the connection rate's row.
wrk_run() {
	local s=$1 mode=$2 url=${3:-http://$REMOTE/small} crow=${4:-connrate} g=NS_GUEST_$1 out line r
	local args=(-t1 -c1) rows=(latency_p50 latency_p99)
	[ "$mode" = close ] && args=(-t1 -c16 -H 'Connection: close') rows=("$crow")
	[ "$mode" = close1 ] && args=(-t1 -c1 -H 'Connection: close') rows=("$crow")
	if [ "$mode" = keepalive ]; then want latency || return 0; else want "$crow" || return 0; fi
	if ! usable "$s"; then
		for r in "${rows[@]}"; do rec_na "$r" "$s" "${REASON[$s]}"; done
		return 0
	fi
	out=$T/wrk-$s-$mode-$crow.log
	local perf_pid=
	if [ -n "${NATD_BENCH_PERF:-}" ] && [ "$s" = natd ]; then
		timeout $((DUR + 20)) perf record -q -F 999 -g -p "${PID[$s]}" \
			-o "$NATD_BENCH_PERF.wrk-$mode-$crow.data" -- sleep "$DUR" > /dev/null 2>&1 &
		perf_pid=$!
		_pids+=("$perf_pid")
	fi
	# This run's output alone (a run without a WRK line must not reuse the
	# previous run's), then appended to the log.
	fg timeout $((DUR + 20)) ip netns exec "${!g}" wrk "${args[@]}" -d"${DUR}s" \
		-s "$BENCH/wrk.lua" "$url" > "$out.last" 2>&1 || true
	if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; _forget "$perf_pid"; fi
	cat "$out.last" >> "$out"
	line=$(grep '^WRK ' "$out.last" | tail -n1 || true)
	if [ -z "$line" ] || [[ $line == *" requests=0 "* ]]; then
		for r in "${rows[@]}"; do rec_na "$r" "$s" "wrk completed no request"; done
		return 0
	fi
	# shellcheck disable=SC2086
	local $(echo "${line#WRK }")	# requests= duration_us= rps= p50_us= p99_us= errors=
	[ "$errors" != 0 ] && say "[$s] wrk $mode: $errors socket errors"
	if [ "$mode" != keepalive ]; then
		rec "$crow" "$s" "$rps"
	else
		rec latency_p50 "$s" "$p50_us"
		rec latency_p99 "$s" "$p99_us"
	fi
}

# idle SYS: VmRSS of the NAT before and while IDLE_N idle TCP connections
# from the guest to the remote are open.
idle() {
	local s=$1 g=NS_GUEST_$1 r0 r1 cpid opened
	if ! usable "$s"; then
		rec_na rss_idle "$s" "${REASON[$s]}"; rec_na rss_per_conn "$s" "${REASON[$s]}"
		return 0
	fi
	sleep 1
	r0=$(vmrss_kib "${PID[$s]}")
	: > "$T/idle-client.log"
	timeout 300 ip netns exec "${!g}" "$PY" "$BENCH/idle.py" client $REMOTE 9000 "$IDLE_N" 240 \
		> "$T/idle-client.log" 2>&1 &
	cpid=$!
	_pids+=("$cpid")
	if ! wait_for 250 grep -q '^opened' "$T/idle-client.log"; then
		stop "$cpid"
		rec_na rss_idle "$s" "idle client did not finish opening"
		rec_na rss_per_conn "$s" "idle client did not finish opening"
		return 0
	fi
	sleep 2
	r1=$(vmrss_kib "${PID[$s]}" 2>/dev/null || echo 0)
	opened=$(awk '/^opened/ { print $2 }' "$T/idle-client.log")
	stop "$cpid"
	say "[$s] idle: $(cat "$T/idle-client.log"), VmRSS $r0 -> $r1 KiB"
	if [ "${opened:-0}" = 0 ] || [ "$r1" = 0 ]; then
		rec_na rss_idle "$s" "no idle connection opened"
		rec_na rss_per_conn "$s" "no idle connection opened"
		return 0
	fi
	[ "$opened" -lt "$IDLE_N" ] && say "[$s] only $opened of $IDLE_N idle connections opened"
	rec rss_idle "$s" "$(awk -v k="$r1" 'BEGIN { printf "%.2f", k / 1024 }')"
	rec rss_per_conn "$s" "$(awk -v a="$r0" -v b="$r1" -v n="$opened" 'BEGIN { printf "%.3f", (b - a) / n }')"
}

# alternate COMMAND ARGS...: runs COMMAND natd ARGS, COMMAND slirp4netns ARGS,
# REPS times.
alternate() {
	local cmd=$1 r
	shift
	for ((r = 0; r < REPS; r++)); do
		"$cmd" natd "$@"
		[ -n "$NATD_B" ] && [ "$HUB" = 0 ] && "$cmd" natd_b "$@"
		"$cmd" "$OTHER" "$@"
	done
}

set_sysctls() {
	local ns
	local g=NS_GUEST_$OTHER
	# The guests close first (wrk), so their sockets go to TIME_WAIT for
	# 60 s, and tcp_tw_reuse cannot reuse them behind slirp4netns (libslirp
	# sends no TCP timestamps; natd's lwIP does since stop 27, main's
	# natd before it did not). In quiet runs at 10-15k conn/s the
	# ports connect() tries first (one parity, ~32k) were all in TIME_WAIT
	# after a few runs (ss: 32,2xx in each guest), every connect() then
	# scanned them, and both NATs fell to ~100 conn/s (samples 15388,
	# 6711, 10745, 108, 64, 80). A guest keeps at most 4096 sockets in
	# TIME_WAIT here (the rest close at once), the same for both NATs.
	for ns in "$NS_GUEST_natd" "$NS_GUEST_natd_b" "${!g}"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=4096 2>/dev/null || true
	done
	# The host namespace too: both NATs' host sockets to nginx take their
	# ports there (shared by natd and slirp4netns).
	for ns in "$NS_GUEST_natd" "$NS_GUEST_natd_b" "${!g}" "$NS_HOST"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1 2>/dev/null || true
		# The connection-rate runs open ~15k connections each: with the
		# default 28k ephemeral ports, a later run reuses ports whose
		# 4-tuple is still in TIME_WAIT inside the NAT's own TCP stack
		# (slirp4netns dropped to ~230 conn/s on runs 2 and 3).
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" 2>/dev/null || true
	done
}

# qemu_phase: natd's stream transport as QEMU uses it (a QEMU hub joining
# the guest's tap to natd's socket) against QEMU's -netdev user on the same
# hub; throughput both ways at MTU 1500, 32000 and 65520 (QEMU 7.2's stream
# netdev aborts on a frame it writes in part: see the README) with the CPU per GB of the
# NAT process (natd, or QEMU itself for -netdev user) and of QEMU (the hub;
# for -netdev user the same process), connection rate at MTU 1500.
qemu_phase() {
	local mtu
	if ! command -v qemu-system-x86_64 > /dev/null; then
		say "qemu-system-x86_64 missing (apt-get install qemu-system-x86): phase skipped"
		return 0
	fi
	HUB=1 OTHER=qemuuser
	for mtu in ${NATD_BENCH_HUB_MTUS:-1500 32000 65520}; do
		start_both "$mtu"; set_sysctls
		alternate iperf g2r 1 "${mtu}hub" "cpu_g2r_${mtu}hub" "qcpu_g2r_${mtu}hub"
		alternate iperf r2g 1 "${mtu}hub" "cpu_r2g_${mtu}hub" "qcpu_r2g_${mtu}hub"
		[ "$mtu" = 1500 ] && alternate wrk_run close "http://$REMOTE/small" connrate_hub
		stop_system natd; stop_system qemuuser
	done
	HUB=0 OTHER=slirp4netns
}

# vm_boot NAME NETDEV... -- DIR: boots the bench VM (tests/bench/vm_image.sh,
# QEMU TCG, virtio-net on NETDEV) whose /init runs one iperf3 DIR to the
# remote; sets VM_QPID, VM_OUT (its console), VM_ERR (why not, or empty).
# Waits at most 240 s for the guest to start iperf3, DUR + 90 s for it to end
# and 30 s for its output;
# VM_C0/VM_C1 and VM_Q0/VM_Q1: CPU ticks of natd (NATD_VM_PID, if any) and
# QEMU at the start and the end of the iperf3 run.
# The card has vectors=0 (INTx) for all three attachments: under TCG QEMU
# 7.2 crashes setting up a vhost-user card's MSI-X vectors (README
# "vhost-user"), and the same card keeps the rows comparable.
vm_boot() {
	local name=$1 dir i
	shift
	local nd=()
	while [ "$1" != -- ]; do nd+=("$1"); shift; done
	dir=$2
	VM_OUT=$T/vm-$name-$dir.console VM_ERR=
	: > "$VM_OUT"
	local spid
	timeout $((DUR + 360)) ip netns exec "$NS_REMOTE" iperf3 -s -1 -B $REMOTE -p 5201 \
		>> "$T/iperf3-server.log" 2>&1 &
	spid=$!
	_pids+=("$spid")
	if ! wait_for 5 sh -c "ip netns exec $NS_REMOTE ss -Hltn 'sport = :5201' | grep -q ."; then
		VM_ERR="iperf3 server did not start"
		stop "$spid"
		return 1
	fi
	ip netns exec "$NS_HOST" qemu-system-x86_64 -machine q35 -accel tcg -m 512 -nodefaults \
		-display none -no-reboot -kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initrd.gz" \
		-append "console=ttyS0 quiet natd_bench=$REMOTE:$dir:$DUR" -serial "file:$VM_OUT" \
		"${nd[@]}" -device virtio-net-pci,netdev=n,vectors=0 > "$T/qemu-vm-$name.log" 2>&1 &
	VM_QPID=$!
	_pids+=("$VM_QPID")
	for ((i = 0; i < 2400; i++)); do
		grep -q BENCH-BEGIN "$VM_OUT" && break
		kill -0 "$VM_QPID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q BENCH-BEGIN "$VM_OUT"; then
		local rc=0
		if kill -0 "$VM_QPID" 2>/dev/null; then
			stop "$VM_QPID"
			VM_ERR="the VM did not start iperf3 within 240 s"
		else
			wait "$VM_QPID" || rc=$?
			_forget "$VM_QPID"
			VM_ERR="QEMU exited (status $rc$([ "$rc" -gt 128 ] && echo ", signal $((rc - 128))")) before the guest ran iperf3: $(grep -v '^$' "$T/qemu-vm-$name.log" | tail -n1)"
		fi
		stop "$spid"
		return 1
	fi
	VM_Q0=$(cpu_ticks "$VM_QPID") VM_C0=0
	[ -n "${NATD_VM_PID:-}" ] && VM_C0=$(cpu_ticks "$NATD_VM_PID")
	for ((i = 0; i < (DUR + 90) * 10; i++)); do
		grep -q BENCH-DONE "$VM_OUT" && break
		kill -0 "$VM_QPID" 2>/dev/null || break
		sleep 0.1
	done
	VM_Q1=$(cpu_ticks "$VM_QPID" 2>/dev/null || echo "$VM_Q0") VM_C1=0
	[ -n "${NATD_VM_PID:-}" ] && VM_C1=$(cpu_ticks "$NATD_VM_PID" 2>/dev/null || echo "$VM_C0")
	for ((i = 0; i < 300; i++)); do
		grep -q BENCH-END "$VM_OUT" && break
		kill -0 "$VM_QPID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q BENCH-END "$VM_OUT" || VM_ERR="the VM's iperf3 did not finish"
	stop "$VM_QPID"
	stop "$spid"
	[ -z "$VM_ERR" ]
}

# vm_record ROWSUFFIX SYS: rows of the last vm_boot (Gbit/s, natd's and
# QEMU's CPU per GB).
vm_record() {
	local suf=$1 s=$2 res bps bytes
	if [ -n "$VM_ERR" ]; then
		rec_na "tput_$suf" "$s" "$VM_ERR"; rec_na "qcpu_$suf" "$s" "$VM_ERR"
		[ "$s" = natd ] && rec_na "cpu_$suf" "$s" "$VM_ERR"
		return 0
	fi
	res=$(sed -n '/^BENCH-JSON/,/^BENCH-END/p' "$VM_OUT" | sed '1d;$d' | tr -d '\r' |
		"$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("ERR no iperf3 JSON from the VM"); sys.exit()
if d.get("error"):
    print("ERR iperf3 in the VM: " + d["error"]); sys.exit()
r = d["end"]["sum_received"]
print(r["bits_per_second"], r["bytes"])')
	if [[ $res == ERR* ]]; then
		rec_na "tput_$suf" "$s" "${res#ERR }"; rec_na "qcpu_$suf" "$s" "${res#ERR }"
		[ "$s" = natd ] && rec_na "cpu_$suf" "$s" "${res#ERR }"
		return 0
	fi
	read -r bps bytes <<< "$res"
	rec "tput_$suf" "$s" "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')"
	rec "qcpu_$suf" "$s" "$(awk -v t=$((VM_Q1 - VM_Q0)) -v hz="$CLK_TCK" -v by="$bytes" \
		'BEGIN { printf "%.4f", (t / hz) / (by / 1e9) }')"
	[ "$s" = natd ] && rec "cpu_$suf" "$s" "$(awk -v t=$((VM_C1 - VM_C0)) -v hz="$CLK_TCK" \
		-v by="$bytes" 'BEGIN { printf "%.4f", (t / hz) / (by / 1e9) }')"
	return 0
}

# vm_natd ATTACH NAME: a natd for the VM (NAT, virtio) in the bench host
# namespace; NATD_VM_PID.
vm_natd() {
	local log=$T/natd-vm-$2.log i
	ip netns exec "$NS_HOST" "$NATD" run --name "bench$2" --nic1 nat --attach1 "$1" \
		--nictype1 virtio > "$log" 2>&1 &
	NATD_VM_PID=$!
	_pids+=("$NATD_VM_PID")
	for ((i = 0; i < 100; i++)); do
		grep -q ': running (' "$log" && return 0
		kill -0 "$NATD_VM_PID" 2>/dev/null || break
		sleep 0.1
	done
	VM_ERR="natd did not report running: $(tail -n1 "$log")"
	return 1
}

# vm_phase: the real VM (QEMU TCG, virtio-net, MTU 1500): natd stream, natd
# vhost-user and -netdev user, one boot per direction and repetition.
vm_phase() {
	local r dir
	VM_DIR=${NATD_BENCH_VM_DIR:-$HOME/.cache/natd/bench-vm}
	if ! "$BENCH/vm_image.sh" "$VM_DIR" > "$T/vm_image.log" 2>&1; then
		say "the VM image could not be built: $(tail -n1 "$T/vm_image.log")"
		return 0
	fi
	for ((r = 0; r < REPS; r++)); do
		for dir in g2r r2g; do
			rm -f "$T/vm.sock"
			VM_ERR=
			if vm_natd "stream:$T/vm.sock" stream; then
				vm_boot stream -netdev "stream,id=n,server=off,addr.type=unix,addr.path=$T/vm.sock" \
					-- "$dir" || true
			fi
			vm_record "${dir}_vm_stream" natd
			stop "$NATD_VM_PID"
			rm -f "$T/vhost.sock"
			VM_ERR=
			if vm_natd "vhost-user:$T/vhost.sock" vhost; then
				vm_boot vhost -object memory-backend-memfd,id=mem,size=512M,share=on \
					-machine memory-backend=mem -chardev "socket,id=c,path=$T/vhost.sock" \
					-netdev vhost-user,id=n,chardev=c -- "$dir" || true
			fi
			vm_record "${dir}_vm_vhost" natd
			stop "$NATD_VM_PID"
			NATD_VM_PID= VM_ERR=
			vm_boot user -netdev user,id=n,net=10.0.2.0/24 -- "$dir" || true
			vm_record "${dir}_vm_stream" qemuuser
			vm_record "${dir}_vm_vhost" qemuuser
		done
	done
}

start_ts=$(date +%s)
if phase 65520; then
	# MTU 65520: throughput, CPU per GB, connection rate, latency.
	say "phase MTU 65520"
	start_both 65520; set_sysctls
	alternate iperf g2r 1 65520 cpu_g2r
	alternate iperf g2r 4 65520
	alternate iperf r2g 1 65520 cpu_r2g
	alternate iperf r2g 4 65520
	alternate wrk_run close
	alternate wrk_run keepalive
	stop_system natd; stop_system slirp4netns; [ -z "$NATD_B" ] || stop_system natd_b
fi

if phase 1500; then
	say "phase MTU 1500"
	start_both 1500; set_sysctls
	alternate iperf g2r 1 1500
	alternate iperf g2r 4 1500
	alternate iperf r2g 1 1500
	alternate iperf r2g 4 1500
	stop_system natd; stop_system slirp4netns; [ -z "$NATD_B" ] || stop_system natd_b
fi

if phase mixed; then
	# The NAT at MTU 65520, the guest's link then set to 1500 (the guest
	# advertises MSS 1460 to a NAT whose own MTU is 65520); connection rate
	# against Python's http.server (HTTP/1.0: the server closes first).
	say "phase mixed: NAT MTU 65520, guest MTU 1500"
	timeout 3600 ip netns exec "$NS_REMOTE" "$PY" -m http.server --bind $REMOTE \
		--directory "$T/www" 8080 > "$T/pyhttp.log" 2>&1 &
	_pids+=($!)
	wait_for 10 ip netns exec "$NS_REMOTE" curl -sf -m 2 -o /dev/null http://$REMOTE:8080/small ||
		say "Python http.server in the remote namespace does not answer"
	# The same server with a listen backlog of 128 instead of 5 (its
	# overflows set the row above: README, "tap rows, stop 29").
	if want connrate_pyhttp_q128; then
		timeout 3600 ip netns exec "$NS_REMOTE" "$PY" "$BENCH/pyhttp_backlog.py" $REMOTE \
			8081 "$T/www" 128 > "$T/pyhttp128.log" 2>&1 &
		_pids+=($!)
		wait_for 10 ip netns exec "$NS_REMOTE" curl -sf -m 2 -o /dev/null \
			http://$REMOTE:8081/small || say "pyhttp_backlog.py does not answer"
	fi
	start_both 65520 1500; set_sysctls
	alternate iperf g2r 1 65520g1500 cpu_g2r_mixed
	alternate iperf r2g 1 65520g1500 cpu_r2g_mixed
	alternate wrk_run close http://$REMOTE:8080/small connrate_pyhttp
	alternate wrk_run close1 http://$REMOTE:8080/small connrate1_pyhttp
	alternate wrk_run close http://$REMOTE:8081/small connrate_pyhttp_q128
	stop_system natd; stop_system slirp4netns; [ -z "$NATD_B" ] || stop_system natd_b
fi

if phase qemu; then
	say "phase qemu: QEMU stream hub (natd) vs QEMU -netdev user"
	qemu_phase
fi

if phase vm; then
	say "phase vm: a Debian kernel under QEMU TCG on virtio-net (natd stream, natd vhost-user, -netdev user)"
	if command -v qemu-system-x86_64 > /dev/null; then vm_phase; else say "qemu-system-x86_64 missing: phase skipped"; fi
fi

if phase idle; then
	# Idle connections, a fresh process per run (MTU 65520).
	say "phase idle: $IDLE_N idle TCP connections"
	for ((r = 0; r < REPS; r++)); do
		for s in natd slirp4netns; do
			REASON[$s]=
			if start_"$s" 65520; then precheck "$s" || true; fi
			idle "$s"
			stop_system "$s"
		done
	done
fi

# ------------------------------------------------------------------ report
natd_rev=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$SRC" diff --quiet HEAD 2>/dev/null || natd_rev="$natd_rev+dirty"
"$PY" - "$T/meta.json" <<EOF
import json, sys, time
json.dump({
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "natd_commit": "$natd_rev",
    "natd_binary": "$NATD",
    "natd_version": "$("$NATD" --version 2>/dev/null | head -n1)",
    "natd_b_binary": "$NATD_B",
    "natd_b_version": "$([ -z "$NATD_B" ] || "$NATD_B" --version 2>/dev/null | head -n1)",
    "slirp4netns": "$(slirp4netns --version 2>/dev/null | head -n1)",
    "iperf3": "$(iperf3 --version 2>/dev/null | head -n1)",
    "wrk": "$(wrk --version 2>&1 | head -n1 | cut -c1-60)",
    "kernel": "$(uname -r)",
    "cpus": $(nproc),
    "quick": bool($QUICK),
    "reps": $REPS,
    "duration_s": $DUR,
    "idle_conns": $IDLE_N,
    "elapsed_s": $(( $(date +%s) - start_ts )),
    "topology": "guest netns -> tap -> NAT (natd | slirp4netns) in a bench host netns -> veth -> remote netns $REMOTE (nginx, iperf3 -s)",
    "veth_accounting": "$VETH_ACCOUNTING",
}, open(sys.argv[1], "w"), indent=2)
EOF
mkdir -p "$(dirname "$OUT")"
cp "$SAMPLES" "${OUT%.json}.samples.tsv"
"$PY" "$BENCH/report.py" "$SAMPLES" "$T/meta.json" "$OUT"
