#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Privilege drop and sandbox: natd run --user nobody serves a guest (DHCP,
# DNS to a resolver in the remote namespace, TCP out, ping, a port forward
# in, a run-time forward below 1024, carrier changes on its tap, a capture
# file opened after the drop) as uid 65534 with only CAP_NET_BIND_SERVICE
# and CAP_NET_ADMIN and seccomp on, and removes its control socket when it
# stops; a forbidden system call (execve, made by a library the test
# preloads, on SIGUSR2) kills natd with SIGSYS, --sandbox trap names it
# first, --sandbox log and off let it through; natd natnetwork start --user nobody
# runs the service dropped and filtered (a VM joins, leases saved, ping, TCP
# out, a rule below 1024 added live); a sandboxed natd does not fork a new
# internal-network switch when its daemon died; bad --user and --sandbox
# values are refused; the switch daemons natd run --user starts become that
# user and follow its --sandbox mode (off, on, log).
. "$(dirname "$0")/lib.sh"

command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
command -v setpriv >/dev/null || fail "setpriv missing (util-linux)"
poke="$NATD_TEST_BIN/sandbox_poke.so"
[ -f "$poke" ] || fail "$poke missing (build the tests)"
nobody_gid=$(id -g nobody)

# ---- bad input: one line, exit 2, nothing started
set +e
"$NATD_BIN" run --name bad --user no-such-user-natd --nic1 null > "$T/bad1" 2>&1
rc1=$?
"$NATD_BIN" run --name bad --sandbox maybe --nic1 null > "$T/bad2" 2>&1
rc2=$?
"$NATD_BIN" run --name bad --user root --nic1 null > "$T/bad3" 2>&1
rc3=$?
"$NATD_BIN" run --name bad --user nobody:no-such-group-natd --nic1 null > "$T/bad4" 2>&1
rc4=$?
mkdir -p "$T/nb" && chmod 777 "$T/nb" && chmod 711 "$T"
NATD_HOME="$T/nb" setpriv --reuid=65534 --regid="$nobody_gid" --clear-groups \
	"$NATD_BIN" run --name bad --user daemon --nic1 null > "$T/bad5" 2>&1
rc5=$?
set -e
expect_eq "unknown user: exit 2" 2 "$rc1"
check "unknown user: named" grep -q "^natd run: --user: no user 'no-such-user-natd' on this system$" "$T/bad1"
expect_eq "bad --sandbox value: exit 2" 2 "$rc2"
check "bad --sandbox value: named" grep -q "^natd run: --sandbox: expected on, off, trap or log, not 'maybe'$" "$T/bad2"
expect_eq "--user root: exit 2" 2 "$rc3"
check "--user root: refused" grep -q "'root' is root" "$T/bad3"
expect_eq "unknown group: exit 2" 2 "$rc4"
check "unknown group: named" grep -q "no group 'no-such-group-natd'" "$T/bad4"
expect_eq "--user when not root: exit 2" 2 "$rc5"
check "--user when not root: the reason" grep -q "not root, and cannot become 'daemon'" "$T/bad5"
for f in bad1 bad2 bad3 bad4 bad5; do
	expect_eq "$f: one line" 1 "$(wc -l < "$T/$f")"
done

# ---- natd run --user nobody serving a guest
dns_conf="$T/dnsmasq.conf"
tap="sb$ID"
ns=$(new_netns guest)
new_remote
cat > "$dns_conf" <<EOF2
no-resolv
no-hosts
bind-interfaces
listen-address=198.51.100.1
host-record=web.sandbox.test,198.51.100.1
EOF2
bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --conf-file="$dns_conf" --pid-file="$T/dns.pid" --user=root
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:53 || fail "dnsmasq did not start"
mkdir -p "$T/www"
echo "hello from the remote" > "$T/www/index.html"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"
printf 'nameserver 198.51.100.1\n' > "$NATD_RESOLV_CONF"
chmod 644 "$NATD_RESOLV_CONF"

home="$T/nbhome"
mkdir -p "$home/cap"
chown -R nobody "$home"
NATD_HOME="$home" natd_start natd --name vmsb --user nobody --nic1 nat --attach1 "tap:$tap" \
	--natpf1 "web,tcp,,8080,,80"
pid=$NATD_PID
check "log: the user and the capabilities kept" \
	grep -q "sandbox: now user nobody (uid 65534, gid $nobody_gid); capabilities kept: net_bind_service, net_admin" "$T/natd.log"
check "log: the seccomp filter" grep -q "sandbox: seccomp allowlist of [0-9]* system calls installed" "$T/natd.log"
st=/proc/$pid/status
expect_eq "/proc: uid (real, effective, saved, fs)" "65534 65534 65534 65534" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")"
expect_eq "/proc: gid" "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")"
expect_eq "/proc: CapEff = net_bind_service + net_admin" 0000000000001400 "$(awk '/^CapEff:/ {print $2}' "$st")"
expect_eq "/proc: CapPrm the same" 0000000000001400 "$(awk '/^CapPrm:/ {print $2}' "$st")"
expect_eq "/proc: bounding set empty" 0000000000000000 "$(awk '/^CapBnd:/ {print $2}' "$st")"
expect_eq "/proc: Seccomp 2 (filter)" 2 "$(awk '/^Seccomp:/ {print $2}' "$st")"
expect_eq "/proc: no_new_privs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' "$st")"
expect_eq "run/ is nobody's" nobody "$(stat -c %U "$home/run")"

tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
expect_eq "DHCP lease" 10.0.2.15 "$(lease_var "$T/lease.$tap" ip)"
expect_eq "DNS through the proxy to the remote resolver" 198.51.100.1 \
	"$(ip netns exec "$ns" dig @10.0.2.3 +time=3 +tries=2 +short web.sandbox.test A)"
expect_eq "TCP out (HTTP from the remote)" "hello from the remote" \
	"$(ip netns exec "$ns" curl -sS --max-time 10 http://web.sandbox.test:8080/ --resolve web.sandbox.test:8080:198.51.100.1)"
check "ping out (ICMP socket as nobody's group)" sh -c "ip netns exec '$ns' ping -c 1 -W 3 198.51.100.1 > /dev/null"
http_client_echo "$ns" "TCP-LISTEN:80,bind=10.0.2.15"
wait_for 10 listening "$ns" tcp 10.0.2.15:80 || fail "guest HTTP server did not start"
expect_eq "port forward in (host port 8080)" "client=198.51.100.1" \
	"$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 http://198.51.100.2:8080/)"
check "controlvm natpf1 below 1024 as nobody (CAP_NET_BIND_SERVICE kept)" \
	env NATD_HOME="$home" "$NATD_BIN" controlvm vmsb natpf1 "low,tcp,,81,,80"
expect_eq "the forward on port 81 works" "client=198.51.100.1" \
	"$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 http://198.51.100.2:81/)"
check "controlvm setlinkstate1 off (CAP_NET_ADMIN kept)" \
	env NATD_HOME="$home" "$NATD_BIN" controlvm vmsb setlinkstate1 off
carrier_off() { ip -n "$ns" link show "$tap" | grep -q NO-CARRIER; }
check "the guest sees NO-CARRIER" wait_for 5 carrier_off
check "controlvm setlinkstate1 on" env NATD_HOME="$home" "$NATD_BIN" controlvm vmsb setlinkstate1 on
carrier_on() { ! ip -n "$ns" link show "$tap" | grep -q NO-CARRIER; }
check "carrier back" wait_for 5 carrier_on
check "a capture file opened after the drop" sh -c "NATD_HOME='$home' '$NATD_BIN' controlvm vmsb nictracefile1 '$home/cap/late.pcap' && NATD_HOME='$home' '$NATD_BIN' controlvm vmsb nictrace1 on"
ip netns exec "$ns" ping -c 2 -i 0.2 -W 3 10.0.2.2 > /dev/null
check "controlvm nictrace1 off" env NATD_HOME="$home" "$NATD_BIN" controlvm vmsb nictrace1 off
expect_eq "the capture file is nobody's" nobody "$(stat -c %U "$home/cap/late.pcap")"
check "the capture holds the guest's pings" sh -c "tcpdump -nr '$home/cap/late.pcap' icmp 2>/dev/null | grep -q 'echo request'"
check "showvminfo" sh -c "NATD_HOME='$home' '$NATD_BIN' showvminfo vmsb | grep -q '^name: vmsb'"
natd_stop "$pid"
check "the control socket removed at exit" test ! -e "$home/run/vmsb.ctl"
check "no sanitizer report" sh -c "! grep -Eq 'Sanitizer|runtime error' '$T/natd.log'"

# ---- a forbidden system call kills natd (execve through the preloaded poke)
# AddressSanitizer wants to come first among the libraries; the poke needs none.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
poked_run() { # NAME MODE: starts natd with the poke, sends SIGUSR2, sets prc
	NATD_PREFIX="env LD_PRELOAD=$poke" natd_start "$1" --name "$1" --sandbox "$2" --nic1 null
	kill -USR2 "$NATD_PID"
	for ((i = 0; i < 50; i++)); do kill -0 "$NATD_PID" 2>/dev/null || break; sleep 0.1; done
}
poked_run poke_on on
set +e
wait "$NATD_PID"
prc=$?
set -e
expect_eq "sandbox on: execve kills natd with SIGSYS (128+31)" 159 "$prc"
check "sandbox on: execve never returned" sh -c "! grep -q 'execve returned' '$T/poke_on.log'"

poked_run poke_trap trap
set +e
wait "$NATD_PID"
prc=$?
set -e
expect_eq "sandbox trap: natd dies of SIGSYS too" 159 "$prc"
check "sandbox trap: the call named in the log" grep -q "sandbox: forbidden system call execve (59)" "$T/poke_trap.log"

poked_run poke_log log
check "sandbox log: natd still runs after execve" kill -0 "$NATD_PID"
check "sandbox log: execve was let through" grep -q "sandbox_poke: execve returned -1" "$T/poke_log.log"
expect_eq "sandbox log: /proc Seccomp 2" 2 "$(awk '/^Seccomp:/ {print $2}' /proc/$NATD_PID/status)"
natd_stop "$NATD_PID"

poked_run poke_off off
check "sandbox off: natd still runs after execve" kill -0 "$NATD_PID"
check "sandbox off: execve returned to natd" grep -q "sandbox_poke: execve returned -1" "$T/poke_off.log"
check "sandbox off: said so at start" grep -q "sandbox: off" "$T/poke_off.log"
expect_eq "sandbox off: /proc Seccomp 0" 0 "$(awk '/^Seccomp:/ {print $2}' /proc/$NATD_PID/status)"
natd_stop "$NATD_PID"

# NATD_SANDBOX sets the default.
NATD_SANDBOX=off NATD_PREFIX="env LD_PRELOAD=$poke" natd_start poke_env --name poke_env --nic1 null
expect_eq "NATD_SANDBOX=off: /proc Seccomp 0" 0 "$(awk '/^Seccomp:/ {print $2}' /proc/$NATD_PID/status)"
natd_stop "$NATD_PID"

# ---- natd natnetwork start --user nobody: the service dropped and filtered,
# a VM (natd run as root) joining it, leases written, ping, TCP out, a rule
# below 1024 added while it runs
set +e
"$NATD_BIN" natnetwork start --netname x --user no-such-user-natd > "$T/bad6" 2>&1
rc6=$?
set -e
expect_eq "natnetwork start --user unknown: exit 2" 2 "$rc6"
check "natnetwork start --user unknown: named" grep -q "no user 'no-such-user-natd'" "$T/bad6"
export NATD_HOME="$T/nethome"
mkdir -p "$NATD_HOME"
chown nobody "$NATD_HOME"
"$NATD_BIN" natnetwork add --netname sbnet --network 10.0.77.0/24 --enable > /dev/null
"$NATD_BIN" natnetwork start --netname sbnet --user nobody
_pids+=("$(cat "$NATD_HOME/run/natnet-sbnet.pid")")
ln -sf "$NATD_HOME/run/natnet-sbnet.log" "$T/natd-svc-sbnet.log"
svc=$(cat "$NATD_HOME/run/natnet-sbnet.pid")
st=/proc/$svc/status
expect_eq "NAT-network service: uid" "65534 65534 65534 65534" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")"
expect_eq "NAT-network service: CapEff = net_bind_service" 0000000000000400 "$(awk '/^CapEff:/ {print $2}' "$st")"
expect_eq "NAT-network service: Seccomp 2" 2 "$(awk '/^Seccomp:/ {print $2}' "$st")"
check "NAT-network service: log" grep -q "sandbox: now user nobody .*capabilities kept: net_bind_service" "$NATD_HOME/run/natnet-sbnet.log"
expect_eq "NAT-network service: its pid file is nobody's" nobody "$(stat -c %U "$NATD_HOME/run/natnet-sbnet.pid")"
tap2="sn$ID"
ns2=$(new_netns guest2)
natd_start natd-vm2 --name vm2 --nic1 natnetwork --nat-network1 sbnet --attach1 "tap:$tap2"
tap_into_ns "$tap2" "$ns2"
guest_up "$ns2" "$tap2"
expect_eq "lease from the service" 10.0.77.4 "$(lease_var "$T/lease.$tap2" ip)"
check "TCP out through the service" sh -c "ip netns exec '$ns2' curl -sS --max-time 10 http://198.51.100.1:8080/ | grep -q 'hello from the remote'"
check "ping out through the service" sh -c "ip netns exec '$ns2' ping -c 1 -W 3 198.51.100.1 > /dev/null"
http_client_echo "$ns2" "TCP-LISTEN:80,bind=10.0.77.4"
wait_for 10 listening "$ns2" tcp 10.0.77.4:80 || fail "guest 2 HTTP server did not start"
check "natnetwork modify: a rule on port 82 while it runs" \
	"$NATD_BIN" natnetwork modify --netname sbnet --port-forward-4 "low:tcp:[]:82:[10.0.77.4]:80"
expect_eq "the rule works" "client=198.51.100.1" \
	"$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 http://198.51.100.2:82/)"
leases_saved() { [ -s "$NATD_HOME/natnet-sbnet.leases.json" ]; }
natd_stop "$NATD_PID"
check "natnetwork stop: a clean stop" natnet_stop sbnet
check "the leases were saved by the service as nobody" leases_saved
expect_eq "the lease file is nobody's" nobody "$(stat -c %U "$NATD_HOME/natnet-sbnet.leases.json")"
check "its pid file removed" test ! -e "$NATD_HOME/run/natnet-sbnet.pid"

# ---- a sandboxed natd whose internal network's switch daemon died does not
# fork a new one (that would kill it): it says why and goes on; the next natd
# that starts on the network starts the switch, and the first joins it again.
export NATD_HOME="$T/home"
natd_start natd-i1 --name i1 --nic1 intnet --intnet1 sblab --attach1 "stream:$T/i1.sock"
pid_i1=$NATD_PID
ipid=$(cat "$NATD_HOME/run/intnet/sblab.pid")
_pids+=("$ipid")
check "the switch daemon runs filtered" sh -c "grep -q '^Seccomp:.*2' /proc/$ipid/status"
kill -KILL "$ipid"
check "no new switch from a sandboxed natd: the reason logged" \
	wait_for 10 grep -q "sandbox, which forbids starting processes" "$T/natd-i1.log"
check "and natd goes on" kill -0 "$pid_i1"
natd_start natd-i2 --name i2 --nic1 intnet --intnet1 sblab --attach1 "stream:$T/i2.sock"
_pids+=("$(cat "$NATD_HOME/run/intnet/sblab.pid")")
joined_again() { [ "$(grep -c 'nic1: joined' "$T/natd-i1.log")" -ge 2 ]; }
check "the next natd started the switch; the first joined it again" wait_for 10 joined_again
natd_stop "$pid_i1"
natd_stop "$NATD_PID"

# ---- natd run --user: the internal network's switch daemon it starts drops
# to the same user (its files become the user's), keeps no capability, and
# two such VMs reach each other through it.
export NATD_HOME="$T/uhome"
mkdir -p "$NATD_HOME"
chown nobody "$NATD_HOME"
ut1="su1$ID"
ut2="su2$ID"
uns1=$(new_netns ug1)
uns2=$(new_netns ug2)
natd_start natd-u1 --name u1 --user nobody --nic1 intnet --intnet1 sbu --attach1 "tap:$ut1"
pid_u1=$NATD_PID
natd_start natd-u2 --name u2 --user nobody --nic1 intnet --intnet1 sbu --attach1 "tap:$ut2"
pid_u2=$NATD_PID
upid=$(cat "$NATD_HOME/run/intnet/sbu.pid")
_pids+=("$upid")
ust=/proc/$upid/status
expect_eq "switch daemon of natd run --user: uid" "65534 65534 65534 65534" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$ust")"
expect_eq "switch daemon: no capability" 0000000000000000 "$(awk '/^CapEff:/ {print $2}' "$ust")"
expect_eq "switch daemon: Seccomp 2" 2 "$(awk '/^Seccomp:/ {print $2}' "$ust")"
expect_eq "switch daemon: its pid file is nobody's" nobody "$(stat -c %U "$NATD_HOME/run/intnet/sbu.pid")"
expect_eq "switch daemon: its socket is nobody's" nobody "$(stat -c %U "$NATD_HOME/run/intnet/sbu.sock")"
tap_into_ns "$ut1" "$uns1"
tap_into_ns "$ut2" "$uns2"
ip -n "$uns1" addr add 192.0.2.11/24 dev "$ut1"
ip -n "$uns2" addr add 192.0.2.12/24 dev "$ut2"
check "VMs of natd run --user reach each other through that switch" \
	wait_for 10 ip netns exec "$uns1" ping -c 1 -W 1 192.0.2.12
natd_stop "$pid_u1"
natd_stop "$pid_u2"
gone() { ! kill -0 "$upid" 2>/dev/null; }
check "the switch daemon ends with its last VM" wait_for 15 gone
check "and removed its pid file as nobody" test ! -e "$NATD_HOME/run/intnet/sbu.pid"

# ---- natd run's --sandbox reaches the switch daemons it starts (natd
# intnet-switch NAME FD --user UID:GID --sandbox MODE), over NATD_SANDBOX:
# off gives a daemon without a filter, on a filtered one even under
# NATD_SANDBOX=off, log one that says so; bad values of the internal command
# are refused.
export NATD_HOME="$T/sbhome"
mkdir -p "$NATD_HOME"
chown nobody "$NATD_HOME"
sw_mode() { # NAME MODE NETWORK ENV: natd run --user nobody --sandbox MODE on NETWORK,
	# NATD_SANDBOX as ENV says; sets mpid (the switch daemon's pid)
	NATD_PREFIX="env $4" natd_start "natd-$1" --name "$1" --user nobody --sandbox "$2" \
		--nic1 intnet --intnet1 "$3" --attach1 "stream:$T/$1.sock"
	mpid=$(cat "$NATD_HOME/run/intnet/$3.pid")
	_pids+=("$mpid")
}
sw_gone() { ! kill -0 "$mpid" 2>/dev/null; }
sw_end() { # NATD-PID: stops it, then its switch daemon ends
	natd_stop "$1"
	check "  ... the switch daemon ends with its VM" wait_for 15 sw_gone
}
sw_mode m_off off sboff NATD_SANDBOX=on
expect_eq "natd run --user nobody --sandbox off: its switch daemon's Seccomp 0" 0 \
	"$(awk '/^Seccomp:/ {print $2}' /proc/$mpid/status)"
expect_eq "  ... and it is nobody's" "65534 65534 65534 65534" \
	"$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$mpid/status)"
check "  ... its log says sandbox off" grep -q "sandbox: off" "$NATD_HOME/run/intnet/sboff.log"
sw_end "$NATD_PID"
sw_mode m_on on sbon NATD_SANDBOX=off
expect_eq "natd run --user nobody --sandbox on (NATD_SANDBOX=off): the switch's Seccomp 2" 2 \
	"$(awk '/^Seccomp:/ {print $2}' /proc/$mpid/status)"
check "  ... its log: others kill it" grep -q "allowlist of [0-9]* system calls installed; others kill natd" "$NATD_HOME/run/intnet/sbon.log"
sw_end "$NATD_PID"
sw_mode m_log log sblog NATD_SANDBOX=on
expect_eq "natd run --user nobody --sandbox log: the switch's Seccomp 2" 2 \
	"$(awk '/^Seccomp:/ {print $2}' /proc/$mpid/status)"
check "  ... its log: mode log" grep -q "others are allowed and logged by the kernel (--sandbox log)" "$NATD_HOME/run/intnet/sblog.log"
sw_end "$NATD_PID"
set +e
"$NATD_BIN" intnet-switch sbbad 9 --sandbox maybe > "$T/bad7" 2>&1
rc7=$?
"$NATD_BIN" hostonly-switch sbbad 9 --sandbox > "$T/bad8" 2>&1
rc8=$?
"$NATD_BIN" intnet-switch sbbad 9 --sandbox off --verbose > "$T/bad9" 2>&1
rc9=$?
set -e
expect_eq "intnet-switch --sandbox maybe: exit 2" 2 "$rc7"
check "  ... named, one line" sh -c "[ \$(wc -l < '$T/bad7') = 1 ] && grep -q \"^natd intnet-switch: --sandbox: expected on, off, trap or log, not 'maybe'\$\" '$T/bad7'"
expect_eq "hostonly-switch --sandbox without a value: exit 2" 2 "$rc8"
check "  ... named, one line" sh -c "[ \$(wc -l < '$T/bad8') = 1 ] && grep -q '^natd hostonly-switch: --sandbox needs a value' '$T/bad8'"
expect_eq "intnet-switch with an unknown option: exit 2" 2 "$rc9"
check "  ... the usage, one line" sh -c "[ \$(wc -l < '$T/bad9') = 1 ] && grep -q 'NAME \\[READY_FD \\[--user UID:GID\\] \\[--sandbox MODE\\]\\]' '$T/bad9'"
check "nothing started for them" test ! -e "$NATD_HOME/run/intnet/sbbad.pid"
check "intnet-switch --help names --sandbox" sh -c "'$NATD_BIN' intnet-switch --help | grep -q -- '--sandbox MODE'"

done_testing
