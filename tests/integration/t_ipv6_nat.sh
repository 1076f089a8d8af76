#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outbound NAT over IPv6: a kernel guest with its SLAAC address and natd as
# default router reaches an IPv6-only remote namespace (2001:db8:100::1)
# through natd's host IPv6 sockets. Byte-exact TCP both ways, UDP echo (with
# fragments), ping -6, the DNS proxy at ::3 over UDP and TCP (upstream over
# IPv6), a service found by its AAAA record, traceroute -6 (natd, then the
# remote), refused ports, and destinations the host cannot reach failing at
# once with ICMPv6 unreachable.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
tap="nt$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
new_remote    # the host now has global IPv6 (2001:db8:100::2): a default route

# Servers in the remote namespace, on its IPv6 address only.
mkdir -p "$T/www"
head -c 8388608 /dev/urandom > "$T/www/big.bin"
echo "hello over ipv6" > "$T/www/hello.txt"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p "[2001:db8:100::1]:8080" -h "$T/www"
bg ip netns exec "$REMOTE_NS" socat UDP6-RECVFROM:7000,bind=[2001:db8:100::1],fork PIPE
cat > "$T/dnsmasq.conf" <<EOF2
no-resolv
no-hosts
bind-interfaces
listen-address=2001:db8:100::1
local=/test/
host-record=h.example.test,192.0.2.11,2001:db8::11
host-record=v6only.example.test,2001:db8:100::1
txt-record=t.example.test,"hello dns"
EOF2
bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.conf" \
	--pid-file="$T/dnsmasq.pid" --user=root
wait_for 10 listening "$REMOTE_NS" tcp "[2001:db8:100::1]:8080" || fail "httpd did not start"
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:7000" || fail "UDP echo did not start"
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:53" || fail "dnsmasq did not start"
# The proxy's upstream is reached over IPv6 too.
printf 'nameserver 2001:db8:100::1\n' > "$NATD_RESOLV_CONF"

natd_start natd --name vm6nat --udp-timeout 3 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
addr=$(guest6_addr "$ns" "$tap") || fail "the guest configured no IPv6 address"
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
check "the guest has an IPv6 default route via natd" wait_for 10 has_default
g() { ip netns exec "$ns" "$@"; }

# TCP, byte-exact both ways.
g curl -sS --max-time 60 -o "$T/dl.bin" "http://[2001:db8:100::1]:8080/big.bin" ||
	fail "download over IPv6 through natd"
expect_eq "8 MiB download over IPv6 is byte-exact" "$(sha256sum < "$T/www/big.bin")" \
	"$(sha256sum < "$T/dl.bin")"
bg ip netns exec "$REMOTE_NS" socat -u TCP6-LISTEN:9000,bind=[2001:db8:100::1],reuseaddr \
	CREATE:"$T/up.bin"
up_pid=${_pids[-1]}
wait_for 10 listening "$REMOTE_NS" tcp "[2001:db8:100::1]:9000" || fail "upload server did not start"
g timeout 60 socat -u FILE:"$T/www/big.bin" "TCP6:[2001:db8:100::1]:9000" ||
	fail "upload over IPv6 through natd"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
expect_eq "8 MiB upload over IPv6 is byte-exact" "$(sha256sum < "$T/www/big.bin")" \
	"$(sha256sum < "$T/up.bin")"

# UDP echo, and a datagram larger than the MTU (IPv6 fragments both ways).
got=$(echo "hello over udp6" | g timeout 10 socat -t 2 - "UDP6:[2001:db8:100::1]:7000")
expect_eq "UDP echo over IPv6" "hello over udp6" "$got"
big=$(head -c 6000 /dev/urandom | base64 -w0)
got=$(printf '%s' "$big" | g timeout 10 socat -b 65536 -t 2 - "UDP6:[2001:db8:100::1]:7000")
expect_eq "8 KiB UDP datagram over IPv6 echoed (fragments both ways)" "${#big}" "${#got}"

check "ping -6 the remote host through natd" g ping -6 -c 3 -i 0.2 -W 2 2001:db8:100::1
# (ping's output is read whole: grep -q leaving early would kill ping with
# SIGPIPE, and pipefail would turn that into a failure)
ping6_size() {
	local out
	out=$(g ping -6 -c 1 -W 2 -s "$1" 2001:db8:100::1) || return 1
	grep -q "$(($1 + 8)) bytes from 2001:db8:100::1" <<< "$out"
}
check "1000-byte ping -6 answered with the right id and size" ping6_size 1000
check "3000-byte ping -6 (fragments both ways)" ping6_size 3000

# The DNS proxy at ::3, upstream over IPv6.
q() { g dig @fd17:625c:f037:2::3 +time=3 +tries=2 "$@"; }
expect_eq "dig AAAA at ::3 over UDP" 2001:db8::11 "$(q +short h.example.test AAAA)"
expect_eq "dig A at ::3 over UDP" 192.0.2.11 "$(q +short h.example.test A)"
expect_eq "dig TXT at ::3 over TCP" '"hello dns"' "$(q +tcp +short t.example.test TXT)"

# An IPv6-only service, found by its AAAA record through the proxy.
v6=$(q +short v6only.example.test AAAA)
expect_eq "AAAA of the IPv6-only service" 2001:db8:100::1 "$v6"
expect_eq "IPv6-only service reached by its AAAA" "hello over ipv6" \
	"$(g curl -sS --max-time 10 "http://[$v6]:8080/hello.txt")"

# traceroute -6 (UDP probes): natd answers hop limit 1 like a router.
g timeout 30 traceroute -6 -n -q 1 -w 2 -m 4 2001:db8:100::1 > "$T/trace" 2>&1 || true
cat "$T/trace"
check "traceroute -6 hop 1 is natd's gateway ::2" grep -Eq '^ *1 +fd17:625c:f037:2::2 ' "$T/trace"
check "traceroute -6 hop 2 is the remote host" grep -Eq '^ *2 +2001:db8:100::1 ' "$T/trace"

# A closed port: RST, "connection refused" at once; UDP port unreachable relayed.
g timeout 10 socat -u /dev/null "TCP6:[2001:db8:100::1]:1" 2> "$T/refused.err" || true
check "closed TCP port over IPv6: connection refused" grep -q "Connection refused" "$T/refused.err"
g timeout 10 socat -t 3 - "UDP6:[2001:db8:100::1]:7999" <<< "anyone?" > /dev/null 2> "$T/udp-refused.err" || true
check "closed UDP port over IPv6: ECONNREFUSED (ICMPv6 relayed)" grep -q "Connection refused" "$T/udp-refused.err"

# Destinations the host cannot reach: no route at all (the host has no IPv6
# default route), and an "unreachable" route: ICMPv6 unreachable at once.
start=$(date +%s)
g timeout 10 socat -u /dev/null "TCP6:[2001:db8:999::1]:80" 2> "$T/noroute.err" || true
check "no IPv6 route on the host: connect() fails with ENETUNREACH" \
	grep -q "Network is unreachable" "$T/noroute.err"
host_route unreachable 2001:db8:200::/48
g timeout 10 socat -u /dev/null "TCP6:[2001:db8:200::1]:80" 2> "$T/unreach.err" || true
check "unreachable route on the host: connect() fails with EHOSTUNREACH" \
	grep -q "No route to host" "$T/unreach.err"
check "both failed before socat's 10 s limit" test $(( $(date +%s) - start )) -lt 10
g ping -6 -c 1 -W 3 2001:db8:999::1 > "$T/ping-unreach" 2>&1 || true
check "ping -6 to an unroutable address: ICMPv6 no route from natd" \
	grep -q "From fd17:625c:f037:2::2 .*Destination unreachable: No route" "$T/ping-unreach"

"$NATD_BIN" showvminfo vm6nat --machinereadable > "$T/info"
check "showvminfo counts the unreachable destinations" grep -Eq '^drops_unreachable=[2-9]' "$T/info"
check "showvminfo lists IPv6 flows" grep -q "^nics_1_flows_[0-9]*_guest=\"\\[$addr\\]" "$T/info"
check "no malformed IPv6 packet from a well-behaved guest" \
	sh -c "! grep -E '^nics_1_ipv6_counters_dropped_malformed_[a-z0-9]+=[1-9]' $T/info"

natd_stop "$NATD_PID"
done_testing
