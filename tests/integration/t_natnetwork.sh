#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NAT networks: three kernel guests join one network through `natd run
# --nic1 natnetwork` sidecars on taps. Leases .4/.5/.6, VM<->VM ping and TCP,
# each guest reaches the remote namespace, nameservers in 127/8 never handed
# out, port forwards from the host (added live, client address kept,
# busy ports refused), stop cuts the guests off and closes the forwards
# (the sidecars keep the links up), start brings the rules and the same
# guests back without DHCP, leases survive restarts; a
# second network is isolated from the first; remove of a running network
# is refused.
. "$(dirname "$0")/lib.sh"

command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
N="$NATD_BIN"
new_remote
# Nameservers: one in the remote namespace (handed to guests directly), one
# on the host's loopback (never handed out; reached through the gateway's
# DNS proxy).
dns_server() {
	local addr=$1 answer=$2 ns=$3
	cat > "$T/dnsmasq.$addr.conf" <<-EOF
	no-resolv
	no-hosts
	bind-interfaces
	listen-address=$addr
	host-record=h.natnet.test,$answer
	EOF
	if [ "$ns" = - ]; then
		bg dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.$addr.conf" --pid-file="$T/dnsmasq.$addr.pid" --user=root
		wait_for 10 listening - udp "$addr:53" || fail "dnsmasq on $addr did not start"
	else
		bg ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.$addr.conf" --pid-file="$T/dnsmasq.$addr.pid" --user=root
		wait_for 10 listening "$ns" udp "$addr:53" || fail "dnsmasq on $addr did not start"
	fi
}
dns_server 198.51.100.1 192.0.2.1 "$REMOTE_NS"
ip addr add 127.0.0.53/8 dev lo 2>/dev/null || true
dns_server 127.0.0.53 192.0.2.53 -
# The host's resolver file: a loopback stub first (never handed out), then a
# nameserver guests can reach.
printf 'nameserver 127.0.0.53\nnameserver 198.51.100.1\nsearch test.example\n' > "$NATD_RESOLV_CONF"

check "add natnet1" "$N" natnetwork add --netname natnet1 --network 192.168.15.0/24 --enable --dhcp on
check "start natnet1" natnet_start natnet1
check "the switch socket exists" test -S "$NATD_HOME/run/natnet-natnet1.sock"
check "list shows it running" sh -c "'$N' natnetwork list | grep -q 'Running:      Yes'"

# natd_vm NAME TAP: a sidecar joining natnet1 on a tap, moved into a guest
# namespace. Sets GUEST_NS.
natd_vm() {
	local name=$1 tap=$2 net=${3:-natnet1}
	GUEST_NS=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 natnetwork --nat-network1 "$net" --attach1 "tap:$tap"
	tap_into_ns "$tap" "$GUEST_NS"
}

declare -A NS IP
i=0
for vm in vma vmb vmc; do
	tap="nn$i$ID"
	natd_vm "$vm" "$tap"
	NS[$vm]=$GUEST_NS
	udhcpc_lease "${NS[$vm]}" "$tap" > "$T/lease.$vm"
	IP[$vm]=$(lease_var "$T/lease.$vm" ip)
	i=$((i + 1))
done
expect_eq "first guest leases .4" 192.168.15.4 "${IP[vma]}"
expect_eq "second guest leases .5" 192.168.15.5 "${IP[vmb]}"
expect_eq "third guest leases .6" 192.168.15.6 "${IP[vmc]}"
expect_eq "router is the gateway .1" 192.168.15.1 "$(lease_var "$T/lease.vma" router)"
expect_eq "DHCP server is .3" 192.168.15.3 "$(lease_var "$T/lease.vma" serverid)"
expect_eq "DNS: the host's nameserver, the 127/8 one left out" 198.51.100.1 \
	"$(lease_var "$T/lease.vma" dns)"
expect_eq "the guest resolves through the nameserver it was given" 192.0.2.1 \
	"$(ip netns exec "${NS[vma]}" dig @198.51.100.1 +time=3 +tries=2 +short h.natnet.test A)"

check "showvminfo shows the sidecar's NAT network adapter" sh -c \
	"'$N' showvminfo vma --machinereadable | grep -q '^nics_1_nat_network=\"natnet1\"'"
check "  ... joined" sh -c "'$N' showvminfo vma --machinereadable | grep -q '^nics_1_joined=\"true\"'"

# VM <-> VM
check "vma pings vmb" sh -c "ip netns exec ${NS[vma]} ping -c 1 -W 2 192.168.15.5 >/dev/null"
check "vmc pings vma" sh -c "ip netns exec ${NS[vmc]} ping -c 1 -W 2 192.168.15.4 >/dev/null"
bg ip netns exec "${NS[vmb]}" socat TCP-LISTEN:7000,bind=192.168.15.5,reuseaddr,fork SYSTEM:'echo from-vmb'
wait_for 10 listening "${NS[vmb]}" tcp 192.168.15.5:7000 || fail "vmb's server did not start"
expect_eq "vma -> vmb TCP" from-vmb "$(ip netns exec "${NS[vma]}" timeout 10 socat -T 5 -u TCP:192.168.15.5:7000 -)"
expect_eq "vmc -> vmb TCP" from-vmb "$(ip netns exec "${NS[vmc]}" timeout 10 socat -T 5 -u TCP:192.168.15.5:7000 -)"
check "vma pings the gateway" sh -c "ip netns exec ${NS[vma]} ping -c 1 -W 2 192.168.15.1 >/dev/null"

# Each guest reaches the remote namespace through the NAT engine.
bg ip netns exec "$REMOTE_NS" socat TCP-LISTEN:8000,bind=198.51.100.1,reuseaddr,fork SYSTEM:'echo remote-ok'
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8000 || fail "remote server did not start"
for vm in vma vmb vmc; do
	expect_eq "$vm reaches the remote namespace (TCP)" remote-ok \
		"$(ip netns exec "${NS[$vm]}" timeout 10 socat -T 5 -u TCP:198.51.100.1:8000 -)"
	check "$vm pings the remote namespace" sh -c "ip netns exec ${NS[$vm]} ping -c 1 -W 2 198.51.100.1 >/dev/null"
done

# The default loopback mapping: .2 reaches the host's 127.0.0.1.
bg socat TCP-LISTEN:8002,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo host-loopback'
wait_for 10 listening - tcp 127.0.0.1:8002 || fail "host loopback server did not start"
expect_eq "192.168.15.2 reaches the host's 127.0.0.1" host-loopback \
	"$(ip netns exec "${NS[vma]}" timeout 10 socat -T 5 -u TCP:192.168.15.2:8002 -)"

# Port forwarding into vmb (.5), rules added to the running network.
bg ip netns exec "${NS[vmb]}" socat TCP-LISTEN:22,bind=192.168.15.5,reuseaddr,fork SYSTEM:'echo "ssh-from=$SOCAT_PEERADDR"'
bg ip netns exec "${NS[vmb]}" socat UDP-RECVFROM:7,bind=192.168.15.5,fork SYSTEM:'echo "udp-from=$SOCAT_PEERADDR"; cat >/dev/null'
wait_for 10 listening "${NS[vmb]}" tcp 192.168.15.5:22 || fail "vmb's ssh stand-in did not start"
wait_for 10 listening "${NS[vmb]}" udp 192.168.15.5:7 || fail "vmb's UDP echo did not start"
check "modify adds a TCP forward to the running network" \
	"$N" natnetwork modify --netname natnet1 --port-forward-4 "ssh:tcp:[]:1022:[192.168.15.5]:22"
check "  ... and a UDP one" \
	"$N" natnetwork modify --netname natnet1 --port-forward-4 "echo:udp:[]:1053:[192.168.15.5]:7"
check "the forwarded host port listens" listening - tcp "*:1022"
expect_eq "host -> guest forward keeps the client's address (from the remote namespace)" \
	"ssh-from=198.51.100.1" \
	"$(ip netns exec "$REMOTE_NS" timeout 10 socat -T 5 -u TCP:198.51.100.2:1022 -)"
expect_eq "UDP forward" "udp-from=198.51.100.1" \
	"$(echo hi | ip netns exec "$REMOTE_NS" timeout 10 socat -t 3 -T 5 - UDP:198.51.100.2:1053)"
check "the rules are in natd.json" grep -q 'ssh:tcp:\[\]:1022:\[192.168.15.5\]:22' "$NATD_HOME/natd.json"
# A rule whose host port another program holds: refused, nothing changed.
bg socat TCP-LISTEN:1099,reuseaddr,fork SYSTEM:true
wait_for 10 listening - tcp "*:1099" || fail "port holder did not start"
cp "$NATD_HOME/natd.json" "$T/before.json"
check "a rule on a busy host port is refused" sh -c \
	"! '$N' natnetwork modify --netname natnet1 --port-forward-4 'busy:tcp:[]:1099:[192.168.15.5]:22' 2>$T/busy.err"
check "  ... naming the reason" grep -q "in use" "$T/busy.err"
check "  ... and the rule once" grep -q "natnet1: rule 'busy': host tcp port 1099 is already in use" "$T/busy.err"
check "  ... and natd.json unchanged" cmp -s "$T/before.json" "$NATD_HOME/natd.json"
check "a rule for a guest outside the network is refused" sh -c \
	"! '$N' natnetwork modify --netname natnet1 --port-forward-4 'x:tcp:[]:1100:[10.9.9.9]:22' 2>/dev/null"

# Loopback mappings change live: without 127.0.0.1=2, .2 reaches nothing.
check "modify --loopback-4 127.0.0.1=0 removes the mapping" \
	"$N" natnetwork modify --netname natnet1 --loopback-4 127.0.0.1=0
check "  ... .2 no longer reaches the host's loopback" sh -c \
	"! ip netns exec ${NS[vma]} timeout 5 socat -T 2 -u TCP:192.168.15.2:8002,connect-timeout=2 - 2>/dev/null | grep -q host-loopback"
check "modify --loopback-4 127.0.0.1=2 puts it back" \
	"$N" natnetwork modify --netname natnet1 --loopback-4 127.0.0.1=2
expect_eq "  ... .2 reaches it again" host-loopback \
	"$(ip netns exec "${NS[vma]}" timeout 10 socat -T 5 -u TCP:192.168.15.2:8002 -)"

check "list shows three VMs attached" sh -c "'$N' natnetwork list | grep -q '3 VMs attached'"
check "remove of a running network is refused" sh -c "! '$N' natnetwork remove --netname natnet1 2>$T/rm.err"
check "  ... saying why" grep -q "is running" "$T/rm.err"

# Stop: the guests lose the outside and each other; their sidecars stay.
check "stop natnet1" natnet_stop natnet1
check "stopped: no service, no switch socket" sh -c "! test -e '$NATD_HOME/run/natnet-natnet1.sock' && '$N' natnetwork list | grep -q 'Running:      No'"
check "stopped: vma cannot reach the remote namespace" sh -c "! ip netns exec ${NS[vma]} ping -c 1 -W 1 198.51.100.1 >/dev/null"
check "stopped: vma cannot reach vmb" sh -c "! ip netns exec ${NS[vma]} ping -c 1 -W 1 192.168.15.5 >/dev/null"
check "stopped: the forwarded port is closed" sh -c "! ss -Hltn 'sport = :1022' | grep -q ."
check "stopped: connecting to it is refused" sh -c \
	"! ip netns exec $REMOTE_NS timeout 5 socat -T 2 -u TCP:198.51.100.2:1022 - 2>/dev/null"
for vm in vma vmb vmc; do
	check "stopped: sidecar $vm still runs" sh -c "grep -q 'went away' $T/natd-$vm.log"
done
check "stopped: the guests keep their links up" sh -c "ip -n ${NS[vma]} link show nn0$ID up | grep -q LOWER_UP"

# Start again: the same guests work again without running DHCP.
check "start natnet1 again" natnet_start natnet1
for vm in vma vmb vmc; do
	wait_for 10 grep -q 'joined NAT network natnet1 again' "$T/natd-$vm.log" || fail "$vm did not rejoin"
done
ok "all three sidecars rejoined"
for vm in vma vmb vmc; do
	expect_eq "after restart, $vm reaches the remote namespace without new DHCP" remote-ok \
		"$(ip netns exec "${NS[$vm]}" timeout 10 socat -T 5 -u TCP:198.51.100.1:8000 -)"
done
check "after restart, the persisted forward listens again" listening - tcp "*:1022"
expect_eq "after restart, the forward reaches vmb again" "ssh-from=198.51.100.1" \
	"$(ip netns exec "$REMOTE_NS" timeout 10 socat -T 5 -u TCP:198.51.100.2:1022 -)"
check "modify deletes a rule of the running network" \
	"$N" natnetwork modify --netname natnet1 --port-forward-4 delete ssh
check "  ... and its port closes at once" sh -c "! ss -Hltn 'sport = :1022' | grep -q ."
check "  ... and natd.json no longer has it" sh -c "! grep -q 'ssh:tcp' $NATD_HOME/natd.json"
check "after restart, vma pings vmc" sh -c "ip netns exec ${NS[vma]} ping -c 1 -W 2 192.168.15.6 >/dev/null"
check "leases restored from disk" grep -q 'restored 3 DHCP leases' "$NATD_HOME/run/natnet-natnet1.log"
# A guest that does run DHCP again keeps its address (leases kept per MAC).
udhcpc_lease "${NS[vmb]}" "nn1$ID" > "$T/lease2.vmb"
expect_eq "vmb keeps .5 after the restart" 192.168.15.5 "$(lease_var "$T/lease2.vmb" ip)"

# A second network with only a loopback nameserver: DHCP names the gateway,
# which proxies DNS. Isolated from natnet1.
check "add natnet2" "$N" natnetwork add --netname natnet2 --network 10.20.30.0/24
check "overlapping network refused" sh -c "! '$N' natnetwork add --netname natnet3 --network 192.168.0.0/16 2>$T/ov.err && grep -q overlaps $T/ov.err"
printf 'nameserver 127.0.0.53\n' > "$NATD_RESOLV_CONF"
# natnet1 runs on: its DHCP follows the file (no nameserver left but a
# loopback one, so the gateway), for guests that renew.
check "natnet1 follows the resolver file: DHCP now names the gateway" wait_for 10 grep -q \
	'resolver file changed: DHCP now hands out DNS 192.168.15.1$' "$NATD_HOME/run/natnet-natnet1.log"
udhcpc_lease "${NS[vma]}" "nn0$ID" > "$T/lease3.vma"
expect_eq "  ... and a guest that renews gets it" 192.168.15.1 "$(lease_var "$T/lease3.vma" dns)"
check "start natnet2" natnet_start natnet2
natd_vm vmd "nn3$ID" natnet2
NS[vmd]=$GUEST_NS
udhcpc_lease "${NS[vmd]}" "nn3$ID" > "$T/lease.vmd"
expect_eq "natnet2's guest leases .4" 10.20.30.4 "$(lease_var "$T/lease.vmd" ip)"
expect_eq "only a 127/8 nameserver: DHCP hands out the gateway" 10.20.30.1 \
	"$(lease_var "$T/lease.vmd" dns)"
expect_eq "the gateway proxies DNS to the host's 127.0.0.53" 192.0.2.53 \
	"$(ip netns exec "${NS[vmd]}" dig @10.20.30.1 +time=3 +tries=2 +short h.natnet.test A)"
# --dhcp off and on again, live.
check "modify --dhcp off on the running natnet2" "$N" natnetwork modify --netname natnet2 --dhcp off
check "  ... DHCP goes unanswered" sh -c "! timeout 10 ip netns exec ${NS[vmd]} busybox udhcpc -f -q -n -i nn3$ID -s /bin/true -t 2 -T 1 >/dev/null 2>&1"
check "modify --dhcp on again" "$N" natnetwork modify --netname natnet2 --dhcp on
udhcpc_lease "${NS[vmd]}" "nn3$ID" > "$T/lease2.vmd"
expect_eq "  ... and the guest gets its lease back" 10.20.30.4 "$(lease_var "$T/lease2.vmd" ip)"
check "natnet2's guest reaches the remote namespace" sh -c "ip netns exec ${NS[vmd]} ping -c 1 -W 2 198.51.100.1 >/dev/null"
check "natnet2 cannot reach natnet1's guests" sh -c "! ip netns exec ${NS[vmd]} ping -c 1 -W 1 192.168.15.4 >/dev/null"
check "natnet1 cannot reach natnet2's guest" sh -c "! ip netns exec ${NS[vma]} ping -c 1 -W 1 10.20.30.4 >/dev/null"
check "natnet1's guests never hear natnet2's broadcasts" sh -c \
	"! ip netns exec ${NS[vma]} ip neigh show | grep -q 10.20.30"

check "stop natnet2" natnet_stop natnet2
check "stop natnet1" natnet_stop natnet1
check "remove natnet2" "$N" natnetwork remove --netname natnet2
check "natnet2's leases file removed" test ! -e "$NATD_HOME/natnet-natnet2.leases.json"
for pid in "${_natd_pids[@]}"; do
	natd_stop "$pid"
done
done_testing
