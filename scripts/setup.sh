#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# setup.sh [--tests] - installs what natd needs on Debian 12 and builds it.
#
# Installs the missing Debian packages (build: compiler, CMake, libuv, c-ares,
# jansson, libpcap, Criterion, libvdeplug, libseccomp, libcap-ng, libsystemd,
# dpkg-dev, python3 for the man pages; with --tests also the
# real peers the tests drive: busybox udhcpc, ISC dhclient, iproute2, ping,
# socat, rdisc6, tftp-hpa and atftp, QEMU with the iPXE ROMs and OVMF for PXE
# boots, vde_switch, iperf3, man-db, systemd-analyze, and debhelper, lintian
# and fakeroot for the package test), then
# configures and builds build/natd. CMake's configure step fetches lwIP 2.1.3
# from Debian's source package (third_party/fetch-lwip.sh). Idempotent: a
# second run installs nothing and rebuilds only what changed.
#   BUILD_DIR   build directory (default: build)
#   CMAKE_ARGS  extra arguments for cmake's configure step
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config dpkg-dev patch xz-utils python3
      libuv1-dev libc-ares-dev libjansson-dev libcriterion-dev libpcap-dev libvdeplug-dev
      libseccomp-dev libcap-ng-dev libsystemd-dev)
if [ "${1:-}" = "--tests" ]; then
	pkgs+=(iproute2 busybox isc-dhcp-client iputils-ping socat procps curl traceroute
	      dnsmasq-base bind9-dnsutils ndisc6 tftp-hpa atftp qemu-system-x86 ipxe-qemu ovmf ipxe
	      tcpdump ethtool iperf3 vde2 libcap2-bin man-db systemd debhelper lintian fakeroot)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages: ${missing[*]}" >&2
		echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

build=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" ${CMAKE_ARGS:-} > "$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log"; echo "setup: configure failed" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)"
