#!/usr/bin/python3
"""Replay-rig throughput: testpmd and l3fwd baselines against hotpathd's pipelines, one worker lcore.

throughput.py --hotpathd build/release/hotpathd [--l3fwd PATH | --l3fwd-skip WHY]
              [--out build/bench] [--rounds 3] [--duration 8] [--warmup 2] [--only NAME,...]

Every configuration replays 64-byte frames over 1024 flows from one net_pcap port
(infinite_rx=1, no tx_pcap: TX is counted and dropped by the PMD) with one worker
lcore on CPU 1: EAL -l 0-1 (main lcore 0, worker lcore 1) for testpmd and hotpathd;
-l 1 for DPDK's l3fwd example, whose main lcore is its only poller (with -l 0-1 it
wants a TX queue per lcore, which net_pcap does not have, and its main lcore would
spin in rte_eal_mp_wait_lcore). Configurations run one at a time, round-robin, ROUNDS
times. The rate of a run is the growth of /ethdev/stats,0 "ipackets" (DPDK telemetry)
between a sample WARMUP s after the process forwards its first packet and one at
DURATION s: the same method for every program, start-up excluded.

hotpathd runs are checked afterwards against their --report JSON: a routed run counts
only if (almost) every received packet was transmitted, nothing was dropped or punted,
no ACL rule matched and every mbuf came back. l3fwd runs count only if the PMD's
opackets kept up with ipackets during the window, and if a route check before the
rounds proved that l3fwd's route file routes every frame: l3fwd sends a packet whose
lookup misses back out of its input port, which on this one-port hairpin looks exactly
like a hit, so the check routes the same prefixes to a second port (net_null) and
requires that nothing at all leaves port 0.

Writes OUT/throughput.json (every sample), OUT/throughput.dat (for gnuplot) and prints
the table. Exit 0 whether or not the targets are met; 1 if a run failed or its
verification failed (the numbers would be meaningless).
"""
import argparse
import contextlib
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

TESTPMD = "dpdk-testpmd"

CONFIGS = [
    # name, label, kind, target ratio to 5tswap (None: reference / report only)
    ("5tswap", "testpmd 5tswap (baseline)", "testpmd", None),
    ("io", "testpmd io (raw I/O ceiling)", "testpmd", None),
    ("l3fwd-lpm", "l3fwd LPM, 10k IPv4 routes", "l3fwd", None),
    ("l3fwd-lpm6", "l3fwd LPM IPv6, 10k IPv6 routes", "l3fwd", None),
    ("l3-10k", "hotpathd l3, 10k IPv4 routes", "hotpathd", 1.0),
    ("l3-10k-scalar", "hotpathd l3, 10k routes, scalar fast path", "hotpathd", None),
    ("l3-10k-x4", "hotpathd l3, 10k routes, x4 (SSE4.2) fast path", "hotpathd", None),
    ("l3-10k-rt", "hotpathd l3, 10k routes, runtime on (1 in 16)", "hotpathd", None),
    ("l3-10k-rt1", "hotpathd l3, 10k routes, runtime on (every)", "hotpathd", None),
    ("l3-10k-acl1k", "hotpathd l3, 10k routes + 1k ACL", "hotpathd", 0.7),
    ("l3-10k-acl1k-scalar", "hotpathd l3, 10k routes + 1k ACL, scalar fast path", "hotpathd", None),
    ("l3-10k-acl1k-x4", "hotpathd l3, 10k routes + 1k ACL, x4 fast path", "hotpathd", None),
    ("l3v6-10k", "hotpathd l3 IPv6, 10k IPv6 routes", "hotpathd", None),
    ("l3v6-10k-scalar", "hotpathd l3 IPv6, 10k routes, scalar fast path", "hotpathd", None),
    ("l3v6-10k-x4", "hotpathd l3 IPv6, 10k routes, x4 fast path", "hotpathd", None),
    ("xconnect", "hotpathd xconnect hairpin", "hotpathd", None),
]

# bar labels of the plot (gnuplot expands \n in double-quoted strings)
SHORT = {
    "5tswap": "testpmd\\n5tswap", "io": "testpmd\\nio",
    "l3fwd-lpm": "l3fwd LPM\\n10k routes", "l3fwd-lpm6": "l3fwd LPM\\nIPv6 10k routes",
    "l3-10k": "hotpathd l3\\n10k routes", "l3-10k-acl1k": "hotpathd l3\\n+ 1k ACL",
    "l3-10k-rt": "l3 10k routes\\nruntime on 1/16", "l3-10k-rt1": "l3 10k routes\\nruntime on 1/1",
    "l3v6-10k": "hotpathd l3\\nIPv6 10k routes", "xconnect": "hotpathd\\nxconnect",
    "l3-10k-scalar": "l3 10k routes\\nscalar", "l3-10k-x4": "l3 10k routes\\nx4",
    "l3-10k-acl1k-scalar": "l3 + 1k ACL\\nscalar", "l3v6-10k-scalar": "l3 IPv6\\nscalar",
    "l3-10k-acl1k-x4": "l3 + 1k ACL\\nx4", "l3v6-10k-x4": "l3 IPv6\\nx4",
}
KIND_COLOUR = {"testpmd": 1, "l3fwd": 2, "hotpathd": 3}  # column 5 of throughput.dat (throughput.gp)

# the configurations that run with hpctl runtime on, and the sampling they ask for
RUNTIME_ON = {"l3-10k-rt": 16, "l3-10k-rt1": 1}

# the configurations that choose the fast path's copy (hotpathd --fast-path); the others run the
# widest the CPU has. What ran is checked in the report's fast_path.
FAST_PATH = {"l3-10k-scalar": "scalar", "l3-10k-x4": "x4", "l3-10k-acl1k-scalar": "scalar", "l3-10k-acl1k-x4": "x4",
             "l3v6-10k-scalar": "scalar", "l3v6-10k-x4": "x4"}
FAST_PATH_NAME = {"scalar": "scalar", "x4": "sse4.2 x4", "x8": "avx2 x8"}

# like-for-like pairs: hotpathd configuration -> the l3fwd configuration with the same
# frames and routes (the "x l3fwd" column and the summary line)
L3FWD_PEER = {"l3-10k": "l3fwd-lpm", "l3v6-10k": "l3fwd-lpm6"}
L3FWD_FAMILY = {"l3fwd-lpm": 4, "l3fwd-lpm6": 6}


def eal(prefix, lcores="0-1", lcore_map=None):
    """EAL arguments of every run; EAL_EXTRA (split on blanks) is appended to all of them,
    e.g. EAL_EXTRA=--force-max-simd-bitwidth=512 (lets rte_acl use its AVX-512 search).
    lcore_map: an EAL --lcores map ("0@0,1@0,2@1": lcore@CPU) in place of -l lcores
    (lcore N on CPU N)."""
    cores = ["--lcores", lcore_map] if lcore_map else ["-l", lcores]
    return cores + ["--in-memory", "--no-pci", "--file-prefix", prefix,
                    "--log-level", "lib.eal:error"] + os.environ.get("EAL_EXTRA", "").split()


class Rig:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.tag = args.tag
        self.procs = bl.Procs(args.state)
        self.inputs = {}
        self.l3fwd_rules = {}   # name -> (rules4, rules6) of the measured runs
        self.route_checks = {}  # name -> result of the route check (see route_check)

    def prefix(self, name):
        return "bench-%s-%s" % (name, self.tag)

    def release(self, names):
        """The end of a run, an interrupted one too: every process still running stopped, the EAL
        runtime directories of names' runs and route checks removed."""
        self.procs.stop_all()
        for name in names:
            bl.remove_runtime_dir(self.prefix(name))
            bl.remove_runtime_dir(self.prefix(name + "-check"))

    # ------------------------------------------------------------ inputs
    def prepare(self):
        os.makedirs(self.out, exist_ok=True)
        v4, v6 = bl.gen_pcaps(self.out)
        self.pcap = {4: v4, 6: v6}
        sock = lambda n: os.path.join(self.out, "%s.sock" % n)  # noqa: E731
        cfgs = {}
        for name, family, n_acl in (("l3-10k", 4, 0), ("l3-10k-acl1k", 4, 1000), ("l3v6-10k", 6, 0),
                                    ("l3-10k-rt", 4, 0), ("l3-10k-rt1", 4, 0), ("l3-10k-scalar", 4, 0),
                                    ("l3-10k-x4", 4, 0), ("l3-10k-acl1k-scalar", 4, 1000),
                                    ("l3-10k-acl1k-x4", 4, 1000), ("l3v6-10k-scalar", 6, 0),
                                    ("l3v6-10k-x4", 6, 0)):
            if not self.wanted(name):
                continue
            path = os.path.join(self.out, name + ".yaml")
            meta = bl.write_l3_config(path, bl.replay_device(self.pcap[family]), self.prefix(name), sock(name), family,
                                      self.args.routes, n_acl, seed=self.args.seed, acl_shape=self.args.acl_shape)
            cfgs[name] = (path, meta)
        if self.wanted("xconnect"):
            path = os.path.join(self.out, "xconnect.yaml")
            bl.write_xconnect_config(path, bl.replay_device(self.pcap[4]), self.prefix("xconnect"), sock("xconnect"))
            cfgs["xconnect"] = (path, {"routes": 0, "acl": 0, "family": 4})
        for name, (path, meta) in cfgs.items():
            bl.validate_config(self.args.hotpathd, path)
        self.cfgs = cfgs
        # l3fwd: the same routes as hotpathd's l3-10k / l3v6-10k (same seed), all out of
        # port 0; the other family gets only the routes covering the traffic (l3fwd needs
        # both files), as hotpathd's config has no routes of the other family.
        for name, family in L3FWD_FAMILY.items():
            if not self.wanted(name) or not self.args.l3fwd:
                continue
            files = {}
            for port, suffix in ((0, ""), (1, "-check")):
                for fam in (4, 6):
                    path = os.path.join(self.out, "%s%s.rules%d" % (name, suffix, fam))
                    bl.write_l3fwd_routes(path, fam, self.args.routes if fam == family else 0,
                                          self.args.seed, port)
                    files[(port, fam)] = path
            self.l3fwd_rules[name] = (files[(0, 4)], files[(0, 6)])
            self.route_checks[name] = self.route_check(name, self.pcap[family], files[(1, 4)], files[(1, 6)])

    def route_check(self, name, pcap, rules4, rules6, seconds=3.0):
        """Run l3fwd once with the measured route table's prefixes pointed at port 1 (a
        net_null port that counts and frees what it is given) and require that port 1
        transmits every received frame and port 0 none: l3fwd forwards a lookup miss out
        of the input port, so on the one-port rig a miss would be counted as forwarded.
        pcap: the frames the measured runs replay."""
        prefix = self.prefix(name + "-check")
        cmd = bl.l3fwd_command(self.args.l3fwd, eal(prefix, "1"),
                               [bl.replay_device(pcap), "net_null0,no-rx=1"], "0x3",
                               rules4, rules6, [(0, bl.PEER_MAC), (1, bl.PEER_MAC)])
        logbase = os.path.join(self.out, "%s-check" % name)
        res = {"cmd": cmd, "ok": False}
        bl.remove_runtime_dir(prefix)
        with open(logbase + ".out", "w") as so, open(logbase + ".err", "w") as se:
            p = self.procs.start(cmd, so, se, cwd=bl.ROOT)
            try:
                first = self.wait_forwarding(p, prefix)
                if first is None:
                    res["error"] = "did not start forwarding within %ss (rc %s, see %s.err)" % (
                        self.args.start_timeout, p.poll(), logbase)
                    return res
                time.sleep(seconds)
                p0 = bl.telemetry(prefix, "/ethdev/stats,0")
                p1 = bl.telemetry(prefix, "/ethdev/stats,1")
            except (OSError, ValueError, KeyError) as e:
                res["error"] = "telemetry: %s" % e
                return res
            finally:
                rc = self.procs.stop(p)
                bl.remove_runtime_dir(prefix)
        res.update(rc=rc, port0_ipackets=p0["ipackets"], port0_opackets=p0["opackets"],
                   port1_opackets=p1["opackets"])
        problems = []
        if p0["ipackets"] < 1000000:
            problems.append("only %d packets received" % p0["ipackets"])
        if p0["opackets"]:
            problems.append("%d packets missed the routes (sent back out of port 0)" % p0["opackets"])
        # port 1 was read after port 0: it has sent what port 0 had received, less what
        # was still in l3fwd's burst and TX buffer (at most 2 x 32)
        if p1["opackets"] < p0["ipackets"] - 64:
            problems.append("port 1 sent %d of %d packets" % (p1["opackets"], p0["ipackets"]))
        if rc != 0:
            problems.append("exit status %d (see %s.err)" % (rc, logbase))
        if problems:
            res["error"] = "; ".join(problems)
        else:
            res["ok"] = True
        bl.log("bench: l3fwd route check %-10s %s: %d frames in, %d out of the routed port, %d out of the input port"
               % (name, "ok" if res["ok"] else "FAILED (%s)" % res.get("error"),
                  p0["ipackets"], p1["opackets"], p0["opackets"]))
        return res

    def wait_forwarding(self, p, prefix):
        """Wait until the telemetry socket answers and ipackets > 0; the time, or None."""
        deadline = time.monotonic() + self.args.start_timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                return None
            if os.path.exists(bl.telemetry_path(prefix)):
                try:
                    # null until the port is there: EAL's telemetry answers before hotpathd's ports
                    st = bl.telemetry(prefix, "/ethdev/stats,0")
                    if st and st.get("ipackets", 0) > 0:
                        return time.monotonic()
                except (OSError, ValueError, KeyError):
                    pass
            time.sleep(0.05)
        return None

    def wanted(self, name):
        return not self.args.only or name in self.args.only

    def command(self, name):
        prefix = self.prefix(name)
        if name in ("5tswap", "io"):
            vdev = bl.replay_device(self.pcap[4])
            return [TESTPMD] + eal(prefix) + ["--vdev", vdev, "--",
                                              "--forward-mode=" + name, "--stats-period", "1",
                                              "--total-num-mbufs", "32768", "--no-flush-rx"], None
        if name in L3FWD_FAMILY:
            rules4, rules6 = self.l3fwd_rules[name]
            return bl.l3fwd_command(self.args.l3fwd, eal(prefix, "1"),
                                    [bl.replay_device(self.pcap[L3FWD_FAMILY[name]])],
                                    "0x1", rules4, rules6, [(0, bl.PEER_MAC)]), None
        path, _ = self.cfgs[name]
        report = os.path.join(self.out, "%s-report.json" % name)
        fast = ["--fast-path", FAST_PATH[name]] if name in FAST_PATH else []
        return [self.args.hotpathd, "-c", path, "--report", report] + fast + ["--"] + self.eal(name), report

    def eal(self, name):
        """EAL arguments of a hotpathd run: main lcore 0, worker lcore 1 (on CPUs 0 and 1)."""
        return eal(self.prefix(name))

    def ports(self, name):
        """The ethdev ports whose packets a run's rate counts."""
        return (0,)

    def is_l3fwd(self, name):
        return name in L3FWD_FAMILY

    # ------------------------------------------------------------ one run
    def run_one(self, name, rnd):
        a = self.args
        prefix = self.prefix(name)
        cmd, report_path = self.command(name)
        logbase = os.path.join(self.out, "%s-r%d" % (name, rnd))
        if report_path and os.path.exists(report_path):
            os.unlink(report_path)
        bl.remove_runtime_dir(prefix)
        res = {"config": name, "round": rnd, "cmd": cmd, "ok": False}
        check = self.route_checks.get(name)
        if check is not None and not check["ok"]:
            res["error"] = "not run: the route check failed (%s)" % check.get("error")
            return res
        with open(logbase + ".out", "w") as so, open(logbase + ".err", "w") as se:
            t_start = time.monotonic()
            p = self.procs.start(cmd, so, se, cwd=bl.ROOT)
            try:
                # forwarding: the telemetry socket exists and ipackets grows
                first = self.wait_forwarding(p, prefix)
                if first is None:
                    res["error"] = "did not start forwarding within %ss (rc %s)" % (a.start_timeout, p.poll())
                    return res
                res["startup_s"] = round(first - t_start, 3)
                self.settle(name, prefix, first, res)
                time.sleep(max(0.0, first + a.warmup - time.monotonic()))
                s0 = self.sample(prefix, p.pid, self.ports(name))
                time.sleep(max(0.0, s0["t"] + a.duration - a.warmup - time.monotonic()))
                s1 = self.sample(prefix, p.pid, self.ports(name))
                if name in RUNTIME_ON:  # what hpctl runtime showed at the window's end
                    res["runtime"] = bl.request(os.path.join(self.out, "%s.sock" % name), "runtime.show")
            except (OSError, ValueError, KeyError) as e:
                res["error"] = "telemetry: %s" % e
                return res
            finally:
                rc = self.procs.stop(p)
                bl.remove_runtime_dir(prefix)
        res["rc"] = rc
        dt = s1["t"] - s0["t"]
        dp = s1["ipackets"] - s0["ipackets"]
        res.update({
            "window_s": round(dt, 4),
            "ipackets": [s0["ipackets"], s1["ipackets"]],
            "opackets": [s0["opackets"], s1["opackets"]],
            "mpps": dp / dt / 1e6,
            "tx_mpps": (s1["opackets"] - s0["opackets"]) / dt / 1e6,
            # CPU used by everything but the process under test, in CPUs (0..2), and steal
            "foreign_cpu": round(max(0.0, ((s1["busy"] - s0["busy"]) - (s1["self"] - s0["self"]))
                                     / bl.CLK_TCK / dt), 3),
            "steal_cpu": round((s1["steal"] - s0["steal"]) / bl.CLK_TCK / dt, 3),
            # each port's packets per RX queue over the window (trailing idle queues left out)
            "q_ipackets": {p: trim_zeros([b - a for a, b in zip(q0, s1["q_ipackets"][p])])
                           for p, q0 in s0["q_ipackets"].items()},
            "threads": s1["threads"],
        })
        if rc != 0:
            res["error"] = "exit status %d (see %s.err)" % (rc, logbase)
            return res
        report = None
        if report_path:
            try:
                with open(report_path) as f:
                    report = json.load(f)
            except (OSError, ValueError) as e:
                res["error"] = "no report: %s" % e
                return res
            res["report"] = summarize(report)
        problems = self.verify_run(name, res, report)
        if problems is not None:
            res["verify"] = problems or "ok"
            if problems:
                res["error"] = "verification failed: " + "; ".join(problems)
                return res
        res["ok"] = True
        return res

    def verify_run(self, name, res, report):
        """What makes a finished run meaningless as a forwarding benchmark: a list of problems
        (empty: none), or None where nothing is checked (testpmd). report: hotpathd's --report
        (None for the others). The PMD's own counts over the window must show TX keeping up
        with RX: hotpathd counts what it could not send, l3fwd frees it (and BAD_PORT packets)
        without counting."""
        if report is None and not self.is_l3fwd(name):
            return None
        problems = self.verify(name, report) if report is not None else []
        if res["tx_mpps"] < res["mpps"] * 0.999:
            problems.append("PMD opackets grew %.3f Mpps while ipackets grew %.3f Mpps"
                            % (res["tx_mpps"], res["mpps"]))
        return problems

    def settle(self, name, prefix, first, res):
        """Called once the run forwards, before the WARMUP wait: a subclass waits here for
        what must be done before the window (conntrack.py: the set-up of 1 M connections).
        Here: the -rt configurations turn hpctl runtime on (what it costs)."""
        every = RUNTIME_ON.get(name)
        deadline = time.monotonic() + self.args.start_timeout
        while every is not None:  # the control socket may come a moment after the forwarding
            try:
                res["runtime_on"] = bl.request(os.path.join(self.out, "%s.sock" % name), "runtime.on",
                                               {"sample_every": every})
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def verify(self, name, report):
        return verify(name, report)

    def sample(self, prefix, pid, ports=(0,)):
        """The ports' counters now (ipackets and opackets summed over them; each port's
        ipackets per RX queue in "q_ipackets"), the host's CPU time and the process's, and
        the CPUs each of its threads may run on (bl.thread_cpus)."""
        t0 = time.monotonic()
        st = {p: bl.telemetry(prefix, "/ethdev/stats,%d" % p) for p in ports}
        t1 = time.monotonic()
        busy, steal = bl.cpu_times()
        return {"t": (t0 + t1) / 2, "ipackets": sum(s["ipackets"] for s in st.values()),
                "opackets": sum(s["opackets"] for s in st.values()),
                "q_ipackets": {p: s.get("q_ipackets", []) for p, s in st.items()},
                "busy": busy, "steal": steal, "self": bl.proc_cpu(pid), "threads": bl.thread_cpus(pid)}


def trim_zeros(v):
    while v and not v[-1]:
        v = v[:-1]
    return v


def summarize(r):
    w = r["workers"][0] if r.get("workers") else {}
    p = r["ports"][0] if r.get("ports") else {}
    return {
        "rx_packets": r["rx_packets"], "tx_packets": r["tx_packets"],
        "drops": {k: v for k, v in r["drops"].items() if v},
        "punted": {k: v for k, v in r.get("slowpath", {}).get("punted", {}).items() if v},
        "acl_hits": sum(x["packets"] for x in r.get("acl", [])),
        "cycles_per_packet": w.get("cycles_per_packet"),
        "busy_pct": 100.0 * w["busy_cycles"] / (w["busy_cycles"] + w["idle_cycles"])
        if w and w["busy_cycles"] + w["idle_cycles"] else None,
        "device_ipackets": p.get("device_stats", {}).get("ipackets"),
        "device_opackets": p.get("device_stats", {}).get("opackets"),
        "latency_ns": r.get("latency_ns"),
        "mempools": r.get("mempools"),
        "fast_path": r.get("fast_path"),
    }


def verify(name, r):
    """Problems that make a hotpathd run meaningless as a forwarding benchmark."""
    problems = []
    rx, tx = r["rx_packets"], r["tx_packets"]
    if name in FAST_PATH and r.get("fast_path") != FAST_PATH_NAME[FAST_PATH[name]]:
        problems.append("fast path %s, not %s" % (r.get("fast_path"), FAST_PATH_NAME[FAST_PATH[name]]))
    if rx < 1000000:
        problems.append("only %d packets received" % rx)
    if tx < rx * 0.9999:
        problems.append("tx %d of rx %d packets (%.4f %%)" % (tx, rx, 100.0 * tx / max(rx, 1)))
    drops = {k: v for k, v in r["drops"].items() if v}
    if sum(drops.values()) > rx * 1e-4:
        problems.append("drops %s" % drops)
    punted = {k: v for k, v in r.get("slowpath", {}).get("punted", {}).items() if v}
    if sum(punted.values()) > 0:
        problems.append("punted %s" % punted)
    hits = sum(x["packets"] for x in r.get("acl", []))
    if hits:
        problems.append("%d ACL rule hits (the rules must not match the traffic)" % hits)
    for mp in r.get("mempools", []):
        if mp["available"] != mp["size"]:
            problems.append("mempool %s: %d of %d mbufs back" % (mp["name"], mp["available"], mp["size"]))
    # runtime on: the worker counted its nodes, and every packet passed rx and tx
    if name in RUNTIME_ON:
        nodes = {n["name"]: n for w in r.get("runtime", []) for n in w["nodes"]}
        if nodes.get("rx", {}).get("packets", 0) < rx * 0.5 or not nodes.get("tx", {}).get("sampled_packets"):
            problems.append("runtime on, but its nodes did not count the traffic: %s" % sorted(nodes))
    # the PMD's own count of what it sent (dropped, without tx_pcap), all ports together;
    # hotpathd before commit 39d08ed read it after closing the port and reported zeros: skip those
    sent = sum(p.get("device_stats", {}).get("opackets", 0) for p in r["ports"])
    if sent and sent < tx * 0.9999:
        problems.append("PMD sent %d of the %d packets hotpathd transmitted" % (sent, tx))
    return problems


def table(results, configs, skipped=None):
    """One row per configuration: median/min/max Mpps, the ratio to the 5tswap median and,
    for hotpathd's like-for-like configurations, to the l3fwd median (x l3fwd).
    skipped: {name: why} of configurations that were not run at all."""
    skipped = skipped or {}
    by = {}
    for r in results:
        if r.get("ok"):
            by.setdefault(r["config"], []).append(r["mpps"])
    base = statistics.median(by["5tswap"]) if by.get("5tswap") else None
    rows = []
    for name, label, kind, target in configs:
        v = by.get(name, [])
        failed = sum(1 for r in results if r["config"] == name and not r.get("ok"))
        noisy = sum(1 for r in results if r["config"] == name and r.get("ok")
                    and r.get("foreign_cpu", 0) + r.get("steal_cpu", 0) > 0.15)
        row = {"config": name, "label": label, "runs": len(v), "failed": failed, "noisy": noisy,
               "samples_mpps": [round(x, 3) for x in v]}
        if v:
            row.update(median=statistics.median(v), min=min(v), max=max(v))
            if base:
                row["ratio"] = row["median"] / base
            peer = L3FWD_PEER.get(name) or (name if name in L3FWD_FAMILY else None)
            if peer and by.get(peer):
                row["l3fwd_config"] = peer
                row["ratio_l3fwd"] = row["median"] / statistics.median(by[peer])
        if name in skipped:
            row["skipped"] = skipped[name]
        if target is not None:
            row["target"] = target
            if "ratio" in row:
                row["result"] = "PASS" if row["ratio"] >= target else "MISS"
            else:
                row["result"] = "n/a"
        else:
            row["result"] = {"5tswap": "baseline", "l3fwd-lpm": "baseline", "l3fwd-lpm6": "baseline",
                             "l3v6-10k": "report"}.get(name, "reference")
        if name in skipped:
            row["result"] = "skipped"
        rows.append(row)
    return rows


def print_table(rows, f=sys.stdout):
    f.write("\n%-36s %5s %8s %8s %8s %9s %8s %8s %9s\n" % (
        "configuration", "runs", "median", "min", "max", "x 5tswap", "x l3fwd", "target", "result"))
    f.write("%-36s %5s %8s %8s %8s %9s %8s %8s %9s\n" % ("", "", "Mpps", "Mpps", "Mpps", "", "", "", ""))
    for r in rows:
        if "median" in r:
            nums = "%8.2f %8.2f %8.2f %9s %8s" % (r["median"], r["min"], r["max"],
                                                  "%.3f" % r["ratio"] if "ratio" in r else "-",
                                                  "%.3f" % r["ratio_l3fwd"] if "ratio_l3fwd" in r else "")
        else:
            nums = "%8s %8s %8s %9s %8s" % ("-", "-", "-", "-", "")
        tgt = ">= %.1fx" % r["target"] if "target" in r else ""
        extra = ""
        if r.get("skipped"):
            extra += "  (%s)" % r["skipped"]
        if r["failed"]:
            extra += "  (%d run(s) FAILED)" % r["failed"]
        if r["noisy"]:
            extra += "  (%d noisy run(s))" % r["noisy"]
        f.write("%-36s %5d %s %8s %9s%s\n" % (r["label"], r["runs"], nums, tgt, r["result"], extra))
    f.write("\n")
    for r in rows:
        if r["config"] in L3FWD_PEER and "ratio_l3fwd" in r:
            f.write("%s / %s: %.3f\n" % (r["label"], next(x["label"] for x in rows if x["config"] == r["l3fwd_config"]),
                                         r["ratio_l3fwd"]))
    f.write("\n")


def rig_arguments(ap, configs, duration=8):
    """The arguments of a Rig driver (throughput.py, scaling.py); configs: its (name, label, kind, ...)
    table, for --only."""
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--l3fwd", default="", help="DPDK's l3fwd example (lib.sh's bench_build_l3fwd builds it)")
    ap.add_argument("--l3fwd-skip", default="", help="why there is no l3fwd: its configurations are skipped")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 3)))
    ap.add_argument("--duration", type=float, default=float(os.environ.get("DURATION", duration)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("WARMUP", 2)))
    ap.add_argument("--routes", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", 1)))
    ap.add_argument("--only", default=os.environ.get("ONLY", ""),
                    help="comma-separated configuration names (%s)" % ",".join(c[0] for c in configs))
    ap.add_argument("--tag", default=str(os.getpid()), help="suffix of the EAL file prefixes")
    ap.add_argument("--state", default=None, help="file listing the live process groups (for the shell trap)")
    ap.add_argument("--start-timeout", type=float, default=60)


def parse_rig_arguments(ap, configs):
    """Parsed and checked rig_arguments; the configurations to run (those --only names, in
    table order) and {name: why} of the l3fwd ones skipped for want of l3fwd."""
    args = ap.parse_args()
    args.only = [x for x in args.only.split(",") if x]
    if args.duration <= args.warmup + 1:
        ap.error("--duration must exceed --warmup by at least 1 s")
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    unknown = set(args.only) - {c[0] for c in configs}
    if unknown:
        ap.error("unknown configuration(s): %s" % ", ".join(sorted(unknown)))
    configs = [c for c in configs if not args.only or c[0] in args.only]
    skipped = {}
    if args.l3fwd:
        args.l3fwd = os.path.abspath(args.l3fwd)
    else:
        why = args.l3fwd_skip or "no l3fwd binary given (--l3fwd)"
        skipped = {c[0]: why for c in configs if c[2] == "l3fwd"}
        for name in skipped:
            bl.log("bench: %s skipped: %s" % (name, why))
    return args, configs, skipped


def run_logged(rig, name, rnd, results, lock=None):
    """Round rnd's run of name (holding lock, a context manager, when given) appended to
    results, and its log line; 1 if it failed, else 0. (conntrack.py's and lb.py's rounds too.)"""
    with lock or contextlib.nullcontext():
        r = rig.run_one(name, rnd)
    results.append(r)
    if not r.get("ok"):
        bl.log("bench: round %d %-14s FAILED: %s" % (rnd, name, r.get("error")))
        return 1
    bl.log("bench: round %d %-14s %7.2f Mpps  (start %.1f s, other load %.2f CPU, steal %.2f)" % (
        rnd, name, r["mpps"], r["startup_s"], r["foreign_cpu"], r["steal_cpu"]))
    return 0


def run_rig(rig, names, release):
    """The rig prepared, then rig.args.rounds rounds of names, one run each, in order within a
    round; an interrupt (Ctrl-C, SIGTERM, SIGHUP) ends them. Whatever happens, rig.release(release)
    stops what is left. (results, host, start time, exit status: 0, 1 if a run failed, 130)."""
    a = rig.args
    bl.install_signal_handlers()
    results, status = [], 0
    host = bl.host_info()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    try:
        rig.prepare()
        bl.log("bench: %s, %s CPUs (%s), kernel %s, DPDK %s" % (
            host["cpu_model"], host["cpus"], host["hypervisor"], host["kernel"], host["dpdk"]))
        bl.log("bench: %d configurations x %d rounds, %.0f s each (rate over %.0f..%.0f s)" % (
            len(names), a.rounds, a.duration, a.warmup, a.duration))
        for rnd in range(1, a.rounds + 1):
            for name in names:
                status |= run_logged(rig, name, rnd, results)
    except KeyboardInterrupt:
        bl.log("bench: interrupted")
        status = 130
    finally:
        rig.release(release)
    return results, host, started, status


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    rig_arguments(ap, CONFIGS)
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench"))
    ap.add_argument("--acl-shape", default=os.environ.get("ACL_SHAPE", "mix"), choices=sorted(bl.ACL_SHAPES),
                    help="kind of ACL rules of l3-10k-acl1k (default: a mix)")
    args, configs, skipped = parse_rig_arguments(ap, CONFIGS)
    rig = Rig(args)
    results, host, started, status = run_rig(rig, [c[0] for c in configs if c[0] not in skipped],
                                             [c[0] for c in CONFIGS])

    rows = table(results, configs, skipped)
    out = {
        "started": started, "host": host,
        "source": os.environ.get("BENCH_SOURCE", ""),
        "method": {"rounds": args.rounds, "duration_s": args.duration, "warmup_s": args.warmup,
                   "frames": "64-byte UDP, 1024 flows (scripts/gen_flows.py)",
                   "rate": "delta /ethdev/stats,0 ipackets between warmup and duration",
                   "routes": args.routes, "acl_rules": 1000, "acl_shape": args.acl_shape, "seed": args.seed,
                   "eal_extra": os.environ.get("EAL_EXTRA", "")},
        "configs": [{"name": c[0], "label": c[1], "kind": c[2], "target": c[3],
                     "cmd": next((r["cmd"] for r in results if r["config"] == c[0]), None)}
                    for c in configs],
        "l3fwd": {"binary": args.l3fwd, "skipped": args.l3fwd_skip or None,
                  "build": os.environ.get("BENCH_L3FWD_BUILD", ""),
                  "route_checks": rig.route_checks},
        "runs": results, "summary": rows,
    }
    os.makedirs(rig.out, exist_ok=True)
    with open(os.path.join(rig.out, "throughput.json"), "w") as f:
        json.dump(out, f, indent=2)
    with open(os.path.join(rig.out, "throughput.dat"), "w") as f:
        f.write("# label median min max kind(1 testpmd, 2 l3fwd, 3 hotpathd)\n")
        kinds = {c[0]: c[2] for c in CONFIGS}
        for r in rows:
            if "median" in r:
                f.write('"%s" %.3f %.3f %.3f %d\n' % (SHORT[r["config"]], r["median"], r["min"], r["max"],
                                                      KIND_COLOUR[kinds[r["config"]]]))
    base = next((r["median"] for r in rows if r["config"] == "5tswap" and "median" in r), 0)
    with open(os.path.join(rig.out, "throughput.gpinc"), "w") as f:
        f.write("base = %.3f\n" % base)
    print_table(rows)
    print("raw samples: %s" % os.path.join(rig.out, "throughput.json"))
    return status


if __name__ == "__main__":
    sys.exit(main())
