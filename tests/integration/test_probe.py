#!/usr/bin/python3
"""hp-probe: usage errors; its own floor over a memif pair in one process; and
probe -> memif -> hotpathd (mode l3) -> memif -> probe: no loss, every packet
matched, sane latencies, exactly one flow lost to an ACL deny, and an RFC 2544
search that finds a policer's rate.

hotpathd serves both memif sockets (-l 0-1: its control thread sleeps on lcore 0,
its worker polls CPU 1); the probe is the client on both, one lcore on CPU 0
doing TX and RX (--lcores 0@0), so the two busy pollers never share a vCPU."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

BIN = hp.hotpathd_path()
# built beside hotpathd: BUILD/hotpathd and BUILD/tools/probe/hp-probe
PROBE = os.environ.get("HP_PROBE") or os.path.join(os.path.dirname(os.path.abspath(BIN)), "tools", "probe",
                                                   "hp-probe")

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
NEXT_HOP_MAC = "02:00:00:00:01:02"  # the probe's RX side, as hotpathd's static neighbour
FLOWS = 8
RATE, DURATION, WARMUP = 20000, 2.0, 0.5
DENIED_FLOW = 3  # 10.0.0.5:1027 with the probe's defaults (10.0.0.2 + flow, 1024 + flow)

CONFIG = """\
ports:
  - {{ name: p0, device: "net_memif0,role=server,socket={d}/p0.sock", mac: "{p0}", ipv4: [10.0.0.1/24] }}
  - {{ name: p1, device: "net_memif1,role=server,socket={d}/p1.sock", mac: "{p1}", ipv4: [10.0.1.1/24] }}
workers:
  - {{ lcore: 1, queues: [p0/0, p1/0] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{nh}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
"""


def config(d, extra=""):
    return CONFIG.format(d=d, p0=P0_MAC, p1=P1_MAC, nh=NEXT_HOP_MAC) + extra


def remove_leftovers(prefix):
    """What a killed DPDK process of this prefix could not remove; True if there was any."""
    found = False
    for p in ("/dev/hugepages", "/var/run/dpdk"):
        if not os.path.isdir(p):
            continue
        for e in os.listdir(p):
            if e.startswith(prefix):
                found = True
                path = os.path.join(p, e)
                shutil.rmtree(path, ignore_errors=True)
                if os.path.exists(path):
                    os.unlink(path)
    return found


def run_probe(d, args, vdevs=None, lcores="0@0", timeout=50, name="probe", before_exit=None):
    """hp-probe with its own prefix; returns (exit code, stdout, stderr). Killed with its group on a timeout.
    With before_exit, the probe holds its ports after its report (--hold) until before_exit() ran:
    stopping hotpathd there keeps its memif server from losing the probe while its worker polls
    (DPDK 22.11's memif unmaps the rings on a disconnect under the poller: a crash)."""
    prefix = "hp-it-%d-%s" % (os.getpid(), name)
    eal = hp.eal_args(prefix, lcores)
    for v in vdevs or []:
        eal += ["--vdev", v]
    cmd = [PROBE] + eal + ["--"] + args + (["--hold"] if before_exit else [])
    p = hp.popen(cmd, stdin=subprocess.PIPE if before_exit else subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    killed = False
    try:
        if before_exit:
            # the report ends where the probe closes stdout; then the DUT stops, then the probe
            timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
            timer.start()
            try:
                out = p.stdout.read()
                before_exit()
                p.stdin.close()
                err = p.stderr.read()
                p.wait()
            finally:
                killed = not timer.is_alive() and p.returncode == -signal.SIGKILL
                timer.cancel()
        else:
            out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        killed = True
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    left = remove_leftovers(prefix)
    if killed:
        raise AssertionError("hp-probe still running after %d s: %s\n%s" % (timeout, " ".join(cmd), err[-3000:]))
    if left and p.returncode == 0:
        raise AssertionError("hp-probe left files of %s behind" % prefix)
    return p.returncode, out, err


def probe_json(d, args, **kw):
    rc, out, err = run_probe(d, args + ["-j"], **kw)
    assert rc == 0, "hp-probe exit %d:\n%s" % (rc, err[-3000:])
    try:
        return json.loads(out)
    except ValueError:
        raise AssertionError("hp-probe -j printed no JSON:\n%s\n%s" % (out[-2000:], err[-2000:]))


def stopper(dmn, into):
    """A before_exit for run_probe: stop hotpathd, keep (exit code, out, report) in into."""
    return lambda: into.extend(dmn.stop())


def through_hotpathd(d, extra_config="", probe_args=()):
    """One probe run across hotpathd; returns (probe report, hotpathd report)."""
    vdevs = ["net_memif0,role=client,socket=%s/p0.sock" % d, "net_memif1,role=client,socket=%s/p1.sock" % d]
    with hp.Daemon(BIN, d, config(d, extra_config)) as dmn:
        stopped = []
        res = probe_json(d, ["--tx-port", "0", "--rx-port", "1", "--dst-mac", P0_MAC, "--flows", str(FLOWS),
                             "--rate", str(RATE), "--duration", str(DURATION), "--warmup", str(WARMUP)] +
                         list(probe_args), vdevs=vdevs, before_exit=stopper(dmn, stopped))
        rc, _, report = stopped
    assert rc == 0, "hotpathd exit %d: %s" % (rc, dmn.stderr())
    hp.check_mempools_full(report)
    return res, report


def check_latency(res):
    """Every received packet measured, the percentiles in order (their values are the machine's)."""
    for key in ("latency_ns", "tx_latency_ns"):
        lat = res[key]
        assert lat["count"] == res["received"], (key, lat, res["received"])
        assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99.9"] <= lat["p99.99"] <= lat["max"], lat
    print("   latency p50 %d ns, p99.99 %d ns, max %d ns" % (res["latency_ns"]["p50"], res["latency_ns"]["p99.99"],
                                                          res["latency_ns"]["max"]))
    # the scheduled time is never after the actual TX time
    assert res["latency_ns"]["min"] >= res["tx_latency_ns"]["min"], res
    assert res["negative"] == 0, res
    check_stalls(res)


def check_stalls(res):
    """The probe's own loops' stalls: one entry per loop, integers in order (how many is the host's)."""
    loops = [s["loop"] for s in res["stalls"]]
    assert loops in (["txrx"], ["tx", "rx"]), res["stalls"]
    for s in res["stalls"]:
        for k in ("lcore", "threshold_ns", "count", "over_10us", "over_100us", "over_1ms", "max_ns", "total_ns",
                  "busy"):
            assert isinstance(s[k], int) and s[k] >= 0, (k, s)
        assert s["threshold_ns"] == 5000, s
        assert s["count"] >= s["over_10us"] >= s["over_100us"] >= s["over_1ms"] and s["busy"] <= s["count"], s
        assert (s["max_ns"] > s["threshold_ns"]) == (s["count"] > 0), s
        assert s["total_ns"] >= s["max_ns"] and (s["over_1ms"] == 0) == (s["max_ns"] <= 1000000), s
    print("   probe stalls: " + ", ".join("%s %d over 10 us, max %.1f us" % (s["loop"], s["over_10us"],
                                                                         s["max_ns"] / 1e3) for s in res["stalls"]))


def test_usage_errors(d):
    for args, want in ((["--rate", "fast"], "--rate: 'fast'"), (["--size", "63"], "--size: '63'"),
                       (["--flows", "0"], "--flows: '0'"), (["--dist", "uniform"], "--dist: 'uniform'"),
                       (["--bogus"], "unknown option '--bogus'"), (["--rate"], "'--rate' needs an argument")):
        p = subprocess.run([PROBE, "--no-huge", "--"] + args, capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert want in p.stderr, (args, p.stderr)
        assert "EAL" not in p.stderr, "EAL started before the options were checked: %s" % p.stderr
    # EAL arguments without the -- are named as such
    p = subprocess.run([PROBE, "-l", "0"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "EAL arguments go before --" in p.stderr, p.stderr
    p = subprocess.run([PROBE, "--", "--help"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 0 and "--rate" in p.stdout and "imix" in p.stdout, p


def test_calibrate_memif_loop(d):
    """The measurement floor: TX and RX on the two ends of one memif link inside the probe."""
    csv, png = os.path.join(d, "h.csv"), os.path.join(d, "p.png")
    res = probe_json(d, ["--calibrate", "--rate", "50k", "--duration", "1", "--warmup", "0.2", "--flows", "4",
                         "--size", "imix", "--csv", csv, "--plot", png], lcores="0@1")
    assert res["label"] == "calibration (memif loop)", res["label"]
    # every packet due is sent or counted unsent, and received or counted lost (a stalled lcore
    # may leave some unsent or lost: the counts must say so, not the test assume an idle machine)
    assert res["sent"] + res["unsent"] + res["warmup_sent"] == 60000, res
    assert res["received"] + res["lost"] == res["sent"] and res["warmup_received"] <= res["warmup_sent"], res
    assert res["received"] > 0 and res["reorder"] == 0 and res["dup"] == 0 and res["foreign"] == 0, res
    check_latency(res)
    with open(csv) as f:
        lines = f.read().splitlines()
    assert lines[0] == "lo_ns,hi_ns,count", lines[:2]
    assert sum(int(l.split(",")[2]) for l in lines[1:]) == res["received"]
    if shutil.which("gnuplot") is None:
        print("SKIP: gnuplot not installed (scripts/setup.sh installs it): the --plot PNG not checked")
        sys.exit(hp.SKIP)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"


def accounted(res, report, denied=0):
    """Every packet the probe sent is received, or lost where hotpathd counted it: refused by a full
    TX ring (the probe's RX stalled) or denied by the ACL; every packet hotpathd received it routed
    or counted. No loss is assumed: a busy machine may stall either end, the counts must agree."""
    p0, p1 = hp.port(report, "p0"), hp.port(report, "p1")
    drops = {k: v for k, v in report["drops"].items() if v}
    assert set(drops) <= {"tx_refused", "acl_deny"}, drops
    assert p0["rx_packets"] == p1["tx_packets"] + sum(drops.values()), (p0, p1, drops)
    total = res["sent"] + res["warmup_sent"]
    assert p0["rx_packets"] <= total and res["received"] + res["warmup_received"] <= p1["tx_packets"], (p0, p1, res)
    # what hotpathd did not receive it could not take from the ring: the probe counted it unsent
    # or lost; what it received and sent on reached the probe unless the probe's ring was full
    assert res["lost"] <= total - p0["rx_packets"] + drops.get("tx_refused", 0) + drops.get("acl_deny", 0), (res, drops)
    assert drops.get("acl_deny", 0) == denied, drops
    assert res["reorder"] == 0 and res["dup"] == 0 and res["foreign"] == 0, res
    if res["lost"] or res["unsent"]:
        print("   a busy machine: %d lost, %d unsent, drops %s" % (res["lost"], res["unsent"], drops))


def test_memif_through_hotpathd(d):
    res, report = through_hotpathd(d)
    sent = int(RATE * DURATION)
    assert res["sent"] + res["unsent"] == sent and res["received"] + res["lost"] == res["sent"], res
    assert res["warmup_sent"] <= int(RATE * WARMUP) and res["received"] > 0, res
    assert res["lost"] == sum(f["lost"] for f in res["lossy_flows"]), res
    check_latency(res)
    accounted(res, report)
    print("   %.0f pps achieved of %d" % (res["achieved_pps"], RATE))


def test_acl_drops_one_flow(d):
    acl = ("acl:\n  - { priority: 10, src: 10.0.0.%d/32, proto: udp, sport: %d, action: deny }\n"
           % (2 + DENIED_FLOW, 1024 + DENIED_FLOW))
    res, report = through_hotpathd(d, acl)
    per_flow = int(RATE * DURATION) // FLOWS
    assert res["sent"] + res["unsent"] == per_flow * FLOWS, res
    # the denied flow: nothing of it came through, every packet of it sent is denied in hotpathd
    denied = [f for f in res["lossy_flows"] if f["flow"] == DENIED_FLOW]
    assert len(denied) == 1 and denied[0]["received"] == 0 and denied[0]["src_ip"] == "10.0.0.%d" % (
        2 + DENIED_FLOW) and denied[0]["sport"] == 1024 + DENIED_FLOW, res["lossy_flows"]
    assert res["received"] + res["lost"] == res["sent"] and res["received"] > 0, res
    check_latency(res)
    drops = report["drops"]
    assert drops["acl_deny"] >= denied[0]["sent"], drops
    accounted(res, report, denied=drops["acl_deny"])
    # only the denied flow loses packets unless hotpathd counted them refused by a full ring
    if not drops.get("tx_refused"):
        assert [f["flow"] for f in res["lossy_flows"]] == [DENIED_FLOW], res["lossy_flows"]
        assert res["lost"] == denied[0]["sent"], res


def test_search_finds_policer_rate(d):
    """RFC 2544 binary search against a 10 kpps policer (46-byte IP datagrams of 64-byte frames).

    Its buckets hold 100 ms of the rate (1000 packets): a busy machine that stalls the probe or
    hotpathd for tens of ms delivers the late packets as a burst, which an under-rate trial must
    pass. A trial over the rate loses (rate - 10k) x 3 s - 1000 packets over its warm-up and
    measurement (10.75 kpps, the nearest over-rate rate this search tries, loses about 1250), so
    the search still brackets the rate: 10140.625 pps (40k, 20.5k, 10.75k fail; 5875, 8312.5,
    9531.25, 10140.625 pass; 140 pps over the rate for 3 s fits in the buckets)."""
    pol_pps, bucket = 10000, 500 * 46  # cbs and ebs: red only is dropped, so 1000 packets in all
    duration, warmup = 2.5, 0.5
    extra = ("policers:\n  - { name: p, type: srtcm, cir: %d, cbs: %d, ebs: %d }\n"
             "acl:\n  - { priority: 1, dst: 198.18.0.0/15, action: police p }\n" % (pol_pps * 46 * 8, bucket, bucket))
    vdevs = ["net_memif0,role=client,socket=%s/p0.sock" % d, "net_memif1,role=client,socket=%s/p1.sock" % d]
    with hp.Daemon(BIN, d, config(d, extra)) as dmn:
        stopped = []
        res = probe_json(d, ["--tx-port", "0", "--rx-port", "1", "--dst-mac", P0_MAC, "--search", "--rate", "40k",
                             "--rate-min", "1k", "--precision", "1k", "--duration", str(duration),
                             "--warmup", str(warmup), "--drain", "0.1"], vdevs=vdevs, before_exit=stopper(dmn, stopped))
        rc, _, report = stopped
    assert rc == 0
    s = res["search"]
    trials = s["trials"]
    summary = [(t["rate_pps"], t["pass"], t["lost"], t["unsent"], t["kept_rate"]) for t in trials]
    assert 4 <= len(trials) <= 10, summary
    assert not trials[0]["pass"] and trials[0]["rate_pps"] == 40000, trials[0]
    # never more than the policer passes: over its rate, a trial loses more than its buckets hold
    # (a stall can only make a trial fail, so the lower side is the machine's, printed not asserted)
    assert 0 <= s["throughput_pps"] <= 1.05 * pol_pps, summary
    print("   throughput %.0f pps under a %d pps policer" % (s["throughput_pps"], pol_pps))
    # the report's figures are those of the best passing trial
    assert s["throughput_pps"] == max([t["rate_pps"] for t in trials if t["pass"]] or [0]), summary
    if s["throughput_pps"]:
        assert res["rate_pps"] == s["throughput_pps"] and res["lost"] == 0, res
    for t in trials:
        assert t["pass"] == (t["lost"] == 0 and t["unsent"] == 0 and t["kept_rate"]), t
        assert t["pass"] or t["rate_pps"] > s["throughput_pps"], summary
        # overloaded, the policer drops: at 2x its rate a trial cannot pass
        if t["rate_pps"] >= 2 * pol_pps:
            assert not t["pass"] and t["received"] < t["sent"], t
    # every loss was the policer's
    drops = {k: v for k, v in report["drops"].items() if v}
    assert set(drops) == {"policer_red"}, drops


def test_search_needs_the_rate_offered(d):
    """A trial the generator cannot keep up with (200 Mpps on a memif loop: far beyond one
    lcore) offered less than it claims: it fails even with no loss, it still ends on time
    (what is not out a drain period after its end is unsent, not sent on for minutes), and
    the search ends at a rate the probe really sent. 2 s trials: a trial keeps its rate if
    its packets go out over at most 1.01 x its duration, so a busy machine may hold the
    probe's lcore off for up to 20 ms at the end of the one that passes."""
    duration, warmup = 2, 0.1
    res = probe_json(d, ["--calibrate", "--search", "--rate", "200M", "--rate-min", "100k", "--precision", "2M",
                         "--duration", str(duration), "--warmup", str(warmup), "--drain", "0.1"], lcores="0@1")
    first = res["search"]["trials"][0]
    assert first["rate_pps"] == 200e6 and not first["kept_rate"] and not first["pass"], first
    assert first["achieved_pps"] < 0.99 * first["rate_pps"], first
    for t in res["search"]["trials"]:
        assert t["pass"] == (t["lost"] == 0 and t["unsent"] == 0 and t["kept_rate"]), t
        assert t["kept_rate"] == (t["achieved_pps"] >= 0.99 * t["rate_pps"]), t
        # every packet due was sent or counted unsent: none after the trial's end and drain
        assert abs(t["sent"] + t["unsent"] + t["warmup_sent"] - t["rate_pps"] * (warmup + duration)) <= 1, t
    # it ends at a rate the probe really sent (or at none, if a busy machine let no trial keep its rate)
    passed = [t["rate_pps"] for t in res["search"]["trials"] if t["pass"]]
    assert res["search"]["throughput_pps"] == max(passed or [0]) < 200e6, res["search"]


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: hp-probe and hotpathd need root (hugepages, memif sockets)")
        sys.exit(hp.SKIP)
    if not os.access(PROBE, os.X_OK):
        sys.exit("no hp-probe at %s (set HP_PROBE)" % PROBE)
    hp.run([test_usage_errors, test_calibrate_memif_loop, test_memif_through_hotpathd, test_acl_drops_one_flow,
            test_search_finds_policer_rate, test_search_needs_the_rate_offered])
