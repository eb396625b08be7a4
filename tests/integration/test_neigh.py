#!/usr/bin/python3
"""The neighbour table under a hostile network (issue 12, points 1-5): bounded hold queues,
a per-port table limit with entries freed, rate-limited solicitation, RFC 4861 reachability
(REACHABLE -> STALE -> DELAY -> PROBE, ARP too), learning that never creates entries.

Two rigs. Scans replay pcaps on net_pcap ports (counts only, never rates: every bound is one
that a slow machine can only make easier). The live tests put port p1 on net_af_packet over a
veth pair and play the neighbours from the other end with a raw socket, answering when they
choose; every wait polls a counter or a frame with a generous deadline."""
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import ARP, IP, UDP, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, IPv6, conf  # noqa: E402

conf.verb = 0
BIN = hp.hotpathd_path()

P0_MAC, P1_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01"
GW = "02:00:00:00:01:02"  # the resolved (static) next hop on p1
HOST_MAC = "02:00:00:00:00:aa"


class Ctl:
    """One connection to the control socket."""

    def __init__(self, path, timeout=20):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.next_id = 1

    def req(self, cmd, args=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"id": rid, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        reply = json.loads(line)
        assert reply.get("id") == rid, reply
        return reply

    def ok(self, cmd, args=None):
        r = self.req(cmd, args)
        assert r["ok"] is True, "%s %s: %s" % (cmd, args, r)
        return r["result"]

    def slow(self):
        return self.ok("stats")["slowpath"]

    def neigh(self, ip):
        rows = [r for r in self.ok("neigh.show") if r["ip"] == ip]
        return rows[0] if rows else None

    def close(self):
        self.s.close()


def wait_for(what, fn, timeout=30, step=0.02):
    """Poll fn until it returns something true; its value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for %s" % what)


def stop_ok(dm):
    code, _, report = dm.stop()
    assert code == 0, dm.stderr()[-3000:]
    hp.check_mempools_full(report)
    return report


# ---- pcap scans ----

def ip4_csum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff


def udp4_frame(dst, src="10.0.0.2", sport=1000):
    """A 60-byte Ethernet/IPv4/UDP frame to p0 (built by hand: scans take tens of thousands)."""
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + 18, 0, 0, 64, 17, 0,
                               socket.inet_aton(src), socket.inet_aton(dst)))
    ip[10:12] = struct.pack("!H", ip4_csum(bytes(ip)))
    eth = bytes.fromhex(P0_MAC.replace(":", "")) + bytes.fromhex(HOST_MAC.replace(":", "")) + b"\x08\x00"
    return eth + bytes(ip) + struct.pack("!HHHH", sport, 9, 8 + 18, 0) + b"x" * 18


def udp6_frame(dst, src="2001:db8::2"):
    eth = bytes.fromhex(P0_MAC.replace(":", "")) + bytes.fromhex(HOST_MAC.replace(":", "")) + b"\x86\xdd"
    ip = struct.pack("!IHBB16s16s", 6 << 28, 8 + 10, 17, 64, ipaddress.IPv6Address(src).packed,
                     ipaddress.IPv6Address(dst).packed)
    return eth + ip + struct.pack("!HHHH", 1000, 9, 18, 0x1234) + b"y" * 10


SCAN_CONFIG = """\
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap{inf}", mac: "{p0}",
      ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap,tx_pcap={d}/out1.pcap", mac: "{p1}",
      ipv4: [10.1.0.1/16], ipv6: ["2001:db8:1::1/64"] }}
neighbors:
  - {{ ip: 10.1.0.2, mac: "{gw}", port: p1 }}
  - {{ ip: "2001:db8:1::2", mac: "{gw}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.1.0.2 }}
  - {{ prefix: "2001:db8:100::/48", via: "2001:db8:1::2" }}
neighbor_config: {{ max_per_port: {limit}, hold_per_neighbor: 4, hold_total_pct: 2, solicit_pps: {pps},
                   solicit_per_target_ms: 1000, probes: 2 }}
"""


def scan_frames(n4, n6, per, normal_every=4):
    """n4 IPv4 addresses of the connected 10.1/16 and n6 of 2001:db8:1::/64, per packets each,
    and after every normal_every scan packets one packet to the resolved next hop (v4 and v6
    in turn). Returns (frames, normal packets)."""
    targets = [udp4_frame("10.1.%d.%d" % (10 + i // 250, 1 + i % 250)) for i in range(n4)]
    targets += [udp6_frame("2001:db8:1::%x:%x" % (0x1000 + i // 4096, i % 4096 + 1)) for i in range(n6)]
    normal = [udp4_frame("198.18.0.%d" % (1 + i), sport=2000 + i) for i in range(50)]
    normal += [udp6_frame("2001:db8:100::%x" % (1 + i)) for i in range(50)]
    frames, n_normal = [], 0
    for rnd in range(per):
        for k, t in enumerate(targets):
            frames.append(t)
            if k % normal_every == normal_every - 1:
                frames.append(normal[n_normal % len(normal)])
                n_normal += 1
    return frames, n_normal


def test_scan_is_bounded(d):
    """The issue's scan: 2,000 addresses of a connected /16 and 500 of a /64, 16 packets each,
    mixed 4:1 with traffic to a resolved next hop. Every packet to the next hop leaves; held
    packets, entries and solicitations stay within their limits; the pool is whole after."""
    limit, pps = 256, 200
    frames, n_normal = scan_frames(2000, 500, 16)
    hp.write_pcap(os.path.join(d, "in0.pcap"), frames)
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    cfg = SCAN_CONFIG.format(d=d, inf="", p0=P0_MAC, p1=P1_MAC, gw=GW, limit=limit, pps=pps)
    t0 = time.monotonic()
    with hp.Daemon(BIN, d, cfg, name="scan") as dm:
        c = Ctl(os.path.join(d, "scan.sock"))
        p0 = lambda: c.ok("port.stats", {"name": "p0"})[0]
        wait_for("p0 to take the whole pcap", lambda: p0()["rx_packets"] + p0().get("rx_nombuf", 0) >= len(frames),
                 timeout=120, step=0.1)
        # every entry gives up (2 probes a second apart) and is freed: nothing held, nothing left
        wait_for("held packets to go", lambda: c.slow()["neigh_held"] == 0, timeout=60, step=0.1)
        wait_for("the scan's entries to be freed", lambda: c.slow()["neigh_entries"] == 0, timeout=60, step=0.1)
        rows = c.ok("neigh.show")
        c.close()
        report = stop_ok(dm)
    elapsed = time.monotonic() - t0
    s = report["slowpath"]
    p0r = hp.port(report, "p0")
    assert p0r["rx_packets"] == len(frames), (p0r, len(frames))
    out = hp.read_pcap(os.path.join(d, "out1.pcap"))
    to_gw = [f for f in out if f[:6] == bytes.fromhex(GW.replace(":", ""))]
    assert len(to_gw) == n_normal, "%d of %d packets to the resolved next hop left" % (len(to_gw), n_normal)
    assert 0 < s["neigh_held_peak"] <= s["neigh_held_cap"], s
    assert 0 < s["neigh_entries_peak"] <= limit, s
    assert s["neigh_reclaimed"] >= limit, s
    # the bucket: a tenth of a second of burst, then pps; the daemon ran less than elapsed
    solicits = [f for f in out if f[12:14] == b"\x08\x06" or (f[12:14] == b"\x86\xdd" and f[54] == 135)]
    assert len(solicits) == s["solicits"], (len(solicits), s["solicits"])
    assert s["solicits"] <= pps // 10 + pps * elapsed, (s["solicits"], elapsed)
    # every scan packet is accounted for: held then dropped, refused by the control thread,
    # or dropped by the worker (the ring full, or told the queue or the port is full)
    scan = len(frames) - n_normal
    dr = report["drops"]
    dropped = dr.get("punt_ring_full", 0) + dr.get("neigh_queue_full", 0) + dr.get("neigh_table_full", 0)
    refused = s["neigh_queue_full"] + s["neigh_hold_full"] + s["neigh_table_full"]
    assert s["held"] + refused + dropped == scan, (s, dr, scan)
    assert sum(dr.values()) == dropped, dr
    assert s["neigh_failed"] == s["held"], s
    assert [r for r in rows if r["state"] != "static"] == [], rows


def test_scan_never_evicts_and_commands_work(d):
    """A scan replayed for ever keeps p1 at its limit: a host that answered stays, and
    neigh.add and route.add (pinned gateways) still get their entries."""
    limit = 64
    m5 = "02:00:00:00:01:05"
    first = [udp4_frame("10.1.0.5", sport=7)]
    frames, _ = scan_frames(400, 100, 1)
    hp.write_pcap(os.path.join(d, "in0.pcap"), first + frames)
    # p1 hears the host's answer (replayed: it stays confirmed)
    arp = bytes(Ether(dst=P1_MAC, src=m5) / ARP(op=2, hwsrc=m5, psrc="10.1.0.5", hwdst=P1_MAC, pdst="10.1.0.1"))
    hp.write_pcap(os.path.join(d, "in1.pcap"), [arp + bytes(60 - len(arp))])
    cfg = SCAN_CONFIG.format(d=d, inf=",infinite_rx=1", p0=P0_MAC, p1=P1_MAC, gw=GW, limit=limit, pps=1000)
    cfg = cfg.replace("rx_pcap={d}/in1.pcap".format(d=d), "rx_pcap={d}/in1.pcap,infinite_rx=1".format(d=d))
    cfg = cfg.replace(",tx_pcap={d}/out1.pcap".format(d=d), "")
    with hp.Daemon(BIN, d, cfg, name="full") as dm:
        c = Ctl(os.path.join(d, "full.sock"))
        wait_for("p1 at its limit", lambda: c.slow()["neigh_entries"] >= limit)
        h = wait_for("10.1.0.5 resolved", lambda: (c.neigh("10.1.0.5") or {}).get("mac") == m5 and c.neigh("10.1.0.5"))
        assert h["state"] in ("reachable", "stale", "delay", "probe"), h
        for _ in range(20):
            st = c.slow()
            assert st["neigh_entries"] <= limit, st
            n5 = c.neigh("10.1.0.5")
            assert n5 and n5["mac"] == m5, n5
            time.sleep(0.05)
        assert c.slow()["neigh_table_full"] + c.ok("stats")["drops"]["neigh_table_full"] > 0
        # commands are never refused for room: gateways and static neighbours are pinned
        for i in range(100):
            assert c.ok("neigh.add", {"ip": "10.1.200.%d" % (i + 1), "mac": "02:00:00:00:02:%02x" % i}) == {}
            assert c.ok("route.add", {"prefix": "203.0.%d.0/24" % i, "via": "10.1.201.%d" % (i + 1)}) == {}
        rows = c.ok("neigh.show")
        assert sum(1 for r in rows if r["ip"].startswith("10.1.200.") and r["state"] == "static") == 100
        assert sum(1 for r in rows if r["ip"].startswith("10.1.201.")) == 100
        assert c.slow()["neigh_entries"] <= limit
        c.close()
        stop_ok(dm)


def test_punt_ring_and_inject_overflow(d):
    """A flood for the control thread (ARP requests for our address and packets whose TTL runs
    out, replayed for ever) beside traffic to a resolved next hop: the worker drops what the
    punt ring cannot take (punt_ring_full), the control thread what the inject ring or the
    pool cannot take (inject_full); every punted packet is answered or counted; forwarding,
    the control socket and the pool survive."""
    arp = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=HOST_MAC) /
                ARP(op=1, hwsrc=HOST_MAC, psrc="10.0.0.2", pdst="10.0.0.1"))
    arp += bytes(60 - len(arp))
    frames = []
    for i in range(4000):
        frames += [arp, udp4_frame("198.18.1.%d" % (i % 250 + 1), sport=i)]
    hp.write_pcap(os.path.join(d, "in0.pcap"), frames)
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    cfg = SCAN_CONFIG.format(d=d, inf=",infinite_rx=1", p0=P0_MAC, p1=P1_MAC, gw=GW, limit=64, pps=100)
    cfg = cfg.replace(",tx_pcap={d}/out1.pcap".format(d=d), "")
    with hp.Daemon(BIN, d, cfg, name="flood") as dm:
        c = Ctl(os.path.join(d, "flood.sock"))
        wait_for("ARP replies", lambda: c.slow()["arp_replies"] > 10000, timeout=60)
        wait_for("forwarding", lambda: c.ok("port.stats", {"name": "p1"})[0]["tx_packets"] > 10000, timeout=60)
        for _ in range(20):
            assert c.ok("status")["ports"] == 2  # the socket is served throughout
        c.close()
        report = stop_ok(dm)
    s, drops = report["slowpath"], report["drops"]
    # all the control thread took was ARP for us: each one answered, or its answer counted lost
    assert s["punted"]["local"] == s["arp_replies"] + s["inject_full"], s
    # what the workers punted was taken by the control thread or freed on stop; what the ring refused is counted
    punted = sum(w["punted"]["local"] for w in report["workers"])
    assert punted >= s["punted"]["local"], (punted, s)
    print("punt_ring_full=%d inject_full=%d arp_replies=%d" % (
        drops.get("punt_ring_full", 0), s["inject_full"], s["arp_replies"]))


# ---- the live rig: p1 on a veth, the neighbours played from the other end ----

class Veth:
    """A veth pair: hotpathd's p1 on .a (net_af_packet), a raw socket on .b."""

    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.a, self.b = "hpn%sa" % tag, "hpn%sb" % tag
        subprocess.run(["ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b], check=True)
        for i in (self.a, self.b):
            with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % i, "w") as f:
                f.write("1")  # the kernel says nothing on the link
            subprocess.run(["ip", "link", "set", i, "up"], check=True)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind((self.b, 0))
        self.s.setblocking(False)
        self.seen = []

    def send(self, frame):
        f = bytes(frame)
        self.s.send(f + bytes(max(0, 60 - len(f))))

    def poll(self):
        """Frames hotpathd sent since the last call (also kept in self.seen)."""
        got = []
        while True:
            try:
                f, addr = self.s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] != socket.PACKET_OUTGOING:
                got.append(f)
        self.seen += got
        return got

    def close(self):
        self.s.close()
        subprocess.run(["ip", "link", "del", self.a], check=False)


LIVE_CONFIG = """\
ports:
  - {{ name: p1, device: "net_af_packet0,iface={a}", mac: "{p1}",
      ipv4: [10.1.0.1/16], ipv6: ["2001:db8:1::1/64"] }}
neighbor_config: {{ {nc} }}
acl_default: {acl}
"""


def live(d, name, nc, body):
    """Run body(c, veth) against a daemon whose only port sits on a fresh veth."""
    v = Veth()
    try:
        cfg = LIVE_CONFIG.format(a=v.a, p1=P1_MAC, nc=nc, acl="permit")
        with hp.Daemon(BIN, d, cfg, name=name) as dm:
            c = Ctl(os.path.join(d, name + ".sock"))
            try:
                body(c, v, d)
            finally:
                c.close()
            return stop_ok(dm)
    finally:
        v.close()


def data4(dst, n=0, src="10.1.0.50", smac="02:00:00:00:01:50"):
    """A packet from a host of p1's subnet to another one (hotpathd routes it back out of p1)."""
    return Ether(dst=P1_MAC, src=smac) / IP(src=src, dst=dst, id=n) / UDP(sport=7, dport=9)


def data6(dst, n=0):
    return (Ether(dst=P1_MAC, src="02:00:00:00:01:50") / IPv6(src="2001:db8:1::50", dst=dst) /
            UDP(sport=7, dport=n + 1))


def is_arp_req(f, ip):
    e = Ether(f)
    return ARP in e and e[ARP].op == 1 and e[ARP].pdst == ip


def is_ns(f, ip):
    e = Ether(f)
    return ICMPv6ND_NS in e and e[ICMPv6ND_NS].tgt == ip


def arp_reply(ip, mac):
    return Ether(dst=P1_MAC, src=mac) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=P1_MAC, pdst="10.1.0.1")


def na(ip, mac, s=1, o=1):
    return (Ether(dst=P1_MAC, src=mac) / IPv6(src=ip, dst="2001:db8:1::1", hlim=255) /
            ICMPv6ND_NA(R=0, S=s, O=o, tgt=ip) / ICMPv6NDOptDstLLAddr(lladdr=mac))


def delivered(v, dst_mac, ip):
    return [f for f in v.seen if f[:6] == bytes.fromhex(dst_mac.replace(":", "")) and IP in Ether(f) and
            Ether(f)[IP].dst == ip]


def test_give_up_and_resolve_again(d):
    """A silent host: packets held, `probes` ARP requests, then given up (held packets dropped,
    counted neigh_failed, state failed); its next packets start a new round, and when it
    finally answers they leave."""
    ip, mac = "10.1.0.77", "02:00:00:00:01:77"

    def body(c, v, d):
        n = 0
        # keep sending until it has given up at least once and asked again after that
        def step():
            nonlocal n
            v.send(data4(ip, n))
            n += 1
            v.poll()
            s = c.slow()
            return s["neigh_failed"] > 0 and sum(is_arp_req(f, ip) for f in v.seen) > 2 and s
        s = wait_for("a failed round and a new one", step, timeout=60, step=0.05)
        reqs = [f for f in v.seen if is_arp_req(f, ip)]
        assert all(f[:6] == b"\xff" * 6 for f in reqs), "an unresolved host is asked by broadcast"
        assert s["neigh_failed"] >= 1 and s["held"] > s["neigh_failed"] - 1, s
        # it answers the next request: what is held leaves, and the rest flows
        v.send(arp_reply(ip, mac))
        wait_for("resolved", lambda: (c.neigh(ip) or {}).get("state") == "reachable")
        for k in range(5):
            v.send(data4(ip, 1000 + k))
        wait_for("packets to it", lambda: v.poll() is not None and len(delivered(v, mac, ip)) >= 5)

    report = live(d, "giveup", "probes: 2, solicit_per_target_ms: 300, hold_per_neighbor: 4", body)
    s = report["slowpath"]
    assert s["released"] >= 1 and s["neigh_failed"] >= 1, s


def test_reachability_probes_keep_forwarding(d):
    """RFC 4861 7.3 for ARP: a REACHABLE neighbour goes STALE, and used, DELAY then PROBE with
    unicast ARP; it keeps forwarding all the while, and its answer makes it REACHABLE again. No
    packet of the flow is punted or held because it aged. The same for IPv6 with unicast NS."""
    ip4, ip6, mac = "10.1.0.80", "2001:db8:1::80", "02:00:00:00:01:80"

    def body(c, v, d):
        # resolve both: the first packet asks, the answer releases it
        v.send(data4(ip4))
        v.send(data6(ip6))
        wait_for("ARP and NS", lambda: v.poll() is not None and any(is_arp_req(f, ip4) for f in v.seen) and
                 any(is_ns(f, ip6) for f in v.seen))
        v.send(arp_reply(ip4, mac))
        v.send(na(ip6, mac))
        wait_for("both reachable", lambda: all((c.neigh(i) or {}).get("state") == "reachable" for i in (ip4, ip6)))
        base = c.slow()
        states, sent = set(), 0
        probes4 = probes6 = 0

        def step():
            nonlocal sent, probes4, probes6
            v.send(data4(ip4, sent))
            v.send(data6(ip6, sent))
            sent += 1
            for f in v.poll():
                # unicast probes, answered at once
                if is_arp_req(f, ip4) and f[:6] == bytes.fromhex(mac.replace(":", "")):
                    probes4 += 1
                    v.send(arp_reply(ip4, mac))
                if is_ns(f, ip6) and f[:6] == bytes.fromhex(mac.replace(":", "")) and Ether(f)[IPv6].dst == ip6:
                    probes6 += 1
                    v.send(na(ip6, mac))
            for i in (ip4, ip6):
                states.add((c.neigh(i) or {}).get("state"))
            return probes4 >= 1 and probes6 >= 1 and all(
                (c.neigh(i) or {}).get("state") == "reachable" for i in (ip4, ip6))
        wait_for("a probe of each answered", step, timeout=60, step=0.02)
        wait_for("every packet out", lambda: v.poll() is not None and
                 len(delivered(v, mac, ip4)) >= sent + 1, timeout=30)
        after = c.slow()
        assert after["probes"] - base["probes"] >= 2, (base, after)
        # nothing was punted for resolution or held while it aged and was probed
        assert after["punted"]["resolve"] == base["punted"]["resolve"], (base, after)
        assert after["held"] == base["held"] and after["neigh_failed"] == 0, (base, after)
        assert "stale" in states or "delay" in states or "probe" in states, states
        assert not any(f[:6] == b"\xff" * 6 and is_arp_req(f, ip4) for f in v.poll())
        v6out = [f for f in v.seen if IPv6 in Ether(f) and UDP in Ether(f) and Ether(f)[IPv6].dst == ip6]
        assert len(v6out) >= sent + 1, (len(v6out), sent)

    live(d, "nud", "reachable_ms: 1000, delay_ms: 200, solicit_per_target_ms: 1000, probes: 3", body)


def test_learning_updates_only(d):
    """RFC 826 / RFC 4861 7.2.5: ARP not for us and unsolicited NAs never create an entry;
    an existing one is updated, the NA's Override flag honoured."""
    ip6, a, b = "2001:db8:1::94", "02:00:00:00:01:94", "02:00:00:00:01:95"

    def body(c, v, d):
        before = c.slow()["learn_ignored"]
        v.send(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:01:90") /
               ARP(op=1, hwsrc="02:00:00:00:01:90", psrc="10.1.0.90", pdst="10.1.0.91"))  # not for us
        v.send(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:01:92") /
               ARP(op=1, hwsrc="02:00:00:00:01:92", psrc="10.1.0.92", pdst="10.1.0.1"))  # for us: answered
        v.send(na("2001:db8:1::93", "02:00:00:00:01:93", s=0, o=1))  # unsolicited, no entry
        wait_for("three ignored", lambda: c.slow()["learn_ignored"] >= before + 3)
        wait_for("the ARP reply", lambda: v.poll() is not None and any(
            ARP in Ether(f) and Ether(f)[ARP].op == 2 and Ether(f)[ARP].pdst == "10.1.0.92" for f in v.seen))
        ips = {r["ip"] for r in c.ok("neigh.show")}
        assert not ips & {"10.1.0.90", "10.1.0.91", "10.1.0.92", "2001:db8:1::93"}, ips
        # an entry of our own, resolved with S|O from a
        v.send(data6(ip6))
        wait_for("NS", lambda: v.poll() is not None and any(is_ns(f, ip6) for f in v.seen))
        v.send(na(ip6, a, s=1, o=1))
        wait_for("reachable at a", lambda: c.neigh(ip6) == dict(c.neigh(ip6), mac=a, state="reachable"))
        # b without Override: not taken, REACHABLE -> STALE
        v.send(na(ip6, b, s=1, o=0))
        wait_for("stale, still a", lambda: (c.neigh(ip6)["mac"], c.neigh(ip6)["state"]) == (a, "stale"))
        # b with Override, unsolicited: taken, STALE
        v.send(na(ip6, b, s=0, o=1))
        wait_for("b, stale", lambda: (c.neigh(ip6)["mac"], c.neigh(ip6)["state"]) == (b, "stale"))
        # solicited: REACHABLE
        v.send(na(ip6, b, s=1, o=0))
        wait_for("b, reachable", lambda: (c.neigh(ip6)["mac"], c.neigh(ip6)["state"]) == (b, "reachable"))
        # ARP merges into an entry that exists, whatever the request's target (RFC 826)
        v.send(data4("10.1.0.96"))
        wait_for("ARP request", lambda: v.poll() is not None and any(is_arp_req(f, "10.1.0.96") for f in v.seen))
        v.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=a) / ARP(op=1, hwsrc=a, psrc="10.1.0.96", pdst="10.1.0.97"))
        wait_for("learned from ARP not for us", lambda: (c.neigh("10.1.0.96") or {}).get("mac") == a)
        assert c.neigh("10.1.0.96")["state"] == "stale"

    live(d, "learn", "solicit_per_target_ms: 10000", body)


def test_neigh_del_frees_held(d):
    """neigh.del of an incomplete entry drops what it holds (counted) and forgets it."""
    ip = "10.1.0.95"

    def body(c, v, d):
        for k in range(5):
            v.send(data4(ip, k))
        wait_for("5 held", lambda: (c.neigh(ip) or {}).get("held") == 5)
        assert c.neigh(ip)["state"] == "incomplete"
        base = c.slow()
        assert base["neigh_held"] == 5, base
        assert c.ok("neigh.del", {"ip": ip}) == {}
        s = c.slow()
        assert s["neigh_failed"] == base["neigh_failed"] + 5 and s["neigh_held"] == 0, s
        assert c.neigh(ip) is None
        r = c.req("neigh.del", {"ip": ip})
        assert r["ok"] is False and r["error"]["code"] == "ENOENT", r

    # a long retransmit interval: the entry cannot give up by itself during the test
    live(d, "del", "solicit_per_target_ms: 60000, probes: 3", body)


def test_config_apply_keeps_neighbours(d):
    """config.apply of an unrelated section (the ACL default) keeps every learned neighbour:
    its MAC, its state, traffic to it without a new ARP request."""
    ip, mac = "10.1.0.98", "02:00:00:00:01:98"

    def body(c, v, d):
        v.send(data4(ip))
        wait_for("ARP request", lambda: v.poll() is not None and any(is_arp_req(f, ip) for f in v.seen))
        v.send(arp_reply(ip, mac))
        wait_for("reachable", lambda: (c.neigh(ip) or {}).get("state") == "reachable")
        before = c.neigh(ip)
        solicits = c.slow()["solicits"]
        path = os.path.join(d, "applied.yaml")
        with open(os.path.join(d, "apply.yaml")) as f:  # the daemon's own file, and an ACL rule
            text = f.read()
        with open(path, "w") as f:
            f.write(text + "acl: [{ priority: 1, dst: 203.0.113.0/24, action: deny }]\n")
        assert c.ok("config.apply", {"file": path}) == {}
        assert c.neigh(ip) == before, (c.neigh(ip), before)
        n0 = len(delivered(v, mac, ip))
        for k in range(5):
            v.send(data4(ip, 100 + k))
        wait_for("packets out", lambda: v.poll() is not None and len(delivered(v, mac, ip)) >= n0 + 5)
        assert c.slow()["solicits"] == solicits

    live(d, "apply", "solicit_per_target_ms: 10000", body)


def test_config_keys(d):
    """neighbor_config: refused out of range with a message naming the key; config dump shows it."""
    hp.write_pcap(os.path.join(d, "in0.pcap"), [])
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    good = SCAN_CONFIG.format(d=d, inf="", p0=P0_MAC, p1=P1_MAC, gw=GW, limit=100, pps=50)
    for bad, what in [("max_per_port: 100", "max_per_port: 1"), ("hold_total_pct: 2", "hold_total_pct: 90"),
                      ("solicit_pps: 50", "solicit_pps: 0"), ("probes: 2", "probes: x")]:
        path = os.path.join(d, "bad.yaml")
        with open(path, "w") as f:
            f.write(good.replace(bad, what))
        r = subprocess.run([BIN, "--check", "-c", path], capture_output=True, text=True)
        key = what.split(":")[0]
        assert r.returncode != 0 and key in r.stderr, (what, r.returncode, r.stderr)
    with hp.Daemon(BIN, d, good, name="keys") as dm:
        c = Ctl(os.path.join(d, "keys.sock"))
        dump = c.ok("config.dump")
        c.close()
        stop_ok(dm)
    nc = json.loads(dump["yaml"].split("\n", 1)[1])["neighbor_config"]  # JSON after a comment line
    assert nc == {"max_per_port": 100, "hold_per_neighbor": 4, "hold_total_pct": 2, "solicit_pps": 50,
                  "solicit_per_target_ms": 1000, "reachable_ms": 30000, "delay_ms": 5000, "probes": 2}, nc


if __name__ == "__main__":
    hp.run([test_scan_is_bounded, test_scan_never_evicts_and_commands_work, test_punt_ring_and_inject_overflow,
            test_give_up_and_resolve_again, test_reachability_probes_keep_forwarding, test_learning_updates_only,
            test_neigh_del_frees_held, test_config_apply_keeps_neighbours, test_config_keys])
