#!/usr/bin/python3
"""Instructions per packet of hotpathd's pipelines under callgrind (deterministic).

callgrind.py --hotpathd build/prof/hotpathd [--l3fwd PATH | --l3fwd-skip WHY]
             [--out build/bench/callgrind] [--packets 20000] [--rig-seconds 15] [--only NAME,...] [--no-rig]

Two kinds of runs, every one under `valgrind --tool=callgrind` with EAL
`-l 0-1 --no-shconf --no-huge -m 512 --no-pci` (valgrind cannot follow hugepage
mappings; EAL refuses --in-memory with --no-huge, so --no-shconf keeps the run
file-less instead):

* finite: hotpathd on a pcap of exactly N frames (the rig's 1024 flows, cycled), read
  once. dp_l3_burst (and dp_tx_flush) only run for real packets, so their inclusive Ir
  divided by N is exact; the idle polling after the file ends inflates only the worker
  loop and the PMD's rx. dp_l3_burst is split into source-level functions (inlined code
  included) and grouped into stages.
* rig: the throughput rig itself (infinite_rx=1 replay, TX dropped by the PMD) for
  testpmd 5tswap/io, DPDK's l3fwd example (LPM, the routes of throughput.sh) and hotpathd,
  stopped after RIG_SECONDS: every poll returns a full burst, so the worker thread's total
  Ir divided by the packets it forwarded is the whole per-packet cost (PMD rx + pipeline +
  PMD tx + loop), comparable across programs. l3fwd's poller is its main thread, which
  also loads the routes: only lpm_main_loop is counted (--toggle-collect). l3fwd prints
  no totals, so its packets are 32 x the calls of its ptype RX callback, which runs once
  a burst, and every burst of the infinite replay is full (checked: no rx_nombuf, and the
  count is at least telemetry's ipackets read just before the SIGTERM, by < 1 %).

Writes OUT/callgrind.json and OUT/*.cg* (callgrind_annotate-able) and prints tables.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import cgprof  # noqa: E402

HP_CONFIGS = [
    # name, label, family, acl rules
    ("xconnect", "xconnect hairpin", 4, 0),
    ("l3-10k", "l3, 10k IPv4 routes", 4, 0),
    ("l3-10k-acl1k", "l3, 10k routes + 1k ACL", 4, 1000),
    ("l3v6-10k", "l3 IPv6, 10k routes", 6, 0),
    # conntrack.py's configurations (benchlib.ct_setup, ct_frames), 10k routes:
    ("ct-1k", "l3 + stateful firewall, 1k flows", 4, 0),
    ("snat-1k", "l3 + SNAT, 1k flows", 4, 0),
    ("ct-new", "l3 + stateful firewall, every frame a new flow", 4, 0),
    # lb.py's: 1k flows to a VIP of 16 backends (benchlib.lb_setup, lb_frames)
    ("lb-1k", "l3 + load balancer (IPIP), 1k flows", 4, 0),
]
# name -> (ct_setup kind, frames): "both" each flow's original frame then its reply,
# "orig" original frames only, "new" PACKETS distinct flows (finite run only: a replay
# loop would find them again)
CT_CONFIGS = {"ct-1k": ("fw", "both"), "snat-1k": ("snat", "orig"), "ct-new": ("fw", "new")}
TESTPMD_CONFIGS = [("5tswap", "testpmd 5tswap"), ("io", "testpmd io")]
L3FWD_CONFIGS = [("l3fwd-lpm", "l3fwd LPM, 10k IPv4 routes", 4), ("l3fwd-lpm6", "l3fwd LPM IPv6, 10k routes", 6)]

VALGRIND = ["valgrind", "--tool=callgrind", "--fair-sched=yes", "--error-limit=no"]

# dp_l3_burst's source-level parts, grouped into pipeline stages ("f()" = a call to f,
# inclusive; "f" = f's own instructions, inlined where they were)
STAGES = [
    ("fast check (dp_fast4_ok / dp_fast6_ok)", ["dp_fast4_ok", "dp_fast6_ok", "dp_l2_cmp", "dp_fast4_key",
                                                "dp_fast4_fill", "dp_fast6_fill", "dp_fast4_hdr_ok",
                                                "dp_fast4_len_ok", "dp_fast4_cksum_ok", "dp_fast6_hdr_ok"]),
    ("full parse (dp_parse)", ["dp_parse()", "dp_parse", "parse_ipv4", "parse_ipv6", "parse_l4",
                               "ipv4_cksum_ok", "ipv4_martian", "ipv6_martian", "rd16", "full_pass"]),
    ("L2/local check (classify)", ["classify", "rte_is_same_ether_addr", "is_nd"]),
    ("ACL (result cache, dp_acl_classify, rte_acl)", ["dp_acl_stage()", "dp_acl_stage", "filter", "dp_acl_classify()",
                                                      "rte_acl_classify()", "dp_acl_permit_run4()",
                                                      "fill_fast"]),
    ("LPM lookup + next hop", ["route4", "route6", "dp_lpm4_lookup", "dp_lpm4_lookup_bulk",
                               "rte_lpm_lookup_bulk_func", "rte_lpm_lookup",
                               "rte_lpm6_lookup()", "rte_lpm6_lookup_bulk_func()", "rte_lpm_lookup_bulk_func()",
                               "rte_lpm_lookupx4", "rte_lpm6_lookup_bulk_func", "fast_route", "fast_route6",
                               "fast_group", "fast_nh", "dp_nh_touch", "_mm256_i32gather_epi32",
                               "route_one", "route_one()", "dp_ecmp_pick", "dp_nh_port",
                               "dp_flow_hash4", "dp_flow_hash6", "dp_fib_neigh_lookup()"]),
    ("rewrite (MACs, TTL, checksum)", ["dp_l3_rewrite", "dp_l3_rewrite4", "dp_l3_rewrite6", "dp_l3_write_macs",
                                       "dp_ipv4_ttl_dec"]),
    ("conntrack (dp_ct_pre / dp_ct_post: table, state machines, NAT)",
     [f + sfx for f in ("dp_ct_pre", "dp_ct_post", "pre_one", "pre_keys", "post_list", "key_of", "l4_view",
                        "set_state", "state_bit", "machine_new", "machine_step", "tcp_seg", "translate_pre",
                        "related", "create", "set_dst", "dst_differs", "src_differs", "goes_on", "egress_port",
                        "public_port", "ct_lookup", "ct_alloc", "ct_insert", "ct_abort", "ct_hash", "ct_prefetch",
                        "ct_key_invert", "dp_nat_dnat", "dp_nat_snat_rule", "dp_nat_alloc", "dp_nat_rewrite4",
                        "ct_tcp_new", "ct_tcp_step", "ct_udp_step", "ct_icmp_step")
      for sfx in ("", "()")]),
    ("dispatch + TX enqueue", ["dispatch", "fast_send", "dp_tx_enqueue", "dp_tx_enqueue_burst", "dp_tx_flush()",
                               "rte_pktmbuf_free_bulk()", "rte_ring_mp_enqueue_burst"]),
]


# the fast path's group copies (l3_vec_body.h) are functions of their own: their parts are
# dp_l3_burst's (each is called from it alone)
EXPAND = ("dp_l3_fast_x8", "dp_l3_fast_x4", "dp_l3_route4_x4", "fast_groups", "route4_groups")


def expanded(prof, fn):
    parts = prof.breakdown(fn)
    for sub in EXPAND:
        if sub + "()" in parts and sub in prof.inclusive:
            del parts[sub + "()"]
            for k, v in expanded(prof, sub).items():
                parts[k] = parts.get(k, 0) + v
    return parts


def stage_of(key):
    for stage, keys in STAGES:
        if key in keys:
            return stage
    if key.startswith("_mm") or key == "rte_arch_bswap16":  # the header test's SIMD, the length's byte order
        return STAGES[0][0]
    if key == "rte_arch_bswap32":  # the destination's byte order
        return "LPM lookup + next hop"
    return "burst loop, verdicts, byte order, prefetch"


def eal(prefix, lcores="0-1"):
    return ["-l", lcores, "--no-shconf", "--no-huge", "-m", "512", "--no-pci",
            "--file-prefix", prefix, "--log-level", "lib.eal:error"]


def fast_path():
    """FAST_PATH=x8|x4|scalar: hotpathd's --fast-path (default: the widest the CPU has)."""
    return ["--fast-path", os.environ["FAST_PATH"]] if os.environ.get("FAST_PATH") else []


class Runner:
    def __init__(self, args):
        self.args = args
        self.out = os.path.abspath(args.out)
        self.procs = bl.Procs(args.state)

    def prefix(self, name):
        return "bench-cg-%s-%s" % (name, self.args.tag)

    def prepare(self):
        os.makedirs(self.out, exist_ok=True)
        v4, v6 = bl.gen_pcaps(self.out)
        self.replay = {4: v4, 6: v6}
        n = self.args.packets
        self.finite = {4: bl.cycle_pcap(v4, os.path.join(self.out, "finite4-%d.pcap" % n), n),
                       6: bl.cycle_pcap(v6, os.path.join(self.out, "finite6-%d.pcap" % n), n)}
        self.cfg = {}
        for name, label, fam, n_acl in HP_CONFIGS:
            if not self.wanted(name):
                continue
            st, pcaps = None, {"finite": self.finite[fam], "rig": self.replay[fam]}
            if name == "lb-1k":
                st = bl.lb_setup("lb", 16, 1024)
                rig = bl.write_lb_pcap(os.path.join(self.out, "lb-1k.pcap"), range(1024))
                pcaps = {"rig": rig, "finite": bl.cycle_pcap(rig, os.path.join(self.out, "finite-lb-1k-%d.pcap" % n), n)}
            if name in CT_CONFIGS:
                ct_kind, frames = CT_CONFIGS[name]
                st = bl.ct_setup(ct_kind, ct_max=max(65536, 2 * n))
                if frames == "new":
                    pcaps = {"finite": bl.write_ct_pcap(os.path.join(self.out, "ct-new-%d.pcap" % n), range(n), "orig")}
                else:
                    rig = bl.write_ct_pcap(os.path.join(self.out, "ct-1k-%s.pcap" % frames), range(1024), frames)
                    pcaps = {"rig": rig, "finite": bl.cycle_pcap(rig, os.path.join(
                        self.out, "finite-ct-1k-%s-%d.pcap" % (frames, n)), n)}
            for kind, infinite in (("finite", False), ("rig", True)):
                if kind not in pcaps:
                    continue
                path = os.path.join(self.out, "%s-%s.yaml" % (name, kind))
                dev = bl.replay_device(pcaps[kind], infinite)
                sock = os.path.join(self.out, "%s.sock" % name)
                if name == "xconnect":
                    bl.write_xconnect_config(path, dev, self.prefix(name), sock)
                else:
                    bl.write_l3_config(path, dev, self.prefix(name), sock, fam, self.args.routes,
                                       n_acl, seed=self.args.seed, stateful=st)
                r = subprocess.run([self.args.hotpathd, "-c", path, "--check"], capture_output=True, text=True)
                if r.returncode != 0:
                    raise SystemExit("callgrind: %s does not validate:\n%s%s" % (path, r.stdout, r.stderr))
                self.cfg[name, kind] = path
        # l3fwd: the route files of throughput.sh (the same prefixes as hotpathd's l3 configs)
        self.l3fwd_rules = {}
        for name, label, fam in L3FWD_CONFIGS:
            if not self.wanted(name) or not self.args.l3fwd:
                continue
            files = []
            for f in (4, 6):
                path = os.path.join(self.out, "%s.rules%d" % (name, f))
                bl.write_l3fwd_routes(path, f, self.args.routes if f == fam else 0, self.args.seed)
                files.append(path)
            self.l3fwd_rules[name] = files

    def wanted(self, name):
        return not self.args.only or name in self.args.only

    # ------------------------------------------------------------ one valgrind run
    def run(self, name, kind, cmd, ready_re, done, out_base, vg_extra=()):
        """Start cmd under callgrind, wait for ready_re on stdout (None: until telemetry
        counts received packets), then until done(prefix) is true (or the time is up),
        SIGTERM, wait for the dump. Returns (rc, stdout, files)."""
        a = self.args
        prefix = self.prefix(name)
        for f in glob.glob(out_base + ".cg*"):
            os.unlink(f)
        vg = VALGRIND + ["--callgrind-out-file=%s.cg" % out_base] + list(vg_extra)
        if kind == "rig":
            vg.append("--separate-threads=yes")
        bl.remove_runtime_dir(prefix)
        with open(out_base + ".out", "w") as so, open(out_base + ".err", "w") as se:
            t0 = time.monotonic()
            p = self.procs.start(vg + cmd, so, se, cwd=bl.ROOT)
            try:
                deadline = t0 + a.start_timeout
                while time.monotonic() < deadline and p.poll() is None:
                    if ready_re is None:
                        try:
                            if bl.telemetry(prefix, "/ethdev/stats,0", timeout=3)["ipackets"] > 0:
                                break
                        except (OSError, ValueError, KeyError):
                            pass
                    else:
                        with open(out_base + ".out") as f:
                            if re.search(ready_re, f.read(), re.M):
                                break
                    time.sleep(0.5)
                else:
                    return None, "not ready after %ss (rc %s)" % (a.start_timeout, p.poll()), []
                t_ready = time.monotonic()
                bl.log("callgrind: %s/%s ready after %.0f s" % (name, kind, t_ready - t0))
                done(prefix, t_ready)
            finally:
                rc = self.procs.stop(p, timeout=a.stop_timeout)
                bl.remove_runtime_dir(prefix)
        with open(out_base + ".out") as f:
            stdout = f.read()
        files = sorted(glob.glob(out_base + ".cg*"))
        return rc, stdout, files

    def finite_run(self, name):
        a = self.args
        base = os.path.join(self.out, "%s-finite" % name)
        report = base + "-report.json"
        if os.path.exists(report):
            os.unlink(report)
        cmd = [a.hotpathd, "-c", self.cfg[name, "finite"], "--report", report] + fast_path() + ["--"] + \
            eal(self.prefix(name))

        def done(prefix, t_ready):
            # until telemetry says the file was read (valgrind runs one thread at a time:
            # the telemetry thread may answer late or not at all), at most FINITE_WAIT s
            end = t_ready + a.finite_wait
            while time.monotonic() < end:
                try:
                    if bl.telemetry(prefix, "/ethdev/stats,0", timeout=3)["ipackets"] >= a.packets:
                        time.sleep(2)  # the last bursts through the pipeline
                        return
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(1)
        rc, stdout, files = self.run(name, "finite", cmd, r"^hotpathd: ready", done, base)
        res = {"config": name, "kind": "finite", "cmd": cmd, "packets": a.packets}
        if rc != 0 or not files:
            res["error"] = "rc %s: %s" % (rc, stdout if rc is None else "see %s.err" % base)
            return res
        with open(report) as f:
            r = json.load(f)
        problems = []
        if r["rx_packets"] != a.packets:
            problems.append("received %d of %d packets (raise FINITE_WAIT)" % (r["rx_packets"], a.packets))
        if r["tx_packets"] != r["rx_packets"]:
            problems.append("tx %d != rx %d (drops %s)" % (r["tx_packets"], r["rx_packets"],
                                                            {k: v for k, v in r["drops"].items() if v}))
        if problems:
            res["error"] = "; ".join(problems)
            return res
        prof = cgprof.Profile.load(*files)
        n = a.packets
        res["files"] = files
        res["ir_per_packet"] = per = {}
        for fn in ("dp_l3_burst", "dp_parse", "route_one", "dp_acl_classify", "rte_acl_classify",
                   "dp_tx_flush", "dp_xconnect_burst", "rte_lpm6_lookup_bulk_func",
                   "dp_ct_pre", "dp_ct_post", "dp_ct_tick", "ct_lookup", "ct_alloc", "ct_insert", "ct_sweep",
                   "dp_nat_alloc", "dp_nat_rewrite4", "dp_ct_fast_find", "dp_ct_fast_commit",
                   "dp_fib_neigh_lookup", "general_burst", "dp_acl_stage", "dp_lb_fast", "dp_lb_stage",
                   "lb_flow_lookup", "lb_flow_insert", "lb_encap_write", "maglev_build"):
            if fn in prof.inclusive:
                per[fn] = prof.inclusive[fn] / n
                per[fn + " calls/packet"] = prof.calls[fn] / n
        wm = prof.breakdown("dp_worker_main")
        if name == "xconnect":
            pipe = sum(v for k, v in wm.items() if k in ("dp_xconnect_burst", "dp_xconnect_burst()"))
            pipe += sum(v for k, v in wm.items() if k == "dp_tx_enqueue")
            res["pipeline_ir"] = pipe / n
            res["parts"] = {"xconnect (dp_xconnect_burst + dp_tx_enqueue)": pipe / n}
        else:
            parts = expanded(prof, "dp_l3_burst")
            res["pipeline_ir"] = prof.inclusive.get("dp_l3_burst", 0) / n
            res["parts"] = {k: v / n for k, v in sorted(parts.items(), key=lambda x: -x[1])}
            stages = {}
            for k, v in parts.items():
                stages[stage_of(k)] = stages.get(stage_of(k), 0) + v / n
            res["stages"] = stages
        # TX flush runs only with packets pending: exact too
        if "dp_tx_flush" in prof.inclusive:
            tf = prof.breakdown("dp_tx_flush")
            res["tx_flush_ir"] = prof.inclusive["dp_tx_flush"] / n
            res["tx_flush_parts"] = {k: v / n for k, v in sorted(tf.items(), key=lambda x: -x[1])}
        for fn in ("dp_ct_pre", "dp_ct_post"):
            if fn in prof.inclusive:
                res.setdefault("ct_parts", {})[fn] = {k: v / n for k, v in sorted(
                    prof.breakdown(fn).items(), key=lambda x: -x[1])[:15]}
        if "dp_acl_classify" in prof.inclusive:
            res["acl_parts"] = {k: v / n for k, v in sorted(prof.breakdown("dp_acl_classify").items(),
                                                           key=lambda x: -x[1])[:12]}
        return res

    def rig_run(self, name, testpmd, l3fwd_family=None):
        a = self.args
        base = os.path.join(self.out, "%s-rig" % name)
        prefix = self.prefix(name)
        report = None
        vg_extra = []
        last = {}
        if l3fwd_family:
            rules4, rules6 = self.l3fwd_rules[name]
            cmd = bl.l3fwd_command(a.l3fwd, eal(prefix, "1"), [bl.replay_device(self.replay[l3fwd_family])],
                                   "0x1", rules4, rules6, [(0, bl.PEER_MAC)])
            ready = None
            vg_extra = ["--toggle-collect=lpm_main_loop"]
        elif testpmd:
            cmd = ["dpdk-testpmd"] + eal(prefix) + [
                "--vdev", bl.replay_device(self.replay[4]), "--", "--forward-mode=" + name,
                "--stats-period", "1", "--total-num-mbufs", "32768", "--no-flush-rx"]
            ready = r"Port statistics|Rx-pps"
        else:
            report = base + "-report.json"
            if os.path.exists(report):
                os.unlink(report)
            cmd = [a.hotpathd, "-c", self.cfg[name, "rig"], "--report", report] + fast_path() + ["--"] + eal(prefix)
            ready = r"^hotpathd: ready"

        def done(prefix, t_ready):
            time.sleep(a.rig_seconds)
            if l3fwd_family:
                last.update(bl.telemetry(prefix, "/ethdev/stats,0", timeout=10))
        rc, stdout, files = self.run(name, "rig", cmd, ready, done, base, vg_extra)
        res = {"config": name, "kind": "rig", "cmd": cmd}
        if rc != 0 or not files:
            res["error"] = "rc %s: %s" % (rc, stdout if rc is None else "see %s.err" % base)
            return res
        profs = [(cgprof.Profile.load(f), f) for f in files]
        if l3fwd_family:
            if not last:
                res["error"] = "no telemetry sample"
                return res
            bursts = sum(p.calls.get("lpm_cb_parse_ptype", 0) for p, _ in profs)
            packets, tx = bursts * 32, last["opackets"]
            res.update(rx_bursts=bursts, telemetry_ipackets=last["ipackets"], telemetry_opackets=tx)
            if last["rx_nombuf"] or tx < last["ipackets"] - 64 or \
                    not last["ipackets"] <= packets < last["ipackets"] * 1.01:
                res["error"] = "%d bursts x 32 vs telemetry ipackets %d, opackets %d, rx_nombuf %d" % (
                    bursts, last["ipackets"], tx, last["rx_nombuf"])
                return res
        elif testpmd:
            m = re.findall(r"RX-packets:\s+(\d+)\s+RX-dropped:\s+(\d+)", stdout)
            t = re.findall(r"TX-packets:\s+(\d+)\s+TX-dropped:\s+(\d+)", stdout)
            if not m:
                res["error"] = "no forward statistics in %s.out" % base
                return res
            packets, tx = int(m[-1][0]), int(t[-1][0]) if t else 0
        else:
            with open(report) as f:
                r = json.load(f)
            packets, tx = r["rx_packets"], r["tx_packets"]
            if tx != packets:
                res["error"] = "tx %d != rx %d" % (tx, packets)
                return res
        # the worker is the thread with the most instructions
        worker, wfile = max(profs, key=lambda x: x[0].totals)
        res.update(packets=packets, tx_packets=tx, worker_file=wfile,
                   worker_ir_per_packet=worker.totals / packets,
                   process_ir=sum(p.totals for p, _ in profs))
        if not testpmd and not l3fwd_family:
            wm = worker.breakdown("dp_worker_main")
            groups = {"rx (rte_eth_rx_burst: PMD infinite replay)": ["rte_eth_rx_burst", "rte_eth_rx_burst()"],
                      "pipeline (dp_l3_burst / xconnect)": ["dp_l3_burst()", "dp_xconnect_burst", "dp_xconnect_burst()",
                                                            "dp_tx_enqueue"],
                      "tx (dp_tx_flush: PMD tx, latency histogram)": ["dp_tx_flush()", "dp_tx_flush", "flush_all"]}
            got = {}
            for g, keys in groups.items():
                got[g] = sum(v for k, v in wm.items() if k in keys) / packets
            got["loop (rdtsc, RCU quiescent, inject ring, counters)"] = \
                worker.totals / packets - sum(got.values())
            res["parts"] = got
            res["dp_worker_main_parts"] = {k: v / packets for k, v in sorted(wm.items(), key=lambda x: -x[1])[:15]}
        return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hotpathd", required=True)
    ap.add_argument("--l3fwd", default="", help="DPDK's l3fwd example (callgrind.sh builds it)")
    ap.add_argument("--l3fwd-skip", default="", help="why there is no l3fwd: its rig runs are skipped")
    ap.add_argument("--out", default=os.path.join(bl.ROOT, "build", "bench", "callgrind"))
    ap.add_argument("--packets", type=int, default=int(os.environ.get("PACKETS", 20000)))
    ap.add_argument("--rig-seconds", type=float, default=float(os.environ.get("RIG_SECONDS", 15)))
    ap.add_argument("--finite-wait", type=float, default=float(os.environ.get("FINITE_WAIT", 90)))
    ap.add_argument("--start-timeout", type=float, default=600)
    ap.add_argument("--stop-timeout", type=float, default=300)
    ap.add_argument("--routes", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", 1)))
    ap.add_argument("--only", default=os.environ.get("ONLY", ""))
    ap.add_argument("--no-rig", action="store_true", default=os.environ.get("RIG", "1") == "0")
    ap.add_argument("--no-finite", action="store_true", default=os.environ.get("FINITE", "1") == "0")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--state", default=None)
    args = ap.parse_args()
    args.only = [x for x in args.only.split(",") if x]
    if args.l3fwd:
        args.l3fwd = os.path.abspath(args.l3fwd)

    bl.install_signal_handlers()
    rn = Runner(args)
    results, status = [], 0
    try:
        rn.prepare()
        if not args.no_finite:
            for name, label, fam, n_acl in HP_CONFIGS:
                if rn.wanted(name):
                    r = rn.finite_run(name)
                    results.append(r)
                    bl.log("callgrind: %s finite: %s" % (name, r.get("error") or "%.1f Ir/packet" % r["pipeline_ir"]))
        if not args.no_rig:
            for name, label in TESTPMD_CONFIGS:
                if rn.wanted(name):
                    r = rn.rig_run(name, True)
                    results.append(r)
                    bl.log("callgrind: %s rig: %s" % (name, r.get("error") or "%.1f Ir/packet" % r["worker_ir_per_packet"]))
            for name, label, fam in L3FWD_CONFIGS:
                if not rn.wanted(name):
                    continue
                if not args.l3fwd:
                    bl.log("callgrind: %s rig skipped: %s" % (name, args.l3fwd_skip or "no --l3fwd"))
                    continue
                r = rn.rig_run(name, False, fam)
                results.append(r)
                bl.log("callgrind: %s rig: %s" % (name, r.get("error") or "%.1f Ir/packet" % r["worker_ir_per_packet"]))
            for name, label, fam, n_acl in HP_CONFIGS:
                if rn.wanted(name) and (name, "rig") in rn.cfg:
                    r = rn.rig_run(name, False)
                    results.append(r)
                    bl.log("callgrind: %s rig: %s" % (name, r.get("error") or "%.1f Ir/packet" % r["worker_ir_per_packet"]))
    except KeyboardInterrupt:
        bl.log("callgrind: interrupted")
        status = 130
    finally:
        rn.procs.stop_all()
        for name, *_ in HP_CONFIGS + TESTPMD_CONFIGS + L3FWD_CONFIGS:
            bl.remove_runtime_dir(rn.prefix(name))
    if any("error" in r for r in results):
        status = status or 1
    out = {"host": bl.host_info(), "hotpathd": os.path.abspath(args.hotpathd), "source": os.environ.get("BENCH_SOURCE", ""),
           "l3fwd": {"binary": args.l3fwd, "skipped": args.l3fwd_skip or None,
                     "build": os.environ.get("BENCH_L3FWD_BUILD", "")},
           "valgrind": bl.sh("valgrind --version"), "packets": args.packets,
           "rig_seconds": args.rig_seconds, "results": results}
    os.makedirs(rn.out, exist_ok=True)
    with open(os.path.join(rn.out, "callgrind.json"), "w") as f:
        json.dump(out, f, indent=2)
    print_tables(results)
    print("details: %s" % os.path.join(rn.out, "callgrind.json"))
    return status


def print_tables(results):
    fin = {r["config"]: r for r in results if r["kind"] == "finite" and "error" not in r}
    rig = {r["config"]: r for r in results if r["kind"] == "rig" and "error" not in r}
    for r in results:
        if "error" in r:
            print("%s %s: ERROR %s" % (r["config"], r["kind"], r["error"]))
    if fin:
        names = [c[0] for c in HP_CONFIGS if c[0] in fin and c[0] != "xconnect"]
        print("\nInstructions per packet of the pipeline stage (finite pcap, exact; Ir / packet)\n")
        if names:
            print("%-46s" % "stage" + "".join("%16s" % n for n in names))
            stages = [s for s, _ in STAGES] + ["burst loop, verdicts, byte order, prefetch"]
            for s in stages:
                vals = [fin[n].get("stages", {}).get(s, 0.0) for n in names]
                if any(v >= 0.05 for v in vals):
                    print("%-46s" % s + "".join("%16.1f" % v for v in vals))
            print("%-46s" % "dp_l3_burst total" + "".join("%16.1f" % fin[n]["pipeline_ir"] for n in names))
            print("%-46s" % "dp_tx_flush (PMD tx drop, histogram)" +
                  "".join("%16.1f" % fin[n].get("tx_flush_ir", 0) for n in names))
        if "xconnect" in fin:
            print("%-46s%16.1f" % ("xconnect: dp_xconnect_burst + enqueue", fin["xconnect"]["pipeline_ir"]))
            print("%-46s%16.1f" % ("xconnect: dp_tx_flush", fin["xconnect"].get("tx_flush_ir", 0)))
    if rig:
        print("\nWhole worker thread per packet on the throughput rig (infinite replay, Ir / packet)\n")
        print("%-28s %12s %14s %12s %12s %12s %12s" % ("configuration", "packets", "worker Ir/pkt",
                                                       "rx", "pipeline", "tx", "loop"))
        for name in [c[0] for c in TESTPMD_CONFIGS + L3FWD_CONFIGS + HP_CONFIGS]:
            if name not in rig:
                continue
            r = rig[name]
            p = r.get("parts")
            if p:
                vals = list(p.values())
                print("%-28s %12d %14.1f %12.1f %12.1f %12.1f %12.1f" % (name, r["packets"], r["worker_ir_per_packet"],
                                                                        vals[0], vals[1], vals[2], vals[3]))
            else:
                print("%-28s %12d %14.1f" % (name, r["packets"], r["worker_ir_per_packet"]))
    print()


if __name__ == "__main__":
    sys.exit(main())
