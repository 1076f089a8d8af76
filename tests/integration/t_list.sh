#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `natd list` with every word natd supports, for people and for scripts:
# vms, runningvms, natnetworks, intnets, hostonlyifs, dhcpservers and
# bwgroups VM, each with --json (parsed with python3 here) and
# --machinereadable (VBoxManage's key="value" lines). The world: a stored
# VM with a bandwidth group, a running VM on internal network "lab" (so lab
# exists, with its DHCP server), a running NAT network (whose control
# socket is not a VM's), a host-only interface vboxnet0 with its DHCP
# server. Empty lists print nothing (machine-readable) or [] (JSON); bad
# combinations are usage errors.
. "$(dirname "$0")/lib.sh"

N="$NATD_BIN"
# jf FIELD...: parses the JSON list on stdin with python3 and prints, for
# each item, the fields (a.b for nested ones, a.0 for a list's first item)
# separated by spaces; items separated by spaces too.
jf() {
	python3 -c '
import json, sys
def get(v, path):
    for p in path.split("."):
        v = v[int(p)] if isinstance(v, list) else v[p]
    return v
d = json.load(sys.stdin)
assert isinstance(d, list)
print(" ".join(" ".join(str(get(v, f)) for f in sys.argv[1:]) for v in d))
' "$@"
}

# Empty first.
for k in vms runningvms natnetworks intnets hostonlyifs dhcpservers; do
	expect_eq "list $k --json with nothing: []" "[]" "$("$N" list "$k" --json)"
	expect_eq "list $k --machinereadable with nothing: no line" "" "$("$N" list "$k" --machinereadable)"
done
rc=0; "$N" list vms --json --machinereadable 2> "$T/err" || rc=$?
expect_eq "--json and --machinereadable together: usage error" 2 "$rc"
check "  ... saying so" grep -q "natd list vms: --machinereadable or --json, not both" "$T/err"
rc=0; "$N" list vms --xml 2> "$T/err" || rc=$?
expect_eq "an unknown option: usage error" 2 "$rc"
rc=0; "$N" list bwgroups --json 2> "$T/err" || rc=$?
expect_eq "list bwgroups without a VM: usage error" 2 "$rc"
rc=0; "$N" list nosuch --json 2> "$T/err" || rc=$?
expect_eq "an unknown kind: usage error" 2 "$rc"
check "  ... naming the known ones" grep -q "known: dhcpservers, intnets, vms, runningvms, hostonlyifs, natnetworks, bwgroups" "$T/err"

# The world.
check "modifyvm stored" "$N" modifyvm stored --nic1 nat --attach1 "tap:st$ID"
check "bandwidthctl stored add Limit" "$N" bandwidthctl stored add Limit --type network --limit 20m
check "natnetwork add n1" "$N" natnetwork add --netname n1 --network 192.168.40.0/24 \
	--port-forward-4 "ssh:tcp:[]:1022:[192.168.40.5]:22"
natnet_start n1 || fail "natnetwork start n1"
check "dhcpserver add --network lab" "$N" dhcpserver add --network=lab --server-ip=10.77.0.1 \
	--netmask=255.255.255.0 --lower-ip=10.77.0.10 --upper-ip=10.77.0.20 --enable
expect_eq "hostonlyif create" "Interface 'vboxnet0' was successfully created" "$("$N" hostonlyif create)"
natd_start natd-run --name runner --nic1 intnet --intnet1 lab --attach1 "tap:ru$ID"
SWPID=$(cat "$NATD_HOME/run/intnet/lab.pid")
_pids+=("$SWPID")

# vms
expect_eq "list vms (people)" '"stored"' "$("$N" list vms)"
expect_eq "list vms --json" "stored False" "$("$N" list vms --json | jf name running)"
expect_eq "list vms --machinereadable" 'vms_1_name="stored"
vms_1_running="false"' "$("$N" list vms --machinereadable)"
# runningvms
expect_eq "list runningvms (people): the VM, not the NAT network's service" '"runner"' "$("$N" list runningvms)"
expect_eq "list runningvms --json" "runner" "$("$N" list runningvms --json | jf name)"
expect_eq "list runningvms --machinereadable" 'runningvms_1_name="runner"' "$("$N" list runningvms --machinereadable)"
# natnetworks
check "list natnetworks (people): natnetwork list's layout" sh -c "'$N' list natnetworks | grep -qx 'Name:         n1'"
expect_eq "list natnetworks --json" "n1 192.168.40.0/24 True ssh:tcp:[]:1022:[192.168.40.5]:22" \
	"$("$N" list natnetworks --json | jf name network running port_forward_4.0)"
"$N" list natnetworks --machinereadable > "$T/nn.m"
check "list natnetworks --machinereadable: name" grep -qx 'natnetworks_1_name="n1"' "$T/nn.m"
check "  ... running" grep -qx 'natnetworks_1_running="true"' "$T/nn.m"
check "  ... its rule" grep -qx 'natnetworks_1_port_forward_4_1="ssh:tcp:\[\]:1022:\[192.168.40.5\]:22"' "$T/nn.m"
# intnets
check "list intnets (people)" sh -c "'$N' list intnets | grep -qx 'Name:        lab'"
expect_eq "list intnets --json: lab, one VM" "lab 1" "$("$N" list intnets --json | jf name vms_attached)"
check "  ... its switch's counters, in status order, numbers" sh -c "'$N' list intnets --json | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
k = [\"name\", \"pid\", \"uptime\", \"vms_attached\", \"addresses_learnt\", \"frames_switched\",
     \"frames_flooded\", \"frames_dropped\"]
sys.exit(0 if list(d)[:8] == k and all(isinstance(d[f], int) for f in k[1:]) else 1)'"
check "  ... runner's port among its ports" sh -c "'$N' list intnets --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if [p for p in d[0][\"ports\"] if p.get(\"vm\") == \"runner\"] else 1)'"
"$N" list intnets --machinereadable > "$T/in.m"
check "list intnets --machinereadable: name" grep -qx 'intnets_1_name="lab"' "$T/in.m"
check "  ... a port of VM runner" grep -qE '^intnets_1_ports_[0-9]+_vm="runner"$' "$T/in.m"
# hostonlyifs
check "list hostonlyifs (people)" sh -c "'$N' list hostonlyifs | grep -qx 'Name:            vboxnet0'"
expect_eq "list hostonlyifs --json" "vboxnet0 192.168.56.1 0a:00:27:00:00:00 HostInterfaceNetworking-vboxnet0 192.168.56.100" \
	"$("$N" list hostonlyifs --json | jf name ip hardware_address network_name dhcp_server.server_ip)"
"$N" list hostonlyifs --machinereadable > "$T/ho.m"
check "list hostonlyifs --machinereadable: name" grep -qx 'hostonlyifs_1_name="vboxnet0"' "$T/ho.m"
check "  ... netmask" grep -qx 'hostonlyifs_1_netmask="255.255.255.0"' "$T/ho.m"
check "  ... its DHCP server's range" grep -qx 'hostonlyifs_1_dhcp_server_lower_ip="192.168.56.101"' "$T/ho.m"
# dhcpservers
check "list dhcpservers (people)" sh -c "'$N' list dhcpservers | grep -qx 'NetworkName:    lab'"
expect_eq "list dhcpservers --json" "lab 10.77.0.10 10.77.0.20 HostInterfaceNetworking-vboxnet0 192.168.56.101 192.168.56.254" \
	"$("$N" list dhcpservers --json | jf network lower_ip upper_ip)"
"$N" list dhcpservers --machinereadable > "$T/ds.m"
check "list dhcpservers --machinereadable: lab" grep -qx 'dhcpservers_1_network="lab"' "$T/ds.m"
check "  ... its server" grep -qx 'dhcpservers_1_server_ip="10.77.0.1"' "$T/ds.m"
check "  ... vboxnet0's" grep -qx 'dhcpservers_2_network="HostInterfaceNetworking-vboxnet0"' "$T/ds.m"
# bwgroups VM
rc=0; "$N" list bwgroups nosuchvm 2> "$T/err" || rc=$?
expect_eq "list bwgroups of a VM neither stored nor running: refused" 1 "$rc"
check "  ... naming it" grep -qx "natd list bwgroups: no VM 'nosuchvm' (natd list vms, natd list runningvms)" "$T/err"
rc=0; "$N" list bwgroups nosuchvm --json 2> "$T/err" || rc=$?
expect_eq "  ... --json too" 1 "$rc"
rc=0; "$N" bandwidthctl nosuchvm list 2> "$T/err" || rc=$?
expect_eq "  ... and bandwidthctl VM list" 1 "$rc"
check "  ... naming it" grep -q "^natd bandwidthctl: no VM 'nosuchvm'" "$T/err"
expect_eq "list bwgroups stored (people)" "Name: 'Limit', Type: network, Limit: 20m (2500000 bytes/s)" "$("$N" list bwgroups stored)"
expect_eq "list bwgroups stored --json" "Limit network 20m 2500000" \
	"$("$N" list bwgroups stored --json | jf name type limit bytes_per_s)"
expect_eq "list bwgroups stored --machinereadable" 'bwgroups_1_name="Limit"
bwgroups_1_type="network"
bwgroups_1_limit="20m"
bwgroups_1_bytes_per_s=2500000' "$("$N" list bwgroups stored --machinereadable)"
expect_eq "list bwgroups of a VM without groups --json: []" "[]" "$("$N" list bwgroups runner --json)"

natd_stop "$NATD_PID"
check "lab's switch ends with its VM" wait_for 10 test ! -e "$NATD_HOME/run/intnet/lab.sock"
check "  ... the process is gone" wait_for 10 sh -c "! kill -0 $SWPID"
check "  ... its log ends with a clean stop, no sanitizer report" sh -c "
	tail -n 1 '$NATD_HOME/run/intnet/lab.log' | grep -q ': stopped\$' &&
	! grep -Eq 'Sanitizer|runtime error' '$NATD_HOME/run/intnet/lab.log'"
check "natnetwork stop" natnet_stop n1
done_testing
