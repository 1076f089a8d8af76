#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bash completion (dist/bash-completion/natd): sourced into this shell, its
# function is called as bash would call it on TAB, and COMPREPLY must hold
# stored VM names (natd modifyvm), running VMs (natd run), NAT network
# names, commands, subcommands, per-adapter options for every adapter
# number, modes, NIC types and attach spec prefixes.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
# shellcheck source=../../dist/bash-completion/natd
. "$NATD_SRC/dist/bash-completion/natd"
complete -p natd | grep -q -- '-F _natd' || fail "the completion did not register for natd"

# comp WORD...: completes the last word as bash would; prints the candidates.
comp() {
	COMP_WORDS=("$N" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_natd
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
has() { [[ " $2 " == *" $1 "* ]]; }

"$N" modifyvm webvm --nic1 nat >/dev/null
"$N" modifyvm dbvm --nic1 nat --nictype1 virtio >/dev/null
"$N" natnetwork add --netname lab --network 192.168.15.0/24 >/dev/null

expect_eq "a VM name completes (showvminfo w)" "webvm" "$(comp showvminfo w)"
expect_eq "both stored VMs offered (modifyvm)" "dbvm webvm" "$(comp modifyvm '')"
expect_eq "run --name completes a stored VM" "dbvm" "$(comp run --name d)"
expect_eq "commands complete (sh)" "showvminfo" "$(comp sh)"
r=$(comp '')
check "every command offered" has natnetwork "$r"
check "--version offered" has --version "$r"
r=$(comp modifyvm webvm --ni)
check "--nic1 offered" has --nic1 "$r"
check "--nic8 offered" has --nic8 "$r"
check "--nictype3 offered" has --nictype3 "$r"
expect_eq "modes of --nic2 (nat...)" "nat natnetwork" "$(comp modifyvm webvm --nic2 nat)"
expect_eq "NIC types of --nictype1" "virtio" "$(comp modifyvm webvm --nictype1 v)"
expect_eq "attach spec prefixes" "stream-connect: stream:" "$(comp run --attach1 st)"
expect_eq "vhost-user prefix" "vhost-user:" "$(comp run --attach4 vh)"
expect_eq "natnetwork subcommands" "add list modify remove start stop" "$(comp natnetwork '')"
expect_eq "a NAT network's name (start --netname)" "lab" "$(comp natnetwork start --netname '')"
expect_eq "a NAT network's name (--nat-network1=)" "lab" "$(comp run --nat-network1 = l)"
expect_eq "start's options" "--foreground" "$(comp natnetwork start --netname lab --f)"
check "list kinds (runningvms)" has runningvms "$(comp list '')"
expect_eq "promiscuous policies" "allow-all allow-vms" "$(comp modifyvm webvm --nicpromisc1 allow)"

# running VMs for controlvm, its subcommands per adapter
natd_start natd --name webvm --nic1 nat --attach1 "stream:$T/web.sock"
expect_eq "controlvm offers the running VM only" "webvm" "$(comp controlvm '')"
r=$(comp controlvm webvm setlink)
check "setlinkstate1 offered" has setlinkstate1 "$r"
check "setlinkstate8 offered" has setlinkstate8 "$r"
expect_eq "setlinkstate's values" "off on" "$(comp controlvm webvm setlinkstate1 '')"
natd_stop "$NATD_PID"
