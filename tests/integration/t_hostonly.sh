#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Host-only networking (VirtualBox manual 6.7): `natd hostonlyif create`
# makes vboxnet0 (a persistent tap at 192.168.56.1/24, in this test's own
# network namespace); two kernel guests on taps behind `natd run --nic1
# hostonly --hostonlyadapter1 vboxnet0` get .101 and .102 from its DHCP
# server, without router; they ping each other and the host both ways and
# talk TCP both ways (an HTTP server bound to 192.168.56.1 on the host, one
# in a guest reached from the host, guest to guest); tcpdump on vboxnet0
# sees the guests' traffic (guest to guest too, the capture making the
# interface promiscuous) and, with -p, only what is the host's; the VMs'
# promiscuous policies apply (allow-vms hides the host's traffic); a remote
# namespace routed beyond the host (forwarding on) is not reached through
# natd; ipconfig changes the host's address (IPv4 and IPv6) under running
# guests; remove is refused while VMs are attached and then deletes the
# interface and its DHCP server.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
HDIR="$NATD_HOME/run/hostonly"
declare -A NS TAP PID

expect_eq "hostonlyif create prints VBoxManage's words" \
	"Interface 'vboxnet0' was successfully created" "$("$N" hostonlyif create)"
check "vboxnet0 has 192.168.56.1/24" \
	sh -c "ip -o -4 addr show dev vboxnet0 | grep -q 'inet 192.168.56.1/24'"
check "vboxnet0 is a persistent tap with VirtualBox's MAC" \
	sh -c "ip -d link show vboxnet0 | grep -q 'link/ether 0a:00:27:00:00:00' &&
	       ip -d link show vboxnet0 | grep -q 'tun type tap.*persist on'"
"$N" list dhcpservers > "$T/dhcpservers"
check "its DHCP server: HostInterfaceNetworking-vboxnet0, .100, .101 to .254" \
	sh -c "grep -q 'NetworkName: *HostInterfaceNetworking-vboxnet0' '$T/dhcpservers' &&
	       grep -q 'Dhcpd IP: *192.168.56.100' '$T/dhcpservers' &&
	       grep -q 'LowerIPAddress: *192.168.56.101' '$T/dhcpservers' &&
	       grep -q 'UpperIPAddress: *192.168.56.254' '$T/dhcpservers'"

# vm NAME MAC: a natd run on vboxnet0 for VM NAME, its tap in its own namespace.
vm() {
	local name=$1 mac=$2
	TAP[$name]="h${name}$ID"
	NS[$name]=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 hostonly --hostonlyadapter1 vboxnet0 \
		--attach1 "tap:${TAP[$name]}" --macaddress1 "$mac"
	PID[$name]=$NATD_PID
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" link set "${TAP[$name]}" address "$mac"
}
lease() { udhcpc_lease "${NS[$1]}" "${TAP[$1]}" > "$T/lease.$1"; }
ip_of() { lease_var "$T/lease.$1" ip; }
pings() { ip netns exec "${NS[$1]}" ping -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }

vm vm1 08:00:27:00:00:01
check "the first VM started the interface's switch" test -S "$HDIR/vboxnet0.sock"
_pids+=("$(cat "$HDIR/vboxnet0.pid")")
ln -sf "$HDIR/vboxnet0.log" "$T/natd-switch.log"
check "the switch attached the host's interface (carrier on)" \
	wait_for 5 sh -c "ip link show vboxnet0 | grep -q LOWER_UP"
vm vm2 08:00:27:00:00:02
lease vm1
lease vm2
expect_eq "vm1 leases .101" 192.168.56.101 "$(ip_of vm1)"
expect_eq "vm2 leases .102" 192.168.56.102 "$(ip_of vm2)"
expect_eq "no router: a host-only guest has no way out" "" "$(lease_var "$T/lease.vm1" router)"
expect_eq "the server is .100" 192.168.56.100 "$(lease_var "$T/lease.vm1" serverid)"

"$N" dhcpserver findlease --interface=vboxnet0 --mac-address=08:00:27:00:00:01 > "$T/find" 2>&1 ||
	{ cat "$T/find" >&2; fail "dhcpserver findlease --interface=vboxnet0"; }
check "findlease --interface=vboxnet0: vm1's lease" grep -q 'IP Address: *192.168.56.101' "$T/find"
check "dhcpserver restart --interface=vboxnet0 reaches the running switch" \
	sh -c "'$N' dhcpserver restart --interface=vboxnet0 && grep -q 'DHCP server stopped; restarting it' '$HDIR/vboxnet0.log'"

check "vm1 pings vm2" pings vm1 192.168.56.102
check "vm2 pings vm1" pings vm2 192.168.56.101
check "vm1 pings the host" pings vm1 192.168.56.1
check "vm2 pings the host" pings vm2 192.168.56.1
check "the host pings vm1" ping -c 2 -i 0.2 -W 1 192.168.56.101
check "the host pings vm2" ping -c 2 -i 0.2 -W 1 192.168.56.102

# TCP: a host server bound to the host-only address, a server in each guest.
http_client_echo - "TCP-LISTEN:8080,bind=192.168.56.1"
http_client_echo "${NS[vm2]}" "TCP-LISTEN:80,bind=192.168.56.102"
http_client_echo "${NS[vm1]}" "TCP-LISTEN:80,bind=192.168.56.101"
wait_for 10 listening - tcp 192.168.56.1:8080 || fail "the host's server did not start"
wait_for 10 listening "${NS[vm2]}" tcp 192.168.56.102:80 || fail "vm2's server did not start"
wait_for 10 listening "${NS[vm1]}" tcp 192.168.56.101:80 || fail "vm1's server did not start"
curl_in() { ip netns exec "${NS[$1]}" curl -s -m 5 "$2"; }
expect_eq "TCP vm1 -> the host's server on 192.168.56.1" "client=192.168.56.101" \
	"$(curl_in vm1 http://192.168.56.1:8080/)"
expect_eq "TCP the host -> vm2's server" "client=192.168.56.1" \
	"$(curl -s -m 5 http://192.168.56.102/)"
expect_eq "TCP vm1 -> vm2" "client=192.168.56.101" "$(curl_in vm1 http://192.168.56.102/)"
expect_eq "TCP vm2 -> vm1" "client=192.168.56.102" "$(curl_in vm2 http://192.168.56.101/)"

# tcpdump on the host's interface. A capture makes it promiscuous, and the
# switch then gives it every frame: vm1 -> vm2 is seen. With -p (not
# promiscuous) only what is the host's own (or broadcast) reaches it.
sniff() { # sniff OUT [-p]: captures ICMP while vm1 pings vm2 and the host
	local out=$1 tp
	shift
	timeout 30 tcpdump -l -n --immediate-mode -i vboxnet0 "$@" icmp > "$out" 2> "$out.err" &
	tp=$!
	wait_for 10 grep -q "listening on" "$out.err" || fail "tcpdump did not start"
	if [ "${1:-}" != -p ]; then
		# the switch hears of it over rtnetlink and logs it
		wait_for 10 grep -q 'is promiscuous: it gets every frame' "$HDIR/vboxnet0.log" ||
			fail "the switch did not see vboxnet0 turn promiscuous"
	fi
	pings vm1 192.168.56.102 || true
	pings vm1 192.168.56.1 || true
	sniff_end "$tp" "$out" "${SNIFF_EXPECT:-}"
}
SNIFF_EXPECT='192.168.56.101 > 192.168.56.1: ICMP echo request' sniff "$T/cap"
check "tcpdump on vboxnet0 sees vm1 -> vm2" grep -q '192.168.56.101 > 192.168.56.102: ICMP echo request' "$T/cap"
check "... and vm2's reply" grep -q '192.168.56.102 > 192.168.56.101: ICMP echo reply' "$T/cap"
check "... and vm1 -> the host" grep -q '192.168.56.101 > 192.168.56.1: ICMP echo request' "$T/cap"
check "the switch saw the promiscuous interface" grep -q 'is promiscuous: it gets every frame' "$HDIR/vboxnet0.log"
check "... and when the capture ended" wait_for 5 grep -q 'no longer promiscuous' "$HDIR/vboxnet0.log"
SNIFF_EXPECT='192.168.56.101 > 192.168.56.1: ICMP echo request' sniff "$T/cap-p" -p
check "tcpdump -p sees vm1 -> the host" grep -q '192.168.56.101 > 192.168.56.1: ICMP echo request' "$T/cap-p"
if grep -q '192.168.56.101 > 192.168.56.102' "$T/cap-p"; then
	fail "a capture without promiscuous mode saw guest-to-guest unicast"
fi
ok "tcpdump -p does not see vm1 -> vm2 (the interface is not promiscuous)"

# The VMs' promiscuous policies: vm2 captures (its tap promiscuous, tcpdump
# -p) while vm1 pings the host. allow-all shows it that traffic, allow-vms
# does not (it is the host's).
vm_sniff() { # vm_sniff OUT [EXPECT]
	local out=$1 tp
	ip netns exec "${NS[vm2]}" timeout 30 tcpdump -l -n -p --immediate-mode -i "${TAP[vm2]}" \
		icmp > "$out" 2> "$out.err" &
	tp=$!
	wait_for 10 grep -q "listening on" "$out.err" || fail "tcpdump did not start"
	pings vm1 192.168.56.1 || true
	sniff_end "$tp" "$out" "${2:-}"
}
ip -n "${NS[vm2]}" link set "${TAP[vm2]}" promisc on
check "controlvm vm2 nicpromisc1 allow-all" "$N" controlvm vm2 nicpromisc1 allow-all
vm_sniff "$T/vm2-all" '192.168.56.101 > 192.168.56.1: ICMP echo request'
check "vm2 (allow-all) sees vm1 -> the host" grep -q '192.168.56.101 > 192.168.56.1: ICMP echo request' "$T/vm2-all"
check "controlvm vm2 nicpromisc1 allow-vms" "$N" controlvm vm2 nicpromisc1 allow-vms
vm_sniff "$T/vm2-vms"
if grep -q '192.168.56.101 > 192.168.56.1:' "$T/vm2-vms"; then
	fail "vm2 (allow-vms) saw traffic between vm1 and the host"
fi
ok "vm2 (allow-vms) does not see vm1 -> the host"
"$N" controlvm vm2 nicpromisc1 deny
ip -n "${NS[vm2]}" link set "${TAP[vm2]}" promisc off

"$N" list hostonlyifs > "$T/list"
check "list hostonlyifs: vboxnet0, its address, MAC, status, DHCP server, VMs" \
	sh -c "grep -q '^Name: *vboxnet0' '$T/list' && grep -q '^IPAddress: *192.168.56.1$' '$T/list' &&
	       grep -q '^HardwareAddress: *0a:00:27:00:00:00' '$T/list' && grep -q '^Status: *Up' '$T/list' &&
	       grep -q '^DHCPServer: *192.168.56.100' '$T/list' && grep -q '^VMs: .*vm1 (adapter 1)' '$T/list' &&
	       grep -q '^VMs: .*vm2 (adapter 1)' '$T/list'"

# A remote namespace routed beyond the host, which forwards: natd gives the
# guests no route there and forwards nothing itself.
new_remote
ip -n "$REMOTE_NS" route add default via 198.51.100.2
sysctl -qw net.ipv4.ip_forward=1
check "the host reaches the remote" ping -c 1 -W 1 198.51.100.1
if ip netns exec "${NS[vm1]}" ping -c 2 -i 0.2 -W 1 198.51.100.1 > "$T/beyond" 2>&1; then
	fail "vm1 reached 198.51.100.1 beyond the host"
fi
ok "vm1 cannot reach the remote 198.51.100.1 (no route: DHCP gave none)"
ip -n "${NS[vm1]}" route add 198.51.100.0/24 via 192.168.56.100
if ip netns exec "${NS[vm1]}" ping -c 2 -i 0.2 -W 1 198.51.100.1 > "$T/beyond" 2>&1; then
	fail "vm1 reached the remote through natd's DHCP server address"
fi
ok "vm1 cannot reach the remote through natd (a route via its DHCP server .100)"
# What the host's own kernel forwards is the host's business, as on any of
# its interfaces: with a route via the host's address and forwarding on,
# it routes (README: the host's firewall decides).
ip -n "${NS[vm1]}" route replace 198.51.100.0/24 via 192.168.56.1
check "with a route via the host (forwarding on) the host's kernel routes it" \
	ip netns exec "${NS[vm1]}" ping -c 1 -W 2 198.51.100.1
ip -n "${NS[vm1]}" route del 198.51.100.0/24
sysctl -qw net.ipv4.ip_forward=0

# ipconfig under running guests: the host's address changes, the old one goes.
check "ipconfig --ip=192.168.56.5" "$N" hostonlyif ipconfig vboxnet0 --ip=192.168.56.5 --netmask=255.255.255.0
check "vboxnet0 has 192.168.56.5/24" sh -c "ip -o -4 addr show dev vboxnet0 | grep -q 'inet 192.168.56.5/24'"
check "... and no longer .1" sh -c "! ip -o -4 addr show dev vboxnet0 | grep -q 'inet 192.168.56.1/'"
check "vm1 pings the host at .5" pings vm1 192.168.56.5
if pings vm1 192.168.56.1; then fail "the old address still answers"; fi
ok "the old address 192.168.56.1 no longer answers"
check "ipconfig --ipv6=fd00:56::1 --netmasklengthv6=64" \
	"$N" hostonlyif ipconfig vboxnet0 --ipv6=fd00:56::1 --netmasklengthv6=64
check "vboxnet0 has fd00:56::1/64" sh -c "ip -o -6 addr show dev vboxnet0 | grep -q 'inet6 fd00:56::1/64'"
ip -n "${NS[vm1]}" -6 addr add fd00:56::101/64 dev "${TAP[vm1]}" nodad
check "vm1 pings the host's IPv6 address" \
	wait_for 5 ip netns exec "${NS[vm1]}" ping -6 -c 1 -W 1 fd00:56::1
"$N" list hostonlyifs > "$T/list"
check "list hostonlyifs shows the new addresses" \
	sh -c "grep -q '^IPAddress: *192.168.56.5$' '$T/list' && grep -q '^IPV6Address: *fd00:56::1$' '$T/list'"

# remove: refused while VMs are attached, then the interface is gone.
if "$N" hostonlyif remove vboxnet0 > "$T/rm" 2>&1; then fail "remove with VMs attached succeeded"; fi
check "remove with VMs attached is refused, naming them" \
	sh -c "grep -q 'vboxnet0 has 2 VMs attached (.*VM vm1' '$T/rm' && grep -q 'attached (.*VM vm2' '$T/rm'"
check "... and the interface is still there" sh -c "ip link show vboxnet0 > /dev/null"
natd_stop "${PID[vm1]}"
natd_stop "${PID[vm2]}"
check "the switch exits after the last VM" wait_for 10 test ! -e "$HDIR/vboxnet0.sock"
check "the host's interface stays, without carrier" \
	sh -c "ip link show vboxnet0 | grep -q NO-CARRIER"
check "the leases were kept" grep -q '08:00:27:00:00:02' "$NATD_HOME/hostonly-vboxnet0.leases.json"
expect_eq "remove" "Interface 'vboxnet0' was successfully removed" "$("$N" hostonlyif remove vboxnet0)"
check "vboxnet0 is gone from the host" sh -c "! ip link show vboxnet0 2>/dev/null"
check "... and from natd list hostonlyifs" test -z "$("$N" list hostonlyifs)"
check "its DHCP server and leases are gone" \
	sh -c "! '$N' list dhcpservers | grep -q vboxnet0 && test ! -e '$NATD_HOME/hostonly-vboxnet0.leases.json'"
check "no sanitizer report in the switch's log" sh -c "! grep -Eq 'Sanitizer|runtime error' '$HDIR/vboxnet0.log'"
done_testing
