#!/usr/bin/python3
"""Fragments through hotpathd on net_pcap ports (the rig of test_l3): IPv4 fragments of a
big datagram (first with MF, middle, last with an offset and no L4 header), a DF frame
of 1500 bytes and IPv6 fragments are routed like any datagram: MACs rewritten, TTL or
hop limit - 1, nothing else changed, in order. The namespaces' version with real hosts
on net_af_packet and net_af_xdp is tests/e2e/test_ports_veth.py."""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import test_l3 as l3  # noqa: E402
from scapy.all import ICMP, IP, UDP, Ether, IPv6, Raw, fragment, fragment6, IPv6ExtHdrFragment  # noqa: E402

DEADLINE = 60.0


def stats(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(b'{"id":1,"cmd":"stats","args":{}}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(1 << 20)
        assert chunk, "connection closed"
        buf += chunk
    s.close()
    return json.loads(buf)["result"]


def test_fragments_routed(d):
    eth = Ether(dst=l3.P0_MAC, src=l3.HOST_MAC)
    v4 = fragment(IP(src=l3.HOST4, dst="198.18.0.9", id=77) / UDP(sport=5, dport=6) / Raw(bytes(range(256)) * 16),
                  fragsize=1480)
    icmp4 = fragment(IP(src=l3.HOST4, dst="198.18.0.10", id=78) / ICMP(id=1, seq=1) / Raw(b"x" * 3972), fragsize=1480)
    df = IP(src=l3.HOST4, dst="198.18.0.11", flags="DF") / UDP(sport=5, dport=7) / Raw(bytes(1472))
    v6 = fragment6(IPv6(src=l3.HOST6, dst="2001:db8:100::9") / IPv6ExtHdrFragment(id=99) /
                   UDP(sport=5, dport=6) / Raw(bytes(range(256)) * 16), 1280)
    frames = [bytes(eth / p) for p in v4 + icmp4 + [df]] + [bytes(eth / p) for p in v6]
    assert len(v4) == 3 and len(v6) >= 4, (len(v4), len(v6))
    assert max(len(f) for f in frames) == 1514
    l3.write_inputs(d, frames)
    cfg = l3.CONFIG.format(d=d, p0=l3.P0_MAC, p1=l3.P1_MAC, gw2=l3.GW2, gw3=l3.GW3)
    sock = os.path.join(d, "hp.sock")
    with hp.Daemon(l3.BIN, d, cfg) as dmn:
        deadline = time.time() + DEADLINE
        while stats(sock)["tx_packets"] < len(frames) and time.time() < deadline:
            time.sleep(0.05)
        rc, _, report = dmn.stop()
    assert rc == 0, dmn.stderr()
    drops = {k: v for k, v in report["drops"].items() if v}
    assert drops == {}, drops
    out1 = hp.read_pcap(os.path.join(d, "out1.pcap"))
    l3.same("p1", out1, [l3.routed(f, l3.GW2, l3.P1_MAC) for f in frames])


if __name__ == "__main__":
    hp.run([test_fragments_routed])
