#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Internal networks (--nic<x> intnet, VirtualBox manual 6.6): four kernel
# guests on taps, each behind its own `natd run`. vm1, vm2 and vm4 on
# --intnet1 lab with static addresses, vm3 on the default name "intnet"
# with an address in the same subnet. vm1 and vm2 ping and talk TCP; vm3
# reaches neither (another network); the first `natd run` started the
# network's switch daemon and the network is gone after the last VM left;
# vm1 leaves and rejoins and traffic resumes; vm4 running tcpdump sees
# vm1<->vm2 unicast only with the promiscuous policy allow-vms (set live
# with controlvm), not with deny; another user cannot reach the switch.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
IDIR="$NATD_HOME/run/intnet"
declare -A NS TAP IP
IP[vm1]=203.0.113.1
IP[vm2]=203.0.113.2
IP[vm3]=203.0.113.3
IP[vm4]=203.0.113.4

# vm NAME NETWORK-ARGS...: a natd run for VM NAME on a new tap, moved into its
# own namespace with a static address.
vm() {
	local name=$1
	shift
	TAP[$name]="i${name}$ID"
	[ -n "${NS[$name]:-}" ] || NS[$name]=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 intnet "$@" --attach1 "tap:${TAP[$name]}" \
		--macaddress1 "08:00:27:00:00:0${name#vm}"
	eval "PID_$name=$NATD_PID"
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" addr add "${IP[$name]}/24" dev "${TAP[$name]}"
}
pings() { ip netns exec "${NS[$1]}" ping -c 2 -i 0.2 -W 1 "${IP[$2]}" >/dev/null 2>&1; }
daemon_pid() { cat "$IDIR/$1.pid" 2>/dev/null; }
running() { [ -n "$(daemon_pid "$1")" ] && kill -0 "$(daemon_pid "$1")" 2>/dev/null; }

vm vm1 --intnet1 lab
check "the first adapter started lab's switch daemon" running lab
_pids+=("$(daemon_pid lab)")
check "its directory is private (0700)" test "$(stat -c %a "$IDIR")" = 700
check "the switch socket exists" test -S "$IDIR/lab.sock"
vm vm2 --intnet1 lab
vm vm3
check "vm3 on the default network 'intnet'" running intnet
_pids+=("$(daemon_pid intnet)")
vm vm4 --intnet1 lab

check "vm1 pings vm2 on lab" wait_for 10 pings vm1 vm2
check "vm2 pings vm1" pings vm2 vm1
bg ip netns exec "${NS[vm2]}" socat -T 5 "TCP-LISTEN:7000,bind=${IP[vm2]},reuseaddr,fork" SYSTEM:'echo hello-from-vm2'
wait_for 10 listening "${NS[vm2]}" tcp "${IP[vm2]}:7000" || fail "vm2's server did not start"
expect_eq "TCP vm1 -> vm2" hello-from-vm2 \
	"$(ip netns exec "${NS[vm1]}" timeout 5 socat -T 3 -u "TCP:${IP[vm2]}:7000" -)"
if pings vm3 vm1 || pings vm3 vm2; then fail "vm3 (network intnet) reached a VM of lab"; fi
ok "vm3 on another internal network reaches neither vm1 nor vm2"
check "vm3 has no neighbour entry for vm1 (no ARP answer)" \
	sh -c "! ip -n '${NS[vm3]}' neigh show '${IP[vm1]}' | grep -q lladdr"

# showvminfo and list intnets.
"$N" showvminfo vm1 --machinereadable > "$T/vm1.info" || fail "showvminfo vm1"
check "showvminfo: intnet lab" grep -q 'intnet.*lab' "$T/vm1.info"
"$N" list intnets > "$T/intnets" 2>&1 || { cat "$T/intnets" >&2; fail "list intnets"; }
check "list intnets shows lab with vm1, vm2 and vm4" \
	sh -c "grep -q 'lab' '$T/intnets' && grep -q 'vm1' '$T/intnets' && grep -q 'vm2' '$T/intnets' && grep -q 'vm4' '$T/intnets'"
check "list intnets shows intnet with vm3" grep -q 'vm3' "$T/intnets"

# Promiscuous policies: vm4 captures while vm1 pings vm2. sniff OUT
# [EXPECT]: the capture listens before the pings start; it ends once EXPECT
# (a line vm4 must see) is in OUT, or, when vm4 must see nothing, 1 s after
# the last ping's answer (frames vm4 should not get would be there by then).
sniff() {
	local out=$1 expect=${2:-}
	ip netns exec "${NS[vm4]}" timeout 30 tcpdump -l -n -p --immediate-mode -i "${TAP[vm4]}" \
		icmp > "$out" 2> "$out.err" &
	local tp=$!
	wait_for 10 grep -q "listening on" "$out.err" || fail "tcpdump did not start"
	ip netns exec "${NS[vm1]}" ping -c 4 -i 0.2 -W 1 "${IP[vm2]}" >/dev/null 2>&1 || true
	sniff_end "$tp" "$out" "$expect"
}
# -p: tcpdump must not turn on promiscuous mode by itself; the kernel still
# drops frames for other MACs unless the interface is promiscuous.
ip -n "${NS[vm4]}" link set "${TAP[vm4]}" promisc on
sniff "$T/deny.txt"
check "deny: vm4 does not see vm1 <-> vm2" sh -c "! grep -q '${IP[vm1]} > ${IP[vm2]}' '$T/deny.txt'"
check "controlvm nicpromisc1 allow-vms" "$N" controlvm vm4 nicpromisc1 allow-vms
sniff "$T/allow.txt" "${IP[vm2]} > ${IP[vm1]}: ICMP echo reply"
check "allow-vms: vm4 sees vm1 -> vm2 echo requests" grep -q "${IP[vm1]} > ${IP[vm2]}: ICMP echo request" "$T/allow.txt"
check "allow-vms: vm4 sees vm2 -> vm1 echo replies" grep -q "${IP[vm2]} > ${IP[vm1]}: ICMP echo reply" "$T/allow.txt"
check "controlvm nicpromisc1 deny" "$N" controlvm vm4 nicpromisc1 deny
sniff "$T/deny2.txt"
check "deny again: vm4 sees nothing of vm1 <-> vm2" sh -c "! grep -q '${IP[vm1]} > ${IP[vm2]}' '$T/deny2.txt'"
check "nicpromisc on a bad policy is refused" sh -c "! '$N' controlvm vm4 nicpromisc1 everything 2>/dev/null"
# 4294967297 = 2^32 + 1 once wrapped to adapter 1 (sscanf %u)
check "setlinkstate4294967297 is refused, not taken as adapter 1" \
	sh -c "! '$N' controlvm vm1 setlinkstate4294967297 off 2>/dev/null"
check "vm1 still reaches vm2 after it" pings vm1 vm2

# vm1 leaves and rejoins.
natd_stop "$PID_vm1"
if pings vm2 vm1; then fail "vm1 still answers after its natd stopped"; fi
ok "vm1 gone"
check "lab's switch stays while vm2 and vm4 are on it" running lab
vm vm1 --intnet1 lab
check "vm2 pings vm1 again after it rejoined" wait_for 10 pings vm2 vm1

# Another user: the directory keeps them out; made traversable, the switch
# refuses them itself (SO_PEERCRED).
if command -v setpriv >/dev/null; then
	check "user nobody cannot connect to lab's switch" \
		sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups socat -u /dev/null UNIX-CONNECT:'$IDIR/lab.sock' 2>/dev/null"
fi

# The network is gone after the last VM left.
natd_stop "$PID_vm3"
check "intnet's daemon exits once its last VM left" wait_for 10 sh -c "! kill -0 $(daemon_pid intnet 2>/dev/null || echo 999999) 2>/dev/null"
check "its socket is gone" wait_for 5 test ! -e "$IDIR/intnet.sock"
done_testing
