#!/usr/bin/python3
"""Policers in a live pipeline: a trTCM (RFC 2698) policer behind an ACL police rule on the
net_pcap rig of test_l3, its per-colour counters in hpctl stats and the exit report.

Count-based: the rates are 1 and 2 bytes/s, so the buckets refill by a few bytes over
the whole run (a stall of a minute refills less than one 100-byte datagram); what
passes is decided by the burst sizes alone: cbs 1000 B makes 10 datagrams green, pbs
2000 B 10 more yellow, the rest are red and dropped."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import test_l3 as l3  # noqa: E402

DEADLINE = 60.0
TRTCM = "  - {{ name: slow, type: trtcm, cir: 8, cbs: 1000, pir: 16, pbs: 2000 }}"


def test_trtcm_colours_live(d):
    cfg = l3.CONFIG.replace("  - {{ name: slow, type: srtcm, cir: 8000, cbs: 1000, ebs: 1000 }}", TRTCM)
    assert cfg != l3.CONFIG
    cfg = cfg.format(d=d, p0=l3.P0_MAC, p1=l3.P1_MAC, gw2=l3.GW2, gw3=l3.GW3)
    frames = [l3.udp4("198.18.10.1", size=72) for _ in range(50)]  # 100-byte IP datagrams
    l3.write_inputs(d, frames)
    sock = os.path.join(d, "hp.sock")
    with hp.Daemon(l3.BIN, d, cfg) as dmn:
        # the pcap is read once: wait until all 50 met the policer, then look
        deadline = time.time() + DEADLINE
        while True:
            pol = hp.request(sock, "stats")["policers"]
            if sum(pol[0][c] for c in ("green", "yellow", "red")) >= 50 or time.time() > deadline:
                break
            time.sleep(0.05)
        assert pol == [{"name": "slow", "green": 10, "yellow": 10, "red": 30}], pol
        assert hp.request(sock, "stats")["drops"]["policer_red"] == 30
        rc, _, report = dmn.stop()
    assert rc == 0, dmn.stderr()
    hp.check_mempools_full(report)
    out1 = hp.read_pcap(os.path.join(d, "out1.pcap"))
    # green and yellow are forwarded (colour-blind, no remarking), in order; red dropped
    assert out1 == [l3.routed(f, l3.GW2, l3.P1_MAC) for f in frames[:20]], len(out1)
    assert report["policers"] == [{"name": "slow", "green": 10, "yellow": 10, "red": 30}], report["policers"]
    assert report["drops"]["policer_red"] == 30
    assert report["acl"][6]["packets"] == 50, report["acl"]


if __name__ == "__main__":
    hp.run([test_trtcm_colours_live])
