#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages the build generates from natd's --help texts (dist/mkman.py,
# in BUILD/man): one per command natd --help lists plus natd(1); each renders
# with man -l without a warning from groff or man; they carry the sections a
# man page has and what the --help texts say (an option, the address table,
# exit statuses), so nothing is lost between the two.
. "$(dirname "$0")/lib.sh"

M="$(dirname "$NATD_BIN")/man"
[ -f "$M/natd.1" ] || fail "no $M/natd.1 (the build makes the man pages)"
command -v man >/dev/null || { echo "SKIP: man (man-db) is not installed"; exit 77; }

for c in $("$NATD_BIN" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'); do
	case $c in help* | version*) continue ;; esac
	check "natd-$c.1 exists for command $c" test -s "$M/natd-$c.1"
done
for p in "$M"/*.1; do
	w=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
	expect_eq "$(basename "$p") renders without warnings" "" "$w"
done

render() { MANWIDTH=100 man -l "$M/$1.1" 2>/dev/null; }
natd1=$(render natd)
for s in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	check "natd(1) has $s" grep -q "^$s\$" <<<"$natd1"
done
run1=$(render natd-run)
check "natd-run(1) lists --natpf<x>" grep -q -- '--natpf<x> "NAME,PROTO' <<<"$run1"
check "natd-run(1) has the address table" grep -q '10.0.<x+1>.3 *$' <<<"$run1"
check "natd-run(1) keeps the attach table" grep -q '^ *vhost-user:PATH' <<<"$run1"
nn=$(render natd-natnetwork)
check "natd-natnetwork(1) has a section per subcommand" grep -q '^   natd natnetwork start$' <<<"$nn"
check "natd-natnetwork(1) has start --foreground" grep -q -- '--foreground' <<<"$nn"
check "natd-natnetwork(1) has EXIT STATUS" grep -q '^EXIT STATUS$' <<<"$nn"
check "NAME line of natd-list(1) from natd --help" grep -q '^ *natd-list - what natd knows of: dhcpservers' <<<"$(render natd-list)"
