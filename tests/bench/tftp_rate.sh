#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tftp_rate.sh [REPS] - TFTP transfer rate of a 50 MB file from natd's TFTP
# server to a kernel guest on a tap: atftp with blksize 1468 + windowsize 16
# against plain RFC 1350 (512-byte blocks, lock-step) from atftp and
# tftp-hpa. Each transfer is checked byte for byte. Prints one line per run
# (client's wall time) and the median per configuration. Run as root:
#   sudo tests/bench/tftp_rate.sh 3
# Uses NATD_BIN (default build/natd) and the integration harness, so every
# namespace and process is removed on exit. Not part of ctest: no timed
# assertions.
. "$(dirname "$0")/../integration/lib.sh"

reps=${1:-3}
tap="nt$ID"
ns=$(new_netns guest)
root="$T/tftp"
mkdir -p "$root"
head -c $((50 * 1024 * 1024)) /dev/urandom > "$root/50m.bin"
natd_start natd --name tftpbench --nic1 nat --attach1 "tap:$tap" --nattftpprefix1 "$root"
tap_into_ns "$tap" "$ns"
guest_up "$ns" "$tap"

run() { # run LABEL COMMAND...: prints LABEL seconds MB/s
	local label=$1 t0 t1
	shift
	rm -f "$T/out"
	t0=$(date +%s.%N)
	ip netns exec "$ns" timeout 600 "$@" > /dev/null 2>&1 || true
	t1=$(date +%s.%N)
	cmp -s "$root/50m.bin" "$T/out" || fail "$label: the file arrived damaged"
	awk -v l="$label" -v a="$t0" -v b="$t1" \
		'BEGIN { s = b - a; printf "%s %.3f %.1f\n", l, s, 50 * 1048576 / s / 1e6 }'
}

for ((i = 1; i <= reps; i++)); do
	run "atftp-1468-w16" atftp --option "blksize 1468" --option "windowsize 16" \
		-g -r 50m.bin -l "$T/out" 10.0.2.4
	run "atftp-512" atftp -g -r 50m.bin -l "$T/out" 10.0.2.4
	run "tftp-hpa-512" tftp -m binary 10.0.2.4 -c get 50m.bin "$T/out"
done | tee "$T/runs"
echo "# median seconds and MB/s (10^6 bytes/s) over $reps runs:"
for l in atftp-1468-w16 atftp-512 tftp-hpa-512; do
	awk -v l="$l" '$1 == l { print $2, $3 }' "$T/runs" | sort -n |
		awk -v l="$l" '{ s[NR] = $1; r[NR] = $2 } END { m = int((NR + 1) / 2);
			printf "%-16s %8.3f s %8.1f MB/s\n", l, s[m], r[m] }'
done
echo "# natd's own account (first byte to last ACK):"
grep "sent '50m.bin'" "$T/natd.log" | sed 's/.*: 52428800 bytes/  52428800 bytes/'
natd_stop "$NATD_PID"
