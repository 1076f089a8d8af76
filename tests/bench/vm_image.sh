#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vm_image.sh DIR - a small VM for the benchmark's "vm" phase: Debian's
# kernel (linux-image-amd64's vmlinuz, fetched with apt-get download and
# unpacked, never committed) and an initramfs built here: busybox (static),
# iperf3 with the libraries ldd names, the virtio-net modules, and an /init
# that takes an address by DHCP and runs iperf3 as the kernel command line
# says. Writes DIR/vmlinuz and DIR/initrd.gz; DIR is a cache (kept when the
# kernel package is the same). Needs root only for apt-get download's
# sandbox; any user can run the result.
#
# The guest's kernel command line: natd_bench=SERVER:DIR:SECONDS[:MTU] with
# DIR g2r (the guest sends) or r2g (iperf3 -R). /init prints
#   BENCH-BEGIN, BENCH-DONE when iperf3 has finished (then waits 2 s),
# BENCH-JSON followed by iperf3's JSON, then BENCH-END on the console
# (ttyS0), and powers off.
set -euo pipefail

DIR=${1:?usage: vm_image.sh DIR}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
cd "$DIR"

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "vm_image.sh: linux-image-amd64 not in the apt lists (apt-get update)" >&2; exit 1; }
if [ ! -s vmlinuz ] || [ "$(cat kernel.pkg 2>/dev/null)" != "$kpkg" ]; then
	rm -rf dl k bb && mkdir -p dl
	(cd dl && timeout 600 apt-get download "$kpkg" busybox-static > /dev/null 2>&1) ||
		{ echo "vm_image.sh: apt-get download $kpkg busybox-static failed" >&2; exit 1; }
	dpkg-deb -x dl/linux-image-*.deb k
	dpkg-deb -x dl/busybox-static_*.deb bb
	cp k/boot/vmlinuz-* vmlinuz
	echo "$kpkg" > kernel.pkg
	rm -f initrd.gz
fi
[ -s initrd.gz ] && [ initrd.gz -nt "$SELF" ] && exit 0

R=$DIR/root
rm -rf "$R"
mkdir -p "$R"/{bin,dev,proc,sys,tmp,etc,lib/modules,lib64,usr/share/udhcpc}
cp bb/bin/busybox "$R/bin/busybox"
for a in sh mount insmod ip udhcpc sleep cat echo poweroff mkdir ifconfig route grep sed ls \
	head cut tail; do
	ln -sf busybox "$R/bin/$a"
done
cp /usr/bin/iperf3 "$R/bin/iperf3"
ldd /usr/bin/iperf3 | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | while read -r l; do
	mkdir -p "$R$(dirname "$l")"
	cp -L "$l" "$R$l"
done
mods=$(find k/lib/modules -name '*.ko')
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover \
	net_failover virtio_net; do
	f=$(echo "$mods" | grep "/$m\.ko$" | head -n1)
	[ -n "$f" ] || { echo "vm_image.sh: module $m not in $kpkg" >&2; exit 1; }
	cp "$f" "$R/lib/modules/"
done
cat > "$R/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done ;;
esac
exit 0
EOF
chmod +x "$R/usr/share/udhcpc/default.script"
cat > "$R/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# Twice: a module whose dependency is not in yet loads on the second pass.
for pass in 1 2; do
	for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
		failover net_failover virtio_net; do
		grep -q "^$m " /proc/modules && continue
		if [ $pass = 1 ]; then insmod /lib/modules/$m.ko 2>/dev/null
		else insmod /lib/modules/$m.ko || echo "BENCH-NOTE insmod $m failed"; fi
	done
done
arg=$(sed -n 's/.*natd_bench=\([^ ]*\).*/\1/p' /proc/cmdline)
srv=${arg%%:*}; rest=${arg#*:}; dir=${rest%%:*}; rest=${rest#*:}; secs=${rest%%:*}
mtu=; case $rest in *:*) mtu=${rest#*:} ;; esac
ip link set lo up
# The NIC appears when its driver has probed it (10 s at most).
i=0
while [ $i -lt 100 ]; do
	nic=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
	[ -n "$nic" ] && break
	sleep 0.1; i=$((i + 1))
done
[ -n "$nic" ] || echo "BENCH-NOTE no network interface; modules: $(cat /proc/modules | cut -d' ' -f1)"
ip link set "$nic" up
[ -n "$mtu" ] && ip link set "$nic" mtu "$mtu"
udhcpc -q -n -i "$nic" -t 5 -T 2 -s /usr/share/udhcpc/default.script > /tmp/udhcpc.log 2>&1 ||
	{ ip addr add 10.0.2.15/24 dev "$nic"; ip route add default via 10.0.2.2; }
# Both NATs' gateway (the DHCP script sets it too).
ip route | grep -q '^default' || ip route add default via 10.0.2.2 dev "$nic"
echo "BENCH-NOTE $nic: $(ip -o -4 addr show dev "$nic" | sed 's/  */ /g'); $(ip route | head -n2)"
echo "BENCH-NOTE udhcpc: $(tail -n2 /tmp/udhcpc.log)"
r=; [ "$dir" = r2g ] && r=-R
echo BENCH-BEGIN
iperf3 -c "$srv" -t "$secs" $r -J > /tmp/out.json 2>&1
echo BENCH-DONE
sleep 2	# the host reads the CPU times while QEMU still runs
echo BENCH-JSON
cat /tmp/out.json
echo BENCH-END
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$DIR/initrd.gz.tmp")
mv "$DIR/initrd.gz.tmp" "$DIR/initrd.gz"
rm -rf "$R"
