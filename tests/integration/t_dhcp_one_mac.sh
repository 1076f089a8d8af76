#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A NAT adapter has one VM behind it, and VirtualBox keys its NAT leases on
# the MAC: DHCP clients of one MAC asking with other client identifiers
# (ISC dhclient sends none, busybox udhcpc sends 01+MAC, udhcpc -C none,
# udhcpc -x 61:... its own) all get the one lease, and a port forward with
# an empty guest address keeps reaching the address the guest configured.
# On a NAT network the DHCP server keeps honouring client identifiers
# (VirtualBox's DHCP server does; checked at the end).
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || fail "curl missing"
tap="nm$ID"
ns=$(new_netns guest)
natd_start natd --name vmonemac --nic1 nat --attach1 "tap:$tap" --natpf1 "web,tcp,127.0.0.1,18090,,80"
tap_into_ns "$tap" "$ns"

# The guest's own DHCP client configures the interface.
dhclient_lease "$ns" "$tap" > "$T/lease"
expect_eq "dhclient (no client identifier) leased 10.0.2.15" 10.0.2.15 \
	"$(lease_var "$T/lease" new_ip_address)"
http_client_echo "$ns" "TCP-LISTEN:80"
wait_for 10 listening "$ns" tcp "0.0.0.0:80" || fail "guest HTTP server did not start"
expect_eq "the forward reaches the guest" "client=10.0.2.2" "$(curl -sS --max-time 10 http://127.0.0.1:18090/)"

# probe ARGS...: udhcpc on the same interface that only records its lease
# (a second DHCP client of the same VM, e.g. a boot loader's or a tool's).
cat > "$T/probe.script" <<'EOS'
#!/bin/sh
case "$1" in bound|renew) echo "$ip" > "$PROBE_OUT" ;; esac
exit 0
EOS
chmod +x "$T/probe.script"
probe() {
	rm -f "$T/probe.out"
	PROBE_OUT="$T/probe.out" timeout 15 ip netns exec "$ns" busybox udhcpc -f -q -n \
		-i "$tap" -s "$T/probe.script" -t 5 -T 2 "$@" > "$T/probe.log" 2>&1 ||
		{ cat "$T/probe.log" >&2; fail "udhcpc $* got no lease"; }
	cat "$T/probe.out"
}
expect_eq "udhcpc (client identifier 01+MAC) gets the same lease" 10.0.2.15 "$(probe)"
expect_eq "udhcpc -C (no client identifier) too" 10.0.2.15 "$(probe -C)"
expect_eq "udhcpc with a client identifier of its own too" 10.0.2.15 \
	"$(probe -C -x 61:ff00000001000102030405)"
"$NATD_BIN" showvminfo vmonemac --machinereadable > "$T/info"
expect_eq "showvminfo lists one lease" 1 "$(grep -c '^nics_1_leases_[0-9]*_ip=' "$T/info")"
expect_eq "the forward still reaches the address the guest configured" "client=10.0.2.2" \
	"$(curl -sS --max-time 10 http://127.0.0.1:18090/)"
check "natd logged no second address" sh -c "! grep -q 'DHCP leased 10.0.2.16' '$T/natd.log'"
natd_stop "$NATD_PID"

# A NAT network: one client identifier, one lease; another identifier is
# another client there, as before.
"$NATD_BIN" natnetwork add --netname onemac --network 192.168.31.0/24 --enable
natnet_start onemac || fail "natnetwork start"
tap="nn$ID"
natd_start natd2 --name vmnn --nic1 natnetwork --nat-network1 onemac --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
first=$(probe)
expect_eq "NAT network: udhcpc leased the first address" 192.168.31.4 "$first"
expect_eq "NAT network: another client identifier is another client" 192.168.31.5 \
	"$(probe -C -x 61:ff00000001000102030405)"
natd_stop "$NATD_PID"
check "natnetwork stop" natnet_stop onemac
done_testing
