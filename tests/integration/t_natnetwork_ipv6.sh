#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv6 on a NAT network (`natd natnetwork ... --ipv6 on`): two kernel guests
# (accept_ra=2) join through `natd run --nic1 natnetwork` sidecars and take
# SLAAC addresses in VirtualBox's prefix for 10.222.173.0/24,
# fd17:625c:f037:dead::/64, from natd's RAs (from fe80::1; RDNSS the host's
# IPv6 nameserver, loopback ones left out). Without --ipv6-default no
# default route, yet the gateway ::1 answers ping and DNS; VM<->VM over
# IPv6. `modify --ipv6-default on` on the running network gives the guests
# a default route at once: TCP byte-exact, UDP and ping over IPv6 to the
# remote namespace; --loopback-6 reaches the host's ::1 and moves live; a
# --port-forward-6 rule added live reaches a guest's IPv6 server and keeps
# the client's address; --ipv6 cannot change while
# running; --ipv6-default off takes the route away; stop/start brings the
# rule back.
. "$(dirname "$0")/lib.sh"

command -v rdisc6 >/dev/null || fail "rdisc6 missing (ndisc6)"
command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
command -v curl >/dev/null || fail "curl missing"
N="$NATD_BIN"
PFX=fd17:625c:f037:dead
new_remote
# Nameservers: the remote namespace's on 2001:db8:100::1 (handed to the
# guests by RDNSS), a loopback one on the host (never handed out; the
# gateway's DNS proxy at ::1 asks it first).
cat > "$T/dnsmasq.remote.conf" <<EOF
no-resolv
no-hosts
bind-interfaces
listen-address=2001:db8:100::1
host-record=h.natnet.test,192.0.2.1
EOF
bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.remote.conf" \
	--pid-file="$T/dnsmasq.remote.pid" --user=root
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:53" || fail "remote dnsmasq did not start"
ip addr add 127.0.0.53/8 dev lo 2>/dev/null || true
cat > "$T/dnsmasq.local.conf" <<EOF
no-resolv
no-hosts
bind-interfaces
listen-address=127.0.0.53
host-record=h.natnet.test,192.0.2.53
EOF
bg dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.local.conf" --pid-file="$T/dnsmasq.local.pid" --user=root
wait_for 10 listening - udp 127.0.0.53:53 || fail "local dnsmasq did not start"
printf 'nameserver 127.0.0.53\nnameserver ::1\nnameserver 2001:db8:100::1\n' > "$NATD_RESOLV_CONF"

check "add v6net with --ipv6 on" "$N" natnetwork add --netname v6net --network 10.222.173.0/24 --ipv6 on \
	--loopback-6 2
"$N" natnetwork list v6net > "$T/list"
check "list: IPv6 Yes" grep -qx 'IPv6:         Yes' "$T/list"
check "list: VirtualBox's prefix from the middle octets" grep -qx "IPv6 Prefix:  $PFX::/64" "$T/list"
check "list: no default route" grep -qx 'IPv6 Default: No' "$T/list"
check "list: the IPv6 loopback mapping" grep -qx "        ::1=2 ($PFX::2)" "$T/list"
check "start v6net" natnet_start v6net
check "the service logs its IPv6 prefix" grep -q "IPv6: prefix $PFX::/64" "$NATD_HOME/run/natnet-v6net.log"

declare -A NS TAP A6
i=0
for vm in vma vmb; do
	TAP[$vm]="n6$i$ID"
	NS[$vm]=$(new_netns "$vm")
	guest6_sysctls "${NS[$vm]}"
	natd_start "natd-$vm" --name "$vm" --nic1 natnetwork --nat-network1 v6net --attach1 "tap:${TAP[$vm]}"
	tap_into_ns "${TAP[$vm]}" "${NS[$vm]}"
	i=$((i + 1))
done
for vm in vma vmb; do
	A6[$vm]=$(guest6_addr "${NS[$vm]}" "${TAP[$vm]}") || fail "$vm configured no IPv6 address"
	case ${A6[$vm]} in
	"$PFX":*) ok "$vm: SLAAC address ${A6[$vm]} in $PFX::/64" ;;
	*) fail "$vm: SLAAC address ${A6[$vm]} is not in $PFX::/64" ;;
	esac
done
[ "${A6[vma]}" != "${A6[vmb]}" ] || fail "both guests took the same address"

rdisc "${NS[vma]}" "${TAP[vma]}" > "$T/ra1" || { cat "$T/ra1"; fail "rdisc6 got no router advertisement"; }
check "RA from fe80::1" grep -q '^ from fe80::1$' "$T/ra1"
check "RA prefix $PFX::/64" grep -Eq "Prefix +: $PFX::/64" "$T/ra1"
check "RA RDNSS: the host's IPv6 nameserver, ::1 left out" \
	grep -Eq 'Recursive DNS server +: 2001:db8:100::1$' "$T/ra1"
check "RA: only that one" test "$(grep -c 'Recursive DNS server' "$T/ra1")" = 1
check "--ipv6-default off: router lifetime 0" grep -Eq 'Router lifetime +: +0 ' "$T/ra1"
check "  ... and no IPv6 default route in the guest" \
	test -z "$(ip -n "${NS[vma]}" -6 route show default)"
# The lists follow the host's resolver file while the network runs.
printf 'nameserver 127.0.0.53\nnameserver ::1\nnameserver 2001:db8:100::1\nnameserver 2001:db8:100::53\nsearch v6.test\n' > "$NATD_RESOLV_CONF"
check "the service notices the resolver file's change" wait_for 10 grep -q \
	'resolver file changed: RAs and DHCPv6 now name DNS 2001:db8:100::1 and more' \
	"$NATD_HOME/run/natnet-v6net.log"
rdisc "${NS[vmb]}" "${TAP[vmb]}" > "$T/ra2" || { cat "$T/ra2"; fail "rdisc6 got no router advertisement"; }
check "RA RDNSS now has the new nameserver too" \
	grep -Eq 'Recursive DNS server +: 2001:db8:100::53$' "$T/ra2"
check "RA DNSSL has the new search list" grep -Eq 'DNS search list +: v6\.test' "$T/ra2"

check "vma pings the gateway ::1" ip netns exec "${NS[vma]}" ping -6 -c 1 -W 2 "$PFX::1"
check "vmb pings the router fe80::1" ip netns exec "${NS[vmb]}" ping -6 -c 1 -W 2 "fe80::1%${TAP[vmb]}"
expect_eq "DNS at the gateway ::1 (proxy, asks the host's loopback nameserver)" 192.0.2.53 \
	"$(ip netns exec "${NS[vma]}" dig @"$PFX::1" +time=3 +tries=2 +short h.natnet.test A)"
expect_eq "DNS over TCP at ::1" 192.0.2.53 \
	"$(ip netns exec "${NS[vma]}" dig @"$PFX::1" +tcp +time=3 +tries=2 +short h.natnet.test A)"

"$N" natnetwork list v6net > "$T/list2"
check "list shows the guests' IPv6 addresses natd has seen" \
	sh -c "grep -qx '        ${A6[vma]}' '$T/list2' && grep -qx '        ${A6[vmb]}' '$T/list2'"
# VM <-> VM over IPv6: the switch carries it, natd is not in the path.
check "vma pings vmb over IPv6" ip netns exec "${NS[vma]}" ping -6 -c 1 -W 2 "${A6[vmb]}"
bg ip netns exec "${NS[vmb]}" socat TCP6-LISTEN:7000,bind="[${A6[vmb]}]",reuseaddr,fork SYSTEM:'echo from-vmb'
wait_for 10 listening "${NS[vmb]}" tcp "[${A6[vmb]}]:7000" || fail "vmb's server did not start"
expect_eq "vma -> vmb TCP over IPv6" from-vmb \
	"$(ip netns exec "${NS[vma]}" timeout 10 socat -T 5 -u "TCP6:[${A6[vmb]}]:7000" -)"

# --loopback-6 2: <prefix>::2 reaches the host's ::1 (TCP and UDP); moved
# to ::7 on the running network.
bg socat TCP6-LISTEN:9000,bind=[::1],reuseaddr,fork SYSTEM:'echo host-lo6'
bg socat UDP6-RECVFROM:9001,bind=[::1],reuseaddr,fork SYSTEM:'echo host-lo6-udp; cat >/dev/null'
wait_for 10 listening - tcp "[::1]:9000" || fail "host TCP server on ::1 did not start"
wait_for 10 listening - udp "[::1]:9001" || fail "host UDP server on ::1 did not start"
expect_eq "vma reaches the host's ::1 at $PFX::2 (TCP)" host-lo6 \
	"$(ip netns exec "${NS[vma]}" timeout 10 socat -T 5 -u "TCP6:[$PFX::2]:9000" -)"
expect_eq "  ... and over UDP" host-lo6-udp \
	"$(echo x | ip netns exec "${NS[vma]}" timeout 10 socat -t 3 - "UDP6:[$PFX::2]:9001")"
check "natd answers ping at $PFX::2" ip netns exec "${NS[vma]}" ping -6 -c 1 -W 2 "$PFX::2"
check "modify --loopback-6 7 (running)" "$N" natnetwork modify --netname v6net --loopback-6 7
expect_eq "vmb reaches the host's ::1 at $PFX::7" host-lo6 \
	"$(ip netns exec "${NS[vmb]}" timeout 10 socat -T 5 -u "TCP6:[$PFX::7]:9000" -)"
check "  ... and $PFX::2 is no longer natd's" sh -c \
	"! ip netns exec ${NS[vmb]} timeout 6 socat -T 3 -u 'TCP6:[$PFX::2]:9000,connect-timeout=3' -"
# --ipv6-default on, live: the next RA makes natd the default router.
check "modify --ipv6-default on (running)" "$N" natnetwork modify --netname v6net --ipv6-default on
has_default() { ip -n "$1" -6 route show default | grep -q 'via fe80::1'; }
for vm in vma vmb; do
	check "$vm gets an IPv6 default route via fe80::1" wait_for 10 has_default "${NS[$vm]}"
done
head -c 300000 /dev/urandom > "$T/blob"
bg ip netns exec "$REMOTE_NS" socat TCP6-LISTEN:8000,bind="[2001:db8:100::1]",reuseaddr,fork \
	SYSTEM:"cat '$T/blob'"
wait_for 10 listening "$REMOTE_NS" tcp "[2001:db8:100::1]:8000" || fail "remote server did not start"
for vm in vma vmb; do
	ip netns exec "${NS[$vm]}" timeout 20 socat -T 10 -u "TCP6:[2001:db8:100::1]:8000" - > "$T/got.$vm"
	check "$vm: 300 kB over TCP/IPv6 from the remote namespace, byte-exact" cmp -s "$T/blob" "$T/got.$vm"
	check "$vm pings the remote namespace over IPv6" \
		ip netns exec "${NS[$vm]}" ping -6 -c 1 -W 2 2001:db8:100::1
done
bg ip netns exec "$REMOTE_NS" socat UDP6-RECVFROM:7007,bind="[2001:db8:100::1]",reuseaddr,fork SYSTEM:'echo udp6-ok; cat >/dev/null'
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:7007" || fail "remote UDP server did not start"
expect_eq "vmb -> remote UDP over IPv6" udp6-ok \
	"$(echo x | ip netns exec "${NS[vmb]}" timeout 10 socat -t 3 - "UDP6:[2001:db8:100::1]:7007")"

# A forward into vmb's IPv6 address, added to the running network.
http_client_echo "${NS[vmb]}" "TCP6-LISTEN:80,bind=[${A6[vmb]}]"
wait_for 10 listening "${NS[vmb]}" tcp "[${A6[vmb]}]:80" || fail "vmb's HTTP server did not start"
check "modify --port-forward-6 (running)" "$N" natnetwork modify --netname v6net \
	--port-forward-6 "web6:tcp:[]:8080:[${A6[vmb]}]:80"
got=$(ip netns exec "$REMOTE_NS" curl -sS --max-time 10 "http://[2001:db8:100::2]:8080/")
expect_eq "remote IPv6 client reaches vmb through the forward, vmb sees its address" \
	"client=[2001:0db8:0100:0000:0000:0000:0000:0001]" "$got"
got=$(curl -sS --max-time 10 "http://[::1]:8080/")
expect_eq "host loopback client shown to the guest as the gateway ::1" \
	"client=[fd17:625c:f037:dead:0000:0000:0000:0001]" "$got"

# IPv6 forward connections count in the target VM's share (its switch port),
# as IPv4 ones do: three held connections through a forward to vmb raise one
# port's TCP flows by three. (Before, IPv6 forward flows belonged to no VM.)
port_tcp() { "$N" natnetwork list v6net | awk '/^ +port [0-9]+:/ { print $2, $3 }' | sort; }
port_tcp > "$T/ports.before"
bg ip netns exec "${NS[vmb]}" socat "TCP6-LISTEN:81,bind=[${A6[vmb]}],reuseaddr,fork" SYSTEM:'sleep 30'
wait_for 10 listening "${NS[vmb]}" tcp "[${A6[vmb]}]:81" || fail "vmb's holding server did not start"
check "a forward tcp rule to vmb's IPv6 address, holding" "$N" natnetwork modify --netname v6net \
	--port-forward-6 "hold6:tcp:[]:8081:[${A6[vmb]}]:81"
for i in 1 2 3; do
	ip netns exec "$REMOTE_NS" timeout 25 socat -u "TCP6:[2001:db8:100::2]:8081" - > /dev/null 2>&1 &
	_pids+=("$!")
done
grew() {
	port_tcp > "$T/ports.after"
	join -a 2 "$T/ports.before" "$T/ports.after" |
		awk 'NF == 3 && $3 - $2 >= 3 { ok = 1 } NF == 2 && $2 >= 3 { ok = 1 } END { exit !ok }'
}
wait_for 10 grew || { cat "$T/ports.before" "$T/ports.after"; }
log "TCP flows per switch port, before: $(tr '\n' ' ' < "$T/ports.before")after: $(tr '\n' ' ' < "$T/ports.after")"
check "three IPv6 forward connections count in one VM's TCP flows" grew
check "modify --port-forward-6 delete hold6" "$N" natnetwork modify --netname v6net --port-forward-6 delete hold6

# What cannot change while running, and a bad rule: refused, nothing written.
cp "$NATD_HOME/natd.json" "$T/before.json"
set +e
"$N" natnetwork modify --netname v6net --ipv6 off 2> "$T/err"
rc=$?
set -e
expect_eq "--ipv6 off on the running network: refused" 1 "$rc"
check "  ... saying to stop it first" grep -q 'stop it before changing --ipv6' "$T/err"
set +e
"$N" natnetwork modify --netname v6net --port-forward-6 "out6:tcp:[]:8081:[fd17:625c:f037:1::5]:80" 2> "$T/err"
rc=$?
set -e
expect_eq "a rule whose guest is outside the prefix: refused" 1 "$rc"
check "  ... naming the prefix" grep -q "not in the network's IPv6 prefix $PFX::/64" "$T/err"
check "  ... natd.json untouched" cmp -s "$T/before.json" "$NATD_HOME/natd.json"

check "modify --ipv6-default off (running)" "$N" natnetwork modify --netname v6net --ipv6-default off
no_default() { ! has_default "$1"; }
check "vma loses its IPv6 default route" wait_for 10 no_default "${NS[vma]}"

# stop: the forward closes; start: it is back, the guests keep their addresses.
check "stop v6net" natnet_stop v6net
check "the forward's host socket is closed" sh -c "! ss -Hltn 'sport = :8080' | grep -q ."
check "start v6net again" natnet_start v6net
check "the IPv6 rule is back after start" wait_for 10 listening - tcp "*:8080"
# (a remote client now goes unanswered: without a default route vmb cannot
# reply to 2001:db8:100::1; the host's loopback client comes from ::1)
got=$(curl -sS --max-time 10 "http://[::1]:8080/")
expect_eq "  ... and forwards to vmb's same address" \
	"client=[fd17:625c:f037:dead:0000:0000:0000:0001]" "$got"
check "vma pings the gateway ::1 after the restart" ip netns exec "${NS[vma]}" ping -6 -c 1 -W 2 "$PFX::1"

check "stop v6net, cleanly" natnet_stop v6net
for pid in "${_natd_pids[@]}"; do
	natd_stop "$pid"
done
done_testing
