#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# gen_corpus.py - writes the seed corpora of fuzz_dhcp_server,
# fuzz_resolvconf, fuzz_tftp_request, fuzz_frame, fuzz_switch_hello, fuzz_vring
# fuzz_vhost_user_msg, fuzz_ctl_request, fuzz_dns_tcp, fuzz_fdb, fuzz_icmp_err and
# fuzz_natnet_options (run once; the files are committed):
#   python3 tests/fuzz/gen_corpus.py tests/fuzz/corpus
import os
import socket
import struct
import sys

MAC = bytes.fromhex("525400123456")
# fuzz_dhcp_server gives these fixed addresses: .20 (in the range), .40 (outside)
MAC_FIXED_IN = bytes.fromhex("525400123457")
MAC_FIXED_OUT = bytes.fromhex("525400123458")


def ip(s):
    return socket.inet_aton(s)


def bootp(mtype, opts=b"", ciaddr="0.0.0.0", flags=0, giaddr="0.0.0.0",
          op=1, htype=1, hlen=6, cookie=b"\x63\x82\x53\x63", mac=MAC, end=True,
          pad=True):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, 0,
                      0x12345678, 0, flags, ip(ciaddr), b"\0" * 4, b"\0" * 4,
                      ip(giaddr), mac.ljust(16, b"\0"), b"", b"")
    body = hdr + cookie
    if mtype is not None:
        body += bytes([53, 1, mtype])
    body += opts
    if end:
        body += b"\xff"
    if pad and len(body) < 300:
        body = body.ljust(300, b"\0")
    return body


def opt(code, data):
    return bytes([code, len(data)]) + data


def dhcp_seeds():
    prl = opt(55, bytes([1, 3, 6, 15, 26, 28, 51, 58, 59, 119, 66, 67]))
    host = opt(12, b"guest")
    cid = opt(61, b"\x01" + MAC)
    sid = opt(54, ip("10.0.2.2"))
    return {
        "discover": bootp(1, prl + host),
        "discover_cid_reqip": bootp(1, cid + opt(50, ip("10.0.2.20")) + prl),
        "discover_bcast": bootp(1, prl, flags=0x8000),
        "request_selecting": bootp(3, sid + opt(50, ip("10.0.2.15")) + host),
        "request_other_server": bootp(3, opt(54, ip("10.0.2.99")) + opt(50, ip("10.0.2.15"))),
        "request_init_reboot": bootp(3, opt(50, ip("10.0.2.15"))),
        "request_init_reboot_foreign": bootp(3, opt(50, ip("192.168.1.10"))),
        "request_renew": bootp(3, b"", ciaddr="10.0.2.15"),
        "release": bootp(7, sid, ciaddr="10.0.2.15"),
        "decline": bootp(4, sid + opt(50, ip("10.0.2.15"))),
        "inform": bootp(8, prl, ciaddr="10.0.2.99"),
        "relayed": bootp(1, b"", giaddr="10.9.9.1"),
        "overload": bootp(1, opt(52, b"\x03")),
        "long_cid": bootp(1, opt(61, bytes(range(200)))),
        "discover_pxe": bootp(1, opt(60, b"PXEClient:Arch:00000:UNDI:002001") +
                             opt(93, b"\x00\x07") + opt(97, b"\x00" + bytes(range(16))) + prl),
        "discover_pxe_bad": bootp(1, opt(60, b"PXE") + opt(93, b"\x00") + opt(97, bytes(40))),
        "fixed_discover": bootp(1, prl, mac=MAC_FIXED_IN),
        "fixed_select": bootp(3, sid + opt(50, ip("10.0.2.40")), mac=MAC_FIXED_OUT),
        "fixed_select_other": bootp(3, sid + opt(50, ip("10.0.2.16")), mac=MAC_FIXED_IN),
        "fixed_init_reboot": bootp(3, opt(50, ip("10.0.2.20")), mac=MAC_FIXED_IN),
        "fixed_renew_out": bootp(3, b"", ciaddr="10.0.2.40", mac=MAC_FIXED_OUT),
        "fixed_taken_by_other": bootp(3, opt(50, ip("10.0.2.40"))),
        "fixed_decline": bootp(4, sid + opt(50, ip("10.0.2.40")), mac=MAC_FIXED_OUT),
        "fixed_release": bootp(7, sid, ciaddr="10.0.2.40", mac=MAC_FIXED_OUT),
        "fixed_pxe": bootp(1, opt(60, b"PXEClient:Arch:00007:UNDI:003016") +
                           opt(93, b"\x00\x07") + opt(97, b"\x00" + bytes(range(16))) + prl,
                           mac=MAC_FIXED_OUT),
        "bad_truncated": bootp(1)[:100],
        "bad_cookie": bootp(1, cookie=b"\x63\x82\x53\x62"),
        "bad_optlen": bootp(1, bytes([12, 200]) + b"host", end=False, pad=False),
        "bad_no_type": bootp(None, opt(50, ip("10.0.2.20"))),
        "bad_hlen16": bootp(1, hlen=16),
        "bad_reply": bootp(2, op=2),
        "empty": b"",
    }


RESOLV = {
    "systemd": b"nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n",
    "mixed": (b"# generated\ndomain corp.example\nnameserver 192.0.2.1\n"
              b"nameserver 2001:db8::1\nnameserver fe80::1%1\n"
              b"search a.example b.example ; comment\n"),
    "garbage": b"nameserver\nsearch\n\x00nameserver 1.2.3.4\r\n;x\n" + b"z" * 600,
}


def tftp_req(op, name, mode, *opts):
    b = struct.pack("!H", op) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        b += k + b"\0" + v + b"\0"
    return b


def tftp_seed(req, *records):
    # fuzz_tftp_request: length, request, then (kind, len, bytes) records
    b = struct.pack("!H", len(req)) + req
    for kind, data in records:
        b += bytes([kind, len(data)]) + data
    return b


def ack(n):
    return (2, struct.pack("!H", n & 0xffff))


def tftp_seeds():
    opts = ((b"blksize", b"1468"), (b"tsize", b"0"), (b"windowsize", b"16"),
            (b"timeout", b"2"))
    return {
        "rrq_octet": tftp_seed(tftp_req(1, b"boot.bin", b"octet"),
                               *[ack(i) for i in range(1, 8)]),
        "rrq_options": tftp_seed(tftp_req(1, b"/pxe/vm.pxe", b"octet", *opts),
                                 ack(0), ack(16), ack(16), ack(30), (0, b""), ack(40)),
        "rrq_netascii": tftp_seed(tftp_req(1, b"text.txt", b"NETASCII",
                                           (b"blksize", b"10"), (b"windowsize", b"3")),
                                  ack(0), ack(3), (0, b""), ack(5), ack(9)),
        "rrq_timeouts": tftp_seed(tftp_req(1, b"f", b"octet"), *[(0, b"")] * 7),
        "client_error": tftp_seed(tftp_req(1, b"f", b"octet", (b"blksize", b"512")),
                                  (1, b"\0\5\0\10refused\0")),
        "ack_wrap": tftp_seed(tftp_req(1, b"f", b"octet", (b"blksize", b"8")),
                              ack(0), ack(65535), ack(0), ack(1)),
        "wrq": tftp_req(2, b"upload", b"octet"),
        "traversal": tftp_seed(tftp_req(1, b"../../etc/passwd", b"octet")),
        "control_bytes": tftp_seed(tftp_req(1, b"a\tb", b"octet")),
        "mail_mode": tftp_seed(tftp_req(1, b"x", b"mail")),
        "long_name": tftp_seed(tftp_req(1, b"n" * 300, b"octet")),
        "bad_options": tftp_seed(tftp_req(1, b"x", b"octet", (b"blksize", b"7"),
                                          (b"windowsize", b"99999999999999999999999"),
                                          (b"tsize", b"x")) + b"dangling"),
        "truncated": tftp_seed(tftp_req(1, b"x", b"octet")[:5]),
    }


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ident=1, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64,
                    proto, 0, ip(src), ip(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4_csum(src, dst, proto, seg):
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def udp(src, sport, dst, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4_csum(src, dst, 17, seg) or 0xffff
    return ipv4(src, dst, 17, seg[:6] + struct.pack("!H", c) + seg[8:])


def tcp_syn(src, sport, dst, dport):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 6 << 4, 0x02, 65535, 0, 0)
    seg += bytes([2, 4, 0x05, 0xb4, 1, 1, 1, 0])  # MSS 1460, NOP NOP EOL
    seg = seg[:12] + bytes([(len(seg) // 4) << 4]) + seg[13:]
    c = l4_csum(src, dst, 6, seg)
    return ipv4(src, dst, 6, seg[:16] + struct.pack("!H", c) + seg[18:])


def icmp_echo(src, dst):
    m = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"natd-fuzz"
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ipv4(src, dst, 1, m)


def arp_req(target, sender="10.0.2.15"):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC, ip(sender),
                       b"\0" * 6, ip(target))


def frame_seeds():
    # fuzz_frame: 2-byte EtherType (0x88xx/0x86xx: 0x08xx to broadcast), payload
    g = "10.0.2.15"
    frag = udp(g, 5000, "10.0.2.2", 7, b"x" * 40)
    src6 = bytes.fromhex("fd17625cf0370002" "005054fffe123456")
    dst6 = bytes.fromhex("fd17625cf0370002" "0000000000000002")
    echo6 = bytes.fromhex("8000000012340001") + b"ping"
    c6 = csum(src6 + dst6 + struct.pack("!IxxxB", len(echo6), 58) + echo6)
    echo6 = echo6[:2] + struct.pack("!H", c6) + echo6[4:]
    v6 = struct.pack("!IHBB", 6 << 28, len(echo6), 58, 64) + src6 + dst6 + echo6
    return {
        "arp_gateway": b"\x88\x06" + arp_req("10.0.2.2"),
        "arp_dns": b"\x88\x06" + arp_req("10.0.2.3"),
        "arp_tftp": b"\x88\x06" + arp_req("10.0.2.4"),
        "icmp_echo": b"\x08\x00" + icmp_echo(g, "10.0.2.2"),
        "dhcp_discover": b"\x88\x00" + udp("0.0.0.0", 68, "255.255.255.255", 67,
                                          bootp(1, opt(55, bytes([1, 3, 6, 15, 119])))),
        "dhcp_request": b"\x88\x00" + udp("0.0.0.0", 68, "255.255.255.255", 67,
                                         bootp(3, opt(50, ip(g)) + opt(54, ip("10.0.2.2")))),
        "tftp_rrq": b"\x08\x00" + udp(g, 1234, "10.0.2.4", 69,
                                     tftp_req(1, b"f", b"octet", (b"blksize", b"512"),
                                              (b"tsize", b"0"))),
        "tftp_missing": b"\x08\x00" + udp(g, 1235, "10.0.2.4", 69,
                                         tftp_req(1, b"nothing", b"octet")),
        "tcp_syn_gateway": b"\x08\x00" + tcp_syn(g, 40000, "10.0.2.2", 22),
        "udp_remote": b"\x08\x00" + udp(g, 40001, "198.51.100.1", 53, b"\0" * 12),
        "frag_first": b"\x08\x00" + ipv4(g, "10.0.2.2", 17, frag[20:44], 7, 0x2000),
        "frag_last": b"\x08\x00" + ipv4(g, "10.0.2.2", 17, frag[44:], 7, 3),
        "ipv6_echo": b"\x86\xdd" + v6,
        "vlan": b"\x81\x00" + b"\x00\x05\x08\x00" + icmp_echo(g, "10.0.2.2"),
        "runt": b"\x08\x00\x45",
    }


HELLO_ADDR = bytes.fromhex("036e61746400")
HELLO_SECRET = b"natd-fuzz-secret"  # the secret fuzz_switch_hello.c parses with


def hello(vm=b"vm1", adapter=1, mac=bytes.fromhex("080027000001"), policy=0,
          secret=HELLO_SECRET, version=1, magic=b"natd", dst=HELLO_ADDR, pad=True):
    body = (dst + mac + b"\x88\xb5" + magic + bytes([version]) + secret +
            struct.pack("!H", adapter) + mac + bytes([policy, len(vm)]) + vm)
    return body.ljust(60, b"\0") if pad else body


def hello_seeds():
    return {
        "deny": hello(),
        "allow_vms": hello(b"web-1", 2, policy=1),
        "allow_all_long_name": hello(b"x" * 63, 8, policy=2),
        "no_name_no_mac": hello(b"", 0, mac=b"\0" * 6, policy=0),
        "unpadded": hello(b"a-fairly-long-vm-name-for-no-padding", pad=False),
        "wrong_secret": hello(secret=b"\x00" * 16),
        "version2": hello(version=2),
        "bad_magic": hello(magic=b"NATD"),
        "bad_policy": hello(policy=3),
        "name_too_long": hello(b"y" * 64),
        "name_control": hello(b"a\x1bb"),
        "truncated": hello()[:40],
        "not_hello_address": hello(dst=b"\xff" * 6),
    }


def vring_mem(num_log2, max_iov, descs, avail_ring, avail_idx, last_avail=0,
              ring_f=False, itab=()):
    """fuzz_vring input: byte 0 = queue size (log2) | iovec limit << 3 |
    0x80 with the ring features (indirect, event index), then the memory:
    descriptor table at 0, available ring at 4096 (flags, idx, ring), used
    ring at 8192; last_avail at 4094; an indirect table (itab) at 10240."""
    mem = bytearray(12288)
    for i, (addr, ln, flags, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", mem, 16 * i, addr, ln, flags, nxt)
    for i, (addr, ln, flags, nxt) in enumerate(itab):
        struct.pack_into("<QIHH", mem, 10240 + 16 * i, addr, ln, flags, nxt)
    struct.pack_into("<HH", mem, 4096, 0, avail_idx)
    for i, h in enumerate(avail_ring):
        struct.pack_into("<H", mem, 4100 + 2 * i, h)
    struct.pack_into("<H", mem, 4094, last_avail)
    return bytes([num_log2 | ((max_iov - 1) << 3) | (0x80 if ring_f else 0)]) + bytes(mem)


def vring_seeds():
    g = 0x100000
    return {
        "two_chains": vring_mem(3, 16, [(g + 0x4000, 12, 1, 1), (g + 0x5000, 1500, 0, 0),
                                        (g + 0x6000, 2048, 2, 0)], [0, 2], 2),
        "outside": vring_mem(3, 16, [(g + 0x20000, 100, 0, 0)], [0], 1),
        "loop": vring_mem(3, 16, [(g + 0x4000, 10, 1, 1), (g + 0x4100, 10, 1, 0)], [0], 1),
        "far_ahead": vring_mem(3, 16, [], [], 200),
        "head_range": vring_mem(2, 16, [], [9], 1),
        "indirect": vring_mem(3, 16, [(g + 0x4000, 16, 4, 0)], [0], 1),
        "too_many": vring_mem(3, 1, [(g + 0x4000, 10, 1, 1), (g + 0x4100, 10, 0, 0)], [0], 1),
        "wrap": vring_mem(2, 16, [(g + 0x4000, 10, 0, 0)] * 4, [0, 1, 2, 3], 2, 65534),
        # with the ring features: indirect tables (at g + 0x2800), event index
        "ind_ok": vring_mem(3, 16, [(g + 0x2800, 48, 4, 0), (g + 0x4000, 12, 1, 2),
                                    (g + 0x2800, 48, 4, 0)], [0, 1], 2, ring_f=True,
                            itab=[(g + 0x4000, 12, 1, 2), (g + 0x6000, 2048, 2, 0),
                                  (g + 0x5000, 1500, 1, 1)]),
        "ind_nested": vring_mem(3, 16, [(g + 0x2800, 16, 4, 0)], [0], 1, ring_f=True,
                                itab=[(g + 0x2800, 16, 4, 0)]),
        "ind_loop": vring_mem(3, 16, [(g + 0x2800, 32, 4, 0)], [0], 1, ring_f=True,
                              itab=[(g + 0x4000, 10, 1, 1), (g + 0x4100, 10, 1, 0)]),
        "ind_len": vring_mem(3, 16, [(g + 0x2800, 24, 4, 0)], [0], 1, ring_f=True),
        "ind_next": vring_mem(3, 16, [(g + 0x2800, 16, 5, 1)], [0], 1, ring_f=True,
                              itab=[(g + 0x4000, 10, 0, 0)]),
        "event_wrap": vring_mem(2, 16, [(g + 0x4000, 10, 0, 0)] * 4, [0, 1, 2, 3], 2, 65534,
                                ring_f=True),
    }


def vu_msg(req, payload=b"", flags=1):
    return struct.pack("<III", req, flags, len(payload)) + payload


def vhost_user_seeds():
    region = struct.pack("<QQQQ", 0, 1 << 21, 0x7f0000000000, 0)
    return {
        "setup": bytes([0]) + vu_msg(1) + vu_msg(3) + vu_msg(2, struct.pack("<Q", 1 << 32)) +
        vu_msg(8, struct.pack("<II", 0, 256)) + vu_msg(10, struct.pack("<II", 0, 0)) +
        vu_msg(9, struct.pack("<IIQQQQ", 0, 0, 1, 2, 3, 0)) + vu_msg(11, struct.pack("<II", 1, 0)),
        "mem_table": bytes([1]) + vu_msg(5, struct.pack("<II", 1, 0) + region),
        "mem_table_9": bytes([8]) + vu_msg(5, struct.pack("<II", 9, 0) + region * 9),
        "kick_fd": bytes([1]) + vu_msg(12, struct.pack("<Q", 1)),
        "kick_nofd": bytes([0]) + vu_msg(13, struct.pack("<Q", 0x100)),
        "short_addr": bytes([0]) + vu_msg(9, b"\0" * 20),
        "bad_version": bytes([0]) + vu_msg(1, flags=2),
        "too_large": bytes([0]) + struct.pack("<III", 5, 1, 4096),
        "truncated": bytes([0]) + vu_msg(2, struct.pack("<Q", 1))[:15],
        "unknown": bytes([0]) + vu_msg(99, b"xyz"),
    }


def ctl_req(command, args=None, version=1):
    import json
    o = {"version": version, "command": command}
    if args is not None:
        o["args"] = args
    return json.dumps(o).encode()


def ctl_seeds():
    cvm = lambda sub, *argv: ctl_req("controlvm", {"subcommand": sub, "argv": list(argv)})
    natnet = {"name": "nn", "network": "10.0.5.0/24", "enabled": True, "dhcp": True,
              "ipv6": False, "port_forward_4": ["ssh,tcp,,2222,10.0.5.4,22"],
              "port_forward_6": [], "loopback_4": ["127.0.0.1=2"], "loopback_6": 5,
              "uplink": "udp:5001,localhost:5002"}
    return {
        "showvminfo": ctl_req("showvminfo"),
        "linkstate": cvm("setlinkstate1", "off") + b"\n" + cvm("setlinkstate8", "on"),
        "linkstate_wrap": cvm("setlinkstate4294967297", "off"),
        "natpf": cvm("natpf1", "web,tcp,127.0.0.1,18080,,80") + b"\n" +
        cvm("natpf2", "delete", "web") + b"\n" + cvm("natpf1", "[v6],udp,[::1],53,[fd00::5],53"),
        "natpf_bad": cvm("natpf1", "a,b,c") + b"\n" + cvm("natpf1") + b"\n" + cvm("natpf0", "x"),
        "promisc": cvm("nicpromisc3", "allow-all") + b"\n" + cvm("nicpromisc1", "deny", "x"),
        "trace": cvm("nictracefile1", "/tmp/t.pcap") + b"\n" + cvm("nictrace1", "on"),
        "bwgroup": cvm("nicbandwidthgroup1", "none") + b"\n" + cvm("nicbandwidthgroupx", "a"),
        "unknown": cvm("poweroff") + b"\n" + ctl_req("controlvm", {"argv": 3}),
        "bandwidthctl": b"\n".join(ctl_req("bandwidthctl", a) for a in (
            {"op": "add", "name": "g1", "limit": "10m"}, {"op": "set", "name": "g1", "limit": "1k"},
            {"op": "add", "name": "g1", "limit": "5"}, {"op": "remove", "name": "g1"},
            {"op": "set", "name": "nope", "limit": "x"}, {"op": "add", "name": "g2", "limit": "1G"})),
        "apply": ctl_req("apply", {"definition": natnet}),
        "uplink": ctl_req("uplink", {"uplink": "udp:5001,[2001:db8::1]:5002"}) + b"\n" +
        ctl_req("uplink", {"uplink": "vde:/run/vde.ctl"}) + b"\n" + ctl_req("uplink", {"uplink": ""}),
        "envelope": b"{}\n[1]\n" + ctl_req("x", version=2) + b"\n{\"version\":1}\n{\"version\":1,",
    }


def dns_q(name, qid=0x1234, qtype=1):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def tcp_seg(data, answers=0, kill=False):
    return bytes([answers | (0x40 if kill else 0)]) + struct.pack("!H", len(data)) + data


def dns_tcp_seeds():
    msg = lambda q: struct.pack("!H", len(q)) + q
    qs = [msg(dns_q("h%d.example.test" % i, qid=i)) for i in range(40)]
    one = qs[0]
    return {
        "one": tcp_seg(one),
        "three_in_one": tcp_seg(b"".join(qs[:3])),
        "split_prefix": tcp_seg(one[:1]) + tcp_seg(one[1:]),
        "split_body": tcp_seg(one[:7]) + tcp_seg(one[7:20]) + tcp_seg(one[20:]),
        "pending_cap": tcp_seg(b"".join(qs)) + tcp_seg(b"", answers=5) + tcp_seg(b"", answers=63),
        "oversized": tcp_seg(b"\xff\xff" + b"\0" * 1000) + tcp_seg(b"\0" * 65000) +
        tcp_seg(b"\0" * 1000),
        "zero_length": tcp_seg(b"\0\0\0\0" + one),
        "killed": tcp_seg(one + one, kill=True),
    }


def fdb_op(kind, port=0, dt=0, idx=0, group=False):
    return bytes([kind | port << 2 | (0x40 if group else 0), dt]) + struct.pack("!H", idx)


def fdb_seeds():
    learn_all = b"".join(fdb_op(0, i % 16, 0, i) for i in range(4096))
    look_all = b"".join(fdb_op(1, 0, 0, i) for i in range(0, 4096, 7))
    return {
        "learn_lookup": bytes([30]) + fdb_op(0, 1, 1, 5) + fdb_op(1, 0, 1, 5) + fdb_op(0, 2, 1, 5) +
        fdb_op(1, 0, 0, 5) + fdb_op(3),
        "group": bytes([30]) + fdb_op(0, 1, 0, 9, group=True) + fdb_op(1, 0, 0, 9, group=True),
        "aging": bytes([0]) + fdb_op(0, 3, 0, 1) + fdb_op(1, 0, 2, 1) + fdb_op(1, 0, 1, 1) +
        fdb_op(0, 3, 0, 1) + fdb_op(3),
        "forget": bytes([200]) + fdb_op(0, 4, 0, 1) + fdb_op(0, 5, 0, 2) + fdb_op(2, 4) +
        fdb_op(1, 0, 0, 1) + fdb_op(1, 0, 0, 2) + fdb_op(3),
        "fill": bytes([255]) + learn_all + look_all + fdb_op(3) + fdb_op(2, 7) + look_all,
    }


def icmp_err_seed(v6, sel, echo, ee_type, ee_code, info, orig_len, l4, quoted, origin=None,
                  cut=None):
    if origin is None:
        origin = 3 if v6 else 2
    ee = struct.pack("=IBBBBII", 111, origin, ee_type, ee_code, 0, info, 0)
    if v6:
        off = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0, socket.inet_pton(socket.AF_INET6, "2001:db8::fe"), 0)
    else:
        off = struct.pack("=HH4s8s", socket.AF_INET, 0, socket.inet_aton("203.0.113.9"), b"")
    c = (ee + off)[:cut]
    return bytes([int(v6) | sel << 1, int(echo), len(c)]) + c + struct.pack("!H", orig_len) + \
        bytes([len(l4)]) + l4 + quoted


def icmp_err_seeds():
    udp = struct.pack("!HHHH", 40000, 33434, 20, 0)
    echo = struct.pack("!BBHHH", 8, 0, 0x1234, 77, 3)
    kecho = struct.pack("!BBHHH", 8, 0, 0x4321, 99, 9)
    return {
        "v4_port_unreach": icmp_err_seed(False, 0, False, 3, 3, 0, 48, udp, udp),
        "v4_ttl": icmp_err_seed(False, 0, False, 11, 0, 0, 60, udp, udp),
        "v4_frag_needed": icmp_err_seed(False, 0, False, 3, 4, 1400, 1500, udp, udp),
        "v4_echo_seq": icmp_err_seed(False, 0, True, 11, 0, 0, 84, echo, kecho),
        "v6_port_unreach": icmp_err_seed(True, 0, False, 1, 4, 0, 68, udp, udp),
        "v6_ptb": icmp_err_seed(True, 0, False, 2, 0, 1280, 1500, udp, udp),
        "v6_echo_seq": icmp_err_seed(True, 0, True, 3, 0, 0, 104, echo, kecho),
        "wrong_family": icmp_err_seed(False, 1, False, 3, 3, 0, 48, udp, udp),
        "local_origin": icmp_err_seed(False, 0, False, 3, 3, 0, 48, udp, udp, origin=1),
        "short": icmp_err_seed(True, 0, False, 1, 4, 0, 68, udp, udp, cut=20),
    }


def natnet_opts(sub, *args):
    return bytes(["add modify start stop remove list".split().index(sub)]) + "\n".join(args).encode()


def natnet_options_seeds():
    return {
        "add": natnet_opts("add", "--netname", "nn2", "--network", "10.0.9.0/24", "--dhcp", "on",
                           "--ipv6=on", "--ipv6-default", "off", "--enable"),
        "add_rules": natnet_opts("add", "--netname=n", "--network=192.168.15.0/24",
                                 "--port-forward-4", "a:udp:[127.0.0.1]:5353:[192.168.15.5]:53",
                                 "--port-forward-6", "b:tcp:[]:8080:[fd00::5]:80",
                                 "--loopback-4", "127.0.0.3=7", "--loopback-6", "9"),
        "modify": natnet_opts("modify", "--netname", "nn", "--port-forward-4", "delete", "ssh",
                              "--loopback-4", "127.0.0.2=0", "--uplink", "none", "--disable"),
        "modify_dup": natnet_opts("modify", "--netname", "nn", "--port-forward-4",
                                  "ssh:tcp:[]:2223:[10.0.5.5]:22"),
        "uplink": natnet_opts("modify", "--netname", "nn", "--uplink", "vde:/run/vde.ctl",
                              "--uplink", "udp:6000,[2001:db8::7]:6001"),
        "bad": natnet_opts("add", "--netname", "x y", "--network", "10.0.0.0/33", "--what"),
        "list": natnet_opts("list", "n*"),
        "start": natnet_opts("start", "--netname", "nn", "--network", "10.0.0.0/24"),
        "help": natnet_opts("remove", "--help"),
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    for sub, seeds in (("fuzz_dhcp_server", dhcp_seeds()), ("fuzz_resolvconf", RESOLV),
                       ("fuzz_tftp_request", tftp_seeds()), ("fuzz_frame", frame_seeds()),
                       ("fuzz_switch_hello", hello_seeds()), ("fuzz_vring", vring_seeds()),
                       ("fuzz_vhost_user_msg", vhost_user_seeds()),
                       ("fuzz_ctl_request", ctl_seeds()), ("fuzz_dns_tcp", dns_tcp_seeds()),
                       ("fuzz_fdb", fdb_seeds()), ("fuzz_icmp_err", icmp_err_seeds()),
                       ("fuzz_natnet_options", natnet_options_seeds())):
        d = os.path.join(root, sub)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
