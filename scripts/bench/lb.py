#!/usr/bin/python3
"""The L4 load balancer on the replay rig (docs/BENCHMARKS.md, "L4 load balancer"), one worker
lcore, 64-byte UDP frames to a VIP against the same frames routed.

lb.py --hotpathd build/release/hotpathd [--out build/bench/lb] [--rounds 3] [--duration 6]
      [--warmup 2] [--only NAME,...] [--flows 1000000] [--sample 65536] [--backends 16]

conntrack.py's rig (throughput.py's Rig: two net_pcap ports, p0 replaying its pcap forever, p1
reading a set-up pcap once; alternating rounds; the rate = growth of p0's ipackets; every run
verified from its --report) with other frames: flow i = 10.0.0.2:(1024 + i mod 60000) ->
198.18.0.1:(5000 + i / 60000), UDP (benchlib.lb_frames).
  plain-1k / plain-1m: the frames routed (198.18.0.0/22 via 10.0.0.2, out of p0).
  lb-1k / lb-1m: 198.18.0.1 is a VIP (UDP, every port, IPIP) of BACKENDS backends in
  10.0.0.0/24 (static neighbours): every frame leaves p0 encapsulated (20 bytes more).
  1k: p0 replays 1024 flows (the first loop creates their entries). 1m: p1 first sends every
  one of FLOWS flows once (their entries created; lb_conf.flows is twice FLOWS), the window
  starts once p1 has read them all; p0 then replays SAMPLE of them drawn at random (net_pcap
  keeps its pcap in mbufs: 1 M frames of 2 KiB mbufs do not fit the hugepages).
Ratios: lb against plain of the same flows. Target (issue 16): >= 0.8.
Writes OUT/lb.json, OUT/lb.dat (+ .gpinc, for throughput.gp).
"""
import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import conntrack as ctb  # noqa: E402

CONFIGS = [
    # name, label, kind, flows, target ratio to plain of the same flows
    ("plain-1k", "routed, 1k flows (baseline)", "plain", "1k", None),
    ("lb-1k", "load balancer, 1k flows", "lb", "1k", 0.8),
    ("plain-1m", "routed, 1M-flow set-up (baseline)", "plain", "1m", None),
    ("lb-1m", "load balancer, 1M flows", "lb", "1m", 0.8),
    # against lb-1k: a backend's weight changed 10 times a second all through the run
    ("churn-1k", "LB, 1k flows, 10 backend changes/s", "churn", "1k", 0.98),
]
SHORT = {"plain-1k": "routed\\n1k flows", "lb-1k": "LB\\n1k flows", "plain-1m": "routed\\n1M set-up",
         "lb-1m": "LB\\n1M flows", "churn-1k": "LB 1k flows\\n10 changes/s"}
COLOUR = {"plain": 1, "lb": 3, "churn": 2}
CHURN_HZ = 10


class LbRig(ctb.CtRig):
    def write(self, name, kind, p0, p1, flows, mbufs=None):
        if self.args.dry_run:
            kind = "plain"
        path = os.path.join(self.out, name + ".yaml")
        st = bl.lb_setup("lb" if kind == "churn" else kind, self.args.backends, flows, p1_device=bl.replay_device(p1, False, 1), mbufs=mbufs)
        bl.write_l3_config(path, bl.replay_device(p0, True), self.prefix(name), self.sock(name), 4,
                           self.args.routes, 0, seed=self.args.seed, stateful=st)
        r = subprocess.run([self.args.hotpathd, "-c", path, "--check"], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("bench: %s does not validate:\n%s%s" % (path, r.stdout, r.stderr))
        self.cfgs[name] = (path, {"kind": kind})

    def prepare(self):
        a = self.args
        os.makedirs(self.out, exist_ok=True)
        pc = lambda n: os.path.join(self.out, n)  # noqa: E731
        t0 = time.monotonic()
        empty = pc("empty.pcap")
        bl.write_ct_pcap(empty, [], "orig")
        self.cfgs = {}
        self.expect_p1 = {}
        for name, label, kind, flows, target in CONFIGS:
            if not self.wanted(name):
                continue
            if flows == "1k":
                p0 = bl.write_lb_pcap(pc("lb-1k.pcap"), range(1024))
                self.write(name, kind, p0, empty, 1024)
                continue
            sample = bl.ct_sample(a.flows, 2 * a.sample, seed=a.seed)
            p0 = bl.write_lb_pcap(pc("lb-%d-sample%d.pcap" % (a.flows, len(sample))), sample)
            p1 = bl.write_lb_pcap(pc("lb-%d-setup.pcap" % a.flows), range(a.flows), bl.PORT1_MAC)
            self.expect_p1[name] = a.flows
            self.write(name, kind, p0, p1, a.flows, mbufs=2 * a.sample + 32768)
        bl.log("bench: inputs ready (%.0f s)" % (time.monotonic() - t0))

    def churn(self, name, res):
        """CHURN_HZ changes a second of backend 10.0.0.16's weight (100, 50, 100, ...: each a new
        ring published), until the daemon stops answering; res["churn"] counts them."""
        def loop():
            n, t = 0, time.monotonic()
            try:
                while True:
                    bl.request(self.sock(name), "lb.backend.set", {"vip": bl.LB_VIP4, "proto": "udp",
                                                                  "ip": "10.0.0.16", "weight": 50 if n % 2 == 0 else 100})
                    n += 1
                    res["churn"] = {"changes": n, "seconds": round(time.monotonic() - t, 3)}
                    t_next = t + n / CHURN_HZ
                    time.sleep(max(0.0, t_next - time.monotonic()))
            except (OSError, AssertionError, ValueError):
                return
        threading.Thread(target=loop, daemon=True).start()

    def settle(self, name, prefix, first, res):
        """1m: wait until p1 has read every set-up frame; record the flow tables. churn: start
        changing a backend."""
        if self.cfgs[name][1]["kind"] == "churn":
            self.churn(name, res)
        want = self.expect_p1.get(name)
        if not want:
            return
        deadline = time.monotonic() + self.args.start_timeout
        got = -1
        while time.monotonic() < deadline:
            got = bl.telemetry(prefix, "/ethdev/stats,1")["ipackets"]
            if got >= want:
                break
            time.sleep(0.1)
        res["setup_frames"] = got
        res["setup_s"] = round(time.monotonic() - first, 3)
        if self.cfgs[name][1]["kind"] == "lb":
            res["flow_tables"] = bl.request(self.sock(name), "lb.stats").get("flow_tables")

    def verify(self, name, report):
        return ctb.tp.verify(name, report)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "lb"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 6)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 2)))
    ap.add_argument("--routes", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", 1)))
    ap.add_argument("--flows", type=int, default=int(os.environ.get("FLOWS", 1000000)))
    ap.add_argument("--sample", type=int, default=int(os.environ.get("SAMPLE", 65536)))
    ap.add_argument("--backends", type=int, default=int(os.environ.get("BACKENDS", 16)))
    ap.add_argument("--only", default=os.environ.get("ONLY", ""), help="comma-separated: %s"
                    % ",".join(c[0] for c in CONFIGS))
    ap.add_argument("--lock", default=os.environ.get("LOCK", ""), help="flock this file around each DPDK run")
    ap.add_argument("--dry-run", action="store_true", default=os.environ.get("DRY_RUN", "") == "1")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    ap.add_argument("--start-timeout", type=float, default=120)
    args = ap.parse_args()
    args.only = [x for x in args.only.split(",") if x]
    if not 1024 <= args.flows <= bl.LB_MAX_FLOWS or args.sample < 1 or 2 * args.sample > args.flows \
            or not 1 <= args.backends <= 200:
        ap.error("--flows must be 1024..%d, --sample 1..flows/2, --backends 1..200" % bl.LB_MAX_FLOWS)
    bl.install_signal_handlers()
    rig = LbRig(args)
    results, status = [], 0
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        rig.prepare()
        for rnd in range(1, args.rounds + 1):
            status = ctb.throughput_round(rig, args, CONFIGS, rnd, results) or status
    except KeyboardInterrupt:
        bl.log("bench: interrupted")
        status = 130
    finally:
        rig.release(c[0] for c in CONFIGS)
    rows = ctb.table(results, CONFIGS)
    out = {"started": started, "host": bl.host_info(), "source": os.environ.get("BENCH_SOURCE", ""),
           "dry_run": args.dry_run,
           "method": {"rounds": args.rounds, "duration_s": args.duration, "warmup_s": args.warmup,
                      "flows": args.flows, "sample": args.sample, "backends": args.backends},
           "configs": {n: open(p).read() for n, (p, _) in rig.cfgs.items()}, "rows": rows, "runs": results}
    ctb.write_results(rig.out, "lb", out, rows, SHORT, COLOUR, 0.8, 0.8,
                      "hotpathd L4 load balancer (IPIP), 64-byte frames, one worker, net\\\\_pcap replay", args.dry_run)
    print("%-38s %5s %8s %8s %8s %9s %8s  %s" % ("configuration", "runs", "median", "min", "max", "x plain",
                                                 "target", "result"))
    for row in rows:
        print("%-38s %5d %8s %8s %8s %9s %8s  %s" % (
            row["label"], row["runs"], "%.3f" % row["median"] if row["runs"] else "-",
            "%.3f" % row["min"] if row["runs"] else "-", "%.3f" % row["max"] if row["runs"] else "-",
            "%.3f" % row["ratio"] if "ratio" in row else "-",
            ">= %.2fx" % row["target"] if row.get("target") else "", row["result"]))
    print("raw samples: %s" % os.path.join(rig.out, "lb.json"))
    return status


if __name__ == "__main__":
    sys.exit(main())
