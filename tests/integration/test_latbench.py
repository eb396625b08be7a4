#!/usr/bin/python3
"""scripts/bench/latency.py with DPDK's testpmd as the reference device under test
(issue 13): hotpathd, testpmd (io forward) and the probe's floor over the same memif
links, in alternating rounds; the medians, every round's loss, and the ratio line
hotpathd / testpmd; nothing left behind. Asserts what the script did and reported,
never how fast anything was (the numbers are the machine's)."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

BIN = hp.hotpathd_path()
PROBE = os.environ.get("HP_PROBE") or os.path.join(os.path.dirname(os.path.abspath(BIN)), "tools", "probe",
                                                   "hp-probe")
LATENCY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "bench", "latency.py")
CONFIGS = ["memif-xc", "testpmd", "floor"]
RATE, ROUNDS = 20000, 2


def leftovers():
    """EAL runtime directories of the benchmark's processes."""
    d = "/var/run/dpdk"
    return sorted(e for e in os.listdir(d) if e.startswith("hp-lat-")) if os.path.isdir(d) else []


def test_testpmd_beside_hotpathd_alternating(d):
    before = leftovers()
    out = os.path.join(d, "out")
    p = subprocess.run(["/usr/bin/python3", LATENCY, "--hotpathd", BIN, "--probe", PROBE, "--out", out,
                        "--configs", ",".join(CONFIGS), "--rates", str(RATE), "--duration", "0.5",
                        "--warmup", "0.2", "--rounds", str(ROUNDS)],
                       capture_output=True, text=True, timeout=100)
    assert p.returncode == 0, "latency.py exit %d:\n%s" % (p.returncode, p.stderr[-3000:])
    with open(os.path.join(out, "latency.json")) as f:
        res = json.load(f)
    assert res["rounds"] == ROUNDS and res["order"] == CONFIGS, (res["rounds"], res["order"])
    # one probe run per configuration, rate and round, the configurations alternating
    runs = sorted(((r["seq"], k, r["round"]) for k, c in res["configs"].items() for r in c["runs"]))
    want = [(k, rnd) for rnd in range(1, ROUNDS + 1) for k in CONFIGS]
    assert [(k, rnd) for _, k, rnd in runs] == want, runs
    for k, c in res["configs"].items():
        for r in c["runs"]:
            # every packet sent is received or counted lost: forwarded, not assumed lossless
            assert r["rate_pps"] == RATE and r["sent"] > 0 and r["received"] > 0, (k, r)
            assert r["received"] + r["lost"] == r["sent"], (k, r)
            assert r["foreign"] == 0 and r["dup"] == 0, (k, r)
        [m] = c["median"]
        assert m["rounds"] == ROUNDS and len(m["lost"]) == ROUNDS, (k, m)
        lat = m["latency_ns"]
        assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99.9"] <= lat["max"], (k, lat)
        # the probe's own stall counts, medians over the rounds (their values are the host's)
        st = m["probe_stalls"]
        assert st is not None and st["count"] >= st["over_10us"] >= st["over_100us"] >= st["over_1ms"], (k, st)
    # the DUTs were the processes named: testpmd's forwarding lcore and hotpathd's worker ran
    for r in res["configs"]["testpmd"]["runs"]:
        assert any(t.startswith("dpdk-testpmd/") for t in r["dut_threads"]), r["dut_threads"]
    reports = res["configs"]["memif-xc"]["dut_reports"]
    assert len(reports) == ROUNDS, reports
    [wm] = res["configs"]["memif-xc"]["worker_median"]
    assert wm["rounds"] == ROUNDS and wm["stalls"] is not None, wm
    assert "hotpathd's worker's stalls: " in p.stdout and "hp-probe's loops' stalls: " in p.stdout, p.stdout[-2000:]
    for rep in reports:
        [w] = rep["workers"]
        assert w["rx_packets"] > 0 and w["latency_ns"]["count"] > 0, w
    # the ratio of the medians, per percentile, in the JSON and on stdout
    [ratio] = res["ratios"]["memif-xc"]
    assert ratio["rate_pps"] == RATE, ratio
    for k in ("p50", "p90", "p99", "p99.9"):
        base = res["configs"]["testpmd"]["median"][0]["latency_ns"][k]
        assert abs(ratio[k] - res["configs"]["memif-xc"]["median"][0]["latency_ns"][k] / base) < 1e-9, (k, ratio)
    assert "ratio memif-xc / testpmd-io at 20k pps: p50 " in p.stdout, p.stdout[-2000:]
    assert "testpmd io forward, memif (reference)" in p.stdout, p.stdout[-2000:]
    # nothing of it still runs or lies in /var/run/dpdk
    assert leftovers() == before, leftovers()
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert out not in ps, [ln for ln in ps.splitlines() if out in ln]


def netns():
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_stateful_firewalls_kernel_and_hotpathd(d):
    """conntrack.sh's kernel comparison: the kernel with an nftables stateful firewall and
    hotpathd with the same rules as its ACL, on the veths; both pass the probe's flows
    (new from the inside subnet), the kernel's conntrack held them, nothing is left."""
    if shutil.which("nft") is None:
        print("SKIP: no nft (scripts/setup.sh installs nftables)")
        return
    out = os.path.join(d, "out")
    configs = ["kernel-nft", "afxdp-ct"]
    p = subprocess.run(["/usr/bin/python3", LATENCY, "--hotpathd", BIN, "--probe", PROBE, "--out", out,
                        "--configs", ",".join(configs), "--rates", str(RATE), "--duration", "0.5",
                        "--warmup", "0.2"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, "latency.py exit %d:\n%s" % (p.returncode, p.stderr[-3000:])
    with open(os.path.join(out, "latency.json")) as f:
        res = json.load(f)
    for k in configs:
        [r] = res["configs"][k]["runs"]
        # the firewall let the inside's new flows through: forwarded, every packet accounted for
        assert r["received"] > 0 and r["received"] + r["lost"] == r["sent"], (k, r)
    # the kernel tracked the probe's flows (the ruleset with ct state was in place)
    [r] = res["configs"]["kernel-nft"]["runs"]
    assert r["nf_conntrack_count"] and r["nf_conntrack_count"] > 0, r
    [rep] = res["configs"]["afxdp-ct"]["dut_reports"]
    assert rep["workers"][0]["rx_packets"] > 0, rep
    assert "hp-bench-" not in netns(), netns()


def test_unknown_configuration_refused(d):
    p = subprocess.run(["/usr/bin/python3", LATENCY, "--hotpathd", BIN, "--probe", PROBE, "--out", d,
                        "--configs", "memif,tespmd"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "unknown configuration 'tespmd'" in p.stderr, (p.returncode, p.stderr)
    p = subprocess.run(["/usr/bin/python3", LATENCY, "--hotpathd", BIN, "--probe", PROBE, "--out", d,
                        "--configs", "testpmd", "--testpmd", os.path.join(d, "no-testpmd")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "no-testpmd" in p.stderr, (p.returncode, p.stderr)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: hp-probe, testpmd and hotpathd need root (hugepages, memif sockets)")
        sys.exit(hp.SKIP)
    if not os.access(PROBE, os.X_OK):
        sys.exit("no hp-probe at %s (set HP_PROBE)" % PROBE)
    if shutil.which("dpdk-testpmd") is None:
        print("SKIP: no dpdk-testpmd (scripts/setup.sh installs dpdk-dev)")
        sys.exit(hp.SKIP)
    hp.run([test_testpmd_beside_hotpathd_alternating, test_stateful_firewalls_kernel_and_hotpathd,
            test_unknown_configuration_refused])
