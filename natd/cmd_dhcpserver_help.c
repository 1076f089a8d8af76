/* SPDX-License-Identifier: MIT */
/*
 * cmd_dhcpserver_help.c - the --help texts of `natd dhcpserver` and its
 * subcommands (natd/cmd_dhcpserver.c), in VBoxManage dhcpserver's words.
 */
#include "natd/cmd_dhcpserver_internal.h"

const char dhcpserver_help[] =
"Usage: natd dhcpserver SUBCOMMAND --network=NAME|--interface=IF [OPTIONS]\n"
"\n"
"DHCP servers of internal networks and host-only interfaces, as VBoxManage\n"
"dhcpserver has them. A server belongs to one network: an internal network\n"
"(--network=NAME, the name VMs join with --intnet<x> NAME) or a host-only\n"
"interface (--interface=vboxnetN, whose network VirtualBox calls\n"
"HostInterfaceNetworking-vboxnetN; --network=HostInterfaceNetworking-vboxnetN\n"
"names the same server). It runs in the network's switch while VMs are\n"
"attached to it.\n"
"\n"
"Subcommands (each has --help):\n"
"  add        define a server: address, netmask, range, options, reservations\n"
"  modify     change one; only what is given changes\n"
"  remove     delete one\n"
"  start      enable it, and start it now if the network has VMs\n"
"  stop       stop it until the next start or restart (it stays enabled)\n"
"  restart    restart it with its current settings\n"
"  findlease  show the lease of a MAC address\n"
"\n"
"natd list dhcpservers shows every server. Definitions live in\n"
"$NATD_HOME/natd.json (key \"dhcpservers\"), leases in\n"
"$NATD_HOME/intnet-NAME.leases.json or $NATD_HOME/hostonly-IF.leases.json.\n"
"Options may be written --option=VALUE or --option VALUE.\n"
"\n"
"Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage error.\n";

#define WHICH_OPTIONS \
"  --network=NAME            the server of internal network NAME (letters,\n" \
"                            digits, '.', '_', '-' (not first), up to 63 bytes;\n" \
"                            also --netname)\n" \
"  --interface=IF            the server of host-only interface IF, e.g.\n" \
"                            vboxnet0 (also --ifname)\n"

#define DEF_OPTIONS \
"  --server-ip=IP            the server's own address (also --ip), outside\n" \
"                            the range it hands out\n" \
"  --netmask=MASK            netmask of the subnet, e.g. 255.255.255.0\n" \
"                            (contiguous, /30 at most)\n" \
"  --lower-ip=IP             first address handed out (also --lowerip)\n" \
"  --upper-ip=IP             last address handed out (also --upperip); the\n" \
"                            server IP and the range lie inside the subnet,\n" \
"                            not on its network or broadcast address\n" \
"  --enable | --disable      whether the server runs (default: enabled)\n" \
"  --set-opt=N VALUE         send DHCP option N (1 to 254) with VALUE, in\n" \
"                            its usual text form: addresses (lists separated\n" \
"                            by commas), names, numbers. E.g. --set-opt=6\n" \
"                            10.9.0.1 (name servers, up to 4), --set-opt=3\n" \
"                            10.9.0.1 (the router, one), --set-opt=15\n" \
"                            example.org (domain name).\n" \
"                            Without option 3 the server names no router,\n" \
"                            without 6 no name server. Options the server\n" \
"                            sets itself (message type, server identifier,\n" \
"                            netmask, lease times...) cannot be set\n" \
"  --set-opt-hex=N HEX       the same with the option's bytes: 0102 or 01:02\n" \
"  --unset-opt=N             stop sending option N (also --del-opt)\n" \
"  --lease-time=SECONDS      how long a lease lasts (default 86400; also\n" \
"                            --default-lease-time)\n" \
"  --mac-address=MAC --fixed-address=IP\n" \
"                            the client with hardware address MAC always\n" \
"                            gets IP (in the subnet, not the server IP;\n" \
"                            inside or outside the range), repeatable\n" \
"  --vm=VM [--nic=N] --fixed-address=IP\n" \
"                            NIC N (1 to 8, default 1) of VM always gets IP;\n" \
"                            it applies when the VM joins the network\n" \
"  --global                  end a --mac-address or --vm group\n"

#define NOT_SUPPORTED \
"VBoxManage's option groups (--group), options per client, --force-opt,\n" \
"--suppress-opt, --min-lease-time and --max-lease-time are not supported:\n" \
"options apply to the whole server.\n"

const char dhcpserver_add_help[] =
"Usage: natd dhcpserver add --network=NAME|--interface=IF --server-ip=IP\n"
"           --netmask=MASK --lower-ip=IP --upper-ip=IP [--enable|--disable]\n"
"           [--set-opt=N VALUE]... [--set-opt-hex=N HEX]... [--lease-time=S]\n"
"           [--mac-address=MAC --fixed-address=IP]...\n"
"           [--vm=VM --nic=N --fixed-address=IP]...\n"
"\n"
"Defines the DHCP server of a network in $NATD_HOME/natd.json. It starts\n"
"with the network's first VM (or at once, with natd dhcpserver start, when\n"
"VMs are attached). One server per network. A host-only interface's server\n"
"(natd hostonlyif create defines one) has the interface's netmask, lies in\n"
"its subnet, and neither its address nor its range is the host's.\n"
"\n"
WHICH_OPTIONS
DEF_OPTIONS
"  -h, --help                this text\n"
"\n"
NOT_SUPPORTED
"\n"
"Exit status: 0 done, 1 refused (nothing written), 2 usage error.\n";

const char dhcpserver_modify_help[] =
"Usage: natd dhcpserver modify --network=NAME|--interface=IF [OPTIONS]\n"
"\n"
"Changes a DHCP server: only what is given changes, in the order given, and\n"
"the result is checked as a whole before anything is written. A server that\n"
"runs keeps its settings until natd dhcpserver restart.\n"
"\n"
WHICH_OPTIONS
DEF_OPTIONS
"  --mac-address=MAC --remove-config\n"
"  --vm=VM [--nic=N] --remove-config\n"
"                            drop that reservation\n"
"  -h, --help                this text\n"
"\n"
NOT_SUPPORTED
"\n"
"Exit status: 0 done, 1 refused (nothing written), 2 usage error.\n";

const char dhcpserver_remove_help[] =
"Usage: natd dhcpserver remove --network=NAME|--interface=IF\n"
"\n"
"Deletes a DHCP server and its saved leases. A running server is stopped\n"
"first.\n"
"\n"
WHICH_OPTIONS
"\n"
"Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage error.\n";

const char dhcpserver_start_help[] =
"Usage: natd dhcpserver start --network=NAME|--interface=IF\n"
"\n"
"Enables the DHCP server (as --enable does) and, when the network has VMs\n"
"attached, starts it now; otherwise it starts with the network's first VM.\n"
"\n"
WHICH_OPTIONS
"\n"
"Exit status: 0 done, 1 refused or failed, 2 usage error.\n";

const char dhcpserver_stop_help[] =
"Usage: natd dhcpserver stop --network=NAME|--interface=IF\n"
"\n"
"Stops a running DHCP server. As in VirtualBox, the server stays enabled:\n"
"it runs again at natd dhcpserver start or restart, or when the network\n"
"comes up again with its first VM (natd dhcpserver modify --disable keeps\n"
"it off). Leases handed out are kept.\n"
"\n"
WHICH_OPTIONS
"\n"
"Exit status: 0 done, 1 refused or failed, 2 usage error.\n";

const char dhcpserver_restart_help[] =
"Usage: natd dhcpserver restart --network=NAME|--interface=IF\n"
"\n"
"Restarts a running DHCP server with its current definition, e.g. after\n"
"natd dhcpserver modify. Leases handed out are kept.\n"
"\n"
WHICH_OPTIONS
"\n"
"Exit status: 0 done, 1 refused or failed, 2 usage error.\n";

const char dhcpserver_findlease_help[] =
"Usage: natd dhcpserver findlease --network=NAME|--interface=IF\n"
"           --mac-address=MAC\n"
"\n"
"Shows the lease of the client with hardware address MAC from the server's\n"
"lease file, as VBoxManage does: address, MAC, state (acked: bound;\n"
"expired), when it was issued and expires (UTC, and seconds since the\n"
"epoch), its time to live and the seconds left.\n"
"\n"
WHICH_OPTIONS
"  --mac-address=MAC         08:00:27:aa:bb:cc, 08-00-27-aa-bb-cc or\n"
"                            080027AABBCC\n"
"\n"
"Exit status: 0 done, 1 no lease for MAC or failed, 2 usage error.\n";
