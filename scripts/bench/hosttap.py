#!/usr/bin/env python3
"""TCP to the router's own address: through hotpathd's exception path (ports[].host: tap)
against the kernel directly. Driven by scripts/bench/hosttap.sh.

    netns H: h0 10.72.0.2/24  <-- veth -->  netns R: r0
      hotpath: r0 is hotpathd's net_af_packet port p0 (host: tap; r0 arp off, no IPv6, a MAC
               of its own), 10.72.0.1/24 on hp-p0; iperf3 -s and the echo server bind it
      kernel:  no hotpathd; 10.72.0.1/24 on r0 itself

Per round and case: iperf3 -c 10.72.0.1 -t DURATION --json from H (throughput received,
the sender's mean RTT from TCP_INFO), then RR round trips of 1 byte over one TCP
connection to a python echo server (the request/response latency: median and p99).
The two cases alternate (hotpath first in odd rounds); the medians of ROUNDS rounds are
written to OUT/hosttap.json and printed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

TAG = "hp-bt-%d" % os.getpid()
NS_H, NS_R = TAG + "-h", TAG + "-r"
PORT_MAC = "02:00:00:72:00:01"
PY = "/usr/bin/python3"

ECHO = r"""
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.72.0.1', 5301)); s.listen(4); print('ready', flush=True)
while True:
    c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        b = c.recv(64)
        if not b: break
        c.sendall(b)
    c.close()
"""

RR = r"""
import socket, sys, time, json
n = int(sys.argv[1])
c = socket.create_connection(('10.72.0.1', 5301), timeout=30); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(200):
    c.sendall(b'x'); c.recv(1)
t = []
for _ in range(n):
    a = time.perf_counter_ns(); c.sendall(b'x'); c.recv(1); t.append(time.perf_counter_ns() - a)
t.sort()
print(json.dumps({"p50_us": t[len(t) // 2] / 1e3, "p99_us": t[len(t) * 99 // 100] / 1e3}))
"""


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def down():
    for ns in (NS_H, NS_R):
        sh("ip", "netns", "del", ns, check=False)


def up(mode):
    down()
    for ns in (NS_H, NS_R):
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    sh("ip", "link", "add", "h0", "netns", NS_H, "type", "veth", "peer", "name", "r0", "netns", NS_R)
    sh("ethtool", "-K", "h0", "tx", "off", ns=NS_H)
    sh("ip", "addr", "add", "10.72.0.2/24", "dev", "h0", ns=NS_H)
    sh("ip", "link", "set", "h0", "up", ns=NS_H)
    if mode == "kernel":
        sh("ip", "addr", "add", "10.72.0.1/24", "dev", "r0", ns=NS_R)
        sh("ip", "link", "set", "r0", "up", ns=NS_R)
    else:
        sh("sysctl", "-qw", "net.ipv6.conf.r0.disable_ipv6=1", ns=NS_R)
        sh("ip", "link", "set", "r0", "arp", "off", "up", ns=NS_R)


def start_hotpathd(args, work):
    cfg = os.path.join(work, "hp.yaml")
    with open(cfg, "w") as f:
        f.write("control: { socket: %s }\n"
                "ports:\n"
                "  - { name: p0, device: \"net_af_packet0,iface=r0\", mac: \"%s\", host: tap, "
                "ipv4: [10.72.0.1/24] }\n" % (os.path.join(work, "hp.sock"), PORT_MAC))
    eal = ["-l", "0-1", "--file-prefix", TAG, "--no-pci", "--in-memory", "--log-level", "lib.eal:error"]
    p = subprocess.Popen(["ip", "netns", "exec", NS_R, args.hotpathd, "-c", cfg, "--"] + eal,
                         stdout=subprocess.PIPE, stderr=open(os.path.join(work, "hp.log"), "w"), text=True,
                         start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if line.startswith("hotpathd: ready"):
            return p
    p.kill()
    raise SystemExit("hotpathd did not start: see %s" % os.path.join(work, "hp.log"))


def wait_ping():
    deadline = time.time() + 30
    while time.time() < deadline:
        if sh("ping", "-c", "1", "-W", "1", "10.72.0.1", ns=NS_H, check=False).returncode == 0:
            return
    raise SystemExit("10.72.0.1 does not answer")


def one(args, mode, work):
    up(mode)
    procs = []
    try:
        if mode == "hotpath":
            procs.append(start_hotpathd(args, work))
        wait_ping()
        srv = subprocess.Popen(["ip", "netns", "exec", NS_R, "iperf3", "-s", "-B", "10.72.0.1", "-1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(srv)
        echo = subprocess.Popen(["ip", "netns", "exec", NS_R, PY, "-c", ECHO], stdout=subprocess.PIPE, text=True)
        procs.append(echo)
        assert echo.stdout.readline().strip() == "ready"
        r = None
        for _ in range(50):  # until the iperf3 server listens
            r = sh("iperf3", "-c", "10.72.0.1", "-t", str(args.duration), "--json", ns=NS_H, check=False)
            if r.returncode == 0:
                break
            time.sleep(0.1)
        j = json.loads(r.stdout)
        if "error" in j:
            raise SystemExit("iperf3: %s" % j["error"])
        gbps = j["end"]["sum_received"]["bits_per_second"] / 1e9
        rtt = j["end"]["streams"][0]["sender"].get("mean_rtt", 0)
        rr = json.loads(sh(PY, "-c", RR, str(args.rr), ns=NS_H).stdout)
        res = {"mode": mode, "gbit_s": gbps, "iperf3_mean_rtt_us": rtt, "rr_p50_us": rr["p50_us"],
               "rr_p99_us": rr["p99_us"], "retransmits": j["end"]["sum_sent"].get("retransmits", 0)}
        if mode == "hotpath":
            sock = os.path.join(work, "hp.sock")
            hpctl = os.path.join(os.path.dirname(args.hotpathd), "control", "hpctl", "hpctl")
            if os.path.exists(hpctl):
                st = json.loads(subprocess.run([hpctl, "-s", sock, "-j", "port", "stats"], capture_output=True,
                                               text=True).stdout or "[]")
                if st:
                    res["host"] = st[0].get("host")
        print(json.dumps(res), flush=True)
        return res
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, 15) if p is procs[0] and mode == "hotpath" else p.kill()
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        down()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--rr", type=int, default=5000)
    ap.add_argument("--out", default="build/bench/hosttap")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    runs = {"hotpath": [], "kernel": []}
    with tempfile.TemporaryDirectory(prefix="hp-bt-") as work:
        for r in range(args.rounds):
            order = ("hotpath", "kernel") if r % 2 == 0 else ("kernel", "hotpath")
            for mode in order:
                runs[mode].append(one(args, mode, work))
    summary = {}
    for mode, rs in runs.items():
        summary[mode] = {k: statistics.median(x[k] for x in rs)
                         for k in ("gbit_s", "iperf3_mean_rtt_us", "rr_p50_us", "rr_p99_us", "retransmits")}
    out = {"rounds": args.rounds, "duration_s": args.duration, "rr": args.rr,
           "source": os.environ.get("BENCH_SOURCE", ""), "hotpathd": args.hotpathd, "runs": runs,
           "median": summary}
    with open(os.path.join(args.out, "hosttap.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("%-8s %10s %16s %12s %12s %8s" % ("case", "Gbit/s", "iperf3 rtt us", "RR p50 us", "RR p99 us", "retr"))
    for mode in ("hotpath", "kernel"):
        s = summary[mode]
        print("%-8s %10.2f %16.0f %12.1f %12.1f %8.0f" % (mode, s["gbit_s"], s["iperf3_mean_rtt_us"],
                                                         s["rr_p50_us"], s["rr_p99_us"], s["retransmits"]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        down()
