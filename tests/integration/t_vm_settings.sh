#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# VM settings that persist (natd modifyvm, VirtualBox's words): a VM's
# adapter settings stored with modifyvm are what `natd run --name VM` starts
# from (a kernel guest on the stored tap gets a lease and is reached through
# the stored port forward with curl); showvminfo shows a stored VM stopped
# (settings, adapters) and running (settings and live state); list vms and
# list runningvms; modifyvm of a running VM is refused, naming controlvm for
# what changes live, and writes nothing; options given to run override the
# stored ones; --natpf<x> delete; --nic<x> none keeps the adapter's other
# settings; bad input is refused with nothing written; natd.json keeps NAT
# networks next to VMs; unregistervm forgets a VM.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
J="$NATD_HOME/natd.json"
info() { "$N" showvminfo "$1" --machinereadable > "$T/info.out" 2>&1 && grep -qx -- "$2" "$T/info.out"; }
refused() { # refused DESCRIPTION STATUS TEXT ARGS...
	local what=$1 want=$2 text=$3 rc
	shift 3
	set +e
	"$N" "$@" > "$T/refused.out" 2>&1
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "$what: exit status $rc, expected $want: $(cat "$T/refused.out")"
	grep -q -- "$text" "$T/refused.out" || fail "$what: message '$(cat "$T/refused.out")' lacks '$text'"
	ok "$what"
}

TAP="vs$ID"
NS=$(new_netns g)
check "modifyvm stores a NAT adapter on a tap with a port forward" \
	"$N" modifyvm vm1 --nic1 nat --attach1 "tap:$TAP" --natpf1 "web,tcp,127.0.0.1,18080,,8080"
check "natd.json has it under vms" grep -q '"vms"' "$J"
check "list vms shows it" sh -c "'$N' list vms | grep -qx '\"vm1\"'"
check "showvminfo of the stopped VM: not running" info vm1 'state="not running"'
check "... its adapter as run would start it" info vm1 "nics_1_attach=\"tap:$TAP\""
check "... its stored options" info vm1 'settings_3="--natpf1 web,tcp,127.0.0.1,18080,,8080"'

natd_start natd --name vm1
tap_into_ns "$TAP" "$NS"
guest_up "$NS" "$TAP"
http_client_echo "$NS" "TCP-LISTEN:8080"
wait_for 10 listening "$NS" tcp "0.0.0.0:8080" || fail "guest server did not start"
check "the stored port forward reaches the guest (curl)" \
	sh -c "curl -s --max-time 5 http://127.0.0.1:18080/ | grep -q client="
check "showvminfo of the running VM: live state" info vm1 'nics_1_vm_attached="true"'
check "... and its stored settings" info vm1 'settings_1="--nic1 nat"'
check "list runningvms shows it" sh -c "'$N' list runningvms | grep -qx '\"vm1\"'"
cp "$J" "$T/before.json"
refused "modifyvm of a running VM: natpf names controlvm" 1 "natd controlvm vm1 natpf1" \
	modifyvm vm1 --natpf1 "ssh,tcp,,12222,,22"
refused "modifyvm of a running VM: nictype needs it stopped" 1 "needs VM 'vm1' stopped first" \
	modifyvm vm1 --nictype1 virtio
refused "modifyvm of a running VM: nicbandwidthgroup names controlvm" 1 \
	"natd controlvm vm1 nicbandwidthgroup1" modifyvm vm1 --nicbandwidthgroup1 none
check "nothing was written" cmp -s "$J" "$T/before.json"
natd_stop "$NATD_PID"
check "list runningvms is empty after it stopped" sh -c "[ -z \"\$('$N' list runningvms)\" ]"

# Options given to run override the stored ones for that run.
natd_start natd2 --name vm1 --cableconnected1 off
check "run --cableconnected1 off overrides (stored: on)" info vm1 'nics_1_cable="false"'
natd_stop "$NATD_PID"
check "the stored settings did not change" cmp -s "$J" "$T/before.json"
# ... --nic<x> none too: a stored adapter disabled for one run (its stored
# --attach<x> is dropped, not refused)
check "modifyvm --nic2 nat --attach2 stream:..." \
	"$N" modifyvm vm1 --nic2 nat --attach2 "stream:$T/vm1-nic2.sock"
cp "$J" "$T/before.json"
natd_start natd3 --name vm1 --nic2 none
check "run --nic2 none overrides (stored: nat): no adapter 2" \
	sh -c "! '$N' showvminfo vm1 --machinereadable | grep -q nics_2_mode"
check "  ... adapter 1 still runs" info vm1 'nics_1_mode="nat"'
natd_stop "$NATD_PID"
check "  ... and the stored settings did not change" cmp -s "$J" "$T/before.json"
check "modifyvm --nic2 none" "$N" modifyvm vm1 --nic2 none
refused "an option of an adapter left none" 1 "--nictype3 given but --nic3 is none" \
	modifyvm vm1 --nictype3 virtio

check "modifyvm --natpf1 delete web" "$N" modifyvm vm1 --natpf1 delete web
check "the rule is gone" sh -c "! grep -q 'web,tcp' '$J'"
refused "deleting a rule that does not exist" 1 "has no such rule" modifyvm vm1 --natpf1 delete web
check "modifyvm --nic1 none" "$N" modifyvm vm1 --nic1 none
check "showvminfo: no adapter 1" sh -c "! '$N' showvminfo vm1 --machinereadable | grep -q nics_1_mode"
check "its other settings are kept" grep -q "tap:$TAP" "$J"
check "modifyvm --nic1 nat enables it again" "$N" modifyvm vm1 --nic1 nat
check "with the kept tap" info vm1 "nics_1_attach=\"tap:$TAP\""

# A mode change keeps the old mode's settings stored, unused (as VirtualBox
# does), and refuses new ones that the adapter's mode would not use.
check "modifyvm --natnet1 10.0.9.0/24" "$N" modifyvm vm1 --natnet1 10.0.9.0/24
check "modifyvm --nic1 intnet --intnet1 lan despite the stored --natnet1" \
	"$N" modifyvm vm1 --nic1 intnet --intnet1 lan
check "showvminfo: adapter 1 is intnet" info vm1 'nics_1_mode="intnet"'
check "the NAT network setting stays stored" grep -q '10.0.9.0/24' "$J"
cp "$J" "$T/before3.json"
refused "a NAT setting given to an intnet adapter" 1 \
	"--natpf1: adapter 1 is --nic1 intnet, and this is not one of its settings" \
	modifyvm vm1 --natpf1 "x,tcp,,12000,,22"
refused "a bridged setting given to an intnet adapter" 1 \
	"--bridgeadapter1: adapter 1 is --nic1 intnet" modifyvm vm1 --bridgeadapter1 lo
check "nothing was written by either" cmp -s "$J" "$T/before3.json"
natd_start natd4 --name vm1 --nic1 nat
check "run --nic1 nat over the stored intnet uses the stored --natnet1" \
	sh -c "'$N' showvminfo vm1 --machinereadable | grep -q '10\.0\.9\.'"
natd_stop "$NATD_PID"
check "modifyvm --nic1 nat again" "$N" modifyvm vm1 --nic1 nat
check "the intnet name stays stored too" grep -q '"lan"' "$J"

# Bad input: refused, nothing written.
cp "$J" "$T/before2.json"
refused "an unknown option" 2 "unknown option '--bogus1'" modifyvm vm1 --bogus1 x
refused "a bad NIC type, naming the option" 2 "--nictype1: unknown NIC type" modifyvm vm1 --nictype1 bogus
refused "an inconsistent result (intnet with a port forward)" 1 "adapter 1 is --nic1 intnet" \
	modifyvm vm1 --nic1 intnet --natpf1 "x,tcp,,12000,,22"
refused "a bad VM name" 2 "not a valid VM name" modifyvm "bad/name" --nic1 nat
refused "a missing value" 2 "missing value" modifyvm vm1 --nic1
refused "a bad value of a global option: a usage error" 2 \
	"--max-tcp-flows: expected a number from 1 to 1000000, not '0'" modifyvm vm1 --max-tcp-flows 0
refused "a bad property among good ones: a usage error" 2 \
	"--nicproperty1: expected key=value, not 'c'" modifyvm vm1 --nicproperty1 a=b,c
refused "an unknown option last, without a value: unknown" 2 "unknown option '--bogus1'" \
	modifyvm vm1 --nic1 nat --bogus1
refused "one MAC on two adapters" 1 \
	"--macaddress1 and --macaddress2 are the same (08:00:27:00:00:21): give each adapter" \
	modifyvm vm1 --nic2 null --macaddress1 080027000021 --macaddress2 080027000021
check "nothing was written by any of them" cmp -s "$J" "$T/before2.json"
# an adapter left none keeps its MAC stored without counting, until enabled
check "one MAC on adapter 1 and on adapter 2 left none: stored" "$N" modifyvm mv \
	--nic1 nat --attach1 "tap:mv$ID" --macaddress1 080027000031 --nic2 none --macaddress2 080027000031
cp "$J" "$T/before3.json"
refused "  ... enabling adapter 2 is refused, naming both" 1 \
	"--macaddress1 and --macaddress2 are the same (08:00:27:00:00:31)" modifyvm mv --nic2 null
check "  ... and writes nothing" cmp -s "$J" "$T/before3.json"
check "  ... run refuses it too" sh -c "! '$N' run --name mv --nic2 null 2> '$T/mv.err' &&
	grep -q -- '--macaddress1 and --macaddress2 are the same' '$T/mv.err'"
check "unregistervm mv" "$N" unregistervm mv

# What exists only on the host is checked at run, not at modifyvm (as
# VirtualBox does): run fails with one error line naming adapter and thing.
check "modifyvm --help says host things are checked when the VM starts" \
	sh -c "'$N' modifyvm --help | grep -q 'checked when the$'"
missing() { # missing VM TEXT MODIFYVM-ARGS...: stored, then run fails naming it
	local vm=$1 text=$2 rc=0
	shift 2
	check "modifyvm $vm $* (not checked yet): stored" "$N" modifyvm "$vm" "$@"
	"$N" run --name "$vm" > "$T/$vm.out" 2>&1 || rc=$?
	expect_eq "  ... natd run --name $vm: start-up failure" 1 "$rc"
	expect_eq "  ... one error line" 1 "$(grep -c 'error:' "$T/$vm.out")"
	check "  ... naming the adapter and what is missing" grep -qF "error: nic2: $text" "$T/$vm.out"
	check "unregistervm $vm" "$N" unregistervm "$vm"
}
missing mho "no host-only interface 'vboxnet7'" \
	--nic2 hostonly --hostonlyadapter2 vboxnet7 --attach2 "tap:mh$ID"
missing mnn "no NAT network 'nosuchnet'" \
	--nic2 natnetwork --nat-network2 nosuchnet --attach2 "tap:mn$ID"

# NAT networks and VMs share natd.json.
check "natnetwork add next to the stored VM" "$N" natnetwork add --netname nn --network 10.99.0.0/24
check "the VM is still stored" sh -c "'$N' list vms | grep -qx '\"vm1\"'"
check "modifyvm keeps the NAT network" "$N" modifyvm vm1 --nictype1 82545EM
check "natnetwork list still has it" sh -c "'$N' natnetwork list | grep -q nn"

refused "unregistervm of an unknown VM" 1 "no stored VM 'nosuch'" unregistervm nosuch
check "unregistervm vm1" "$N" unregistervm vm1
check "list vms is empty" sh -c "[ -z \"\$('$N' list vms)\" ]"
done_testing
