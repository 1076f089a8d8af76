/* SPDX-License-Identifier: MIT */
/*
 * cmd_natnetwork_help.c - the --help texts of `natd natnetwork` and its
 * subcommands (natd/cmd_natnetwork.c), in VBoxManage natnetwork's words.
 */
#include "natd/cmd_natnetwork_internal.h"

const char natnetwork_help[] =
"Usage: natd natnetwork SUBCOMMAND [OPTIONS]\n"
"\n"
"NAT networks, as VBoxManage natnetwork has them: a named NAT service that\n"
"several VMs join, like a home router. VMs on one network reach each other\n"
"and, through natd's NAT engine, everything the host reaches; the host\n"
"reaches them through port-forwarding rules.\n"
"\n"
"Subcommands (each has --help):\n"
"  add --netname NAME --network CIDR [OPTIONS]   define a network\n"
"  modify --netname NAME [OPTIONS]               change one (a running\n"
"                                                network changes at once)\n"
"  start --netname NAME                          run its service in the\n"
"                                                background\n"
"  stop --netname NAME                           stop the service\n"
"  remove --netname NAME                         delete a stopped network\n"
"  list [PATTERN]                                show networks (shell\n"
"                                                pattern on the name)\n"
"\n"
"Addresses in a network N/len: gateway, DNS proxy and router N.1; host\n"
"loopback N.2 (127.0.0.1=2, as in VirtualBox); DHCP server N.3; guest\n"
"leases from N.4 up. VMs join with\n"
"  natd run --name VM --nic1 natnetwork --nat-network1 NAME --attach1 SPEC\n"
"or QEMU connects to the network's switch socket directly:\n"
"  -netdev stream,id=n1,server=off,addr.type=unix,\n"
"          addr.path=$NATD_HOME/run/natnet-NAME.sock\n"
"\n"
"Definitions live in $NATD_HOME/natd.json; the running service's pid file,\n"
"sockets and log in $NATD_HOME/run/natnet-NAME.{pid,sock,ctl,log}.\n"
"\n"
"Exit status: 0 done, 1 refused or failed (nothing changed), 2 usage error.\n";

/* The options add and modify share. */
#define DEF_OPTIONS \
"  --network CIDR            IPv4 network, /8 to /30, host bits clear, not\n" \
"                            overlapping another NAT network or a host-only\n" \
"                            interface (e.g. 192.168.15.0/24)\n" \
"  --enable | --disable      whether the network may start and VMs may join\n" \
"                            it (default: enabled)\n" \
"  --dhcp on|off             DHCP server at .3, leases from .4 (default on;\n" \
"                            needs /29 or shorter). It hands out the host's\n" \
"                            nameservers (NATD_RESOLV_CONF) except those in\n" \
"                            127.0.0.0/8; when none remain, the gateway .1,\n" \
"                            which proxies DNS\n" \
"  --ipv6 on|off             IPv6 (default off): router advertisements of\n" \
"                            the prefix fd17:625c:f037:XXYY::/64 (XXYY the\n" \
"                            network's second and third octets) for SLAAC,\n" \
"                            gateway and DNS proxy ::1 (router fe80::1),\n" \
"                            RDNSS and stateless DHCPv6 with the host's IPv6\n" \
"                            nameservers (else ::1); guests' TCP, UDP and\n" \
"                            ping over IPv6 leave through the host\n" \
"  --ipv6-default on|off     advertise natd as the guests' IPv6 default\n" \
"                            router (default off: guests reach the outside\n" \
"                            over IPv4 only, natd's ::1 still answers)\n" \
"  --port-forward-4 RULE     forward a host port to a guest, repeatable:\n" \
"                              name:proto:[hostip]:hostport:[guestip]:guestport\n" \
"                            e.g. \"ssh:tcp:[]:1022:[192.168.15.5]:22\"; proto\n" \
"                            tcp or udp; name, ports and guest address (in\n" \
"                            the network) required; an empty host address\n" \
"                            means every address of the host. The guest sees\n" \
"                            the client's own address. Host ports below\n" \
"                            net.ipv4.ip_unprivileged_port_start need\n" \
"                            CAP_NET_BIND_SERVICE when the network starts\n" \
"  --port-forward-6 RULE     the same for IPv6 (addresses in brackets; the\n" \
"                            guest address in the network's prefix), e.g.\n" \
"                            \"ssh6:tcp:[]:1022:[fd17:625c:f037:a80f::5]:22\";\n" \
"                            in force only with --ipv6 on\n" \
"  --loopback-4 ADDR=OFFSET  network address N+OFFSET reaches the host's\n" \
"                            ADDR in 127.0.0.0/8 (TCP and UDP); the default\n" \
"                            mapping is 127.0.0.1=2 (N.2 is the host's\n" \
"                            127.0.0.1); OFFSET 0 removes the mapping of ADDR\n" \
"  --loopback-6 OFFSET       the prefix's address ::OFFSET (2 or more) reaches\n" \
"                            the host's ::1 (TCP and UDP; with --ipv6 on);\n" \
"                            default 0, no mapping\n" \
"  --uplink SPEC|none        the network's switch also joins a wire to other\n" \
"                            hosts, so that the network spans them (one\n" \
"                            uplink; none removes it):\n" \
"                              udp:LPORT,HOST:PORT  a UDP tunnel: frames in\n" \
"                                datagrams to HOST:PORT, taken from any\n" \
"                                source on LPORT (every local address);\n" \
"                                HOST a name (resolved when the network\n" \
"                                starts), an IPv4 or a bracketed IPv6\n" \
"                                address; the framing of VirtualBox's\n" \
"                                UDPTunnel and QEMU's -netdev dgram\n" \
"                              vde:/path/to/switch[PORT]  a VDE switch\n" \
"                                (vde_switch; its wires, e.g. vde_plug with\n" \
"                                dpipe over ssh, reach other hosts)\n" \
"                            Frames from the uplink are switched like a\n" \
"                            VM's; it gets every frame for an address not\n" \
"                            seen on this host. An LPORT below 1024 needs\n" \
"                            CAP_NET_BIND_SERVICE when the network starts\n" \
"  --source-ip4 IP|none      the network's outgoing host sockets (TCP\n" \
"                            connections, UDP, ping) take IP as their source\n" \
"                            address, an address of this host: the manual's\n" \
"                            setextradata global NAT/NAME/SourceIp4 (which\n" \
"                            natd setextradata also takes). Default (none):\n" \
"                            the kernel picks it by route. Port forwards keep\n" \
"                            their own host address. An address the host\n" \
"                            does not have is refused; applied at once to a\n" \
"                            running network (for new flows)\n"

const char natnetwork_add_help[] =
"Usage: natd natnetwork add --netname NAME --network CIDR [OPTIONS]\n"
"\n"
"Defines a NAT network in $NATD_HOME/natd.json. It does not start it\n"
"(natd natnetwork start). Options may also be written --option=VALUE.\n"
"\n"
"  --netname NAME            letters, digits, '.', '_', '-' (not first),\n"
"                            up to 63 bytes\n"
DEF_OPTIONS
"  -h, --help                this text\n"
"\n"
"Exit status: 0 done, 1 refused (nothing written), 2 usage error.\n";

const char natnetwork_modify_help[] =
"Usage: natd natnetwork modify --netname NAME [OPTIONS]\n"
"\n"
"Changes a NAT network; the options apply in the order given, and the\n"
"result is checked as a whole before anything is written.\n"
"\n"
DEF_OPTIONS
"  --port-forward-4 delete RULENAME\n"
"                            remove an IPv4 rule\n"
"  --port-forward-6 delete RULENAME\n"
"                            remove an IPv6 rule\n"
"  -h, --help                this text\n"
"\n"
"On a running network, rules are added and removed at once, all or nothing\n"
"(a new rule's host socket must open, or nothing changes and natd.json is\n"
"left alone), as are loopback mappings, --dhcp, --ipv6-default and\n"
"--uplink (the new uplink must open, or the old one stays);\n"
"--network and --ipv6 need the network stopped; --enable/--disable take\n"
"effect at the next start.\n"
"\n"
"Exit status: 0 done, 1 refused (nothing changed), 2 usage error.\n";

const char natnetwork_start_help[] =
"Usage: natd natnetwork start --netname NAME [--user USER[:GROUP]]\n"
"                           [--foreground]\n"
"\n"
"Starts the network's service in the background: its switch socket\n"
"$NATD_HOME/run/natnet-NAME.sock, the gateway, DHCP and DNS, and its\n"
"port-forwarding rules. Returns once the service is ready, or fails with\n"
"the reason (log: $NATD_HOME/run/natnet-NAME.log). DHCP leases of an\n"
"earlier run are restored, so VMs keep their addresses.\n"
"\n"
"The service installs natd's seccomp allowlist once it is ready;\n"
"NATD_SANDBOX (on, trap, log, off) sets its mode, as natd run --sandbox.\n"
"\n"
"  --user USER[:GROUP]  started as root: once set up, the service becomes\n"
"                       USER (GROUP, default USER's login group) and keeps\n"
"                       only CAP_NET_BIND_SERVICE (rules below port 1024\n"
"                       added later). It writes its leases under NATD_HOME,\n"
"                       so NATD_HOME should be USER's; then run/ and the\n"
"                       service's files there become USER's too. Refused\n"
"                       when not root (unless USER is natd's own user)\n"
"\n"
"  --foreground         run the service in this process instead, logging to\n"
"                       stderr, until SIGINT or SIGTERM; once it is ready\n"
"                       it tells systemd so (sd_notify READY=1) when it\n"
"                       runs as a Type=notify unit\n"
"                       (natd-natnetwork@NAME.service)\n"
"\n"
"Exit status: 0 done (with --foreground: stopped by a signal), 1 refused\n"
"or failed (the reason on stderr), 2 usage error.\n";

const char natnetwork_stop_help[] =
"Usage: natd natnetwork stop --netname NAME\n"
"\n"
"Stops the network's service and waits until it has exited: forwarded host\n"
"ports close, VMs lose the outside and each other. `natd run` sidecars keep\n"
"their VMs' links up and reconnect when the network starts again.\n"
"\n"
"Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage\n"
"error.\n";

const char natnetwork_remove_help[] =
"Usage: natd natnetwork remove --netname NAME\n"
"\n"
"Deletes a stopped NAT network and its saved leases. A running network is\n"
"refused: stop it first.\n"
"\n"
"Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage\n"
"error.\n";

const char natnetwork_list_help[] =
"Usage: natd natnetwork list [PATTERN]\n"
"\n"
"Shows every NAT network (or those whose name matches the shell PATTERN):\n"
"network, gateway, DHCP, IPv6, rules, loopback mappings, the uplink (and,\n"
"while the network runs, its state, frames and the peers seen), whether it is\n"
"enabled and whether its service runs (with its pid, attached VMs, DHCP\n"
"leases and, with IPv6 on, the guests' IPv6 addresses natd has seen), in\n"
"VBoxManage list natnetworks' layout.\n"
"\n"
"Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 usage\n"
"error.\n";
