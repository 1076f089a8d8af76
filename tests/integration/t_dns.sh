#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The DNS proxy at 10.0.2.3: a real dnsmasq in the remote namespace is the
# only upstream. dig over UDP and TCP for A, AAAA, TXT, MX and NXDOMAIN; a
# truncated answer retried over TCP; a dead first nameserver; an edit of the
# resolver file taking effect without restart; malformed queries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_dns.sh"

command -v dig >/dev/null || fail "dig missing (bind9-dnsutils)"
dns_net nt

long=$(printf 'x%.0s' $(seq 200))
cat > "$T/dnsmasq1.conf" <<EOF2
no-resolv
no-hosts
bind-interfaces
listen-address=198.51.100.1
local=/test/
host-record=h.example.test,192.0.2.11,2001:db8::11
txt-record=t.example.test,"hello dns"
mx-host=example.test,mail.example.test,10
txt-record=big.example.test,"a$long","b$long","c$long"
EOF2
# A long name with 32 IPv6 addresses: natd's answer in host resolver mode
# has room for 28 of them after the question (before: no answer at all).
l60=$(printf 'l%.0s' $(seq 60))
many="a$l60.b$l60.c$l60.example.test"
for i in $(seq 1 32); do echo "host-record=$many,2001:db8::$i" >> "$T/dnsmasq1.conf"; done
sed -e 's/198.51.100.1/198.51.100.4/' -e 's/192.0.2.11/192.0.2.99/' "$T/dnsmasq1.conf" > "$T/dnsmasq2.conf"
dns_upstream "$T/dnsmasq1.conf"
dns_upstream "$T/dnsmasq2.conf"
dns_guest vmdns 'nameserver 198.51.100.1\nsearch example.test\n'

q() { ip netns exec "$ns" dig @10.0.2.3 +time=3 +tries=2 "$@"; }
expect_eq "A over UDP" 192.0.2.11 "$(q +short h.example.test A)"
expect_eq "AAAA over UDP" 2001:db8::11 "$(q +short h.example.test AAAA)"
expect_eq "TXT over UDP" '"hello dns"' "$(q +short t.example.test TXT)"
expect_eq "MX over UDP" "10 mail.example.test." "$(q +short example.test MX)"
check "NXDOMAIN relayed" sh -c "ip netns exec $ns dig @10.0.2.3 +time=3 nosuch.example.test A | grep -q 'status: NXDOMAIN'"
expect_eq "A over TCP" 192.0.2.11 "$(q +tcp +short h.example.test A)"
expect_eq "MX over TCP" "10 mail.example.test." "$(q +tcp +short example.test MX)"

# A TXT answer over 512 bytes: without EDNS it comes truncated over UDP...
check "truncated answer relayed over UDP (TC flag)" \
	sh -c "ip netns exec $ns dig @10.0.2.3 +time=3 +noedns +ignore big.example.test TXT | grep -q 'flags: qr aa tc\|flags: qr tc\|flags:.* tc'"
# ... and dig's retry over TCP gets all of it.
expect_eq "truncated answer complete after dig's TCP retry" 3 \
	"$(q +noedns +short big.example.test TXT | grep -o '"[abc]x' | wc -l)"

# Queries that are not queries: dropped or FORMERR, and natd carries on.
printf 'garbage' | ip netns exec "$ns" timeout 3 socat -t 1 - UDP:10.0.2.3:53 > /dev/null || true
# header: id 0x1234, RD, 1 question; then a label claiming 63 bytes with 3 left
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc' |
	ip netns exec "$ns" timeout 3 socat -t 2 - UDP:10.0.2.3:53 | od -An -tx1 > "$T/formerr" || true
check "bad label answered FORMERR with the query id" grep -Eq '^ *12 34 81 01' "$T/formerr"
expect_eq "the proxy still answers" 192.0.2.11 "$(q +short h.example.test A)"

# Editing the resolver file takes effect without restarting natd.
printf 'nameserver 198.51.100.4\n' > "$T/resolv.new"
mv "$T/resolv.new" "$NATD_RESOLV_CONF"
switched() { [ "$(q +short h.example.test A)" = 192.0.2.99 ]; }
check "a new upstream after editing the resolver file" wait_for 10 switched

# A dead first nameserver (nothing listens on 127.0.0.53 here) is skipped.
if ss -lun | grep -Eq '(127\.0\.0\.53|0\.0\.0\.0|\*):53 '; then
	log "SKIP dead-server check: something listens on port 53 of the host"
else
	printf 'nameserver 127.0.0.53\nnameserver 198.51.100.1\n' > "$T/resolv.new"
	mv "$T/resolv.new" "$NATD_RESOLV_CONF"
	back() { [ "$(q +short h.example.test A)" = 192.0.2.11 ]; }
	check "resolves with a dead first nameserver" wait_for 10 back
	expect_eq "and again at once (dig: one try, 2 s)" 192.0.2.11 \
		"$(ip netns exec "$ns" dig @10.0.2.3 +time=2 +tries=1 +short h.example.test A)"
fi

"$NATD_BIN" showvminfo vmdns --machinereadable > "$T/info"
check "showvminfo counts the malformed queries" grep -Eq '^dns_malformed=[2-9]' "$T/info"
natd_stop "$NATD_PID"

# Host resolver mode: A/AAAA from the host's resolver (its /etc/hosts first,
# then the nameservers), other types relayed.
printf 'nameserver 198.51.100.1
' > "$NATD_RESOLV_CONF"
tap="nh$ID"
natd_start natd2 --name vmdns2 --nic1 nat --attach1 "tap:$tap" --natdnshostresolver1 on
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
if grep -Eq '^127\.0\.0\.1[[:space:]].*\blocalhost\b' /etc/hosts; then
	expect_eq "host resolver: localhost from the host's /etc/hosts" 127.0.0.1 \
		"$(q +short localhost A)"
fi
expect_eq "host resolver: A through the host's nameserver" 192.0.2.11 "$(q +short h.example.test A)"
expect_eq "host resolver: AAAA" 2001:db8::11 "$(q +short h.example.test AAAA)"
check "host resolver: NXDOMAIN" sh -c "ip netns exec $ns dig @10.0.2.3 +time=3 nosuch.example.test A | grep -q 'status: NXDOMAIN'"
expect_eq "host resolver: MX relayed" "10 mail.example.test." "$(q +short example.test MX)"
expect_eq "host resolver: a long name's 32 AAAA cut to the 28 that fit" 28 \
	"$(q +short "$many" AAAA | grep -c '^2001:db8::')"
"$NATD_BIN" showvminfo vmdns2 --machinereadable > "$T/info"
check "questions counted as answered by the host resolver" grep -Eq '^dns_host_resolver=[3-9]' "$T/info"
natd_stop "$NATD_PID"
done_testing
