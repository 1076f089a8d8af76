# SPDX-License-Identifier: MIT
# lib_dns.sh - the set-up the DNS proxy's tests share, sourced after lib.sh:
# dnsmasq upstreams in the remote namespace (198.51.100.1, and .4 as a second
# nameserver) and a guest namespace behind natd run's NAT adapter, whose DNS
# proxy is 10.0.2.3.

command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"

# dns_net TAPPREFIX: the guest's namespace ($ns) and tap name ($tap), and the
# remote namespace (new_remote) with 198.51.100.4/24 as well.
dns_net() {
	tap="$1$ID"
	ns=$(new_netns guest)
	new_remote
	ip -n "$REMOTE_NS" addr add 198.51.100.4/24 dev "vr$ID"
}

# dns_upstream CONF: dnsmasq with configuration file CONF in the remote
# namespace (pid file CONF.pid); waits (10 s) until it listens on UDP port 53
# of CONF's listen-address.
dns_upstream() {
	local conf=$1 addr
	addr=$(sed -n 's/^listen-address=//p' "$conf")
	[ -n "$addr" ] || fail "$conf: no listen-address"
	bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --conf-file="$conf" \
		--pid-file="$conf.pid" --user=root
	wait_for 10 listening "$REMOTE_NS" udp "$addr:53" || fail "dnsmasq did not start on $addr ($conf)"
}

# dns_guest VM RESOLV: NATD_RESOLV_CONF becomes RESOLV (printf %b: \n for
# newlines); natd run --name VM with a NAT adapter on $tap (log: $T/natd.log,
# NATD_PID), the tap moved into $ns and the guest leased by DHCP.
dns_guest() {
	printf '%b' "$2" > "$NATD_RESOLV_CONF"
	natd_start natd --name "$1" --nic1 nat --attach1 "tap:$tap"
	tap_into_ns "$tap" "$ns"
	guest_up "$ns" "$tap"
}
