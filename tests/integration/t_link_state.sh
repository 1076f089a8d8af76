#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cable and link (VirtualBox manual 6.2, setlinkstate): the guest sees its
# link go down and up. A kernel guest on a tap behind a NAT adapter: with
# `controlvm setlinkstate1 off` its interface's carrier is 0 and pinging the
# gateway fails; with `on` the carrier is 1 and ping works again. A NAT
# adapter started with --cableconnected1 off, a --nic1 null adapter and an
# intnet adapter's setlinkstate show the carrier down too. On a stream
# transport (no carrier signal in QEMU's framing) showvminfo says so.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
carrier() { ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null; }
carrier_is() { [ "$(carrier "$1" "$2")" = "$3" ]; }
gw_ping() { ip netns exec "$1" ping -c 1 -W 1 10.0.2.2 >/dev/null 2>&1; }
# (the output is captured first: grep -q quitting early must not SIGPIPE it)
info() { local o; o=$("$N" showvminfo "$1" --machinereadable) && grep -qx "$2" <<< "$o"; }

# NAT adapter, setlinkstate at run time.
NS1=$(new_netns g1)
TAP1="lk1$ID"
natd_start natd1 --name vm1 --nic1 nat --attach1 "tap:$TAP1"
tap_into_ns "$TAP1" "$NS1"
guest_up "$NS1" "$TAP1"
check "the guest's carrier is up" carrier_is "$NS1" "$TAP1" 1
check "it pings the gateway" wait_for 5 gw_ping "$NS1"
check "controlvm setlinkstate1 off" "$N" controlvm vm1 setlinkstate1 off
check "the guest's carrier goes down" wait_for 2 carrier_is "$NS1" "$TAP1" 0
check "ip link shows NO-CARRIER" sh -c "ip -n '$NS1' link show '$TAP1' | grep -q NO-CARRIER"
if gw_ping "$NS1"; then fail "the guest pinged the gateway with the cable pulled"; fi
ok "ping fails while the link is off"
check "showvminfo: cable off" info vm1 'nics_1_cable="false"'
check "showvminfo: the guest's link is down" info vm1 'nics_1_guest_link="down"'
check "controlvm setlinkstate1 on" "$N" controlvm vm1 setlinkstate1 on
check "the guest's carrier comes back" wait_for 2 carrier_is "$NS1" "$TAP1" 1
check "it pings the gateway again" wait_for 5 gw_ping "$NS1"
check "showvminfo: guest link up" info vm1 'nics_1_guest_link="up"'

# Cable pulled from the start, and a null adapter.
NS2=$(new_netns g2)
TAP2="lk2$ID"
natd_start natd2 --name vm2 --nic1 nat --cableconnected1 off --attach1 "tap:$TAP2"
tap_into_ns "$TAP2" "$NS2"
check "--cableconnected1 off: the guest's carrier is down from the start" \
	wait_for 2 carrier_is "$NS2" "$TAP2" 0
check "setlinkstate1 on plugs it in" "$N" controlvm vm2 setlinkstate1 on
check "... and the carrier comes up" wait_for 2 carrier_is "$NS2" "$TAP2" 1
NS3=$(new_netns g3)
TAP3="lk3$ID"
natd_start natd3 --name vm3 --nic1 null --attach1 "tap:$TAP3"
tap_into_ns "$TAP3" "$NS3"
check "--nic1 null: a card with no cable (carrier 0)" wait_for 2 carrier_is "$NS3" "$TAP3" 0
expect_refused "setlinkstate1 on of a null adapter" 1 \
	"setlinkstate1: adapter 1 is --nic1 null (not attached): there is no cable to plug in" \
	"$N" controlvm vm3 setlinkstate1 on
ok "setlinkstate1 on of a null adapter is refused, naming it"
check "... and it stays unplugged" carrier_is "$NS3" "$TAP3" 0
check "... showvminfo: cable false" info vm3 'nics_1_cable="false"'
check "setlinkstate1 off of a null adapter: already so, accepted" "$N" controlvm vm3 setlinkstate1 off
expect_refused "setlinkstate1 with two values" 2 "setlinkstate1: unexpected argument 'now'" \
	"$N" controlvm vm3 setlinkstate1 off now
ok "setlinkstate1 off now: the extra word named"

# An internal-network adapter.
NS4=$(new_netns g4)
TAP4="lk4$ID"
natd_start natd4 --name vm4 --nic1 intnet --intnet1 lk --attach1 "tap:$TAP4"
_pids+=("$(cat "$NATD_HOME/run/intnet/lk.pid")")
tap_into_ns "$TAP4" "$NS4"
check "intnet adapter: carrier up" carrier_is "$NS4" "$TAP4" 1
check "intnet: setlinkstate1 off" "$N" controlvm vm4 setlinkstate1 off
check "intnet: the guest's carrier goes down" wait_for 2 carrier_is "$NS4" "$TAP4" 0
check "intnet: setlinkstate1 on" "$N" controlvm vm4 setlinkstate1 on
check "intnet: the carrier comes back" wait_for 2 carrier_is "$NS4" "$TAP4" 1

# A stream transport has no carrier: showvminfo says it is not signalled.
natd_start natd5 --name vm5 --nic1 nat
check "stream: setlinkstate1 off" "$N" controlvm vm5 setlinkstate1 off
check "stream: showvminfo says the guest is not told" \
	info vm5 'nics_1_guest_link="not signalled by this transport"'
done_testing
