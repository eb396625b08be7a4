#!/usr/bin/python3
"""Control-plane benchmark (docs/BENCHMARKS.md, "Control plane").

control.py --hotpathd build/release/hotpathd [--out build/bench/control] [--routes 1000000]
           [--acks 10000] [--rounds 3] [--seconds 6] [--rate 1000]

On the replay rig's l3 configuration (10k IPv4 routes, one net_pcap port replaying
1024 flows, one worker lcore):
1. route load: N IPv4 /24 routes (16.0.0.0/4, away from the traffic) added through the
   control socket twice, each time into a fresh daemon: one route.add per route
   (pipelined 256 deep), and route.add with "routes" lists of BATCH routes (pipelined 8
   deep); wall time from the first request sent to the last acknowledgement read, and
   the route count the daemon reports afterwards. The request lines are built before
   the clock starts: what is timed is the daemon and the socket.
2. acknowledgement latency: K single route.add (and route.del) requests, one at a time;
   p50/p99/max of the time from sending a request to reading its reply.
3. data path under change: Mpps over a window with no updates, and with RATE route
   updates/s (add/del pairs of an unrelated prefix, paced), alternating, ROUNDS rounds;
   the ratio of the medians.
Writes OUT/control.json and prints a table.
"""
import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def req(self, rid, cmd, args):
        self.s.sendall(json.dumps({"id": rid, "cmd": cmd, "args": args}).encode() + b"\n")
        r = json.loads(self.line())
        if not r.get("ok"):
            raise RuntimeError("%s %s: %s" % (cmd, args, r))
        return r.get("result")


def start(args, out, name, procs):
    prefix = "bench-ctl-%s-%s" % (name, args.tag)
    cfg = os.path.join(out, name + ".yaml")
    sock = os.path.join(out, name + ".sock")
    pcap = os.path.join(out, "flows4.pcap")
    if not os.path.exists(pcap):
        bl.gen_pcaps(out)
    bl.write_l3_config(cfg, bl.replay_device(pcap), prefix, sock, 4, 10000, 0, 1)
    p = bl.start_hotpathd(procs, [args.hotpathd, "-c", cfg, "--report", os.path.join(out, name + "-report.json")],
                          os.path.join(out, name + ".log"))
    return p, prefix, sock


def route_load(sock, n, depth=256, batch=1):
    """Pipelined route.add of n /24s in 16.0.0.0/4, batch routes a request; seconds from
    first send to last ack."""
    c = Ctl(sock)

    def route(i):
        return {"prefix": "%d.%d.%d.0/24" % (16 + (i >> 16), (i >> 8) & 255, i & 255), "via": "10.0.0.2"}
    if batch == 1:
        reqs = [(json.dumps({"id": i, "cmd": "route.add", "args": route(i)}) + "\n").encode() for i in range(n)]
    else:
        reqs = [(json.dumps({"id": k, "cmd": "route.add",
                             "args": {"routes": [route(i) for i in range(j, min(n, j + batch))]}},
                            separators=(",", ":")) + "\n").encode()
                for k, j in enumerate(range(0, n, batch))]
    n = len(reqs)
    done = [0]
    err = []

    def reader():
        try:
            for i in range(n):
                r = json.loads(c.line())
                if not r.get("ok") or r.get("id") != i:
                    err.append(r)
                    return
                done[0] = i + 1
        except Exception as e:  # noqa: BLE001 - reported below
            err.append(repr(e))

    t = threading.Thread(target=reader)
    t0 = time.monotonic()
    t.start()
    sent = 0
    while sent < n:
        # keep at most `depth` requests unanswered
        while sent - done[0] >= depth and not err:
            time.sleep(0)
        if err:
            break
        k = min(n - sent, depth - (sent - done[0]))
        c.s.sendall(b"".join(reqs[sent:sent + k]))
        sent += k
    t.join()
    took = time.monotonic() - t0
    if err:
        raise RuntimeError("route load: %s" % err[0])
    return took, c.req(-1, "status", {})["routes"]


def ack_latency(sock, k):
    c = Ctl(sock)
    lat = []
    for i in range(k):
        cmd = "route.add" if i % 2 == 0 else "route.del"
        args = {"prefix": "100.64.0.0/24"}
        if cmd == "route.add":
            args["via"] = "10.0.0.2"
        t0 = time.perf_counter()
        c.req(i, cmd, args)
        lat.append(time.perf_counter() - t0)
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6  # noqa: E731
    return {"p50_us": pick(0.50), "p99_us": pick(0.99), "max_us": lat[-1] * 1e6, "n": k}


def mpps(prefix, seconds, churn_sock=None, rate=0):
    """Mpps over `seconds` (telemetry /ethdev/stats); with churn_sock, `rate` route updates/s meanwhile."""
    stop = threading.Event()
    applied = [0]

    def churn():
        c = Ctl(churn_sock)
        t0 = time.monotonic()
        while not stop.is_set():
            p = "100.%d.%d.0/24" % (64 + applied[0] // 250 % 64, applied[0] % 250)
            c.req(applied[0], "route.add", {"prefix": p, "via": "10.0.0.2"})
            c.req(applied[0] + 1, "route.del", {"prefix": p})
            applied[0] += 2
            ahead = t0 + applied[0] / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    th = threading.Thread(target=churn) if churn_sock else None
    if th:
        th.start()
    time.sleep(0.5)
    s0, t0 = bl.telemetry(prefix, "/ethdev/stats,0"), time.monotonic()
    time.sleep(seconds)
    s1, t1 = bl.telemetry(prefix, "/ethdev/stats,0"), time.monotonic()
    stop.set()
    if th:
        th.join()
    return (s1["opackets"] - s0["opackets"]) / (t1 - t0) / 1e6, applied[0] / (t1 - t0 + 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "control"))
    ap.add_argument("--routes", type=int, default=int(os.environ.get("ROUTES", 1000000)))
    ap.add_argument("--acks", type=int, default=int(os.environ.get("ACKS", 10000)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SECONDS_PER_RUN", 6)))
    ap.add_argument("--rate", type=int, default=int(os.environ.get("RATE", 1000)))
    ap.add_argument("--batch", type=int, default=int(os.environ.get("BATCH", 1000)))
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    bl.install_signal_handlers()
    procs = bl.Procs(args.state)
    res = {"host": bl.host_info(), "source": os.environ.get("BENCH_SOURCE", ""), "routes": args.routes}
    try:
        p, prefix, sock = start(args, out, "batch", procs)
        took, count = route_load(sock, args.routes, depth=8, batch=args.batch)
        res["load_batched"] = {"seconds": took, "routes_per_s": args.routes / took, "routes_after": count,
                               "batch": args.batch}
        bl.log("control: %d routes loaded %d a request in %.2f s (%.0f/s); the daemon reports %d routes"
               % (args.routes, args.batch, took, args.routes / took, count))
        procs.stop(p)
        bl.remove_runtime_dir(prefix)

        p, prefix, sock = start(args, out, "load", procs)
        took, count = route_load(sock, args.routes)
        res["load"] = {"seconds": took, "routes_per_s": args.routes / took, "routes_after": count}
        bl.log("control: %d routes loaded in %.2f s (%.0f/s); the daemon reports %d routes"
               % (args.routes, took, args.routes / took, count))
        res["ack"] = ack_latency(sock, args.acks)
        bl.log("control: ack latency p50 %.1f us, p99 %.1f us, max %.1f us over %d requests"
               % (res["ack"]["p50_us"], res["ack"]["p99_us"], res["ack"]["max_us"], args.acks))
        procs.stop(p)
        bl.remove_runtime_dir(prefix)

        p, prefix, sock = start(args, out, "churn", procs)
        quiet, busy, rates = [], [], []
        for r in range(args.rounds):
            quiet.append(mpps(prefix, args.seconds)[0])
            m, applied = mpps(prefix, args.seconds, sock, args.rate)
            busy.append(m)
            rates.append(applied)
            bl.log("control: round %d: %.2f Mpps quiet, %.2f Mpps with %.0f updates/s" % (r + 1, quiet[-1], m, applied))
        procs.stop(p)
        bl.remove_runtime_dir(prefix)
        res["under_change"] = {"quiet_mpps": quiet, "busy_mpps": busy, "updates_per_s": rates,
                               "ratio": statistics.median(busy) / statistics.median(quiet)}
    finally:
        procs.stop_all()
    with open(os.path.join(out, "control.json"), "w") as f:
        json.dump(res, f, indent=1)
    u = res["under_change"]
    print()
    print("%-52s %14s %10s" % ("measure", "result", "goal"))
    print("%-52s %12.2f s %10s" % ("load %d IPv4 routes, %d a request" % (args.routes, args.batch),
                                    res["load_batched"]["seconds"], "<= 2 s"))
    print("%-52s %12.2f s %10s" % ("load %d IPv4 routes, one a request" % args.routes, res["load"]["seconds"], "report"))
    print("%-52s %11.1f us %10s" % ("route.add acknowledgement, p50", res["ack"]["p50_us"], "report"))
    print("%-52s %11.1f us %10s" % ("route.add acknowledgement, p99", res["ack"]["p99_us"], "report"))
    print("%-52s %12.2f %12s" % ("Mpps with no updates (median)", statistics.median(u["quiet_mpps"]), ""))
    print("%-52s %12.2f %12s" % ("Mpps with %d updates/s (median)" % args.rate, statistics.median(u["busy_mpps"]), ""))
    print("%-52s %12.3f %10s" % ("ratio", u["ratio"], ">= 0.98"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
