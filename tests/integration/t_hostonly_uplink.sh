#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A host-only network that spans hosts: `natd hostonlyif modify vboxnet0
# --uplink udp:...` on "host A" (the test's namespace) gives vboxnet0's
# switch a UDP tunnel to "host B" (a namespace on a veth pair,
# 198.51.100.1), where a VM (a kernel guest behind `natd run --nic1 generic
# UDPTunnel`) leases an address from vboxnet0's DHCP server (no router),
# pings host A's 192.168.56.1 and talks TCP to a server bound there, and
# pings the VM on host A. The uplink is in natd.json and list hostonlyifs
# (with its state while the switch runs, and not counted as a VM); --uplink
# none cuts host B off live, --uplink brings it back; bad specs, an unknown
# interface and an uplink whose port is taken are refused and change
# nothing.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
HDIR="$NATD_HOME/run/hostonly"
new_remote
HB=$REMOTE_NS
PU=$((40000 + ($$ % 10000)))
PV=$((PU + 1))
UP="udp:$PU,198.51.100.1:$PV"

expect_eq "hostonlyif create" "Interface 'vboxnet0' was successfully created" "$("$N" hostonlyif create)"

# Bad input.
rc=0; "$N" hostonlyif modify vboxnet0 --uplink tcp:1 2> "$T/err" || rc=$?
expect_eq "modify --uplink tcp:1: usage error" 2 "$rc"
check "  ... saying what an uplink is" grep -q "is not an uplink (udp:LPORT,HOST:PORT or vde:/path/to/switch\[PORT\])" "$T/err"
rc=0; "$N" hostonlyif modify vboxnet0 --uplink udp:70000,h:1 2> "$T/err" || rc=$?
expect_eq "modify --uplink udp:70000,h:1: usage error" 2 "$rc"
check "  ... naming the port" grep -q "local port '70000' is not a port 1-65535" "$T/err"
rc=0; "$N" hostonlyif modify vboxnet0 2> "$T/err" || rc=$?
expect_eq "modify without --uplink: usage error" 2 "$rc"
check "  ... nothing to change" grep -q "nothing to change" "$T/err"
rc=0; "$N" hostonlyif modify vboxnet7 --uplink "$UP" 2> "$T/err" || rc=$?
expect_eq "modify of an interface not defined: refused" 1 "$rc"
check "  ... naming it" grep -q "no host-only interface 'vboxnet7'" "$T/err"
check "  ... natd.json has no uplink" sh -c "! grep -q '\"uplink\"' '$NATD_HOME/natd.json'"

check "modify vboxnet0 --uplink (no VM yet: stored)" "$N" hostonlyif modify vboxnet0 --uplink "$UP"
check "the uplink is in natd.json" grep -q "\"uplink\": \"$UP\"" "$NATD_HOME/natd.json"
check "list hostonlyifs: the uplink" sh -c "'$N' list hostonlyifs | grep -qx 'Uplink:          $UP'"

# A VM on host A starts vboxnet0's switch, with the uplink.
NSA=$(new_netns vma)
natd_start natd-vma --name vmA --nic1 hostonly --hostonlyadapter1 vboxnet0 --attach1 "tap:ta$ID" \
	--macaddress1 080027000a01
PIDA=$NATD_PID
SWPID=$(cat "$HDIR/vboxnet0.pid")
_pids+=("$SWPID")
ln -sf "$HDIR/vboxnet0.log" "$T/natd-switch.log"
tap_into_ns "ta$ID" "$NSA"
udhcpc_lease "$NSA" "ta$ID" > "$T/lease.a"
IPA=$(lease_var "$T/lease.a" ip)
expect_eq "the VM on host A leased from vboxnet0's DHCP server" 192.168.56.101 "$IPA"

# The VM on host B, at the other end of the tunnel.
NSB=$(new_netns vmb)
ip netns exec "$HB" "$N" run --name vmB --nic1 generic --nicgenericdrv1 UDPTunnel \
	--nicproperty1 "sport=$PV,dest=198.51.100.2,dport=$PU" --attach1 "tap:tb$ID" \
	--macaddress1 080027000b01 > "$T/natd-vmb.log" 2>&1 &
PIDB=$!
_natd_pids+=("$PIDB")
wait_for 10 grep -q ': running (' "$T/natd-vmb.log" || fail "vmB did not start"
wait_for 5 ip -n "$HB" link show "tb$ID" >/dev/null || fail "vmB's tap"
ip -n "$HB" link set "tb$ID" netns "$NSB"
ip -n "$NSB" link set "tb$ID" up
udhcpc_lease "$NSB" "tb$ID" > "$T/lease.b"
IPB=$(lease_var "$T/lease.b" ip)
expect_eq "the VM on host B leased from vboxnet0's DHCP server on host A" 192.168.56.102 "$IPB"
expect_eq "  ... without router (host-only)" "" "$(lease_var "$T/lease.b" router)"
check "the VM on host B pings host A's vboxnet0 address" \
	ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.56.1
check "  ... and the VM on host A" ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 "$IPA"
bg socat -T 5 TCP-LISTEN:7100,bind=192.168.56.1,reuseaddr,fork SYSTEM:'echo hello-from-host-a'
wait_for 10 listening - tcp 192.168.56.1:7100 || fail "server on vboxnet0"
expect_eq "  ... and talks TCP to a server bound to it" hello-from-host-a \
	"$(ip netns exec "$NSB" timeout 5 socat -T 3 -u TCP:192.168.56.1:7100 -)"
"$N" list hostonlyifs > "$T/list"
check "list hostonlyifs: the uplink is up, via the resolved tunnel" \
	grep -qx "Uplink:          $UP (up, via dgram:0.0.0.0:$PU,198.51.100.1:$PV)" "$T/list"
check "  ... and the uplink is not one of its VMs" grep -qx "VMs:             vmA (adapter 1)" "$T/list"

# Live changes.
check "modify --uplink none while VMs are attached" "$N" hostonlyif modify vboxnet0 --uplink none
if ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.56.1 >/dev/null 2>&1; then
	fail "host B still reaches vboxnet0"
fi
ok "  ... host B is cut off"
check "  ... natd.json has no uplink" sh -c "! grep -q '\"uplink\"' '$NATD_HOME/natd.json'"
check "  ... list hostonlyifs says none" grep -qx "Uplink:          none" <("$N" list hostonlyifs)
check "the VM on host A still reaches the host" ip netns exec "$NSA" ping -q -c 1 -W 1 192.168.56.1
check "modify --uplink again, live" "$N" hostonlyif modify vboxnet0 --uplink "$UP"
check "  ... host B reaches vboxnet0 again" wait_for 10 ip netns exec "$NSB" ping -q -c 1 -W 1 192.168.56.1
bg socat -u "UDP4-RECV:$PV,bind=0.0.0.0" /dev/null
wait_for 5 listening - udp "0.0.0.0:$PV" || fail "socat"
cp "$NATD_HOME/natd.json" "$T/before.json"
rc=0; "$N" hostonlyif modify vboxnet0 --uplink "udp:$PV,198.51.100.1:$PU" 2> "$T/err" || rc=$?
expect_eq "an uplink whose port is taken is refused" 1 "$rc"
check "  ... with the reason" grep -q "vboxnet0: uplink udp:$PV,198.51.100.1:$PU: dgram:0.0.0.0:$PV,198.51.100.1:$PU: bind: Address already in use (nothing changed)" "$T/err"
check "  ... natd.json unchanged" cmp -s "$NATD_HOME/natd.json" "$T/before.json"
check "  ... and the old uplink still works" ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 1 192.168.56.1

natd_stop "$PIDB"
natd_stop "$PIDA"
check "vboxnet0's switch ends with the last VM of host A" wait_for 10 test ! -e "$HDIR/vboxnet0.sock"
check "  ... the process is gone" wait_for 10 sh -c "! kill -0 $SWPID"
check "  ... its log ends with a clean stop, no sanitizer report" sh -c "
	tail -n 1 '$HDIR/vboxnet0.log' | grep -q ': stopped\$' &&
	! grep -Eq 'Sanitizer|runtime error' '$HDIR/vboxnet0.log'"
expect_eq "hostonlyif remove" "Interface 'vboxnet0' was successfully removed" "$("$N" hostonlyif remove vboxnet0)"
done_testing
