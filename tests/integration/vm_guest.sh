#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vm_guest.sh DIR - a small Linux guest for the tests that boot a real VM
# under QEMU (t_vhost_user_qemu.sh): Debian's kernel (the package
# linux-image-amd64 depends on, fetched with `apt-get download` and
# unpacked, never committed) and an initramfs built here from the host's
# Debian's busybox-static (fetched the same way) and the kernel's virtio
# modules.
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

DIR=${1:?usage: vm_guest.sh DIR}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
cd "$DIR"

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "vm_guest.sh: linux-image-amd64 not in the apt lists (apt-get update)" >&2; exit 3; }
MODS="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mmio
	failover net_failover virtio_net"
if [ ! -s vmlinuz ] || [ ! -d mods ] || [ ! -x busybox ] ||
	[ "$(cat kernel.pkg 2>/dev/null)" != "$kpkg" ]; then
	rm -rf dl k mods bb busybox && mkdir -p dl mods
	# apt-get download drops privileges to _apt: the directory must be its
	chmod 0777 dl
	(cd dl && timeout 150 apt-get download "$kpkg" busybox-static > dl.log 2>&1) ||
		{ echo "vm_guest.sh: apt-get download $kpkg busybox-static failed: $(tail -n1 dl/dl.log)" >&2; exit 3; }
	dpkg-deb -x dl/linux-image-*.deb k
	dpkg-deb -x dl/busybox-static_*.deb bb
	cp bb/bin/busybox busybox
	all=$(find k/lib/modules -name '*.ko')
	for m in $MODS; do
		f=$(echo "$all" | grep "/$m\.ko$" | head -n1)
		[ -n "$f" ] || { echo "vm_guest.sh: module $m.ko not in $kpkg" >&2; exit 1; }
		cp "$f" mods/
	done
	cp k/boot/vmlinuz-* vmlinuz.tmp && mv vmlinuz.tmp vmlinuz
	echo "$kpkg" > kernel.pkg
	rm -rf dl k bb initrd.gz
fi
[ -s initrd.gz ] && [ initrd.gz -nt "$SELF" ] && [ initrd.gz -nt kernel.pkg ] && exit 0

R=$DIR/root
rm -rf "$R"
mkdir -p "$R"/{bin,dev,proc,sys,tmp,etc,www,lib/modules,usr/share/udhcpc}
cp busybox "$R/bin/busybox"
for a in sh mount insmod ip udhcpc sleep cat echo mkdir grep sed ls head cut tail wget \
	sha256sum httpd wc tr nc printf; do
	ln -sf busybox "$R/bin/$a"
done
cp mods/*.ko "$R/lib/modules/"
cat > "$R/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
	echo "GUEST-LEASE ip=$ip router=$router dns=$dns" > /dev/console ;;
esac
exit 0
EOF
chmod +x "$R/usr/share/udhcpc/default.script"
cat > "$R/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec > /dev/console 2>&1
# Twice: a module whose dependency is not in yet loads on the second pass.
for pass in 1 2; do
	for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
		virtio_mmio failover net_failover virtio_net; do
		grep -q "^$m " /proc/modules && continue
		insmod /lib/modules/$m.ko 2>/dev/null
	done
done
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
ip link set lo up
i=0
while [ $i -lt 100 ]; do
	nic=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
	[ -n "$nic" ] && break
	sleep 0.1; i=$((i + 1))
done
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
chmod +x "$R/init"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$DIR/initrd.gz.tmp")
mv "$DIR/initrd.gz.tmp" "$DIR/initrd.gz"
rm -rf "$R"
