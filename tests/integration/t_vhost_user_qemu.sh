#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real QEMU VM on natd's vhost-user transport: Debian 12's QEMU 7.2 under
# TCG (no KVM needed) boots Debian's kernel with a small initramfs
# (vm_guest.sh) on a virtio-net-pci card whose vhost-user netdev is natd's
# socket, with the guest's memory shared (memory-backend-memfd), using the
# -chardev/-netdev/-device arguments natd prints. The guest takes a DHCP
# lease, downloads 4 MiB from a remote server byte-exact (natd writes into
# its receive ring) and serves 2 MiB of its own that the host fetches
# through a port forward byte-exact (natd reads its transmit ring); natd
# restarted: the guest sees its carrier go down and come back as QEMU
# reconnects (reconnect=1), takes its lease again from the new natd, and the
# forward works again; QEMU killed and started again: a new VM on the same
# socket gets its lease and its port forward (64 KiB byte-exact).
#
# `vectors=0` on the card: QEMU 7.2 without KVM dereferences a NULL pointer
# when a guest enables MSI-X on a vhost-user virtio-net-pci device
# (hw/virtio/virtio-pci.c: virtio_pci_set_guest_notifiers() ->
# msix_set_vector_notifiers() -> virtio_pci_vq_vector_unmask() ->
# kvm_virtio_pci_irqfd_use() reads proxy->vector_irqfd, allocated only with
# KVM's irqfds); with INTx the same guest runs (README, "vhost-user").
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (qemu-system-x86)"
command -v curl >/dev/null || fail "curl missing"
command -v socat >/dev/null || fail "socat missing"
cache=${NATD_VM_CACHE:-${HOME:-/root}/.cache/natd/vm-guest}
rc=0
"$NATD_SRC/tests/integration/vm_guest.sh" "$cache" > "$T/vm_guest.log" 2>&1 || rc=$?
if [ "$rc" = 3 ]; then
	echo "SKIP: no guest kernel: $(tail -n1 "$T/vm_guest.log")"
	exit 77
fi
[ "$rc" = 0 ] || { cat "$T/vm_guest.log" >&2; fail "building the guest image ($cache)"; }

new_remote
mkdir -p "$T/www"
head -c 4194304 /dev/urandom > "$T/www/big.bin"
big_sha=$(sha256sum < "$T/www/big.bin" | cut -d' ' -f1)
# The remote sends the file to whoever connects (the guest reads to EOF;
# -U: the file opened anew for each connection).
bg ip netns exec "$REMOTE_NS" socat -U TCP-LISTEN:9000,bind=198.51.100.1,reuseaddr,fork OPEN:"$T/www/big.bin"
wait_for 10 listening "$REMOTE_NS" tcp 198.51.100.1:9000 || fail "remote server did not start"

sock="$T/vu.sock"
natd_args=(--name vmq --nic1 nat --attach1 "vhost-user:$sock" --natpf1 "web,tcp,127.0.0.1,8089,,80" -v -v)
natd_start natd "${natd_args[@]}"

# The QEMU arguments natd printed, with the memory size filled in.
qargs=$(grep -o -- "-object memory-backend-memfd.*-device virtio-net-pci,netdev=nic1,mac=[0-9a-f:]*" \
	"$T/natd.log" | head -n1)
[ -n "$qargs" ] || fail "natd printed no QEMU arguments for vhost-user"
read -r -a qargs <<< "${qargs//size=SIZE/size=256M}"
ok "natd printed the QEMU arguments"

# qemu_start N GUEST-ARGS: boots the guest (serial console in $T/serial.N;
# GUEST-ARGS for vm_guest.sh's /init); sets QEMU_PID (QEMU's own, from its
# pid file: $! is timeout's).
qemu_start() {
	rm -f "$T/qemu.pid"
	timeout 280 qemu-system-x86_64 -pidfile "$T/qemu.pid" -machine q35 -accel tcg -m 256 -nodefaults -display none \
		-no-reboot -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
		-append "console=ttyS0 quiet $2" \
		-serial "file:$T/serial.$1" "${qargs[@]}" \
		-global virtio-net-pci.vectors=0 > "$T/qemu.$1.log" 2>&1 &
	_pids+=("$!")
	wait_for 30 test -s "$T/qemu.pid" || { cat "$T/qemu.$1.log" >&2; fail "QEMU did not start"; }
	QEMU_PID=$(cat "$T/qemu.pid")
	_pids+=("$QEMU_PID")
}
# serial_has N TEXT [COUNT]: the console of boot N shows TEXT (COUNT times).
serial_has() {
	[ "$(grep -c -F -- "$2" "$T/serial.$1" 2>/dev/null)" -ge "${3:-1}" ]
}
# guest_checks N BYTES-UP [BYTES-DOWN]: lease, download (when BYTES-DOWN),
# port forward of boot N.
guest_checks() {
	local n=$1 up got
	if ! wait_for 150 serial_has "$n" GUEST-READY; then
		cat "$T/qemu.$n.log" >&2
		tail -n 20 "$T/serial.$n" >&2
		fail "boot $n: the guest did not get ready within 150 s"
	fi
	check "boot $n: no 'unable to start vhost net' from QEMU" \
		bash -c "! grep -q 'unable to start vhost' '$T/qemu.$n.log'"
	check "boot $n: the guest's DHCP lease from natd (10.0.2.15, gateway .2, DNS .3)" \
		serial_has "$n" "GUEST-LEASE ip=10.0.2.15 router=10.0.2.2 dns=10.0.2.3"
	[ -z "${3:-}" ] || expect_eq "boot $n: $3 bytes from the remote server byte-exact in the guest" \
		"GUEST-GET $big_sha $3" "$(grep -a -o 'GUEST-GET.*' "$T/serial.$n" | tr -d '\r')"
	up=$(grep -a -o 'GUEST-UP-FILE [0-9a-f]*' "$T/serial.$n" | cut -d' ' -f2)
	[ -n "$up" ] || fail "boot $n: the guest printed no checksum of its file"
	got=$(curl -sS --max-time 120 http://127.0.0.1:8089/up.bin | sha256sum | cut -d' ' -f1)
	expect_eq "boot $n: the guest's $2 bytes through the port forward byte-exact" "$up" "$got"
}

# Boot 1.
qemu_start 1 "natd_get=198.51.100.1:9000 natd_up=2097152"
guest_checks 1 2097152 4194304
check "natd offered protocol features and QEMU enabled the rings" \
	grep -q "SET_VRING_ENABLE" "$T/natd.log"
check "natd logged the negotiated features" grep -q "vhost-user:$sock: features 0x" "$T/natd.log"
# QEMU's virtio-net offers the event index (bit 29) and indirect descriptors
# (bit 28) by default: the byte-exact transfers above ran with both.
feat=$(grep -F "vhost-user:$sock: features 0x" "$T/natd.log" | head -n1 | grep -o 'features 0x[0-9a-f]*')
feat=${feat#features }
check "QEMU took the event index and indirect descriptors ($feat)" \
	test $(( ${feat:-0} >> 28 & 3 )) = 3
check "the guest saw its carrier up" serial_has 1 "GUEST-CARRIER 1"

# natd restarts: QEMU shows the guest the link down, reconnects, link up.
natd_stop "$NATD_PID"
check "natd gone: the guest saw its carrier go down" wait_for 30 serial_has 1 "GUEST-CARRIER 0"
natd_start natd2 "${natd_args[@]}"
check "QEMU reconnected to the new natd and started the rings" \
	wait_for 60 grep -q "nic1: VM attached (vhost-user:$sock)" "$T/natd2.log"
check "the guest saw its carrier come back" wait_for 30 serial_has 1 "GUEST-CARRIER 1" 2
check "the guest's new DHCP request reached the new natd (its lease again)" \
	wait_for 30 grep -q "DHCP leased 10.0.2.15 to" "$T/natd2.log"
check "  ... and its answer reached the guest" wait_for 10 serial_has 1 "GUEST-LEASE ip=10.0.2.15" 2
got=""
for _ in $(seq 10); do
	got=$(curl -sS --max-time 10 http://127.0.0.1:8089/ok.txt 2>/dev/null || true)
	[ "$got" = GUEST-HTTP-OK ] && break
	sleep 1
done
expect_eq "the port forward reaches the guest again after natd's restart" GUEST-HTTP-OK "$got"

# QEMU killed: natd drops the connection; a new QEMU on the same socket.
kill -KILL "$QEMU_PID"
wait_for 10 bash -c "! kill -0 $QEMU_PID" || fail "QEMU still there after SIGKILL"
check "natd saw QEMU go" wait_for 10 grep -q "vhost-user:$sock: VM disconnected" "$T/natd2.log"
qemu_start 2 "natd_up=65536"
guest_checks 2 65536
kill "$QEMU_PID" 2>/dev/null || true
wait_for 10 bash -c "! kill -0 $QEMU_PID" || true
natd_stop "$NATD_PID"
done_testing
