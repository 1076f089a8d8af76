#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An external TFTP server through the NAT (--nattftpserver pointing outside
# the NAT network): dnsmasq's TFTP server in the remote namespace answers
# each request from a port of its own, as most servers do. The guest gets
# the next-server and boot file by DHCP, then fetches files with tftp-hpa
# (512-byte lock-step) and atftp (blksize, windowsize) over IPv4, and with
# tftp-hpa over IPv6; byte-exact. natd's flows show the request and the
# data flow; a datagram from another host to the request's socket is
# dropped and counted.
. "$(dirname "$0")/lib.sh"

command -v tftp >/dev/null || fail "tftp missing (tftp-hpa)"
command -v atftp >/dev/null || fail "atftp missing (atftp)"
command -v dnsmasq >/dev/null || fail "dnsmasq missing (dnsmasq-base)"
new_remote
root="$T/remote-tftp"
mkdir -p "$root/boot"
head -c $((3 * 1024 * 1024 + 77)) /dev/urandom > "$root/boot/pxelinux.0"
head -c 1000 /dev/urandom > "$root/small.bin"
# port=0: no DNS; TFTP on 198.51.100.1 and 2001:db8:100::1, data from
# ephemeral ports (dnsmasq's default)
bg ip netns exec "$REMOTE_NS" dnsmasq --keep-in-foreground --port=0 --no-resolv --no-hosts \
	--bind-interfaces --listen-address=198.51.100.1 --listen-address=2001:db8:100::1 \
	--enable-tftp --tftp-root="$root" --pid-file="$T/dnsmasq.pid" --user=root --log-facility=- \
	> "$T/dnsmasq.log" 2>&1
wait_for 10 listening "$REMOTE_NS" udp 198.51.100.1:69 || { cat "$T/dnsmasq.log"; fail "dnsmasq TFTP did not start"; }

tap="tn$ID"
ns=$(new_netns guest)
guest6_sysctls "$ns"
natd_start natd --name vmtn --nic1 nat --attach1 "tap:$tap" --nattftpserver1 198.51.100.1 \
	--nattftpfile1 boot/pxelinux.0
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"
siaddr=$(lease_var "$T/lease.$tap" siaddr)
file=$(lease_var "$T/lease.$tap" boot_file)
expect_eq "DHCP next-server: the external server" 198.51.100.1 "$siaddr"
expect_eq "DHCP boot file" boot/pxelinux.0 "$file"

g() { ip netns exec "$ns" "$@"; }
out=$(g timeout 120 tftp -m binary "$siaddr" -c get "$file" "$T/hpa.bin" 2>&1 || true)
check "tftp-hpa fetches the boot file from the external server, byte-exact" \
	cmp -s "$root/boot/pxelinux.0" "$T/hpa.bin"
[ -z "$out" ] || echo "# tftp said: $out"
"$NATD_BIN" showvminfo vmtn --machinereadable > "$T/info"
gport=$(sed -n 's/^nics_1_flows_[0-9]*_guest="10.0.2.15:\([0-9]*\)"$/\1/p' "$T/info" | head -n1)
check "natd shows the request flow to port 69" \
	grep -qx "nics_1_flows_[0-9]*_remote=\"198.51.100.1:69\"" "$T/info"
check "  ... and the data flow from the server's own port, same guest port" sh -c \
	"grep -c 'guest=\"10.0.2.15:$gport\"' '$T/info' | grep -qx 2 &&
	 grep -E 'remote=\"198.51.100.1:[0-9]+\"' '$T/info' | grep -vq ':69\"'"
# A datagram from another host to the request flow's host socket (the only
# unconnected UDP socket natd has) is dropped and counted.
hport=$(ss -Huanp | awk '/"natd"/ && $5 ~ /:\*$/ { n = split($4, a, ":"); print a[n]; exit }')
[ -n "$hport" ] || { ss -Huanp >&2; fail "no unconnected natd socket found"; }
ip -n "$REMOTE_NS" addr add 198.51.100.9/24 dev "vr$ID"
echo intruder | ip netns exec "$REMOTE_NS" socat -u - "UDP:198.51.100.2:$hport,bind=198.51.100.9"
# (Output captured first: with pipefail, grep -q quitting early can SIGPIPE a
# slow showvminfo, ASan's, and fail the pipeline though the line was there.)
filtered() {
	local info
	info=$("$NATD_BIN" showvminfo vmtn --machinereadable) || return 1
	grep -qx "drops_tftp_filtered=$1" <<< "$info"
}
check "a datagram from another host to it is dropped and counted" wait_for 5 filtered 1
g timeout 120 atftp --option "blksize 1428" --option "windowsize 8" -g -r small.bin \
	-l "$T/at.bin" "$siaddr" > "$T/atftp.out" 2>&1 || true
check "atftp with blksize and windowsize, byte-exact" cmp -s "$root/small.bin" "$T/at.bin"
g timeout 120 atftp -g -r boot/pxelinux.0 -l "$T/at2.bin" "$siaddr" > "$T/atftp2.out" 2>&1 || true
check "atftp, 3 MB in 512-byte blocks, byte-exact" cmp -s "$root/boot/pxelinux.0" "$T/at2.bin"

# IPv6: the host has a global address (2001:db8:100::2), so natd is the
# guest's default router.
has_default() { ip -n "$ns" -6 route show default | grep -q 'via fe80::2'; }
check "the guest has an IPv6 default route via natd" wait_for 10 has_default
# tftp-hpa resolves its server with AI_ADDRCONFIG: until the guest's SLAAC
# address has passed duplicate address detection, even a literal IPv6
# address is "unknown host" (seen once under ASan).
has_global6() {
	ip -n "$ns" -6 addr show scope global | grep -q inet6 &&
		! ip -n "$ns" -6 addr show scope global tentative | grep -q inet6
}
check "the guest's global IPv6 address is past DAD" wait_for 10 has_global6
wait_for 10 listening "$REMOTE_NS" udp "[2001:db8:100::1]:69" || fail "dnsmasq TFTP on IPv6 missing"
out=$(g timeout 60 tftp -6 -m binary 2001:db8:100::1 -c get small.bin "$T/hpa6.bin" 2>&1 || true)
[ -z "$out" ] || echo "# tftp -6 said: $out"
check "tftp-hpa over IPv6 through the NAT, byte-exact" cmp -s "$root/small.bin" "$T/hpa6.bin"
check "nothing else filtered" filtered 1
natd_stop "$NATD_PID"
done_testing
