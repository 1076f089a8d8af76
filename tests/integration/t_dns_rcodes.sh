#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The DNS proxy relays an upstream's answer as it is, whatever its RCODE:
# real dnsmasq upstreams in the remote namespace refuse what is not theirs
# (REFUSED) and deny names in their local domain (NXDOMAIN). The guest's dig
# must see the same answer through natd as straight from the upstream (only
# the query id differs); with two nameservers, one refusing and one
# answering, natd asks the other before relaying a refusal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
dns_net nt

# 198.51.100.1: only the test. domain (everything else: REFUSED, it has no
# upstream); 198.51.100.4: also www.example.org.
cat > "$T/dm1.conf" <<EOF2
no-resolv
no-hosts
bind-interfaces
listen-address=198.51.100.1
local=/test/
host-record=h.example.test,192.0.2.11
EOF2
sed -e 's/198.51.100.1$/198.51.100.4/' "$T/dm1.conf" > "$T/dm2.conf"
echo "host-record=www.example.org,192.0.2.80" >> "$T/dm2.conf"
dns_upstream "$T/dm1.conf"
dns_upstream "$T/dm2.conf"
dns_guest vmrcode 'nameserver 198.51.100.1\n'

# answer NS SERVER DIG-ARGS...: dig's report without the query id and timing.
answer() {
	local where=$1 server=$2
	shift 2
	ip netns exec "$where" dig "@$server" +time=3 +tries=1 +nostats +nocmd "$@" |
		sed -e 's/, id: [0-9]*$//' -e '/^;; WARNING/d'
}
# same NAME TYPE [DIG-ARGS...]: the guest's answer through natd equals the
# upstream's own, over UDP and over TCP.
same() {
	local name=$1 type=$2 direct via
	shift 2
	direct=$(answer "$REMOTE_NS" 198.51.100.1 "$@" "$name" "$type")
	via=$(answer "$ns" 10.0.2.3 "$@" "$name" "$type")
	[ "$direct" = "$via" ] || { printf '# upstream:\n%s\n# through natd:\n%s\n' "$direct" "$via" >&2; return 1; }
}

check "REFUSED relayed (UDP)" sh -c "ip netns exec $ns dig @10.0.2.3 +time=3 +tries=1 www.example.org A | grep -q 'status: REFUSED'"
check "  ... as the upstream sent it" same www.example.org A
check "  ... over TCP too" same www.example.org A +tcp
check "  ... without EDNS too" same www.example.org A +noedns
check "NXDOMAIN relayed as the upstream sent it" same nosuch.example.test A
check "an answer relayed as the upstream sent it" same h.example.test A
check "no 'no answer' in the log for answered queries" sh -c "! grep -q 'no answer from' '$T/natd.log'"
"$NATD_BIN" showvminfo vmrcode --machinereadable > "$T/info"
check "relayed refusals counted" grep -Eq '^dns_relayed_errors=[3-9]' "$T/info"
check "no SERVFAIL of natd's own" grep -qx 'dns_servfail=0' "$T/info"

# Two nameservers, the first refusing what the second knows: the second's
# answer, every time (c-ares rotates between them).
printf 'nameserver 198.51.100.1\nnameserver 198.51.100.4\n' > "$T/resolv.new"
mv "$T/resolv.new" "$NATD_RESOLV_CONF"
q() { ip netns exec "$ns" dig @10.0.2.3 +time=3 +tries=1 +short "$@"; }
switched() { [ "$(q h.example.test A)" = 192.0.2.11 ] && grep -q '198.51.100.4:53' "$T/natd.log"; }
check "natd follows the new resolver file" wait_for 10 switched
for i in 1 2 3 4; do
	expect_eq "a refusal is not final while another nameserver answers ($i)" 192.0.2.80 \
		"$(q www.example.org A)"
	expect_eq "  ... over TCP ($i)" 192.0.2.80 "$(q +tcp www.example.org A)"
done
# Both refuse: the refusal.
check "REFUSED when every nameserver refuses" sh -c "ip netns exec $ns dig @10.0.2.3 +time=3 +tries=1 www.example.net A | grep -q 'status: REFUSED'"
natd_stop "$NATD_PID"
done_testing
