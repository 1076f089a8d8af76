#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# NIC models (--nictype<x>) and default MACs (--macaddress<x>), VirtualBox
# manual 6.1:
#   - one natd with the six models on six stream adapters prints a QEMU
#     -device line for each, with the stand-ins for the two QEMU lacks;
#     QEMU (-S, quit through its monitor) takes all six lines at once,
#     connects to natd, and reports each card's model and MAC as printed;
#   - default MACs are 08:00:27:xx:xx:xx, the same for a VM and adapter on
#     every run, different for other adapters and VMs; a tap guest's
#     interface gets its adapter's MAC, and natd's DHCP server and an
#     internal network's switch see that MAC;
#   - a PCnet adapter (the default Am79C973) on NAT passes a 1514-byte frame
#     and drops a 1515- and a 4042-byte one from a kernel guest whose tap has
#     MTU 9000, counting them; an 82545EM adapter with natd's MTU at 9000
#     answers a 4000-byte ping and carries TCP both ways with offloads (GSO
#     segments longer than the MTU are not "oversize");
#   - on an internal network with MTU 9000 guests, 4000-byte pings pass
#     between an 82545EM and a virtio adapter, and the Am79C973 adapter
#     drops them both ways (to its VM and from it), counted on its side;
#   - bad --nictype and MTUs the model does not take are refused naming the
#     options, and nothing is created.
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (qemu-system-x86)"
N="$NATD_BIN"
# info VM KEY: the value of KEY in showvminfo --machinereadable, unquoted.
info() {
	local o
	o=$("$N" showvminfo "$1" --machinereadable) || return 1
	sed -n "s/^$2=//p" <<< "$o" | tr -d '"'
}
# snap VM: one showvminfo of VM kept for several keys (each natd client is a
# process; under ASan on a loaded machine they were much of the test's time);
# key VM KEY: KEY's value in VM's last snap, unquoted.
snap() { "$N" showvminfo "$1" --machinereadable > "$T/info.$1" || fail "showvminfo $1"; }
key() { sed -n "s/^$2=//p" "$T/info.$1" | tr -d '"'; }
mac_of() { ip -n "$1" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p'; }
is_vbox_mac() { [[ $1 =~ ^08:00:27:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$ ]]; }

# ---- the six models and QEMU ---------------------------------------------
declare -A QEMU_MODEL=([Am79C970A]=pcnet [Am79C973]=pcnet [82540EM]=e1000
	[82543GC]=e1000-82544gc [82545EM]=e1000-82545em [virtio]=virtio-net-pci)
TYPES=(Am79C970A Am79C973 82540EM 82543GC 82545EM virtio)
args=()
for i in 1 2 3 4 5 6; do
	args+=(--nic$i nat --nictype$i "${TYPES[i - 1]}" --attach$i "stream:$T/q$i.sock")
done
natd_start natd-six --name six "${args[@]}"
snap six
declare -A MAC1
for i in 1 2 3 4 5 6; do
	t=${TYPES[i - 1]} m=${QEMU_MODEL[${TYPES[i - 1]}]}
	line=$(grep -- "^  -netdev stream,id=nic$i,server=off,addr.type=unix,addr.path=$T/q$i.sock -device " \
		"$T/natd-six.log") || fail "no QEMU arguments printed for adapter $i"
	[[ $line =~ -device\ $m,netdev=nic$i,mac=([0-9a-f:]+)$ ]] ||
		fail "adapter $i ($t): expected -device $m,netdev=nic$i,mac=..., got '$line'"
	MAC1[$i]=${BASH_REMATCH[1]}
	ok "--nictype$i $t prints -device $m,netdev=nic$i,mac=${MAC1[$i]}"
	check "  ... showvminfo: type $t" test "$(key six nics_${i}_nic_type)" = "$t"
	check "  ... showvminfo: the same MAC" test "$(key six nics_${i}_nic_mac)" = "${MAC1[$i]}"
done
check "QEMU lacks the Am79C973: its Am79C970A stands in" \
	grep -q "nic2: QEMU has no Am79C973; its Am79C970A (-device pcnet, same guest driver) stands in" "$T/natd-six.log"
check "QEMU lacks the 82543GC: its 82544GC stands in" \
	grep -q "nic4: QEMU has no 82543GC; its 82544GC (-device e1000-82544gc, same guest driver) stands in" "$T/natd-six.log"
check "no stand-in note for the models QEMU has" \
	test "$(grep -c 'stands in' "$T/natd-six.log")" = 2

# QEMU takes the printed lines as they are: six cards on natd's sockets.
read -r -a qargs <<< "$(sed -n 's/^  \(-netdev stream,.*\)$/\1/p' "$T/natd-six.log" | tr '\n' ' ')"
printf 'info network\nquit\n' | timeout 60 qemu-system-x86_64 -M pc -nodefaults -display none -S \
	-monitor stdio "${qargs[@]}" > "$T/qemu.out" 2>&1 ||
	{ cat "$T/qemu.out" >&2; fail "QEMU refused the printed arguments"; }
ok "QEMU started with the six printed -netdev/-device pairs and quit through its monitor"
for i in 1 2 3 4 5 6; do
	m=${QEMU_MODEL[${TYPES[i - 1]}]}
	check "  ... QEMU's card $i: model=$m,macaddr=${MAC1[$i]}" \
		grep -q "type=nic,model=$m,macaddr=${MAC1[$i]}" "$T/qemu.out"
done
# natd accepts and logs on its own loop: QEMU may have quit before natd got
# to the six connections waiting in its listeners' backlogs (under ASan on a
# loaded machine that took longer than 10 s: the bound only stops a hang).
attached() { test "$(grep -c ': VM attached' "$T/natd-six.log")" = 6; }
check "  ... and all six connected to natd" wait_for 60 attached

# ---- default MACs ----------------------------------------------------------
declare -A seen
for i in 1 2 3 4 5 6; do
	is_vbox_mac "${MAC1[$i]}" || fail "adapter $i's MAC ${MAC1[$i]} is not 08:00:27:xx:xx:xx"
	[ -z "${seen[${MAC1[$i]}]:-}" ] || fail "adapters $i and ${seen[${MAC1[$i]}]} share ${MAC1[$i]}"
	seen[${MAC1[$i]}]=$i
done
ok "six adapters of one VM: six distinct MACs under 08:00:27"
natd_stop "$NATD_PID"
natd_start natd-six2 --name six "${args[@]}"
snap six
for i in 1 2 3 4 5 6; do
	check "same VM and adapter $i on the next run: ${MAC1[$i]}" \
		test "$(key six nics_${i}_nic_mac)" = "${MAC1[$i]}"
done
natd_stop "$NATD_PID"
natd_start natd-other --name other --nic1 nat --attach1 "stream:$T/o1.sock"
other=$(info other nics_1_nic_mac)
is_vbox_mac "$other" || fail "VM other's MAC $other"
check "another VM's adapter 1 has another MAC ($other)" test "$other" != "${MAC1[1]}"
natd_stop "$NATD_PID"

# ---- NAT: a PCnet drops frames over 1514 bytes ----------------------------
tap="pc$ID" ns=$(new_netns pcnet)
natd_start natd-pc --name pcvm --nic1 nat --attach1 "tap:$tap"
snap pcvm
check "the default type is Am79C973" test "$(key pcvm nics_1_nic_type)" = Am79C973
check "  ... without offloads" test "$(key pcvm nics_1_nic_offloads)" = false
check "  ... frames up to 1514 bytes" test "$(key pcvm nics_1_nic_max_frame)" = 1514
pcmac=$(key pcvm nics_1_nic_mac)
tap_into_ns "$tap" "$ns"
expect_eq "the tap guest's interface has the adapter's MAC" "$pcmac" "$(mac_of "$ns" "$tap")"
udhcpc_lease "$ns" "$tap" > "$T/lease.pc"
expect_eq "DHCP leased to that MAC" "$pcmac" "$(info pcvm nics_1_leases_1_mac)"
# The guest's card "has" jumbo frames: natd's PCnet must not pass them.
ip -n "$ns" link set "$tap" mtu 9000
pingsz() { ip netns exec "$1" ping -c 1 -W 2 -M do -s "$2" "$3" > /dev/null 2>&1; }
check "a 1514-byte frame passes (1472-byte ping)" pingsz "$ns" 1472 10.0.2.2
# The two oversize frames at once (each ping waits 2 s for its answer).
pingsz "$ns" 1473 10.0.2.2 & p1=$!
pingsz "$ns" 4000 10.0.2.2 & p2=$!
if wait "$p1"; then fail "a 1515-byte frame reached the gateway"; fi
ok "a 1515-byte frame is dropped (1473-byte ping unanswered)"
if wait "$p2"; then fail "a 4042-byte frame reached the gateway"; fi
ok "a 4042-byte frame is dropped (4000-byte ping unanswered)"
snap pcvm
expect_eq "  ... both counted (oversize_from_vm)" 2 "$(key pcvm nics_1_nic_oversize_from_vm)"
expect_eq "  ... nothing oversize went to the VM" 0 "$(key pcvm nics_1_nic_oversize_to_vm)"
check "and the guest still pings with small frames" pingsz "$ns" 56 10.0.2.2
natd_stop "$NATD_PID"

# ---- NAT: an 82545EM with natd's MTU at 9000 -------------------------------
new_remote
head -c 4194304 /dev/urandom > "$T/big.bin"
mkdir -p "$T/www" && cp "$T/big.bin" "$T/www/"
bg ip netns exec "$REMOTE_NS" busybox httpd -f -p 198.51.100.1:8080 -h "$T/www"
bg ip netns exec "$REMOTE_NS" socat -u TCP-LISTEN:9000,bind=198.51.100.1,reuseaddr \
	CREATE:"$T/up.bin"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:8080 || fail "httpd did not start"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9000 || fail "upload server did not start"
tap="in$ID" ns=$(new_netns intel)
natd_start natd-intel --name intelvm --nic1 nat --nictype1 82545EM --natsettings1 9000 \
	--attach1 "tap:$tap"
check "82545EM: the tap opened with TCP offloads" grep -q "attached to tap $tap (TCP offloads)" \
	"$T/natd-intel.log"
snap intelvm
check "  ... showvminfo: offloads" test "$(key intelvm nics_1_nic_offloads)" = true
check "  ... frames up to 9014 bytes (natd's MTU)" test "$(key intelvm nics_1_nic_max_frame)" = 9014
tap_into_ns "$tap" "$ns"
udhcpc_lease "$ns" "$tap" > "$T/lease.intel"
expect_eq "DHCP hands out MTU 9000" 9000 "$(lease_var "$T/lease.intel" mtu)"
check "a 4000-byte ping to the gateway is answered" pingsz "$ns" 4000 10.0.2.2
check "an 8972-byte ping (a 9014-byte frame) too" pingsz "$ns" 8972 10.0.2.2
ip netns exec "$ns" curl -sS --max-time 60 -o "$T/dl.bin" http://198.51.100.1:8080/big.bin ||
	fail "download to the 82545EM guest"
expect_eq "4 MiB download is byte-exact" "$(sha256sum < "$T/big.bin")" "$(sha256sum < "$T/dl.bin")"
ip netns exec "$ns" timeout 60 socat -u FILE:"$T/big.bin" TCP:198.51.100.1:9000 ||
	fail "upload from the 82545EM guest"
wait_for 20 sh -c "[ \"\$(stat -c %s '$T/up.bin' 2>/dev/null)\" = 4194304 ]" ||
	fail "upload incomplete: $(stat -c %s "$T/up.bin" 2>/dev/null) bytes"
expect_eq "4 MiB upload is byte-exact" "$(sha256sum < "$T/big.bin")" "$(sha256sum < "$T/up.bin")"
snap intelvm
expect_eq "  ... no frame counted oversize from the VM (GSO segments are not)" 0 \
	"$(key intelvm nics_1_nic_oversize_from_vm)"
expect_eq "  ... nor to it" 0 "$(key intelvm nics_1_nic_oversize_to_vm)"
natd_stop "$NATD_PID"

# ---- an internal network of MTU 9000 guests -------------------------------
declare -A NS TAP IP PID
IP[ja]=203.0.113.1 IP[jb]=203.0.113.2 IP[jc]=203.0.113.3
vm() { # vm NAME [natd options]: a natd run on intnet jumbo, its guest at MTU 9000
	local name=$1
	shift
	TAP[$name]="j${name}$ID"
	NS[$name]=$(new_netns "$name")
	natd_start "natd-$name" --name "$name" --nic1 intnet --intnet1 jumbo "$@" \
		--attach1 "tap:${TAP[$name]}"
	PID[$name]=$NATD_PID
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" link set "${TAP[$name]}" mtu 9000
	ip -n "${NS[$name]}" addr add "${IP[$name]}/24" dev "${TAP[$name]}"
}
vm ja --nictype1 82545EM
vm jb
vm jc --nictype1 virtio
_pids+=("$(cat "$NATD_HOME/run/intnet/jumbo.pid")")
check "intnet: the 82545EM takes frames up to 16124 bytes" test "$(info ja nics_1_nic_max_frame)" = 16124
check "intnet: virtio up to 65549" test "$(info jc nics_1_nic_max_frame)" = 65549
check "intnet: the Am79C973 up to 1514" test "$(info jb nics_1_nic_max_frame)" = 1514
check "small frames: ja pings jb" wait_for 30 pingsz "${NS[ja]}" 56 "${IP[jb]}"
check "small frames: jb pings jc" pingsz "${NS[jb]}" 56 "${IP[jc]}"
check "4042-byte frames: 82545EM -> virtio" pingsz "${NS[ja]}" 4000 "${IP[jc]}"
check "4042-byte frames: virtio -> 82545EM" pingsz "${NS[jc]}" 4000 "${IP[ja]}"
# Both directions at once (each ping waits 2 s for its answer); the two
# drops are counted on different sides of jb's adapter.
pingsz "${NS[ja]}" 4000 "${IP[jb]}" & p1=$!
pingsz "${NS[jb]}" 4000 "${IP[jc]}" & p2=$!
if wait "$p1"; then fail "a 4042-byte frame reached the Am79C973's VM"; fi
ok "82545EM -> Am79C973: 4000-byte ping unanswered"
if wait "$p2"; then fail "the Am79C973's VM sent a 4042-byte frame through"; fi
ok "Am79C973 -> virtio: 4000-byte ping unanswered"
snap jb
expect_eq "  ... the frame was dropped on its way to jb's VM" 1 "$(key jb nics_1_nic_oversize_to_vm)"
expect_eq "  ... dropped coming from jb's VM" 1 "$(key jb nics_1_nic_oversize_from_vm)"
snap ja
snap jc
expect_eq "  ... the jumbo adapters dropped nothing" "0 0 0 0" \
	"$(key ja nics_1_nic_oversize_from_vm) $(key ja nics_1_nic_oversize_to_vm) $(key jc nics_1_nic_oversize_from_vm) $(key jc nics_1_nic_oversize_to_vm)"
# What the switch sees: each port's MAC is its adapter's default MAC, which
# is the guest's own.
"$N" list intnets > "$T/intnets" 2>&1 || { cat "$T/intnets" >&2; fail "list intnets"; }
for v in ja jb jc; do
	m=$(key "$v" nics_1_nic_mac)
	is_vbox_mac "$m" || fail "$v's MAC $m"
	expect_eq "$v's guest interface has its adapter's MAC" "$m" "$(mac_of "${NS[$v]}" "${TAP[$v]}")"
	check "  ... and the switch lists $v's port with it" grep -q "$m" "$T/intnets"
done
for v in ja jb jc; do natd_stop "${PID[$v]}"; done

# ---- refusals ----------------------------------------------------------------
refused() { # refused PATTERN ARGS...: natd run exits 2 naming the option
	local pattern=$1
	shift
	NATD_HOME="$T/fresh" expect_refused "natd run $*" 2 "$pattern" "$N" run "$@"
	ok "refused: natd run $* -> $(head -n1 "$T/refused.err")"
}
refused "--nictype1: unknown NIC type 'rtl8139'" --nictype1 rtl8139
refused "--nictype3: unknown NIC type 'e1000'" --nic3 intnet --nictype3 e1000
refused "--natsettings1: mtu 9000 needs jumbo frames, which --nictype1 Am79C973" \
	--nic1 nat --natsettings1 9000
refused "--natsettings2: mtu 1501 needs jumbo frames, which --nictype2 Am79C970A" \
	--nic2 nat --natsettings2 1501 --nictype2 Am79C970A
refused "--natsettings1: mtu 16111 is more than --nictype1 82543GC" \
	--nictype1 82543GC --natsettings1 16111
check "nothing was created for refused command lines" test ! -e "$T/fresh"
done_testing
