#!/usr/bin/python3
"""End to end: the load balancer's backend host (lb_backend.py, issue 16) on its own, driven by a
client that encapsulates as the load balancer would.

    netns TAG-c (client + the load balancer's part)        netns TAG-b (backend)
      c0 10.99.1.1/24            <-- veth -->               b0 10.99.1.2/24
         2001:db8:99:1::1/64                                   2001:db8:99:1::2/64
                                                             lbtun0 (TUN, lb_backend.py), rp_filter 0
                                                             lo: VIPs 192.0.2.10/32, 2001:db8::10/128

The client writes frames with scapy on c0: an ICMP echo request or a TCP SYN from its own
address to the VIP, inside IPIP, GUE over IPv4, IP6IP6, 4in6 or GUE over IPv6 to the
backend's address (the outer headers as dataplane/lb_encap.h describes them: GUE's UDP
checksum 0 over IPv4, the full one over IPv6). The backend's kernel must answer each from
the VIP, straight to the client and unencapsulated (direct server return); the backend's
counters must name the encapsulations that arrived. Malformed inner packets are counted and
not written. After SIGTERM the TUN device, the VIPs lb_backend.py added and its rp_filter
change are gone. Nothing waits a fixed time: replies are awaited up to a generous deadline
(an unanswered packet is sent again every RESEND_S, so counters are bounded by what was sent).
Usage: test_lb_backend.py PATH/TO/lb_backend.py [TEST]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402
import lb_backend  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-lbb-%d" % os.getpid()
NS_C, NS_B = TAG + "-c", TAG + "-b"
C4, B4, C6, B6 = "10.99.1.1", "10.99.1.2", "2001:db8:99:1::1", "2001:db8:99:1::2"
VIP4, VIP6 = "192.0.2.10", "2001:db8::10"
GUE_PORT = 6080
TUN = "lbtun0"
DEADLINE = 60
RESEND_S = 2


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: rc %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


class Topology:
    def __enter__(self):
        hp.at_term(self.down)
        try:
            return self.up()
        except BaseException:
            self.down()
            raise

    def up(self):
        self.down()
        for ns in (NS_C, NS_B):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        # made inside the namespaces: nothing of it is ever in the test's own
        sh("ip", "link", "add", "c0", "netns", NS_C, "type", "veth", "peer", "name", "b0", "netns", NS_B)
        for ns, dev, a4, a6 in ((NS_C, "c0", C4, C6), (NS_B, "b0", B4, B6)):
            sh("ethtool", "-K", dev, "tx", "off", ns=ns)  # frames leave with their checksums filled
            sh("ip", "addr", "add", a4 + "/24", "dev", dev, ns=ns)
            sh("ip", "-6", "addr", "add", a6 + "/64", "dev", dev, "nodad", ns=ns)
            sh("ip", "link", "set", dev, "up", ns=ns)
        # a strict host: the reverse path check lb_backend.py must turn off for its TUN
        sh("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", ns=NS_B)
        self.backend_mac = json.loads(sh("ip", "-j", "link", "show", "b0", ns=NS_B).stdout)[0]["address"]
        return self

    def down(self):
        for ns in (NS_C, NS_B):
            sh("ip", "netns", "del", ns, check=False)  # the veth goes with them

    def __exit__(self, *exc):
        hp.no_term(self.down)
        self.down()


# The client: each case's frame written on c0 with an AF_PACKET socket (opened before the first
# send, so no reply can come before it listens), then the replies awaited: one from the VIP,
# directly under the Ethernet header, per case that expects one. Unanswered ones are sent again
# every RESEND_S. Prints {"sent": {case: n}, "answered": {case: summary}, "missing": [case]}.
CLIENT = r"""
import json, select, socket, sys, time
from scapy.all import Ether, IP, IPv6, UDP, TCP, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, Raw, get_if_hwaddr
spec = json.loads(sys.argv[1])
C4, C6, B4, B6, V4, V6 = (spec[k] for k in ("c4", "c6", "b4", "b6", "vip4", "vip6"))
ETH = Ether(src=get_if_hwaddr(spec["iface"]), dst=spec["backend_mac"])

def inner(c):
    if "raw" in c:
        return Raw(bytes.fromhex(c["raw"]))
    ip = IP(src=C4, dst=V4) if c["inner"] == 4 else IPv6(src=C6, dst=V6)
    if c["l4"] == "tcp":
        return ip / TCP(sport=c["ident"], dport=80, flags="S", seq=c["ident"] * 1000)
    if c["inner"] == 4:
        return ip / ICMP(type=8, id=c["ident"], seq=1) / Raw(b"lb-backend")
    return ip / ICMPv6EchoRequest(id=c["ident"], seq=1, data=b"lb-backend")

def frame(c):
    e, i = c["encap"], inner(c)
    sport = 49152 + c["ident"] % 16384
    if e == "ipip":
        return ETH / IP(src=C4, dst=B4, proto=4, ttl=64, id=0) / i
    if e == "gue4":
        return ETH / IP(src=C4, dst=B4, ttl=64, id=0) / UDP(sport=sport, dport=spec["gue_port"], chksum=0) / i
    if e == "4in6":
        return ETH / IPv6(src=C6, dst=B6, nh=4, hlim=64, fl=c["ident"]) / i
    if e == "ip6ip6":
        return ETH / IPv6(src=C6, dst=B6, nh=41, hlim=64, fl=c["ident"]) / i
    if e == "gue6":  # scapy fills the UDP checksum, as IPv6 requires
        return ETH / IPv6(src=C6, dst=B6, nh=17, hlim=64, fl=c["ident"]) / UDP(sport=sport, dport=spec["gue_port"]) / i
    raise SystemExit("unknown encapsulation %r" % e)

def answers(c, p):
    ip = p.payload  # right under Ethernet: the reply is not encapsulated
    if c["inner"] == 4:
        if not isinstance(ip, IP) or ip.src != V4 or ip.dst != C4:
            return False
    elif not isinstance(ip, IPv6) or ip.src != V6 or ip.dst != C6:
        return False
    if c["l4"] == "tcp":
        return (TCP in ip and ip[TCP].sport == 80 and ip[TCP].dport == c["ident"] and ip[TCP].flags == "SA"
                and ip[TCP].ack == c["ident"] * 1000 + 1)
    if c["inner"] == 4:
        return ICMP in ip and ip[ICMP].type == 0 and ip[ICMP].id == c["ident"]
    return ICMPv6EchoReply in ip and ip[ICMPv6EchoReply].id == c["ident"]

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((spec["iface"], 0))
frames = {c["name"]: bytes(frame(c)) for c in spec["cases"]}
sent = dict.fromkeys(frames, 0)
def send(name):
    s.send(frames[name])
    sent[name] += 1
for c in spec["cases"]:  # in the order given: the malformed ones first
    send(c["name"])
pending = {c["name"]: c for c in spec["cases"] if c["reply"]}
answered = {}
end = time.monotonic() + spec["deadline"]
last = time.monotonic()
while pending and time.monotonic() < end:
    if select.select([s], [], [], 0.2)[0]:
        data, addr = s.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING:
            p = Ether(data)
            for name, c in list(pending.items()):
                if answers(c, p):
                    answered[name] = p.payload.summary()
                    del pending[name]
    if pending and time.monotonic() - last >= spec["resend_s"]:
        for name in pending:
            send(name)
        last = time.monotonic()
print(json.dumps({"sent": sent, "answered": answered, "missing": sorted(pending)}))
"""


def case(name, encap, inner, l4="icmp", ident=0, raw=None):
    c = {"name": name, "encap": encap, "inner": inner, "l4": l4, "ident": ident, "reply": raw is None}
    if raw is not None:
        c["raw"] = raw.hex()
    return c


def client(topo, cases):
    spec = {"iface": "c0", "backend_mac": topo.backend_mac, "c4": C4, "c6": C6, "b4": B4, "b6": B6,
            "vip4": VIP4, "vip6": VIP6, "gue_port": GUE_PORT, "cases": cases, "deadline": DEADLINE,
            "resend_s": RESEND_S}
    r = sh(PY, "-c", CLIENT, json.dumps(spec), ns=NS_C, check=False, timeout=DEADLINE + 60)
    assert r.returncode == 0, "client: rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def listener():
    """TCP listeners on both VIPs' port 80 in the backend (the kernel answers the SYN itself)."""
    code = ("import socket, time\n"
            "ls = []\n"
            "for fam, a in ((socket.AF_INET, %r), (socket.AF_INET6, %r)):\n"
            "    s = socket.socket(fam, socket.SOCK_STREAM)\n"
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "    s.bind((a, 80)); s.listen(16); ls.append(s)\n"
            "print('listening', flush=True)\n"
            "while True:\n"
            "    time.sleep(3600)\n" % (VIP4, VIP6))
    p = hp.popen(["ip", "netns", "exec", NS_B, PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                 text=True, start_new_session=True)
    line = p.stdout.readline().strip()
    if line != "listening":
        hp.kill_group(p)
        raise AssertionError("listener in %s: %r %s" % (NS_B, line, p.stderr.read()))
    return p


def lo_addrs():
    return {a["local"] for li in json.loads(sh("ip", "-j", "addr", "show", "dev", "lo", ns=NS_B).stdout)
            for a in li["addr_info"]}


def backend(d):
    return lb_backend.Backend(NS_B, d, tun=TUN, vips=(VIP4, VIP6), gue_port=GUE_PORT, ipip=True,
                              program=PROGRAM)


def stop_and_check(b, result, kept=()):
    """Stop the backend: exit 0, its counters, and everything it set up undone (but the VIPs in
    kept, which were on lo before it started). The counters, with the client's result."""
    code, counters = b.stop()
    print("  counters: %s" % json.dumps(counters))
    print("  client: %s" % json.dumps(result))
    assert code == 0, "lb_backend exited %d: %s" % (code, b.stderr())
    assert sh("ip", "link", "show", TUN, ns=NS_B, check=False).returncode != 0, "%s left after SIGTERM" % TUN
    left = lo_addrs()
    for vip in (VIP4, VIP6):
        assert (vip in left) == (vip in kept), "VIP %s on lo after SIGTERM: %s (kept: %s)" % (vip, left, kept)
    rp = sh("sysctl", "-n", "net.ipv4.conf.all.rp_filter", ns=NS_B).stdout.strip()
    assert rp == "1", "net.ipv4.conf.all.rp_filter %s after SIGTERM, 1 before" % rp
    assert not os.path.exists(b.ready), "ready file left after SIGTERM"
    assert counters["tun_write_errors"] == 0, counters
    return counters


def check_decap(counters, result, cases):
    """Every answered case's packet was decapsulated once at least and at most as often as sent."""
    for kind in lb_backend.KINDS:
        good = [c["name"] for c in cases if c["encap"] == kind and c["reply"]]
        lo = len(good)
        hi = sum(result["sent"][n] for n in good)
        assert lo <= counters["decap"][kind] <= hi, "decap %s: %d, expected %d..%d (%s)" % (
            kind, counters["decap"][kind], lo, hi, counters)
    for ver, key in ((4, "ipv4"), (6, "ipv6")):
        good = [c["name"] for c in cases if c["inner"] == ver and c["reply"]]
        assert len(good) <= counters["inner"][key] <= sum(result["sent"][n] for n in good), (key, counters)


def test_each_encapsulation(d):
    """ICMP echo and a TCP SYN in every encapsulation: answered from the VIP, counted by kind."""
    cases = [case("ipip_icmp", "ipip", 4, ident=0x101),
             case("gue4_icmp", "gue4", 4, ident=0x102),
             case("ip6ip6_icmp6", "ip6ip6", 6, ident=0x103),
             case("4in6_icmp", "4in6", 4, ident=0x104),
             case("gue6_icmp6", "gue6", 6, ident=0x105),
             case("gue6_icmp", "gue6", 4, ident=0x106),
             case("ipip_tcp", "ipip", 4, "tcp", ident=40001),
             case("ip6ip6_tcp", "ip6ip6", 6, "tcp", ident=40002),
             case("gue4_tcp", "gue4", 4, "tcp", ident=40003)]
    with Topology() as topo, backend(d) as b:
        lst = listener()
        try:
            result = client(topo, cases)
        finally:
            hp.kill_group(lst)
        counters = stop_and_check(b, result)
    assert not result["missing"], "no reply from the VIP for %s: %s" % (result["missing"], result)
    check_decap(counters, result, cases)
    assert not any(counters["malformed"].values()), counters


# inner packets lb_backend.py must refuse, each with the encapsulation it came in
V4_HDR = bytes.fromhex("45000014000000004001f7e4c0000201c000020a")  # 20 bytes, total length 20
V6_HDR = bytes.fromhex("6000000000003a40") + bytes(15) + b"\x01" + bytes(15) + b"\x10"  # payload 0


def test_malformed_counted(d):
    """Inner packets of the wrong version or a length that does not match are counted, not
    written; good ones after them still go through; a VIP that was on lo before stays there."""
    bad = [case("ipip_v6", "ipip", 6, raw=V6_HDR),                               # 6in4 is not offered
           case("ipip_len", "ipip", 4, raw=V4_HDR[:2] + b"\x00\x28" + V4_HDR[4:]),  # says 40, has 20
           case("ipip_ihl", "ipip", 4, raw=b"\x44" + V4_HDR[1:]),                  # IHL 16 bytes
           case("4in6_v6", "4in6", 6, raw=V6_HDR),
           case("ip6ip6_v4", "ip6ip6", 4, raw=V4_HDR),
           case("gue4_junk", "gue4", 4, raw=b"\x00" * 24),                        # version 0
           case("gue4_short", "gue4", 4, raw=V4_HDR[:12]),
           case("gue6_short", "gue6", 6, raw=V6_HDR[:30]),
           case("gue6_len", "gue6", 6, raw=V6_HDR + b"trailing")]
    good = [case("ipip_icmp", "ipip", 4, ident=0x201),
            case("4in6_icmp", "4in6", 4, ident=0x202),
            case("ip6ip6_icmp6", "ip6ip6", 6, ident=0x203),
            case("gue4_icmp", "gue4", 4, ident=0x204),
            case("gue6_icmp6", "gue6", 6, ident=0x205)]
    with Topology() as topo:
        sh("ip", "addr", "add", VIP4 + "/32", "dev", "lo", ns=NS_B)  # someone else's: kept at exit
        with backend(d) as b:
            # the malformed ones first: once each good one is answered, its socket read them
            result = client(topo, bad + good)
            counters = stop_and_check(b, result, kept=(VIP4,))
    assert not result["missing"], "no reply from the VIP for %s: %s" % (result["missing"], result)
    want = {k: sum(1 for c in bad if c["encap"] == k) for k in lb_backend.KINDS}
    assert counters["malformed"] == want, "malformed %s, sent %s" % (counters["malformed"], want)
    assert counters["last_malformed"], counters
    check_decap(counters, result, good)


def main():
    global PROGRAM
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.R_OK):
        sys.exit("usage: %s PATH/TO/lb_backend.py [TEST]" % sys.argv[0])
    PROGRAM = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, TUN, raw sockets)")
        sys.exit(hp.SKIP)
    if not os.path.exists("/dev/net/tun"):
        print("SKIP: no /dev/net/tun")
        sys.exit(hp.SKIP)
    if shutil.which("ethtool") is None:
        print("SKIP: ethtool is not installed (apt-get install ethtool)")
        sys.exit(hp.SKIP)
    if subprocess.run([PY, "-c", "import scapy.all"], capture_output=True).returncode != 0:
        print("SKIP: scapy is not installed for %s (apt-get install python3-scapy)" % PY)
        sys.exit(hp.SKIP)
    hp.run([test_each_encapsulation, test_malformed_counted])


if __name__ == "__main__":
    main()
