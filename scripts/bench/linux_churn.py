#!/usr/bin/python3
"""Forwarding rate while kernel routes churn (docs/BENCHMARKS.md, "Routes from the kernel").

throughput.py's l3-10k replay rig (64-byte frames over 1024 flows from one net_pcap port,
10k IPv4 routes, one worker lcore) with `linux: { table: main, protocols: [static] }`,
hotpathd in a network namespace that holds a veth named hp-p0: the interface that stands
for port p0, 10.0.0.1/24 on it in the kernel. One hotpathd, WINDOWS windows of DURATION s
each, alternating: A = no route changes, B = RATE kernel route changes per second (`ip
-batch` lines fed at that rate: 100.64.0.0/10 /24 prefixes added, replaced to another next
hop, deleted; none covers the traffic's 198.18.0.0/22). The rate of a window is the growth
of /ethdev/stats,0 ipackets (DPDK telemetry). Output: the median B/A ratio of the adjacent
pairs, linux.show's change count (the mirror really took the changes), and the run's report
checked as throughput.py checks it (tx = rx, no drop, no punt): no packet lost to a change.

    linux_churn.py HOTPATHD [--rate 1000] [--windows 6] [--duration 5] [--out DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from throughput import summarize, verify  # noqa: E402




class Churn:
    """RATE route changes per second into `ip -force -batch -` in ns while on."""

    def __init__(self, ns, rate):
        self.ns, self.rate = ns, rate
        self.on = threading.Event()
        self.stop = False
        self.sent = 0
        # on CPU 0, the control plane's (the worker polls CPU 1): the kernel's work is not the worker's
        self.p = subprocess.Popen(["taskset", "-c", "0", "ip", "netns", "exec", ns, "ip", "-force", "-batch", "-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  text=True, start_new_session=True)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def lines(self):
        i = 0
        while True:
            a = (100 << 24) + (64 << 16) + ((i % 4096) << 8)  # 100.64.0.0/10: 4096 /24s
            pfx = "%d.%d.%d.0/24" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255)
            phase = (i // 4096) % 3
            if phase == 0:
                yield "route add %s via 10.0.0.2 dev hp-p0 proto static\n" % pfx
            elif phase == 1:
                yield "route replace %s via 10.0.0.3 dev hp-p0 proto static\n" % pfx
            else:
                yield "route del %s\n" % pfx
            i += 1

    def run(self):
        gen = self.lines()
        tick = 0.01
        per_tick = max(1, int(self.rate * tick))
        nxt = time.monotonic()
        while not self.stop:
            if not self.on.wait(0.1):
                nxt = time.monotonic()
                continue
            self.p.stdin.write("".join(next(gen) for _ in range(per_tick)))
            self.p.stdin.flush()
            self.sent += per_tick
            nxt += tick
            time.sleep(max(0.0, nxt - time.monotonic()))

    def close(self):
        self.stop = True
        self.on.set()
        self.t.join()
        self.p.stdin.close()
        self.p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hotpathd")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--windows", type=int, default=6)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--out", default="build/bench/linux_churn")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state")
    a = ap.parse_args()
    bl.install_signal_handlers()
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    ns = "hp-lxchurn-%s" % a.tag
    prefix = "bench-lxchurn-%s" % a.tag
    procs = bl.Procs(a.state)
    v4, _ = bl.gen_pcaps(out)
    cfg = os.path.join(out, "churn.yaml")
    sock = os.path.join(out, "churn.sock")
    bl.write_l3_config(cfg, bl.replay_device(v4), prefix, sock, 4, 10000, 0, seed=1)
    with open(cfg, "a") as f:
        f.write("linux: { table: main, protocols: [static] }\n")
    report_path = os.path.join(out, "churn-report.json")
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    churn = None
    p = None
    try:
        for c in (["ip", "link", "set", "lo", "up"], ["ip", "link", "add", "hp-p0", "type", "veth", "peer", "name", "hp-pk"],
                  ["ip", "link", "set", "hp-p0", "up"], ["ip", "link", "set", "hp-pk", "up"],
                  ["ip", "addr", "add", "10.0.0.1/24", "dev", "hp-p0"]):
            bl.ns_run(*c, ns=ns)
        cmd = ["ip", "netns", "exec", ns, a.hotpathd, "-c", cfg, "--report", report_path, "--",
               "-l", "0-1", "--in-memory", "--no-pci", "--file-prefix", prefix, "--log-level", "lib.eal:error"]
        p = bl.start_hotpathd(procs, cmd, os.path.join(out, "churn.log"))
        deadline = time.monotonic() + 60
        while bl.telemetry(prefix, "/ethdev/stats,0")["ipackets"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.sched_setaffinity(0, {0})  # this driver too (after hotpathd started: it keeps its own)
        churn = Churn(ns, a.rate)
        time.sleep(a.warmup)
        windows = []
        for w in range(a.windows):
            b = w % 2 == 1
            if b:
                churn.on.set()
            else:
                churn.on.clear()
            time.sleep(0.5)  # the switch settles
            c0 = bl.request(sock, "linux.show")["changes"]
            s0 = bl.telemetry(prefix, "/ethdev/stats,0")
            t0 = time.monotonic()
            time.sleep(a.duration)
            s1 = bl.telemetry(prefix, "/ethdev/stats,0")
            t1 = time.monotonic()
            c1 = bl.request(sock, "linux.show")["changes"]
            mpps = (s1["ipackets"] - s0["ipackets"]) / (t1 - t0) / 1e6
            windows.append({"churn": b, "mpps": mpps, "changes_per_s": (c1 - c0) / (t1 - t0)})
            bl.log("bench: window %d %s: %.3f Mpps, %.0f kernel route changes/s taken by the mirror" % (
                w, "B (churn)" if b else "A (quiet)", mpps, (c1 - c0) / (t1 - t0)))
        churn.on.clear()
        show = bl.request(sock, "linux.show")
        procs.stop(p)
        p = None
        with open(report_path) as f:
            report = json.load(f)
    finally:
        if churn:
            churn.close()
        if p is not None:
            procs.stop(p)
        procs.stop_all()
        bl.remove_runtime_dir(prefix)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    ratios = [windows[i + 1]["mpps"] / windows[i]["mpps"] for i in range(0, len(windows) - 1, 2)]
    problems = verify("l3-10k", report)
    res = {"host": bl.host_info(), "source": os.environ.get("BENCH_SOURCE", ""), "rate": a.rate,
           "windows": windows, "ratios": ratios, "median_ratio": statistics.median(ratios),
           "linux_show": show, "report": summarize(report), "verify": problems or "ok"}
    with open(os.path.join(out, "linux_churn.json"), "w") as f:
        json.dump(res, f, indent=1)
    a_m = statistics.median(w["mpps"] for w in windows if not w["churn"])
    b_m = statistics.median(w["mpps"] for w in windows if w["churn"])
    b_c = statistics.median(w["changes_per_s"] for w in windows if w["churn"])
    print("| | Mpps (median) | kernel route changes/s taken |")
    print("|---|---:|---:|")
    print("| A: no route changes | %.3f | 0 |" % a_m)
    print("| B: %d changes/s | %.3f | %.0f |" % (a.rate, b_m, b_c))
    print("median B/A ratio of adjacent pairs: %.4f (%s); packets lost: rx %d, tx %d, drops %s; verify: %s" % (
        res["median_ratio"], ", ".join("%.4f" % r for r in ratios), report["rx_packets"], report["tx_packets"],
        {k: v for k, v in report["drops"].items() if v}, res["verify"]))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
