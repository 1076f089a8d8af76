# SPDX-License-Identifier: MIT
#
# lib_vm_guest.sh - the small Linux guest that tests and benchmarks boot
# under QEMU, sourced by its two builders: tests/integration/vm_guest.sh
# (t_vhost_user_qemu's guest) and tests/bench/vm_image.sh (the bench's "vm"
# phase, with iperf3). Each writes its own /init after the common start
# this file gives.
#
# The guest: Debian's kernel (the package linux-image-amd64 depends on,
# fetched with `apt-get download` and unpacked, never committed) and an
# initramfs of the host's Debian's busybox-static (fetched the same way),
# the kernel's virtio modules, a udhcpc script and the caller's /init.
#
#   vmg_build DIR SELF TIMEOUT NOTE APPLET...
#                              all of it: the builder SELF defines guest_root R
#                              (its files in the root R) and guest_init (the rest
#                              of its /init, on stdout)
#   vmg_fetch DIR [TIMEOUT]    the kernel, busybox and modules into the cache DIR
#   vmg_fresh DIR SELF         DIR/initrd.gz is newer than SELF, this file, the kernel
#   vmg_root R DIR APPLET...   the initramfs root R: busybox, applets, modules,
#                              udhcpc's script
#   vmg_add_binary R BIN       BIN and the libraries ldd names, into R
#   vmg_init_head NOTE         the start of an /init, on stdout
#   vmg_pack R DIR             R packed into DIR/initrd.gz, R removed
# Callers run under `set -euo pipefail`: a failure ends them (vmg_fetch:
# status 3 when the kernel cannot be fetched, no apt lists or archive
# unreachable: a test skips).

VMG_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
VMG_WHO=${0##*/}
# Loaded in this order (twice: a module whose dependency is not in yet
# loads on the second pass).
VMG_MODS="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mmio
failover net_failover virtio_net"

# vmg_fetch DIR [TIMEOUT]: DIR/vmlinuz, DIR/busybox, DIR/mods/*.ko and
# DIR/kernel.pkg (the package's name), kept while the package is the same;
# apt-get download gets TIMEOUT seconds (150). Returns 3 when the kernel
# cannot be fetched.
vmg_fetch() {
	local dir=$1 tmo=${2:-150} kpkg all f m

	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ] || { echo "$VMG_WHO: linux-image-amd64 not in the apt lists (apt-get update)" >&2; return 3; }
	if [ -s "$dir/vmlinuz" ] && [ -d "$dir/mods" ] && [ -x "$dir/busybox" ] &&
		[ "$(cat "$dir/kernel.pkg" 2>/dev/null)" = "$kpkg" ]; then
		return 0
	fi
	rm -rf "$dir/dl" "$dir/k" "$dir/mods" "$dir/bb" "$dir/busybox"
	mkdir -p "$dir/dl" "$dir/mods"
	# apt-get download drops privileges to _apt: the directory must be its
	chmod 0777 "$dir/dl"
	(cd "$dir/dl" && timeout "$tmo" apt-get download "$kpkg" busybox-static > dl.log 2>&1) ||
		{ echo "$VMG_WHO: apt-get download $kpkg busybox-static failed: $(tail -n1 "$dir/dl/dl.log")" >&2; return 3; }
	dpkg-deb -x "$dir"/dl/linux-image-*.deb "$dir/k"
	dpkg-deb -x "$dir"/dl/busybox-static_*.deb "$dir/bb"
	cp "$dir/bb/bin/busybox" "$dir/busybox"
	all=$(find "$dir/k/lib/modules" -name '*.ko')
	for m in $VMG_MODS; do
		f=$(echo "$all" | grep "/$m\.ko$" | head -n1)
		[ -n "$f" ] || { echo "$VMG_WHO: module $m.ko not in $kpkg" >&2; return 1; }
		cp "$f" "$dir/mods/"
	done
	cp "$dir"/k/boot/vmlinuz-* "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	echo "$kpkg" > "$dir/kernel.pkg"
	rm -rf "$dir/dl" "$dir/k" "$dir/bb" "$dir/initrd.gz"
}

# vmg_fresh DIR SELF: true when DIR/initrd.gz is newer than the builder
# SELF, this file and the kernel (nothing to rebuild).
vmg_fresh() {
	[ -s "$1/initrd.gz" ] && [ "$1/initrd.gz" -nt "$2" ] && [ "$1/initrd.gz" -nt "$VMG_LIB" ] &&
		[ "$1/initrd.gz" -nt "$1/kernel.pkg" ]
}

# vmg_root R DIR APPLET...: a fresh root R with busybox from the cache DIR
# and links for the applets, the modules in /lib/modules, and
# /usr/share/udhcpc/default.script (the lease applied, and printed as
# GUEST-LEASE ip=IP router=R dns=D on the console).
vmg_root() {
	local r=$1 dir=$2 a

	shift 2
	rm -rf "$r"
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,lib/modules,usr/share/udhcpc}
	cp "$dir/busybox" "$r/bin/busybox"
	for a in "$@"; do
		ln -sf busybox "$r/bin/$a"
	done
	cp "$dir"/mods/*.ko "$r/lib/modules/"
	cat > "$r/usr/share/udhcpc/default.script" <<'EOF'
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
	chmod +x "$r/usr/share/udhcpc/default.script"
}

# vmg_add_binary R BIN: BIN into R/bin with the libraries ldd names (and the
# dynamic loader) at their paths.
vmg_add_binary() {
	local r=$1 bin=$2 l

	cp "$bin" "$r/bin/${bin##*/}"
	ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | while read -r l; do
		mkdir -p "$r$(dirname "$l")"
		cp -L "$l" "$r$l"
	done
}

# vmg_init_head NOTE: the start of an /init on stdout: /proc, /sys and /dev
# mounted, output on the console (ttyS0), the modules loaded (a failure on
# the second pass printed as "NOTE insmod M failed"), lo up, and $nic the
# first other interface once its driver has probed it (10 s at most; empty
# when none came).
vmg_init_head() {
	sed -e "s/@NOTE@/$1/" -e "s/@MODS@/$(echo $VMG_MODS)/" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec > /dev/console 2>&1
# Twice: a module whose dependency is not in yet loads on the second pass.
for pass in 1 2; do
	for m in @MODS@; do
		grep -q "^$m " /proc/modules && continue
		if [ $pass = 1 ]; then insmod /lib/modules/$m.ko 2>/dev/null
		else insmod /lib/modules/$m.ko || echo "@NOTE@ insmod $m failed"; fi
	done
done
ip link set lo up
# The NIC appears when its driver has probed it (10 s at most).
i=0
while [ $i -lt 100 ]; do
	nic=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
	[ -n "$nic" ] && break
	sleep 0.1; i=$((i + 1))
done
EOF
}

# vmg_pack R DIR: the root R as DIR/initrd.gz (newc cpio, gzip), then R
# removed.
vmg_pack() {
	(cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$2/initrd.gz.tmp")
	mv "$2/initrd.gz.tmp" "$2/initrd.gz"
	rm -rf "$1"
}

# vmg_build DIR SELF TIMEOUT NOTE APPLET...: DIR/vmlinuz and DIR/initrd.gz
# (DIR a cache: rebuilt when the kernel, the builder SELF or this file
# changed): vmg_fetch with TIMEOUT, a root with busybox and the APPLETs,
# the caller's guest_root R, an /init of vmg_init_head NOTE and the caller's
# guest_init, packed.
vmg_build() {
	local dir=$1 self=$2 tmo=$3 note=$4 r

	shift 4
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	self=$(cd "$(dirname "$self")" && pwd)/$(basename "$self")
	vmg_fetch "$dir" "$tmo"
	vmg_fresh "$dir" "$self" && return 0
	r=$dir/root
	vmg_root "$r" "$dir" "$@"
	guest_root "$r"
	{
		vmg_init_head "$note"
		guest_init
	} > "$r/init"
	chmod +x "$r/init"
	vmg_pack "$r" "$dir"
}
