#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - turns the raw samples of tests/bench/run.sh into the table and
the JSON file.

  report.py SAMPLES.tsv META.json OUT.json

SAMPLES.tsv has one line per run: ROW<TAB>SYSTEM<TAB>VALUE, or
ROW<TAB>SYSTEM<TAB>NA<TAB>REASON when that run could not be measured.
Per row and system the median of the values is reported; the ratio is
natd's median over slirp4netns's median.
"""
import json
import statistics
import sys


# id, name, unit, target kind, target value
#   ratio>=X : ratio natd/slirp4netns at least X (higher is better)
#   ratio<=X : ratio at most X (lower is better: latency)
#   natd<=X  : natd's own value at most X
#   None     : informational
ROWS = []
for mtu in (65520, 1500):
    for d, dn in (("g2r", "guest->remote"), ("r2g", "remote->guest")):
        for p in (1, 4):
            ROWS.append((f"tput_{d}_P{p}_mtu{mtu}",
                         f"TCP {dn} {'1 stream' if p == 1 else '-P4'}, MTU {mtu}",
                         "Gbit/s", "ratio>=", 1.5))
ROWS += [
    ("connrate", "new connections (HTTP, Connection: close)", "conn/s", "ratio>=", 1.5),
    ("latency_p50", "request/response latency p50 (keep-alive)", "us", "ratio<=", 1.0),
    ("latency_p99", "request/response latency p99 (keep-alive)", "us", None, None),
    ("cpu_g2r", "NAT CPU per GB, guest->remote 1 stream", "s/GB", None, None),
    ("cpu_r2g", "NAT CPU per GB, remote->guest 1 stream", "s/GB", None, None),
    ("rss_idle", "NAT RSS with N idle TCP connections", "MiB", None, None),
    ("rss_per_conn", "NAT RSS growth per idle TCP connection", "KiB", "natd<=", 16.0),
]
# The mixed phase: NAT at MTU 65520, the guest's link at 1500.
ROWS += [
    ("tput_g2r_P1_mtu65520g1500", "TCP guest->remote 1 stream, NAT 65520/guest 1500",
     "Gbit/s", "ratio>=", 1.5),
    ("tput_r2g_P1_mtu65520g1500", "TCP remote->guest 1 stream, NAT 65520/guest 1500",
     "Gbit/s", "ratio>=", 1.5),
    ("cpu_g2r_mixed", "NAT CPU per GB, guest->remote, NAT 65520/guest 1500", "s/GB", None, None),
    ("cpu_r2g_mixed", "NAT CPU per GB, remote->guest, NAT 65520/guest 1500", "s/GB", None, None),
    ("connrate_pyhttp", "new connections (Python http.server), guest MTU 1500", "conn/s",
     "ratio>=", 1.5),
    ("connrate1_pyhttp", "new connections one at a time (Python http.server)", "conn/s",
     None, None),
    ("connrate_pyhttp_q128", "new connections (http.server, listen backlog 128)", "conn/s",
     None, None),
]
# The QEMU hub phase: natd's stream transport vs QEMU's -netdev user.
QROWS = []
for mtu in (1500, 32000, 65520):
    for d, dn in (("g2r", "guest->remote"), ("r2g", "remote->guest")):
        QROWS.append((f"tput_{d}_P1_mtu{mtu}hub", f"hub: TCP {dn}, MTU {mtu}",
                      "Gbit/s", "ratio>=", 1.5))
QROWS.append(("connrate_hub", "hub: new connections (nginx), MTU 1500", "conn/s", None, None))
for mtu in (1500, 32000, 65520):
    for d, dn in (("g2r", "guest->remote"), ("r2g", "remote->guest")):
        QROWS.append((f"cpu_{d}_{mtu}hub", f"hub: NAT CPU per GB, {dn}, MTU {mtu}", "s/GB",
                      "natd<=", 5.0))
        QROWS.append((f"qcpu_{d}_{mtu}hub", f"hub: QEMU CPU per GB, {dn}, MTU {mtu}", "s/GB",
                      None, None))
# The vm phase: QEMU TCG, virtio-net, MTU 1500.
for v, vn in (("stream", "natd stream"), ("vhost", "natd vhost-user")):
    for d, dn in (("g2r", "guest->remote"), ("r2g", "remote->guest")):
        QROWS.append((f"tput_{d}_vm_{v}", f"VM: TCP {dn}, {vn}", "Gbit/s", None, None))
        QROWS.append((f"cpu_{d}_vm_{v}", f"VM: natd CPU per GB, {dn}, {vn}", "s/GB", None, None))
        QROWS.append((f"qcpu_{d}_vm_{v}", f"VM: QEMU CPU per GB, {dn}, {vn}", "s/GB",
                      None, None))
OTHER_NAMES = {"slirp4netns": "slirp4netns", "qemuuser": "-netdev user"}


def fmt(x):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    samples_path, meta_path, out_path = sys.argv[1:4]
    with open(meta_path) as f:
        meta = json.load(f)
    vals = {}
    notes = {}
    with open(samples_path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            row, system = parts[0], parts[1]
            if parts[2] == "NA":
                reason = parts[3] if len(parts) > 3 else "unknown"
                notes.setdefault((row, system), [])
                if reason not in notes[(row, system)]:
                    notes[(row, system)].append(reason)
            else:
                vals.setdefault((row, system), []).append(float(parts[2]))

    rows = []
    for other, table in (("slirp4netns", ROWS), ("qemuuser", QROWS)):
        for rid, name, unit, tkind, tval in table:
            if rid.startswith("rss"):
                name = name.replace("N idle", f"{meta.get('idle_conns', 'N')} idle")
            r = {"id": rid, "name": name, "unit": unit, "versus": other}
            med = {}
            for s in ("natd", other):
                v = vals.get((rid, s), [])
                med[s] = statistics.median(v) if v else None
                r[s] = med[s]
                r[s + "_samples"] = v
                r[s + "_notes"] = notes.get((rid, s), [])
            if not any(r[s + "_samples"] or r[s + "_notes"] for s in ("natd", other)):
                continue    # a phase not run
            a, b = med["natd"], med[other]
            r["ratio"] = a / b if a is not None and b not in (None, 0) else None
            r["target"] = f"{tkind}{tval:g}" if tkind else None
            if tkind is None:
                r["met"] = None
            elif tkind == "natd<=":
                r["met"] = None if a is None else a <= tval
            elif r["ratio"] is None:
                r["met"] = None
            elif tkind == "ratio>=":
                r["met"] = r["ratio"] >= tval
            else:
                r["met"] = r["ratio"] <= tval
            rows.append(r)

    with open(out_path, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=2)
        f.write("\n")

    w = max([len(r["name"]) for r in rows] + [20])
    for other in ("slirp4netns", "qemuuser"):
        trows = [r for r in rows if r["versus"] == other]
        if not trows:
            continue
        on = OTHER_NAMES[other]
        head = (f"{'row':<{w}}  {'unit':<6} {'natd':>9} {on:>12} {'ratio':>6}  "
                f"{'target':<10} met")
        print(head)
        print("-" * len(head))
        for r in trows:
            met = "n/a" if r["met"] is None else ("yes" if r["met"] else "NO")
            print(f"{r['name']:<{w}}  {r['unit']:<6} {fmt(r['natd']):>9} "
                  f"{fmt(r[other]):>12} {fmt(r['ratio']):>6}  "
                  f"{(r['target'] or '-'):<10} {met}")
        print()
    # Reasons for every n/a (and for failed runs inside a row), once each.
    reasons = {}
    for r in rows:
        for s in ("natd", r["versus"]):
            for n in r[s + "_notes"]:
                reasons.setdefault((s, n), []).append(r["id"])
    if reasons:
        for (s, n), ids in reasons.items():
            print(f"{OTHER_NAMES.get(s, s)}: n/a in {len(ids)} row(s): {n}")
        print()
    print(f"medians of {meta.get('reps')} run(s) per system, natd and the other "
          f"alternating; ratio = natd/other; JSON: {out_path}")


if __name__ == "__main__":
    main()
