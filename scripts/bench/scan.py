#!/usr/bin/python3
"""Neighbour-scan benchmark (docs/SECURITY.md, "Neighbour scans"): issue 12's scan on the
replay rig. p0 replays, for ever, a pcap in which every 4 packets to unused addresses of a
connected subnet (2,000 in 10.1.16.0/20 of the connected 10.1.0.0/16, 500 in
2001:db8:1:0:1::/80 of the connected /64; PER packets each a cycle) are followed by one packet
to a resolved (static) next hop behind p1. Two runs alternate ROUNDS times: "scan" as is, and
"blackholed", where routes drop the scanned prefixes (the same frames, no neighbour work).
Per run, over SECONDS after WARMUP: Mpps received on p0, the share of next-hop packets that
left p1, solicitations a second, and the neighbour table's peaks against their limits.
Writes OUT/scan.json and a table on stdout."""
import argparse
import ipaddress
import json
import os
import socket
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

P0_MAC, P1_MAC, GW, HOST = "02:00:00:00:00:01", "02:00:00:00:01:01", "02:00:00:00:01:02", "02:00:00:00:00:aa"
LIMITS = {"max_per_port": 1024, "hold_per_neighbor": 4, "hold_total_pct": 5, "solicit_pps": 1000}


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s >> 16) + (s & 0xffff)
    return (~s) & 0xffff


def udp4(dst, sport):
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0, socket.inet_aton("10.0.0.2"),
                               socket.inet_aton(dst)))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return mac(P0_MAC) + mac(HOST) + b"\x08\x00" + bytes(ip) + struct.pack("!HHHH", sport, 9, 26, 0) + bytes(18)


def udp6(dst, sport):
    ip = struct.pack("!IHBB16s16s", 6 << 28, 18, 17, 64, ipaddress.IPv6Address("2001:db8::2").packed,
                     ipaddress.IPv6Address(dst).packed)
    return mac(P0_MAC) + mac(HOST) + b"\x86\xdd" + ip + struct.pack("!HHHH", sport, 9, 18, 0x1234) + bytes(10)


def scan_pcap(path, per):
    targets = [udp4("10.1.%d.%d" % (16 + i // 250, 1 + i % 250), 1000) for i in range(2000)]
    targets += [udp6("2001:db8:1::1:0:%x:%x" % (i // 256, i % 256 + 1), 1000) for i in range(500)]
    normal = [udp4("198.18.%d.%d" % (i // 250, 1 + i % 250), 2000 + i) for i in range(512)]
    normal += [udp6("2001:db8:100::%x" % (i + 1), 2000 + i) for i in range(512)]
    frames, k = [], 0
    for _ in range(per):
        for i, t in enumerate(targets):
            frames.append(t)
            if i % 4 == 3:
                frames.append(normal[k % len(normal)])
                k += 1
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)
    # normal[j]: next-hop packets among the first j frames (the replay's last, partial cycle)
    normal_before = [0]
    for fr in frames:
        normal_before.append(normal_before[-1] + (fr[30:32] == b"\xc6\x12" or fr[38:42] == b"\x20\x01\x0d\xb8"
                                                   and fr[42:44] == b"\x01\x00"))
    return len(frames), k, normal_before


def config(path, pcap, prefix, sock, blackhole):
    empty = os.path.join(os.path.dirname(pcap), "empty.pcap")  # p1 receives nothing; its TX is counted
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    lines = [
        "eal: [-l, \"0-1\", --in-memory, --no-pci, --file-prefix, %s]" % prefix,
        "control: { socket: %s, metrics: \"127.0.0.1:%d\" }" % (sock, 20000 + os.getpid() % 20000),
        "ports:",
        "  - { name: p0, device: \"net_pcap0,rx_pcap=%s,infinite_rx=1\", mac: \"%s\"," % (pcap, P0_MAC),
        "      ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }",
        "  - { name: p1, device: \"net_pcap1,rx_pcap=%s\", mac: \"%s\"," % (empty, P1_MAC),
        "      ipv4: [10.1.0.1/16], ipv6: [\"2001:db8:1::1/64\"] }",
        "neighbors:",
        "  - { ip: 10.1.0.2, mac: \"%s\", port: p1 }" % GW,
        "  - { ip: \"2001:db8:1::2\", mac: \"%s\", port: p1 }" % GW,
        "routes:",
        "  - { prefix: 198.18.0.0/15, via: 10.1.0.2 }",
        "  - { prefix: \"2001:db8:100::/48\", via: \"2001:db8:1::2\" }",
    ]
    if blackhole:
        lines += ["  - { prefix: 10.1.16.0/20, action: drop }",
                  "  - { prefix: \"2001:db8:1:0:1::/80\", action: drop }"]
    lines.append("neighbor_config: { %s }" % ", ".join("%s: %d" % kv for kv in LIMITS.items()))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.buf, self.n = b"", 0

    def ok(self, cmd, args=None):
        self.n += 1
        m = {"id": self.n, "cmd": cmd}
        if args is not None:
            m["args"] = args
        self.s.sendall(json.dumps(m).encode() + b"\n")
        while b"\n" not in self.buf:
            self.buf += self.s.recv(1 << 20)
        line, self.buf = self.buf.split(b"\n", 1)
        r = json.loads(line)
        if not r.get("ok"):
            raise RuntimeError("%s: %s" % (cmd, r))
        return r["result"]


def sample(c):
    st = c.ok("stats")
    p0 = c.ok("port.stats", {"name": "p0"})[0]
    p1 = c.ok("port.stats", {"name": "p1"})[0]
    return time.monotonic(), p0["rx_packets"], p1["tx_packets"], st["slowpath"]


def run(args, out, name, blackhole, procs, n_frames, n_normal, normal_before):
    prefix = "bench-scan-%s-%s" % (name, args.tag)
    cfg, sock = os.path.join(out, name + ".yaml"), os.path.join(out, name + ".sock")
    config(cfg, os.path.join(out, "scan.pcap"), prefix, sock, blackhole)
    p = bl.start_hotpathd(procs, [args.hotpathd, "-c", cfg, "--report", os.path.join(out, name + "-report.json")],
                          os.path.join(out, name + ".log"))
    try:
        c = Ctl(sock)
        time.sleep(args.warmup)
        t0, rx0, tx0, s0 = sample(c)
        time.sleep(args.seconds)
        t1, rx1, tx1, s1 = sample(c)
        # the peaks over the whole run so far, and the table's size now
        rows = len(c.ok("neigh.show"))
    finally:
        procs.stop(p)
        bl.remove_runtime_dir(prefix)
    # delivered: from the exit report's totals, exact (the replay is whole cycles of the pcap
    # and a known part of one)
    with open(os.path.join(out, name + "-report.json")) as f:
        rep = json.load(f)
    ports = {x["name"]: x for x in rep["ports"]}
    rx_all = ports["p0"]["rx_packets"]
    offered = rx_all // n_frames * n_normal + normal_before[rx_all % n_frames]
    sent = ports["p1"]["tx_packets"] - rep["slowpath"]["solicits"] - rep["slowpath"]["released"]
    dt = t1 - t0
    rx = rx1 - rx0
    sol = s1["solicits"] - s0["solicits"]
    return {"mpps": rx / dt / 1e6, "seconds": dt, "delivered_pct": 100.0 * sent / offered if offered else 0,
            "offered": offered, "delivered": sent, "drops": {k: v for k, v in rep["drops"].items() if v},
            "solicits_per_s": sol / dt, "held_peak": s1["neigh_held_peak"], "held_cap": s1["neigh_held_cap"],
            "entries_peak": s1["neigh_entries_peak"], "table_rows": rows,
            "table_full": s1["neigh_table_full"], "hold_full": s1["neigh_hold_full"],
            "queue_full": s1["neigh_queue_full"], "ratelimited": s1["solicit_ratelimited"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "scan"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SECONDS_PER_RUN", 6)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 2)))
    ap.add_argument("--per", type=int, default=int(os.environ.get("PER", 4)))
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    bl.install_signal_handlers()
    procs = bl.Procs(args.state)
    n_frames, n_normal, normal_before = scan_pcap(os.path.join(out, "scan.pcap"), args.per)
    res = {"host": bl.host_info(), "source": os.environ.get("BENCH_SOURCE", ""), "limits": LIMITS,
           "frames": n_frames, "normal": n_normal, "scan": [], "blackholed": []}
    try:
        for r in range(args.rounds):
            for name, bh in (("scan", False), ("blackholed", True)):
                x = run(args, out, name, bh, procs, n_frames, n_normal, normal_before)
                res[name].append(x)
                bl.log("scan: round %d %-10s %.3f Mpps, %.3f %% delivered, %.0f solicits/s, held peak %d/%d, "
                       "entries peak %d" % (r + 1, name, x["mpps"], x["delivered_pct"], x["solicits_per_s"],
                                            x["held_peak"], x["held_cap"], x["entries_peak"]))
    finally:
        procs.stop_all()
    med = {k: {m: statistics.median(x[m] for x in res[k]) for m in ("mpps", "delivered_pct", "solicits_per_s")}
           for k in ("scan", "blackholed")}
    res["median"] = med
    res["ratio"] = med["scan"]["mpps"] / med["blackholed"]["mpps"]
    with open(os.path.join(out, "scan.json"), "w") as f:
        json.dump(res, f, indent=1)
    s = res["scan"]
    print()
    print("%-58s %12s %10s" % ("measure (median of %d rounds, %.0f s each)" % (args.rounds, args.seconds), "result",
                                "goal"))
    print("%-58s %12.3f %10s" % ("Mpps received, scan", med["scan"]["mpps"], ""))
    print("%-58s %12.3f %10s" % ("Mpps received, scanned prefixes blackholed", med["blackholed"]["mpps"], ""))
    print("%-58s %12.3f %10s" % ("ratio scan / blackholed", res["ratio"], ">= 0.9"))
    print("%-58s %11.3f%% %10s" % ("next-hop packets delivered, scan", med["scan"]["delivered_pct"], ">= 99.9%"))
    print("%-58s %11.3f%% %10s" % ("next-hop packets delivered, blackholed", med["blackholed"]["delivered_pct"], ""))
    print("%-58s %12.0f %10s" % ("solicitations/s, scan", med["scan"]["solicits_per_s"],
                                 "<= %d" % LIMITS["solicit_pps"]))
    print("%-58s %12d %10s" % ("held mbufs, peak of any run", max(x["held_peak"] for x in s),
                               "<= %d" % s[0]["held_cap"]))
    print("%-58s %12d %10s" % ("entries on p1, peak of any run", max(x["entries_peak"] for x in s),
                               "<= %d" % LIMITS["max_per_port"]))
    print("json: %s" % os.path.join(out, "scan.json"))


if __name__ == "__main__":
    main()
