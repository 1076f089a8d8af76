#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outbound UDP and ICMP echo through natd, and host-side ICMP errors relayed
# to the guest: UDP echo, ping, ECONNREFUSED on a connected UDP socket
# (port unreachable), UDP traceroute showing natd and the remote host.
. "$(dirname "$0")/lib.sh"

tap="nt$ID"
ns=$(new_netns guest)
new_remote
natd_start natd --name vmudp --udp-timeout 3 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"

# UDP echo server in the remote namespace.
bg ip netns exec "$REMOTE_NS" socat UDP-RECVFROM:7000,bind=198.51.100.1,fork PIPE
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:7000 || fail "UDP echo server did not start"
got=$(echo "hello over udp" | ip netns exec "$ns" timeout 10 socat -t 2 - UDP:198.51.100.1:7000)
expect_eq "UDP echo through natd" "hello over udp" "$got"
big=$(head -c 6000 /dev/urandom | base64 -w0)
got=$(printf '%s' "$big" | ip netns exec "$ns" timeout 10 socat -b 65536 -t 2 - UDP:198.51.100.1:7000)
expect_eq "8 KiB UDP datagram echoed (IP fragments both ways)" "${#big}" "${#got}"

check "ping the remote host through natd" ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 198.51.100.1
ping_id_ok() { # three tries; the output read whole (grep -q would cut ping's pipe)
	local out
	out=$(ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 -s 1000 198.51.100.1 || true)
	grep -q '1008 bytes from 198.51.100.1' <<<"$out"
}
check "1000-byte ping answered with the right id and size" ping_id_ok

# A closed UDP port: the remote's ICMP port unreachable reaches the guest.
ip netns exec "$ns" timeout 10 socat -t 3 - UDP:198.51.100.1:7999 <<< "anyone?" > /dev/null 2> "$T/udp-refused.err" || true
check "connected UDP socket sees ECONNREFUSED (ICMP relayed)" grep -q "Connection refused" "$T/udp-refused.err"

# traceroute (UDP probes): natd answers TTL 1 like a router, then the remote.
ip netns exec "$ns" timeout 30 traceroute -n -q 1 -w 2 -m 4 198.51.100.1 > "$T/trace" 2>&1 || true
cat "$T/trace"
check "traceroute hop 1 is natd's gateway" grep -Eq '^ *1 +10\.0\.2\.2 ' "$T/trace"
check "traceroute reaches the remote host" grep -Eq '^ *2 +198\.51\.100\.1 ' "$T/trace"

# Idle UDP flows expire (--udp-timeout 3).
udp_flows() { "$NATD_BIN" showvminfo vmudp --machinereadable | sed -n 's/^flow_counters_udp_active=//p'; }
no_udp_flows() { [ "$(udp_flows)" = 0 ]; }
check "idle UDP flows expire after --udp-timeout" wait_for 10 no_udp_flows

# Another IP protocol (GRE, 47): not proxied, counted, answered by lwIP.
echo gre | ip netns exec "$ns" socat -u - IP4-SENDTO:198.51.100.1:47 || true
gre_counted() { "$NATD_BIN" showvminfo vmudp --machinereadable | grep -q '^drops_unsupported_protocol=[1-9]'; }
check "a GRE packet is counted as an unsupported protocol" wait_for 5 gre_counted

natd_stop "$NATD_PID"
done_testing
