#!/usr/bin/python3
"""Forwarding rules of mode: l3 on net_pcap ports (issue 12): martian sources and destinations
are never forwarded (each dropped by name) and no route can cover them; packets larger than the
egress port's mtu are fragmented (IPv4), or refused with ICMP fragmentation needed / ICMPv6
packet too big; the IPv6 ECMP hash uses every field of the 5-tuple. Every expected frame is
built here with scapy from the RFCs, never by hotpath code, and compared byte-exact."""
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6PacketTooBig,  # noqa: E402
                       IPv6, Raw, conf, defragment)

conf.verb = 0
BIN = hp.hotpathd_path()

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
HOST_MAC = "02:00:00:00:00:aa"
GW2, GW3 = "02:00:00:00:01:02", "02:00:00:00:01:03"
HOST4, HOST6 = "10.0.0.2", "2001:db8::2"
MTU1 = 1280  # p1's mtu; p0 keeps the default 1500

CONFIG = """\
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap,tx_pcap={d}/out0.pcap", mac: "{p0}",
      ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap={d}/out1.pcap", mac: "{p1}",
      ipv4: [10.0.1.1/24], ipv6: ["2001:db8:1::1/64"], mtu: {mtu1} }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw2}", port: p1 }}
  - {{ ip: 10.0.1.3, mac: "{gw3}", port: p1 }}
  - {{ ip: "2001:db8:1::2", mac: "{gw2}", port: p1 }}
  - {{ ip: "2001:db8:1::3", mac: "{gw3}", port: p1 }}
routes:
  - {{ prefix: 0.0.0.0/0, via: 10.0.1.2 }}
  - {{ prefix: "2000::/3", via: "2001:db8:1::2" }}
  - {{ prefix: "2001:db8:200::/48", via: ["2001:db8:1::2", "2001:db8:1::3"] }}
"""


def pad60(b):
    b = bytes(b)
    return b + bytes(60 - len(b)) if len(b) < 60 else b


def routed(frame, dmac, smac=P1_MAC):
    """What a router makes of frame: MACs rewritten, TTL/hop limit - 1, IPv4 checksum new."""
    f = Ether(frame)
    f.dst, f.src = dmac, smac
    if f.type == 0x0800:
        f[IP].ttl -= 1
        del f[IP].chksum
    else:
        f[IPv6].hlim -= 1
    return bytes(f)


def l3_of(frame):
    f = Ether(frame)
    if IP in f:
        return bytes(f[IP])[:f[IP].len]
    return bytes(f[IPv6])[:40 + f[IPv6].plen]


def v4(dst, src=HOST4, payload=b"", flags=0, proto=None, l4=None, **kw):
    ip = IP(src=src, dst=dst, flags=flags, **kw)
    if proto is not None:
        ip.proto = proto
    return pad60(Ether(dst=P0_MAC, src=HOST_MAC) / ip / (l4 if l4 is not None else UDP(sport=1234, dport=80)) /
                 Raw(payload))


def v6(dst, src=HOST6, payload=b"", l4=None, **kw):
    return pad60(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=src, dst=dst, **kw) /
                 (l4 if l4 is not None else UDP(sport=1234, dport=80)) / Raw(payload))


class Ctl:
    """One connection to the control socket."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf, self.n = b"", 0

    def req(self, cmd, args=None):
        self.n += 1
        msg = {"id": self.n, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.s.close()


def run(d, inp0, inp1=(), want_tx=0, want_rx=None, ctl=None, until=None):
    """hotpathd over the inputs until every input was received, want_tx frames sent and
    until(stats) holds, if given (polled, generous deadline); ctl(c) runs against its control
    socket meanwhile. Returns the report and what p0 and p1 sent."""
    hp.write_pcap(os.path.join(d, "in0.pcap"), [bytes(f) for f in inp0])
    hp.write_pcap(os.path.join(d, "in1.pcap"), [bytes(f) for f in inp1])
    cfg = CONFIG.format(d=d, p0=P0_MAC, p1=P1_MAC, gw2=GW2, gw3=GW3, mtu1=MTU1)
    want_rx = len(inp0) + len(inp1) if want_rx is None else want_rx
    with hp.Daemon(BIN, d, cfg, name="fwd") as dmn:
        c = Ctl(os.path.join(d, "fwd.sock"))
        deadline, st = time.time() + 30, {}
        while time.time() < deadline:
            st = c.req("stats")["result"]
            if st["rx_packets"] >= want_rx and st["tx_packets"] >= want_tx and (until is None or until(st)):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("hotpathd received %s of %d and sent %s of %d frames" % (
                st.get("rx_packets"), want_rx, st.get("tx_packets"), want_tx))
        if ctl is not None:
            ctl(c)
        c.close()
        rc, _, report = dmn.stop()
    assert rc == 0, "exit %d: %s" % (rc, dmn.stderr())
    hp.check_mempools_full(report)
    return report, hp.read_pcap(os.path.join(d, "out0.pcap")), hp.read_pcap(os.path.join(d, "out1.pcap"))


def same(name, got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise AssertionError("%s frame %d differs:\n got  %s\n want %s\n got  %s\n want %s" % (
                name, i, Ether(g).summary(), Ether(w).summary(), g.hex(), w.hex()))
    assert len(got) == len(want), "%s: %d frames out, %d expected" % (name, len(got), len(want))


def drops_of(report):
    return {k: v for k, v in report["drops"].items() if v}


# ---- martians (RFC 1812 5.3.7, RFC 4291 2.5) ----

def test_martians_never_forwarded(d):
    """Each martian, over a default route that would otherwise forward it, dropped by its own name."""
    echo4 = ICMP(type=8, id=1, seq=1)
    cases = [
        (v4("0.1.2.3"), "ipv4_dst_this_net"),
        (v4("127.0.0.1"), "ipv4_dst_loopback"),
        (v4("224.1.2.3"), "ipv4_dst_multicast"),
        (v4("239.255.255.250", l4=TCP(dport=80)), "ipv4_dst_multicast"),
        (v4("240.0.0.1"), "ipv4_dst_reserved"),
        (v4("255.255.255.255"), "ipv4_dst_broadcast"),
        (v4("10.0.1.255"), "ipv4_directed_broadcast"),  # p1's subnet broadcast
        (v4("198.18.0.1", src="0.0.0.0"), "ipv4_src_this_net"),
        (v4("198.18.0.1", src="0.9.9.9", l4=echo4), "ipv4_src_this_net"),  # not the plain fast case
        (v6("::1"), "ipv6_dst_loopback"),
        (v6("::"), "ipv6_dst_unspecified"),
        (v6("fe80::5"), "ipv6_dst_link_local"),
        (v6("febf::5", l4=TCP()), "ipv6_dst_link_local"),
        (v6("2001:db8:100::5", src="::"), "ipv6_src_unspecified"),
        (v6("2001:db8:100::5", src="fe80::aa"), "ipv6_src_link_local"),
        (v6("2001:db8:100::5", src="fe80::aa", l4=ICMPv6EchoRequest()), "ipv6_src_link_local"),
    ]
    # what stays allowed: a 0.0.0.0 source to us (local business, e.g. a DHCP-style request),
    # a link-local source to our link-local address, and ordinary traffic around the martians
    local = [v4("10.0.0.1", src="0.0.0.0", l4=UDP(sport=68, dport=67)),
             v6("fe80::ff:fe00:1", src="fe80::aa", l4=ICMPv6EchoRequest(id=1, seq=1))]
    fwd4 = [v4("1.2.3.4"), v4("126.255.255.255"), v4("128.0.0.1"), v4("223.255.255.255")]
    fwd6 = [v6("2001:db8:100::5"), v6("2001:db8:ffff::1"), v6("3fff::1")]
    inp = [f for f, _ in cases] + local + fwd4 + fwd6
    want = {}
    for _, why in cases:
        want[why] = want.get(why, 0) + 1
    report, out0, out1 = run(d, inp, want_tx=len(fwd4) + len(fwd6))
    assert drops_of(report) == want, "drops %s, expected %s" % (drops_of(report), want)
    same("p1", out1, [routed(f, GW2) for f in fwd4 + fwd6])
    assert report["slowpath"]["punted"]["local"] >= len(local), report["slowpath"]


def test_routes_cannot_cover_martians(d):
    """route.add refuses a route inside (or on) a built-in martian or a subnet broadcast, with a
    message naming it; routes around them are taken; a config file is refused the same way."""
    refused = {
        "127.0.0.0/8": "127.0.0.0/8", "127.1.0.0/16": "127.0.0.0/8", "0.0.0.0/8": "0.0.0.0/8",
        "224.0.0.0/4": "224.0.0.0/4", "232.1.1.0/24": "224.0.0.0/4", "240.0.0.0/5": "240.0.0.0/4",
        "255.255.255.255/32": "255.255.255.255/32", "::1/128": "::1/128", "::/128": "::/128",
        "fe80::/10": "fe80::/10", "fe80::/64": "fe80::/10", "fe80::1/128": "fe80::/10",
    }
    got = {}

    def ctl(c):
        for prefix in refused:
            via = "10.0.1.3" if ":" not in prefix else "2001:db8:1::3"
            r = c.req("route.add", {"prefix": prefix, "via": [via]})
            assert r["ok"] is False, (prefix, r)
            got[prefix] = r["error"]["message"]
        r = c.req("route.add", {"prefix": "10.0.1.255/32", "via": ["10.0.1.3"]})
        assert r["ok"] is False and "broadcast" in r["error"]["message"], r
        for prefix in ("0.0.0.0/4", "192.0.0.0/2", "126.0.0.0/8", "::/127", "fe00::/9", "2001:db8:300::/48"):
            via = "10.0.1.3" if ":" not in prefix else "2001:db8:1::3"
            r = c.req("route.add", {"prefix": prefix, "via": [via]})
            assert r["ok"] is True, (prefix, r)
        # a route over the martians changes nothing for them
        for prefix in ("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"):
            via = "10.0.1.3" if ":" not in prefix else "2001:db8:1::3"
            assert c.req("route.add", {"prefix": prefix, "via": [via]})["ok"] is True

    run(d, [], ctl=ctl)
    for prefix, builtin in refused.items():
        assert "built-in %s" % builtin in got[prefix], (prefix, got[prefix])
    # the same from the file: hotpathd check refuses it with the line
    cfg = os.path.join(d, "bad.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(d=d, p0=P0_MAC, p1=P1_MAC, gw2=GW2, gw3=GW3, mtu1=MTU1) +
                "  - { prefix: 127.0.0.0/16, via: 10.0.1.2 }\n")
    p = subprocess.run([BIN, "-c", cfg, "--check"], capture_output=True, text=True)
    assert p.returncode != 0 and "127.0.0.0/8" in p.stderr and "bad.yaml:" in p.stderr, (p.returncode, p.stderr)


# ---- MTU (RFC 791, RFC 1191, RFC 8201) ----

def frag_needed(offending, mtu):
    quote = l3_of(offending)[:576 - 28]
    return pad60(Ether(dst=HOST_MAC, src=P0_MAC) / IP(src="10.0.0.1", dst=HOST4, ttl=64, id=0, tos=0) /
                 ICMP(type=3, code=4, nexthopmtu=mtu) / Raw(quote))


def too_big6(offending, mtu):
    quote = l3_of(offending)[:1280 - 48]
    return bytes(Ether(dst=HOST_MAC, src=P0_MAC) / IPv6(src="2001:db8::1", dst=HOST6, hlim=64) /
                 ICMPv6PacketTooBig(mtu=mtu) / Raw(quote))


def fragments(frame, mtu, dmac=GW2):
    """RFC 791 fragmentation of frame's datagram as a router sends it: TTL - 1, data in 8-byte
    multiples, MF on all but the last, only copied options after the first fragment."""
    ip = Ether(frame)[IP]
    raw = bytes(ip)[:ip.len]
    hlen = ip.ihl * 4
    opts, later, i = raw[20:hlen], b"", 0
    while i < len(opts):
        t = opts[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        if t & 0x80:
            later += opts[i:i + opts[i + 1]]
        i += opts[i + 1]
    later += bytes(-len(later) % 4)
    data, out, off = raw[hlen:], [], 0
    while off < len(data):
        o = opts if off == 0 else later
        n = len(data) - off
        if 20 + len(o) + n > mtu:
            n = (mtu - 20 - len(o)) & ~7
        last = off + n >= len(data) and not ip.flags.MF  # a non-last fragment's last piece keeps MF
        f = IP(bytes(ip)[:20] + o)
        f.ihl, f.len, f.ttl = (20 + len(o)) // 4, 20 + len(o) + n, ip.ttl - 1
        f.flags, f.frag = ("MF" if not last else 0), ip.frag + off // 8
        del f.chksum
        out.append(pad60(Ether(dst=dmac, src=P1_MAC) / IP(bytes(f) + data[off:off + n])))
        off += n
    return out


def test_mtu_fragments_and_icmp(d):
    """p1's mtu is 1280: up to 1280 bytes of IP pass; IPv4 with DF gets ICMP 3/4 with the
    next-hop MTU; IPv4 without DF is fragmented; IPv6 gets Packet Too Big; bytes past a
    datagram's end that make the frame too long are cut off."""
    fits4, fits6 = v4("198.18.0.1", payload=bytes(1280 - 28)), v6("2001:db8:100::1", payload=bytes(1280 - 48))
    df = v4("198.18.0.2", payload=bytes(1281 - 28), flags="DF", id=77)
    big6 = v6("2001:db8:100::2", payload=bytes(1400))
    # what arrives fits p0's 1500 bytes
    nodf = v4("198.18.0.3", payload=(bytes(range(256)) * 6)[:1500 - 28], id=4242)
    # options: Stream ID (136, copied) and Record Route (7, not copied): 12 bytes, later ones 4
    opts = v4("198.18.0.4", payload=(bytes(range(200)) * 8)[:1500 - 32 - 8], id=9,
              options=b"\x88\x04\x12\x34\x07\x07\x04" + bytes(5), l4=ICMP(type=8, id=3, seq=4))
    frag_in = Ether(v4("198.18.0.5", payload=bytes(1400), id=5, flags="MF"))  # itself a non-last fragment
    frag_in[IP].frag = 100
    del frag_in[IP].chksum
    frag_in = bytes(frag_in)
    # a 1000-byte datagram in a 1400-byte frame: trailing bytes cut, the datagram forwarded
    # (a frame past p0's own MTU would not fit an mbuf: the port refuses it)
    trail_ip = IP(src=HOST4, dst="198.18.0.6", id=6) / UDP(sport=5, dport=6) / Raw(bytes(1000 - 28))
    trail = bytes(Ether(dst=P0_MAC, src=HOST_MAC) / trail_ip) + b"\xee" * 400
    inp = [fits4, fits6, df, big6, nodf, opts, frag_in, trail]
    want1 = [routed(fits4, GW2), routed(fits6, GW2)] + fragments(nodf, MTU1) + fragments(opts, MTU1) + \
        fragments(frag_in, MTU1) + [routed(bytes(Ether(dst=P0_MAC, src=HOST_MAC) / trail_ip), GW2)]
    want0 = [frag_needed(df, MTU1), too_big6(big6, MTU1)]
    report, out0, out1 = run(d, inp, want_tx=len(want0) + len(want1))
    same("p1", out1, want1)
    same("p0", out0, want0)
    # each fragment's checksum is right, and they reassemble to the datagram as forwarded
    for orig in (nodf, opts):
        want = Ether(routed(orig, GW2))[IP]
        frs = [IP(bytes(Ether(f)[IP])[:Ether(f)[IP].len]) for f in out1 if IP in Ether(f) and Ether(f)[IP].id == want.id]
        assert len(frs) >= 2, [f.summary() for f in frs]
        for f in frs:
            g = f.copy()
            del g.chksum
            assert IP(bytes(g)).chksum == f.chksum, "fragment checksum"
        whole = defragment(frs)
        assert len(whole) == 1, whole
        assert bytes(whole[0][IP].payload) == bytes(want.payload)
    s = report["slowpath"]
    assert s["punted"]["mtu"] == 6, s
    assert s["fragmented"] == 3 and s["fragments"] == 2 + 2 + 2, s
    assert s["too_big"] == 2 and s["icmp_errors"] == 2, s
    assert drops_of(report) == {}, drops_of(report)


def test_mtu_errors_share_the_rate_limit(d):
    """Frag-needed answers go through the ICMP token bucket: every one is sent or counted."""
    inp = [v4("198.18.1.%d" % (i % 250 + 1), payload=bytes(1300), flags="DF") for i in range(400)]

    def settled(st):  # the slow path has decided every packet, and what it answered was sent
        s, lost = st.get("slowpath", {}), st.get("drops", {}).get("punt_ring_full", 0)
        return (s.get("too_big", 0) + s.get("ratelimited", 0) + lost == 400 and
                st["tx_packets"] >= s.get("too_big", 0))
    report, out0, out1 = run(d, inp, until=settled)
    s = report["slowpath"]
    assert out1 == []
    assert len(out0) == s["too_big"] and s["too_big"] >= 1, s
    lost = report["drops"].get("punt_ring_full", 0)
    assert s["too_big"] + s["ratelimited"] + lost == 400, (s, lost)
    assert all(Ether(f)[ICMP].type == 3 and Ether(f)[ICMP].code == 4 and Ether(f)[ICMP].nexthopmtu == MTU1
               for f in out0)


# ---- IPv6 ECMP hash inputs ----

def test_ecmp6_hash_inputs(d):
    """IPv6 flows that differ in one field only (source, destination, source port, destination
    port, protocol) spread over both next hops; every flow stays on one."""
    base = dict(src=HOST6, dst="2001:db8:200::1", sport=1000, dport=53, nh=17)
    variants = {
        "src": [dict(base, src="2001:db8::%x" % (i + 2)) for i in range(32)],
        "dst": [dict(base, dst="2001:db8:200::%x" % (i + 2)) for i in range(32)],
        "sport": [dict(base, sport=2000 + i) for i in range(32)],
        "dport": [dict(base, dport=3000 + i) for i in range(32)],
        "proto": [dict(base, nh=p) for p in (6, 17, 132, 47, 50, 4, 41, 103, 112, 115, 136, 137, 253, 254)],
    }

    def frame(f):
        if f["nh"] in (6, 17, 132):
            l4 = {6: TCP, 17: UDP}.get(f["nh"])
            payload = (bytes(l4(sport=f["sport"], dport=f["dport"])) if l4 else
                       f["sport"].to_bytes(2, "big") + f["dport"].to_bytes(2, "big") + bytes(8))
        else:
            payload = bytes(16)
        return bytes(Ether(dst=P0_MAC, src=HOST_MAC) / IPv6(src=f["src"], dst=f["dst"], nh=f["nh"]) / Raw(payload))

    frames, field_of = [], []
    for rep in range(3):
        for field, flows in variants.items():
            for f in flows:
                frames.append(frame(f))
                field_of.append(field)
    report, out0, out1 = run(d, frames, want_tx=len(frames))
    assert out0 == [] and len(out1) == len(frames), (len(out0), len(out1))
    path, used = {}, {}
    for f_in, f_out, field in zip(frames, out1, field_of):
        e = Ether(f_out)
        assert e.dst in (GW2, GW3), e.dst
        assert f_out == routed(f_in, e.dst), "frame changed beyond the rewrite"
        assert path.setdefault(f_in, e.dst) == e.dst, "a flow moved between next hops (%s)" % field
        used.setdefault(field, set()).add(e.dst)
    for field in variants:
        assert used[field] == {GW2, GW3}, "flows differing only in %s all took %s" % (field, used[field])


if __name__ == "__main__":
    hp.run([test_martians_never_forwarded, test_routes_cannot_cover_martians, test_mtu_fragments_and_icmp,
            test_mtu_errors_share_the_rate_limit, test_ecmp6_hash_inputs])
