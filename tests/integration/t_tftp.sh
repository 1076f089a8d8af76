#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# natd's TFTP server at 10.0.2.4 and the PXE side of its DHCP server, with
# real clients in a kernel guest: tftp-hpa (RFC 1350, 512-byte blocks) and
# atftp (blksize, tsize, windowsize). Byte-exact transfers of multi-megabyte
# files (one past 65535 blocks), a file of exactly N x 512 bytes, netascii,
# traversal attempts (.., absolute names, symlinks out, control bytes), a
# write request, transfers at once, a client that stops acknowledging (given
# up, descriptors freed), the boot file in DHCP (siaddr, file, UEFI by
# option 93, root created while natd runs, --nattftpserver/--nattftpfile).
. "$(dirname "$0")/lib.sh"

command -v tftp >/dev/null || fail "tftp missing (tftp-hpa)"
command -v atftp >/dev/null || fail "atftp missing (atftp)"
tap="nt$ID"
ns=$(new_netns guest)

root="$T/tftp"
mkdir -p "$root/sub"
head -c $((5 * 1024 * 1024 + 123)) /dev/urandom > "$root/big.bin"
head -c $((8 * 512)) /dev/urandom > "$root/exact.bin"
# one block past 65535 x 512 bytes: the block number rolls over to 0
head -c $((65536 * 512 + 77)) /dev/urandom > "$root/huge.bin"
printf 'line one\nline two\r\nbare cr\rend\n' > "$root/text.txt"
echo "inside" > "$root/sub/inner.txt"
echo "secret" > "$T/secret.txt"
ln -s sub/inner.txt "$root/link-in"
ln -s ../secret.txt "$root/link-out"
ln -s "$T/secret.txt" "$root/link-abs"
ln -s "$T" "$root/dir-out"
echo "#!ipxe" > "$root/vmtftp.pxe"

natd_start natd --name vmtftp --nic1 nat --attach1 "tap:$tap" --nattftpprefix1 "$root" -v -v
tap_into_ns "$tap" "$ns"
udhcpc_lease "$ns" "$tap" > "$T/lease"
expect_eq "DHCP next-server (siaddr) is the TFTP address" 10.0.2.4 "$(lease_var "$T/lease" siaddr)"
expect_eq "DHCP boot file is VM.pxe" vmtftp.pxe "$(lease_var "$T/lease" boot_file)"

g() { ip netns exec "$ns" "$@"; }
# hpa_get MODE REMOTE LOCAL: tftp-hpa's output (it prints errors, exits 0)
hpa_get() { g timeout 120 tftp -m "$1" 10.0.2.4 -c get "$2" "$3" 2>&1 || true; }
same() { cmp -s "$1" "$2"; }

hpa_get binary big.bin "$T/big.hpa" > /dev/null
check "tftp-hpa, 512-byte blocks: 5 MB byte-exact" same "$root/big.bin" "$T/big.hpa"
hpa_get binary exact.bin "$T/exact.hpa" > /dev/null
check "tftp-hpa: 8 x 512 bytes exactly (final empty block)" same "$root/exact.bin" "$T/exact.hpa"
check "natd sent 9 blocks for it" grep -q "sent 'exact.bin' to 10.0.2.15:[0-9]*: 4096 bytes" "$T/natd.log"
hpa_get ascii text.txt "$T/text.hpa" > /dev/null
check "tftp-hpa netascii: CR and LF survive the round trip" same "$root/text.txt" "$T/text.hpa"
hpa_get binary huge.bin "$T/huge.hpa" > /dev/null
check "tftp-hpa: 65537 blocks (block number rolls over) byte-exact" same "$root/huge.bin" "$T/huge.hpa"
rm -f "$T/huge.hpa"

at_get() { # at_get REMOTE LOCAL [atftp options...]
	local r=$1 l=$2
	shift 2
	g timeout 120 atftp "$@" -g -r "$r" -l "$l" 10.0.2.4 > "$T/atftp.out" 2>&1 || true
}
at_get big.bin "$T/big.at1" --option "blksize 1468" --option "tsize 0" --option "windowsize 16"
check "atftp blksize 1468, tsize, windowsize 16: byte-exact" same "$root/big.bin" "$T/big.at1"
check "negotiated as asked" grep -q "sent 'big.bin' .*(blksize 1468, window 16," "$T/natd.log"
at_get big.bin "$T/big.at2" --option "blksize 65464" --option "windowsize 200" --option "timeout 2"
check "atftp blksize 65464 (capped at the MTU), window 200 (capped at 64)" same "$root/big.bin" "$T/big.at2"
check "blksize capped at MTU 1500 - 32, window at 64" grep -q "sent 'big.bin' .*(blksize 1468, window 64," "$T/natd.log"
at_get exact.bin "$T/exact.at" --option "blksize 1024"
check "atftp: 4 x 1024 bytes, final empty block" same "$root/exact.bin" "$T/exact.at"
at_get link-in "$T/link-in.at"
check "a symlink inside the root is served" same "$root/sub/inner.txt" "$T/link-in.at"
at_get /sub/inner.txt "$T/abs-in.at"
check "an absolute name is read from the root" same "$root/sub/inner.txt" "$T/abs-in.at"

# Write requests: access violation, nothing written.
echo "upload" > "$T/up.txt"
out=$(g timeout 20 tftp -m binary 10.0.2.4 -c put "$T/up.txt" up.txt 2>&1 || true)
case "$out" in *"Error code 2"*) ok "write request refused with access violation" ;;
	*) fail "write request: tftp said '$out'" ;; esac
check "nothing written to the root" test ! -e "$root/up.txt"
check "the write request is logged" grep -q "write 'up.txt' refused" "$T/natd.log"

# Traversal attempts: refused, nothing outside the root leaves natd.
refused() { # refused NAME CODE: tftp-hpa reports TFTP error CODE
	local out
	out=$(hpa_get binary "$1" "$T/refused.out")
	case "$out" in *"Error code $2"*) ;; *) echo "# tftp said: $out" >&2; return 1 ;; esac
	! grep -q secret "$T/refused.out" 2>/dev/null
}
check "../secret.txt refused (access violation)" refused ../secret.txt 2
check "sub/../../secret.txt refused" refused sub/../../secret.txt 2
check "absolute path of a file outside: not found under the root" refused "$T/secret.txt" 1
check "symlink to ../secret.txt refused" refused link-out 2
check "symlink to an absolute path outside refused" refused link-abs 2
check "through a directory symlink out refused" refused dir-out/secret.txt 2
check "a missing file: file not found" refused nosuch.bin 1
check "a directory is not served" refused sub 2
check "refusals are logged with client and name" \
	grep -q "tftp: 10.0.2.15:[0-9]* read 'link-out' refused: access violation" "$T/natd.log"

# Control bytes in a name: ERROR 2 straight from port 69.
printf '\0\1a\tb\0octet\0' | g timeout 5 socat -t 2 - UDP4:10.0.2.4:69 | od -An -tx1 > "$T/ctl.err" || true
check "a name with a TAB gets ERROR 2" grep -Eq '^ *00 05 00 02' "$T/ctl.err"

# A client that stops acknowledging: natd retransmits with backoff, gives
# up, and frees the transfer (its pcb, file and timer).
pid=$NATD_PID
fds_before=$(ls /proc/$pid/fd | wc -l)
g bash -c 'printf "\0\1big.bin\0octet\0" > /dev/udp/10.0.2.4/69'
active() { "$NATD_BIN" showvminfo vmtftp --machinereadable | grep -q "^nics_1_tftp_transfers_active=\"\?$1\"\?$"; }
check "the silent client's transfer is active" wait_for 5 active 1
fds_during=$(ls /proc/$pid/fd | wc -l)
check "it holds the file open" test "$fds_during" -gt "$fds_before"

# Meanwhile other transfers run: three at once, next to the stalled one.
g timeout 120 atftp --option "blksize 1468" -g -r big.bin -l "$T/c1" 10.0.2.4 > /dev/null 2>&1 &
p1=$!
g timeout 120 tftp -m binary 10.0.2.4 -c get exact.bin "$T/c2" > /dev/null 2>&1 &
p2=$!
g timeout 120 atftp -g -r text.txt -l "$T/c3" 10.0.2.4 > /dev/null 2>&1 &
p3=$!
wait $p1 $p2 $p3 || true
check "concurrent transfer 1 byte-exact" same "$root/big.bin" "$T/c1"
check "concurrent transfer 2 byte-exact" same "$root/exact.bin" "$T/c2"
check "concurrent transfer 3 byte-exact" same "$root/text.txt" "$T/c3"
check "while the silent client's transfer was still active" active 1
gave_up() { grep -q "transfer of 'big.bin' to 10.0.2.15:[0-9]* failed after 0 bytes: timed out" "$T/natd.log"; }
check "natd gives up on the silent client (6 tries over ~31 s)" wait_for 60 gave_up
check "no transfer left" active 0
fds_after=$(ls /proc/$pid/fd | wc -l)
expect_eq "descriptors back to where they were" "$fds_before" "$fds_after"

"$NATD_BIN" showvminfo vmtftp --machinereadable > "$T/info"
check "showvminfo names the boot file" grep -q '^nics_1_tftp_boot_file="vmtftp.pxe"$' "$T/info"
minfo() { sed -n "s/^nics_1_tftp_$1=\"\{0,1\}\([0-9]*\)\"\{0,1\}$/\1/p" "$T/info"; }
expect_eq "showvminfo: 12 transfers done" 12 "$(minfo transfers_done)"
expect_eq "showvminfo: the silent client's failed" 1 "$(minfo transfers_failed)"
expect_eq "showvminfo: 10 requests refused" 10 "$(minfo requests_refused)"
# on the wire: netascii text.txt is 36 bytes, 31 in octet
expect_eq "showvminfo: bytes of the 12 transfers" $((4 * (5 * 1024 * 1024 + 123) + 65536 * 512 + 77 + 3 * 4096 + 36 + 31 + 2 * 7)) "$(minfo bytes)"

# PXE: a UEFI client (option 93) gets VM.efi once it exists.
echo "efi" > "$root/vmtftp.efi"
udhcpc_lease "$ns" "$tap" -V PXEClient:Arch:00007:UNDI:003016 -x 0x5d:0007 > "$T/lease.efi"
expect_eq "UEFI client (arch 7): boot file VM.efi" vmtftp.efi "$(lease_var "$T/lease.efi" boot_file)"
check "the architecture is logged" grep -q "PXE client .*architecture 7 (x64 UEFI): boot file vmtftp.efi" "$T/natd.log"
udhcpc_lease "$ns" "$tap" -V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000 > "$T/lease.bios"
expect_eq "BIOS client (arch 0): boot file VM.pxe" vmtftp.pxe "$(lease_var "$T/lease.bios" boot_file)"
natd_stop "$NATD_PID"

# Default root $NATD_HOME/TFTP: no boot file until it exists; then at once.
tap="nu$ID"
natd_start natd2 --name vm2 --nic1 nat --attach1 "tap:$tap"
tap_into_ns "$tap" "$ns"
udhcpc_lease "$ns" "$tap" > "$T/lease2"
expect_eq "no TFTP root: no boot file" "" "$(lease_var "$T/lease2" boot_file)"
mkdir -p "$NATD_HOME/TFTP"
printf 'hello\n' > "$NATD_HOME/TFTP/vm2.pxe"
udhcpc_lease "$ns" "$tap" > "$T/lease3"
expect_eq "root created while natd runs: boot file vm2.pxe" vm2.pxe "$(lease_var "$T/lease3" boot_file)"
hpa_get binary vm2.pxe "$T/vm2.pxe" > /dev/null
check "served from \$NATD_HOME/TFTP" same "$NATD_HOME/TFTP/vm2.pxe" "$T/vm2.pxe"
natd_stop "$NATD_PID"

# --nattftpserver and --nattftpfile: what DHCP hands out.
tap="nv$ID"
natd_start natd3 --name vm3 --nic1 nat --attach1 "tap:$tap" --nattftpserver1 192.0.2.69 \
	--nattftpfile1 boot/pxelinux.0
tap_into_ns "$tap" "$ns"
udhcpc_lease "$ns" "$tap" > "$T/lease4"
expect_eq "--nattftpserver: next-server" 192.0.2.69 "$(lease_var "$T/lease4" siaddr)"
expect_eq "--nattftpfile: boot file" boot/pxelinux.0 "$(lease_var "$T/lease4" boot_file)"
natd_stop "$NATD_PID"

# Bad TFTP options stop natd before it starts.
set +e
"$NATD_BIN" run --nic1 nat --nattftpprefix1 "$T/none" > "$T/bad.out" 2>&1
rc=$?
set -e
expect_eq "a missing --nattftpprefix is a usage error" 2 "$rc"
check "naming the option" grep -q -- "--nattftpprefix1: $T/none: No such file or directory" "$T/bad.out"
done_testing
