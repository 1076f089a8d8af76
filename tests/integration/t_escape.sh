#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bytes from outside echoed in messages are escaped: a message about bad
# input is one line of valid UTF-8 in which each byte that is not valid
# UTF-8, and each control character (a terminal escape, a newline), shows
# as \xNN. Command-line errors of natd run, natnetwork, dhcpserver,
# showvminfo, list and unknown commands; a control-socket error reply
# printed by controlvm (also one cut inside a UTF-8 sequence); natd's log
# of a guest's TFTP request (tftp-hpa).
. "$(dirname "$0")/lib.sh"

command -v tftp >/dev/null || fail "tftp missing (tftp-hpa)"

# clean FILE: valid UTF-8 without control characters but newlines.
clean() {
	iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1 || { od -c "$1" >&2; return 1; }
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1" || { od -c "$1" >&2; return 1; }
}

# refused EXPECTED-RC PATTERN ARGS...: natd ARGS exits EXPECTED-RC with one
# clean line on stderr containing PATTERN (a fixed string).
refused() {
	local want=$1 pattern=$2 rc
	shift 2
	set +e
	timeout 10 "$NATD_BIN" "$@" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "natd $(printf '%q ' "$@")exited $rc, expected $want"
	clean "$T/err" || fail "natd $(printf '%q ' "$@")wrote raw bytes: see above"
	expect_eq "natd $(printf '%q ' "$@")writes one line" 1 "$(wc -l < "$T/err")"
	grep -qF -- "$pattern" "$T/err" || fail "expected '$pattern', got '$(cat "$T/err")'"
	ok "escaped: $(cat "$T/err")"
}

refused 2 "--name: 'a\\xffb' is not a valid VM name" run --name $'a\xffb'
refused 2 "--nic1: unknown mode 'n\\xffat\\x1b[31m'" run --nic1 $'n\xffat\x1b[31m'
refused 2 "rule name 'x\\xff\\x0ay'" run --natpf1 $'x\xff\ny,tcp,,1,,2'
refused 2 "--attach1: " run --nic1 nat --attach1 $'nowhere\xfe:x'
refused 2 "--netname: 'q\\xff' is not a valid network name" natnetwork add --netname $'q\xff' --network 10.9.0.0/24
refused 2 "network name '\\xfe\\xc3'" dhcpserver add --network=$'\xfe\xc3' --server-ip=10.9.0.1 --netmask=255.255.255.0 --lower-ip=10.9.0.10 --upper-ip=10.9.0.20
refused 2 "unknown command '\\xff\\x1b]0;title\\x07'" $'\xff\x1b]0;title\x07'
refused 2 "showvminfo: '\\xff' is not a valid VM name" showvminfo $'\xff'
refused 2 "unknown kind 'k\\xc3'" list $'k\xc3'
refused 2 "network name 'caf\\xe9'" dhcpserver add --network=$'caf\xe9' --server-ip=10.9.0.1 --netmask=255.255.255.0 --lower-ip=10.9.0.10 --upper-ip=10.9.0.20
refused 2 "network name 'café'" dhcpserver add --network='café' --server-ip=10.9.0.1 --netmask=255.255.255.0 --lower-ip=10.9.0.10 --upper-ip=10.9.0.20

# A running natd: controlvm's usage errors (checked by controlvm before it
# asks, exit 2), and its control socket's error reply for a refused change
# (exit 1), printed by controlvm.
tap="ne$ID"
ns=$(new_netns guest)
mkdir -p "$T/tftp"
natd_start natd --name vmesc --nic1 nat --attach1 "tap:$tap" --nattftpprefix1 "$T/tftp"
refused 2 "rule name 'a\\x1b[2J'" controlvm vmesc natpf1 $'a\x1b[2J,tcp,,18080,,80'
refused 2 "unknown controlvm subcommand 'natpf1\\x0a'" controlvm vmesc $'natpf1\n' "x"
refused 1 "no bandwidth group 'g\\x1b[2J'" controlvm vmesc nicbandwidthgroup1 $'g\x1b[2J'

# A reply cut to its 512 bytes inside a UTF-8 sequence is still valid JSON:
# the error is answered, not the connection dropped.
long=$(printf '\xc3\xa9%.0s' $(seq 400))
refused 2 'natd controlvm: natpf1 "éé' controlvm vmesc natpf1 "$long,tcp,,18080,,80"
refused 1 "natd controlvm: VM 'vmesc' has no bandwidth group 'éé" controlvm vmesc \
	nicbandwidthgroup1 "$long"
check "  ... natd had no trouble building it" sh -c "! grep -q 'control socket: out of memory' '$T/natd.log'"

# A guest's TFTP request for a name with such bytes: natd's log line about it.
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
ip netns exec "$ns" timeout 10 tftp 10.0.2.4 -c get $'bad\xff\x1b[31m.bin' "$T/got" > /dev/null 2>&1 || true
logged() { grep -qF "'bad\\xff\\x1b[31m.bin' refused" "$T/natd.log"; }
check "natd logs the guest's file name escaped" wait_for 5 logged
check "natd's log is clean" clean "$T/natd.log"
natd_stop "$NATD_PID"
done_testing
