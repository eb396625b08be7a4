#!/usr/bin/python3
"""Integration: hpctl runtime (issue 17, docs/OBSERVABILITY.md "Nodes"): the workers' nodes counted
on a veth rig (vethrig.py: hotpathd on net_af_packet, the far ends raw sockets; nothing else
speaks on the links), one frame at a time, so every count is exact.

    p0 10.0.0.1/24, 2001:db8::1/64        p1 10.1.0.1/24, 2001:db8:1::1/64
    client 10.0.0.2 / 2001:db8::2    ->    host 10.1.0.2 / 2001:db8:1::2 (static neighbours),
                                           198.51.100.0/24 via 10.1.0.2

IPv4 to 198.51.100.7 (a route via 10.1.0.2) takes the fast path; IPv6 to the connected host the
general one (parse, route, rewrite-dispatch: the fast path only takes routes via a gateway).

Usage: test_runtime.py PATH/TO/hotpathd [TEST]
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import vethrig  # noqa: E402

from scapy.all import IP, UDP, Ether, IPv6, Raw, conf  # noqa: E402

conf.verb = 0
P0_MAC, P1_MAC, CLIENT_MAC, HOST_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01", "02:00:00:00:00:02", "02:00:00:00:01:02"

CONFIG = """\
control: {{ socket: {sock}, metrics: "127.0.0.1:{metrics}" }}
ports:
  - {{ name: p0, device: "net_af_packet0,iface={a0}", mac: "{p0}", ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_af_packet1,iface={a1}", mac: "{p1}", ipv4: [10.1.0.1/24], ipv6: ["2001:db8:1::1/64"] }}
neighbors:
  - {{ ip: 10.0.0.2, mac: "{client}", port: p0 }}
  - {{ ip: "2001:db8::2", mac: "{client}", port: p0 }}
  - {{ ip: 10.1.0.2, mac: "{host}", port: p1 }}
  - {{ ip: "2001:db8:1::2", mac: "{host}", port: p1 }}
routes:
  - {{ prefix: 198.51.100.0/24, via: 10.1.0.2 }}
"""


def v4(sport):
    return Ether(dst=P0_MAC, src=CLIENT_MAC) / IP(src="10.0.0.2", dst="198.51.100.7") / UDP(sport=sport, dport=7) / Raw(
        b"x" * 18)


def v6(sport):
    return Ether(dst=P0_MAC, src=CLIENT_MAC) / IPv6(src="2001:db8::2", dst="2001:db8:1::2") / UDP(
        sport=sport, dport=7) / Raw(b"x" * 18)


class Rig(vethrig.VethRig):
    def __init__(self, d, name, args=()):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.metrics = s.getsockname()[1]
        super().__init__(d, name, lambda a0, a1: CONFIG.format(
            sock=os.path.join(d, name + ".sock"), metrics=self.metrics, a0=a0, a1=a1, p0=P0_MAC, p1=P1_MAC,
            client=CLIENT_MAC, host=HOST_MAC), args)


def nodes(rig):
    """{node name: its entry} of the (one) worker; and the worker's entry."""
    ws = rig.ctl("runtime.show")["workers"]
    assert len(ws) == 1, ws
    return {n["name"]: n for n in ws[0]["nodes"]}, ws[0]


def refused(rig, cmd, args, says):
    try:
        rig.ctl(cmd, args)
    except AssertionError as e:
        assert says in str(e), (cmd, args, str(e))
        return
    raise AssertionError("%s %s was accepted" % (cmd, args))


def test_counts_what_passed(d):
    """Off (the start): frames pass and no node counts. On, sampling every busy loop: 8 IPv4 and
    4 IPv6 frames, one at a time: rx 12 calls of 1 packet, the fast path 8, parse, route and
    rewrite-dispatch 4 each, tx 12; every node that ran on a sampled loop has cycles. /metrics and
    /hotpath/runtime say the same. Off again: the counts stay and stop; clear: none. Bad
    arguments are refused and change nothing."""
    with Rig(d, "runtime") as rig:
        got, w = nodes(rig)
        assert got == {} and w["counting"] is False and w["sample_every"] == 0, w
        for sp in range(3):
            rig.through(0, v4(1000 + sp), 1, "IPv4 while off")
        got, w = nodes(rig)
        assert got == {}, "counted while off: %s" % got

        assert rig.ctl("runtime.on", {"sample_every": 1}) == {"counting": True, "sample_every": 1}
        for sp in range(8):
            rig.through(0, v4(2000 + sp), 1, "IPv4")
        for sp in range(4):
            rig.through(0, v6(3000 + sp), 1, "IPv6")
        got, w = nodes(rig)
        print("  nodes: %s" % {n: (e["calls"], e["packets"], e["cycles_per_packet"]) for n, e in got.items()})
        assert w["counting"] is True and w["sample_every"] == 1, w
        want = {"rx": 12, "fast-path": 8, "parse": 4, "route": 4, "rewrite-dispatch": 4, "tx": 12}
        assert {n: e["packets"] for n, e in got.items()} == want, got
        assert got["rx"]["calls"] == 12 and got["rx"]["packets_per_call"] == 1.0, got["rx"]
        # every busy loop is timed but the first after `on` (the count starts on it)
        assert got["rx"]["sampled_packets"] >= 11, got["rx"]
        for n in ("rx", "tx"):
            assert got[n]["cycles_per_packet"] > 0, (n, got[n])
        assert got["fast-path"]["cycles_per_packet"] > 0 or got["fast-path"]["sampled_packets"] == 0, got
        assert got["route"]["cycles_per_packet"] > 0, got["route"]
        assert 0 < w["busy_share"] < 1 and w["loops"] >= w["busy_loops"] >= 12, w

        text = hp.scrape(rig.metrics)
        lcore = str(w["lcore"])
        assert hp.metric(text, "hotpath_node_packets_total", lcore=lcore, node="rx") == 12, text
        assert hp.metric(text, "hotpath_node_calls_total", lcore=lcore, node="fast-path") == 8
        assert hp.metric(text, "hotpath_worker_counting_nodes", lcore=lcore) == 1
        t = hp.telemetry(rig.dm.prefix, "/hotpath/runtime")[lcore]
        assert t["rx_packets"] == 12 and t["parse_packets"] == 4 and t["counting"] == 1, t

        for cmd, args, says in (("runtime.on", {"sample_every": 0}, "sample_every"),
                                ("runtime.on", {"sample_every": "16"}, "sample_every"),
                                ("runtime.on", {"every": 4}, "unknown argument"),
                                ("runtime.off", {"now": True}, "unknown argument"),
                                ("runtime.show", {"worker": 1}, "unknown argument"),
                                ("runtime.clear", {"all": True}, "unknown argument")):
            refused(rig, cmd, args, says)
        assert nodes(rig)[1]["sample_every"] == 1

        assert rig.ctl("runtime.off") == {"counting": False}
        rig.through(0, v4(4000), 1, "IPv4 after off")
        got, w = nodes(rig)
        assert got["rx"]["packets"] == 12 and w["counting"] is False, (got["rx"], w)
        rig.ctl("runtime.clear")
        got, w = nodes(rig)
        assert got == {} and w["busy_loops"] == 0, (got, w)
        report = rig.stop()
    assert len(report["runtime"]) == 1 and report["runtime"][0]["nodes"] == [], report["runtime"]


NULL_PORTS = """\
ports:
  - { name: p0, device: net_null0, mode: xconnect, peer: p1 }
  - { name: p1, device: net_null1, mode: xconnect, peer: p0 }
"""


def cpu_has_avx2():
    with open("/proc/cpuinfo") as f:
        return any(line.startswith("flags") and " avx2" in line for line in f)


def test_fast_path_choice(d):
    """hotpathd --fast-path: the copy asked for runs (runtime.show, the exit report) and forwards;
    auto is the widest this CPU has (x8 with AVX2, else x4); a word it does not know, or x8 on a
    CPU without AVX2, is refused at start with what was wrong."""
    best = "avx2 x8" if cpu_has_avx2() else "sse4.2 x4"
    for arg, name in ((None, best), ("auto", best), ("scalar", "scalar"), ("x4", "sse4.2 x4"), ("x8", "avx2 x8")):
        if name == "avx2 x8" and best != name:
            continue
        with Rig(d, "fp-%s" % (arg or "default"), ("--fast-path", arg) if arg else ()) as rig:
            assert rig.ctl("runtime.show")["fast_path"] == name, (arg, rig.ctl("runtime.show"))
            assert hp.metric(hp.scrape(rig.metrics), "hotpath_fast_path_info", copy=name) == 1, name
            for sp in range(4):
                rig.through(0, v4(5000 + sp), 1, "IPv4 on the %s fast path" % name)
            report = rig.stop()
        assert report["fast_path"] == name, report.get("fast_path")
        print("  --fast-path %s: %s" % (arg, name))
    bad = [("fast", "--fast-path 'fast': expected auto, x8, x4 or scalar")]
    if best != "avx2 x8":
        bad.append(("x8", "--fast-path avx2 x8: this CPU and EAL allow sse4.2 x4 at most"))
    for arg, says in bad:
        dm = hp.Daemon(hp.hotpathd_path(), d, NULL_PORTS, name="fp-bad")
        r = hp.subprocess.run([dm.binary, "-c", dm.config, "--fast-path", arg, "--"] + dm.eal,
                              capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and says in r.stderr, (arg, r.returncode, r.stderr)
        print("  --fast-path %s: refused (%s)" % (arg, says))


if __name__ == "__main__":
    hp.run([test_counts_what_passed, test_fast_path_choice])
