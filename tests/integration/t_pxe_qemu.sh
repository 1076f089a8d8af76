#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real PXE boot through natd: QEMU (TCG, no disk) with the iPXE ROM of
# Debian's ipxe-qemu on a QEMU stream socket, natd serving only DHCP and TFTP
# for it (`natd run` with a TFTP root and a stream transport). The ROM's
# DHCP gets the boot file VM.pxe from natd, fetches it over TFTP and runs
# it: an iPXE script that prints a marker on the serial console and fetches
# a second file. Then, when OVMF is installed, the same with UEFI firmware:
# EDK2's own PXE client (option 93 says x64 UEFI) gets VM.efi, here the
# iPXE EFI binary of Debian's ipxe package, and starts it.
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (qemu-system-x86)"
[ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || fail "iPXE ROM missing (ipxe-qemu)"

root="$T/tftp"
mkdir -p "$root"
head -c 300000 /dev/urandom > "$root/stage2.bin"
cat > "$root/pxevm.pxe" <<'EOF'
#!ipxe
echo NATD-PXE-MARKER ip=${net0/ip} next-server=${next-server} file=${filename}
imgfetch tftp://${next-server}/stage2.bin && echo NATD-STAGE2-OK
exit
EOF
sock="$T/pxe.sock"
# natd as a boot server only: a TFTP root and a stream transport (README)
natd_start natd --name pxevm --attach1 "stream:$sock" --nattftpprefix1 "$root" -v -v

# qemu_boot LOG [qemu args...]: boots from the network with the serial
# console in LOG; QEMU ends when the firmware gives up and reboots
# (-no-reboot), or after 120 s at most.
qemu_boot() {
	local log=$1
	shift
	timeout 120 qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none \
		-serial "file:$log" -no-reboot -nodefaults \
		-netdev "stream,id=n1,server=off,addr.type=unix,addr.path=$sock" "$@" \
		> "$log.qemu" 2>&1
}

# SeaBIOS + iPXE: after the script's `exit` the BIOS finds nothing else to
# boot and reboots after 1 s, which ends QEMU.
set +e
qemu_boot "$T/serial.bios" -machine pc -boot order=n,reboot-timeout=1000 \
	-device virtio-net-pci,netdev=n1
rc=$?
set -e
[ "$rc" = 124 ] && { tail -c 3000 "$T/serial.bios" >&2; fail "QEMU did not finish within 120 s"; }
expect_eq "QEMU ended by itself" 0 "$rc"
check "iPXE got the boot file name from natd's DHCP" grep -q "Filename: pxevm.pxe" "$T/serial.bios"
check "iPXE ran VM.pxe fetched over TFTP (marker on the serial console)" \
	grep -q "NATD-PXE-MARKER ip=10.0.2.15 next-server=10.0.2.4 file=pxevm.pxe" "$T/serial.bios"
check "the script fetched a second file over TFTP" grep -q "NATD-STAGE2-OK" "$T/serial.bios"
check "natd logged the PXE client" grep -q "PXE client 52:54:00:12:34:56, architecture 0 (x86 BIOS): boot file pxevm.pxe" "$T/natd.log"
check "natd sent both files" sh -c "grep -q \"sent 'pxevm.pxe' to 10.0.2.15\" '$T/natd.log' &&
	grep -q \"sent 'stage2.bin' to 10.0.2.15:[0-9]*: 300000 bytes\" '$T/natd.log'"

# UEFI: EDK2's PXE (OVMF) on the same adapter.
ovmf=/usr/share/ovmf/OVMF.fd
efi=/usr/lib/ipxe/snponly.efi
if [ ! -e "$ovmf" ] || [ ! -e "$efi" ]; then
	log "SKIP UEFI boot: needs $ovmf (ovmf) and $efi (ipxe)"
else
	cp "$efi" "$root/pxevm.efi"
	cp "$ovmf" "$T/ovmf.fd" # OVMF writes its variables into the image
	uefi_started() { grep -q "iPXE initialising devices" "$T/serial.efi" 2>/dev/null; }
	qemu_boot "$T/serial.efi" -machine q35 -bios "$T/ovmf.fd" \
		-device virtio-net-pci,netdev=n1,romfile= &
	qpid=$!
	_pids+=("$qpid")
	wait_for 150 uefi_started || true
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	check "EDK2 PXE: natd offered VM.efi to the x64 UEFI client" \
		grep -q "PXE client 52:54:00:12:34:56, architecture 7 (x64 UEFI): boot file pxevm.efi" "$T/natd.log"
	check "natd sent VM.efi" grep -q "sent 'pxevm.efi' to 10.0.2.1[0-9]:[0-9]*: 173792 bytes" "$T/natd.log"
	check "the UEFI firmware started it (iPXE's banner on the serial console)" uefi_started
fi
natd_stop "$NATD_PID"
done_testing
