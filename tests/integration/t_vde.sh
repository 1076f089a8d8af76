#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The generic VDE driver (VirtualBox manual 6.9) against Debian's vde_switch
# (package vde2), as in the manual: `vde_switch -s SWITCH`, adapters with
# --nicgenericdrv1 VDE --nicproperty1 network=SWITCH (any port) or
# network=SWITCH[N] (port N), a VLAN made on the switch's management socket
# (vlan/create, port/setvlan). vm1 and vm2 (kernel guests on taps, each
# behind its own natd run) ping and talk TCP through the switch; vm3 and vm4
# on ports put in VLAN 10 reach each other but neither vm1 nor vm2;
# showvminfo shows the driver, its property, the MACs frames came from and
# the frame counters; the switch's own port list names natd's ports.
# A port the switch will not give, and a switch that is not there, are
# refused at start naming the property.
. "$(dirname "$0")/lib.sh"

command -v vde_switch >/dev/null || fail "vde_switch missing (package vde2)"
N="$NATD_BIN"
SW="$T/switch1"
MG="$T/switch1.mgmt"
vde_switch -s "$SW" -M "$MG" -n 16 -d -p "$T/vde.pid" || fail "vde_switch did not start"
wait_for 5 test -s "$T/vde.pid" || fail "no pid file"
_pids+=("$(cat "$T/vde.pid")")
wait_for 5 test -S "$MG" || fail "no management socket"

# vdecmd COMMAND...: one command on the switch's management socket; true
# when the switch says "1000 Success".
vdecmd() {
	(printf '%s\n' "$*"; sleep 0.5) | timeout 10 socat -t 3 - "UNIX-CONNECT:$MG" > "$T/vdecmd.out" 2>&1
	grep -Eq '^(vde\$ )?1000 Success' "$T/vdecmd.out" || { cat "$T/vdecmd.out" >&2; return 1; }
}
check "vlan/create 10" vdecmd vlan/create 10
for p in 7 8; do
	check "port/create $p" vdecmd port/create $p
	check "port/setvlan $p 10" vdecmd port/setvlan $p 10
done

declare -A NS IP TAP PID
IP[vm1]=203.0.113.1; IP[vm2]=203.0.113.2; IP[vm3]=203.0.113.3; IP[vm4]=203.0.113.4
vm() {
	local name=$1 net=$2
	TAP[$name]="v${name}$ID"
	NS[$name]=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 generic --nicgenericdrv1 VDE \
		--nicproperty1 "network=$net" --attach1 "tap:${TAP[$name]}"
	PID[$name]=$NATD_PID
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" addr add "${IP[$name]}/24" dev "${TAP[$name]}"
}
pings() { ip netns exec "${NS[$1]}" ping -q -c 2 -i 0.2 -W 1 "${IP[$2]}" >/dev/null 2>&1; }

vm vm1 "$SW"
vm vm2 "$SW"
vm vm3 "$SW[7]"
vm vm4 "$SW[8]"
check "vm1 pings vm2 through the VDE switch" wait_for 10 pings vm1 vm2
check "vm2 pings vm1" pings vm2 vm1
bg ip netns exec "${NS[vm2]}" socat -T 5 "TCP-LISTEN:7000,bind=${IP[vm2]},reuseaddr,fork" SYSTEM:'echo hello-from-vm2'
wait_for 10 listening "${NS[vm2]}" tcp "${IP[vm2]}:7000" || fail "vm2's server did not start"
expect_eq "TCP vm1 -> vm2" hello-from-vm2 \
	"$(ip netns exec "${NS[vm1]}" timeout 5 socat -T 3 -u "TCP:${IP[vm2]}:7000" -)"
check "vm3 and vm4 (VLAN 10) ping each other" wait_for 10 pings vm3 vm4
for a in vm3 vm4; do
	for b in vm1 vm2; do
		if pings $a $b || pings $b $a; then fail "$a (VLAN 10) and $b (VLAN 0) reached each other"; fi
	done
done
ok "VLAN 10 and the default VLAN do not see each other"
check "vm3 has no neighbour entry for vm1 (no ARP answer across VLANs)" \
	sh -c "! ip -n '${NS[vm3]}' neigh show '${IP[vm1]}' | grep -q lladdr"

"$N" showvminfo vm3 --machinereadable > "$T/vm3.info" || fail "showvminfo vm3"
field() { sed -n "s/^$2=//p" "$1" | tr -d '"'; }
expect_eq "showvminfo: driver" VDE "$(field "$T/vm3.info" nics_1_driver)"
expect_eq "showvminfo: property network" "$SW[7]" "$(field "$T/vm3.info" nics_1_properties_network)"
expect_eq "showvminfo: transport" "vde:$SW[7]" "$(field "$T/vm3.info" nics_1_transport)"
mac4=$(ip -n "${NS[vm4]}" link show "${TAP[vm4]}" | awk '/link\/ether/ { print $2 }')
check "showvminfo: vm4's MAC among the peers seen" grep -q "^nics_1_peers_[0-9]*_address=\"$mac4\"" "$T/vm3.info"
check "showvminfo: frames both ways" sh -c "[ $(field "$T/vm3.info" nics_1_frames_to_network) -ge 2 ] && [ $(field "$T/vm3.info" nics_1_frames_from_network) -ge 2 ]"
vdecmd port/allprint || fail "port/allprint"
check "the switch lists port 7 in VLAN 10 in use by natd" \
	sh -c "grep -A4 'Port 0007 untagged_vlan=0010 ACTIVE' '$T/vdecmd.out' | grep -q 'prog   : natd'"

# Refused at start, naming the property.
rc=0
timeout 30 "$N" run --name bad --nic1 generic --nicgenericdrv1 VDE --nicproperty1 "network=$SW[99]" \
	--attach1 "stream:$T/bad.sock" > "$T/bad.out" 2>&1 || rc=$?
expect_eq "a port the switch does not give: exit 1" 1 "$rc"
check "  ... naming the property" grep -q "nic1: --nicproperty1 network=$SW\[99\]: vde:$SW\[99\]: the VDE switch did not answer" "$T/bad.out"
rc=0
"$N" run --name bad --nic1 generic --nicgenericdrv1 VDE --nicproperty1 "network=$T/none" \
	--attach1 "stream:$T/bad.sock" > "$T/bad.out" 2>&1 || rc=$?
expect_eq "no switch there: exit 1" 1 "$rc"
check "  ... naming the property" grep -q "nic1: --nicproperty1 network=$T/none: no VDE switch at $T/none" "$T/bad.out"

# The switch goes away: natd's adapters stay up and count the drops.
kill "$(cat "$T/vde.pid")"
check "vm1's natd notices the switch went away" wait_for 5 grep -q 'the VDE switch closed the connection' "$T/natd-vm1.log"
pings vm1 vm2 && fail "vm1 reached vm2 without the switch"
check "  ... keeps running" kill -0 "${PID[vm1]}"
"$N" showvminfo vm1 --machinereadable > "$T/vm1.info"
expect_eq "  ... showvminfo: not connected" false "$(field "$T/vm1.info" nics_1_connected)"
check "  ... and counts the dropped frames" test "$(field "$T/vm1.info" nics_1_frames_dropped)" -ge 1
for v in vm1 vm2 vm3 vm4; do natd_stop "${PID[$v]}"; done
done_testing
