# SPDX-License-Identifier: MIT
# lib_dns.sh - the set-up the DNS proxy's tests share, sourced after lib.sh:
# the remote namespace with a second nameserver address (198.51.100.4; the
# dnsmasq upstreams are lib.sh's dns_upstream) and a guest namespace behind
# natd run's NAT adapter, whose DNS proxy is 10.0.2.3.

command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"

# dns_net TAPPREFIX: the guest's namespace ($ns) and tap name ($tap), and the
# remote namespace (new_remote) with 198.51.100.4/24 as well.
dns_net() {
	tap="$1$ID"
	ns=$(new_netns guest)
	new_remote
	ip -n "$REMOTE_NS" addr add 198.51.100.4/24 dev "vr$ID"
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

# dns_tcp_hold NS ADDR N [HOLD]: N TCP connections from namespace NS to ADDR
# port 53; prints (flushed) how many the proxy reset or closed within 1 s,
# then keeps the others open HOLD seconds (default 0) before exiting.
dns_tcp_hold() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
addr, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conns, reset = [], 0
for i in range(n):
    try:
        conns.append(socket.create_connection((addr, 53), timeout=5))
    except ConnectionResetError:
        reset += 1       # the RST came before connect() returned
time.sleep(1)
for c in conns:
    c.setblocking(False)
    try:
        if c.recv(1) == b"":
            reset += 1
    except BlockingIOError:
        pass
    except ConnectionResetError:
        reset += 1
print(reset, flush=True)
time.sleep(hold)' "$2" "$3" "${4:-0}"
}
