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
# remove deletes it even without the capability (its owner); an
# unprivileged user with a natd given cap_net_admin creates an interface
# that is theirs, and their unprivileged natd run attaches a VM to it.
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

# An unprivileged user (nobody), as on a desktop: natd given the capability
# (setcap) creates the interface, owned by that user; the user's plain natd
# run attaches a VM without any privilege (its switch opens the tap as its
# owner); the owner removes it without the capability. Each command runs
# in a mount namespace of its own where /dev/net/tun is a node the user may
# open (0666, as on a stock Debian host; this machine's may be 0600).
U=65534
chmod 711 "$T"
mkdir -m 755 "$T/u"
mknod -m 666 "$T/u/tun" c 10 200
cp "$NATD_BIN" "$T/u/natd"
cp "$NATD_BIN" "$T/u/natd-cap"
setcap cap_net_admin+ep "$T/u/natd-cap"
mkdir -m 700 "$T/u/home"
chown "$U:$U" "$T/u/home"
UH="$T/u/home"
# "${AS_USER[@]}" COMMAND...: COMMAND as the user, in its own mount namespace
# (a plain command, not a function: "... &" then gives the command's pid).
AS_USER=(unshare --mount -- bash -c 'mount --bind "$1" /dev/net/tun &&
	exec setpriv --reuid="$2" --regid="$2" --clear-groups -- "${@:3}"' _ "$T/u/tun" "$U"
	env NATD_HOME="$UH" NATD_RESOLV_CONF="$NATD_RESOLV_CONF")
# (LeakSanitizer cannot stop the threads of a process with file capabilities.)
"${AS_USER[@]}" ASAN_OPTIONS=detect_leaks=0 "$T/u/natd-cap" hostonlyif create > "$T/ucreate" 2>&1 ||
	{ cat "$T/ucreate" >&2; fail "the user's create (natd with cap_net_admin)"; }
ok "an unprivileged user creates vboxnet0 with natd given cap_net_admin"
check "the tap is that user's" sh -c "ip -d link show vboxnet0 | grep -Eq 'persist on user (nobody|$U) '"
ip tuntap add dev "gu$ID" mode tap user "$U"
"${AS_USER[@]}" "$T/u/natd" run --name uvm --nic1 hostonly --hostonlyadapter1 vboxnet0 \
	--attach1 "tap:gu$ID" --macaddress1 08:00:27:00:00:99 > "$T/natd-uvm.log" 2>&1 &
upid=$!
_natd_pids+=("$upid")
check "the user's natd run (no capability) starts" wait_for 10 grep -q ': running (' "$T/natd-uvm.log"
_pids+=("$(cat "$UH/run/hostonly/vboxnet0.pid")")
ln -sf "$UH/run/hostonly/vboxnet0.log" "$T/natd-uswitch.log"
gns=$(new_netns uguest)
tap_into_ns "gu$ID" "$gns"
ip -n "$gns" link set "gu$ID" address 08:00:27:00:00:99
udhcpc_lease "$gns" "gu$ID" > "$T/lease.u"
expect_eq "its guest leases .101" 192.168.56.101 "$(lease_var "$T/lease.u" ip)"
check "its guest pings the host" sh -c "ip netns exec $gns ping -c 2 -i 0.2 -W 1 192.168.56.1 > /dev/null"
natd_stop "$upid"
check "the user's switch exits after the VM" wait_for 10 test ! -e "$UH/run/hostonly/vboxnet0.sock"
check "no sanitizer report in the user's switch's log" \
	sh -c "! grep -Eq 'Sanitizer|runtime error' '$UH/run/hostonly/vboxnet0.log'"
check "the owner removes it without the capability" "${AS_USER[@]}" "$T/u/natd" hostonlyif remove vboxnet0
check "vboxnet0 is gone" sh -c "! ip link show vboxnet0 2>/dev/null"
done_testing
