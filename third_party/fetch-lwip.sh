#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fetch-lwip.sh CACHE_DIR
#
# Makes sure an unpacked copy of Debian's lwIP 2.1.3 source package exists in
# CACHE_DIR/lwip-2.1.3 and prints that path. lwIP is never committed to natd's
# repository: it is fetched from Debian's archive with `apt-get source`. When
# the machine has no deb-src entry, one is derived from its existing deb
# entries (deb822 .sources files and one-line .list files alike) and written
# to /etc/apt/sources.list.d/natd-deb-src.{sources,list}; that needs root.
set -euo pipefail

cache=${1:?usage: fetch-lwip.sh CACHE_DIR}
want_version=2.1.3
dest="$cache/lwip-$want_version"

if [ -f "$dest/.natd-complete" ]; then
	echo "$dest"
	exit 0
fi

say() { echo "fetch-lwip: $*" >&2; }

have_deb_src() {
	apt-cache showsrc lwip 2>/dev/null | grep -q "^Version: $want_version"
}

derive_deb_src() {
	local d=/etc/apt/sources.list.d
	if [ "$(id -u)" != 0 ]; then
		say "no deb-src entry for lwip and not root: add a deb-src line for Debian's archive, or run once as root"
		exit 1
	fi
	# deb822 files naming Debian's archive: the same stanzas, as deb-src.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		case "$f" in *natd-deb-src*) continue ;; esac
		grep -q 'debian' "$f" || continue
		sed -E 's/^Types:.*$/Types: deb-src/' "$f"
		echo
	done > "$d/natd-deb-src.sources"
	[ -s "$d/natd-deb-src.sources" ] || rm -f "$d/natd-deb-src.sources"
	# one-line files.
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian.*\)$/deb-src \1/p' > "$d/natd-deb-src.list" || true
	[ -s "$d/natd-deb-src.list" ] || rm -f "$d/natd-deb-src.list"
	say "derived deb-src entries in $d/natd-deb-src.*; running apt-get update"
	apt-get update -q >&2
}

if ! have_deb_src; then
	apt-get update -q >&2 || true
	have_deb_src || derive_deb_src
	have_deb_src || { say "Debian's archive offers no lwip $want_version source package"; exit 1; }
fi
command -v dpkg-source >/dev/null || {
	[ "$(id -u)" = 0 ] || { say "dpkg-dev is missing (apt-get install dpkg-dev)"; exit 1; }
	apt-get install -y -q dpkg-dev >&2
}

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only -q "lwip=$want_version*" >&2 2>/dev/null ||
	apt-get source --download-only -q lwip >&2)
dsc=$(ls "$work"/lwip_"$want_version"*.dsc | head -n1)
dpkg-source --no-check -x "$dsc" "$work/src" >&2
# Debian's own patches (CVE fixes) are applied by dpkg-source; we use src/ only.
rm -rf "$dest"
mv "$work/src" "$dest"
touch "$dest/.natd-complete"
say "lwIP $want_version source ready in $dest"
echo "$dest"
