"""End to end: real Linux hosts on veth, routed through hotpathd, on each kernel port type.

    netns A (host)                    netns R (hotpathd)                     netns B (host)
      ha 10.61.0.2/24   <-- veth -->  ra  p0 10.61.0.1  | p1 10.62.0.1  rb  <-- veth -->  hb 10.62.0.2/24
         2001:db8:61::2/64                2001:db8:61::1 | 2001:db8:62::1       2001:db8:62::2/64

The hosts resolve hotpathd by ARP and ND, route through it and run ping, ping6 and TCP
as a user would: fragments of big pings (IPv4 and IPv6), full-size DF frames, a TCP
transfer. The hosts compute their own checksums (ethtool -K tx off, as
scripts/netns/veth.sh does): a veth leaves them to a NIC that is not there.
Port types: net_af_packet and net_af_xdp (net_pcap's: tests/integration/test_fragments.py).
On net_af_packet DPDK's af_packet PMD has the kernel reassemble IPv4 fragments
(PACKET_FANOUT_FLAG_DEFRAG): hotpathd gives the ring frames big enough for the whole
datagram, routes it and fragments it again for the egress MTU (punt reason mtu).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-pv-%d" % os.getpid()
NS_A, NS_R, NS_B = TAG + "-a", TAG + "-r", TAG + "-b"
DEADLINE = 60  # seconds a ping may take at most; it ends as soon as its replies are in


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def hpctl(sock, *args):
    r = subprocess.run([os.environ["HPCTL"], "-s", sock, "-j"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("hpctl %s: %s" % (" ".join(args), r.stderr))
    return json.loads(r.stdout)


class Topology:
    def __enter__(self):
        self.down()
        for ns in (NS_A, NS_R, NS_B):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        self.mac = {}
        for host, h, r, n in ((NS_A, "ha", "ra", "61"), (NS_B, "hb", "rb", "62")):
            sh("ip", "link", "add", h, "netns", host, "type", "veth", "peer", "name", r, "netns", NS_R)
            # hotpathd's side: no address, no IPv6 of the kernel's own (the port is hotpathd's)
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % r, ns=NS_R)
            sh("ip", "link", "set", r, "up", ns=NS_R)
            self.mac[r] = json.loads(sh("ip", "-j", "link", "show", r, ns=NS_R).stdout)[0]["address"]
            sh("ethtool", "-K", h, "tx", "off", ns=host)
            sh("ip", "addr", "add", "10.%s.0.2/24" % n, "dev", h, ns=host)
            sh("ip", "-6", "addr", "add", "2001:db8:%s::2/64" % n, "dev", h, "nodad", ns=host)
            sh("ip", "link", "set", h, "up", ns=host)
            sh("ip", "route", "add", "default", "via", "10.%s.0.1" % n, ns=host)
            sh("ip", "-6", "route", "add", "default", "via", "2001:db8:%s::1" % n, ns=host)
        return self

    def down(self):
        for ns in (NS_A, NS_R, NS_B):
            sh("ip", "netns", "del", ns, check=False)

    def __exit__(self, *exc):
        self.down()


def config(topo, d, kind):
    sock = os.path.join(d, "hp.sock")

    def dev(i, iface):
        if kind == "af_packet":
            return "net_af_packet%d,iface=%s" % (i, iface)
        return "net_af_xdp%d,iface=%s,start_queue=0,queue_count=1" % (i, iface)
    return sock, (
        "control: { socket: %s }\n"
        "ports:\n"
        "  - { name: p0, device: \"%s\", mode: l3, mac: \"%s\", ipv4: [10.61.0.1/24], ipv6: [\"2001:db8:61::1/64\"] }\n"
        "  - { name: p1, device: \"%s\", mode: l3, mac: \"%s\", ipv4: [10.62.0.1/24], ipv6: [\"2001:db8:62::1/64\"] }\n"
        % (sock, dev(0, "ra"), topo.mac["ra"], dev(1, "rb"), topo.mac["rb"]))


def ping(ns, dst, size, count=3, df=False):
    """ping from ns; the number of replies, at most count (it stops at count replies or after
    DEADLINE; requests sent while the first were held for ARP/ND can bring more replies)."""
    cmd = ["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-w", str(DEADLINE), "-s", str(size)]
    if df:
        cmd += ["-M", "do"]
    r = sh(*(cmd + [dst]), ns=ns, check=False)
    for line in r.stdout.splitlines():
        if "received" in line:
            return min(int(line.split(",")[1].split()[0]), count)
    raise AssertionError("ping %s: %s %s" % (dst, r.stdout, r.stderr))


def drops(sock):
    st = hpctl(sock, "stats")
    return {k: v for k, v in st.get("drops", {}).items() if v}


def fragmented(sock):
    """datagrams the MTU slow path fragmented so far"""
    return hpctl(sock, "stats").get("slowpath", {}).get("fragmented", 0)


def port_tx(sock):
    return sum(p["tx_packets"] for p in hpctl(sock, "port", "stats"))


def fragments_and_tcp(d, kind):
    with Topology() as topo:
        sock, text = config(topo, d, kind)
        with hp.Daemon(HOTPATHD, d, text, netns=NS_R) as hd:
            err = hd.stderr()
            assert "port p0: ra is a veth" in err and "port p1: rb is a veth" in err, err
            # ARP/ND and a small ping first: both hosts resolved, the path works
            assert ping(NS_A, "10.62.0.2", 56) == 3, drops(sock)
            assert ping(NS_A, "2001:db8:62::2", 56) == 3, drops(sock)
            # a full-size DF frame, and big pings the hosts fragment (IPv4 and IPv6)
            assert ping(NS_A, "10.62.0.2", 1472, df=True) == 3, ("1500-byte DF", drops(sock))
            assert ping(NS_A, "2001:db8:62::2", 4000) == 3, ("4000-byte IPv6 ping in fragments", drops(sock))
            assert ping(NS_B, "2001:db8:61::2", 8000) == 3, ("8000-byte IPv6 ping in fragments", drops(sock))
            frag0 = fragmented(sock)
            assert ping(NS_A, "10.62.0.2", 4000) == 3, ("4000-byte IPv4 ping in fragments", drops(sock))
            assert ping(NS_B, "10.61.0.2", 8000) == 3, ("8000-byte IPv4 ping in fragments", drops(sock))
            if kind == "af_packet":
                # the kernel hands the PMD each datagram reassembled (PACKET_FANOUT_FLAG_DEFRAG):
                # it is routed whole, and the MTU slow path fragments it again on the way out
                # (the 12 datagrams: 3 requests and 3 replies of each ping)
                n = fragmented(sock) - frag0
                assert n >= 12, ("reassembled datagrams fragmented on egress", n, hpctl(sock, "stats"))
                # what still cannot pass says so at start: datagrams longer than the ring's frames
                # (16,304 bytes of IPv4), cut there and dropped as ipv4_length
                assert "datagrams up to 16304 bytes are routed" in err, err
                assert "longer ones are cut by the ring" in err, err
                cut0 = drops(sock).get("ipv4_length", 0)
                sh("ping", "-n", "-q", "-c", "2", "-i", "0.2", "-w", "2", "-s", "20000", "10.62.0.2", ns=NS_A, check=False)
                hp.wait_until("12000-byte IPv4 pings cut by the ring, dropped as ipv4_length",
                              lambda: drops(sock).get("ipv4_length", 0) >= cut0 + 2 or None, DEADLINE)
            tx0, mac0 = port_tx(sock), drops(sock).get("not_our_mac", 0)
            # TCP both ways: 2 MB from B to A, checked end to end
            srv = subprocess.Popen(["ip", "netns", "exec", NS_A, PY, "-c",
                                    "import socket,hashlib\ns=socket.socket(); s.bind(('10.61.0.2',5001)); s.listen(1)\n"
                                    "print('ready', flush=True); c,_=s.accept(); h=hashlib.sha256(); n=0\n"
                                    "while True:\n    b=c.recv(65536)\n    if not b: break\n    h.update(b); n+=len(b)\n"
                                    "print(n, h.hexdigest(), flush=True)\n"], stdout=subprocess.PIPE, text=True)
            try:
                assert srv.stdout.readline().strip() == "ready"
                r = sh(PY, "-c", "import socket,hashlib\nb=bytes(range(256))*8192\n"
                       "c=socket.create_connection(('10.61.0.2',5001), timeout=%d); c.sendall(b); c.close()\n"
                       "print(len(b), hashlib.sha256(b).hexdigest())\n" % DEADLINE, ns=NS_B, check=False)
                out, _ = srv.communicate(timeout=DEADLINE)
            finally:
                srv.kill()
                srv.wait()
            assert r.returncode == 0 and out.strip() == r.stdout.strip(), ("TCP", r.stderr, out, drops(sock))
            # hotpathd's own transmissions are not read back as received frames: what it
            # counts as not_our_mac (the hosts' IPv6 multicast) does not grow with what it sent
            sent = port_tx(sock) - tx0
            grew = drops(sock).get("not_our_mac", 0) - mac0
            assert sent > 1000 and grew < 50, "sent %d frames, not_our_mac grew by %d" % (sent, grew)
            st = hpctl(sock, "stats")
            code, _, report = hd.stop()
            assert code == 0, hd.stderr()
            return st


def test_af_packet_fragments(d):
    fragments_and_tcp(d, "af_packet")


def test_af_xdp_fragments(d):
    fragments_and_tcp(d, "af_xdp")


def setup():
    """hotpathd's path for the tests of this topology (returned, and in HOTPATHD); exits SKIP without root, hugepages or tools."""
    global HOTPATHD
    HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        sys.exit(hp.SKIP)
    if hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages")
        sys.exit(hp.SKIP)
    for tool in ("ethtool", "ping"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print("SKIP: %s is not installed (scripts/setup.sh installs it)" % tool)
            sys.exit(hp.SKIP)
    return HOTPATHD


def main():
    setup()
    hp.run([test_af_packet_fragments, test_af_xdp_fragments])


if __name__ == "__main__":
    main()
