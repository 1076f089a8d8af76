#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A natd UDPTunnel adapter and a QEMU VM are the two ends of one tunnel:
# QEMU's -netdev dgram (the same framing: one Ethernet frame per datagram)
# on one side, natd's generic adapter on the other. QEMU runs no guest
# (-M none): an emulated hub joins its dgram netdev to a tap, so the kernel
# guest behind that tap (namespace B) is "the VM on the QEMU side", and the
# kernel guest on natd's tap (namespace A) the one on natd's side. They ping
# each other and talk TCP both ways. Then natd's end of the tunnel goes to a
# NAT network instead (the adapter's transport connects to the network's
# switch socket): the guest behind QEMU gets a DHCP lease from the NAT
# network and reaches its gateway.
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (qemu-system-x86)"
N="$NATD_BIN"
PN=$((30000 + ($$ % 10000)))   # natd's sport
PQ=$((PN + 1))                 # QEMU's local port
NSA=$(new_netns qa)
NSB=$(new_netns qb)
QTAP="qb$ID"

# QEMU: dgram netdev <-> hub <-> tap, no machine.
bg qemu-system-x86_64 -M none -nodefaults -nographic -monitor none -serial none \
	-netdev "dgram,id=d1,local.type=inet,local.host=127.0.0.1,local.port=$PQ,remote.type=inet,remote.host=127.0.0.1,remote.port=$PN" \
	-netdev "tap,id=t1,ifname=$QTAP,script=no,downscript=no" \
	-netdev hubport,id=p1,hubid=0,netdev=d1 -netdev hubport,id=p2,hubid=0,netdev=t1
QPID=${_pids[-1]}
wait_for 10 listening - udp "127.0.0.1:$PQ" || fail "QEMU's dgram netdev did not bind"
tap_into_ns "$QTAP" "$NSB"
ip -n "$NSB" addr add 203.0.113.2/24 dev "$QTAP"

natd_start natd-a --name vmA --nic1 generic --nicgenericdrv1 UDPTunnel \
	--nicproperty1 "sport=$PN,dest=127.0.0.1,dport=$PQ" --attach1 "tap:ua$ID"
PIDA=$NATD_PID
tap_into_ns "ua$ID" "$NSA"
ip -n "$NSA" addr add 203.0.113.1/24 dev "ua$ID"

check "natd's guest pings the guest behind QEMU" wait_for 15 ip netns exec "$NSA" ping -q -c 1 -W 1 203.0.113.2
check "the guest behind QEMU pings natd's guest" ip netns exec "$NSB" ping -q -c 3 -i 0.2 -W 1 203.0.113.1
bg ip netns exec "$NSB" socat -T 5 TCP-LISTEN:7000,bind=203.0.113.2,reuseaddr,fork SYSTEM:'echo hello-from-qemu-side'
bg ip netns exec "$NSA" socat -T 5 TCP-LISTEN:7000,bind=203.0.113.1,reuseaddr,fork SYSTEM:'echo hello-from-natd-side'
wait_for 10 listening "$NSB" tcp 203.0.113.2:7000 || fail "server B did not start"
wait_for 10 listening "$NSA" tcp 203.0.113.1:7000 || fail "server A did not start"
expect_eq "TCP natd side -> QEMU side" hello-from-qemu-side \
	"$(ip netns exec "$NSA" timeout 5 socat -T 3 -u TCP:203.0.113.2:7000 -)"
expect_eq "TCP QEMU side -> natd side" hello-from-natd-side \
	"$(ip netns exec "$NSB" timeout 5 socat -T 3 -u TCP:203.0.113.1:7000 -)"
"$N" showvminfo vmA --machinereadable > "$T/a.info"
check "natd saw QEMU's socket as the peer" grep -qx "nics_1_peers_1_address=\"127.0.0.1:$PQ\"" "$T/a.info"
natd_stop "$PIDA"

# natd's end of the tunnel on a NAT network: DHCP for the guest behind QEMU.
"$N" natnetwork add --netname tun --network 192.168.15.0/24 --enable --dhcp on || fail "natnetwork add"
natnet_start tun || fail "natnetwork start"
natd_start natd-relay --name relay --nic1 generic --nicgenericdrv1 UDPTunnel \
	--nicproperty1 sport=$PN --nicproperty1 dest=127.0.0.1 --nicproperty1 dport=$PQ \
	--attach1 "stream-connect:$NATD_HOME/run/natnet-tun.sock"
PIDR=$NATD_PID
ip -n "$NSB" addr flush dev "$QTAP"
udhcpc_lease "$NSB" "$QTAP" > "$T/lease" || fail "no lease through the tunnel"
expect_eq "the guest behind QEMU leased from the NAT network" 192.168.15.4 "$(lease_var "$T/lease" ip)"
expect_eq "  ... router the NAT network's gateway" 192.168.15.1 "$(lease_var "$T/lease" router)"
check "  ... and pings the gateway" ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.15.1
natd_stop "$PIDR"
check "natnetwork stop" natnet_stop tun
done_testing
