#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv6 on a NAT adapter, natd as the router: a kernel guest (accept_ra=2)
# takes an address in fd17:625c:f037:2::/64 from natd's router advertisements;
# rdisc6 sees the prefix, MTU, RDNSS and DNSSL; natd is the default router
# only while the host has a global IPv6 address, unless --natipv6default says
# otherwise; ISC dhclient's stateless DHCPv6 gets the DNS settings; a guest
# claiming ::2 sees duplicate address detection fail while its own address
# passes; malformed Neighbour Discovery and extension headers are dropped and
# counted.
. "$(dirname "$0")/lib.sh"

command -v rdisc6 >/dev/null || fail "rdisc6 missing (ndisc6)"
command -v dhclient >/dev/null || fail "dhclient missing (isc-dhcp-client)"
printf 'nameserver 127.0.0.53\nsearch test.example corp.example\n' > "$NATD_RESOLV_CONF"

tap="nt$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
natd_start natd --name vm6ra --nic1 nat --attach1 "tap:$tap"
pid1=$NATD_PID
tap_into_ns "$tap" "$ns"
addr=$(guest6_addr "$ns" "$tap") || fail "the guest configured no IPv6 address from natd's RAs"
case $addr in
fd17:625c:f037:2:*) ok "SLAAC address $addr in fd17:625c:f037:2::/64" ;;
*) fail "SLAAC address $addr is not in fd17:625c:f037:2::/64" ;;
esac

# rdisc6: what the RA says.
# (rdisc6 needs a link-local address that passed DAD to send from)
rdisc "$ns" "$tap" > "$T/ra1" || { cat "$T/ra1"; fail "rdisc6 got no router advertisement"; }
check "RA from fe80::2" grep -q '^ from fe80::2' "$T/ra1"
check "RA prefix fd17:625c:f037:2::/64" grep -Eq 'Prefix +: fd17:625c:f037:2::/64' "$T/ra1"
check "RA prefix on-link" grep -Eq 'On-link +: +Yes' "$T/ra1"
check "RA prefix autonomous (SLAAC)" grep -Eq 'Autonomous address conf\.: +Yes' "$T/ra1"
check "RA MTU 1500" grep -Eq 'MTU +: +1500 bytes' "$T/ra1"
check "RA RDNSS is the DNS proxy ::3" grep -Eq 'Recursive DNS server +: fd17:625c:f037:2::3' "$T/ra1"
check "RA DNSSL has the host's search list" grep -Eq 'DNS search list +: test\.example corp\.example' "$T/ra1"
check "RA announces stateless DHCPv6 (O flag)" grep -Eq 'Stateful other conf\. +: +Yes' "$T/ra1"
check "no global IPv6 on the host: router lifetime 0 (no default route)" \
	grep -Eq 'Router lifetime +: +0 ' "$T/ra1"

info() { "$NATD_BIN" showvminfo "$1" --machinereadable; }
info vm6ra > "$T/info"
check "showvminfo: IPv6 prefix" grep -qx 'nics_1_ipv6_prefix="fd17:625c:f037:2::/64"' "$T/info"
check "showvminfo: the guest's address, learnt from DAD and its packets" \
	grep -qx "nics_1_ipv6_guest_addresses_1_ip=\"$addr\"" "$T/info"
check "showvminfo: no default route yet" grep -qx 'nics_1_ipv6_default_route="false"' "$T/info"

check "ping -6 the gateway ::2" ip netns exec "$ns" ping -6 -c 2 -i 0.2 -W 2 fd17:625c:f037:2::2
check "ping -6 the DNS proxy ::3" ip netns exec "$ns" ping -6 -c 1 -W 2 fd17:625c:f037:2::3
check "ping -6 the router fe80::2" ip netns exec "$ns" ping -6 -c 1 -W 2 "fe80::2%$tap"

# Duplicate address detection: ::2 is natd's, so a guest claiming it fails
# DAD; the guest's own SLAAC address passed (natd claims no guest address).
ip -n "$ns" -6 addr add fd17:625c:f037:2::2/64 dev "$tap"
dadfailed() { ip -n "$ns" -6 addr show dev "$tap" | grep -q 'fd17:625c:f037:2::2/64 .*dadfailed'; }
check "DAD for ::2 fails in the guest (natd answers for its own address)" wait_for 10 dadfailed
ip -n "$ns" -6 addr del fd17:625c:f037:2::2/64 dev "$tap"
check "the guest's own address passed DAD" \
	sh -c "ip -n $ns -6 addr show dev $tap | grep \"$addr/64\" | grep -vq 'dadfailed\|tentative'"

# Stateless DHCPv6: ISC dhclient -S (Information-request).
cat > "$T/dh6.script" <<-'EOF'
	#!/bin/sh
	# natd test script: record what DHCPv6 said; never touches /etc/resolv.conf.
	set | grep -E '^new_dhcp6_' >> "@OUT@"
	exit 0
EOF
sed -i "s|@OUT@|$T/dh6.env|" "$T/dh6.script"
chmod +x "$T/dh6.script"
: > "$T/dh6.conf"
timeout 20 ip netns exec "$ns" dhclient -6 -S -1 -v -cf "$T/dh6.conf" -sf "$T/dh6.script" \
	-lf "$T/dh6.leases" -pf "$T/dh6.pid" "$tap" > "$T/dh6.log" 2>&1 ||
	{ cat "$T/dh6.log" >&2; fail "dhclient -6 -S got no reply"; }
[ -f "$T/dh6.pid" ] && kill "$(cat "$T/dh6.pid")" 2>/dev/null || true
expect_eq "DHCPv6: DNS server" fd17:625c:f037:2::3 "$(lease_var "$T/dh6.env" new_dhcp6_name_servers)"
expect_eq "DHCPv6: domain search list" "test.example. corp.example." \
	"$(lease_var "$T/dh6.env" new_dhcp6_domain_search)"
check "DHCPv6: server id is natd's DUID-LL" \
	grep -q "new_dhcp6_server_id='0:3:0:1:52:55:a:0:2:2'" "$T/dh6.env"

# --natipv6default1 on: a default route even without global IPv6 on the host.
# And --natdnsproxy1 off: RDNSS names the host's IPv6 nameservers a guest can
# reach (not ::1).
printf 'nameserver 127.0.0.53\nnameserver ::1\nnameserver 2001:db8::53\nsearch test.example\n' \
	> "$NATD_RESOLV_CONF"
tap2="no$ID"
ns2=$(new_netns guest2)
guest6_sysctls "$ns2"
natd_start natd2 --name vm6on --nic1 nat --attach1 "tap:$tap2" --natipv6default1 on \
	--natdnsproxy1 off
tap_into_ns "$tap2" "$ns2"
rdisc "$ns2" "$tap2" > "$T/ra2" || fail "rdisc6 (natd2) got no router advertisement"
check "--natipv6default1 on: router lifetime 1800" grep -Eq 'Router lifetime +: +1800 ' "$T/ra2"
expect_eq "--natdnsproxy1 off: RDNSS is the host's IPv6 nameserver" 2001:db8::53 \
	"$(sed -n 's/^ Recursive DNS server *: //p' "$T/ra2" | tr '\n' ' ' | sed 's/ $//')"
natd_stop "$NATD_PID"

# The host gains a global address (the remote's veth): natd notices at once
# and advertises itself as the default router.
new_remote
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
check "host got global IPv6: the guest gets a default route via fe80::2" wait_for 10 has_default
rdisc "$ns" "$tap" > "$T/ra3" || fail "rdisc6 got no router advertisement"
check "router lifetime 1800 now" grep -Eq 'Router lifetime +: +1800 ' "$T/ra3"
check "showvminfo: default route" sh -c "$NATD_BIN showvminfo vm6ra --machinereadable | grep -qx 'nics_1_ipv6_default_route=\"true\"'"

# --natipv6default1 off: no default route even with global IPv6 on the host.
tap3="nf$ID"
ns3=$(new_netns guest3)
guest6_sysctls "$ns3"
natd_start natd3 --name vm6off --nic1 nat --attach1 "tap:$tap3" --natipv6default1 off
tap_into_ns "$tap3" "$ns3"
rdisc "$ns3" "$tap3" > "$T/ra4" || fail "rdisc6 (natd3) got no router advertisement"
check "--natipv6default1 off: router lifetime 0" grep -Eq 'Router lifetime +: +0 ' "$T/ra4"
natd_stop "$NATD_PID"

# Malformed packets from the guest are dropped and counted; natd carries on.
# ip6_hex ADDR: ADDR's 16 bytes as printf escapes.
ip6_hex() {
	local a=$1 h t g hex="" i
	local -a hg=() tg=()
	if [[ $a == *::* ]]; then h=${a%%::*}; t=${a#*::}; else h=$a; t=""; fi
	[ -n "$h" ] && IFS=: read -ra hg <<< "$h"
	[ -n "$t" ] && IFS=: read -ra tg <<< "$t"
	for g in "${hg[@]}"; do hex+=$(printf '%04x' $((16#$g))); done
	for ((i = ${#hg[@]} + ${#tg[@]}; i < 8; i++)); do hex+=0000; done
	for g in "${tg[@]}"; do hex+=$(printf '%04x' $((16#$g))); done
	sed 's/../\\x&/g' <<< "$hex"
}
send6() { ip netns exec "$ns" socat -u - "IP6-SENDTO:$1"; }
# a neighbour solicitation with hop limit 64 (must be 255)
printf '\x87\x00\x00\x00\x00\x00\x00\x00\xfd\x17\x62\x5c\xf0\x37\x00\x02\x00\x00\x00\x00\x00\x00\x00\x02' |
	send6 "[fd17:625c:f037:2::2]:58"
# a neighbour solicitation cut after 8 bytes (hop limit 255)
printf '\x87\x00\x00\x00\x00\x00\x00\x00' | send6 "[fd17:625c:f037:2::2]:58,setsockopt-int=41:16:255"
# a router solicitation with an option of length 0
printf '\x85\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' |
	send6 "[ff02::2%$tap]:58,setsockopt-int=41:18:255"
# a destination options header whose PadN option runs past its end
printf '\x11\x00\x01\x0a\x00\x00\x00\x00' | send6 "[fd17:625c:f037:2::2]:60"
# "packet too big" with MTU 50 about natd's packets to the guest: lwIP would
# cut everything for the guest into empty fragments, for ever
printf "\x02\x00\x00\x00\x00\x00\x00\x32\x60\x00\x00\x00\x00\x08\x3a\x40$(ip6_hex fd17:625c:f037:2::2)$(ip6_hex "$addr")\x81\x00\x00\x00\x00\x01\x00\x01" |
	send6 "[fd17:625c:f037:2::2]:58"
counted() {
	info vm6ra > "$T/info2"
	grep -Eq '^nics_1_ipv6_counters_dropped_malformed_ndp=[3-9]' "$T/info2" &&
		grep -Eq '^nics_1_ipv6_counters_dropped_malformed_exthdr=[1-9]' "$T/info2" &&
		grep -Eq '^nics_1_ipv6_counters_dropped_malformed_icmp6=[1-9]' "$T/info2"
}
check "malformed NDP, ICMPv6 and extension headers counted in showvminfo" wait_for 5 counted
check "natd still answers after malformed packets" \
	ip netns exec "$ns" ping -6 -c 1 -W 2 fd17:625c:f037:2::2
check "and a 3000-byte ping (replies fragmented at the real MTU)" \
	ip netns exec "$ns" ping -6 -c 1 -W 2 -s 3000 fd17:625c:f037:2::2
check "router solicitations counted" grep -Eq '^nics_1_ipv6_counters_router_solicitations=[1-9]' "$T/info2"

natd_stop "$pid1"
done_testing
