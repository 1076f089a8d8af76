#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Port forwarding (--natpf<x>, controlvm natpf<x>): a guest HTTP server
# reached from the remote namespace through a host port, the guest seeing the
# remote client's own address; an IPv6 host-side rule (::1) into the IPv4
# guest; host loopback clients shown as the gateway; UDP echo through a
# forward; add and delete at run time; duplicate and conflicting rules
# refused; a guest that refuses resets the host client; 50 concurrent
# forwarded connections; a non-root natd asked to forward port 80 exits
# non-zero, and a natd without CAP_NET_BIND_SERVICE refuses such an add.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
command -v socat >/dev/null || fail "socat missing"
tap="pf$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmpf --nic1 nat --attach1 "tap:$tap" \
	--natpf1 "web,tcp,,8080,,80" --natpf1 "v6only,tcp,::1,8081,,80" \
	--natpf1 "echo,udp,,5353,,7" --natpf1 ",tcp,,8083,,81"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
guest_ip=$(lease_var "$T/lease.$tap" ip)
expect_eq "guest leased 10.0.2.15" 10.0.2.15 "$guest_ip"

# The guest's HTTP server answers with the client address it saw.
http_client_echo "$ns" "TCP-LISTEN:80,bind=$guest_ip"
wait_for 10 listening "$ns" tcp "$guest_ip:80" || fail "guest HTTP server did not start"
# UDP echo in the guest, answering with the peer it saw.
bg ip netns exec "$ns" socat UDP-RECVFROM:7,bind="$guest_ip",reuseaddr,fork \
	SYSTEM:'echo "from=$SOCAT_PEERADDR"; cat'
wait_for 10 listening "$ns" udp "$guest_ip:7" || fail "guest UDP echo did not start"

got=$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 http://198.51.100.2:8080/)
expect_eq "remote client reaches the guest through host port 8080, guest sees its address" \
	"client=198.51.100.1" "$got"
got=$(curl -sS --max-time 10 http://127.0.0.1:8080/)
expect_eq "host loopback client is shown to the guest as the gateway" "client=10.0.2.2" "$got"
got=$(curl -sS --max-time 10 "http://[::1]:8081/")
expect_eq "IPv6 host-side rule (::1) into the IPv4 guest" "client=10.0.2.2" "$got"
set +e
curl -sS --max-time 5 http://127.0.0.1:8081/ > /dev/null 2>&1
rc=$?
set -e
expect_eq "the ::1 rule does not listen on IPv4" 7 "$rc"

got=$(echo ping | ip netns exec "$REMOTE_NS" timeout 10 socat -t 3 - UDP:198.51.100.2:5353 | tr '\n' ' ')
expect_eq "UDP echo through a forward, guest sees the remote peer" "from=198.51.100.1 ping " "$got"

# A guest port nobody listens on: the host client is reset, not left hanging.
start=$(date +%s)
got=$(ip netns exec "$REMOTE_NS" timeout 20 python3 -c '
import socket
try:
    s = socket.create_connection(("198.51.100.2", 8083), 5)
    s.settimeout(15)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    print("data" if s.recv(100) else "eof")
except (ConnectionResetError, ConnectionRefusedError):
    print("reset")
except socket.timeout:
    print("timeout")
')
expect_eq "guest refusal resets the host client" reset "$got"
check "reset within a few seconds" test $(( $(date +%s) - start )) -lt 10

# showvminfo lists the rules, with the generated name.
"$NATD_BIN" showvminfo vmpf --machinereadable > "$T/info.txt"
check "showvminfo lists rule web" grep -qx 'nics_1_rules_1_rule="web,tcp,,8080,,80"' "$T/info.txt"
check "showvminfo lists the generated name tcp-8083" grep -qx 'nics_1_rules_4_name="tcp-8083"' "$T/info.txt"
check "showvminfo counts forwarded connections" grep -q '^nics_1_rules_1_forwarded=[1-9]' "$T/info.txt"

# Runtime add and delete.
set +e
ip netns exec "$REMOTE_NS" curl -sS --max-time 5 http://198.51.100.2:8082/ >/dev/null 2>&1
rc=$?
set -e
expect_eq "no rule yet on 8082: connection refused" 7 "$rc"
check "controlvm adds a rule" "$NATD_BIN" controlvm vmpf natpf1 "late,tcp,,8082,$guest_ip,80"
got=$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 http://198.51.100.2:8082/)
expect_eq "rule added at run time forwards" "client=198.51.100.1" "$got"
# A connection through the rule, open before the delete, goes on after it.
ip netns exec "$REMOTE_NS" timeout 30 python3 -c '
import os, socket, sys, time
s = socket.create_connection(("198.51.100.2", 8082), 5)
open(sys.argv[1], "w").close()
for _ in range(200):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
s.settimeout(10)
print(s.recv(200).split(b"\r\n")[0].decode())
' "$T/held.ready" "$T/held.go" > "$T/held.out" 2>&1 &
held=$!
_pids+=("$held")
wait_for 10 test -e "$T/held.ready" || fail "held connection did not connect"
wait_for 10 sh -c "'$NATD_BIN' showvminfo vmpf --machinereadable | grep -q 'flows_[0-9]*_state=\"established\"'" ||
	fail "held connection not established through natd"
check "controlvm deletes the rule" "$NATD_BIN" controlvm vmpf natpf1 delete late
set +e
ip netns exec "$REMOTE_NS" curl -sS --max-time 5 http://198.51.100.2:8082/ >/dev/null 2>&1
rc=$?
set -e
expect_eq "deleted rule: connection refused" 7 "$rc"
touch "$T/held.go"
wait "$held" || true
expect_eq "a connection opened before the delete still works" "HTTP/1.0 200 OK" "$(cat "$T/held.out")"
check "deleted rule is no longer listed" sh -c "! '$NATD_BIN' showvminfo vmpf | grep -q late"

# Refused changes (exit 1) and usage errors (exit 2), and nothing changed by
# them.
refused() { # DESCRIPTION EXIT-STATUS EXPECTED-TEXT ARGS...
	local what=$1 want=$2 text=$3
	shift 3
	set +e
	"$NATD_BIN" controlvm vmpf "$@" > "$T/ctl.out" 2> "$T/ctl.err"
	local rc=$?
	set -e
	check "$what: exit $want" test "$rc" = "$want"
	check "$what: says '$text'" grep -q -- "$text" "$T/ctl.err"
}
refused "duplicate name" 1 "rule name 'web'" natpf1 "web,tcp,,9000,,80"
refused "host port used by another rule" 1 "already used by rule 'web'" natpf1 "x,tcp,127.0.0.1,8080,,80"
refused "bad port" 2 "host port '99999'" natpf1 "y,tcp,,99999,,80"
refused "unknown protocol" 2 "protocol 'sctp'" natpf1 "y,sctp,,9000,,80"
refused "delete of an unknown rule" 1 "no port-forwarding rule 'nope'" natpf1 delete nope
refused "delete without a name" 2 "expected the rule's name" natpf1 delete
refused "adapter without NAT" 1 "no NAT adapter 2" natpf2 "z,tcp,,9001,,80"
bg socat TCP-LISTEN:9002,bind=127.0.0.1,reuseaddr PIPE
wait_for 10 listening - tcp 127.0.0.1:9002 || fail "blocker did not start"
refused "host port taken by another program" 1 "already in use on the host" natpf1 "busy,tcp,,9002,,80"
"$NATD_BIN" showvminfo vmpf --machinereadable > "$T/info2.txt"
expect_eq "refused changes left 4 rules" 4 "$(grep -c '^nics_1_rules_[0-9]*_name=' "$T/info2.txt")"

# 50 concurrent forwarded connections.
par=()
for i in $(seq 50); do
	ip netns exec "$REMOTE_NS" curl -sS --max-time 30 -o "$T/par.$i" http://198.51.100.2:8080/ &
	par+=("$!")
done
for j in "${par[@]}"; do wait "$j" 2>/dev/null || true; done
ok_n=$(cat "$T"/par.* 2>/dev/null | grep -c '^client=198.51.100.1$' || true)
expect_eq "50 concurrent forwarded connections all answered" 50 "$ok_n"
natd_stop "$NATD_PID"

# Privileged host ports. A non-root natd refuses to start with such a rule...
mkdir -p "$T/nobody"
chmod 777 "$T/nobody"
set +e
NATD_HOME="$T/nobody" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$NATD_BIN" run --name priv --nic1 nat --attach1 stream:"$T/nobody/s" \
	--natpf1 "http,tcp,,80,,80" > "$T/priv.out" 2>&1
rc=$?
set -e
check "non-root natd with a rule for port 80 exits non-zero (rc $rc)" test "$rc" != 0
check "...saying which rule and why" grep -q "rule 'http': host port 80 is privileged" "$T/priv.out"
# ...and a natd without CAP_NET_BIND_SERVICE refuses such an add at run time.
tap2="pq$ID"
ns2=$(new_netns guest2)
NATD_BIN_REAL=$NATD_BIN
"$NATD_BIN" --version >/dev/null
setpriv --bounding-set -net_bind_service "$NATD_BIN" run --name vmcap --nic1 nat \
	--attach1 "tap:$tap2" --natpf1 "hi,tcp,,8090,,80" > "$T/natdcap.log" 2>&1 &
_natd_pids+=("$!")
cap_pid=$!
wait_for 10 grep -q ': running (' "$T/natdcap.log" || fail "natd without the capability did not start"
set +e
"$NATD_BIN_REAL" controlvm vmcap natpf1 "low,tcp,,80,,80" 2> "$T/cap.err"
rc=$?
set -e
expect_eq "runtime add of port 80 without the capability refused" 1 "$rc"
check "...with the reason" grep -q "rule 'low': host port 80 is privileged" "$T/cap.err"
expect_eq "...and nothing changed" 1 \
	"$("$NATD_BIN" showvminfo vmcap --machinereadable | grep -c '_rules_[0-9]*_name=')"
natd_stop "$cap_pid"
done_testing
