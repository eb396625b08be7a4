#!/usr/bin/python3
"""Replay-rig scaling: hotpathd and DPDK's l3fwd with one polling lcore against two (issue 17).

scaling.py --hotpathd build/release/hotpathd [--l3fwd PATH | --l3fwd-skip WHY]
           [--out build/bench/scaling] [--rounds 3] [--duration 8] [--warmup 2] [--only NAME,...]

The rig of throughput.py (its Rig, its method): 64-byte UDP frames over 1024 flows replayed
forever by net_pcap (infinite_rx=1; TX counts and drops), 10k IPv4 routes. Each program runs
three ways, and once more as a reference:

  1w     one poller on CPU 1, one port: throughput.py's l3-10k and l3fwd-lpm as they are
         (hotpathd -l 0-1, worker lcore 1; l3fwd -l 1, its main lcore polls). -cpu0: the
         same poller on CPU 0 instead (hotpathd --lcores 0@1,1@0, l3fwd -l 0), a reference:
         two pollers can at best give what each CPU gives one, and on the 2-vCPU VM this
         was written on the two CPUs did not always give the same (in one short run CPU 0
         gave a poller two thirds of what CPU 1 did, in the next as much). The ratio
         against 1w + 1w-cpu0 is what two pollers lose beyond that.
  2w-2p  two pollers on CPUs 0 and 1, each owning one port's RX queue. p0 (10.0.0.1/24,
         neighbour 10.0.0.2) replays the rig's frames to 198.18.0.0/22, p1 (10.0.1.1/24,
         neighbour 10.0.1.2, its own MAC) the same flows to 198.19.0.0/22, each set routed
         back out of the port it came in on: no TX port is shared.
  2w-2q  two pollers on CPUs 0 and 1, each owning one RX queue of p0: queue 0 replays the
         198.18 frames, queue 1 the 198.19 ones (to p0's MAC); both go out of p0, each
         poller on its own TX queue.

hotpathd's two workers are lcores 1 and 2 on CPUs 0 and 1 (--lcores 0@0,1@0,2@1: the main
lcore, whose control thread sleeps in epoll, shares CPU 0), each given its queue in the
config's workers:; l3fwd runs -l 0-1 with --config=(port,queue,lcore) per poller (its main
lcore polls too). Both want a TX queue per poller on every port, and net_pcap has one TX
queue per rx_pcap= file: a two-poller port is given a second file (on 2w-2p the same file
again, an RX queue nobody configures). On 2w-2q the pollers share one net_pcap device, which
may cost both programs something a NIC would not (not measured apart): in DPDK 22.11's
pcap_ethdev.c the RX queue structs are packed (4232 bytes each, no cache alignment), so the
ring pointer queue 0 reads every burst shares a cache line with the counters queue 1 writes
every burst.

RSS. net_pcap has none: on 2w-2q each queue is fed by its own file, which is the part of a
NIC's RSS that matters here (two pollers, two queues, disjoint flows). Of the PMDs usable
on this host (DPDK 22.11), net_tap advertises RSS (flow_type_rss_offloads; the kernel's tun
multiqueue or its eBPF Toeplitz program spreads the flows) and net_af_packet with qpairs
spreads flows with PACKET_FANOUT_HASH; net_af_xdp on a veth gets whatever queue the sender
used, and net_memif, net_ring and net_pcap do not hash at all (net_null advertises RSS but
its frames have no content). Both hashing PMDs are fed by the kernel: the frames must come
from a sender in the kernel on the same two CPUs the two pollers take, and this rig's
kernel paths carry about 0.75-1.2 Mpps (docs/BENCHMARKS.md: veth -> AF_XDP, af_packet),
not the millions of packets per second a 1.8x claim needs. So there is no RSS
configuration: 2w-2q's per-queue files stand in for it.

Configurations run one at a time, round-robin, ROUNDS times. A run's rate is the growth
of ipackets (DPDK telemetry /ethdev/stats, summed over the ports polled) between WARMUP s
after the first packet and DURATION s. Every run is checked as throughput.py checks it:
hotpathd's report (tx = rx, drops within 1e-4, nothing punted, every mbuf back), l3fwd's
opackets keeping up with its ipackets, and before the rounds l3fwd's route check, once per
frame set. In addition each poller must have received at least 30 % of the window's
packets (its ports' and queues' RX counters: "each poller" in the table), each hotpathd
worker must have sent at least 30 % of what its report counts, and every EAL thread must
be pinned to its CPU (Cpus_allowed_list in /proc/PID/task/*/status).

Writes OUT/scaling.json (every sample) and prints the medians and the ratios two pollers /
one, hotpathd's against the 1.8x target. Exit 0 whether or not the target is met; 1 if a
run failed or its checks did (the numbers would be meaningless).
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import throughput as tp  # noqa: E402

CONFIGS = [
    # name, label, kind, layout, CPUs of the pollers (LCORES)
    ("hp-1w", "hotpathd, 1 worker, 1 port (l3-10k)", "hotpathd", "1w", "cpu1"),
    ("hp-1w-cpu0", "hotpathd, 1 worker on CPU 0 (reference)", "hotpathd", "1w", "cpu0"),
    ("hp-2w-2p", "hotpathd, 2 workers, a port each", "hotpathd", "2w-2p", "cpu01"),
    ("hp-2w-2q", "hotpathd, 2 workers, 2 queues of 1 port", "hotpathd", "2w-2q", "cpu01"),
    ("l3fwd-1w", "l3fwd LPM, 1 lcore, 1 port (l3fwd-lpm)", "l3fwd", "1w", "cpu1"),
    ("l3fwd-1w-cpu0", "l3fwd LPM, 1 lcore on CPU 0 (reference)", "l3fwd", "1w", "cpu0"),
    ("l3fwd-2w-2p", "l3fwd LPM, 2 lcores, a port each", "l3fwd", "2w-2p", "cpu01"),
    ("l3fwd-2w-2q", "l3fwd LPM, 2 lcores, 2 queues of 1 port", "l3fwd", "2w-2q", "cpu01"),
]
KIND = {c[0]: c[2] for c in CONFIGS}
LAYOUT = {c[0]: c[3] for c in CONFIGS}
CPUS = {c[0]: c[4] for c in CONFIGS}

# layout -> the (port, queue) each poller owns, one list per poller
LANES = {"1w": [[(0, 0)]], "2w-2p": [[(0, 0)], [(1, 0)]], "2w-2q": [[(0, 0)], [(0, 1)]]}
# layout -> each port's rx_pcap files (frame sets below): one RX queue and one TX queue each
FILES = {"1w": [["a"]], "2w-2p": [["a", "a"], ["b1", "b1"]], "2w-2q": [["a", "b0"]]}
# layout -> the port the 198.19 frames are routed out of
SCALE_OUT = {"2w-2p": 1, "2w-2q": 0}

# (kind, CPUs) -> tp.eal's lcore arguments, the pollers' lcores, the CPU each thread must be on
LCORES = {
    ("hotpathd", "cpu1"): ({"lcores": "0-1"}, [1], {"main": "0", "rte-worker-1": "1"}),
    ("hotpathd", "cpu0"): ({"lcore_map": "0@1,1@0"}, [1], {"main": "1", "rte-worker-1": "0"}),
    ("hotpathd", "cpu01"): ({"lcore_map": "0@0,1@0,2@1"}, [1, 2],
                            {"main": "0", "rte-worker-1": "0", "rte-worker-2": "1"}),
    ("l3fwd", "cpu1"): ({"lcores": "1"}, [1], {"main": "1"}),
    ("l3fwd", "cpu0"): ({"lcores": "0"}, [0], {"main": "0"}),
    ("l3fwd", "cpu01"): ({"lcores": "0-1"}, [0, 1], {"main": "0", "rte-worker-1": "1"}),
}
PEER_MACS = [bl.PEER_MAC, bl.PEER1_MAC]  # the neighbour of port 0, port 1

MIN_SHARE = 0.3   # of the packets, each poller at least
TARGET = 1.8      # two pollers against one, hotpathd
# ratio rows: two pollers, what they are divided by (the sum of those medians), target
# (None: reported beside it). Against one poller on each CPU: how much of what the two CPUs
# give one at a time two pollers get together.
RATIOS = [("hp-2w-2p", ["hp-1w"], TARGET), ("hp-2w-2q", ["hp-1w"], TARGET),
          ("l3fwd-2w-2p", ["l3fwd-1w"], None), ("l3fwd-2w-2q", ["l3fwd-1w"], None),
          ("hp-2w-2p", ["hp-1w", "hp-1w-cpu0"], None), ("hp-2w-2q", ["hp-1w", "hp-1w-cpu0"], None),
          ("l3fwd-2w-2p", ["l3fwd-1w", "l3fwd-1w-cpu0"], None), ("l3fwd-2w-2q", ["l3fwd-1w", "l3fwd-1w-cpu0"], None)]
L3FWD_PEER = {"hp-1w": "l3fwd-1w", "hp-1w-cpu0": "l3fwd-1w-cpu0", "hp-2w-2p": "l3fwd-2w-2p",
              "hp-2w-2q": "l3fwd-2w-2q"}
# the route checks (throughput.py's) each l3fwd configuration needs: the 198.18 frames on
# the one-poller table (the two-poller tables hold the same routes and more), the 198.19
# frames on the two-poller table
ROUTE_CHECKS = {"l3fwd-1w": ["l3fwd-1w"], "l3fwd-1w-cpu0": ["l3fwd-1w"], "l3fwd-2w-2p": ["l3fwd-1w", "l3fwd-2w"],
                "l3fwd-2w-2q": ["l3fwd-1w", "l3fwd-2w"]}


def lcores(name):
    return LCORES[KIND[name], CPUS[name]]


class ScaleRig(tp.Rig):
    def __init__(self, args):
        super().__init__(args)
        self.checks = {}  # route check -> its result (a configuration's are in route_checks)

    def prepare(self):
        a = self.args
        os.makedirs(self.out, exist_ok=True)
        pc = lambda n: os.path.join(self.out, n)  # noqa: E731
        self.pcaps = {"a": bl.write_flows_pcap(pc("flows4.pcap")),
                      "b1": bl.write_flows_pcap(pc("flows4-198.19-p1.pcap"), dst_mac=bl.PORT1_MAC,
                                                src_mac=bl.PEER1_MAC, dst_net=bl.SCALE_DST4),
                      "b0": bl.write_flows_pcap(pc("flows4-198.19-p0.pcap"), dst_net=bl.SCALE_DST4)}
        self.cfgs = {}
        for name, label, kind, layout, _ in CONFIGS:
            if kind != "hotpathd" or not self.wanted(name):
                continue
            path = pc(name + ".yaml")
            devs = self.devices(layout)
            st, queues = None, 1
            if layout != "1w":
                st = bl.scale_setup([["p%d/%d" % lane for lane in lanes] for lanes in LANES[layout]],
                                    devs[1] if len(devs) > 1 else None)
                queues = sum(1 for lanes in LANES[layout] for port, _ in lanes if port == 0)
            bl.write_l3_config(path, devs[0], self.prefix(name), pc(name + ".sock"), 4, a.routes, 0,
                               seed=a.seed, stateful=st, queues=queues, **lcores(name)[0])
            bl.validate_config(a.hotpathd, path)
            self.cfgs[name] = (path, {"layout": layout})
        if not a.l3fwd:
            return
        scale = lambda port: [(net, port) for net in bl.traffic_routes4(bl.SCALE_DST4)]  # noqa: E731
        # the tables, and those of the route checks: every route out of port 1 (net_null)
        rules6, check6 = pc("l3fwd.rules6"), pc("l3fwd-check.rules6")
        bl.write_l3fwd_routes(rules6, 6, 0, a.seed)
        bl.write_l3fwd_routes(check6, 6, 0, a.seed, 1)
        for name, label, kind, layout, _ in CONFIGS:
            if kind == "l3fwd" and self.wanted(name):
                rules4 = pc(name + ".rules4")
                bl.write_l3fwd_routes(rules4, 4, a.routes, a.seed, 0,
                                      scale(SCALE_OUT[layout]) if layout in SCALE_OUT else ())
                self.l3fwd_rules[name] = (rules4, rules6)
        wanted = {c for name in self.l3fwd_rules for c in ROUTE_CHECKS[name]}
        for check, pcap, extra in (("l3fwd-1w", "a", ()), ("l3fwd-2w", "b1", scale(1))):
            if check in wanted:
                check4 = pc(check + "-check.rules4")
                bl.write_l3fwd_routes(check4, 4, a.routes, a.seed, 1, extra)
                self.checks[check] = self.route_check(check, self.pcaps[pcap], check4, check6)
        for name in self.l3fwd_rules:
            failed = [c for c in ROUTE_CHECKS[name] if not self.checks[c]["ok"]]
            self.route_checks[name] = {"ok": not failed, "checks": ROUTE_CHECKS[name],
                                       "error": "; ".join("%s: %s" % (c, self.checks[c].get("error")) for c in failed)}

    def devices(self, layout):
        """The net_pcap device of each port of a layout."""
        return [bl.replay_device([self.pcaps[f] for f in files], index=i) for i, files in enumerate(FILES[layout])]

    def command(self, name):
        if KIND[name] != "l3fwd":
            return super().command(name)
        layout = LAYOUT[name]
        lc, pollers, _ = lcores(name)
        rules4, rules6 = self.l3fwd_rules[name]
        n = len(FILES[layout])
        config = [(port, queue, lcore) for lcore, lanes in zip(pollers, LANES[layout]) for port, queue in lanes]
        return bl.l3fwd_command(self.args.l3fwd, tp.eal(self.prefix(name), **lc), self.devices(layout),
                                hex((1 << n) - 1), rules4, rules6, list(enumerate(PEER_MACS[:n])), config), None

    def eal(self, name):
        return tp.eal(self.prefix(name), **lcores(name)[0])

    def ports(self, name):
        return sorted({port for lanes in LANES[LAYOUT[name]] for port, _ in lanes})

    def is_l3fwd(self, name):
        return KIND[name] == "l3fwd"

    def verify_run(self, name, res, report):
        """throughput.py's checks, and: each poller took its share, and ran where it should."""
        problems = super().verify_run(name, res, report)
        lanes = LANES[LAYOUT[name]]
        q = res["q_ipackets"]
        got = [sum(q[p][i] if i < len(q[p]) else 0 for p, i in own) for own in lanes]
        res["poller_share"] = [round(g / max(sum(got), 1), 4) for g in got]
        res["poller_mpps"] = [round(x * res["mpps"], 3) for x in res["poller_share"]]
        if len(lanes) > 1 and min(res["poller_share"]) < MIN_SHARE:
            problems.append("a poller took less than %d %% of the window's packets: %s (per queue %s)"
                            % (100 * MIN_SHARE, res["poller_share"], q))
        _, pollers, where = lcores(name)
        wrong = {t: res["threads"].get(t) for t, cpu in where.items() if res["threads"].get(t) != cpu}
        if wrong:
            problems.append("threads off their CPUs: %s (want %s)" % (wrong, where))
        if report is not None:
            workers = report.get("workers", [])
            res["workers"] = [{k: w[k] for k in ("lcore", "rx_packets", "tx_packets", "cycles_per_packet")}
                              for w in workers]
            tx = sum(w["tx_packets"] for w in workers)
            if sorted(w["lcore"] for w in workers) != pollers:
                problems.append("workers on lcores %s, not %s" % ([w["lcore"] for w in workers], pollers))
            elif len(workers) > 1 and min(w["tx_packets"] for w in workers) < MIN_SHARE * tx:
                problems.append("a worker sent less than %d %% of the packets: %s"
                                % (100 * MIN_SHARE, [(w["lcore"], w["tx_packets"]) for w in workers]))
        return problems


def summary(results, configs, skipped):
    """One row per configuration (median/min/max Mpps, per poller, x l3fwd) and the ratio rows."""
    by = {}
    for r in results:
        if r.get("ok"):
            by.setdefault(r["config"], []).append(r["mpps"])
    med = {name: statistics.median(v) for name, v in by.items()}
    rows = []
    for name, label, kind, layout, _ in configs:
        v = by.get(name, [])
        ok = [r for r in results if r["config"] == name and r.get("ok")]
        row = {"config": name, "label": label, "kind": kind, "layout": layout, "runs": len(v),
               "failed": sum(1 for r in results if r["config"] == name and not r.get("ok")),
               "noisy": sum(1 for r in ok if r["foreign_cpu"] + r["steal_cpu"] > 0.15),
               "samples_mpps": [round(x, 3) for x in v]}
        if v:
            row.update(median=med[name], min=min(v), max=max(v),
                       pollers_mpps=[statistics.median(x) for x in zip(*(r["poller_mpps"] for r in ok))])
            if med.get(L3FWD_PEER.get(name)):
                row["ratio_l3fwd"] = med[name] / med[L3FWD_PEER[name]]
        if name in skipped:
            row["skipped"] = skipped[name]
        rows.append(row)
    ratios = []
    names = [c[0] for c in configs]
    for two, base, target in RATIOS:
        if two not in names or (target is None and not set(base) <= set(names)):
            continue
        r = {"config": two, "base": base, "target": target}
        if all(x in med for x in [two] + base):
            r["ratio"] = med[two] / sum(med[x] for x in base)
            r["result"] = ("met" if r["ratio"] >= target else "MISSED") if target else "reference"
        else:
            r["result"] = "n/a (%s)" % ("skipped" if any(x in skipped for x in [two] + base) else "no successful runs")
        ratios.append(r)
    return rows, ratios


def print_summary(rows, ratios, f=sys.stdout):
    f.write("\n%-42s %5s %8s %8s %8s %8s %13s\n" % ("configuration", "runs", "median", "min", "max",
                                                     "x l3fwd", "each poller"))
    f.write("%-42s %5s %8s %8s %8s %8s %13s\n" % ("", "", "Mpps", "Mpps", "Mpps", "", "Mpps"))
    for r in rows:
        if "median" in r:
            nums = "%8.2f %8.2f %8.2f %8s %13s" % (r["median"], r["min"], r["max"],
                                                   "%.3f" % r["ratio_l3fwd"] if "ratio_l3fwd" in r else "",
                                                   " + ".join("%.2f" % x for x in r["pollers_mpps"]))
        else:
            nums = "%8s %8s %8s %8s %13s" % ("-", "-", "-", "", "")
        extra = "".join(["  (%s)" % r["skipped"] if r.get("skipped") else "",
                         "  (%d run(s) FAILED)" % r["failed"] if r["failed"] else "",
                         "  (%d noisy run(s))" % r["noisy"] if r["noisy"] else ""])
        f.write("%-42s %5d %s%s\n" % (r["label"], r["runs"], nums, extra))
    f.write("\n")
    for r in ratios:
        what = "%s / %s" % (r["config"], r["base"][0] if len(r["base"]) == 1 else "(%s)" % " + ".join(r["base"]))
        if "ratio" in r:
            tgt = "target >= %.1fx: %s" % (r["target"], r["result"]) if r["target"] else r["result"]
            f.write("%-44s %6.3fx   %s\n" % (what, r["ratio"], tgt))
        else:
            f.write("%-44s %7s   %s\n" % (what, "-", r["result"]))
    f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tp.rig_arguments(ap, CONFIGS)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "scaling"))
    args, configs, skipped = tp.parse_rig_arguments(ap, CONFIGS)
    rig = ScaleRig(args)
    results, host, started, status = tp.run_rig(rig, [c[0] for c in configs if c[0] not in skipped],
                                                [c[0] for c in CONFIGS] + ["l3fwd-2w"])

    rows, ratios = summary(results, configs, skipped)
    out = {
        "started": started, "host": host,
        "source": os.environ.get("BENCH_SOURCE", ""),
        "method": {"rounds": args.rounds, "duration_s": args.duration, "warmup_s": args.warmup,
                   "frames": "64-byte UDP, 1024 flows a set (scripts/gen_flows.py): to 198.18.0.0/22, "
                             "and on the second port or queue to 198.19.0.0/22",
                   "rate": "delta of ipackets (/ethdev/stats,N) summed over the ports polled, between "
                           "warmup and duration",
                   "routes": args.routes, "seed": args.seed, "min_share": MIN_SHARE, "target": TARGET,
                   "rss": "none: no PMD here hashes flows over queues at millions of packets per second "
                          "(see scaling.py); 2w-2q feeds each queue from its own file",
                   "eal_extra": os.environ.get("EAL_EXTRA", "")},
        "configs": [{"name": c[0], "label": c[1], "kind": c[2], "layout": c[3], "lanes": LANES[c[3]],
                     "lcores": lcores(c[0])[0], "threads_on": lcores(c[0])[2],
                     "cmd": next((r["cmd"] for r in results if r["config"] == c[0]), None)}
                    for c in configs],
        "l3fwd": {"binary": args.l3fwd, "skipped": args.l3fwd_skip or None,
                  "build": os.environ.get("BENCH_L3FWD_BUILD", ""),
                  "route_checks": rig.checks},
        "runs": results, "summary": rows, "ratios": ratios,
    }
    os.makedirs(rig.out, exist_ok=True)
    with open(os.path.join(rig.out, "scaling.json"), "w") as f:
        json.dump(out, f, indent=2)
    print_summary(rows, ratios)
    print("raw samples: %s" % os.path.join(rig.out, "scaling.json"))
    return status


if __name__ == "__main__":
    sys.exit(main())
