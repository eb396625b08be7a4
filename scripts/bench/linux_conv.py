#!/usr/bin/env python3
"""Convergence of the kernel route mirror (config linux:), docs/BENCHMARKS.md.

In a network namespace: hotpathd with one net_af_packet port on a veth (ra, the kernel holds
10.61.0.1/24 on it) and `linux: { table: main, protocols: [static] }`. For each size N:
`ip -batch` adds N IPv4 /24 routes via 10.61.0.2 dev ra to the main table; the time until
linux.show reports N routes is the convergence, beside the time `ip -batch` itself took.
Then the same for deleting them. RUNS runs of each size (a fresh hotpathd per run); medians.

    linux_conv.py HOTPATHD [--sizes 10000,100000,1000000] [--runs 3] [--out FILE.json]
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
import benchlib  # noqa: E402

NS = "hp-lxconv-%d" % os.getpid()  # (--tag: the wrapper's)
PREFIX = "bench-lxconv-%d" % os.getpid()
TIMEOUT = 600  # seconds one convergence may take before the run is declared failed


def sh(*args, inp=None):
    r = subprocess.run(["ip", "netns", "exec", NS] + list(args), capture_output=True, text=True, input=inp)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr[-500:]))
    return r




def control_cpu(pid):
    """CPU seconds (user + system) of hotpathd's control thread (the main thread, comm hotpathd)"""
    with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / benchlib.CLK_TCK


def batch_file(d, n, verb):
    path = os.path.join(d, "%s-%d.batch" % (verb, n))
    if not os.path.exists(path):
        with open(path, "w") as f:
            for i in range(n):
                a = (32 << 24) + (i << 8)  # 32.0.0.0 + i /24: 1M of them end at 47.255.255.0
                f.write("route %s %d.%d.%d.0/24 via 10.61.0.2 dev ra proto static\n" %
                        (verb, a >> 24, (a >> 16) & 255, (a >> 8) & 255))
    return path


def wait_routes(sock, want, t0):
    """seconds from t0 until linux.show says want routes (polled every 5 ms)"""
    while True:
        st = benchlib.request(sock, "linux.show")
        if st["routes"] == want and st["state"] == "listening":
            return time.monotonic() - t0, st
        if time.monotonic() - t0 > TIMEOUT:
            raise RuntimeError("linux.show: %d routes, want %d, after %d s: %s" % (st["routes"], want, TIMEOUT, st))
        time.sleep(0.005)


def one_run(hotpathd, d, n, procs):
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", "ra", "type", "veth", "peer", "name", "ha")
        sh("ip", "link", "set", "ra", "up")
        sh("ip", "link", "set", "ha", "up")
        sh("ip", "addr", "add", "10.61.0.1/24", "dev", "ra")
        mac = json.loads(sh("ip", "-j", "link", "show", "ra").stdout)[0]["address"]
        sock = os.path.join(d, "hp.sock")
        prefix = PREFIX
        cfg = os.path.join(d, "hp.yaml")
        with open(cfg, "w") as f:
            f.write("control: { socket: %s }\n"
                    "ports:\n"
                    "  - { name: p0, device: \"net_af_packet0,iface=ra\", mode: l3, mac: \"%s\", ipv4: [10.61.0.1/24] }\n"
                    "linux: { table: main, protocols: [static] }\n" % (sock, mac))
        cmd = ["ip", "netns", "exec", NS, hotpathd, "-c", cfg, "--", "-l", "0-1", "--file-prefix", prefix,
               "--in-memory", "--no-pci", "--log-level", "lib.eal:error"]
        p = benchlib.start_hotpathd(procs, cmd, os.path.join(d, "hotpathd.log"))
        try:
            wait_routes(sock, 0, time.monotonic())
            res = {"routes": n}

            def apply(table):
                with open(cfg + ".apply", "w") as f:
                    f.write(open(cfg).read().replace("table: main", "table: %s" % table))
                t0 = time.monotonic()
                benchlib.request(sock, "config.apply", {"file": cfg + ".apply"})
                # from its reply: the apply's own table build (a new FIB) is not the mirror's
                benchlib.log("bench: config.apply took %.2f s" % (time.monotonic() - t0))
                return time.monotonic()
            for verb, want in (("add", n), ("resync", 0), ("resync", n), ("del", 0)):
                if verb == "resync":
                    # the mirror alone, the kernel idle: table 100 (empty) sweeps the N routes
                    # out; table main again takes them from one dump
                    perf = None
                    if os.environ.get("BENCH_PERF") and want:  # BENCH_PERF=FILE: perf record of the dump
                        perf = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-g", "-p", str(p.pid),
                                                 "-o", os.environ["BENCH_PERF"]], stderr=subprocess.DEVNULL)
                        time.sleep(0.5)
                    t0 = apply(100 if want == 0 else "main")
                    c0 = control_cpu(p.pid)
                    t_conv, st = wait_routes(sock, want, t0)
                    cpu = control_cpu(p.pid) - c0
                    if perf:
                        perf.send_signal(2)
                        perf.wait()
                    key = "sweep" if want == 0 else "dump"
                    res[key] = {"converged_s": round(t_conv, 3), "control_cpu_s": round(cpu, 3),
                                "resyncs": st["resyncs"]}
                    benchlib.log("bench: %7d routes %s after config.apply: %.2f s (control thread CPU %.2f s)" %
                                 (n, key, t_conv, cpu))
                    continue
                path = batch_file(d, n, verb)
                t0, c0 = time.monotonic(), control_cpu(p.pid)
                sh("ip", "-batch", path)
                t_ip = time.monotonic() - t0
                t_conv, st = wait_routes(sock, want, t0)
                cpu = control_cpu(p.pid) - c0
                res[verb] = {"ip_batch_s": round(t_ip, 3), "converged_s": round(t_conv, 3),
                             "control_cpu_s": round(cpu, 3),
                             "resyncs": st["resyncs"], "overruns": st["overruns"]}
                benchlib.log("bench: %7d routes %s: ip -batch %.2f s, hotpathd converged %.2f s, control thread "
                             "CPU %.2f s (resyncs %d, overruns %d)" % (n, verb, t_ip, t_conv, cpu, st["resyncs"],
                                                                      st["overruns"]))
            return res
        finally:
            procs.stop(p)
            benchlib.remove_runtime_dir(prefix)
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("hotpathd")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="build/bench/linux_conv.json")
    ap.add_argument("--tag", help="lib.sh's bench_run: names the DPDK prefix and the namespace")
    ap.add_argument("--state", help="lib.sh's bench_run: the process groups its trap kills")
    a = ap.parse_args()
    global NS, PREFIX
    if a.tag:
        NS, PREFIX = "hp-lxconv-%s" % a.tag, "bench-lxconv-%s" % a.tag
    benchlib.install_signal_handlers()
    procs = benchlib.Procs(a.state)
    samples = []
    try:
        with tempfile.TemporaryDirectory(prefix="hp-lxconv-") as d:
            for n in [int(x) for x in a.sizes.split(",")]:
                for _ in range(a.runs):
                    samples.append(one_run(a.hotpathd, d, n, procs))
    finally:
        procs.stop_all()
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    print("| routes | ip -batch add (s) | hotpathd has them (s) | ip -batch del (s) | hotpathd rid of them (s) "
          "| resync: one dump takes them (s) | resync: sweep (s) | overruns |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = []
    for n in sorted({s["routes"] for s in samples}):
        ss = [s for s in samples if s["routes"] == n]

        def med(verb, k):
            return statistics.median(s[verb][k] for s in ss)
        row = {"routes": n, "runs": len(ss), "add_ip_s": med("add", "ip_batch_s"), "add_conv_s": med("add", "converged_s"),
               "del_ip_s": med("del", "ip_batch_s"), "del_conv_s": med("del", "converged_s"),
               "dump_s": statistics.median(s["dump"]["converged_s"] for s in ss),
               "sweep_s": statistics.median(s["sweep"]["converged_s"] for s in ss),
               "overruns": sum(s["add"]["overruns"] + s["del"]["overruns"] for s in ss)}
        summary.append(row)
        print("| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d |" % (
            n, row["add_ip_s"], row["add_conv_s"], row["del_ip_s"], row["del_conv_s"], row["dump_s"], row["sweep_s"],
            row["overruns"]))
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"host": benchlib.host_info(), "source": os.environ.get("BENCH_SOURCE", ""),
                   "summary": summary, "samples": samples}, f, indent=1)


if __name__ == "__main__":
    main()
