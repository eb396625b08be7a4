#!/usr/bin/python3
"""Connection tracking and NAT44 (issue 15) scenario by scenario, every frame built here with scapy.

The rig: hotpathd's p0 (inside, 10.0.0.1/24) and p1 (outside, 198.51.100.1/24) on net_af_packet
over two veth pairs; a raw socket on each far end plays every host of that side. A scenario sends
one frame, waits for it to leave by the other port (or for its drop to be counted), then sends the
answer: the order of the two directions is the test's, as it must be for a state machine (two
pcaps read at once could not give it). What comes out is compared byte for byte with a frame
scapy builds from the rules (MACs, TTL - 1, the translated addresses, ports and ICMP ids, every
checksum computed from scratch, the quoted packet of an ICMP error as the host sent it); drops are
counted by reason (acl_deny, nat_exhausted); the TCP states come from conntrack.show, the counters
by state and by invalid reason from conntrack.stats. At the end every frame hotpathd sent must
have been one the scenario expected, and every mbuf is back in its pool.

The rules (acl_default deny):
    invalid                      -> deny   (rule 0: its hits are the invalid packets)
    established, related         -> permit
    new from 10.0.0.0/24, 2001:db8::/64 -> permit
    new to 10.0.0.5 tcp/80 (the port forward's target, as the ACL sees it after DNAT) -> permit
    snat out p1 src 10.0.0.0/25 to 203.0.113.10 ports 40000-40003   (10.0.0.130 is not translated)
    dnat in p1 203.0.113.10 tcp/8080 -> 10.0.0.5:80, and udp/40002 (inside the pool's range) -> 10.0.0.5:53
    new to 10.0.0.5 udp/53 -> permit
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import vethrig  # noqa: E402

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,  # noqa: E402
                       NoPayload, Raw, conf)

conf.verb = 0
DEADLINE = 30.0

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
HOST, HOST_MAC = "10.0.0.2", "02:00:00:00:00:02"          # behind SNAT
SRV, SRV_MAC = "10.0.0.5", "02:00:00:00:00:05"            # the port forward's target
PLAIN, PLAIN_MAC = "10.0.0.130", "02:00:00:00:00:82"      # inside, not translated
PLAIN6 = "2001:db8::130"
OUT, OUT_MAC = "198.51.100.2", "02:00:00:00:01:02"        # a host outside
OUT6 = "2001:db8:1::2"
RTR, RTR_MAC = "198.51.100.7", "02:00:00:00:01:07"        # a router outside (ICMP errors)
POOL = "203.0.113.10"
PORTS = range(40000, 40004)

CONFIG = """\
ports:
  - {{ name: p0, device: "net_af_packet0,iface={a0}", mac: "{p0}", ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_af_packet1,iface={a1}", mac: "{p1}", ipv4: [198.51.100.1/24],
      ipv6: ["2001:db8:1::1/64"] }}
neighbors:
  - {{ ip: {host}, mac: "{host_mac}", port: p0 }}
  - {{ ip: {srv}, mac: "{srv_mac}", port: p0 }}
  - {{ ip: {plain}, mac: "{plain_mac}", port: p0 }}
  - {{ ip: "{plain6}", mac: "{plain_mac}", port: p0 }}
  - {{ ip: {out}, mac: "{out_mac}", port: p1 }}
  - {{ ip: "{out6}", mac: "{out_mac}", port: p1 }}
  - {{ ip: {rtr}, mac: "{rtr_mac}", port: p1 }}
conntrack: {ct}
acl_default: deny
acl:
  - {{ priority: 5, state: invalid, action: deny }}
  - {{ priority: 10, state: [established, related], action: permit }}
  - {{ priority: 20, src: 10.0.0.0/24, state: new, action: permit }}
  - {{ priority: 20, src: "2001:db8::/64", state: new, action: permit }}
  - {{ priority: 30, dst: 10.0.0.5/32, proto: tcp, dport: 80, state: new, action: permit }}
  - {{ priority: 30, dst: 10.0.0.5/32, proto: udp, dport: 53, state: new, action: permit }}
nat:
  - {{ type: snat, out: p1, src: 10.0.0.0/25, to: [{pool}], ports: "40000-40003" }}
  - {{ type: dnat, in: p1, dst: {pool}, proto: tcp, dport: 8080, to: "{srv}:80" }}
  - {{ type: dnat, in: p1, dst: {pool}, proto: udp, dport: 40002, to: "{srv}:53" }}
"""


# ---- the rig ----

class Rig(vethrig.VethRig):
    """The rules above between p0 (inside) and p1 (outside)."""

    def __init__(self, d, name, ct="{ max: 4096 }"):
        super().__init__(d, name, lambda a0, a1: CONFIG.format(
            a0=a0, a1=a1, p0=P0_MAC, p1=P1_MAC, host=HOST, host_mac=HOST_MAC, srv=SRV, srv_mac=SRV_MAC,
            plain=PLAIN, plain_mac=PLAIN_MAC, plain6=PLAIN6, out=OUT, out_mac=OUT_MAC, out6=OUT6, rtr=RTR,
            rtr_mac=RTR_MAC, pool=POOL, ct=ct))


def scenario(fn, ct="{ max: 4096 }"):
    """A test: fn(rig) runs against a fresh daemon (its conntrack: section ct); the report is checked after."""
    if not callable(fn):
        return lambda f: scenario(f, fn)
    def test(d):
        with Rig(d, fn.__name__[:20], ct) as rig:
            fn(rig)
            if rig.report is None:
                rig.stop()
    test.__name__ = fn.__name__
    return test


# ---- frames and what a router makes of them ----

def ip_bytes(frame):
    """Ethernet header + the IP datagram (no Ethernet padding)."""
    e = Ether(frame)
    n = e[IP].len if IP in e else 40 + e[IPv6].plen
    return bytes(frame)[:14 + n]


def same(what, got, exp):
    g, x = ip_bytes(got), ip_bytes(exp)
    if g != x:
        raise AssertionError("%s: not the frame expected\n got: %s\n     %s\n want: %s\n     %s" % (
            what, Ether(got).summary(), g.hex(), Ether(exp).summary(), x.hex()))
    check_checksums(what, got)


def outer(p):
    """Ethernet, the IP header and the transport header of p: never into what a tunnel carries or
    an ICMP error quotes."""
    l3 = False
    while p is not None and not isinstance(p, NoPayload):
        yield p
        if l3 and not type(p).__name__.startswith("IPv6ExtHdr"):
            return
        l3 = l3 or type(p) in (IP, IPv6)
        p = p.payload


def check_checksums(what, frame):
    """Every checksum of the outer packet as scapy computes it from scratch."""
    e = Ether(ip_bytes(frame))
    ref = Ether(ip_bytes(frame))
    for layer in outer(ref):
        if type(layer) in (IP, TCP, ICMP) or (type(layer) is UDP and layer.chksum != 0):
            layer.chksum = None
        elif "cksum" in [f.name for f in layer.fields_desc]:
            layer.cksum = None
    want = bytes(Ether(bytes(ref)))
    assert want == bytes(e), "%s: a checksum is wrong:\n got  %s\n want %s" % (what, bytes(e).hex(), want.hex())


def routed(frame, dmac, smac, src=None, dst=None, sport=None, dport=None, icmp_id=None):
    """What hotpathd must send for frame: MACs, TTL - 1, the given fields translated, checksums new."""
    e = Ether(frame)
    e.dst, e.src = dmac, smac
    for layer in outer(e):
        t = type(layer)
        if t is IP:
            layer.ttl -= 1
            layer.src = src or layer.src
            layer.dst = dst or layer.dst
            layer.chksum = None
        elif t is IPv6:
            layer.hlim -= 1
        elif t in (TCP, UDP):
            layer.sport = layer.sport if sport is None else sport
            layer.dport = layer.dport if dport is None else dport
            if not (t is UDP and layer.chksum == 0):
                layer.chksum = None
        elif t is ICMP:
            layer.id = layer.id if icmp_id is None else icmp_id
            layer.chksum = None
    return bytes(e)


def tcp(src, dst, sport, dport, flags, seq=1000, ack=0, data=b"", smac=None, dmac=None, v6=False):
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst, id=seq & 0xffff)
    p = l3 / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=8192)
    if data:
        p = p / Raw(data)
    return bytes(Ether(src=smac, dst=dmac) / p)


def inside(src, smac, dst, l4, v6=False):
    """A frame from an inside host to p0."""
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    return bytes(Ether(src=smac, dst=P0_MAC) / l3 / l4)


def outside(src, dst, l4, v6=False, smac=OUT_MAC):
    l3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
    return bytes(Ether(src=smac, dst=P1_MAC) / l3 / l4)


def ct_show(rig):
    r = rig.ctl("conntrack.show")
    return r.get("connections", r) if isinstance(r, dict) else r


def ct_find(rig, proto, addr, port):
    """The connections conntrack.show lists with proto and addr:port (port or ICMP id) as the
    source or the destination of one of their two tuples."""
    out = []
    for c in ct_show(rig):
        if c.get("proto") != proto:
            continue
        for t in (c["orig"], c["reply"]):
            if ((t["src"] == addr and t.get("sport", t.get("id")) == port) or
                    (t["dst"] == addr and t.get("dport", t.get("id")) == port)):
                out.append(c)
                break
    return out


def ct_state(rig, proto, addr, port):
    found = ct_find(rig, proto, addr, port)
    assert len(found) <= 1, "two connections with %s %s:%d: %s" % (proto, addr, port, found)
    return found[0].get("state") if found else None


def wait_state(rig, proto, addr, port, state):
    hp.wait_until("%s %s:%d in %s" % (proto, addr, port, state),
                  lambda: ct_state(rig, proto, addr, port) == state, DEADLINE)


def ct_stats(rig):
    return rig.ctl("conntrack.stats")


def counter(stats, *path):
    v = stats
    for k in path:
        v = v.get(k, 0) if isinstance(v, dict) else 0
    return v


class Tcp:
    """One TCP conversation between a (possibly translated) client and a server: sequence
    numbers kept here, each segment sent and checked on the far side."""

    def __init__(self, rig, c, s, what):
        self.rig, self.c, self.s, self.what = rig, c, s, what
        self.cseq, self.sseq = 1000, 5000

    def c2s(self, flags, data=b"", expect=True):
        """A segment from the client; returns what left (or None when expect is false)."""
        c, s = self.c, self.s
        f = tcp(c["ip"], c["dst"], c["port"], c["dport"], flags, self.cseq, self.sseq if "A" in flags else 0, data,
                smac=c["mac"], dmac=c["to_mac"], v6=c.get("v6", False))
        if "S" in flags or "F" in flags:
            self.cseq += 1
        self.cseq += len(data)
        if not expect:
            return f
        got = self.rig.through(c["in"], f, s["in"], "%s %s c->s" % (self.what, flags))
        return got, f

    def s2c(self, flags, data=b"", expect=True):
        c, s = self.c, self.s
        f = tcp(s["ip"], s["dst"], s["port"], s["dport"], flags, self.sseq, self.cseq if "A" in flags else 0, data,
                smac=s["mac"], dmac=s["to_mac"], v6=c.get("v6", False))
        if "S" in flags or "F" in flags:
            self.sseq += 1
        self.sseq += len(data)
        if not expect:
            return f
        got = self.rig.through(s["in"], f, c["in"], "%s %s s->c" % (self.what, flags))
        return got, f


def plain_tcp(rig, cport, v6=False):
    """A conversation PLAIN:cport <-> OUT:80, not translated, checked frame by frame."""
    src, dst = (PLAIN6, OUT6) if v6 else (PLAIN, OUT)
    t = Tcp(rig, {"ip": src, "dst": dst, "port": cport, "dport": 80, "mac": PLAIN_MAC, "to_mac": P0_MAC, "in": 0,
                  "v6": v6},
            {"ip": dst, "dst": src, "port": 80, "dport": cport, "mac": OUT_MAC, "to_mac": P1_MAC, "in": 1}, "tcp")

    def c2s(flags, data=b""):
        got, f = t.c2s(flags, data)
        same("%s from the client" % flags, got, routed(f, OUT_MAC, P1_MAC))

    def s2c(flags, data=b""):
        got, f = t.s2c(flags, data)
        same("%s from the server" % flags, got, routed(f, PLAIN_MAC, P0_MAC))
    t.C, t.S = c2s, s2c
    return t


def handshake(rig, t, addr, port):
    t.C("S")
    wait_state(rig, "tcp", addr, port, "syn_sent")
    t.S("SA")
    wait_state(rig, "tcp", addr, port, "syn_recv")
    t.C("A")
    wait_state(rig, "tcp", addr, port, "established")


# ---- conntrack without NAT ----

@scenario
def test_tcp_handshake(rig):
    """SYN, SYN/ACK, ACK and data both ways pass untranslated, the state moving syn_sent ->
    syn_recv -> established; a SYN from outside to the same host is refused (outside cannot
    open a connection inward); the counters say new and established."""
    t = plain_tcp(rig, 33001)
    handshake(rig, t, PLAIN, 33001)
    t.C("PA", b"GET / HTTP/1.0\r\n\r\n")
    t.S("PA", b"HTTP/1.0 200 OK\r\n\r\nhello")
    t.C("A")
    wait_state(rig, "tcp", PLAIN, 33001, "established")
    rig.dropped(1, outside(OUT, PLAIN, TCP(sport=80, dport=33002, flags="S")), "acl_deny", "a SYN inward")
    st = ct_stats(rig)
    report = rig.stop()
    # the ACL saw: 1 new (the SYN), 5 established (everything after), 1 new refused (inward SYN)
    hits = [r["packets"] for r in report["acl"]]
    assert hits[:3] == [0, 5, 1], report["acl"]
    assert counter(st, "packets", "new") >= 2 and counter(st, "packets", "established") >= 5, st
    # the three segments once established (data both ways, the last ACK) took the established
    # fast path, and its hits count on the same rule as the general path's
    assert counter(st, "fast_path") == 3, st


@scenario
def test_tcp_close(rig):
    """FIN from the client, ACK, FIN from the server, last ACK: fin_wait, close_wait, last_ack,
    time_wait; a new SYN on the same tuple in time_wait reopens the connection (syn_sent)."""
    t = plain_tcp(rig, 33011)
    handshake(rig, t, PLAIN, 33011)
    t.C("FA")
    wait_state(rig, "tcp", PLAIN, 33011, "fin_wait")
    t.S("A")
    wait_state(rig, "tcp", PLAIN, 33011, "close_wait")
    t.S("FA")
    wait_state(rig, "tcp", PLAIN, 33011, "last_ack")
    t.C("A")
    wait_state(rig, "tcp", PLAIN, 33011, "time_wait")
    t.cseq += 100000
    t.C("S")
    wait_state(rig, "tcp", PLAIN, 33011, "syn_sent")
    rig.stop()


@scenario
def test_tcp_rst(rig):
    """An RST from the server closes an established connection (state close). An RST from the
    client before any answer deletes its connection at once: the server's late SYN/ACK then
    finds nothing and is refused like any packet opening inward."""
    t = plain_tcp(rig, 33021)
    handshake(rig, t, PLAIN, 33021)
    t.S("R")
    wait_state(rig, "tcp", PLAIN, 33021, "close")
    u = plain_tcp(rig, 33022)
    u.C("S")
    wait_state(rig, "tcp", PLAIN, 33022, "syn_sent")
    u.C("R")
    hp.wait_until("the reset connection gone", lambda: ct_state(rig, "tcp", PLAIN, 33022) is None, DEADLINE)
    # no connection: a SYN/ACK cannot open one (tcp_not_new): invalid, refused by rule 0
    rig.dropped(1, u.s2c("SA", expect=False), "acl_deny", "SYN/ACK after the reset")
    report = rig.stop()
    assert report["acl"][0]["packets"] == 1, report["acl"]


@scenario
def test_tcp_invalid(rig):
    """Out-of-state and malformed segments are `invalid`, each counted by its reason in
    conntrack.stats and refused by the `state: invalid` rule: SYN+FIN and FIN without ACK
    (tcp_flags), a SYN/ACK or an RST opening a flow (tcp_not_new), an ACK from the client before
    the SYN/ACK and a SYN/ACK from the client on an established connection (tcp_state), a data
    offset past the segment (tcp_header). The connection they hit is unchanged."""
    base = ct_stats(rig)
    inv = [
        (inside(PLAIN, PLAIN_MAC, OUT, TCP(sport=34001, dport=80, flags="SF")), "tcp_flags"),
        (inside(PLAIN, PLAIN_MAC, OUT, TCP(sport=34002, dport=80, flags="F")), "tcp_flags"),
        (inside(PLAIN, PLAIN_MAC, OUT, TCP(sport=34003, dport=80, flags="SA")), "tcp_not_new"),
        (inside(PLAIN, PLAIN_MAC, OUT, TCP(sport=34004, dport=80, flags="R")), "tcp_not_new"),
        (inside(PLAIN, PLAIN_MAC, OUT, TCP(sport=34005, dport=80, flags="A", dataofs=15)), "tcp_header"),
    ]
    for f, why in inv:
        rig.dropped(0, f, "acl_deny", why)
    t = plain_tcp(rig, 33031)
    t.C("S")
    rig.dropped(0, t.c2s("A", expect=False), "acl_deny", "ACK before the SYN/ACK")
    wait_state(rig, "tcp", PLAIN, 33031, "syn_sent")
    t.S("SA")
    t.C("A")
    wait_state(rig, "tcp", PLAIN, 33031, "established")
    rig.dropped(0, t.c2s("SA", expect=False), "acl_deny", "SYN/ACK from the client, established")
    wait_state(rig, "tcp", PLAIN, 33031, "established")
    t.C("PA", b"still fine")
    st = ct_stats(rig)
    want = {"tcp_flags": 2, "tcp_not_new": 2, "tcp_header": 1, "tcp_state": 2}
    got = {k: counter(st, "invalid", k) - counter(base, "invalid", k) for k in want}
    assert got == want, (got, st)
    report = rig.stop()
    assert report["acl"][0]["packets"] == 7, report["acl"]


@scenario
def test_udp(rig):
    """A UDP flow: new out, its answer established; a datagram from outside to another port of
    the same host is new and refused."""
    q = inside(PLAIN, PLAIN_MAC, OUT, UDP(sport=5353, dport=53) / Raw(b"query"))
    same("query", rig.through(0, q, 1, "udp query"), routed(q, OUT_MAC, P1_MAC))
    a = outside(OUT, PLAIN, UDP(sport=53, dport=5353) / Raw(b"answer"))
    same("answer", rig.through(1, a, 0, "udp answer"), routed(a, PLAIN_MAC, P0_MAC))
    rig.dropped(1, outside(OUT, PLAIN, UDP(sport=53, dport=5354) / Raw(b"x")), "acl_deny", "udp inward")
    assert ct_find(rig, "udp", PLAIN, 5353), ct_show(rig)
    report = rig.stop()
    assert [r["packets"] for r in report["acl"]][:3] == [0, 1, 1], report["acl"]


@scenario
def test_icmp_echo(rig):
    """An echo request opens a flow keyed on its identifier; the reply with that identifier
    passes, a reply with another identifier has no request (icmp_no_request) and is refused."""
    base = ct_stats(rig)
    req = inside(PLAIN, PLAIN_MAC, OUT, ICMP(type=8, id=0x4242, seq=1) / Raw(b"ping"))
    same("echo request", rig.through(0, req, 1, "echo request"), routed(req, OUT_MAC, P1_MAC))
    rep = outside(OUT, PLAIN, ICMP(type=0, id=0x4242, seq=1) / Raw(b"ping"))
    same("echo reply", rig.through(1, rep, 0, "echo reply"), routed(rep, PLAIN_MAC, P0_MAC))
    rig.dropped(1, outside(OUT, PLAIN, ICMP(type=0, id=0x4343, seq=1)), "acl_deny", "unsolicited echo reply")
    st = ct_stats(rig)
    assert counter(st, "invalid", "icmp_no_request") - counter(base, "invalid", "icmp_no_request") == 1, st
    rig.stop()


def icmp_error(src, dst, quoted, itype=3, code=3, smac=RTR_MAC):
    """An ICMP error from a router outside quoting the datagram `quoted` (bytes of its IP packet)."""
    return bytes(Ether(src=smac, dst=P1_MAC) / IP(src=src, dst=dst) / ICMP(type=itype, code=code) / Raw(quoted))


@scenario
def test_icmp_error_related(rig):
    """A port unreachable and a time exceeded quoting a tracked flow are `related`: they pass to
    the host unchanged; an error quoting a flow nobody opened is invalid (icmp_untracked)."""
    base = ct_stats(rig)
    q = inside(PLAIN, PLAIN_MAC, OUT, UDP(sport=5400, dport=9999) / Raw(b"data"))
    sent = rig.through(0, q, 1, "udp datagram")
    quoted = bytes(Ether(sent)[IP])[:Ether(sent)[IP].len]
    for itype, code in ((3, 3), (11, 0)):
        e = icmp_error(RTR, PLAIN, quoted, itype, code)
        same("icmp %d/%d" % (itype, code), rig.through(1, e, 0, "icmp error %d" % itype), routed(e, PLAIN_MAC, P0_MAC))
    other = bytes(IP(src=PLAIN, dst=OUT, ttl=63) / UDP(sport=5401, dport=9999) / Raw(b"data"))
    rig.dropped(1, icmp_error(RTR, PLAIN, other), "acl_deny", "icmp error about nothing")
    st = ct_stats(rig)
    assert counter(st, "packets", "related") - counter(base, "packets", "related") == 2, st
    assert counter(st, "invalid", "icmp_untracked") - counter(base, "invalid", "icmp_untracked") == 1, st
    report = rig.stop()
    assert report["acl"][0]["packets"] == 1 and report["acl"][1]["packets"] == 2, report["acl"]


@scenario
def test_ipv6(rig):
    """The same over IPv6 (never translated): a TCP handshake and data, an ICMPv6 echo, and a
    SYN from outside refused."""
    t = plain_tcp(rig, 33041, v6=True)
    handshake(rig, t, PLAIN6, 33041)
    t.C("PA", b"v6 data")
    t.S("PA", b"v6 answer")
    req = inside(PLAIN6, PLAIN_MAC, OUT6, ICMPv6EchoRequest(id=0x66, seq=1, data=b"ping6"), v6=True)
    same("echo6", rig.through(0, req, 1, "echo6 request"), routed(req, OUT_MAC, P1_MAC))
    rep = outside(OUT6, PLAIN6, ICMPv6EchoReply(id=0x66, seq=1, data=b"ping6"), v6=True)
    same("echo6 reply", rig.through(1, rep, 0, "echo6 reply"), routed(rep, PLAIN_MAC, P0_MAC))
    rig.dropped(1, outside(OUT6, PLAIN6, TCP(sport=80, dport=33042, flags="S"), v6=True), "acl_deny", "v6 SYN inward")
    rig.dropped(1, outside(OUT6, PLAIN6, ICMPv6EchoReply(id=0x67, seq=1), v6=True), "acl_deny", "v6 echo reply alone")
    rig.stop()


@scenario
def test_invalid_counted(rig):
    """What conntrack cannot follow is `invalid`, by reason, and the rules decide: an ICMP error
    whose quote is cut (icmp_quote), an ICMP type that opens no flow (icmp_not_new), an ICMP error
    quoting an ICMP error (icmp_quote); each refused by the `invalid` rule, counted in
    conntrack.stats and in the rule's hits."""
    base = ct_stats(rig)
    nested = bytes(IP(src=OUT, dst=PLAIN) / ICMP(type=3, code=1) / Raw(bytes(28)))
    cases = [
        (inside(PLAIN, PLAIN_MAC, OUT, ICMP(type=3, code=1) / Raw(b"\x45" + bytes(9))), "icmp_quote"),
        (inside(PLAIN, PLAIN_MAC, OUT, ICMP(type=9, code=0) / Raw(bytes(8))), "icmp_not_new"),
        (inside(PLAIN, PLAIN_MAC, OUT, ICMP(type=11, code=0) / Raw(nested)), "icmp_quote"),
    ]
    for f, why in cases:
        rig.dropped(0, f, "acl_deny", why)
    st = ct_stats(rig)
    got = {why: counter(st, "invalid", why) - counter(base, "invalid", why) for _, why in cases}
    assert got == {"icmp_quote": 2, "icmp_not_new": 1}, (got, st)
    report = rig.stop()
    assert report["acl"][0]["packets"] == len(cases), report["acl"]


@scenario
def test_other_protocol(rig):
    """A protocol without ports (GRE) is tracked by its addresses, as UDP is: out new, the
    answer established; the same protocol from another outside host is new and refused."""
    def gre(src, dst, smac, to):
        return bytes(Ether(src=smac, dst=to) / IP(src=src, dst=dst, proto=47) / Raw(b"\x00\x00\x08\x00" + bytes(20)))
    f = gre(PLAIN, OUT, PLAIN_MAC, P0_MAC)
    same("gre out", rig.through(0, f, 1, "gre out"), routed(f, OUT_MAC, P1_MAC))
    a = gre(OUT, PLAIN, OUT_MAC, P1_MAC)
    same("gre back", rig.through(1, a, 0, "gre back"), routed(a, PLAIN_MAC, P0_MAC))
    rig.dropped(1, gre(RTR, PLAIN, RTR_MAC, P1_MAC), "acl_deny", "gre from another host")
    report = rig.stop()
    assert [r["packets"] for r in report["acl"]][:3] == [0, 1, 1], report["acl"]


# ---- NAT ----

def snat_client(rig, sport, what):
    """HOST:sport -> OUT:80 through SNAT: the public port read from the SYN that leaves."""
    t = Tcp(rig, {"ip": HOST, "dst": OUT, "port": sport, "dport": 80, "mac": HOST_MAC, "to_mac": P0_MAC, "in": 0},
            {"ip": OUT, "dst": POOL, "port": 80, "dport": None, "mac": OUT_MAC, "to_mac": P1_MAC, "in": 1}, what)
    return t


@scenario
def test_snat_tcp(rig):
    """A TCP connection from behind SNAT leaves from the pool address and a port of the pool's
    range; every answer comes back to the host's own address and port; checksums are right in
    every frame; conntrack.show holds one connection under both tuples."""
    t = snat_client(rig, 33100, "snat tcp")
    got, f = t.c2s("S")
    pub = Ether(got)[TCP].sport
    assert pub in PORTS, pub
    same("SYN out", got, routed(f, OUT_MAC, P1_MAC, src=POOL, sport=pub))
    t.s["dport"] = pub
    for who, flags, data in (("s", "SA", b""), ("c", "A", b""), ("c", "PA", b"hello"), ("s", "PA", b"world"),
                             ("c", "FA", b""), ("s", "FA", b""), ("c", "A", b"")):
        if who == "c":
            got, f = t.c2s(flags, data)
            same("%s out" % flags, got, routed(f, OUT_MAC, P1_MAC, src=POOL, sport=pub))
        else:
            got, f = t.s2c(flags, data)
            same("%s back" % flags, got, routed(f, HOST_MAC, P0_MAC, dst=HOST, dport=33100))
    # the data both ways went by the established fast path (translated there), the rest not
    assert counter(ct_stats(rig), "fast_path") == 2, ct_stats(rig)
    assert len(ct_find(rig, "tcp", POOL, pub)) == 1, ct_show(rig)
    assert ct_state(rig, "tcp", HOST, 33100) == "time_wait", ct_show(rig)
    rig.stop()


@scenario
def test_snat_udp(rig):
    """UDP from behind SNAT, with a checksum and with none (0 stays 0): out from the pool,
    answers back to the host; two flows of the host get two public ports."""
    pubs = []
    for sport, ck in ((5000, None), (5001, 0)):
        u = UDP(sport=sport, dport=53)
        if ck is not None:
            u.chksum = ck
        q = inside(HOST, HOST_MAC, OUT, u / Raw(b"q%d" % sport))
        got = rig.through(0, q, 1, "udp %d out" % sport)
        pub = Ether(got)[UDP].sport
        assert pub in PORTS, pub
        if ck == 0:
            assert Ether(got)[UDP].chksum == 0, "a UDP checksum of 0 must stay 0"
        same("udp out", got, routed(q, OUT_MAC, P1_MAC, src=POOL, sport=pub))
        a = outside(OUT, POOL, UDP(sport=53, dport=pub) / Raw(b"a%d" % sport))
        same("udp back", rig.through(1, a, 0, "udp %d back" % sport), routed(a, HOST_MAC, P0_MAC, dst=HOST, dport=sport))
        # a second exchange: the query makes the flow assured, the answer then takes the
        # established fast path, translated the same
        fast = counter(ct_stats(rig), "fast_path")
        q2 = inside(HOST, HOST_MAC, OUT, UDP(sport=sport, dport=53, **({} if ck is None else {"chksum": ck})) / Raw(b"Q"))
        same("udp out again", rig.through(0, q2, 1, "udp %d out again" % sport),
             routed(q2, OUT_MAC, P1_MAC, src=POOL, sport=pub))
        a2 = outside(OUT, POOL, UDP(sport=53, dport=pub, **({} if ck is None else {"chksum": ck})) / Raw(b"A%d" % sport))
        got = rig.through(1, a2, 0, "udp %d back again" % sport)
        same("udp back again", got, routed(a2, HOST_MAC, P0_MAC, dst=HOST, dport=sport))
        if ck == 0:
            assert Ether(got)[UDP].chksum == 0, "a UDP checksum of 0 must stay 0 on the fast path too"
        assert counter(ct_stats(rig), "fast_path") == fast + 1, ct_stats(rig)
        pubs.append(pub)
    assert len(set(pubs)) == 2, pubs
    rig.stop()


@scenario
def test_snat_icmp_id(rig):
    """An echo request from behind SNAT leaves from the pool address with an identifier from
    the pool's range (the ICMP checksum updated); the reply gets the host's identifier back."""
    req = inside(HOST, HOST_MAC, OUT, ICMP(type=8, id=0x77, seq=3) / Raw(b"ping through nat"))
    got = rig.through(0, req, 1, "echo request")
    pub = Ether(got)[ICMP].id
    assert pub in PORTS, pub
    same("echo out", got, routed(req, OUT_MAC, P1_MAC, src=POOL, icmp_id=pub))
    rep = outside(OUT, POOL, ICMP(type=0, id=pub, seq=3) / Raw(b"ping through nat"))
    same("echo back", rig.through(1, rep, 0, "echo reply"), routed(rep, HOST_MAC, P0_MAC, dst=HOST, icmp_id=0x77))
    rig.stop()


@scenario
def test_dnat(rig):
    """The port forward: a SYN from outside to 203.0.113.10:8080 reaches 10.0.0.5:80 (source
    unchanged), the server's answers leave from 203.0.113.10:8080; the ACL judged the SYN by its
    translated destination (rule 4). Another port of the pool address is not forwarded."""
    t = Tcp(rig, {"ip": OUT, "dst": POOL, "port": 41000, "dport": 8080, "mac": OUT_MAC, "to_mac": P1_MAC, "in": 1},
            {"ip": SRV, "dst": OUT, "port": 80, "dport": 41000, "mac": SRV_MAC, "to_mac": P0_MAC, "in": 0}, "dnat")
    for who, flags, data in (("c", "S", b""), ("s", "SA", b""), ("c", "A", b""), ("c", "PA", b"GET /"),
                             ("s", "PA", b"200 OK")):
        if who == "c":
            got, f = t.c2s(flags, data)
            same("%s in" % flags, got, routed(f, SRV_MAC, P0_MAC, dst=SRV, dport=80))
        else:
            got, f = t.s2c(flags, data)
            same("%s out" % flags, got, routed(f, OUT_MAC, P1_MAC, src=POOL, sport=8080))
    assert ct_state(rig, "tcp", OUT, 41000) == "established", ct_show(rig)
    rig.dropped(1, outside(OUT, POOL, TCP(sport=41001, dport=8081, flags="S")), "acl_deny", "SYN to an unforwarded port")
    report = rig.stop()
    assert report["acl"][4]["packets"] == 1, report["acl"]


def as_sent(frame, n):
    """The first n bytes of frame's IP datagram as a router one hop away received it before
    translation: TTL - 1, its header checksum right (the L4 checksum is the host's own)."""
    ip = IP(bytes(Ether(frame)[IP]))
    ip.ttl -= 1
    ip.chksum = None
    return bytes(ip)[:n]


def error_back(err, quote):
    """The ICMP error err (from outside, to the pool) as the host must get it: to HOST, TTL - 1,
    quoting `quote`, checksums from scratch."""
    x = Ether(err)
    x.src, x.dst = P0_MAC, HOST_MAC
    x[IP].dst = HOST
    x[IP].ttl -= 1
    x[IP].chksum = None
    x[ICMP].remove_payload()
    x[ICMP].add_payload(Raw(quote))
    x[ICMP].chksum = None
    return bytes(x)


@scenario
def test_icmp_error_translated(rig):
    """An ICMP error about a translated flow is translated back: a router outside answers the
    pool address:port; the host gets it addressed to itself, the quoted datagram exactly as the
    host sent it (addresses, port, IP and UDP checksums), the ICMP checksum right. Same for a
    quoted TCP header (8 bytes, its checksum not quoted)."""
    q = inside(HOST, HOST_MAC, OUT, UDP(sport=6000, dport=33434) / Raw(b"trace"))
    sent = rig.through(0, q, 1, "udp probe")
    pub = Ether(sent)[UDP].sport
    quoted = bytes(Ether(sent)[IP])[:Ether(sent)[IP].len]
    for itype, code in ((11, 0), (3, 3)):
        e = icmp_error(RTR, POOL, quoted, itype, code)
        same("icmp %d back" % itype, rig.through(1, e, 0, "icmp error %d" % itype),
             error_back(e, as_sent(q, len(quoted))))
    assert pub in PORTS, pub
    # TCP through SNAT, an error quoting the SYN's header and the first 8 bytes of TCP
    t = snat_client(rig, 33200, "tcp")
    got, f = t.c2s("S")
    assert Ether(got)[TCP].sport in PORTS, Ether(got).summary()
    e = icmp_error(RTR, POOL, bytes(Ether(got)[IP])[:28], 3, 1)
    same("icmp error about the SYN", rig.through(1, e, 0, "icmp error about the SYN"), error_back(e, as_sent(f, 28)))
    rig.stop()


@scenario
def test_pool_exhausted(rig):
    """Six TCP flows and six UDP flows from behind SNAT on a pool of 4 ports: per protocol
    exactly 4 leave, each on its own public port of the range, the other 2 are refused and
    counted nat_exhausted; no public (address, port) is given to two flows."""
    for proto in ("tcp", "udp"):
        pubs = []
        for i in range(6):
            l4 = TCP(sport=20000 + i, dport=80, flags="S") if proto == "tcp" else UDP(sport=20000 + i, dport=53)
            f = inside(HOST, HOST_MAC, OUT, l4)
            if i < 4:
                got = Ether(rig.through(0, f, 1, "%s flow %d" % (proto, i)))
                assert got[IP].src == POOL, got.summary()
                pubs.append(got.sport)
            else:
                rig.dropped(0, f, "nat_exhausted", "%s flow %d" % (proto, i))
        assert sorted(pubs) == list(PORTS), (proto, pubs)
    show = ct_show(rig)
    publics = [c for c in show if POOL in json.dumps(c)]
    assert len(publics) == 8, show
    report = rig.stop()
    assert report["drops"].get("nat_exhausted") == 4, report["drops"]


def no_shared_tuple(rig):
    """No two connections conntrack.show lists hold the same tuple (either direction)."""
    conns = ct_show(rig)
    seen = {}
    for c in conns:
        for d in ("orig", "reply"):
            t = (c["proto"], json.dumps(c[d], sort_keys=True))
            assert t not in seen, "two connections hold %s %s:\n %s\n %s" % (t[0], t[1], seen[t], c)
            seen[t] = c
    return conns


@scenario
def test_reply_tuple_clash(rig):
    """Two connections never share a tuple. The server 10.0.0.5:80 opens a connection to
    198.51.100.2:41000 (SNAT gives it a pool port); then 198.51.100.2:41000 opens the port
    forward 203.0.113.10:8080 -> 10.0.0.5:80, whose reply tuple (10.0.0.5:80 -> 198.51.100.2:41000)
    is the first connection's original tuple. The second must be refused or given another tuple
    (Linux remaps its source port); the first connection's packets keep their translation."""
    syn = inside(SRV, SRV_MAC, OUT, TCP(sport=80, dport=41000, flags="S", seq=1))
    got = Ether(rig.through(0, syn, 1, "the server's SYN out"))
    pub = got[TCP].sport
    assert got[IP].src == POOL and pub in PORTS, got.summary()
    print("the forward's SYN:", rig.outcome(1, outside(OUT, POOL, TCP(sport=41000, dport=8080, flags="S", seq=2)),
                                            "the forward's SYN")[:2])
    no_shared_tuple(rig)
    again = Ether(rig.through(0, syn, 1, "the server's SYN again"))
    assert again[IP].src == POOL and again[TCP].sport == pub, "the first connection's SYN left as %s" % again.summary()
    rig.stop()


@scenario
def test_forward_in_pool_range(rig):
    """A port forward on a pool address:port (udp/40002, inside the pool's range): once an outside
    host uses it, a flow from behind SNAT to that same outside host and port must not be given
    that public port (its reply tuple would be the forward's connection's original tuple). Every
    flow that leaves gets its answers back to itself; no two connections share a tuple."""
    fwd = outside(OUT, POOL, UDP(sport=9000, dport=40002) / Raw(b"to the forward"))
    same("forward in", rig.through(1, fwd, 0, "to the forward"), routed(fwd, SRV_MAC, P0_MAC, dst=SRV, dport=53))
    left = {}
    for sport in range(5000, 5004):
        r = rig.outcome(0, inside(HOST, HOST_MAC, OUT, UDP(sport=sport, dport=9000) / Raw(b"q")), "flow %d" % sport)
        if r[0] == "sent":
            e = Ether(r[2])
            assert r[1] == 1 and e[IP].src == POOL, e.summary()
            left[sport] = e[UDP].sport
        else:
            assert r[1] == ["nat_exhausted"], r
    no_shared_tuple(rig)
    assert len(set(left.values())) == len(left), left
    for sport, pub in left.items():
        a = outside(OUT, POOL, UDP(sport=9000, dport=pub) / Raw(b"answer"))
        same("answer to %d" % sport, rig.through(1, a, 0, "answer to %d" % pub),
             routed(a, HOST_MAC, P0_MAC, dst=HOST, dport=sport))
    rig.stop()


@scenario("{ max: 1024, timeouts: { udp: 600 } }")
def test_table_full(rig):
    """conntrack.max connections, every one assured (a UDP query, its answer, a second query):
    the next new flow finds no embryonic connection to evict and is dropped as conntrack_full;
    the flows already tracked keep flowing. A flush empties the table and new flows pass again."""
    cap = rig.ctl("conntrack.stats")["max"]
    assert cap >= 1024, cap
    flows = list(range(10000, 10000 + cap))
    q = {p: inside(PLAIN, PLAIN_MAC, OUT, UDP(sport=p, dport=53) / Raw(b"q")) for p in flows}
    a = {p: outside(OUT, PLAIN, UDP(sport=53, dport=p) / Raw(b"a")) for p in flows}

    def batch(port, frames, out):
        """Send frames (32 at a time, each batch seen out before the next): the link's ring never overflows."""
        for k in range(0, len(frames), 32):
            chunk = frames[k:k + 32]
            want = rig.links[out].taken + len(chunk)
            for f in chunk:
                rig.send(port, f)
            hp.wait_until("%d frames out of p%d" % (want, out),
                          lambda: rig.links[out].poll() or len(rig.links[out].seen) >= want, DEADLINE)
            rig.links[out].taken = want
    batch(0, [q[p] for p in flows], 1)
    batch(1, [a[p] for p in flows], 0)
    batch(0, [q[p] for p in flows], 1)
    st = rig.ctl("conntrack.stats")
    assert st["count"] == cap and st["counters"]["table_full"] == 0, st
    rig.dropped(0, inside(PLAIN, PLAIN_MAC, OUT, UDP(sport=9999, dport=53)), "conntrack_full", "one flow more")
    st = rig.ctl("conntrack.stats")
    assert st["counters"]["early_drops"] == 0 and st["counters"]["table_full"] + st["counters"]["bucket_full"] >= 1, st
    same("a tracked flow", rig.through(1, a[10007], 0, "a tracked flow's answer"), routed(a[10007], PLAIN_MAC, P0_MAC))
    rig.ctl("conntrack.flush")
    hp.wait_until("the table empty", lambda: rig.ctl("conntrack.stats")["count"] == 0, DEADLINE)
    f = inside(PLAIN, PLAIN_MAC, OUT, UDP(sport=9999, dport=53))
    same("after the flush", rig.through(0, f, 1, "a new flow after the flush"), routed(f, OUT_MAC, P1_MAC))
    report = rig.stop()
    assert report["drops"].get("conntrack_full") == 1, report["drops"]


@scenario
def test_hairpin(rig):
    """Hairpinning: a host behind the NAT opens the port forward's public address:port. The
    connection is forwarded to 10.0.0.5:80 back out of p0, its source translated to the pool
    (else the server would answer the host directly); the server's answers come back from
    203.0.113.10:8080, as the host expects."""
    syn = tcp(HOST, POOL, 33300, 8080, "S", 1, 0, smac=HOST_MAC, dmac=P0_MAC)
    got = Ether(rig.through(0, syn, 0, "the host's SYN to the forward"))
    pub = got[TCP].sport
    assert got[IP].src == POOL and pub in PORTS, got.summary()
    same("SYN to the server", bytes(got), routed(syn, SRV_MAC, P0_MAC, src=POOL, sport=pub, dst=SRV, dport=80))
    sa = tcp(SRV, POOL, 80, pub, "SA", 500, 2, smac=SRV_MAC, dmac=P0_MAC)
    same("SYN/ACK to the host", rig.through(0, sa, 0, "the server's SYN/ACK"),
         routed(sa, HOST_MAC, P0_MAC, src=POOL, sport=8080, dst=HOST, dport=33300))
    ack = tcp(HOST, POOL, 33300, 8080, "A", 2, 501, smac=HOST_MAC, dmac=P0_MAC)
    same("ACK to the server", rig.through(0, ack, 0, "the host's ACK"),
         routed(ack, SRV_MAC, P0_MAC, src=POOL, sport=pub, dst=SRV, dport=80))
    assert ct_state(rig, "tcp", HOST, 33300) == "established", ct_show(rig)
    nat = rig.ctl("nat.show")
    assert nat["counters"]["hairpin"] == 1, nat
    rig.stop()


TESTS = [test_tcp_handshake, test_tcp_close, test_tcp_rst, test_tcp_invalid, test_udp, test_icmp_echo,
         test_icmp_error_related, test_ipv6, test_invalid_counted, test_other_protocol, test_table_full, test_snat_tcp, test_snat_udp, test_snat_icmp_id,
         test_dnat, test_hairpin, test_icmp_error_translated, test_pool_exhausted,
         test_reply_tuple_clash, test_forward_in_pool_range]

if __name__ == "__main__":
    hp.run(TESTS)
