#!/usr/bin/python3
"""The control thread's cost: wakeups and CPU per second, idle and under a punt load, and the
slow path's answer latency (docs/BENCHMARKS.md, "A quiet control thread"). Driven by
scripts/bench/ctlidle.sh, which builds the binaries compared.

Rig: scripts/netns/veth.sh's two namespaces; hotpathd (mode l3) in the DUT namespace on two
net_af_packet ports, d0 10.240.1.1/24 and d1 10.240.2.1/24, main lcore on CPU 0, worker on
CPU 1. For each binary, alternating, ROUNDS times:
  idle   IDLE seconds with no traffic after a warm-up ping (ARP resolved both ways)
  punts  the generator pings 10.240.1.1 (every request is punted and answered by the control
         thread) at PPS for LOAD seconds
Per phase: the main thread's (the control thread's) wakeups (voluntary context switches,
/proc/PID/task/PID/status) and CPU time (/proc/PID/task/PID/schedstat) per second; under
punts, ping's round trip and, where the binary measures it, the slow path's latency (the
punt's RX burst to the control thread done: hpctl latency's "slowpath").
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def thread_stats(pid):
    """(CPU ns, voluntary switches) of the process's main thread."""
    with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
        cpu_ns = int(f.read().split()[0])
    with open("/proc/%d/task/%d/status" % (pid, pid)) as f:
        vol = next(int(line.split()[1]) for line in f if line.startswith("voluntary_ctxt_switches"))
    return cpu_ns, vol


def hpctl(hpctl_bin, sock, *args):
    r = subprocess.run([hpctl_bin, "-s", sock, "-j"] + list(args), capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


def ping(ns, dst, count, interval):
    """ping's (sent, received, rtt avg ms, rtt max ms)."""
    r = bl.ns_run("ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", "1", dst, ns=ns, check=False)
    sent = recv = 0
    avg = mx = float("nan")
    for line in r.stdout.splitlines():
        if "received" in line:
            parts = line.split(",")
            sent, recv = int(parts[0].split()[0]), int(parts[1].split()[0])
        if line.startswith("rtt"):
            vals = line.split("=")[1].split()[0].split("/")
            avg, mx = float(vals[1]), float(vals[2])
    return sent, recv, avg, mx


def config(path, prefix, sock, veth):
    with open(path, "w") as f:
        f.write("# scripts/bench/ctlidle.py: two af_packet ports on veth, l3\n"
                "eal: [-l, \"0-1\", --in-memory, --no-pci, --file-prefix, %s]\n"
                "control: { socket: %s }\n"
                "ports:\n"
                "  - { name: p0, device: \"net_af_packet0,iface=d0\", mode: l3, mac: \"%s\", ipv4: [10.240.1.1/24] }\n"
                "  - { name: p1, device: \"net_af_packet1,iface=d1\", mode: l3, mac: \"%s\", ipv4: [10.240.2.1/24] }\n"
                "neighbors:\n"
                "  - { ip: 10.240.2.99, mac: \"%s\", port: p1 }\n"
                % (prefix, sock, veth["MAC_D0"], veth["MAC_D1"], veth["MAC_S0"]))


def measure(label, binary, hpctl_bin, args, veth, procs, work, rnd):
    prefix = "bench-ctlidle-%s%d-%s" % (label, rnd, args.tag)
    sock = os.path.join(work, prefix + ".sock")
    cfg = os.path.join(work, prefix + ".yaml")
    config(cfg, prefix, sock, veth)
    p = bl.start_hotpathd(procs, ["ip", "netns", "exec", veth["NS_DUT"], binary, "-c", cfg],
                          os.path.join(work, prefix + ".log"))
    out = []
    try:
        pid = p.pid
        # resolve ARP both ways, let the start-up settle (the first NUD ticks)
        ping(veth["NS_GEN"], "10.240.1.1", 3, 0.2)
        time.sleep(1)
        c0, v0 = thread_stats(pid)
        t0 = time.monotonic()
        time.sleep(args.idle)
        c1, v1 = thread_stats(pid)
        dt = time.monotonic() - t0
        out.append({"build": label, "round": rnd, "phase": "idle", "seconds": dt,
                    "wakeups_per_s": (v1 - v0) / dt, "cpu_pct": 100.0 * (c1 - c0) / 1e9 / dt})
        hpctl(hpctl_bin, sock, "latency", "reset")
        count = int(args.pps * args.load)
        c0, v0 = thread_stats(pid)
        t0 = time.monotonic()
        sent, recv, avg, mx = ping(veth["NS_GEN"], "10.240.1.1", count, 1.0 / args.pps)
        c1, v1 = thread_stats(pid)
        dt = time.monotonic() - t0
        lat = (hpctl(hpctl_bin, sock, "latency") or {}).get("slowpath")
        out.append({"build": label, "round": rnd, "phase": "punts", "seconds": dt, "pps": count / dt,
                    "wakeups_per_s": (v1 - v0) / dt, "cpu_pct": 100.0 * (c1 - c0) / 1e9 / dt,
                    "ping_sent": sent, "ping_received": recv, "rtt_avg_us": avg * 1000, "rtt_max_us": mx * 1000,
                    "slowpath": lat})
    finally:
        procs.stop(p)
        bl.remove_runtime_dir(prefix)
    return out


def med(rows, key, sub=None):
    vals = [(r[key][sub] if sub else r[key]) for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def table(results, builds):
    def f(v, scale=1.0, fmt="%.1f"):
        return fmt % (v * scale) if v is not None else "-"
    print("\n%-10s %-6s %12s %9s %12s %12s %10s %10s %10s %10s %10s" % (
        "build", "phase", "wakeups/s", "CPU %", "rtt avg us", "rtt max us", "sp p50 us", "sp p90 us",
        "sp p99 us", "sp p99.9", "sp max us"))
    for b in builds:
        for phase in ("idle", "punts"):
            rows = [r for r in results if r["build"] == b and r["phase"] == phase]
            sp = [r for r in rows if r.get("slowpath")]
            print("%-10s %-6s %12s %9s %12s %12s %10s %10s %10s %10s %10s" % (
                b, phase, f(med(rows, "wakeups_per_s")), f(med(rows, "cpu_pct"), fmt="%.3f"),
                f(med(rows, "rtt_avg_us")), f(med(rows, "rtt_max_us")),
                f(med(sp, "slowpath", "p50_ns"), 1e-3), f(med(sp, "slowpath", "p90_ns"), 1e-3),
                f(med(sp, "slowpath", "p99_ns"), 1e-3),
                f(med(sp, "slowpath", "p99.9_ns"), 1e-3), f(med(sp, "slowpath", "max_ns"), 1e-3)))
    print("(medians over %d rounds; CPU %% of one core; sp = slow path: punt's RX burst -> control thread done)"
          % max(r["round"] for r in results))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", action="append", required=True, metavar="LABEL=HOTPATHD",
                    help="a binary to measure (repeat: they alternate)")
    ap.add_argument("--hpctl", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--load", type=float, default=10.0)
    ap.add_argument("--pps", type=float, default=500.0)
    ap.add_argument("--out", default="build/bench/ctlidle")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    args = ap.parse_args()
    builds = [b.split("=", 1) for b in args.build]
    os.makedirs(args.out, exist_ok=True)
    bl.install_signal_handlers()
    procs = bl.Procs(args.state)
    results = []
    work = tempfile.mkdtemp(prefix="hp-ctlidle-")
    try:
        veth = bl.veth_up("none")
        for rnd in range(1, args.rounds + 1):
            for label, binary in builds:
                bl.log("ctlidle: round %d, %s" % (rnd, label))
                results += measure(label, binary, args.hpctl, args, veth, procs, work, rnd)
    finally:
        procs.stop_all()
        bl.veth_down()
        subprocess.run(["rm", "-rf", work])
    with open(os.path.join(args.out, "ctlidle.json"), "w") as f:
        json.dump({"host": bl.host_info(), "args": vars(args), "results": results}, f, indent=1)
    table(results, [b[0] for b in builds])


if __name__ == "__main__":
    main()
