#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `natd dhcpserver` and `natd list dhcpservers` without guests: help texts,
# add/modify/remove in both --opt=value and --opt value forms, the list
# layout, every refusal leaving natd.json byte-identical, NAT networks in the
# same file untouched (both ways), concurrent adds all persisted, a bad entry
# named and never rewritten, findlease on a lease file, and start/stop/
# restart/remove talking to a network daemon (played by socat on the control
# socket) or reporting that the network has no VMs.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
J="$NATD_HOME/natd.json"
MAC=08:00:27:aa:bb:cc

# refused DESCRIPTION EXPECTED-TEXT EXPECTED-STATUS ARGS...: the command fails
# with that exit status, says EXPECTED-TEXT on stderr and leaves natd.json
# byte for byte as it was.
refused() { # refused DESCRIPTION TEXT STATUS ARGS...: one line, natd.json unchanged
	local what=$1 text=$2 want=$3
	shift 3
	cp "$J" "$T/before.json"
	expect_refused --one-line "$what" "$want" "$text" "$N" "$@"
	cmp -s "$T/before.json" "$J" || fail "$what: natd.json changed"
	ok "$what"
}

# Help texts.
for sub in "" add modify remove start stop restart findlease; do
	check "natd dhcpserver $sub --help" sh -c "'$N' dhcpserver $sub --help | grep -q '^Usage: natd dhcpserver'"
done
check "natd --help mentions dhcpserver and list" sh -c "'$N' --help | grep -q 'dhcpserver add' && '$N' --help | grep -q 'what natd knows of: dhcpservers'"
check "natd list --help names dhcpservers" sh -c "'$N' list --help | grep -q '^  dhcpservers '"
check "stop --help says the server stays enabled" sh -c "'$N' dhcpserver stop --help | grep -q 'stays enabled'"

# A NAT network first: the dhcpserver commands must leave it alone.
check "a NAT network in the same file" "$N" natnetwork add --netname n1 --network 10.2.0.0/24 \
	--port-forward-4 "ssh:tcp:[]:1022:[10.2.0.5]:22"
"$N" natnetwork list > "$T/natnet.before"

check "add (--opt=value)" "$N" dhcpserver add --network=lab --server-ip=10.9.0.1 \
	--netmask=255.255.255.0 --lower-ip=10.9.0.10 --upper-ip=10.9.0.50 --enable \
	--set-opt=6 10.9.0.1 --lease-time=3600 --mac-address=$MAC --fixed-address=10.9.0.7 \
	--vm=vm1 --nic=1 --fixed-address=10.9.0.8
check "add (--opt value, host-only interface)" "$N" dhcpserver add --interface vboxnet0 \
	--server-ip 192.168.56.100 --netmask 255.255.255.0 --lower-ip 192.168.56.101 \
	--upper-ip 192.168.56.254 --set-opt-hex 43 0102 --disable
check "natd.json is private (mode 0600)" test "$(stat -c %a "$J")" = 600
cat > "$T/want.list" <<EOF
NetworkName:    lab
Dhcpd IP:       10.9.0.1
LowerIPAddress: 10.9.0.10
UpperIPAddress: 10.9.0.50
NetworkMask:    255.255.255.0
Enabled:        Yes
Global Configuration:
    LeaseTime: 3600
    6: 10.9.0.1
Individual Configs:
    MAC $MAC: fixed address 10.9.0.7
    VM vm1 NIC 1: fixed address 10.9.0.8

NetworkName:    HostInterfaceNetworking-vboxnet0
Dhcpd IP:       192.168.56.100
LowerIPAddress: 192.168.56.101
UpperIPAddress: 192.168.56.254
NetworkMask:    255.255.255.0
Enabled:        No
Global Configuration:
    LeaseTime: 86400
    43: 0102 (hex)
Individual Configs: None
EOF
"$N" list dhcpservers > "$T/list"
check "list dhcpservers shows both, VBoxManage's layout" diff -u "$T/want.list" "$T/list"
check "natd.json holds them under \"dhcpservers\"" grep -q '"kind": "interface"' "$J"

# Refusals: usage errors (2) and refused definitions (1), nothing written.
A=(--server-ip=10.8.0.1 --netmask=255.255.255.0 --lower-ip=10.8.0.10 --upper-ip=10.8.0.20)
refused "add of an existing server" "a DHCP server for network 'lab' exists" 1 \
	dhcpserver add --network=lab "${A[@]}"
refused "add for an interface's network name" "HostInterfaceNetworking-vboxnet0' exists" 1 \
	dhcpserver add --network=HostInterfaceNetworking-vboxnet0 "${A[@]}"
refused "modify of an unknown network" "no DHCP server for network 'nope'" 1 \
	dhcpserver modify --network=nope --disable
for sub in remove start stop restart; do
	refused "$sub of an unknown network" "no DHCP server for network 'nope'" 1 dhcpserver $sub --network nope
done
refused "findlease on an unknown network" "no DHCP server for network 'nope'" 1 \
	dhcpserver findlease --network nope --mac-address $MAC
refused "an unknown interface" "no DHCP server for host-only interface 'vboxnet9'" 1 \
	dhcpserver stop --interface vboxnet9
refused "netmask not contiguous" "netmask 255.0.255.0 is not contiguous" 1 \
	dhcpserver add --network=x "${A[@]}" --netmask=255.0.255.0
refused "lower IP outside the subnet" "lower IP 10.7.0.10 is outside the subnet 10.8.0.0/24" 1 \
	dhcpserver add --network=x "${A[@]}" --lower-ip=10.7.0.10
refused "upper IP outside the subnet" "upper IP 10.8.1.20 is outside the subnet" 1 \
	dhcpserver add --network=x "${A[@]}" --upper-ip=10.8.1.20
refused "server IP on the network address" "server IP 10.8.0.0 is the network address" 1 \
	dhcpserver add --network=x "${A[@]}" --server-ip=10.8.0.0
refused "server IP on the broadcast address" "server IP 10.8.0.255 is the broadcast address" 1 \
	dhcpserver add --network=x "${A[@]}" --server-ip=10.8.0.255
refused "lower IP on the network address" "lower IP 10.8.0.0 is the network address" 1 \
	dhcpserver add --network=x "${A[@]}" --lower-ip=10.8.0.0
refused "upper IP on the broadcast address" "upper IP 10.8.0.255 is the broadcast address" 1 \
	dhcpserver add --network=x "${A[@]}" --upper-ip=10.8.0.255
refused "lower above upper" "lower IP 10.8.0.30 is above upper IP 10.8.0.20" 1 \
	dhcpserver add --network=x "${A[@]}" --lower-ip=10.8.0.30
refused "server IP inside the range" "server IP 10.8.0.15 is inside the range" 1 \
	dhcpserver add --network=x "${A[@]}" --server-ip=10.8.0.15
refused "fixed address outside the subnet" "fixed address 10.9.0.7 is outside the subnet" 1 \
	dhcpserver add --network=x "${A[@]}" --mac-address=$MAC --fixed-address=10.9.0.7
refused "fixed address = server IP" "fixed address 10.9.0.1 is the server IP" 1 \
	dhcpserver modify --network=lab --mac-address=08:00:27:00:00:09 --fixed-address=10.9.0.1
refused "fixed address twice" "fixed address 10.9.0.7 is already reserved" 1 \
	dhcpserver modify --network=lab --vm=vm2 --fixed-address=10.9.0.7
refused "a MAC with two reservations" "MAC 08:00:27:00:00:09 has two reservations" 1 \
	dhcpserver modify --network=lab --mac-address=08:00:27:00:00:09 --fixed-address=10.9.0.30 \
	--mac-address=080027000009 --fixed-address=10.9.0.31
refused "--remove-config of no reservation" "has no reservation for VM vm1 NIC 2" 1 \
	dhcpserver modify --network=lab --vm vm1 --nic 2 --remove-config
refused "--unset-opt of no option" "has no option 15" 1 dhcpserver modify --network=lab --unset-opt=15
refused "a bad option value" "option 6: 'nope' is not" 2 dhcpserver modify --network=lab --set-opt=6 nope
refused "an option the server sets" "option 53 cannot be set" 2 dhcpserver modify --network=lab --set-opt 53 1
refused "a bad hex option" "is not hex bytes" 2 dhcpserver modify --network=lab --set-opt-hex=43 xyz
refused "option number out of range" "option number 1 to 254" 2 dhcpserver modify --network=lab --set-opt=255 1
refused "--set-opt without value" "missing value" 2 dhcpserver modify --network=lab --set-opt=6
refused "--set-opt inside a --mac-address group" "apply to the whole server" 2 \
	dhcpserver modify --network=lab --mac-address=$MAC --set-opt=6 10.9.0.2
refused "--fixed-address without a client" "--fixed-address needs --mac-address=MAC or --vm=VM" 2 \
	dhcpserver modify --network=lab --fixed-address=10.9.0.9
refused "--mac-address alone" "--mac-address: give --fixed-address=IP or --remove-config" 2 \
	dhcpserver modify --network=lab --mac-address=$MAC
refused "--nic without --vm" "--nic needs a --vm=VM before it" 2 dhcpserver modify --network=lab --nic=1
refused "--nic out of range" "NIC number 1 to 8" 2 dhcpserver modify --network=lab --vm=a --nic=9 --fixed-address=10.9.0.9
refused "--remove-config in add" "--remove-config applies to modify only" 2 \
	dhcpserver add --network=x "${A[@]}" --mac-address=$MAC --remove-config
refused "--network and --interface" "either --network or --interface, not both" 2 \
	dhcpserver modify --network=lab --interface=vboxnet0 --enable
refused "neither --network nor --interface" "--network=NAME or --interface=IF is required" 2 \
	dhcpserver add "${A[@]}"
refused "add without --lower-ip" "--lower-ip=IP is required" 2 \
	dhcpserver add --network=x --server-ip=10.8.0.1 --netmask=255.255.255.0 --upper-ip=10.8.0.20
refused "a bad address" "--server-ip: '10.8.0' is not an IPv4 address" 2 \
	dhcpserver add --network=x "${A[@]}" --server-ip=10.8.0
refused "a bad network name" "network name '../x'" 2 dhcpserver add --network=../x "${A[@]}"
refused "a bad MAC" "--mac-address: 'zz' is not a MAC address" 2 \
	dhcpserver modify --network=lab --mac-address=zz --fixed-address=10.9.0.9
refused "a VBoxManage option natd lacks" "--group is a VBoxManage option natd does not support" 2 \
	dhcpserver modify --network=lab --group=g1
refused "an unknown option" "unknown option '--bogus'" 2 dhcpserver modify --network=lab --bogus 1
refused "an unknown option last: unknown, not missing value" \
	"natd dhcpserver add: unknown option '--bogus' (see natd dhcpserver add --help)" 2 \
	dhcpserver add --netname x --bogus
refused "a VBoxManage option last: unsupported" "--group is a VBoxManage option natd does not support" 2 \
	dhcpserver modify --network=lab --group
refused "a known option last: missing value" "natd dhcpserver add: --server-ip: missing value" 2 \
	dhcpserver add --network=x --server-ip
refused "modify with nothing to change" "nothing to change" 2 dhcpserver modify --network=lab
refused "findlease without a MAC" "--mac-address=MAC is required" 2 dhcpserver findlease --network=lab
refused "an unknown subcommand" "unknown subcommand 'frob'" 2 dhcpserver frob
refused "list of an unknown kind" "unknown kind 'foo' (known: dhcpservers" 2 list foo

# modify: only what is given changes; groups end with --global or --remove-config.
check "modify (--opt value)" "$N" dhcpserver modify --network lab --lower-ip 10.9.0.20 \
	--mac-address $MAC --remove-config --set-opt 15 example.org \
	--vm vm1 --nic 2 --fixed-address 10.9.0.9 --global --lease-time 600
"$N" list dhcpservers | sed -n '1,/^$/p' > "$T/lab"
check "  ... lower IP changed" grep -qx 'LowerIPAddress: 10.9.0.20' "$T/lab"
check "  ... upper IP kept" grep -qx 'UpperIPAddress: 10.9.0.50' "$T/lab"
check "  ... option 15 added, 6 kept" sh -c "grep -qx '    15: example.org' '$T/lab' && grep -qx '    6: 10.9.0.1' '$T/lab'"
check "  ... the MAC reservation is gone" sh -c "! grep -q 'MAC $MAC' '$T/lab'"
check "  ... a second VM NIC reserved" grep -qx '    VM vm1 NIC 2: fixed address 10.9.0.9' "$T/lab"
check "  ... lease time" grep -qx '    LeaseTime: 600' "$T/lab"
check "--network=HostInterfaceNetworking-IF is --interface=IF" "$N" dhcpserver modify \
	--network=HostInterfaceNetworking-vboxnet0 --unset-opt=43
check "  ... its option is gone" sh -c "! '$N' list dhcpservers | grep -q '43: 0102'"

# findlease reads the network's lease file.
now=$(date +%s)
printf '{"version": 1, "leases": [{"mac": "%s", "ip": "10.9.0.21", "hostname": "vm1", "expires": %d}]}\n' \
	"$MAC" $((now + 500)) > "$NATD_HOME/intnet-lab.leases.json"
check "findlease" sh -c "'$N' dhcpserver findlease --network=lab --mac-address=080027AABBCC > '$T/lease'"
check "  ... IP Address" grep -qx 'IP Address:  10.9.0.21' "$T/lease"
check "  ... MAC Address" grep -qx "MAC Address: $MAC" "$T/lease"
check "  ... State" grep -qx 'State:       acked' "$T/lease"
check "  ... Expire" grep -qE "^Expire:      [0-9-]+T[0-9:]+Z \\($((now + 500))\\)\$" "$T/lease"
check "  ... TTL" grep -qE '^TTL:         600 sec, currently [0-9]+ sec left$' "$T/lease"
refused "findlease of a MAC without a lease" "no lease for MAC 08:00:27:00:00:05 on internal network 'lab'" 1 \
	dhcpserver findlease --network=lab --mac-address=08:00:27:00:00:05

# start/stop/restart without a daemon: the network has no VMs.
check "modify --disable" "$N" dhcpserver modify --network=lab --disable
"$N" dhcpserver start --network=lab > "$T/start.out"
check "start without VMs says so" grep -qx "natd: internal network 'lab' has no VMs now; its DHCP server starts with the first one" "$T/start.out"
check "  ... and enables the server" sh -c "'$N' list dhcpservers | sed -n '1,/^\$/p' | grep -qx 'Enabled:        Yes'"
check "stop without VMs" sh -c "'$N' dhcpserver stop --interface=vboxnet0 | grep -q \"host-only interface 'vboxnet0' has no VMs now\""
check "restart without VMs" "$N" dhcpserver restart --network=lab

# ... and with one: socat plays the internal network's daemon.
mkdir -p "$NATD_HOME/run/intnet"
cat > "$T/daemon.sh" <<EOF
#!/bin/bash
read -r line || exit 0   # a probe that only connects
printf '%s\n' "\$line" >> "$T/daemon.log"
if [ -e "$T/daemon.refuse" ]; then
	printf '{"version": 1, "ok": false, "error": "the switch says no"}\n'
else
	printf '{"version": 1, "ok": true, "result": {}}\n'
fi
EOF
chmod +x "$T/daemon.sh"
bg socat UNIX-LISTEN:"$NATD_HOME/run/intnet/lab.ctl",fork EXEC:"$T/daemon.sh"
wait_for 10 test -S "$NATD_HOME/run/intnet/lab.ctl" || fail "the fake daemon did not start"
for action in start stop restart; do
	check "$action with the daemon running" "$N" dhcpserver $action --network=lab
	check "  ... it was told" sh -c "tail -n 1 '$T/daemon.log' | grep -q '\"command\":\"dhcpserver\",\"args\":{\"action\":\"$action\"}'"
done
check "stop leaves the server enabled" sh -c "'$N' list dhcpservers | sed -n '1,/^\$/p' | grep -qx 'Enabled:        Yes'"
check "modify of a server with VMs says restart applies it" sh -c \
	"'$N' dhcpserver modify --network=lab --lease-time=700 | grep -q 'natd dhcpserver restart'"
touch "$T/daemon.refuse"
refused "a start the daemon refuses" "internal network 'lab': the switch says no" 1 dhcpserver start --network=lab
refused "a remove whose stop the daemon refuses" "the switch says no" 1 dhcpserver remove --network=lab
rm "$T/daemon.refuse"
check "remove stops the running server" "$N" dhcpserver remove --network=lab
check "  ... the daemon was told to stop" sh -c "tail -n 1 '$T/daemon.log' | grep -q '\"action\":\"stop\"'"
check "  ... the lease file is gone" test ! -e "$NATD_HOME/intnet-lab.leases.json"
check "  ... list no longer shows it" sh -c "! '$N' list dhcpservers | grep -q 'NetworkName:    lab\$'"

# Concurrent adds from several processes all land.
pids=()
for i in $(seq 1 12); do
	"$N" dhcpserver add --network=c$i --server-ip=10.$((100 + i)).0.1 --netmask=255.255.255.0 \
		--lower-ip=10.$((100 + i)).0.10 --upper-ip=10.$((100 + i)).0.20 2> "$T/conc.$i.err" &
	pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || { cat "$T"/conc.*.err >&2; fail "a concurrent add failed"; }; done
expect_eq "12 concurrent adds: all 12 persisted" 12 "$("$N" list dhcpservers | grep -c '^NetworkName:    c[0-9]*$')"
check "a second server on an overlapping subnet of another network is fine" "$N" dhcpserver add \
	--network=c1b --server-ip=10.101.0.2 --netmask=255.255.0.0 --lower-ip=10.101.1.1 --upper-ip=10.101.1.9

# The NAT network was not touched, and natnetwork commands keep the servers.
"$N" natnetwork list > "$T/natnet.after"
check "NAT networks untouched by dhcpserver commands" diff -u "$T/natnet.before" "$T/natnet.after"
n_before=$("$N" list dhcpservers | grep -c '^NetworkName:')
check "natnetwork modify" "$N" natnetwork modify --netname n1 --dhcp off
expect_eq "  ... keeps every DHCP server" "$n_before" "$("$N" list dhcpservers | grep -c '^NetworkName:')"

# A bad entry: named with the file, never rewritten.
cp "$J" "$T/good.json"
sed -i 's/"upper_ip": "10.101.0.20"/"upper_ip": "10.101.0.0"/' "$J"
cp "$J" "$T/bad.json"
refused "list with a bad entry" "$J: dhcpservers[" 1 list dhcpservers
check "  ... names the entry" grep -q "(c1): upper IP 10.101.0.0 is the network address" "$T/refused.err"
refused "add with a bad entry" "(c1): upper IP" 1 dhcpserver add --network=z "${A[@]}"
check "  ... the file is left as it was" cmp -s "$T/bad.json" "$J"
cp "$T/good.json" "$J"
check "the good file loads again" sh -c "'$N' list dhcpservers > /dev/null"
done_testing
