#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natd hostonlyif's bad input and book-keeping, in this test's own network
# namespace: without CAP_NET_ADMIN create and ipconfig fail with one clear
# line and change nothing (no interface, natd.json as it was); create picks
# the next free vboxnetN (skipping a name another interface holds) and its
# default 192.168.(56+N).1/24; ipconfig refuses addresses that overlap
# another host-only interface or a NAT network, or the interface's own DHCP
# range, and moves the DHCP server into a new subnet; natnetwork add and
# dhcpserver modify refuse what would collide with a host-only interface;
# natd run refuses --nic1 hostonly without --hostonlyadapter1 and names an
# interface that is not defined; an interface deleted behind natd's back
# (as by a reboot) is recreated with its addresses by the first VM's start;
# remove deletes it even without the capability (its owner).
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
NOCAP=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin)
J="$NATD_HOME/natd.json"
addr4() { ip -o -4 addr show dev "$1" | awk '{ print $4 }' | sort | tr '\n' ' '; }
refused() { # refused OUT EXPECTED-STATUS COMMAND...: runs it, wants that status
	local out=$1 want=$2 rc=0
	shift 2
	"$@" > "$out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { cat "$out" >&2; echo "exit status $rc, not $want" >&2; return 1; }
}

check "create vboxnet0" "$N" hostonlyif create
sum0=$(md5sum < "$J")

# Without CAP_NET_ADMIN: one line, exit 1, nothing made or written.
check "create without CAP_NET_ADMIN exits 1" refused "$T/nocap" 1 "${NOCAP[@]}" "$N" hostonlyif create
expect_eq "... with one line" 1 "$(wc -l < "$T/nocap")"
check "... that says CAP_NET_ADMIN is needed" grep -q 'needs CAP_NET_ADMIN' "$T/nocap"
check "... and no vboxnet1 was created" sh -c "! ip link show vboxnet1 2>/dev/null"
expect_eq "... and natd.json is unchanged" "$sum0" "$(md5sum < "$J")"
check "ipconfig without CAP_NET_ADMIN exits 1" \
	refused "$T/nocap" 1 "${NOCAP[@]}" "$N" hostonlyif ipconfig vboxnet0 --ip=192.168.56.2
check "... saying why" grep -q 'needs CAP_NET_ADMIN' "$T/nocap"
expect_eq "... and the address is unchanged" "192.168.56.1/24 " "$(addr4 vboxnet0)"
expect_eq "... and natd.json too" "$sum0" "$(md5sum < "$J")"

# The next free name: vboxnet1 is another interface of the host here.
ip link add vboxnet1 type veth peer name "vbp$ID"
expect_eq "create skips a name the host already uses" \
	"Interface 'vboxnet2' was successfully created" "$("$N" hostonlyif create)"
check "vboxnet1 was left alone" sh -c "ip -d link show vboxnet1 | grep -q veth"
expect_eq "vboxnet2 has its default 192.168.58.1/24" "192.168.58.1/24 " "$(addr4 vboxnet2)"
ip link del vboxnet1

# Overlaps and the DHCP range.
check "ipconfig into vboxnet0's subnet is refused" \
	refused "$T/o1" 1 "$N" hostonlyif ipconfig vboxnet2 --ip=192.168.56.7
check "... naming vboxnet0" grep -q 'overlaps host-only interface vboxnet0' "$T/o1"
check "natnetwork add of a network that overlaps vboxnet2 is refused" \
	refused "$T/o2" 1 "$N" natnetwork add --netname nn --network 192.168.58.0/24
check "... naming vboxnet2" grep -q 'overlaps host-only interface vboxnet2' "$T/o2"
check "natnetwork add elsewhere" "$N" natnetwork add --netname nn --network 192.168.60.0/24
check "ipconfig into a NAT network is refused" \
	refused "$T/o3" 1 "$N" hostonlyif ipconfig vboxnet2 --ip=192.168.60.9
check "... naming it" grep -q "overlaps NAT network 'nn'" "$T/o3"
check "ipconfig onto the DHCP range is refused" \
	refused "$T/o4" 1 "$N" hostonlyif ipconfig vboxnet0 --ip=192.168.56.150
check "... saying so" grep -q 'holds the host' "$T/o4"
check "dhcpserver modify putting the host's address in the range is refused" \
	refused "$T/o5" 1 "$N" dhcpserver modify --interface=vboxnet0 --lower-ip=192.168.56.1 \
	--upper-ip=192.168.56.50
check "... saying so" grep -q "holds the host's address 192.168.56.1" "$T/o5"
check "bad input: --netmask without --ip" \
	refused "$T/o6" 2 "$N" hostonlyif ipconfig vboxnet0 --netmask=255.255.0.0
check "bad input: not an address" refused "$T/o7" 2 "$N" hostonlyif ipconfig vboxnet0 --ip=300.1.1.1
check "bad input: link-local IPv6" refused "$T/o8" 1 "$N" hostonlyif ipconfig vboxnet0 --ipv6=fe80::5
check "ipconfig of an interface that is not defined" \
	refused "$T/o9" 1 "$N" hostonlyif ipconfig vboxnet9 --ip=10.9.9.1
check "... names it" grep -q "no host-only interface 'vboxnet9'" "$T/o9"
expect_eq "after all that, vboxnet0 and vboxnet2 are as they were" \
	"192.168.56.1/24 |192.168.58.1/24 " "$(addr4 vboxnet0)|$(addr4 vboxnet2)"

# ipconfig into another subnet moves the DHCP server along.
check "ipconfig vboxnet2 --ip=10.58.0.1 --netmask=255.255.0.0" \
	"$N" hostonlyif ipconfig vboxnet2 --ip=10.58.0.1 --netmask=255.255.0.0
expect_eq "vboxnet2 has only 10.58.0.1/16" "10.58.0.1/16 " "$(addr4 vboxnet2)"
"$N" list dhcpservers > "$T/dhcp"
check "its DHCP server moved: 10.58.0.100, .101 to .254, mask 255.255.0.0" \
	sh -c "grep -A4 'HostInterfaceNetworking-vboxnet2' '$T/dhcp' | grep -q 'Dhcpd IP: *10.58.0.100' &&
	       grep -A4 'HostInterfaceNetworking-vboxnet2' '$T/dhcp' | grep -q 'UpperIPAddress: *10.58.0.254' &&
	       grep -A4 'HostInterfaceNetworking-vboxnet2' '$T/dhcp' | grep -q 'NetworkMask: *255.255.0.0'"

# natd run's bad input.
check "natd run --nic1 hostonly without --hostonlyadapter1 exits 2" \
	refused "$T/r1" 2 "$N" run --name x --nic1 hostonly --attach1 "stream:$T/x.sock"
check "... saying what is missing" grep -q 'needs --hostonlyadapter1' "$T/r1"
check "natd run on an interface that is not defined exits 1" \
	refused "$T/r2" 1 "$N" run --name x --nic1 hostonly --hostonlyadapter1 vboxnet9 \
	--attach1 "stream:$T/x.sock"
check "... naming it" grep -q "no host-only interface 'vboxnet9'" "$T/r2"
check "--hostonlyadapter1 with another mode exits 2" \
	refused "$T/r3" 2 "$N" run --name x --nic1 intnet --hostonlyadapter1 vboxnet0

# Vanished (as after a reboot): the first VM's natd run (root here) brings
# the interface back with its addresses.
ip link del vboxnet0
natd_start natd-vm1 --name vm1 --nic1 hostonly --hostonlyadapter1 vboxnet0 \
	--attach1 "stream:$T/vm1.sock"
_pids+=("$(cat "$NATD_HOME/run/hostonly/vboxnet0.pid")")
ln -sf "$NATD_HOME/run/hostonly/vboxnet0.log" "$T/natd-switch.log"
check "natd run recreated vboxnet0" grep -q 'vboxnet0 had vanished: recreated it' "$T/natd-vm1.log"
expect_eq "... with its address" "192.168.56.1/24 " "$(addr4 vboxnet0)"
check "... and its MAC" sh -c "ip link show vboxnet0 | grep -q 0a:00:27:00:00:00"
natd_stop "$NATD_PID"
check "the switch exits after the VM" wait_for 10 test ! -e "$NATD_HOME/run/hostonly/vboxnet0.sock"
check "no sanitizer report in the switch's log" \
	sh -c "! grep -Eq 'Sanitizer|runtime error' '$NATD_HOME/run/hostonly/vboxnet0.log'"

# remove needs no capability from the interface's owner.
check "remove vboxnet2 without CAP_NET_ADMIN" "${NOCAP[@]}" "$N" hostonlyif remove vboxnet2
check "vboxnet2 is gone" sh -c "! ip link show vboxnet2 2>/dev/null"
check "remove of an interface that is not defined exits 1" \
	refused "$T/rm" 1 "$N" hostonlyif remove vboxnet2
check "remove vboxnet0" "$N" hostonlyif remove vboxnet0
check "natd.json lists no host-only interface" \
	sh -c "python3 -c 'import json,sys; sys.exit(len(json.load(open(\"$J\"))[\"hostonlyifs\"]))'"
done_testing
