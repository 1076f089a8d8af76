#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The generic UDPTunnel driver (VirtualBox manual 6.8): two `natd run` VMs,
# kernel guests on taps in namespaces of their own, joined by a UDP tunnel
# on one host (sport and dport swapped, dest 127.0.0.1, then ::1 and the
# name localhost): they ping each other and talk TCP; showvminfo shows the
# driver, its properties, the peer frames came from, frames both ways and
# that the tunnel batches (fewer sendmmsg/recvmmsg calls than frames under
# a bulk TCP transfer); a runt datagram is dropped and counted; a dead peer
# is no error (its ICMP errors are counted, natd keeps running). Bad input:
# every case of the issue refused with the option and property named, a
# source port below 1024 refused without CAP_NET_BIND_SERVICE (setpriv drops
# it) with the manual's reason, a port in use refused at start.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
PA=$((20000 + ($$ % 10000)))
PB=$((PA + 1))
NSA=$(new_netns ua)
NSB=$(new_netns ub)
IPA=203.0.113.1
IPB=203.0.113.2

# refused WHAT EXIT PATTERN ARGS...: natd run exits EXIT with a line matching
# PATTERN on stderr.
refused() {
	local what=$1 want=$2 pat=$3 rc=0
	shift 3
	timeout 30 "$N" run --name bad "$@" > "$T/bad.out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/bad.out" >&2; fail "$what: exit $rc, expected $want"; }
	grep -Eq -- "$pat" "$T/bad.out" || { cat "$T/bad.out" >&2; fail "$what: message"; }
	[ "$(wc -l < "$T/bad.out")" -le 3 ] || { cat "$T/bad.out" >&2; fail "$what: more than a short message"; }
	ok "$what"
}
G=(--nic1 generic --attach1 "stream:$T/bad.sock")
U=(--nicgenericdrv1 UDPTunnel)
refused "no driver" 2 'natd run: --nic1 generic needs --nicgenericdrv1 UDPTunnel or VDE' "${G[@]}"
refused "unknown driver" 2 "--nicgenericdrv1: unknown driver 'Tunnel' \(UDPTunnel or VDE\)" \
	"${G[@]}" --nicgenericdrv1 Tunnel
refused "unknown property" 2 "--nicproperty1 color: unknown property 'color' of the UDPTunnel driver \(sport, dest, dport\)" \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA --nicproperty1 color=red
refused "missing dport" 2 '--nicproperty1: the UDPTunnel driver needs sport=PORT, dest=HOST and dport=PORT \(missing: dport\)' \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA,dest=127.0.0.1
refused "missing sport" 2 '\(missing: sport\)' "${G[@]}" "${U[@]}" --nicproperty1 dest=127.0.0.1 --nicproperty1 dport=$PB
refused "missing dest" 2 '\(missing: dest\)' "${G[@]}" "${U[@]}" --nicproperty1 sport=$PA --nicproperty1 dport=$PB
refused "sport out of range" 2 '--nicproperty1 sport=70000: not a UDP port \(1-65535\)' \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=70000,dest=127.0.0.1,dport=$PB
refused "dport 0" 2 '--nicproperty1 dport=0: not a UDP port' \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA,dest=127.0.0.1,dport=0
refused "a property without a value" 2 "--nicproperty1: expected key=value" "${G[@]}" "${U[@]}" --nicproperty1 sport
refused "a VDE property on a UDP tunnel" 2 "unknown property 'network' of the UDPTunnel driver" \
	"${G[@]}" "${U[@]}" --nicproperty1 network=/tmp/x
refused "VDE without network" 2 '--nicproperty1: the VDE driver needs network=/path/to/switch\[PORT\] \(missing: network\)' \
	"${G[@]}" --nicgenericdrv1 VDE
refused "VDE switch that does not exist" 1 "nic1: --nicproperty1 network=$T/noswitch: no VDE switch at $T/noswitch" \
	"${G[@]}" --nicgenericdrv1 VDE --nicproperty1 "network=$T/noswitch"
refused "generic properties on a NAT adapter" 2 '--nicgenericdrv1: only with --nic1 generic' \
	--nic1 nat --attach1 "stream:$T/bad.sock" "${U[@]}"
refused "--nicproperty on an intnet adapter" 2 '--nicproperty1: only with --nic1 generic' \
	--nic1 intnet --attach1 "stream:$T/bad.sock" --nicproperty1 sport=1
refused "promiscuous policy on a generic adapter" 2 '--nicpromisc1: a generic adapter is on no switch' \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA,dest=127.0.0.1,dport=$PB --nicpromisc1 allow-all
refused "a host name that does not resolve" 1 '--nicproperty1 dest=no-such-host.invalid: cannot resolve' \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA,dest=no-such-host.invalid,dport=$PB
# The manual: "it is not possible to bind to ports below 1024 from
# applications that are not run by root ... the VM will refuse to start".
rc=0
setpriv --bounding-set -net_bind_service "$N" run --name bad "${G[@]}" "${U[@]}" \
	--nicproperty1 sport=999,dest=127.0.0.1,dport=$PB > "$T/priv.out" 2>&1 || rc=$?
expect_eq "sport 999 without the capability: exit 2" 2 "$rc"
check "  ... with the manual's reason" grep -q 'sport=999: on Unix hosts only root may bind ports below 1024' "$T/priv.out"
bg socat -u UDP4-RECV:$PA,bind=0.0.0.0 /dev/null
wait_for 5 listening - udp "0.0.0.0:$PA" || fail "socat did not bind"
refused "sport in use" 1 "nic1: --nicproperty1 sport=$PA: dgram:0.0.0.0:$PA,127.0.0.1:$PB: bind: Address already in use" \
	"${G[@]}" "${U[@]}" --nicproperty1 sport=$PA,dest=127.0.0.1,dport=$PB
kill "${_pids[-1]}"
wait_for 5 sh -c "! ss -Hlun 'src 0.0.0.0:$PA' | grep -q ." || fail "socat still bound"

# vm NAME NS TAP IP SPORT DEST DPORT [more]: a natd run on a tap moved into NS.
vm() {
	local name=$1 ns=$2 tap=$3 ip=$4 sport=$5 dest=$6 dport=$7
	shift 7
	natd_start "natd-$name" --name "$name" --nic1 generic --nicgenericdrv1 UDPTunnel \
		--nicproperty1 "sport=$sport" --nicproperty1 "dest=$dest" --nicproperty1 "dport=$dport" \
		--attach1 "tap:$tap" "$@"
	eval "PID_$name=$NATD_PID"
	tap_into_ns "$tap" "$ns"
	ip -n "$ns" addr replace "$ip/24" dev "$tap"
}
info() { "$N" showvminfo "$1" --machinereadable > "$T/$1.info" && sed -n "s/^$2=//p" "$T/$1.info" | tr -d '"'; }

# tunnel_case DEST [DEST_B]: both VMs over one tunnel, ping and TCP.
tunnel_case() {
	local dest=$1 ta="ua$ID" tb="ub$ID"
	vm vmA "$NSA" "$ta" $IPA $PA "$dest" $PB
	vm vmB "$NSB" "$tb" $IPB $PB "$dest" $PA
	check "[$dest] vmA pings vmB through the tunnel" wait_for 10 ip netns exec "$NSA" ping -q -c 1 -W 1 $IPB
	check "[$dest] vmB pings vmA" ip netns exec "$NSB" ping -q -c 3 -i 0.2 -W 1 $IPA
	bg ip netns exec "$NSB" socat -T 10 "TCP-LISTEN:7000,bind=$IPB,reuseaddr,fork" SYSTEM:'echo hello-from-B'
	wait_for 10 listening "$NSB" tcp "$IPB:7000" || fail "vmB's server did not start"
	expect_eq "[$dest] TCP vmA -> vmB" hello-from-B \
		"$(ip netns exec "$NSA" timeout 5 socat -T 3 -u "TCP:$IPB:7000" -)"
	expect_eq "[$dest] showvminfo: mode" generic "$(info vmA nics_1_mode)"
	expect_eq "[$dest] showvminfo: driver" UDPTunnel "$(info vmA nics_1_driver)"
	expect_eq "[$dest] showvminfo: property sport" $PA "$(info vmA nics_1_properties_sport)"
	expect_eq "[$dest] showvminfo: property dest" "$dest" "$(info vmA nics_1_properties_dest)"
	expect_eq "[$dest] showvminfo: property dport" $PB "$(info vmA nics_1_properties_dport)"
	local peer
	case "$dest" in *:*) peer="[::1]:$PB" ;; *) peer="127.0.0.1:$PB" ;; esac
	if [ "$dest" = localhost ]; then
		# resolved once at start, to ::1 or 127.0.0.1 as the resolver says
		case "$(info vmA nics_1_transport)" in
		"dgram:[::]:$PA,[::1]:$PB") peer="[::1]:$PB" ;;
		"dgram:0.0.0.0:$PA,127.0.0.1:$PB") peer="127.0.0.1:$PB" ;;
		*) fail "localhost resolved to $(info vmA nics_1_transport)" ;;
		esac
		ok "[localhost] resolved at start: $(info vmA nics_1_transport)"
	fi
	expect_eq "[$dest] showvminfo: the peer seen is vmB's socket" "$peer" "$(info vmA nics_1_peers_1_address)"
	check "[$dest] frames counted both ways" sh -c "[ $(info vmA nics_1_frames_to_network) -ge 5 ] && [ $(info vmA nics_1_frames_from_network) -ge 5 ]"
	kill "${_pids[-1]}" 2>/dev/null || true
	natd_stop "$PID_vmA"
	natd_stop "$PID_vmB"
	_natd_pids=()
}

tunnel_case 127.0.0.1
tunnel_case ::1
tunnel_case localhost

# Batching, a runt, a dead peer (IPv4 again).
vm vmA "$NSA" "ua$ID" $IPA $PA 127.0.0.1 $PB
vm vmB "$NSB" "ub$ID" $IPB $PB 127.0.0.1 $PA
check "vmA pings vmB" wait_for 10 ip netns exec "$NSA" ping -q -c 1 -W 1 $IPB
head -c 4000000 /dev/urandom > "$T/blob"
bg ip netns exec "$NSB" socat -u "TCP-LISTEN:7001,bind=$IPB,reuseaddr" "OPEN:$T/blob.got,creat,trunc"
wait_for 10 listening "$NSB" tcp "$IPB:7001" || fail "vmB's sink did not start"
ip netns exec "$NSA" timeout 60 socat -u "OPEN:$T/blob" "TCP:$IPB:7001" || fail "bulk transfer"
wait_for 10 sh -c "[ \$(stat -c %s '$T/blob.got' 2>/dev/null || echo 0) -eq 4000000 ]" || fail "4 MB did not arrive"
check "4 MB crossed the tunnel intact" cmp -s "$T/blob" "$T/blob.got"
txf=$(info vmA nics_1_network_tx_frames); txc=$(info vmA nics_1_network_send_calls)
rxf=$(info vmB nics_1_network_rx_frames); rxc=$(info vmB nics_1_network_recv_calls)
log "vmA sent $txf frames in $txc sendmmsg calls; vmB received $rxf frames in $rxc recvmmsg calls"
check "sendmmsg batches (fewer calls than frames)" test "$txc" -lt "$txf"
check "recvmmsg batches (fewer calls than frames)" test "$rxc" -lt "$rxf"
echo hi | socat -u - "UDP4-SENDTO:127.0.0.1:$PA"
check "a 3-byte datagram is dropped and counted" wait_for 5 sh -c "[ \$('$N' showvminfo vmA --machinereadable | sed -n 's/^nics_1_network_rx_dropped=//p') = 1 ]"
natd_stop "$PID_vmB"
ip netns exec "$NSA" ping -c 3 -i 0.2 -W 1 $IPB >/dev/null 2>&1 && fail "vmB answered after its natd stopped"
check "a dead peer: ICMP errors counted" wait_for 5 sh -c "[ \$('$N' showvminfo vmA --machinereadable | sed -n 's/^nics_1_network_peer_errors=//p') -ge 1 ]"
check "  ... and natd keeps running" kill -0 "$PID_vmA"
grep -q "the peer's side refused a frame" "$T/natd-vmA.log" && ok "  ... and says so in its log" || fail "no log line about the dead peer"
natd_stop "$PID_vmA"
done_testing
