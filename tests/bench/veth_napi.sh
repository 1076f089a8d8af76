# SPDX-License-Identifier: MIT
#
# veth_napi.sh - sourced by the bench scripts (run.sh, vm_ab.sh,
# vhost_user.sh, qemu_hub.sh): how the veth between the NAT's side and the
# "remote" namespace is accounted.
#
# Without NAPI a veth hands a frame to its peer's receive in the sender's
# context: the softirq runs on the way out of the sender's system call and
# its CPU time goes to the sender (the kernel charges softirq time to
# whichever task runs, without CONFIG_IRQ_TIME_ACCOUNTING). Remote -> guest,
# the window update natd's recv() sends then runs the remote iperf3's TCP
# (its next transmission, the veth, natd's socket's receive) inside natd's
# recv(), and is counted as natd's CPU. A remote on a real network does that
# work on its own machine.
#
# Threaded NAPI (GRO on, so veth uses NAPI; then /sys/class/net/DEV/threaded)
# moves each direction's receive into the NAPI kthread of the receiving end
# ("napi/DEV-N"): a kernel thread that is no process we report, so natd,
# slirp4netns, passt and the QEMU processes are each charged with their own
# system calls only, alike.
#
# TSO goes off on both ends (veth_xmit() hands its peer's NAPI no TCP frame
# while the sending end has TSO). At the bench's veth MTU, 65520, that costs
# nothing: a segment is one MSS of ~64 KiB either way. Below that the
# sender's kernel cuts its segments in software (in the sender's system
# call): keep such veths in softirq accounting or count that in.
#
# veth_threaded DEV [NS]: threaded NAPI on DEV (in namespace NS); the link
# must be up. Prints the kthreads' PIDs it created, one a line, on stdout.
# Returns 1 with a message on stderr when the kernel cannot (no veth NAPI
# or no threaded NAPI: kernels before 5.12).
veth_threaded() {
	local dev=$1 ns=${2:-} ex=() before after p
	# /sys/class/net shows the namespace of whoever mounted /sys: "ip netns
	# exec" remounts it; in this namespace (lib.sh's unshare) mount our own.
	ex=(unshare --mount sh -c 'mount -t sysfs sysfs /sys && exec "$@"' sh)
	[ -n "$ns" ] && ex=(ip netns exec "$ns")
	before=" $(pgrep '^napi/' | tr '\n' ' ') "
	# veth_xmit() takes its peer's NAPI only for frames "eligible for GRO":
	# none of a TCP socket's while the sending end has TSO, so TSO goes off
	# (at MTU 65520 the kernel's segments are one MSS each anyway: software
	# GSO has nothing to cut).
	if ! "${ex[@]}" ethtool -K "$dev" gro on tso off > /dev/null 2>&1; then
		echo "veth_napi: ethtool -K $dev gro on tso off failed (ethtool missing?): the veth stays in softirq accounting" >&2
		return 1
	fi
	if ! "${ex[@]}" sh -c "echo 1 > /sys/class/net/$dev/threaded" 2> /dev/null ||
		[ "$("${ex[@]}" cat "/sys/class/net/$dev/threaded" 2> /dev/null)" != 1 ]; then
		echo "veth_napi: the kernel ($(uname -r)) has no threaded NAPI for $dev: the veth stays in softirq accounting" >&2
		return 1
	fi
	after=$(pgrep '^napi/' || true)
	for p in $after; do [[ $before == *" $p "* ]] || echo "$p"; done
}

# veth_softirq DEV [NS]: DEV back to the default (no NAPI, TSO on).
veth_softirq() {
	local ex=(unshare --mount sh -c 'mount -t sysfs sysfs /sys && exec "$@"' sh)
	[ -n "${2:-}" ] && ex=(ip netns exec "$2")
	"${ex[@]}" sh -c "echo 0 > /sys/class/net/$1/threaded" 2> /dev/null || true
	"${ex[@]}" ethtool -K "$1" gro off tso on > /dev/null 2>&1 || true
}

# veth_accounting H_DEV H_NS R_DEV R_NS MODE: both ends of the remote's veth
# threaded (MODE "threaded") or not ("softirq"). Sets VETH_ACCOUNTING (the
# mode in effect: "threaded" falls back to "softirq" with a message when the
# kernel cannot) and VETH_NAPI_PIDS (the kthreads, for napi_ticks).
veth_accounting() {
	local pids
	VETH_NAPI_PIDS= VETH_ACCOUNTING=softirq
	veth_softirq "$1" "$2"
	veth_softirq "$3" "$4"
	[ "$5" = threaded ] || return 0
	if pids=$(veth_threaded "$1" "$2") && VETH_NAPI_PIDS=$pids &&
		pids=$(veth_threaded "$3" "$4"); then
		VETH_NAPI_PIDS=$(echo $VETH_NAPI_PIDS $pids)
		VETH_ACCOUNTING=threaded
	else
		veth_softirq "$1" "$2"
		veth_softirq "$3" "$4"
		VETH_NAPI_PIDS=
	fi
}

# remote_veth MTU: lib.sh's new_remote veth (vh$ID, vr$ID in $REMOTE_NS) at
# MTU, its accounting threaded, or softirq with VETH_SOFTIRQ=1; logged.
remote_veth() {
	local acct=threaded
	ip link set "vh$ID" mtu "$1"
	ip -n "$REMOTE_NS" link set "vr$ID" mtu "$1"
	[ "${VETH_SOFTIRQ:-0}" = 1 ] && acct=softirq
	veth_accounting "vh$ID" "" "vr$ID" "$REMOTE_NS" "$acct"
	log "veth to the remote: $VETH_ACCOUNTING accounting${VETH_NAPI_PIDS:+ (NAPI kthreads $VETH_NAPI_PIDS)}"
}

# napi_ticks: CPU ticks (user + system) of the veth's NAPI kthreads so far.
napi_ticks() {
	local p n=0
	for p in $VETH_NAPI_PIDS; do
		n=$((n + $(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || echo 0)))
	done
	echo "$n"
}
