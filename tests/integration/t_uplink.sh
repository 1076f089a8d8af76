#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Networks that span hosts: a switch of natd's takes an uplink.
#  1. A NAT network on "host A" (the test's namespace) with a UDP-tunnel
#     uplink to "host B" (a namespace on a veth pair, 198.51.100.1), where a
#     VM (a kernel guest behind `natd run --nic1 generic UDPTunnel`) leases
#     an address from the NAT network, reaches the outside through it (a web
#     server only host A can NAT to answers, seeing host A's address), and
#     is reached by a port forward of the network. natnetwork list shows the
#     uplink, its state and peer; --uplink none cuts host B off live and
#     --uplink brings it back; bad uplinks are refused and change nothing; a
#     privileged UDP port fails the start without CAP_NET_BIND_SERVICE.
#  2. One internal network "lab" on both hosts (two NATD_HOMEs, one per
#     host), each side's switch with a UDP uplink to the other's: a VM on
#     host A and one on host B ping and talk TCP; list intnets and intnet
#     show name the uplink.
#  3. An internal network with a VDE uplink: a VM on the internal network
#     and one on a vde_switch (the generic VDE driver) reach each other;
#     the uplink is removed live.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
new_remote
HB=$REMOTE_NS
PU=$((40000 + ($$ % 10000)))
PV=$((PU + 1))

# natd_start_in NS LOGNAME ARGS...: natd_start in another namespace (with
# the environment given before it, e.g. NATD_HOME=...).
natd_start_in() {
	local ns=$1 logname=$2 i
	shift 2
	ip netns exec "$ns" env "${ENVX[@]}" "$N" run "$@" > "$T/$logname.log" 2>&1 &
	NATD_PID=$!
	_natd_pids+=("$NATD_PID")
	for ((i = 0; i < 100; i++)); do
		grep -q ': running (' "$T/$logname.log" 2>/dev/null && return 0
		kill -0 "$NATD_PID" 2>/dev/null || { cat "$T/$logname.log" >&2; fail "natd exited at start-up"; }
		sleep 0.1
	done
	fail "natd did not report running within 10 s"
}
ENVX=()

# --- 1. NAT network with a UDP uplink ------------------------------------
http_client_echo "$HB" "TCP-LISTEN:8080,bind=198.51.100.1"
rc=0; "$N" natnetwork add --netname span --network 192.168.20.0/24 --uplink tcp:1 2> "$T/err" || rc=$?
expect_eq "natnetwork add --uplink tcp:1: usage error" 2 "$rc"
check "  ... saying what an uplink is" grep -q "is not an uplink (udp:LPORT,HOST:PORT or vde:/path/to/switch\[PORT\])" "$T/err"
rc=0; "$N" natnetwork add --netname span --network 192.168.20.0/24 --uplink udp:70000,h:1 2> "$T/err" || rc=$?
expect_eq "natnetwork add --uplink udp:70000,h:1: usage error" 2 "$rc"
check "  ... naming the port" grep -q "local port '70000' is not a port 1-65535" "$T/err"
check "natnetwork add with a UDP uplink" "$N" natnetwork add --netname span --network 192.168.20.0/24 \
	--uplink "udp:$PU,198.51.100.1:$PV"
check "the uplink is in natd.json" grep -q "\"uplink\": \"udp:$PU,198.51.100.1:$PV\"" "$NATD_HOME/natd.json"
natnet_start span || fail "natnetwork start"

NSB=$(new_netns vmb)
natd_start_in "$HB" natd-vmb --name vmB --nic1 generic --nicgenericdrv1 UDPTunnel \
	--nicproperty1 "sport=$PV,dest=198.51.100.2,dport=$PU" --attach1 "tap:tb$ID"
PIDB=$NATD_PID
wait_for 5 ip -n "$HB" link show "tb$ID" >/dev/null || fail "vmB's tap"
ip -n "$HB" link set "tb$ID" netns "$NSB"
ip -n "$NSB" link set "tb$ID" up
udhcpc_lease "$NSB" "tb$ID" > "$T/lease.b"
expect_eq "the VM on host B leased from the NAT network on host A" 192.168.20.4 "$(lease_var "$T/lease.b" ip)"
expect_eq "  ... router the network's gateway" 192.168.20.1 "$(lease_var "$T/lease.b" router)"
expect_eq "the VM on host B reaches the outside through host A's NAT" "client=198.51.100.2" \
	"$(ip netns exec "$NSB" curl -s -m 5 http://198.51.100.1:8080/)"
http_client_echo "$NSB" "TCP-LISTEN:80,bind=192.168.20.4"
wait_for 10 listening "$NSB" tcp 192.168.20.4:80 || fail "vmB's web server"
check "natnetwork modify: a port forward to the VM on host B" \
	"$N" natnetwork modify --netname span --port-forward-4 "web:tcp:[]:18080:[192.168.20.4]:80"
check "a client on host A reaches the VM on host B through the port forward" \
	sh -c "curl -s -m 5 http://127.0.0.1:18080/ | grep -q '^client='"
"$N" natnetwork list span > "$T/list"
check "natnetwork list: the uplink" grep -q "^Uplink:       udp:$PU,198.51.100.1:$PV" "$T/list"
check "natnetwork list: up, via the resolved tunnel" grep -q "up, [0-9]* frames in, [0-9]* out, [0-9]* dropped, via dgram:0.0.0.0:$PU,198.51.100.1:$PV" "$T/list"
check "natnetwork list: host B's socket is the peer" grep -q "peer 198.51.100.1:$PV: [0-9]* frames" "$T/list"
"$N" showvminfo vmB --machinereadable > "$T/vmb.info"
check "showvminfo vmB: host A's socket is the peer" grep -qx "nics_1_peers_1_address=\"198.51.100.2:$PU\"" "$T/vmb.info"

# Live changes.
check "modify --uplink none on the running network" "$N" natnetwork modify --netname span --uplink none
if ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.20.1 >/dev/null 2>&1; then fail "host B still reaches the gateway"; fi
ok "  ... host B is cut off"
check "  ... and natd.json has no uplink" sh -c "! grep -q '\"uplink\"' '$NATD_HOME/natd.json'"
check "modify --uplink again" "$N" natnetwork modify --netname span --uplink "udp:$PU,198.51.100.1:$PV"
check "  ... host B reaches the gateway again" wait_for 10 ip netns exec "$NSB" ping -q -c 1 -W 1 192.168.20.1
bg socat -u "UDP4-RECV:$PV,bind=0.0.0.0" /dev/null
wait_for 5 listening - udp "0.0.0.0:$PV" || fail "socat"
cp "$NATD_HOME/natd.json" "$T/before.json"
rc=0; "$N" natnetwork modify --netname span --uplink "udp:$PV,198.51.100.1:$PU" 2> "$T/err" || rc=$?
expect_eq "an uplink whose port is taken is refused" 1 "$rc"
check "  ... with the reason" grep -q "uplink udp:$PV,198.51.100.1:$PU: dgram:0.0.0.0:$PV,198.51.100.1:$PU: bind: Address already in use (nothing changed)" "$T/err"
check "  ... natd.json unchanged" cmp -s "$NATD_HOME/natd.json" "$T/before.json"
check "  ... and the old uplink still works" ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.20.1
kill "${_pids[-1]}"
natd_stop "$PIDB"
check "natnetwork stop" natnet_stop span
check "modify --uplink udp:999,... while stopped" "$N" natnetwork modify --netname span --uplink "udp:999,198.51.100.1:$PV"
rc=0; setpriv --bounding-set -net_bind_service "$N" natnetwork start --netname span 2> "$T/err" || rc=$?
expect_eq "start with a privileged uplink port and no CAP_NET_BIND_SERVICE fails" 1 "$rc"
check "  ... with the reason" grep -q "uplink udp:999,198.51.100.1:$PV: UDP port 999 is privileged (below net.ipv4.ip_unprivileged_port_start = 1024) and natd lacks CAP_NET_BIND_SERVICE" "$T/err"

# --- 2. One internal network on two hosts, UDP uplinks both ways ---------
HOMEB="$T/homeB"
QA=$((PU + 2)); QB=$((PU + 3))
check "host A: intnet modify --uplink" "$N" intnet modify --network lab --uplink "udp:$QA,198.51.100.1:$QB"
check "host B: intnet modify --uplink" env NATD_HOME="$HOMEB" "$N" intnet modify --network lab --uplink "udp:$QB,198.51.100.2:$QA"
expect_eq "intnet show" "Name:    lab
Uplink:  udp:$QA,198.51.100.1:$QB" "$("$N" intnet show --network lab)"
NS1=$(new_netns l1)
NS2=$(new_netns l2)
natd_start natd-l1 --name l1 --nic1 intnet --intnet1 lab --attach1 "tap:l1$ID" --macaddress1 080027000101
PID1=$NATD_PID
_pids+=("$(cat "$NATD_HOME/run/intnet/lab.pid")")
tap_into_ns "l1$ID" "$NS1"
ip -n "$NS1" addr add 203.0.113.1/24 dev "l1$ID"
ENVX=(NATD_HOME="$HOMEB")
natd_start_in "$HB" natd-l2 --name l2 --nic1 intnet --intnet1 lab --attach1 "tap:l2$ID" --macaddress1 080027000102
PID2=$NATD_PID
_pids+=("$(cat "$HOMEB/run/intnet/lab.pid")")
ENVX=()
ip -n "$HB" link set "l2$ID" netns "$NS2"
ip -n "$NS2" link set "l2$ID" up
ip -n "$NS2" addr add 203.0.113.2/24 dev "l2$ID"
check "lab on host A and lab on host B: the VMs ping each other" wait_for 10 ip netns exec "$NS1" ping -q -c 1 -W 1 203.0.113.2
check "  ... both ways" ip netns exec "$NS2" ping -q -c 2 -i 0.2 -W 1 203.0.113.1
bg ip netns exec "$NS2" socat -T 5 TCP-LISTEN:7000,bind=203.0.113.2,reuseaddr,fork SYSTEM:'echo hello-from-host-b'
wait_for 10 listening "$NS2" tcp 203.0.113.2:7000 || fail "server on host B"
expect_eq "  ... and talk TCP" hello-from-host-b "$(ip netns exec "$NS1" timeout 5 socat -T 3 -u TCP:203.0.113.2:7000 -)"
"$N" list intnets > "$T/intnets"
check "list intnets: lab's uplink, up" grep -q "^Uplink:      udp:$QA,198.51.100.1:$QB (up, via dgram:0.0.0.0:$QA,198.51.100.1:$QB)" "$T/intnets"
check "list intnets: the uplink's port" grep -q "port [0-9]*: the uplink" "$T/intnets"
check "list intnets: lab has one VM on host A" grep -q "^VMs:         1" "$T/intnets"
natd_stop "$PID2"
natd_stop "$PID1"
check "lab's daemon on host A ends with its last VM, uplink or not" \
	wait_for 10 test ! -e "$NATD_HOME/run/intnet/lab.sock"

# --- 3. An internal network with a VDE uplink ------------------------------
command -v vde_switch >/dev/null || fail "vde_switch missing (package vde2)"
SW="$T/sw"
vde_switch -s "$SW" -d -p "$T/vde.pid" || fail "vde_switch"
wait_for 5 test -s "$T/vde.pid" || fail "no vde pid"
_pids+=("$(cat "$T/vde.pid")")
check "intnet modify --uplink vde:" "$N" intnet modify --network vlab --uplink "vde:$SW"
NS3=$(new_netns v3)
NS4=$(new_netns v4)
natd_start natd-v3 --name v3 --nic1 intnet --intnet1 vlab --attach1 "tap:v3$ID"
PID3=$NATD_PID
_pids+=("$(cat "$NATD_HOME/run/intnet/vlab.pid")")
tap_into_ns "v3$ID" "$NS3"
ip -n "$NS3" addr add 203.0.113.3/24 dev "v3$ID"
natd_start natd-v4 --name v4 --nic1 generic --nicgenericdrv1 VDE --nicproperty1 "network=$SW" --attach1 "tap:v4$ID"
PID4=$NATD_PID
tap_into_ns "v4$ID" "$NS4"
ip -n "$NS4" addr add 203.0.113.4/24 dev "v4$ID"
check "a VM on internal network vlab and a VM on its VDE switch ping each other" \
	wait_for 10 ip netns exec "$NS3" ping -q -c 1 -W 1 203.0.113.4
check "intnet modify --uplink none on the running network" "$N" intnet modify --network vlab --uplink none
if ip netns exec "$NS3" ping -q -c 2 -i 0.2 -W 1 203.0.113.4 >/dev/null 2>&1; then fail "still connected"; fi
ok "  ... the VDE side is cut off"
expect_eq "  ... intnet show" "Name:    vlab
Uplink:  none" "$("$N" intnet show --network vlab)"
rc=0; "$N" intnet modify --network vlab --uplink "vde:$T/nothere" 2> "$T/err" || rc=$?
expect_eq "intnet modify to a VDE switch that is not there: refused" 1 "$rc"
check "  ... with the reason" grep -q "uplink vde:$T/nothere: no VDE switch at $T/nothere" "$T/err"
natd_stop "$PID4"
natd_stop "$PID3"
check "the internal networks' daemons logged no sanitizer report" \
	sh -c "! grep -El 'Sanitizer|runtime error' '$NATD_HOME'/run/intnet/*.log '$HOMEB'/run/intnet/*.log '$T'/*.log"
done_testing
