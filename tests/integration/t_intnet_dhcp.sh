#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An internal network's DHCP server (natd dhcpserver --network=lab, VBoxManage
# dhcpserver's words): kernel guests on taps behind `natd run --nic1 intnet
# --intnet1 lab` sidecars, busybox udhcpc in each. The first client gets the
# lower address and no router; a MAC reservation and a VM/adapter
# reservation are honoured; findlease shows the lease; `stop` silences the
# server and `start` brings it back; when every VM has left (the network and
# its server are gone) and a VM comes back, its old lease is still known
# and a new client gets the next address.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
IDIR="$NATD_HOME/run/intnet"
declare -A NS TAP PID

check "dhcpserver add for lab" "$N" dhcpserver add --network=lab --server-ip=203.0.113.254 \
	--netmask=255.255.255.0 --lower-ip=203.0.113.100 --upper-ip=203.0.113.110 --enable \
	--mac-address=08:00:27:00:00:02 --fixed-address=203.0.113.50 \
	--vm=vm3 --nic=1 --fixed-address=203.0.113.60

# vm NAME MAC: a natd run on lab for VM NAME, its tap in its own namespace.
vm() {
	local name=$1 mac=$2
	TAP[$name]="d${name}$ID"
	[ -n "${NS[$name]:-}" ] || NS[$name]=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 intnet --intnet1 lab \
		--attach1 "tap:${TAP[$name]}" --macaddress1 "$mac"
	PID[$name]=$NATD_PID
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" link set "${TAP[$name]}" address "$mac"
}
lease() { udhcpc_lease "${NS[$1]}" "${TAP[$1]}" > "$T/lease.$1"; }
ip_of() { lease_var "$T/lease.$1" ip; }

vm vm1 08:00:27:00:00:01
_pids+=("$(cat "$IDIR/lab.pid")")
check "the network's daemon runs the DHCP server" wait_for 5 grep -q "DHCP server 203.0.113.254" "$IDIR/lab.log"
lease vm1
expect_eq "vm1: the lower address" 203.0.113.100 "$(ip_of vm1)"
expect_eq "vm1: the server's identifier" 203.0.113.254 "$(lease_var "$T/lease.vm1" serverid)"
expect_eq "vm1: no router (an internal network has no way out)" "" "$(lease_var "$T/lease.vm1" router)"
check "vm1 pings the DHCP server's address" ip netns exec "${NS[vm1]}" ping -q -c 1 -W 2 203.0.113.254

vm vm2 08:00:27:00:00:02
lease vm2
expect_eq "vm2: its MAC reservation" 203.0.113.50 "$(ip_of vm2)"
vm vm3 08:00:27:00:00:03
lease vm3
expect_eq "vm3: the reservation of VM vm3 adapter 1" 203.0.113.60 "$(ip_of vm3)"
check "vm1 pings vm3 at its leased address" ip netns exec "${NS[vm1]}" ping -q -c 1 -W 2 203.0.113.60

"$N" dhcpserver findlease --network=lab --mac-address=08:00:27:00:00:01 > "$T/find" 2>&1 ||
	{ cat "$T/find" >&2; fail "findlease"; }
check "findlease: vm1's address" grep -q "203.0.113.100" "$T/find"
"$N" list intnets > "$T/intnets"
check "list intnets shows the DHCP server's port" grep -q "DHCP server" "$T/intnets"

# stop: a new client gets nothing; start: it gets the next free address.
check "dhcpserver stop" "$N" dhcpserver stop --network=lab
vm vm4 08:00:27:00:00:04
if (udhcpc_lease "${NS[vm4]}" "${TAP[vm4]}" -t 2 -T 1) > /dev/null 2>&1; then
	fail "a stopped DHCP server answered"
fi
ok "a stopped server does not answer"
check "dhcpserver start" "$N" dhcpserver start --network=lab
lease vm4
expect_eq "vm4: the next address" 203.0.113.101 "$(ip_of vm4)"

# Every VM leaves: the network and its server are gone, the leases stay.
for v in vm1 vm2 vm3 vm4; do natd_stop "${PID[$v]}"; done
check "the network is gone" wait_for 10 test ! -e "$IDIR/lab.sock"
check "the lease file was written" grep -q "08:00:27:00:00:04" "$NATD_HOME/intnet-lab.leases.json"
vm vm5 08:00:27:00:00:05
_pids+=("$(cat "$IDIR/lab.pid")")
lease vm5
expect_eq "vm5 after the restart: .100 and .101 are still leased" 203.0.113.102 "$(ip_of vm5)"
# Both starts of the server restored three leases: after `dhcpserver start`
# vm1's, vm2's and vm3's (vm3 on the switch: its VM reservation applies
# first); after the network came back vm1's, vm2's and vm4's (vm3's lease at
# its reserved address waits for vm3).
expect_eq "the server restored its leases at both starts" 2 \
	"$(grep -c "restored 3 DHCP leases" "$IDIR/lab.log")"

natd_stop "${PID[vm5]}"
done_testing
