#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vm_guest.sh DIR - a small Linux guest for the tests that boot a real VM
# under QEMU (t_vhost_user_qemu.sh): Debian's kernel (the package
# linux-image-amd64 depends on, fetched with `apt-get download` and
# unpacked, never committed) and an initramfs built here from the host's
# Debian's busybox-static (fetched the same way) and the kernel's virtio
# modules (lib_vm_guest.sh, shared with the bench's tests/bench/vm_image.sh).
# Writes DIR/vmlinuz and DIR/initrd.gz; DIR is a cache, kept while the kernel
# package and this script are unchanged. Exit 3 when the kernel cannot be
# fetched (no apt lists, archive unreachable): the caller skips.
#
# The guest's /init (output on the serial console, ttyS0):
#   - loads the virtio modules, finds the NIC, takes a DHCP lease with
#     udhcpc and prints  GUEST-LEASE ip=IP router=R dns=D;
#   - when the kernel command line has natd_get=HOST:PORT, reads what a TCP
#     connection there sends until the server closes it (busybox nc; its
#     wget crashes in such a minimal root, static or not) and prints
#     GUEST-GET <sha256> <bytes>  (or GUEST-GET-FAILED);
#   - writes natd_up=BYTES random bytes to /www/up.bin, prints
#     GUEST-UP-FILE <sha256>, and serves /www with busybox httpd on port 80;
#   - prints GUEST-READY, then GUEST-CARRIER 0|1 whenever the NIC's carrier
#     changes (polled every 0.2 s), until QEMU is killed; when the carrier
#     comes back it asks for a lease again (GUEST-LEASE), as a distribution's
#     network manager does.
set -euo pipefail

. "$(dirname "$0")/lib_vm_guest.sh"

guest_root() {
	mkdir -p "$1/www"
}

guest_init() {
	cat <<'EOF'
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
[ -n "$nic" ] || { echo "GUEST-NO-NIC"; exec sleep 100000; }
ip link set "$nic" up
udhcpc -q -n -i "$nic" -t 10 -T 2 -s /usr/share/udhcpc/default.script > /tmp/udhcpc.log 2>&1 ||
	echo "GUEST-NO-LEASE $(tail -n1 /tmp/udhcpc.log)"
get=$(arg natd_get)
if [ -n "$get" ]; then
	if printf '' | nc -w 60 "${get%:*}" "${get##*:}" > /tmp/get.bin 2> /tmp/nc.log; then
		echo "GUEST-GET $(sha256sum < /tmp/get.bin | cut -d' ' -f1) $(wc -c < /tmp/get.bin | tr -d ' ')"
	else
		echo "GUEST-GET-FAILED $(tail -n1 /tmp/nc.log)"
	fi
	rm -f /tmp/get.bin
fi
up=$(arg natd_up)
head -c "${up:-1024}" /dev/urandom > /www/up.bin
echo "GUEST-UP-FILE $(sha256sum < /www/up.bin | cut -d' ' -f1)"
echo "GUEST-HTTP-OK" > /www/ok.txt
httpd -p 80 -h /www
echo GUEST-READY
last=
while :; do
	c=$(cat /sys/class/net/$nic/carrier 2>/dev/null)
	[ "$c" != "$last" ] && echo "GUEST-CARRIER $c"
	if [ "$c" = 1 ] && [ "$last" = 0 ]; then
		udhcpc -q -n -i "$nic" -t 10 -T 2 -s /usr/share/udhcpc/default.script \
			> /tmp/udhcpc.log 2>&1 || echo "GUEST-NO-LEASE $(tail -n1 /tmp/udhcpc.log)"
	fi
	last=$c
	sleep 0.2
done
EOF
}

vmg_build "${1:?usage: vm_guest.sh DIR}" "$0" 150 GUEST-NOTE sh mount insmod ip udhcpc sleep cat \
	echo mkdir grep sed ls head cut tail wget sha256sum httpd wc tr nc printf
