#!/usr/bin/python3
"""hotpathd mode: xconnect on net_pcap ports: byte-identical, in order, nothing lost or leaked."""
import os
import random
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,  # noqa: E402
                       IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw)

BIN = hp.hotpathd_path()


def varied_frames(n, seed):
    """n frames of many kinds, 60..1514 bytes, built with scapy (not by hotpath)."""
    rnd = random.Random(seed)
    src, dst = "02:00:00:00:00:aa", "02:00:00:00:00:01"
    kinds = [
        lambda: Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc="10.0.0.2", pdst="10.0.0.1"),
        lambda: Ether(src=src, dst=dst) / IP(src="10.0.0.2", dst="198.18.%d.%d" % (rnd.randrange(256), rnd.randrange(256))) / UDP(sport=rnd.randrange(1, 65536), dport=5000),
        lambda: Ether(src=src, dst=dst) / IP(src="10.0.0.2", dst="198.19.0.1") / TCP(sport=40000, dport=80, flags="S"),
        lambda: Ether(src=src, dst=dst) / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(),
        lambda: Ether(src=src, dst=dst) / IPv6(src="2001:db8::2", dst="2001:db8:1::%x" % rnd.randrange(65536)) / UDP(sport=1234, dport=53),
        lambda: Ether(src=src, dst=dst) / IPv6(src="2001:db8::2", dst="2001:db8::1") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / IPv6ExtHdrFragment() / TCP(),
        lambda: Ether(src=src, dst=dst) / IPv6(src="2001:db8::2", dst="2001:db8::1") / ICMPv6EchoRequest(),
        lambda: Ether(src=src, dst=dst) / Dot1Q(vlan=rnd.randrange(1, 4095)) / IP(src="10.0.0.2", dst="198.18.0.1") / UDP(),
        lambda: Ether(src=src, dst=dst) / Dot1Q(vlan=100) / Dot1Q(vlan=200) / IPv6() / UDP(),
        lambda: Ether(src=src, dst=dst, type=rnd.choice([0x88B5, 0x88CC, 0x9000, 0x8847, 0x1234])),
        lambda: Ether(src=src, dst="01:80:c2:00:00:00") / Raw(b"\x42\x42\x03"),  # 802.3 length field
    ]
    frames = []
    for i in range(n):
        pkt = kinds[i % len(kinds)]()
        size = rnd.choice([60, 64, 128, 512, 1024, 1500, 1514, rnd.randrange(60, 1515)])
        raw = bytes(pkt)
        if len(raw) < size:
            raw += bytes(rnd.randrange(256) for _ in range(size - len(raw)))
        frames.append(raw[:max(size, 60)] if len(raw) > size and size >= len(bytes(pkt)) else raw)
    return frames


def pcap_port(d, name, idx, rx, tx, peer, queues=1, extra=""):
    rxs = "".join(",rx_pcap=%s" % os.path.join(d, r) for r in rx)
    txs = "".join(",tx_pcap=%s" % os.path.join(d, t) for t in tx)
    return ("  - { name: %s, device: \"net_pcap%d%s%s\", queues: %d, mode: xconnect, peer: %s%s }\n"
            % (name, idx, rxs, txs, queues, peer, extra))


def test_varied_frames_byte_identical(d):
    frames = varied_frames(1200, seed=1)
    assert len(frames) >= 1000 and min(map(len, frames)) >= 60 and max(map(len, frames)) <= 1514
    hp.write_pcap(os.path.join(d, "in.pcap"), frames)
    hp.write_pcap(os.path.join(d, "empty.pcap"), [])
    cfg = "ports:\n" + pcap_port(d, "p0", 0, ["in.pcap"], ["out0.pcap"], "p1") + \
        pcap_port(d, "p1", 1, ["empty.pcap"], ["out1.pcap"], "p0")
    with hp.Daemon(BIN, d, cfg) as dmn:
        hp.wait_stats(dmn, lambda st: st["rx_packets"] == len(frames) and st["tx_packets"] == len(frames),
                      "%d frames through" % len(frames))
        rc, _, report = dmn.stop()
    assert rc == 0, "exit %d: %s" % (rc, dmn.stderr())
    out = hp.read_pcap(os.path.join(d, "out1.pcap"))
    assert len(out) == len(frames), "sent %d frames, %d came out" % (len(frames), len(out))
    for i, (a, b) in enumerate(zip(frames, out)):
        assert a == b, "frame %d differs (%d vs %d bytes)" % (i, len(a), len(b))
    assert hp.read_pcap(os.path.join(d, "out0.pcap")) == []
    p0, p1 = hp.port(report, "p0"), hp.port(report, "p1")
    assert p0["rx_packets"] == len(frames) and p1["tx_packets"] == len(frames)
    assert p1["tx_bytes"] == sum(map(len, frames)) == p0["rx_bytes"]
    # the device's own counters agree (read before the ports stopped)
    assert p0["device_stats"]["ipackets"] == len(frames) == p1["device_stats"]["opackets"], (p0, p1)
    assert report["drops"]["tx_refused"] == 0
    assert report["latency_ns"]["count"] == len(frames)
    assert 0 < report["latency_ns"]["p50"] <= report["latency_ns"]["max"]
    hp.check_mempools_full(report)


def two_queue_run(d, workers_section, expect_owner):
    a, b = varied_frames(700, seed=2), varied_frames(900, seed=3)
    hp.write_pcap(os.path.join(d, "a.pcap"), a)
    hp.write_pcap(os.path.join(d, "b.pcap"), b)
    hp.write_pcap(os.path.join(d, "e.pcap"), [])
    cfg = "ports:\n" + \
        pcap_port(d, "p0", 0, ["a.pcap", "b.pcap"], ["o0a.pcap", "o0b.pcap"], "p1", queues=2) + \
        pcap_port(d, "p1", 1, ["e.pcap", "e.pcap"], ["o1a.pcap", "o1b.pcap"], "p0", queues=2) + \
        workers_section
    # three lcores on two CPUs: main (asleep) shares CPU 0 with worker 1
    eal = hp.eal_args("hp-it-%d-2q" % os.getpid(), lcores="0@0,1@0,2@1")
    with hp.Daemon(BIN, d, cfg, eal=eal) as dmn:
        n = len(a) + len(b)
        hp.wait_stats(dmn, lambda st: st["rx_packets"] == n and st["tx_packets"] == n, "%d frames through" % n)
        rc, _, report = dmn.stop()
    assert rc == 0
    qa, qb = hp.read_pcap(os.path.join(d, "o1a.pcap")), hp.read_pcap(os.path.join(d, "o1b.pcap"))
    assert qa == a, "queue 0: %d of %d frames out, in order: %s" % (len(qa), len(a), qa == a[:len(qa)])
    assert qb == b, "queue 1: %d of %d frames out" % (len(qb), len(b))
    assert len(report["workers"]) == 2
    for w in report["workers"]:
        assert w["rx_packets"] > 0, "worker %d got nothing" % w["lcore"]
    owners = {q["queue"]: q["lcore"] for q in hp.port(report, "p0")["rxq"]}
    assert owners == expect_owner, owners
    assert report["rx_packets"] == report["tx_packets"] == len(a) + len(b)
    hp.check_mempools_full(report)


def test_two_queues_two_workers_default(d):
    two_queue_run(d, "", {0: 1, 1: 2})


def test_two_queues_explicit_workers(d):
    two_queue_run(d, "workers:\n  - { lcore: 1, queues: [p0/1, p1/1] }\n"
                     "  - { lcore: 2, queues: [p0/0, p1/0] }\n", {0: 2, 1: 1})


def test_sigterm_and_sigint_stop(d):
    """SIGTERM and SIGINT while forwarding: exit 0 with the report, every mbuf back. That it stops
    is asserted (a generous deadline in Daemon.stop), not how fast: the time is printed."""
    frames = varied_frames(256, seed=4)
    hp.write_pcap(os.path.join(d, "loop.pcap"), frames)
    cfg = ("ports:\n"
           "  - { name: p0, device: \"net_pcap0,rx_pcap=%s,infinite_rx=1\", mode: xconnect, peer: p1 }\n"
           "  - { name: p1, device: net_null0, mode: xconnect, peer: p0 }\n" % os.path.join(d, "loop.pcap"))
    for sig in (signal.SIGTERM, signal.SIGINT):
        with hp.Daemon(BIN, d, cfg, name="sig%d" % sig) as dmn:
            hp.wait_stats(dmn, lambda st: st["rx_packets"] > 10000, "10000 frames forwarded")
            rc, took, report = dmn.stop(sig)
        assert rc == 0, "exit %d after signal %d" % (rc, sig)
        print("   stopped %.3f s after signal %d" % (took, sig))
        p0, p1 = hp.port(report, "p0"), hp.port(report, "p1")
        assert p0["rx_packets"] > 10000, p0
        assert p0["rx_packets"] == p1["tx_packets"] + p1["tx_refused"]
        hp.check_mempools_full(report)


def test_dpdk_telemetry_enabled(d):
    """DPDK's telemetry socket stays on: dpdk-telemetry.py users see hotpathd's ports."""
    hp.write_pcap(os.path.join(d, "loop.pcap"), varied_frames(64, seed=5))
    cfg = ("ports:\n"
           "  - { name: p0, device: \"net_pcap0,rx_pcap=%s,infinite_rx=1\", mode: xconnect, peer: p0 }\n"
           % os.path.join(d, "loop.pcap"))
    with hp.Daemon(BIN, d, cfg) as dmn:
        hp.wait_stats(dmn, lambda st: st["rx_packets"] > 0 and st["tx_packets"] > 0, "frames forwarded")
        assert hp.telemetry(dmn.prefix, "/ethdev/list") == [0]
        stats = hp.telemetry(dmn.prefix, "/ethdev/stats,0")
        assert stats["ipackets"] > 0 and stats["opackets"] > 0, stats
        rc, _, report = dmn.stop()
    assert rc == 0
    hp.check_mempools_full(report)


if __name__ == "__main__":
    hp.run([test_varied_frames_byte_identical, test_two_queues_two_workers_default,
            test_two_queues_explicit_workers, test_sigterm_and_sigint_stop,
            test_dpdk_telemetry_enabled])
