#!/usr/bin/python3
"""Connection tracking and NAT44 on the replay rig (docs/BENCHMARKS.md, "Connection
tracking and NAT44"), one worker lcore, 64-byte UDP frames.

conntrack.py --hotpathd build/release/hotpathd [--out build/bench/conntrack] [--rounds 3]
             [--duration 6] [--warmup 2] [--only NAME,...] [--flows 1000000] [--sample 65536]
             [--flood 10000000] [--flood-max 1000000] [--dry-run]

Three parts, each configuration a hotpathd with the l3 rig's routes (throughput.py's
l3-10k: 10k IPv4 routes) and two net_pcap ports: p0 replays its pcap forever from
mbufs (infinite_rx=1: what throughput.py measures), p1 reads a pcap once (what must not
loop: the set-up of 1 M connections, the SYN flood). Flows and frames: benchlib.ct_frames.

1. Throughput (throughput.py's Rig: alternating rounds, rate = growth of p0's ipackets
   between WARMUP and DURATION, every run verified from its --report):
   plain-1k / fw-1k / snat-1k: p0 replays 1024 flows; plain and fw the 1024 original
   frames, then the 1024 replies (both directions: a UDP flow is established once its
   reply passed: after the first loop every frame is `established`), snat the
   original frames only (the reply of a translated flow goes to a pool address and port
   that hotpathd picks). plain-1m / fw-1m / snat-1m: p1 first sets up FLOWS connections
   (fw, plain: the originals, then the replies; snat: the originals), the window starts
   once p1 has read all of
   them; p0 then replays SAMPLE of those flows drawn at random (fw: both directions,
   2 x SAMPLE frames; snat: 2 x SAMPLE flows, originals): net_pcap's replay keeps its
   whole pcap in mbufs, and 1 M frames of 2 KiB mbufs do not fit the 2 GiB of hugepages,
   so the table holds FLOWS connections and the replay touches a random 2 x SAMPLE keys.
   Ratios: fw and snat against the plain configuration of the same frames.
2. New connections (new-plain / new-fw / new-snat): p0 reads FLOWS original frames of
   distinct flows once (no loop: every frame opens a connection), p1 idle. From the
   report: the worker's busy cycles per packet (rx from the file included), hence new
   connections per second of one worker; the per-connection cost over plain routing of
   the same frames; conntrack.stats' count and bytes (memory per connection) and the
   process's hugepage memory (smaps Private/Shared_Hugetlb) beside new-plain's.
3. SYN flood (flood): the fw configuration with conntrack.max FLOOD_MAX; p0 replays the
   1024 established flows (both directions); p1 reads 1 M frames of one UDP flow (a delay:
   the established flows run alone first), then FLOOD random-source SYNs (10.128.0.0/9,
   permitted as new by the ACL, to 198.19.0.0/16 out of p1). Polled every 150 ms:
   conntrack.stats (count, workers' counters), both ports. Delivery of the established
   traffic over the flood = p0 opackets / p0 ipackets growth between the last sample
   before the flood's first SYN and the first after its last. Plot: occupancy over time.

--dry-run: every configuration is written as plain routing (no state, no NAT): checks the
rig end to end on the stateless path (the numbers then say nothing about conntrack).
Writes OUT/conntrack.json, OUT/conntrack.dat (+ .gpinc, throughput.gp), OUT/flood.dat.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import throughput as tp  # noqa: E402
from latency import Lock  # noqa: E402

CONFIGS = [
    # name, label, kind, flows, target ratio to the plain configuration of the same flows
    ("plain-1k", "routed, 1k flows (baseline)", "plain", "1k", None),
    ("fw-1k", "stateful firewall, 1k flows", "fw", "1k", 0.7),
    ("snat-1k", "SNAT, 1k flows", "snat", "1k", 0.6),
    ("plain-1m", "routed, 1M-flow set-up (baseline)", "plain", "1m", None),
    ("fw-1m", "stateful firewall, 1M established", "fw", "1m", 0.7),
    ("snat-1m", "SNAT, 1M connections", "snat", "1m", 0.6),
]
NEW_CONFIGS = [("new-plain", "plain"), ("new-fw", "fw"), ("new-snat", "snat")]
SHORT = {"plain-1k": "routed\\n1k flows", "fw-1k": "stateful fw\\n1k flows", "snat-1k": "SNAT\\n1k flows",
         "plain-1m": "routed\\n1M set-up", "fw-1m": "stateful fw\\n1M established", "snat-1m": "SNAT\\n1M connections"}
COLOUR = {"plain": 1, "fw": 3, "snat": 2}   # throughput.gp: grey, blue, green


def hugetlb_kib(pid):
    """Hugepage memory mapped by a process (kB; smaps' Private_ + Shared_Hugetlb)."""
    total = 0
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                if line.startswith(("Private_Hugetlb:", "Shared_Hugetlb:")):
                    total += int(line.split()[1])
    except OSError:
        return None
    return total


class CtRig(tp.Rig):
    def sock(self, name):
        return os.path.join(self.out, "%s.sock" % name)

    def write(self, name, kind, p0, p1, ct_max=None, mbufs=None, infinite=True):
        if self.args.dry_run:
            kind = "plain"
        path = os.path.join(self.out, name + ".yaml")
        st = bl.ct_setup(kind, ct_max=ct_max, p1_device=bl.replay_device(p1, False, 1), mbufs=mbufs)
        bl.write_l3_config(path, bl.replay_device(p0, infinite), self.prefix(name), self.sock(name), 4,
                           self.args.routes, 0, seed=self.args.seed, stateful=st)
        r = subprocess.run([self.args.hotpathd, "-c", path, "--check"], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("bench: %s does not validate:\n%s%s" % (path, r.stdout, r.stderr))
        self.cfgs[name] = (path, {"kind": kind})

    def prepare(self):
        a = self.args
        os.makedirs(self.out, exist_ok=True)
        pc = lambda n: os.path.join(self.out, n)  # noqa: E731
        n, k = a.flows, a.sample
        t0 = time.monotonic()
        empty = pc("empty.pcap")
        bl.write_ct_pcap(empty, [], "orig")
        self.cfgs = {}
        self.expect_p1 = {}
        big = max(a.flows + 2 * a.sample, 1 << 20)
        for name, label, kind, flows, target in CONFIGS:
            if not self.wanted(name):
                continue
            d = "orig" if kind == "snat" else "both"
            if flows == "1k":
                p0 = bl.write_ct_pcap(pc("ct-1k-%s.pcap" % d), range(1024), d)
                self.write(name, kind, p0, empty)
                continue
            sample = bl.ct_sample(n, k if d == "both" else 2 * k, seed=a.seed)
            p0 = bl.write_ct_pcap(pc("ct-%d-sample%d-%s.pcap" % (n, len(sample), d)), sample, d)
            p1 = bl.write_ct_pcap(pc("ct-%d-setup-%s.pcap" % (n, d)), range(n), d, bl.PORT1_MAC)
            self.expect_p1[name] = n * (2 if d == "both" else 1)
            self.write(name, kind, p0, p1, ct_max=big, mbufs=2 * k + 32768)
        for name, kind in NEW_CONFIGS:
            if self.wanted(name):
                p0 = bl.write_ct_pcap(pc("ct-%d-setup-orig-p0.pcap" % n), range(n), "orig")
                self.write(name, kind, p0, empty, ct_max=big, infinite=False)
        if self.wanted("flood"):
            p0 = bl.write_ct_pcap(pc("ct-1k-both.pcap"), range(1024), "both")
            p1 = pc("flood-%d-%d.pcap" % (a.flood_delay, a.flood))
            if not os.path.exists(p1):
                g = bl._gen_flows()
                one = g.udp4_frame(g.mac(bl.PORT1_MAC), g.mac(bl.PEER1_MAC), bytes([10, 1, 0, 2]),
                                   bytes([198, 19, 255, 255]), 7, 7)
                fl = g.SynFlood(g.mac(bl.PORT1_MAC), g.mac(bl.PEER1_MAC), bl.FLOOD_SRC4, bl.FLOOD_DST4,
                                seed=a.seed)

                def frames():
                    for _ in range(a.flood_delay):
                        yield one
                    for _ in range(a.flood):
                        yield fl.frame()
                g.write_pcap(p1 + ".tmp", frames())
                os.replace(p1 + ".tmp", p1)
            self.write("flood", "fw", p0, p1, ct_max=a.flood_max)
        bl.log("bench: inputs ready (%.0f s)" % (time.monotonic() - t0))

    # ------------------------------------------------------------ throughput hooks
    def settle(self, name, prefix, first, res):
        """1m configurations: wait until p1 has read every set-up frame and its growth has
        stopped; record the connection count."""
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
        res["ct"] = ct_stats(self.sock(name))

    def verify(self, name, report):
        kind = self.cfgs[name][1]["kind"]
        if kind == "fw":
            # its two permit rules match every packet; a denied one shows in drops
            report = dict(report, acl=[])
        return tp.verify(name, report)

    # ------------------------------------------------------------ new connections
    def new_run(self, name):
        a = self.args
        prefix = self.prefix(name)
        path, meta = self.cfgs[name]
        report = os.path.join(self.out, "%s-report.json" % name)
        cmd = [a.hotpathd, "-c", path, "--report", report, "--"] + tp.eal(prefix)
        res = {"config": name, "kind": meta["kind"], "cmd": cmd, "ok": False}
        for f in (report,):
            if os.path.exists(f):
                os.unlink(f)
        bl.remove_runtime_dir(prefix)
        logbase = os.path.join(self.out, name)
        with open(logbase + ".out", "w") as so, open(logbase + ".err", "w") as se:
            p = self.procs.start(cmd, so, se, cwd=bl.ROOT)
            try:
                first = self.wait_forwarding(p, prefix)
                if first is None:
                    res["error"] = "did not start forwarding (rc %s, see %s.err)" % (p.poll(), logbase)
                    return res
                last, t_last = -1, time.monotonic()
                while time.monotonic() < first + a.start_timeout:
                    got = bl.telemetry(prefix, "/ethdev/stats,0")["ipackets"]
                    if got != last:
                        last, t_last = got, time.monotonic()
                    elif got >= a.flows or time.monotonic() - t_last > 3:
                        break
                    time.sleep(0.1)
                res["wall_s"] = round(t_last - first, 3)
                res["ct"] = ct_stats(self.sock(name))
                res["hugetlb_kib"] = hugetlb_kib(p.pid)
            finally:
                rc = self.procs.stop(p)
                bl.remove_runtime_dir(prefix)
        res["rc"] = rc
        try:
            with open(report) as f:
                r = json.load(f)
        except (OSError, ValueError) as e:
            res["error"] = "no report: %s" % e
            return res
        w = r["workers"][0]
        res.update(rx=r["rx_packets"], tx=r["tx_packets"], drops={k: v for k, v in r["drops"].items() if v},
                   cycles_per_packet=w.get("cycles_per_packet"), busy_cycles=w.get("busy_cycles"),
                   tsc_hz=tsc_hz())
        problems = []
        if r["rx_packets"] != a.flows:
            problems.append("received %d of %d frames" % (r["rx_packets"], a.flows))
        if r["tx_packets"] != r["rx_packets"]:
            problems.append("tx %d of rx %d (drops %s)" % (r["tx_packets"], r["rx_packets"], res["drops"]))
        if meta["kind"] != "plain" and res["ct"] and res["ct"].get("count", 0) < a.flows:
            problems.append("conntrack count %s < %d" % (res["ct"].get("count"), a.flows))
        if problems:
            res["error"] = "; ".join(problems)
            return res
        res["per_worker_per_s"] = res["tsc_hz"] / res["cycles_per_packet"]
        res["ok"] = True
        return res

    # ------------------------------------------------------------ SYN flood
    def flood_run(self):
        a = self.args
        name = "flood"
        prefix = self.prefix(name)
        path, meta = self.cfgs[name]
        report = os.path.join(self.out, "flood-report.json")
        cmd = [a.hotpathd, "-c", path, "--report", report, "--"] + tp.eal(prefix)
        res = {"config": name, "cmd": cmd, "ok": False, "samples": []}
        bl.remove_runtime_dir(prefix)
        total = a.flood_delay + a.flood
        with open(os.path.join(self.out, "flood.out"), "w") as so, \
                open(os.path.join(self.out, "flood.err"), "w") as se:
            p = self.procs.start(cmd, so, se, cwd=bl.ROOT)
            try:
                first = self.wait_forwarding(p, prefix)
                if first is None:
                    res["error"] = "did not start forwarding (rc %s)" % p.poll()
                    return res
                end = first + a.start_timeout
                done_at = None
                while time.monotonic() < end:
                    t = time.monotonic()
                    s0 = bl.telemetry(prefix, "/ethdev/stats,0")
                    s1 = bl.telemetry(prefix, "/ethdev/stats,1")
                    ct = ct_stats(self.sock(name)) or {}
                    res["samples"].append({"t": round(t - first, 3), "p0_in": s0["ipackets"],
                                           "p0_out": s0["opackets"], "p1_in": s1["ipackets"],
                                           "p1_out": s1["opackets"], "count": ct.get("count"),
                                           "workers": ct.get("workers")})
                    if s1["ipackets"] >= total and done_at is None:
                        done_at = t
                    if done_at is not None and t - done_at > 1.0:
                        break
                    time.sleep(max(0.0, t + a.poll - time.monotonic()))
                res["ct_end"] = ct_stats(self.sock(name))
            finally:
                rc = self.procs.stop(p)
                bl.remove_runtime_dir(prefix)
        res["rc"] = rc
        sm = res["samples"]
        before = [x for x in sm if x["p1_in"] <= a.flood_delay]
        after = [x for x in sm if x["p1_in"] >= total]
        if not before or not after:
            res["error"] = "the flood's start or end was not seen (p1 read %d of %d frames)" % (
                sm[-1]["p1_in"] if sm else 0, total)
            return res
        b, e = before[-1], after[0]
        din, dout = e["p0_in"] - b["p0_in"], e["p0_out"] - b["p0_out"]
        res.update(window_s=round(e["t"] - b["t"], 3), established_in=din, established_out=dout,
                   delivery=dout / din if din else None, flood_syns_per_s=a.flood / max(1e-9, e["t"] - b["t"]),
                   established_mpps_before=rate(sm, 0, b),
                   established_mpps_during=din / max(1e-9, e["t"] - b["t"]) / 1e6,
                   max_count=max((x["count"] or 0) for x in sm))
        try:
            with open(report) as f:
                r = json.load(f)
            res["drops"] = {k: v for k, v in r["drops"].items() if v}
        except (OSError, ValueError):
            pass
        with open(os.path.join(self.out, "flood.dat"), "w") as f:
            f.write("# t_s count p0_in_mpps flood_frames_read\n")
            prev = None
            for x in sm:
                mpps = (x["p0_in"] - prev["p0_in"]) / max(1e-9, x["t"] - prev["t"]) / 1e6 if prev else 0
                f.write("%.3f %s %.3f %d\n" % (x["t"], x["count"] if x["count"] is not None else "NaN", mpps,
                                               max(0, x["p1_in"] - a.flood_delay)))
                prev = x
        res["ok"] = rc == 0
        return res


def rate(samples, i0, last):
    """p0's received Mpps from samples[i0] to the sample `last`."""
    a = samples[i0]
    return (last["p0_in"] - a["p0_in"]) / max(1e-9, last["t"] - a["t"]) / 1e6


def ct_stats(sock):
    """conntrack.stats, or None (the command is missing: a dry run on a stateless build)."""
    try:
        return bl.request(sock, "conntrack.stats", timeout=10)
    except (OSError, AssertionError, ValueError):
        return None


def tsc_hz():
    """The TSC's rate, which hotpathd's cycle counts use: /proc/cpuinfo's "cpu MHz" (on this
    VM the TSC's; the reports' busy + idle cycles over elapsed_s agree within 0.2 %)."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    return None


def table(results, configs=CONFIGS):
    """Per configuration of configs: runs, median/min/max, the ratio to plain of the same flows
    and the target's verdict (conntrack.py's and lb.py's)."""
    by = {}
    for r in results:
        if r.get("ok"):
            by.setdefault(r["config"], []).append(r["mpps"])
    rows = []
    for name, label, kind, flows, target in configs:
        v = by.get(name, [])
        row = {"config": name, "label": label, "kind": kind, "runs": len(v),
               "failed": sum(1 for r in results if r["config"] == name and not r.get("ok")),
               "samples_mpps": [round(x, 3) for x in v]}
        if v:
            row.update(median=statistics.median(v), min=min(v), max=max(v))
            # lb.py's churn configuration compares with the load balancer unchanged
            base = by.get(("lb-" if kind == "churn" else "plain-") + flows)
            if base and kind != "plain":
                row["ratio"] = row["median"] / statistics.median(base)
        if target is not None:
            row["target"] = target
            row["result"] = ("PASS" if row["ratio"] >= target else "MISS") if "ratio" in row else "n/a"
        else:
            row["result"] = "baseline"
        rows.append(row)
    return rows


def write_results(out_dir, stem, out, rows, short, colour, t2, t3, title, dry_run):
    """OUT_DIR/STEM.json (out), STEM.dat (table's measured rows for throughput.gp: label median min
    max colour, short and colour naming each row's label and colour) and STEM.gpinc (the plot's
    base, plain-1k's median; its targets t2 and t3; its title, marked in a dry run).
    (conntrack.py's and lb.py's.)"""
    with open(os.path.join(out_dir, stem + ".json"), "w") as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(out_dir, stem + ".dat"), "w") as f:
        f.write("# label median min max colour\n")
        for r in rows:
            if "median" in r:
                f.write('"%s" %.3f %.3f %.3f %d\n' % (short[r["config"]], r["median"], r["min"], r["max"],
                                                      colour[r["kind"]]))
    base = next((r["median"] for r in rows if r["config"] == "plain-1k" and "median" in r), 0)
    with open(os.path.join(out_dir, stem + ".gpinc"), "w") as f:
        f.write('base = %.3f\nbaselabel = "1.0x routed\\n1k flows"\nt2 = %g\nt3 = %g\n' % (base, t2, t3))
        f.write('plottitle = "%s%s"\n' % (title, " (DRY RUN: all plain)" if dry_run else ""))


def throughput_round(rig, args, configs, rnd, results):
    """Round rnd of every wanted configuration, one run each (under the lock), into results;
    1 if one failed. (lb.py's too.)"""
    status = 0
    for name, *_ in configs:
        if rig.wanted(name):
            status |= tp.run_logged(rig, name, rnd, results, Lock(args.lock))
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "conntrack"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", 6)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 2)))
    ap.add_argument("--routes", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", 1)))
    ap.add_argument("--flows", type=int, default=int(os.environ.get("FLOWS", 1000000)))
    ap.add_argument("--sample", type=int, default=int(os.environ.get("SAMPLE", 65536)))
    ap.add_argument("--flood", type=int, default=int(os.environ.get("FLOOD", 10000000)))
    ap.add_argument("--flood-delay", type=int, default=1000000, help="frames of one flow before the SYNs")
    ap.add_argument("--flood-max", type=int, default=int(os.environ.get("FLOOD_MAX", 1000000)))
    ap.add_argument("--poll", type=float, default=0.15, help="seconds between the flood's samples")
    ap.add_argument("--only", default=os.environ.get("ONLY", ""),
                    help="comma-separated: %s" % ",".join([c[0] for c in CONFIGS] + [c[0] for c in NEW_CONFIGS]
                                                           + ["flood"]))
    ap.add_argument("--lock", default=os.environ.get("LOCK", ""), help="flock this file around each DPDK run")
    ap.add_argument("--dry-run", action="store_true", default=os.environ.get("DRY_RUN", "") == "1")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    ap.add_argument("--start-timeout", type=float, default=120)
    args = ap.parse_args()
    args.only = [x for x in args.only.split(",") if x]
    if not 1024 <= args.flows <= bl.CT_MAX_FLOWS or args.sample < 1 or 2 * args.sample > args.flows:
        ap.error("--flows must be 1024..%d and --sample 1..flows/2" % bl.CT_MAX_FLOWS)
    bl.install_signal_handlers()
    rig = CtRig(args)
    results, news, flood = [], [], None
    status = 0
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        rig.prepare()
        for rnd in range(1, args.rounds + 1):
            status = throughput_round(rig, args, CONFIGS, rnd, results) or status
            for name, kind in NEW_CONFIGS:
                if rig.wanted(name):
                    with Lock(args.lock):
                        r = rig.new_run(name)
                    r["round"] = rnd
                    news.append(r)
                    bl.log("bench: round %d %-9s %s" % (rnd, name, r.get("error") or
                                                          "%.0f cycles/packet, %.2f M/s a worker"
                                                          % (r["cycles_per_packet"], r["per_worker_per_s"] / 1e6)))
                    status = status or (0 if r["ok"] else 1)
        if rig.wanted("flood"):
            with Lock(args.lock):
                flood = rig.flood_run()
            bl.log("bench: flood %s" % (flood.get("error") or "delivery %.5f, max count %s" % (
                flood["delivery"], flood["max_count"])))
            status = status or (0 if flood["ok"] else 1)
    except KeyboardInterrupt:
        bl.log("bench: interrupted")
        status = 130
    finally:
        rig.release([c[0] for c in CONFIGS] + [c[0] for c in NEW_CONFIGS] + ["flood"])
    rows = table(results)
    newsum = summarize_new(news)
    out = {"started": started, "host": bl.host_info(), "source": os.environ.get("BENCH_SOURCE", ""),
           "dry_run": args.dry_run,
           "method": {"rounds": args.rounds, "duration_s": args.duration, "warmup_s": args.warmup,
                      "flows": args.flows, "sample": args.sample, "flood": args.flood,
                      "flood_delay": args.flood_delay, "flood_max": args.flood_max, "routes": args.routes},
           "configs": {n: open(p).read() for n, (p, _) in rig.cfgs.items()},
           "runs": results, "summary": rows, "new": news, "new_summary": newsum, "flood": flood}
    write_results(rig.out, "conntrack", out, rows, SHORT, COLOUR, 0.7, 0.6,
                  "hotpathd stateful firewall and SNAT, 64-byte frames, one worker, net\\\\_pcap replay", args.dry_run)
    print_all(rows, newsum, flood, args)
    print("raw samples: %s" % os.path.join(rig.out, "conntrack.json"))
    return status


def summarize_new(news):
    out = {}
    for name, kind in NEW_CONFIGS:
        rs = [r for r in news if r["config"] == name and r.get("ok")]
        if not rs:
            continue
        cpp = statistics.median(r["cycles_per_packet"] for r in rs)
        o = {"runs": len(rs), "cycles_per_packet": cpp,
             "per_worker_per_s": statistics.median(r["per_worker_per_s"] for r in rs),
             "wall_per_s": statistics.median([r["rx"] / r["wall_s"] for r in rs if r.get("wall_s")] or [0]),
             "hugetlb_kib": statistics.median(r["hugetlb_kib"] for r in rs if r.get("hugetlb_kib") is not None)
             if any(r.get("hugetlb_kib") is not None for r in rs) else None}
        ct = rs[-1].get("ct")
        if ct:
            o.update(ct_count=ct.get("count"), ct_max=ct.get("max"), ct_bytes=ct.get("bytes"),
                     bytes_per_connection=ct["bytes"] / ct["max"] if ct.get("max") else None)
        out[name] = o
    base = out.get("new-plain")
    for name, o in out.items():
        if base and name != "new-plain":
            o["extra_cycles"] = o["cycles_per_packet"] - base["cycles_per_packet"]
            if base.get("hugetlb_kib") is not None and o.get("hugetlb_kib") is not None:
                o["extra_hugetlb_kib"] = o["hugetlb_kib"] - base["hugetlb_kib"]
    return out


def print_all(rows, newsum, flood, args):
    f = sys.stdout
    if args.dry_run:
        f.write("\nDRY RUN: every configuration was plain routing; the numbers check the rig only\n")
    f.write("\n%-38s %5s %8s %8s %8s %9s %8s %7s\n" % ("configuration", "runs", "median", "min", "max",
                                                       "x plain", "target", "result"))
    for r in rows:
        nums = ("%8.3f %8.3f %8.3f" % (r["median"], r["min"], r["max"])) if "median" in r \
            else "%8s %8s %8s" % (("-",) * 3)
        f.write("%-38s %5d %s %9s %8s %7s%s\n" % (
            r["label"], r["runs"], nums, "%.3f" % r["ratio"] if "ratio" in r else "-",
            ">= %.1fx" % r["target"] if "target" in r else "", r["result"],
            "  (%d FAILED)" % r["failed"] if r["failed"] else ""))
    if newsum:
        f.write("\nnew connections (each frame a new flow, read once from a file), median of rounds:\n")
        for name, o in newsum.items():
            f.write("%-10s %7.0f cycles/packet -> %5.2f M/s a worker (wall %.2f M/s)%s%s\n" % (
                name, o["cycles_per_packet"], o["per_worker_per_s"] / 1e6, o["wall_per_s"] / 1e6,
                ", +%.0f cycles over plain" % o["extra_cycles"] if "extra_cycles" in o else "",
                ", table %s bytes for max %s (%.1f bytes a connection), count %s, hugepages +%s kB over plain" % (
                    o.get("ct_bytes"), o.get("ct_max"), o.get("bytes_per_connection") or 0, o.get("ct_count"),
                    o.get("extra_hugetlb_kib")) if o.get("ct_bytes") else ""))
    if flood:
        if flood.get("error"):
            f.write("\nflood: ERROR %s\n" % flood["error"])
        else:
            f.write("\nSYN flood: %d SYNs in %.2f s (%.2f M/s); established traffic %d in, %d out: delivery %.5f "
                    "(%.3f Mpps before, %.3f during); max table count %s of %d; drops %s\n" % (
                        args.flood, flood["window_s"], flood["flood_syns_per_s"] / 1e6, flood["established_in"],
                        flood["established_out"], flood["delivery"], flood["established_mpps_before"],
                        flood["established_mpps_during"], flood["max_count"], args.flood_max, flood.get("drops")))


if __name__ == "__main__":
    sys.exit(main())
