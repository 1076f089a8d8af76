# shellcheck shell=bash
# lib_bridged.sh - the "LAN" of the bridged tests, sourced after lib.sh.
#
# The caller sets IF (the bridged interface, in the test's namespace) and
# LANIF (its veth peer, moved into the LAN namespace) and creates
# LAN=$(new_netns lan); then:
#   bridged_lan_link [6]  the veth pair, 203.0.113.1/24 (with 6 also
#                         2001:db8:1::1/64) on LANIF, both ends up; called
#                         again after IF was deleted, it makes it anew
#   bridged_lan_dhcp      dnsmasq on LANIF leasing 203.0.113.100-150, its
#                         files under $T, waited for
#   bridged_lan_www BYTES BIND
#                         $T/www/blob of BYTES random bytes, served by
#                         python's http.server on BIND port 8080 in the LAN
#                         (BIND :: serves IPv4 too), waited for
# and small readers: info VM KEY (a showvminfo --machinereadable value),
# mac_of NS|"" DEV, promiscuity DEV, in_lan_range ADDR (a dnsmasq lease).

N="$NATD_BIN"

info() {
	local o
	o=$("$N" showvminfo "$1" --machinereadable) || return 1
	sed -n "s/^$2=//p" <<< "$o" | tr -d '"'
}
promiscuity() { ip -d link show "$1" | sed -n 's/.* promiscuity \([0-9]*\) .*/\1/p'; }
mac_of() { ip ${1:+-n "$1"} -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p'; }
in_lan_range() { [[ $1 =~ ^203\.0\.113\.1[0-5][0-9]$ ]]; }

bridged_lan_link() {
	ip link add "$IF" type veth peer name "$LANIF"
	_links+=("$IF")
	ip link set "$LANIF" netns "$LAN"
	ip -n "$LAN" addr add 203.0.113.1/24 dev "$LANIF"
	if [ "${1:-}" = 6 ]; then
		ip -n "$LAN" -6 addr add 2001:db8:1::1/64 dev "$LANIF" nodad
	fi
	ip -n "$LAN" link set "$LANIF" up
	ip link set "$IF" up
}

bridged_lan_dhcp() {
	bg ip netns exec "$LAN" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
		--interface="$LANIF" --bind-interfaces --dhcp-authoritative \
		--dhcp-range=203.0.113.100,203.0.113.150,255.255.255.0,1h \
		--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid" \
		--log-facility="$T/dnsmasq.log"
	wait_for 10 listening "$LAN" udp 0.0.0.0:67 || wait_for 5 listening "$LAN" udp 203.0.113.1:67 ||
		fail "dnsmasq did not start"
}

bridged_lan_www() {
	local bind=$2 at=$2
	mkdir -p "$T/www"
	head -c "$1" /dev/urandom > "$T/www/blob"
	bg ip netns exec "$LAN" python3 -m http.server --bind "$bind" --directory "$T/www" 8080
	[ "$bind" = :: ] && at='[::]'
	wait_for 10 listening "$LAN" tcp "$at:8080" || fail "the LAN's HTTP server did not start"
}
