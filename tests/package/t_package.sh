#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# t_package.sh - builds natd's Debian package from the working tree and
# checks it, as root on Debian 12 (CI runs it after the test suites; about
# 4 minutes on 2 cores, most of it the build):
#   1. copies the tree's files (tracked and new, not the build directories)
#      to a scratch directory and runs `dpkg-buildpackage -us -uc -b` there
#      (lwIP's source from NATD_LWIP_CACHE, default ~/.cache/natd, fetched
#      by apt-get source when missing);
#   2. lintian on the .changes: no error and no warning apart from the ones
#      README's "Debian package" section explains (debian/natd.lintian-overrides
#      and the list below);
#   3. dpkg -i; natd --version runs and names the version; the man page
#      opens; the completion and the units are where bash-completion and
#      systemd look; systemd-analyze verify accepts the installed units;
#   4. dpkg -r leaves no file of the package; dpkg -P forgets it.
# With --offline, the build is the one of a clean build chroot: lwIP's
# source goes into the tree as the lwip/ component (copied from
# NATD_LWIP_CACHE, as a packager's natd_VERSION.orig-lwip.tar.xz would
# unpack), and dpkg-buildpackage runs in a network namespace of its own
# (no network at all) with HOME=/nonexistent (no ~/.cache/natd).
# Refuses to run when a natd package is installed already (it would replace
# it). Everything it made is removed at exit.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
offline=0
[ "${1:-}" = --offline ] && offline=1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
if dpkg-query -W -f='${Status}' natd 2>/dev/null | grep -q installed; then
	echo "SKIP: a natd package is installed already; not replacing it"
	exit 77
fi
for p in debhelper lintian dpkg-dev fakeroot; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		{ echo "not ok - $p is not installed (scripts/setup.sh --tests installs it)"; exit 1; }
done

T=$(mktemp -d /tmp/natd-pkg.XXXXXX)
installed=0
cleanup() {
	local rc=$?
	[ "$installed" = 1 ] && dpkg -P natd >/dev/null 2>&1
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*" >&2; exit 1; }
# dpkg's lock may be held by another apt/dpkg for a while: retry (bounded).
dpkg_retry() {
	local i
	for ((i = 0; i < 30; i++)); do
		"$@" 2>"$T/dpkg.err" && return 0
		grep -q 'lock' "$T/dpkg.err" || { cat "$T/dpkg.err" >&2; return 1; }
		sleep 5
	done
	cat "$T/dpkg.err" >&2
	return 1
}

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=${version%-*}
tree="$T/natd-$upstream"
mkdir -p "$tree"
(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
echo "# building natd $version in $tree"
if [ "$offline" = 1 ]; then
	lw=${NATD_LWIP_CACHE:-$HOME/.cache/natd}/lwip-2.1.3
	[ -f "$lw/.natd-complete" ] || fail "--offline: no lwIP source in $lw (run a normal build once)"
	cp -a "$lw" "$tree/lwip"
	rm -f "$tree/lwip/.natd-complete"
	(cd "$tree" && HOME=/nonexistent unshare --net -- dpkg-buildpackage -us -uc -b \
		> "$T/build.log" 2>&1) || { tail -40 "$T/build.log"; fail "offline dpkg-buildpackage"; }
	grep -q 'fetch-lwip\|apt-get' "$T/build.log" && fail "the offline build tried to fetch lwIP"
	ok "offline build (no network, no ~/.cache) used the lwip/ component"
else
	(cd "$tree" && dpkg-buildpackage -us -uc -b > "$T/build.log" 2>&1) ||
		{ tail -40 "$T/build.log"; fail "dpkg-buildpackage -us -uc -b"; }
fi
deb=$(ls "$T"/natd_"$version"_*.deb)
ok "dpkg-buildpackage built $(basename "$deb")"

# lintian: tags it may print, each explained in README ("Debian package").
allowed='initial-upload-closes-no-bugs'
lintian --fail-on error "$T"/natd_"$version"_*.changes \
	> "$T/lintian.log" 2>&1 || { cat "$T/lintian.log"; fail "lintian reports errors"; }
bad=$(grep -E '^[EW]: ' "$T/lintian.log" | grep -v -E "$allowed" || true)
[ -z "$bad" ] || { cat "$T/lintian.log"; fail "lintian: $bad"; }
ok "lintian: no error, no unexplained warning ($(grep -c -E '^[EWIP]: ' "$T/lintian.log" || true) tags in all)"

dpkg_retry dpkg -i "$deb" || fail "dpkg -i"
installed=1
ok "dpkg -i"
v=$(/usr/bin/natd --version) || fail "natd --version"
[[ $v == "natd $upstream"* ]] || fail "natd --version says '$v'"
ok "natd --version: $v"
MANWIDTH=80 man natd 2>/dev/null | grep -q '^NAME' || fail "man natd does not open"
w=$(MANWIDTH=80 man --warnings natd-run 2>&1 >/dev/null)
[ -z "$w" ] || fail "man natd-run warns: $w"
ok "man natd and man natd-run open, no warnings"
[ -f /usr/share/bash-completion/completions/natd ] || fail "no bash completion"
bash -c '. /usr/share/bash-completion/completions/natd; complete -p natd' >/dev/null ||
	fail "the installed completion does not register"
ok "bash completion installed and loads"
for u in natd@ natd-natnetwork@; do
	[ -f "/lib/systemd/system/$u.service" ] || fail "no /lib/systemd/system/$u.service"
done
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	cp /lib/systemd/system/natd@.service "$T/units/natd@vm1.service"
	cp /lib/systemd/system/natd-natnetwork@.service "$T/units/natd-natnetwork@lab.service"
	out=$(systemd-analyze verify "$T"/units/*.service 2>&1) || fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
fi
ok "units installed in /lib/systemd/system and verify"

files=$(dpkg -L natd | while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done)
dpkg_retry dpkg -r natd || fail "dpkg -r"
left=$(for f in $files; do if [ -e "$f" ]; then echo "$f"; fi; done)
[ -z "$left" ] || fail "dpkg -r left: $left"
ok "dpkg -r removed every file"
dpkg_retry dpkg -P natd || fail "dpkg -P"
installed=0
dpkg-query -W natd >/dev/null 2>&1 && fail "dpkg still knows natd after dpkg -P"
ok "dpkg -P purged it"
