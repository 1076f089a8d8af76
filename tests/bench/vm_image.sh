#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# vm_image.sh DIR - a small VM for the benchmark's "vm" phase: Debian's
# kernel (linux-image-amd64's vmlinuz, fetched with apt-get download and
# unpacked, never committed) and an initramfs built here: busybox (static),
# iperf3 with the libraries ldd names, the virtio-net modules, and an /init
# that takes an address by DHCP and runs iperf3 as the kernel command line
# says. The guest is the tests' (tests/integration/lib_vm_guest.sh, shared
# with vm_guest.sh) with this /init. Writes DIR/vmlinuz and DIR/initrd.gz;
# DIR is a cache (kept when the kernel package is the same). Needs root
# only for apt-get download's sandbox; any user can run the result.
#
# The guest's kernel command line: natd_bench=SERVER:DIR:SECONDS[:MTU] with
# DIR g2r (the guest sends) or r2g (iperf3 -R). /init prints
#   BENCH-BEGIN, BENCH-DONE when iperf3 has finished (then waits 2 s),
# BENCH-JSON followed by iperf3's JSON, then BENCH-END on the console
# (ttyS0), and powers off.
set -euo pipefail

. "$(dirname "$0")/../integration/lib_vm_guest.sh"

guest_root() {
	vmg_add_binary "$1" /usr/bin/iperf3
}

guest_init() {
	cat <<'EOF'
arg=$(sed -n 's/.*natd_bench=\([^ ]*\).*/\1/p' /proc/cmdline)
srv=${arg%%:*}; rest=${arg#*:}; dir=${rest%%:*}; rest=${rest#*:}; secs=${rest%%:*}
mtu=; case $rest in *:*) mtu=${rest#*:} ;; esac
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
}

vmg_build "${1:?usage: vm_image.sh DIR}" "$0" 600 BENCH-NOTE sh mount insmod ip udhcpc sleep cat \
	echo poweroff mkdir ifconfig route grep sed ls head cut tail
