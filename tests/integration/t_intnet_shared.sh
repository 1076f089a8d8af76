#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An internal network shared by two users on purpose (NATD_INTNET_DIR names a
# directory open to their group). alice (uid 4001) and bob (uid 4002) are in
# group 4100, eve (uid 4003) is not; none of them has a capability or a
# passwd entry (setpriv sets the ids). Each VM is a kernel guest on a tap
# that root opens and hands to the user's natd as fd:3 (/dev/net/tun may be
# root's only). Checked: the first user's adapter starts
# the switch and gives its socket, secret, pid file and log to the group;
# the other user's VM joins and the two guests talk (ping, TCP); eve is
# refused with a reason; a directory writable by every user is refused; the
# network outlives its starter while the other user's VM is on it; after
# both left, bob's adapter starts it again over alice's old files and
# alice's VM joins his switch.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) missing"; exit 77; }

REAL_NATD=$NATD_BIN
SH="$T/shared"
GID=4100
chmod 0711 "$T"
install -d -m 2770 -o 4001 -g "$GID" "$SH"
declare -A NS TAP IP UIDOF
IP[a1]=203.0.113.1
IP[b1]=203.0.113.2
IP[a2]=203.0.113.3
UIDOF[alice]=4001
UIDOF[bob]=4002
UIDOF[eve]=4003

# opentap.py IFNAME CMD ARGS...: runs CMD with tap IFNAME open on fd 3.
cat > "$T/opentap.py" <<'EOS'
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x0002 | 0x1000))
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.set_inheritable(3, True)
os.environ.pop("TAPNAME")
os.execv(sys.argv[2], sys.argv[2:])
EOS
# A natd wrapper per user: their own NATD_HOME, the shared directory.
for u in alice bob eve; do
	uid=${UIDOF[$u]}
	install -d -m 0700 -o "$uid" -g "$uid" "$T/home-$u"
	groups=--clear-groups
	[ "$u" = eve ] || groups="--groups=$GID"
	cat > "$T/natd-$u" <<EOS
#!/bin/sh
[ -n "\${TAPNAME:-}" ] && exec python3 "$T/opentap.py" "\$TAPNAME" "$T/natd-$u" "\$@"
exec setpriv --reuid=$uid --regid=$uid $groups --inh-caps=-all \
	env NATD_HOME="$T/home-$u" NATD_INTNET_DIR="\${INTNET_DIR:-$SH}" "$REAL_NATD" "\$@"
EOS
	chmod 0755 "$T/natd-$u"
done

# vm USER NAME: USER's natd run for VM NAME on internal network lab.
vm() {
	local user=$1 name=$2
	TAP[$name]="t${name}$ID"
	[ -n "${NS[$name]:-}" ] || NS[$name]=$(new_netns "$name")
	TAPNAME=${TAP[$name]} NATD_BIN="$T/natd-$user" natd_start "natd-$name" --name "$name" \
		--nic1 intnet --intnet1 lab --attach1 fd:3
	eval "PID_$name=$NATD_PID"
	tap_into_ns "${TAP[$name]}" "${NS[$name]}"
	ip -n "${NS[$name]}" addr add "${IP[$name]}/24" dev "${TAP[$name]}"
}
pings() { ip netns exec "${NS[$1]}" ping -c 2 -i 0.2 -W 1 "${IP[$2]}" >/dev/null 2>&1; }
daemon_pid() { cat "$SH/lab.pid" 2>/dev/null; }
running() { [ -n "$(daemon_pid)" ] && kill -0 "$(daemon_pid)" 2>/dev/null; }
owner() { stat -c %u "/proc/$(daemon_pid)"; }
perms() { stat -c '%a %g' "$1"; }

vm alice a1
check "alice's adapter started lab's switch in the shared directory" running
_pids+=("$(daemon_pid)")
expect_eq "the switch daemon runs as alice" 4001 "$(owner)"
expect_eq "its socket is the group's (0660)" "660 $GID" "$(perms "$SH/lab.sock")"
expect_eq "its secret is readable by the group only (0640)" "640 $GID" "$(perms "$SH/lab.key")"
expect_eq "its pid file is the group's (0660)" "660 $GID" "$(perms "$SH/lab.pid")"
expect_eq "its log is the group's (0660)" "660 $GID" "$(perms "$SH/lab.log")"
check "the daemon logs that it is shared" grep -q "shared with group $GID" "$SH/lab.log"

vm bob b1
check "bob's VM pings alice's VM over lab" wait_for 10 pings b1 a1
check "alice's VM pings bob's" pings a1 b1
bg ip netns exec "${NS[b1]}" socat -T 5 "TCP-LISTEN:7000,bind=${IP[b1]},reuseaddr,fork" SYSTEM:'echo hello-from-bob'
wait_for 10 listening "${NS[b1]}" tcp "${IP[b1]}:7000" || fail "bob's server did not start"
expect_eq "TCP alice's VM -> bob's VM" hello-from-bob \
	"$(ip netns exec "${NS[a1]}" timeout 5 socat -T 3 -u "TCP:${IP[b1]}:7000" -)"
"$T/natd-alice" list intnets > "$T/intnets" 2>&1 || { cat "$T/intnets" >&2; fail "list intnets"; }
check "alice's list intnets shows lab with a1 and b1" \
	sh -c "grep -q lab '$T/intnets' && grep -q a1 '$T/intnets' && grep -q b1 '$T/intnets'"

# eve is not in the group.
set +e
TAPNAME="te$ID" "$T/natd-eve" run --name e1 --nic1 intnet --intnet1 lab --attach1 fd:3 \
	> "$T/eve.out" 2>&1
rc=$?
set -e
expect_eq "eve's natd run fails at start-up" 1 "$rc"
check "and says the directory is shared with a group eve is not in" \
	grep -q "shared with group $GID, and you are not in it" "$T/eve.out"

# A directory every user may write to is refused.
install -d -m 0777 "$T/open"
set +e
TAPNAME="to$ID" INTNET_DIR="$T/open" "$T/natd-alice" run --name o1 --nic1 intnet \
	--intnet1 lab --attach1 fd:3 > "$T/open.out" 2>&1
rc=$?
set -e
expect_eq "a world-writable NATD_INTNET_DIR: natd run fails" 1 "$rc"
check "and says why" grep -q "writable by every user" "$T/open.out"
check "no switch was started there" test ! -e "$T/open/lab.sock"

# The network outlives the user who started it.
natd_stop "$PID_a1"
check "lab's switch stays while bob's VM is on it" running
vm alice a2
check "alice's second VM reaches bob's" wait_for 10 pings a2 b1
natd_stop "$PID_a2"
natd_stop "$PID_b1"
check "lab's daemon exits after the last VM left" wait_for 10 sh -c "! test -e '$SH/lab.pid'"

# bob starts it now, over alice's old secret and log; alice's VM joins.
IP[b2]=203.0.113.4
vm bob b2
check "bob's adapter started lab's switch again" running
_pids+=("$(daemon_pid)")
expect_eq "the daemon runs as bob now" 4002 "$(owner)"
expect_eq "the new secret is bob's and the group's" "640 $GID 4002" \
	"$(stat -c '%a %g %u' "$SH/lab.key")"
vm alice a1
check "alice's VM reaches bob's on bob's switch" wait_for 10 pings a1 b2
check "bob's VM reaches alice's" pings b2 a1
done_testing
