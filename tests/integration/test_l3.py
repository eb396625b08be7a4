#!/usr/bin/python3
"""hotpathd mode: l3 on net_pcap ports: every expected output frame is built here with
scapy from the rules (RFC 1624 TTL, MACs, ARP/ND/ICMP answers), never by hotpath code,
and compared byte-exact and in order per egress port; every drop is counted by reason."""
import ipaddress
import json
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, ICMPv6TimeExceeded, IPv6,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, conf)

conf.verb = 0
BIN = hp.hotpathd_path()

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
HOST_MAC = "02:00:00:00:00:aa"           # a host on p0's subnet
GW2, GW3 = "02:00:00:00:01:02", "02:00:00:00:01:03"
HOST4, HOST6 = "10.0.0.2", "2001:db8::2"

CONFIG = """\
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap,tx_pcap={d}/out0.pcap", mac: "{p0}",
      ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap={d}/out1.pcap", mac: "{p1}",
      ipv4: [10.0.1.1/24], ipv6: ["2001:db8:1::1/64"] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw2}", port: p1 }}
  - {{ ip: 10.0.1.3, mac: "{gw3}", port: p1 }}
  - {{ ip: "2001:db8:1::2", mac: "{gw2}", port: p1 }}
  - {{ ip: "2001:db8:1::3", mac: "{gw3}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
  - {{ prefix: 198.51.100.0/24, via: [10.0.1.2, 10.0.1.3] }}
  - {{ prefix: 203.0.113.0/24, action: drop }}
  - {{ prefix: "2001:db8:100::/48", via: "2001:db8:1::2" }}
  - {{ prefix: "2001:db8:200::/48", via: ["2001:db8:1::2", "2001:db8:1::3"] }}
  - {{ prefix: "2001:db8:dead::/48", action: drop }}
  - {{ prefix: 192.0.2.0/24, via: 10.0.1.9 }}
policers:
  - {{ name: slow, type: srtcm, cir: 8000, cbs: 1000, ebs: 1000 }}
acl:
  - {{ priority: 10, src: 10.0.0.0/8, proto: udp, dport: "5000-5010", action: deny }}
  - {{ priority: 20, dst: 198.18.7.0/24, action: deny }}
  - {{ priority: 20, dst: 198.18.7.7/32, action: permit }}
  - {{ priority: 5, dst: 198.18.8.8/32, action: permit }}
  - {{ priority: 6, dst: 198.18.8.0/24, action: deny }}
  - {{ priority: 1, dst: 198.18.9.0/24, action: count }}
  - {{ priority: 30, dst: 198.18.10.0/24, action: police slow }}
  - {{ priority: 40, src: "2001:db8::/32", proto: tcp, dport: 23, action: deny }}
"""
ACL_LINES = 19  # line of the first acl rule (for the report's rule list)


def l3_of(frame):
    """The IP datagram of a frame as received (no Ethernet padding)."""
    f = Ether(frame)
    if IP in f:
        return bytes(f[IP])[:f[IP].len]
    return bytes(f[IPv6])[:40 + f[IPv6].plen]


def pad60(b):
    b = bytes(b)
    return b + bytes(60 - len(b)) if len(b) < 60 else b


def routed(frame, dmac, smac):
    """What a router makes of frame: MACs rewritten, TTL/hop limit - 1, IPv4 checksum new."""
    f = Ether(frame)
    f.dst, f.src = dmac, smac
    if IP in f:
        f[IP].ttl -= 1
        del f[IP].chksum
    else:
        f[IPv6].hlim -= 1
    return bytes(f)


def udp4(dst, sport=1234, dport=80, ttl=64, src=HOST4, size=0, **kw):
    p = Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=src, dst=dst, ttl=ttl, **kw) / UDP(sport=sport, dport=dport)
    return pad60(bytes(p / Raw(bytes(size))) if size else p)


def udp6(dst, sport=1234, dport=80, hlim=64, src=HOST6):
    return bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=src, dst=dst, hlim=hlim) / UDP(sport=sport, dport=dport))


def icmp4_error(offending, icmp_type):
    quote = l3_of(offending)[:576 - 28]
    return pad60(Ether(dst=HOST_MAC, src=P0_MAC) / IP(src="10.0.0.1", dst=HOST4, ttl=64, id=0, tos=0) /
                 ICMP(type=icmp_type, code=0) / Raw(quote))


def icmp6_error(offending, kind):
    quote = l3_of(offending)[:1280 - 48]
    msg = ICMPv6TimeExceeded(code=0) if kind == "ttl" else ICMPv6DestUnreach(code=0)
    return bytes(Ether(dst=HOST_MAC, src=P0_MAC) / IPv6(src="2001:db8::1", dst=HOST6, hlim=64) / msg / Raw(quote))


class Case:
    """Input frames on p0 and what must come out of p0 and p1 (in order), and drops."""

    def __init__(self):
        self.inp, self.out0, self.out1 = [], [], []
        self.drops = {}

    def fwd(self, frame, dmac, port=1):
        self.inp.append(frame)
        (self.out1 if port == 1 else self.out0).append(routed(frame, dmac, P1_MAC))

    def drop(self, frame, why):
        self.inp.append(frame)
        self.drops[why] = self.drops.get(why, 0) + 1


def build_main():
    c = Case()
    # forwarding, v4 and v6, TCP/UDP/ICMP, IPv4 options, v6 extension headers
    c.fwd(udp4("198.18.5.5"), GW2)
    c.fwd(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=HOST4, dst="198.19.255.1", ttl=2) / TCP(dport=443, flags="S")), GW2)
    c.fwd(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=HOST4, dst="198.18.0.9", options=b"\x01\x01\x01\x00") / ICMP()), GW2)
    c.fwd(udp4("198.18.1.1", size=1400), GW2)
    c.fwd(udp6("2001:db8:100::5"), GW2)
    c.fwd(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=HOST6, dst="2001:db8:100::6", hlim=2) /
                IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / TCP(dport=22)), GW2)
    # checksum edge: a header whose checksum is 0x0000 or 0xffff after the decrement
    for i in range(64):
        c.fwd(udp4("198.18.2.%d" % i, ttl=64 - (i % 60), id=i * 977), GW2)
    # blackholes
    c.drop(udp4("203.0.113.5"), "blackhole")
    c.drop(udp6("2001:db8:dead::1"), "blackhole")
    # TTL / hop limit expiry and no route: ICMP back to the sender on p0
    for f, exp in ((udp4("198.18.0.5", ttl=1), lambda f: icmp4_error(f, 11)),
                   (udp4("198.18.0.5", ttl=0), lambda f: icmp4_error(f, 11)),
                   (udp4("100.64.0.1"), lambda f: icmp4_error(f, 3))):
        c.inp.append(f)
        c.out0.append(exp(f))
    for f, kind in ((udp6("2001:db8:100::7", hlim=1), "ttl"), (udp6("2001:db8:ffff::1"), "noroute")):
        c.inp.append(f)
        c.out0.append(icmp6_error(f, kind))
    c.drops.update({"ttl_expired": 3, "no_route": 2})
    # local: ARP, echo, ND, echo6
    c.inp.append(pad60(Ether(dst="ff:ff:ff:ff:ff:ff", src=HOST_MAC) /
                       ARP(op=1, hwsrc=HOST_MAC, psrc=HOST4, pdst="10.0.0.1")))
    c.out0.append(pad60(Ether(dst=HOST_MAC, src=P0_MAC) /
                        ARP(op=2, hwsrc=P0_MAC, psrc="10.0.0.1", hwdst=HOST_MAC, pdst=HOST4)))
    c.inp.append(pad60(Ether(dst="ff:ff:ff:ff:ff:ff", src=HOST_MAC) /
                       ARP(op=1, hwsrc=HOST_MAC, psrc=HOST4, pdst="10.0.0.99")))  # not ours: silence
    c.inp.append(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=HOST4, dst="10.0.0.1", id=7) /
                       ICMP(type=8, id=0x55, seq=1) / Raw(b"ping-payload")))
    c.out0.append(pad60(Ether(dst=HOST_MAC, src=P0_MAC) / IP(src="10.0.0.1", dst=HOST4, ttl=64, id=0) /
                        ICMP(type=0, id=0x55, seq=1) / Raw(b"ping-payload")))
    c.inp.append(bytes(Ether(dst="33:33:ff:00:00:01", src=HOST_MAC) /
                       IPv6(src=HOST6, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::1") /
                       ICMPv6NDOptSrcLLAddr(lladdr=HOST_MAC)))
    c.out0.append(bytes(Ether(dst=HOST_MAC, src=P0_MAC) / IPv6(src="2001:db8::1", dst=HOST6, hlim=255) /
                        ICMPv6ND_NA(R=1, S=1, O=1, tgt="2001:db8::1") / ICMPv6NDOptDstLLAddr(lladdr=P0_MAC)))
    c.inp.append(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=HOST6, dst="2001:db8::1") /
                       ICMPv6EchoRequest(id=9, seq=3, data=b"ping6")))
    c.out0.append(bytes(Ether(dst=HOST_MAC, src=P0_MAC) / IPv6(src="2001:db8::1", dst=HOST6, hlim=64) /
                        ICMPv6EchoReply(id=9, seq=3, data=b"ping6")))
    # malformed, each dropped by name
    good = udp4("198.18.0.1")
    bad_ck = bytearray(good)
    bad_ck[24] ^= 0xff
    c.drop(bytes(bad_ck), "ipv4_checksum")
    c.drop(good[:14 + 19], "ipv4_truncated")
    ihl4 = bytearray(good)
    ihl4[14] = 0x44
    c.drop(bytes(ihl4), "ipv4_ihl")
    c.drop(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=HOST4, dst="198.18.0.1", len=200) / UDP()), "ipv4_length")
    c.drop(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src="224.0.0.5", dst="198.18.0.1") / UDP()), "ipv4_martian")
    v6 = udp6("2001:db8:100::5")
    c.drop(v6[:14 + 39], "ipv6_truncated")
    c.drop(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=HOST6, dst="2001:db8:100::1", nh=6, plen=4) / Raw(b"abcd")),
           "l4_truncated")
    c.drop(b"\x02\x00\x00\x00\x00\x01\x02\x00", "eth_truncated")
    c.drop(pad60(Ether(dst=P0_MAC, src=HOST_MAC) / Dot1Q(vlan=7) / IP(src=HOST4, dst="198.18.0.1") / UDP()), "vlan_unknown")
    c.drop(udp4("198.18.0.1").replace(bytes.fromhex(P0_MAC.replace(":", "")), bytes.fromhex("020000000099"), 1), "not_our_mac")
    c.drop(pad60(Ether(dst=P0_MAC, src=HOST_MAC, type=0x88b5) / Raw(b"x" * 46)), "unknown_ethertype")
    # ACL: port range edges, priorities, ties in file order, count, IPv6 rule
    for dport in (4999, 5000, 5010, 5011):
        f = udp4("198.18.3.3", dport=dport)
        if 5000 <= dport <= 5010:
            c.drop(f, "acl_deny")
        else:
            c.fwd(f, GW2)
    c.drop(udp4("198.18.7.7"), "acl_deny")   # tie: the deny listed first wins
    c.fwd(udp4("198.18.8.8"), GW2)            # prio 5 permit beats prio 6 deny
    c.drop(udp4("198.18.8.9"), "acl_deny")
    for i in range(3):
        c.fwd(udp4("198.18.9.%d" % i), GW2)   # counted, then acl_default permit
    c.drop(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=HOST6, dst="2001:db8:100::9") / TCP(dport=23)), "acl_deny")
    c.fwd(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=HOST6, dst="2001:db8:100::9") / TCP(dport=24)), GW2)
    return c


def write_inputs(d, inp0, inp1=()):
    hp.write_pcap(os.path.join(d, "in0.pcap"), inp0)
    hp.write_pcap(os.path.join(d, "in1.pcap"), list(inp1))


def run(d, rx, done=None, what="", config=CONFIG, eal=None):
    """hotpathd on the finite pcaps until it received rx frames and done(stats) holds (polled: a
    busy machine takes longer, it does not fail); then stopped. (report, out0 frames, out1 frames)."""
    cfg = config.format(d=d, p0=P0_MAC, p1=P1_MAC, gw2=GW2, gw3=GW3)
    with hp.Daemon(BIN, d, cfg, eal=eal) as dmn:
        hp.wait_stats(dmn, lambda st: st["rx_packets"] == rx and (done is None or done(st)),
                      "%d frames received%s" % (rx, what))
        rc, _, report = dmn.stop()
    assert rc == 0, "exit %d: %s" % (rc, dmn.stderr())
    hp.check_mempools_full(report)
    outs = [os.path.join(d, "out%d.pcap" % i) for i in (0, 1)]
    return (report,) + tuple(hp.read_pcap(o) if os.path.exists(o) else None for o in outs)


def sent(n):
    """done() for run: n frames transmitted (forwarded and the slow path's answers)."""
    return lambda st: st["tx_packets"] >= n


def same(name, got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise AssertionError("%s frame %d differs:\n got  %s\n want %s" % (
                name, i, Ether(g).summary(), Ether(w).summary()) + "\n got  %s\n want %s" % (g.hex(), w.hex()))
    assert len(got) == len(want), "%s: %d frames out, %d expected" % (name, len(got), len(want))


def test_routes_acl_local_and_errors(d):
    c = build_main()
    write_inputs(d, c.inp)
    report, out0, out1 = run(d, len(c.inp), sent(len(c.out0) + len(c.out1)), " and answered")
    same("p1", out1, c.out1)
    same("p0", out0, c.out0)
    drops = {k: v for k, v in report["drops"].items() if v}
    assert drops == c.drops, "drops %s, expected %s" % (drops, c.drops)
    acl = report["acl"]
    assert [r["packets"] for r in acl] == [2, 1, 0, 1, 1, 3, 0, 1], acl
    # every classified packet went through the result cache: first sight misses
    cache = report["acl_cache"]
    assert cache["ipv4"]["misses"] > 0 and cache["ipv6"]["misses"] > 0, cache
    slow = report["slowpath"]
    assert slow["arp_replies"] == 1 and slow["nd_adverts"] == 1 and slow["echo_replies"] == 2, slow
    assert slow["icmp_errors"] == 5 and slow["not_for_us"] == 1, slow


def test_ecmp_keeps_each_flow_on_one_path(d):
    frames, flows = [], {}
    for rep in range(4):
        for fl in range(64):
            frames.append(udp4("198.51.100.%d" % (fl % 7 + 1), sport=1000 + fl, dport=53))
            frames.append(udp6("2001:db8:200::%x" % (fl % 5 + 1), sport=2000 + fl, dport=53))
    write_inputs(d, frames)
    report, out0, out1 = run(d, len(frames), sent(len(frames)))
    assert out0 == [] and len(out1) == len(frames), (len(out0), len(out1))
    used = {}
    for f_in, f_out in zip(frames, out1):
        e = Ether(f_out)
        key = bytes(f_in[26:42]) if IP in Ether(f_in) else bytes(f_in[22:58])  # addresses + ports
        assert e.dst in (GW2, GW3), e.dst
        assert flows.setdefault(key, e.dst) == e.dst, "flow %s moved between next hops" % key.hex()
        assert f_out == routed(f_in, e.dst, P1_MAC)
        used[IP in e] = used.get(IP in e, set()) | {e.dst}
    assert used[True] == {GW2, GW3} and used[False] == {GW2, GW3}, used


def test_policer_drops_red(d):
    # srTCM cir 8 kbit/s, cbs 1000 B, ebs 1000 B: 2000 bytes of IP datagrams pass at once, then
    # one 100-byte datagram per 100 ms that passed: bounded by the time the daemon ran, measured
    frames = [udp4("198.18.10.1", size=72) for _ in range(50)]  # 100-byte IP datagrams
    write_inputs(d, frames)
    t0 = time.monotonic()
    report, _, out1 = run(d, len(frames), lambda st: st["drops"].get("policer_red", 0) + st["tx_packets"] >= 50)
    refill = int((time.monotonic() - t0) * 1000 / 100) + 1
    assert 20 <= len(out1) <= min(50, 20 + refill), "%d of 50 passed the policer (at most %d refilled)" % (
        len(out1), refill)
    assert report["drops"]["policer_red"] == 50 - len(out1)
    assert report["acl"][6]["packets"] == 50


def test_icmp_rate_limit(d):
    """Echo replies and ICMP errors share a token bucket: 1000/s with a burst of 256."""
    frames = [pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IP(src=HOST4, dst="10.0.0.1") / ICMP(type=8, seq=i))
              for i in range(400)]
    write_inputs(d, frames)
    # the bucket is full (256) when the daemon starts and refills at 1000/s: the replies are at
    # least the burst and at most the burst plus what the time it ran (measured) refilled
    t0 = time.monotonic()
    report, out0, _ = run(d, len(frames), lambda st: st["slowpath"]["echo_replies"] + st["slowpath"]["ratelimited"] +
                          st["drops"].get("punt_ring_full", 0) >= len(frames) and
                          st["tx_packets"] >= st["slowpath"]["echo_replies"], " and every ping answered (and sent) or refused")
    refill = int((time.monotonic() - t0) * 1000) + 1
    s = report["slowpath"]
    assert s["echo_replies"] == len(out0) and s["ratelimited"] == 400 - len(out0), s
    assert 256 <= len(out0) <= min(400, 256 + refill), "%d replies to 400 pings (at most %d refilled)" % (
        len(out0), refill)
    assert all(Ether(f)[ICMP].type == 0 for f in out0)


def test_neighbour_resolution_and_hold_queue(d):
    """Packets for an unknown neighbour wait while hotpathd asks; its answer releases them."""
    def on_p1(dst, n=0):
        return pad60(Ether(dst=P1_MAC, src=GW2) / IP(src="10.0.1.50", dst=dst, id=n) / UDP(sport=7, dport=9))
    ans = lambda ip, mac: pad60(Ether(dst=P1_MAC, src=mac) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=P1_MAC, pdst="10.0.1.1"))
    req = lambda ip: pad60(Ether(dst="ff:ff:ff:ff:ff:ff", src=P1_MAC) /
                           ARP(op=1, hwsrc=P1_MAC, psrc="10.0.1.1", hwdst="00:00:00:00:00:00", pdst=ip))
    m77, m9 = "02:00:00:00:01:77", "02:00:00:00:01:09"
    ns_src = bytes(Ether(dst=P1_MAC, src="02:00:00:00:01:88") / IPv6(src="2001:db8:1::88", dst="2001:db8:1::1", hlim=255) /
                   ICMPv6ND_NA(R=0, S=1, O=1, tgt="2001:db8:1::88") / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:01:88"))
    v6_in = bytes(Ether(dst=P1_MAC, src=GW2) / IPv6(src="2001:db8:1::50", dst="2001:db8:1::88") / UDP(sport=7, dport=9))
    # on p1, in this order: data for a connected host, its ARP answer; data via a gateway, its answer;
    # IPv6 data for a connected host, its NA; 20 packets for a host that never answers
    inp1 = [on_p1("10.0.1.77"), ans("10.0.1.77", m77), on_p1("192.0.2.1"), ans("10.0.1.9", m9), v6_in, ns_src]
    inp1 += [on_p1("10.0.1.78", n) for n in range(20)]
    write_inputs(d, [], inp1)
    # 7 frames out before the retry: 3 ARP requests and 1 NS, 3 released packets; then the retry
    # (CTL_NEIGH_RETRY_MS later) for the host that never answers; polled, never slept for
    report, out0, out1 = run(d, len(inp1), lambda st: st["slowpath"]["solicits"] >= 5 and st["tx_packets"] >= 8,
                             " and the retry for 10.0.1.78 sent")
    _, mac88 = None, "02:00:00:00:01:88"
    sn = ipaddress.IPv6Address("2001:db8:1::88").packed
    ns = bytes(Ether(dst="33:33:ff:%02x:%02x:%02x" % tuple(sn[13:]), src=P1_MAC) /
               IPv6(src="2001:db8:1::1", dst="ff02::1:ff%02x:%02x%02x" % tuple(sn[13:]), hlim=255) /
               ICMPv6ND_NS(tgt="2001:db8:1::88") / ICMPv6NDOptSrcLLAddr(lladdr=P1_MAC))
    want = [req("10.0.1.77"), routed(inp1[0], m77, P1_MAC), req("10.0.1.9"), routed(inp1[2], m9, P1_MAC),
            ns, routed(v6_in, mac88, P1_MAC), req("10.0.1.78")]
    same("p1", out1[:len(want)], want)
    # then only retries for .78 (at least the one waited for; a slow machine may see more)
    rest = out1[len(want):]
    assert rest and rest == [req("10.0.1.78")] * len(rest), [Ether(f).summary() for f in rest]
    s = report["slowpath"]
    assert s["held"] == 3 + 16 and s["released"] == 3 and s["neigh_queue_full"] == 4, s
    assert s["learned"] >= 3, s
    assert out0 == []


# ---- two workers, each owning one port (mode l3 on 2 cores) ----

TWO_WORKERS = """\
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap{tx0}", mac: "{p0}",
      ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap{tx1}", mac: "{p1}",
      ipv4: [10.0.1.1/24], ipv6: ["2001:db8:1::1/64"] }}
workers:
  - {{ lcore: 1, queues: [p0/0] }}
  - {{ lcore: 2, queues: [p1/0] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw2}", port: p1 }}
  - {{ ip: 10.0.0.2, mac: "{host}", port: p0 }}
  - {{ ip: "2001:db8:1::2", mac: "{gw2}", port: p1 }}
  - {{ ip: "2001:db8::2", mac: "{host}", port: p0 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
  - {{ prefix: "2001:db8:100::/48", via: "2001:db8:1::2" }}
  - {{ prefix: 100.64.0.0/16, via: 10.0.0.2 }}
  - {{ prefix: "2001:db8:64::/48", via: "2001:db8::2" }}
acl:
  - {{ priority: 1, dst: 198.18.9.0/24, action: count }}
  - {{ priority: 2, dst: 100.64.9.0/24, action: count }}
  - {{ priority: 3, proto: udp, dport: 666, action: deny }}
"""
# three lcores on two CPUs: the main lcore (asleep in the control thread) shares CPU 0 with worker 1
TWO_WORKER_LCORES = "0@0,1@0,2@1"


def two_worker_config(d, finite=True):
    """Both ports with two TX queues (every worker sends on every l3 port), one RX queue each."""
    if finite:
        tx = {p: ",tx_pcap={d}/o{n}a.pcap,tx_pcap={d}/o{n}b.pcap".format(d=d, n=p) for p in (0, 1)}
    else:  # a replay forever: nothing kept
        tx = {p: ",tx_pcap=/dev/null,tx_pcap=/dev/null" for p in (0, 1)}
    cfg = TWO_WORKERS.format(d=d, p0=P0_MAC, p1=P1_MAC, gw2=GW2, host=HOST_MAC, tx0=tx[0], tx1=tx[1])
    if not finite:
        cfg = cfg.replace("in0.pcap", "in0.pcap,infinite_rx=1").replace("in1.pcap", "in1.pcap,infinite_rx=1")
    return cfg


def from_p1(dst, sport=1234, dport=80, v6=False):
    """A frame arriving on p1 from the gateway, for the host side (routed out of p0)."""
    if v6:
        return bytes(Ether(dst=P1_MAC, src=GW2) / IPv6(src="2001:db8:1::2", dst=dst, hlim=64) / UDP(sport=sport, dport=dport))
    return pad60(Ether(dst=P1_MAC, src=GW2) / IP(src="10.0.1.2", dst=dst, ttl=64) / UDP(sport=sport, dport=dport))


def port_out(d, n):
    """What port n sent on its two TX queues: (queue a frames, queue b frames)."""
    return hp.read_pcap(os.path.join(d, "o%da.pcap" % n)), hp.read_pcap(os.path.join(d, "o%db.pcap" % n))


def one_queue(name, queues, want):
    """Frames forwarded by one worker leave on its TX queue, in order: one of the two files is want."""
    a, b = queues
    got = a if len(a) >= len(b) else b
    other = b if got is a else a
    same(name, got, want)
    return other


def worker(report, lcore):
    return next(w for w in report["workers"] if w["lcore"] == lcore)


def test_two_workers_route_both_ways(d):
    """Worker 1 polls p0 and routes to p1, worker 2 polls p1 and routes to p0, at once: every frame
    routed byte-exact and in order, each worker's counters its own port's, summing to the totals."""
    in0 = [udp4("198.18.%d.%d" % (i % 8, i % 250 + 1), sport=1000 + i, size=i % 7 * 100) for i in range(600)]
    in0 += [udp6("2001:db8:100::%x" % (i + 1), sport=3000 + i) for i in range(100)]
    in0 += [udp4("198.18.9.%d" % (i + 1), sport=5000 + i) for i in range(10)]      # counted
    in0 += [udp4("198.18.1.1", sport=6000 + i, dport=666) for i in range(7)]       # denied
    in1 = [from_p1("100.64.%d.%d" % (i % 8, i % 250 + 1), sport=2000 + i) for i in range(500)]
    in1 += [from_p1("2001:db8:64::%x" % (i + 1), sport=4000 + i, v6=True) for i in range(100)]
    in1 += [from_p1("100.64.9.%d" % (i + 1), sport=5000 + i) for i in range(20)]   # counted
    in1 += [from_p1("100.64.1.1", sport=7000 + i, dport=666) for i in range(3)]    # denied
    write_inputs(d, in0, in1)
    fwd0 = [routed(f, GW2, P1_MAC) for f in in0 if b"\x02\x9a" not in f[34:38]]        # p0 -> p1
    fwd1 = [routed(f, HOST_MAC, P0_MAC) for f in in1 if b"\x02\x9a" not in f[34:38]]   # p1 -> p0
    assert len(fwd0) == 710 and len(fwd1) == 620, (len(fwd0), len(fwd1))   # the v6 dport sits elsewhere
    eal = hp.eal_args("hp-it-%d-2w" % os.getpid(), lcores=TWO_WORKER_LCORES)
    report, _, _ = run(d, len(in0) + len(in1), sent(len(fwd0) + len(fwd1)), " and routed",
                       config=two_worker_config(d).replace("{", "{{").replace("}", "}}"), eal=eal)
    # each direction is one worker's: its frames leave on that worker's TX queue of the far port, in order
    assert one_queue("p1 (from worker 1)", port_out(d, 1), fwd0) == []
    assert one_queue("p0 (from worker 2)", port_out(d, 0), fwd1) == []
    owners = {p: [q["lcore"] for q in hp.port(report, p)["rxq"]] for p in ("p0", "p1")}
    assert owners == {"p0": [1], "p1": [2]}, owners
    w1, w2 = worker(report, 1), worker(report, 2)
    assert (w1["rx_packets"], w2["rx_packets"]) == (len(in0), len(in1)), (w1, w2)
    assert (w1["tx_packets"], w2["tx_packets"]) == (len(fwd0), len(fwd1)), (w1, w2)
    assert w1["drops"]["acl_deny"] == 7 and w2["drops"]["acl_deny"] == 3, (w1["drops"], w2["drops"])
    for key in ("rx_packets", "tx_packets"):
        assert report[key] == w1[key] + w2[key], (key, report[key], w1[key], w2[key])
    for reason, n in report["drops"].items():
        assert n == w1["drops"][reason] + w2["drops"][reason], (reason, n)
    assert {k: v for k, v in report["drops"].items() if v} == {"acl_deny": 10}, report["drops"]
    # the ACL's hit counts are the sum over both workers
    assert [r["packets"] for r in report["acl"]] == [10, 20, 10], report["acl"]
    p0, p1 = hp.port(report, "p0"), hp.port(report, "p1")
    assert (p0["rx_packets"], p1["tx_packets"], p1["rx_packets"], p0["tx_packets"]) == \
        (len(in0), len(fwd0), len(in1), len(fwd1)), (p0, p1)


def test_two_workers_neighbour_resolution(d):
    """Packets that worker 1 receives on p0 for an unresolved host on p1 are held; the answer
    arrives on p1, worker 2's port; the held packets then leave with the learned MAC, and the
    traffic to the resolved gateway never stopped. p1's input is a FIFO written only once the
    packets are held: the order is the test's, not the scheduler's."""
    m77 = "02:00:00:00:01:77"
    held = [udp4("10.0.1.77", sport=100 + i) for i in range(5)]
    flowing = [udp4("198.18.0.%d" % (i + 1), sport=200 + i) for i in range(50)]
    in0 = held[:2] + flowing[:25] + held[2:] + flowing[25:]
    hp.write_pcap(os.path.join(d, "in0.pcap"), in0)
    fifo = os.path.join(d, "in1.pcap")
    os.mkfifo(fifo)
    answer = pad60(Ether(dst=P1_MAC, src=m77) / ARP(op=2, hwsrc=m77, psrc="10.0.1.77", hwdst=P1_MAC, pdst="10.0.1.1"))
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    # the daemon opens the FIFO at start and reads its header: a writer must be there
    writer = {}
    opener = threading.Thread(target=lambda: writer.setdefault("f", open(fifo, "wb", buffering=0)))
    opener.start()
    eal = hp.eal_args("hp-it-%d-2wn" % os.getpid(), lcores=TWO_WORKER_LCORES)
    dmn = hp.Daemon(BIN, d, two_worker_config(d), eal=eal)
    try:
        # the header first (its open blocks until the daemon opens the FIFO, in start())
        feeder = threading.Thread(target=lambda: (opener.join(), writer["f"].write(header)))
        feeder.start()
        with dmn:
            feeder.join()
            hp.wait_stats(dmn, lambda st: st["rx_packets"] == len(in0) and st["slowpath"]["held"] >= 5 and
                          st["slowpath"]["solicits"] >= 1, "5 packets held and 10.0.1.77 asked for")
            f = writer.pop("f")
            f.write(struct.pack("<IIII", 0, 0, len(answer), len(answer)) + answer)
            f.close()   # EOF: p1's input ends
            hp.wait_stats(dmn, lambda st: st["slowpath"]["released"] >= 5 and st["tx_packets"] >= 56,
                          "the held packets released")
            rc, _, report = dmn.stop()
    finally:
        opener.join(5)
        if "f" in writer:
            writer["f"].close()
    assert rc == 0, dmn.stderr()
    hp.check_mempools_full(report)
    req = pad60(Ether(dst="ff:ff:ff:ff:ff:ff", src=P1_MAC) /
                ARP(op=1, hwsrc=P1_MAC, psrc="10.0.1.1", hwdst="00:00:00:00:00:00", pdst="10.0.1.77"))
    a, b = port_out(d, 1)
    out = a + b
    # the flowing traffic: worker 1's, in order, on its own queue, none held
    mine = a if routed(flowing[0], GW2, P1_MAC) in a else b
    assert [f for f in mine if Ether(f).dst == GW2] == [routed(f, GW2, P1_MAC) for f in flowing]
    # the held packets: each exactly once, with the answered MAC
    got77 = sorted(f for f in out if Ether(f).dst == m77)
    assert got77 == sorted(routed(f, m77, P1_MAC) for f in held), [Ether(f).summary() for f in got77]
    reqs = [f for f in out if f == req]
    assert reqs and len(out) == len(flowing) + len(held) + len(reqs), [Ether(f).summary() for f in out]
    s = report["slowpath"]
    assert s["held"] == 5 and s["released"] == 5 and s["neigh_failed"] == 0, s
    assert sum(worker(report, 1)["drops"].values()) == 0, worker(report, 1)["drops"]


def test_two_workers_acl_and_neighbours_live(d):
    """Both ports replay forever, one worker each. An ACL rule added over the control socket stops
    both workers' traffic (each counts its own denies), its deletion lets both flow again; a
    neighbour deleted and re-added live stops and restarts the worker that sends to it."""
    import socket as so
    write_inputs(d, [udp4("198.18.0.5", sport=9, dport=5005)], [from_p1("100.64.0.5", sport=9, dport=5005)])
    eal = hp.eal_args("hp-it-%d-2wl" % os.getpid(), lcores=TWO_WORKER_LCORES)
    with hp.Daemon(BIN, d, two_worker_config(d, finite=False), eal=eal) as dmn:
        s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
        s.settimeout(60)
        s.connect(dmn.socket_path())
        buf = [b""]

        def req(cmd, args=None):
            s.sendall(json.dumps({"id": 1, "cmd": cmd, "args": args or {}}).encode() + b"\n")
            while b"\n" not in buf[0]:
                buf[0] += s.recv(65536)
            line, buf[0] = buf[0].split(b"\n", 1)
            r = json.loads(line)
            assert r["ok"], (cmd, args, r)
            return r["result"]

        def per_worker(key):
            return {w["lcore"]: (w[key] if key != "acl_deny" else w["drops"]["acl_deny"]) for w in req("worker.show")}

        def both_grow(key, by=100):
            a = per_worker(key)
            return hp.wait_until("%s grows on both workers" % key,
                                 lambda: all(v - a[k] > by for k, v in per_worker(key).items()))

        def neither_grows(key, seconds=0.5, by=100):
            a = per_worker(key)
            time.sleep(seconds)
            b = per_worker(key)
            return all(b[k] - a[k] <= by for k in a), (a, b)

        assert sorted(per_worker("rx_packets")) == [1, 2]
        both_grow("tx_packets")
        # one rule for both directions' flows: both workers see it at once
        idx = req("acl.add", {"priority": 1, "proto": "udp", "dport": "5005", "action": "deny"})["index"]
        ok, seen = neither_grows("tx_packets")
        assert ok, "a worker kept forwarding past a deny rule: %s" % (seen,)
        both_grow("acl_deny")
        req("acl.del", {"index": idx})
        both_grow("tx_packets")
        # the neighbour worker 1 sends to: forgotten (its traffic waits for ARP on p1), then re-added
        req("neigh.del", {"ip": "10.0.1.2", "port": "p1"})
        a = per_worker("tx_packets")
        time.sleep(0.5)
        b = per_worker("tx_packets")
        assert b[1] - a[1] <= 100, "worker 1 kept sending to a forgotten neighbour: %s -> %s" % (a, b)
        hp.wait_until("worker 2 keeps forwarding", lambda: per_worker("tx_packets")[2] - b[2] > 100)
        req("neigh.add", {"ip": "10.0.1.2", "mac": GW3, "port": "p1"})
        both_grow("tx_packets")
        s.close()
        rc, _, report = dmn.stop()
    assert rc == 0, dmn.stderr()
    hp.check_mempools_full(report)
    w1, w2 = worker(report, 1), worker(report, 2)
    assert w1["drops"]["acl_deny"] > 100 and w2["drops"]["acl_deny"] > 100, (w1["drops"], w2["drops"])
    for key in ("rx_packets", "tx_packets"):
        assert report[key] == w1[key] + w2[key], key


if __name__ == "__main__":
    hp.run([test_routes_acl_local_and_errors, test_ecmp_keeps_each_flow_on_one_path, test_policer_drops_red,
            test_icmp_rate_limit, test_neighbour_resolution_and_hold_queue, test_two_workers_route_both_ways,
            test_two_workers_neighbour_resolution, test_two_workers_acl_and_neighbours_live])
