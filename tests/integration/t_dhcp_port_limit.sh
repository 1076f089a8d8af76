#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Leases per VM port on a NAT adapter: a kernel guest asks natd's DHCP
# server from its tap and from 10 more MACs (macvlans on the tap, so the
# same VM port): 8 get a lease, the others nothing (counted and logged in
# showvminfo), the addresses left stay free; the guest's own lease renews.
. "$(dirname "$0")/lib.sh"

tap="nt$ID"
ns=$(new_netns guest)
natd_start natd --name vmports --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
got=0
for ((j = 1; j <= 10; j++)); do
	mv="mv$j$ID"
	ip -n "$ns" link add link "$tap" name "$mv" address "02:00:5e:00:20:$(printf %02x $j)" type macvlan mode bridge
	ip -n "$ns" link set "$mv" up
	if timeout 15 ip netns exec "$ns" busybox udhcpc -f -q -n -i "$mv" -s /bin/true -t 2 -T 1 \
		> "$T/udhcpc.$mv.log" 2>&1; then
		got=$((got + 1))
	fi
done
expect_eq "7 more MACs of the VM get a lease (8 in all)" 7 "$got"
"$NATD_BIN" showvminfo vmports --machinereadable > "$T/info"
check "showvminfo shows the limit" grep -q '^nics_1_dhcp_leases_per_port=8$' "$T/info"
check "  ... and counts the refused clients" grep -Eq '^nics_1_dhcp_refused_port_limit=([3-9]|[1-9][0-9]+)$' "$T/info"
expect_eq "8 leases listed" 8 "$(grep -c '^nics_1_leases_[0-9]*_ip=' "$T/info")"
check "the refusals are logged" grep -q "refused: its port holds 8 leases and offers already" "$T/natd.log"
check "the guest's own lease renews" sh -c \
	"timeout 15 ip netns exec $ns busybox udhcpc -f -q -n -i $tap -s /bin/true -t 3 -T 2 >/dev/null 2>&1"
natd_stop "$NATD_PID"
done_testing
