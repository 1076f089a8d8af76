#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad command lines: one clear message naming the option, exit status 2,
# nothing created on the host.
. "$(dirname "$0")/lib.sh"

# expect_refusal PATTERN ARGS...: natd run ARGS exits 2 with PATTERN on stderr.
expect_refusal() {
	local pattern=$1
	shift
	expect_refused "natd run $*" 2 "$pattern" "$NATD_BIN" run "$@"
	ok "refused: natd run $* -> $(head -n1 "$T/refused.err")"
}

expect_refusal "unknown option '--bogus1'" --bogus1 x
expect_refusal "adapter number must be 1 to 8" --nic9 nat
expect_refusal "--nic needs an adapter number" --nic nat
expect_refusal "--nic1: unknown mode 'natt'" --nic1 natt
expect_refusal "--attach1: " --nic1 nat --attach1 nowhere:x
expect_refusal "--natnet1: '10.0.2.1/24' has host bits set" --nic1 nat --natnet1 10.0.2.1/24
expect_refusal "--natnet1: prefix /30 out of range" --nic1 nat --natnet1 10.0.2.0/30
expect_refusal "--natnet1: '127.1.0.0/24' is not a unicast network" --nic1 nat --natnet1 127.1.0.0/24
expect_refusal "--natnet1: '224.1.0.0/24' is not a unicast network" --nic1 nat --natnet1 224.1.0.0/24
expect_refusal "--natsettings1: mtu 70000 out of range" --nic1 nat --natsettings1 70000
# VirtualBox's TCP windows: natd's are lwIP's, so a value would be ignored
expect_refusal "--natsettings1: tcprcv 256: natd's TCP windows are lwIP's" --nic1 nat --natsettings1 1500,64,64,,256
expect_refusal "--macaddress1: 'zz' is not a unicast MAC" --nic1 nat --macaddress1 zz
expect_refusal "--natdnsproxy1: expected on or off" --nic1 nat --natdnsproxy1 maybe
expect_refusal "--natpf1 \"ssh,tcp,,0,,22\": host port '0'" --nic1 nat --natpf1 "ssh,tcp,,0,,22"
expect_refusal "--natpf1 \"a,udp,,2222,,22\": rule name 'a': a rule with that name exists" --nic1 nat --natpf1 "a,tcp,,2222,,22" --natpf1 "a,udp,,2222,,22"
expect_refusal "--nic1 bridged needs --bridgeadapter1 IF" --nic1 bridged
expect_refusal "--natnet1 and --natnet2 overlap" --nic1 nat --nic2 nat --natnet2 10.0.2.0/24
expect_refusal "--name: '../x' is not a valid VM name" --name ../x
expect_refusal "--nic1: missing value" --nic1
expect_refusal "--macaddress1 and --macaddress2 are the same (08:00:27:00:00:11)" \
	--nic1 nat --nic2 null --macaddress1 080027000011 --macaddress2 08:00:27:00:00:11
expect_refusal "unknown option '--bogus' (see natd run --help)" --nic1 nat --bogus
check "nothing was created in NATD_HOME" test ! -e "$NATD_HOME"

"$NATD_BIN" run --help > "$T/help"
check "run --help documents --natsettings<x>" grep -q -- '--natsettings<x> mtu,socksnd' "$T/help"
check "run --help says tcpsnd and tcprcv are refused" grep -q 'tcpsnd, tcprcv (VirtualBox.s TCP windows) are' "$T/help"
"$NATD_BIN" --help > "$T/help"
check "natd --help lists run" grep -q '^  run ' "$T/help"
# controlvm --help lists what controlvm does (natd --help lists it too)
"$NATD_BIN" controlvm --help > "$T/help"
check "controlvm --help lists nicbandwidthgroup<x>" grep -q '^  nicbandwidthgroup<x> NAME|none ' "$T/help"
check "controlvm --help: nicpromisc<x> on hostonly and bridged adapters too" \
	grep -q 'intnet, hostonly or' "$T/help"
"$NATD_BIN" modifyvm --help > "$T/help"
check "modifyvm --help names --max-tcp-buffer, which it stores" grep -q -- '--max-tcp-buffer' "$T/help"
# bandwidthctl: a rate that does not parse is a usage error (2), as --type disk is
set +e; "$NATD_BIN" bandwidthctl vm1 add g --type network --limit 20x 2> "$T/err"; rc=$?; set -e
expect_eq "bandwidthctl --limit 20x exits 2" 2 "$rc"
check "  ... naming the rate" grep -q -- "--limit: '20x' is not a rate" "$T/err"
# natnetwork: an unknown option last on the line is unknown, not "missing value"
set +e; "$NATD_BIN" natnetwork add --netname x --network 192.168.77.0/24 --bogus 2> "$T/err"; rc=$?; set -e
expect_eq "natnetwork add --bogus exits 2" 2 "$rc"
check "  ... naming it unknown" grep -q "natd natnetwork add: unknown option '--bogus'" "$T/err"
set +e; "$NATD_BIN" natnetwork add --netname x --network 2> "$T/err"; rc=$?; set -e
check "natnetwork add --network without a value: missing value" grep -q -- "--network: missing value" "$T/err"
# the same for intnet and bandwidthctl
set +e; "$NATD_BIN" intnet modify --network lab --bogus 2> "$T/err"; rc=$?; set -e
expect_eq "intnet modify --bogus (last) exits 2" 2 "$rc"
check "  ... naming it unknown" grep -qx "natd intnet modify: unknown option '--bogus' (see natd intnet --help)" "$T/err"
set +e; "$NATD_BIN" intnet show --network 2> "$T/err"; rc=$?; set -e
check "intnet show --network without a value: missing value" grep -q -- "--network: missing value" "$T/err"
set +e; "$NATD_BIN" bandwidthctl vm1 add g --type network --limit 2> "$T/err"; rc=$?; set -e
expect_eq "bandwidthctl --limit without a value exits 2" 2 "$rc"
check "  ... saying so" grep -q -- "--limit: missing value" "$T/err"
# commands without arguments refuse one, naming it on one line
check "natd version prints the version" sh -c "'$NATD_BIN' version | grep -q '^natd '"
for c in version --version; do
	expect_refused --one-line "natd $c x" 2 "natd $c: unexpected argument 'x'" "$NATD_BIN" $c x
	ok "natd $c x refused"
done
for k in vms runningvms natnetworks intnets hostonlyifs dhcpservers; do
	expect_refused --one-line "natd list $k x" 2 "natd list $k: unexpected argument 'x'" \
		"$NATD_BIN" list $k x
	ok "natd list $k x refused"
done
expect_refused --one-line "natd unregistervm vm1 x" 2 "natd unregistervm: unexpected argument 'x'" \
	"$NATD_BIN" unregistervm vm1 x
ok "natd unregistervm vm1 x refused"
set +e; "$NATD_BIN" frobnicate 2> "$T/err"; rc=$?; set -e
expect_eq "unknown command exits 2" 2 "$rc"

# natd help CMD is natd CMD --help, byte for byte, exit 0
for c in run modifyvm unregistervm showvminfo controlvm natnetwork intnet dhcpserver \
	hostonlyif list bandwidthctl setextradata getextradata; do
	set +e; "$NATD_BIN" help $c > "$T/help1" 2> "$T/err"; rc=$?; set -e
	expect_eq "natd help $c exits 0" 0 "$rc"
	"$NATD_BIN" $c --help > "$T/help2"
	check "  ... and prints natd $c --help" cmp -s "$T/help1" "$T/help2"
	check "  ... which starts with its usage" grep -q "^Usage: natd $c" "$T/help1"
done
# every command's and subcommand's --help states its exit statuses
for c in run modifyvm unregistervm showvminfo controlvm intnet list bandwidthctl setextradata \
	getextradata "natnetwork add" "natnetwork modify" "natnetwork start" "natnetwork stop" \
	"natnetwork remove" "natnetwork list" "dhcpserver add" "dhcpserver modify" \
	"dhcpserver remove" "dhcpserver start" "dhcpserver stop" "dhcpserver restart" \
	"dhcpserver findlease" "hostonlyif create" "hostonlyif ipconfig" "hostonlyif modify" \
	"hostonlyif remove"; do
	"$NATD_BIN" $c --help > "$T/help1"
	check "natd $c --help states the exit statuses" grep -q '^Exit status: 0 ' "$T/help1"
done
"$NATD_BIN" help > "$T/help1"
"$NATD_BIN" --help > "$T/help2"
check "natd help alone is natd --help" cmp -s "$T/help1" "$T/help2"
expect_refused --one-line "natd help nosuch" 2 "natd help: unknown command 'nosuch'" \
	"$NATD_BIN" help nosuch
ok "natd help nosuch refused"
expect_refused --one-line "natd help run x" 2 "natd help: unexpected argument 'x'" \
	"$NATD_BIN" help run x
ok "natd help run x refused"

# controlvm: a bad subcommand or value is a usage error (2) whether or not
# the VM runs; a VM that does not run is a failure (1)
expect_refused --one-line "controlvm, unknown subcommand" 2 \
	"natd controlvm: unknown controlvm subcommand 'bogus1'" "$NATD_BIN" controlvm nosuchvm bogus1 x
ok "controlvm nosuchvm bogus1 x: usage error"
expect_refused --one-line "controlvm, bad value" 2 "natd controlvm: setlinkstate1: expected on or off" \
	"$NATD_BIN" controlvm nosuchvm setlinkstate1 maybe
ok "controlvm nosuchvm setlinkstate1 maybe: usage error"
expect_refused --one-line "controlvm, bad rule" 2 "natpf1 \"a,tcp,,0,,22\": host port '0'" \
	"$NATD_BIN" controlvm nosuchvm natpf1 "a,tcp,,0,,22"
ok "controlvm nosuchvm natpf1 with a bad rule: usage error"
expect_refused --one-line "controlvm, missing value" 2 "natd controlvm: nictrace1: expected on or off" \
	"$NATD_BIN" controlvm nosuchvm nictrace1
ok "controlvm nosuchvm nictrace1: usage error"
expect_refused --one-line "controlvm, VM not running" 1 "no natd is running VM 'nosuchvm'" \
	"$NATD_BIN" controlvm nosuchvm setlinkstate1 on
ok "controlvm of a VM that does not run: exit 1"
# modifyvm: a bad option or value is a usage error (2), VM stored or not
expect_refused --one-line "modifyvm, unknown option" 2 "unknown option '--bogus1'" \
	"$NATD_BIN" modifyvm vmx --bogus1 x
ok "modifyvm --bogus1: usage error"
expect_refused --one-line "modifyvm, bad value" 2 "--nic1: unknown mode 'natt'" \
	"$NATD_BIN" modifyvm vmx --nic1 natt
ok "modifyvm --nic1 natt: usage error"
expect_refused --one-line "modifyvm --user" 2 "--user is not stored: give it to natd run" \
	"$NATD_BIN" modifyvm vmx --user nobody
ok "modifyvm --user: refused as its help says (not stored)"
check "nothing was stored by them" test ! -e "$NATD_HOME/natd.json"
# help and parser agree: natnetwork list takes a PATTERN, not --netname
expect_refused --one-line "natnetwork list --netname" 2 \
	"natd natnetwork list: --netname is not an option of list" \
	"$NATD_BIN" natnetwork list --netname x
ok "natnetwork list --netname x refused (was accepted and ignored)"

# A transport that cannot be opened: exit 1 with the reason, not a crash.
set +e
"$NATD_BIN" run --nic1 nat --attach1 "stream:$T/no/such/dir/x.sock" > "$T/out" 2> "$T/err"
rc=$?
set -e
expect_eq "unopenable transport exits 1" 1 "$rc"
check "reason names the path" grep -q "$T/no/such/dir/x.sock" "$T/err"
done_testing
