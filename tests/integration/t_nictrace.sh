#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packet capture (--nictrace<x>, VirtualBox manual 6.11): a kernel guest on a
# tap behind a NAT adapter that traces into a pcap file. tcpdump -r reads the
# file while natd still writes it and finds the DHCP exchange and a ping both
# ways; controlvm nictrace1 off stops it, nictracefile1 switches files and
# nictrace1 on resumes into the new one; a trace file in a directory that
# does not exist is refused at start and at run time, changing nothing;
# --nictracesize1 caps the file and counts what it left out.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || fail "tcpdump missing"
N="$NATD_BIN"
pcap_has() { tcpdump -n -r "$1" 2>/dev/null | grep -q "$2"; }
frames() { tcpdump -n -r "$1" 2>/dev/null | wc -l; }
info() { local o; o=$("$N" showvminfo "$1" --machinereadable) && grep -x "$2" <<< "$o"; }
gw_ping() { ip netns exec "$NS" ping -c "${1:-2}" -i 0.2 -W 1 10.0.2.2 >/dev/null 2>&1; }

NS=$(new_netns g)
TAP="tr$ID"
natd_start natd --name vm --nic1 nat --attach1 "tap:$TAP" --nictrace1 on \
	--nictracefile1 "$T/a.pcap"
tap_into_ns "$TAP" "$NS"
guest_up "$NS" "$TAP"
check "the guest pings the gateway" gw_ping
# The capture is flushed every 200 ms: wait for the last frame to show.
wait_for 20 pcap_has "$T/a.pcap" "10.0.2.2 > 10.0.2.15: ICMP echo reply" || true
check "tcpdump -r reads the capture being written: DHCP request" \
	pcap_has "$T/a.pcap" "BOOTP/DHCP, Request"
check "... and DHCP reply" pcap_has "$T/a.pcap" "10.0.2.2.67 > .*BOOTP/DHCP, Reply"
check "... ICMP echo request guest -> gateway" pcap_has "$T/a.pcap" "10.0.2.15 > 10.0.2.2: ICMP echo request"
check "... ICMP echo reply gateway -> guest" pcap_has "$T/a.pcap" "10.0.2.2 > 10.0.2.15: ICMP echo reply"
check "showvminfo: trace on, its file, frames written" \
	sh -c "o=\$('$N' showvminfo vm --machinereadable); echo \"\$o\" | grep -qx 'nics_1_trace_on=\"true\"' && echo \"\$o\" | grep -qx 'nics_1_trace_file=\"$T/a.pcap\"' && ! echo \"\$o\" | grep -qx 'nics_1_trace_frames=0'"

# Off closes the capture (flushed) before controlvm returns.
check "controlvm nictrace1 off" "$N" controlvm vm nictrace1 off
before=$(frames "$T/a.pcap")
gw_ping
sleep 0.5 # no frame may appear: more than the 200 ms flush period
expect_eq "no frames are written while it is off" "$before" "$(frames "$T/a.pcap")"
if "$N" controlvm vm nictracefile1 "$T/missing/b.pcap" 2> "$T/err"; then
	fail "a trace file in a missing directory was accepted"
fi
check "a trace file in a missing directory is refused, naming it" grep -q "$T/missing" "$T/err"
check "controlvm nictracefile1 b.pcap" "$N" controlvm vm nictracefile1 "$T/b.pcap"
check "controlvm nictrace1 on" "$N" controlvm vm nictrace1 on
gw_ping
check "the new file has the ping" wait_for 20 pcap_has "$T/b.pcap" "10.0.2.15 > 10.0.2.2: ICMP echo request"
expect_eq "the old file did not grow" "$before" "$(frames "$T/a.pcap")"
natd_stop "$NATD_PID"
check "after natd stopped the file is complete" pcap_has "$T/b.pcap" "ICMP echo reply"

# Refused at start: the directory does not exist; a bad size.
set +e
"$N" run --name vm2 --nic1 nat --attach1 "tap:tq$ID" --nictrace1 on \
	--nictracefile1 "$T/missing/c.pcap" > "$T/start.out" 2>&1
rc=$?
set -e
expect_eq "a trace file in a missing directory: natd run exits 2" 2 "$rc"
check "and names the option and the directory" \
	grep -q -- "--nictracefile1: $T/missing/c.pcap: directory $T/missing" "$T/start.out"
set +e
"$N" run --name vm2 --nic1 nat --nictracesize1 12x > "$T/size.out" 2>&1
rc=$?
set -e
expect_eq "--nictracesize1 12x: exits 2" 2 "$rc"
check "and says what it expects" grep -q "expected a size in bytes" "$T/size.out"

# A size cap.
NS=$(new_netns g2)
TAP="ts$ID"
natd_start natd2 --name vm3 --nic1 nat --attach1 "tap:$TAP" --nictrace1 on \
	--nictracefile1 "$T/cap.pcap" --nictracesize1 4k
tap_into_ns "$TAP" "$NS"
guest_up "$NS" "$TAP"
ip netns exec "$NS" ping -c 40 -i 0.01 -s 200 -W 1 10.0.2.2 >/dev/null 2>&1 || true
left_out() { "$N" showvminfo vm3 --machinereadable > "$T/vm3.info" &&
	grep -q 'nics_1_trace_not_written=' "$T/vm3.info" &&
	! grep -qx 'nics_1_trace_not_written=0' "$T/vm3.info"; }
check "showvminfo counts the frames left out" wait_for 20 left_out
check "the capped file stays within 4096 bytes" test "$(stat -c %s "$T/cap.pcap")" -le 4096
check "tcpdump still reads it" pcap_has "$T/cap.pcap" "BOOTP/DHCP"
done_testing
