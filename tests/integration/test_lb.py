#!/usr/bin/python3
"""The L4 load balancer (issue 16) frame by frame, every frame built here with scapy.

The rig (vethrig.py): hotpathd's p0 (clients, 10.0.0.1/24, 2001:db8::1/64) and p1 (backends,
10.1.0.1/24, 2001:db8:1::1/64) on net_af_packet over veth pairs, a raw socket on each far end.
A client's packet to a VIP must leave by p1 as scapy builds it: Ethernet to the backend's MAC,
the outer header (IPv4 id 0, TTL 64 less the router's 1, DSCP/ECN and DF from the inner header;
IPv6 hop limit 63, the flow label from the flow's hash; GUE's UDP with checksum 0 over IPv4, the
full one over IPv6), then the client's IP packet unchanged. The outer source, GUE's source port
and the backend come from the flow's hash: they are read from the frame and checked for range and
for consistency (the same flow, the same backend and source), and across two daemons started
apart (a flow's backend depends only on the backend set).

VIPs:
    192.0.2.10 tcp/80   ipip  10.1.0.20, 10.1.0.21, 10.1.0.22 (weight 0: draining)
    192.0.2.11 udp      gue   10.1.0.20, 10.1.0.21          (every port, GUE port 6080)
    2001:db8:f::10 tcp/443 ipip  2001:db8:1::20, 2001:db8:1::21  (IP6IP6)
    192.0.2.12 tcp/80   ipip  2001:db8:1::20                (IPv4 in IPv6)
    192.0.2.13 tcp/80   ipip  10.1.0.30, 10.1.0.31, 10.1.0.32 (changed live by the tests)
"""
import ipaddress
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import vethrig  # noqa: E402

from scapy.all import IP, TCP, UDP, Ether, ICMP, IPv6, Raw, conf, fragment  # noqa: E402

conf.verb = 0
DEADLINE = vethrig.DEADLINE

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
CLIENT, CLIENT6, CLIENT_MAC = "10.0.0.2", "2001:db8::2", "02:00:00:00:00:02"
BACKENDS = {"10.1.0.%d" % h: "02:00:00:00:01:%02x" % h for h in (20, 21, 22, 30, 31, 32)}
BACKENDS.update({"2001:db8:1::%d" % h: "02:00:00:00:01:%02x" % (0x80 + h) for h in (20, 21)})
SRC4 = ipaddress.ip_network("172.16.0.0/16")
SRC6 = ipaddress.ip_network("fd00:4c42::/64")

CONFIG = """\
ports:
  - {{ name: p0, device: "net_af_packet0,iface={a0}", mac: "{p0}", ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_af_packet1,iface={a1}", mac: "{p1}", ipv4: [10.1.0.1/24], ipv6: ["2001:db8:1::1/64"] }}
neighbors:
  - {{ ip: {client}, mac: "{client_mac}", port: p0 }}
  - {{ ip: "{client6}", mac: "{client_mac}", port: p0 }}
{neighbors}
lb:
  - {{ vip: 192.0.2.10, proto: tcp, port: 80, encap: ipip,
      backends: [{{ ip: {b1} }}, {{ ip: {b2} }}, {{ ip: 10.1.0.22, weight: 0 }}] }}
  - {{ vip: 192.0.2.11, proto: udp, encap: gue, gue_port: 6080, backends: [{{ ip: 10.1.0.20 }}, {{ ip: 10.1.0.21 }}] }}
  - {{ vip: "2001:db8:f::10", proto: tcp, port: 443, backends: [{{ ip: "2001:db8:1::20" }}, {{ ip: "2001:db8:1::21" }}] }}
  - {{ vip: 192.0.2.12, proto: tcp, port: 80, backends: [{{ ip: "2001:db8:1::20" }}] }}
  - {{ vip: 192.0.2.13, proto: tcp, port: 80, backends: [{{ ip: 10.1.0.30 }}, {{ ip: 10.1.0.31 }}, {{ ip: 10.1.0.32 }}] }}
"""


class Rig(vethrig.VethRig):
    def __init__(self, d, name, order=("10.1.0.20", "10.1.0.21"), metrics=None):
        nbs = "\n".join('  - {{ ip: "{}", mac: "{}", port: p1 }}'.format(ip, mac).replace("{{", "{").replace("}}", "}")
                        for ip, mac in BACKENDS.items())
        control = ('control: { socket: %s, metrics: "127.0.0.1:%d" }\n' % (os.path.join(d, name + ".sock"), metrics)
                   if metrics else "")
        super().__init__(d, name, lambda a0, a1: control + CONFIG.format(
            a0=a0, a1=a1, p0=P0_MAC, p1=P1_MAC, client=CLIENT, client6=CLIENT6, client_mac=CLIENT_MAC,
            neighbors=nbs, b1=order[0], b2=order[1]))


def scenario(fn):
    def test(d):
        with Rig(d, fn.__name__[:20]) as rig:
            fn(rig)
            if rig.report is None:
                rig.stop()
    test.__name__ = fn.__name__
    return test


def client(dst, l4, v6=False, **ip):
    if v6:
        return Ether(dst=P0_MAC, src=CLIENT_MAC) / IPv6(src=CLIENT6, dst=dst, **ip) / l4
    return Ether(dst=P0_MAC, src=CLIENT_MAC) / IP(src=CLIENT, dst=dst, **ip) / l4


def inner_bytes(frame):
    """The client's IP packet as it was sent (Ethernet padding off)."""
    p = Ether(bytes(frame)).payload
    return bytes(p)[:p.len if isinstance(p, IP) else 40 + p.plen]


def encapsulated(got, frame, gue_port=None):
    """What got must be for frame sent to a VIP: the backend, outer source and GUE source port are
    got's own (checked: a configured backend, an address of the source prefix, an ephemeral port);
    every other byte is rebuilt here. Returns (backend, outer source, GUE source port)."""
    g = Ether(got)
    inner = inner_bytes(frame)
    inner_v6 = inner[0] >> 4 == 6
    assert g.dst == BACKENDS.get(str(g.payload.dst)), g.summary()
    backend, src = g.payload.dst, g.payload.src
    sport = None
    if isinstance(g.payload, IPv6):
        assert ipaddress.ip_address(src) in SRC6, src
        tc = (inner[0] & 0x0f) << 4 | inner[1] >> 4 if inner_v6 else inner[1]
        nh = 17 if gue_port else (41 if inner_v6 else 4)
        outer = IPv6(src=src, dst=backend, tc=tc, fl=g.payload.fl, hlim=63, nh=nh)
    else:
        assert ipaddress.ip_address(src) in SRC4 and not src.endswith(".0.0") and not src.endswith(".255.255"), src
        df = "DF" if inner_v6 or inner[6] & 0x40 else 0
        outer = IP(src=src, dst=backend, tos=inner[1], id=0, flags=df, ttl=63, proto=17 if gue_port else 4)
    if gue_port:
        sport = g[UDP].sport
        assert 49152 <= sport <= 65535, sport
        udp = UDP(sport=sport, dport=gue_port)
        if isinstance(g.payload, IP):
            udp.chksum = 0
        exp = Ether(dst=g.dst, src=P1_MAC) / outer / udp / Raw(inner)
    else:
        exp = Ether(dst=g.dst, src=P1_MAC) / outer / Raw(inner)
    e = bytes(exp)
    assert got[:len(e)] == e and all(b == 0 for b in got[len(e):]), \
        "encapsulation differs:\n got %s\n exp %s" % (got.hex(), e.hex())
    return backend, src, sport


def icmp_back(rig, frame, what):
    """Send frame on p0: the ICMP error that comes back on p0 (a drop counted meanwhile is its
    router's reason, no_route: not a failure here)."""
    rig.send(0, frame)
    return Ether(hp.wait_until("%s: ICMP back on p0" % what, lambda: rig._next(0), DEADLINE))


def lb_stats(rig):
    return rig.ctl("lb.stats")


def vip_of(st, vip, port=None):
    for v in st["vips"]:
        if v["vip"] == vip and v.get("port") == port:
            return v
    raise AssertionError("no VIP %s in %s" % (vip, st))


def backend_of(v, ip):
    for b in v["backends"]:
        if b["ip"] == ip:
            return b
    raise AssertionError("no backend %s in %s" % (ip, v))


def syn(vip, sport, dport=80, v6=False, **ip):
    return client(vip, TCP(sport=sport, dport=dport, flags="S", seq=1000), v6=v6, **ip)


def send_flows(rig, vip, sports, dport=80, v6=False):
    """One SYN of each flow; {sport: backend}."""
    out = {}
    for sp in sports:
        f = syn(vip, sp, dport, v6)
        out[sp] = encapsulated(rig.through(0, f, 1, "SYN %s:%d" % (vip, sp)), f)[0]
    return out


# ---- the encapsulations ----

@scenario
def test_ipip(rig):
    """A SYN to 192.0.2.10:80 leaves by p1 in IPIP to a backend of weight > 0, the client's packet
    inside unchanged (TTL too: the load balancer is the tunnel's end, not a hop); DSCP/ECN and DF
    come out in the outer header. The same flow again: the same backend and outer source. 64 flows
    reach both weighted backends and never the draining one; lb.stats counts them."""
    f = syn("192.0.2.10", 40000, tos=0xb9, flags="DF")
    b0, s0, _ = encapsulated(rig.through(0, f, 1, "the first SYN"), f)
    assert b0 in ("10.1.0.20", "10.1.0.21"), b0
    b1, s1, _ = encapsulated(rig.through(0, f, 1, "the same SYN again"), f)
    assert (b1, s1) == (b0, s0), (b0, s0, b1, s1)
    seen = send_flows(rig, "192.0.2.10", range(41000, 41064))
    assert set(seen.values()) == {"10.1.0.20", "10.1.0.21"}, seen
    st = lb_stats(rig)
    v = vip_of(st, "192.0.2.10", 80)
    assert v["stats"]["packets"] == 66 and v["stats"]["flows"] == 65, v
    share = {b["ip"]: b["stats"]["new_flows"] for b in v["backends"]}
    assert share["10.1.0.22"] == 0 and share["10.1.0.20"] + share["10.1.0.21"] == 65, share
    assert backend_of(v, "10.1.0.22")["ring_entries"] == 0 and backend_of(v, "10.1.0.22")["state"] == "drain", v


@scenario
def test_gue(rig):
    """UDP to 192.0.2.11 (every port) goes in GUE: outer UDP to 6080, checksum 0, the source port
    from the flow's hash (ephemeral range); different ports of one client are different flows."""
    backends, sports = set(), set()
    for p in range(53, 53 + 32):
        f = client("192.0.2.11", UDP(sport=5000, dport=p) / Raw(b"q" * 20))
        b, _, sp = encapsulated(rig.through(0, f, 1, "UDP to port %d" % p), f, gue_port=6080)
        backends.add(b)
        sports.add(sp)
    assert backends == {"10.1.0.20", "10.1.0.21"} and len(sports) > 16, (backends, sports)


@scenario
def test_ip6ip6_and_4in6(rig):
    """IPv6 to an IPv6 VIP goes in IP6IP6 (next header 41, hop limit 63, traffic class copied, the
    flow label from the hash, the source in fd00:4c42::/64); IPv4 to 192.0.2.12 goes in IPv6 to its
    IPv6 backend (next header 4), the EtherType changed."""
    for sp in range(42000, 42016):
        f = syn("2001:db8:f::10", sp, 443, v6=True, tc=0x28)
        b, _, _ = encapsulated(rig.through(0, f, 1, "IPv6 SYN %d" % sp), f)
        assert b in ("2001:db8:1::20", "2001:db8:1::21"), b
    f = syn("192.0.2.12", 42100)
    b, _, _ = encapsulated(rig.through(0, f, 1, "IPv4 SYN to a 4in6 VIP"), f)
    assert b == "2001:db8:1::20", b


@scenario
def test_not_a_vip(rig):
    """Other ports and protocols of a VIP address, and other addresses, are routed as usual: a
    SYN to 192.0.2.10:81 has no route (ICMP unreachable comes back), a packet to a backend is
    forwarded plain."""
    err = icmp_back(rig, syn("192.0.2.10", 40100, 81), "SYN to port 81")
    assert err[ICMP].type == 3 and err[IP].dst == CLIENT, err.summary()
    f = client("10.1.0.20", UDP(sport=1, dport=2))
    got = Ether(rig.through(0, f, 1, "to a backend itself"))
    assert got[IP].dst == "10.1.0.20" and got[IP].proto == 17 and got[IP].ttl == 63, got.summary()


# ---- changes ----

def flows_of(rig, sports):
    return send_flows(rig, "192.0.2.13", sports)


@scenario
def test_drain_keeps_down_moves_del_moves(rig):
    """48 flows over three backends. Draining one (state drain): its flows stay, new flows avoid
    it. Taking another down: its flows move, the others' stay. Deleting the third's... : the flows
    of a deleted backend move; with none left up, new flows are dropped as lb_no_backend."""
    before = flows_of(rig, range(43000, 43048))
    assert set(before.values()) == {"10.1.0.30", "10.1.0.31", "10.1.0.32"}, before
    rig.ctl("lb.backend.set", {"vip": "192.0.2.13", "proto": "tcp", "port": 80, "ip": "10.1.0.30", "state": "drain"})
    assert flows_of(rig, before) == before
    new = flows_of(rig, range(43100, 43132))
    assert "10.1.0.30" not in new.values(), new
    rig.ctl("lb.backend.set", {"vip": "192.0.2.13", "proto": "tcp", "port": 80, "ip": "10.1.0.31", "state": "down"})
    after = flows_of(rig, before)
    for sp, b in before.items():
        if b == "10.1.0.31":
            assert after[sp] == "10.1.0.32", (sp, after[sp])
        else:
            assert after[sp] == b, (sp, b, after[sp])
    moved = vip_of(lb_stats(rig), "192.0.2.13", 80)["stats"]["moved"]
    assert moved == sum(1 for b in before.values() if b == "10.1.0.31"), moved
    rig.ctl("lb.backend.del", {"vip": "192.0.2.13", "proto": "tcp", "port": 80, "ip": "10.1.0.32"})
    rig.dropped(0, syn("192.0.2.13", 43200), "lb_no_backend", "a new flow with no backend up")
    # the draining backend still serves its own flows
    for sp, b in before.items():
        if b == "10.1.0.30":
            f = syn("192.0.2.13", sp)
            assert encapsulated(rig.through(0, f, 1, "a drained flow"), f)[0] == "10.1.0.30"
    rig.ctl("lb.backend.set", {"vip": "192.0.2.13", "proto": "tcp", "port": 80, "ip": "10.1.0.31", "state": "up"})
    f = syn("192.0.2.13", 43201)
    assert encapsulated(rig.through(0, f, 1, "a new flow, a backend up again"), f)[0] == "10.1.0.31"


@scenario
def test_vip_and_backend_commands(rig):
    """lb.vip.add with a new VIP serves at once; lb.backend.add adds to it; lb.vip.del removes it
    (its packets then routed as any: no route here); refusals change nothing and name the VIP as
    hpctl does. Each change answers with its VIP as lb.show now lists it."""
    added = rig.ctl("lb.vip.add", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "encap": "gue",
                                   "backends": [{"ip": "10.1.0.21"}]})
    assert added == {"vips": [vip_of(rig.ctl("lb.show"), "192.0.2.20", 53)]}, added
    f = client("192.0.2.20", UDP(sport=7, dport=53))
    assert encapsulated(rig.through(0, f, 1, "to the new VIP"), f, 6080)[0] == "10.1.0.21"
    added = rig.ctl("lb.backend.add", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "ip": "10.1.0.20",
                                       "weight": 50})
    v = vip_of(rig.ctl("lb.show"), "192.0.2.20", 53)
    assert added == {"vips": [v]}, (added, v)
    assert [b["ip"] for b in v["backends"]] == ["10.1.0.21", "10.1.0.20"], v
    assert backend_of(v, "10.1.0.20")["ring_entries"] > 0, v
    bad = [("lb.vip.add", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "backends": [{"ip": "10.1.0.20"}]}),
           ("lb.vip.add", {"vip": "10.0.0.1", "proto": "tcp", "port": 1, "backends": [{"ip": "10.1.0.20"}]}),
           ("lb.vip.add", {"vip": "192.0.2.30", "proto": "tcp", "backends": [{"ip": "203.0.113.9"}]}),
           ("lb.backend.add", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "ip": "10.1.0.20"}),
           ("lb.backend.set", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "ip": "10.1.0.20", "weight": 70000}),
           ("lb.backend.set", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "ip": "10.1.0.20", "state": "sideways"}),
           ("lb.backend.del", {"vip": "192.0.2.99", "proto": "udp", "ip": "10.1.0.20"}),
           ("lb.backend.del", {"vip": "192.0.2.20", "proto": "udp", "port": 53, "ip": "10.1.0.99"})]
    said = {"no VIP 192.0.2.99 udp (every port)", "VIP 192.0.2.20 udp/53 has no backend 10.1.0.99"}
    show = rig.ctl("lb.show")
    for cmd, args in bad:
        accepted = True
        try:
            rig.ctl(cmd, args)
        except AssertionError as e:
            accepted = False
            print("refused as expected: %s" % e)
            said = {x for x in said if x not in str(e)}
        assert not accepted, "%s %s was accepted" % (cmd, args)
    assert not said, "refusals did not say %s" % said
    assert rig.ctl("lb.show") == show
    assert rig.ctl("lb.vip.del", {"vip": "192.0.2.20", "proto": "udp", "port": 53}) == {"deleted": "192.0.2.20 udp/53"}
    err = icmp_back(rig, f, "to the deleted VIP")
    assert err[ICMP].type == 3 and err[IP].dst == CLIENT, err.summary()


# ---- too big, fragments ----

@scenario
def test_too_big(rig):
    """A 1500-byte IPv4 packet with DF to a VIP cannot fit in IPIP on a 1500-byte MTU: the client
    gets ICMP fragmentation needed with MTU 1480. Without DF it goes as two outer fragments, whose
    reassembly is the encapsulation of the whole. IPv6: Packet Too Big with 1460 for IP6IP6."""
    big = syn("192.0.2.10", 44000, flags="DF") / Raw(b"x" * 1460)
    out = rig.outcome(0, big, "a DF packet too big for IPIP")
    assert out[0] == "sent" and out[1] == 0, out
    icmp = Ether(out[2])
    assert icmp[ICMP].type == 3 and icmp[ICMP].code == 4 and icmp[ICMP].nexthopmtu == 1480, icmp.summary()
    assert icmp[IP].dst == CLIENT, icmp.summary()
    nodf = syn("192.0.2.10", 44001) / Raw(b"x" * 1460)
    rig.send(0, nodf)
    hp.wait_until("two fragments on p1", lambda: rig.links[1].poll() or len(rig.links[1].seen) - rig.links[1].taken >= 2,
                  DEADLINE)
    frags = [Ether(f) for f in rig.links[1].seen[rig.links[1].taken:]]
    rig.links[1].taken = len(rig.links[1].seen)
    assert len(frags) == 2 and all(fr[IP].proto == 4 for fr in frags), [fr.summary() for fr in frags]
    whole = bytes(frags[0][IP].payload)[:frags[0][IP].len - 20] + bytes(frags[1][IP].payload)[:frags[1][IP].len - 20]
    assert whole == inner_bytes(nodf), "the fragments do not make up the client's packet"
    big6 = syn("2001:db8:f::10", 44002, 443, v6=True) / Raw(b"x" * 1440)
    out = rig.outcome(0, big6, "an IPv6 packet too big for IP6IP6")
    assert out[0] == "sent" and out[1] == 0, out
    ptb = Ether(out[2])
    assert ptb[IPv6].dst == CLIENT6 and ptb.payload.payload.type == 2 and ptb.payload.payload.mtu == 1460, ptb.summary()


def test_fragments_one_backend(d):
    """The fragments of a UDP datagram to 192.0.2.11 all go to one backend, in GUE, whatever the
    ports say (only the first fragment has them): on net_pcap ports, since net_af_packet's fanout
    has the kernel reassemble them first. Each fragment leaves whole behind the same outer
    headers (the flow's hash is over addresses and protocol)."""
    frames = []
    for k in range(8):
        dgram = IP(src=CLIENT, dst="192.0.2.11", id=100 + k) / UDP(sport=6000 + k, dport=443) / Raw(b"y" * 3000)
        frames += [Ether(dst=P0_MAC, src=CLIENT_MAC) / fr for fr in fragment(dgram, fragsize=1400)]
    hp.write_pcap(os.path.join(d, "in0.pcap"), [bytes(f) for f in frames])
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    nbs = "\n".join('  - {{ ip: "{}", mac: "{}", port: p1 }}'.format(ip, mac).replace("{{", "{").replace("}}", "}")
                    for ip, mac in BACKENDS.items())
    cfg = CONFIG.format(a0="x", a1="y", p0=P0_MAC, p1=P1_MAC, client=CLIENT, client6=CLIENT6, client_mac=CLIENT_MAC,
                        neighbors=nbs, b1="10.1.0.20", b2="10.1.0.21")
    cfg = cfg.replace("net_af_packet0,iface=x", "net_pcap0,rx_pcap=%s/in0.pcap,tx_pcap=%s/out0.pcap" % (d, d))
    cfg = cfg.replace("net_af_packet1,iface=y", "net_pcap1,rx_pcap=%s/in1.pcap,tx_pcap=%s/out1.pcap" % (d, d))
    with hp.Daemon(hp.hotpathd_path(), d, cfg, name="lbfrag") as dm:
        hp.wait_stats(dm, lambda s: s["tx_packets"] >= len(frames), "every fragment sent")
        rc, _, report = dm.stop()
    assert rc == 0, dm.stderr()[-3000:]
    out = hp.read_pcap(os.path.join(d, "out1.pcap"))
    assert len(out) == len(frames), (len(out), len(frames))
    per_dgram = {}
    for f, got in zip(frames, out):
        b, src, sport = encapsulated(bytes(got), f, 6080)
        per_dgram.setdefault(f[IP].id, set()).add((b, src, sport))
    assert all(len(v) == 1 for v in per_dgram.values()), per_dgram
    assert report["drops"].get("lb_fragment", 0) == 0, report["drops"]


# ---- the same mapping on every instance ----

def test_two_daemons_agree(d):
    """Two daemons started apart, the second with the backends listed in another order, send
    every one of 128 flows to the same backend (what ECMP scale-out over instances needs)."""
    maps = []
    for order in (("10.1.0.20", "10.1.0.21"), ("10.1.0.21", "10.1.0.20")):
        with Rig(d, "agree%d" % len(maps), order=order) as rig:
            maps.append(send_flows(rig, "192.0.2.10", range(45000, 45128)))
            rig.stop()
    assert maps[0] == maps[1], [sp for sp in maps[0] if maps[0][sp] != maps[1][sp]]
    assert set(maps[0].values()) == {"10.1.0.20", "10.1.0.21"}, maps[0]


def test_metrics_and_telemetry(d):
    """/metrics has the load balancer's families (promtool finds nothing to say) with lb.stats'
    numbers; /hotpath/lb too; the exit report carries them."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Rig(d, "lbmetrics", metrics=port) as rig:
        seen = send_flows(rig, "192.0.2.10", range(46000, 46008))
        text = hp.scrape(port)
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
            assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
        vip = "192.0.2.10:80/tcp"
        assert hp.metric(text, "hotpath_lb_packets_total", vip=vip) == 8, text
        assert hp.metric(text, "hotpath_lb_flows_total", vip=vip) == 8
        for b in ("10.1.0.20", "10.1.0.21", "10.1.0.22"):
            n = sum(1 for x in seen.values() if x == b)
            assert hp.metric(text, "hotpath_lb_backend_packets_total", vip=vip, backend=b) == n, b
            assert hp.metric(text, "hotpath_lb_backend_up", vip=vip, backend=b) == (0 if b == "10.1.0.22" else 1), b
        assert sum(hp.metric(text, "hotpath_lb_backend_ring_entries", vip=vip, backend=b)
                   for b in ("10.1.0.20", "10.1.0.21", "10.1.0.22")) == 65537
        assert hp.metric(text, "hotpath_lb_flow_table_entries", worker=0) == 8
        t = hp.telemetry(rig.dm.prefix, "/hotpath/lb")
        assert t["192_0_2_10_80/tcp"]["packets"] == 8 and t["192_0_2_10_80/tcp"]["10_1_0_22_up"] == 0, t
        report = rig.stop()
    assert vip_of(report["lb"], "192.0.2.10", 80)["stats"]["packets"] == 8, report["lb"]


TESTS = [test_ipip, test_gue, test_ip6ip6_and_4in6, test_not_a_vip, test_drain_keeps_down_moves_del_moves,
         test_vip_and_backend_commands, test_too_big, test_fragments_one_backend, test_two_daemons_agree,
         test_metrics_and_telemetry]

if __name__ == "__main__":
    hp.run(TESTS)
