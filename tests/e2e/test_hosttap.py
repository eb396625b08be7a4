"""End to end: a port's host interface (ports[].host: tap) with a real Linux host on a veth.

    netns H (host)                      netns R (hotpathd + the router's own kernel)
      h0 10.71.0.2/24   <-- veth -->  r0 = p0 (net_af_packet)   hp-p0: TAP, 10.71.0.1/24
         2001:db8:71::2/64                                              2001:db8:71::1/64

hotpathd answers ARP, ND and ping itself; what it does not serve (TCP, UDP, link-local
multicast) reaches the router's kernel through hp-p0, and what that kernel sends on hp-p0
leaves on the port. The kernel must not take the port's frames a second time on r0 (it
answers for addresses of any interface): the port's MAC is not r0's (frames to it are
another host's to the kernel; AF_PACKET still reads them), r0 does no ARP (arp off) and no
IPv6 (docs/config.md, ports[].host: this kernel has no tc classifier or nftables for an
ingress drop).
The host computes its own checksums (ethtool -K tx off): a veth leaves them to no NIC.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402
import test_ports_veth as pv  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-ht-%d" % os.getpid()
NS_H, NS_R = TAG + "-h", TAG + "-r"
DEADLINE = 60
HOST_IF = "hp-p0"


sh, hpctl = pv.sh, pv.hpctl  # a command in a namespace; hpctl -j


PORT_MAC = "02:00:00:71:00:01"  # not r0's own


class Topology:
    def __enter__(self):
        try:
            return self.up()
        except BaseException:
            self.down()
            raise

    def up(self):
        self.down()
        for ns in (NS_H, NS_R):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "add", "h0", "netns", NS_H, "type", "veth", "peer", "name", "r0", "netns", NS_R)
        # the port's veth is hotpathd's: the router's kernel must neither answer nor learn on it
        sh("sysctl", "-qw", "net.ipv6.conf.r0.disable_ipv6=1", ns=NS_R)
        sh("ip", "link", "set", "r0", "arp", "off", "up", ns=NS_R)
        self.mac = PORT_MAC
        sh("ethtool", "-K", "h0", "tx", "off", ns=NS_H)
        sh("ip", "addr", "add", "10.71.0.2/24", "dev", "h0", ns=NS_H)
        sh("ip", "-6", "addr", "add", "2001:db8:71::2/64", "dev", "h0", "nodad", ns=NS_H)
        sh("ip", "link", "set", "h0", "up", ns=NS_H)
        return self

    def down(self):
        for ns in (NS_H, NS_R):
            sh("ip", "netns", "del", ns, check=False)

    def __exit__(self, *exc):
        self.down()


def config(topo, d):
    sock = os.path.join(d, "hp.sock")
    return sock, (
        "control: { socket: %s }\n"
        "ports:\n"
        "  - { name: p0, device: \"net_af_packet0,iface=r0\", mode: l3, mac: \"%s\", mtu: 1500, host: tap,\n"
        "      ipv4: [10.71.0.1/24], ipv6: [\"2001:db8:71::1/64\"] }\n"
        "routes:\n  - { prefix: 192.0.2.0/24, via: 10.71.0.2 }\n" % (sock, topo.mac))


def host_stats(sock):
    p = next(p for p in hpctl(sock, "port", "stats") if p["name"] == "p0")
    return p["host"]


def link(ns=NS_R):
    r = sh("ip", "-j", "addr", "show", HOST_IF, ns=ns, check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def neigh(ns=NS_R):
    return json.loads(sh("ip", "-j", "neigh", "show", "dev", HOST_IF, ns=ns).stdout)


def ping(ns, dst, count=3):
    r = sh("ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-w", str(DEADLINE), dst, ns=ns, check=False)
    for line in r.stdout.splitlines():
        if "received" in line:
            return min(int(line.split(",")[1].split()[0]), count)
    raise AssertionError("ping %s: %s %s" % (dst, r.stdout, r.stderr))


SERVER = r"""
import socket, sys, hashlib
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1)
u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((sys.argv[1], 5002))
print('ready', flush=True)
s.settimeout(%d); u.settimeout(%d)
c, _ = s.accept(); c.settimeout(%d); h = hashlib.sha256(); n = 0
while n < 1 << 20:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
c.sendall(h.hexdigest().encode()); c.close()
b, a = u.recvfrom(2048); u.sendto(b[::-1], a)
print(n, flush=True)
""" % (DEADLINE, DEADLINE, DEADLINE)

CLIENT = r"""
import socket, sys, hashlib
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
b = bytes(range(256)) * 4096
c = socket.create_connection((sys.argv[1], 5001), timeout=%d); c.sendall(b)
got = b''
while len(got) < 64:
    x = c.recv(64)
    if not x: break
    got += x
assert got.decode() == hashlib.sha256(b).hexdigest(), got
u = socket.socket(fam, socket.SOCK_DGRAM); u.settimeout(2)
r = None
for _ in range(%d):
    u.sendto(b'hello host', (sys.argv[1], 5002))
    try:
        r, _ = u.recvfrom(2048); break
    except socket.timeout:
        continue
assert r == b'tsoh olleh', r
print('ok')
""" % (DEADLINE, DEADLINE // 2)


def tcp_udp(addr):
    """A TCP session (1 MiB in, its hash back) and a UDP exchange from the host to a listener
    on the router's own address in the router's kernel: both through hp-p0."""
    srv = subprocess.Popen(["ip", "netns", "exec", NS_R, PY, "-c", SERVER, addr],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready", srv.stderr.read()
        r = sh(PY, "-c", CLIENT, addr, ns=NS_H, check=False)
        out, err = srv.communicate(timeout=DEADLINE)
    finally:
        srv.kill()
        srv.wait()
    assert r.returncode == 0 and r.stdout.strip() == "ok", ("client", addr, r.stdout, r.stderr)
    assert out.strip() == str(1 << 20), ("server", addr, out, err)


MCAST_RX = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('224.0.0.9', 520))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton('224.0.0.9') + socket.inet_aton('10.71.0.1'))
s.settimeout(%d); print('ready', flush=True)
b, a = s.recvfrom(2048); print(a[0], b.decode(), flush=True)
""" % DEADLINE

MCAST_TX = r"""
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('10.71.0.2'))
for _ in range(%d):
    s.sendto(b'rip', ('224.0.0.9', 520)); time.sleep(0.2)
""" % (DEADLINE * 5)


def multicast_reaches_host():
    """A RIP-like datagram to 224.0.0.9 from the host reaches a socket on hp-p0 (the worker
    punts link-local multicast for a port with a host interface instead of dropping it)."""
    rx = subprocess.Popen(["ip", "netns", "exec", NS_R, PY, "-c", MCAST_RX],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tx = None
    try:
        assert rx.stdout.readline().strip() == "ready", rx.stderr.read()
        tx = subprocess.Popen(["ip", "netns", "exec", NS_H, PY, "-c", MCAST_TX],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out, err = rx.communicate(timeout=DEADLINE + 10)
    finally:
        for p in (rx, tx):
            if p is not None:
                p.kill()
                p.wait()
    assert out.strip() == "10.71.0.2 rip", ("multicast to 224.0.0.9 through hp-p0", out, err)


def test_exception_path(d):
    with Topology() as topo:
        sock, text = config(topo, d)
        with hp.Daemon(HOTPATHD, d, text, netns=NS_R) as hd:
            # the interface carries the port's MAC, MTU and every configured address, and is up
            li = link()
            assert li is not None, hd.stderr()
            assert li["address"] == topo.mac and li["mtu"] == 1500, li
            assert "UP" in li["flags"], li
            addrs = {(a["local"], a["prefixlen"]) for a in li["addr_info"]}
            assert ("10.71.0.1", 24) in addrs and ("2001:db8:71::1", 64) in addrs, addrs
            hp.wait_until("hp-p0 has carrier (the port's link is up)",
                          lambda: "LOWER_UP" in link()["flags"] or None, DEADLINE)
            ports = hpctl(sock, "port", "show")
            p0 = next(p for p in ports if p["name"] == "p0")
            assert p0.get("host", {}).get("ifname") == HOST_IF and p0["host"]["ifindex"] == li["ifindex"], p0
            # hotpathd still answers ping itself; the kernel gets none of it
            echo0 = hpctl(sock, "stats")["slowpath"]["echo_replies"]
            assert ping(NS_H, "10.71.0.1") == 3
            assert ping(NS_H, "2001:db8:71::1") == 3
            assert hpctl(sock, "stats")["slowpath"]["echo_replies"] >= echo0 + 6
            # TCP and UDP to the router's addresses reach its kernel through hp-p0, and back
            tcp_udp("10.71.0.1")
            tcp_udp("2001:db8:71::1")
            st = host_stats(sock)
            assert st["to_host"] > 0 and st["to_port"] > 0, st
            # the router's kernel itself reaches the host: its ARP and ND leave through the port
            assert ping(NS_R, "10.71.0.2") == 3, host_stats(sock)
            assert ping(NS_R, "2001:db8:71::2") == 3, host_stats(sock)
            # link-local multicast (routing protocols) reaches the host interface
            multicast_reaches_host()
            # hotpathd's neighbours are the kernel's: a static one appears, and goes with it
            hpctl(sock, "neigh", "add", "10.71.0.9", "02:00:00:00:71:09", "p0")
            hp.wait_until("10.71.0.9 in ip neigh show dev hp-p0",
                          lambda: any(n["dst"] == "10.71.0.9" and n.get("lladdr") == "02:00:00:00:71:09"
                                      and "PERMANENT" in n["state"] for n in neigh()) or None, DEADLINE)
            # one hotpathd learned: a packet it routes via 10.71.0.2 makes it resolve the host
            sh("ip", "route", "add", "192.0.2.0/24", "via", "10.71.0.1", ns=NS_H)
            sh("ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.1", ns=NS_H, check=False)
            try:
                hp.wait_until("10.71.0.2 pushed by hotpathd (extern_learn) in ip neigh show dev hp-p0",
                              lambda: any(n["dst"] == "10.71.0.2" and "extern_learn" in n  # ip -j: a key
                                          for n in neigh()) or None, DEADLINE)
            except AssertionError as e:
                raise AssertionError((str(e), neigh(), hpctl(sock, "neigh", "show"), host_stats(sock)))
            # the kernel's ARP for a neighbour hotpathd knows is answered from hotpathd's table
            arp0 = host_stats(sock)["arp_answered"]
            sh("ip", "neigh", "del", "10.71.0.2", "dev", HOST_IF, ns=NS_R)
            assert ping(NS_R, "10.71.0.2") == 3, host_stats(sock)
            assert host_stats(sock)["arp_answered"] > arp0, host_stats(sock)
            hpctl(sock, "neigh", "del", "10.71.0.9", "p0")
            hp.wait_until("10.71.0.9 gone from ip neigh show dev hp-p0",
                          lambda: not any(n["dst"] == "10.71.0.9" for n in neigh()) or None, DEADLINE)
            # /metrics (hotpathd's default 127.0.0.1:9469, in the router's namespace)
            page = sh(PY, "-c", "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9469/metrics',"
                      " timeout=%d).read().decode())" % DEADLINE, ns=NS_R).stdout
            series = dict(line.rsplit(" ", 1) for line in page.splitlines() if line.startswith("hotpath_host_"))
            assert int(series['hotpath_host_packets_total{port="p0",direction="to_host"}']) > 0, series
            assert int(series['hotpath_host_packets_total{port="p0",direction="to_port"}']) > 0, series
            assert 'hotpath_host_info{port="p0",ifname="hp-p0",ifindex="%d"}' % li["ifindex"] in series, series
            st = host_stats(sock)
            assert st["neigh_added"] >= 1 and st["neigh_removed"] >= 1 and st["netlink_errors"] == 0, st
            # a frame longer than the port's MTU from the kernel (its MTU raised by hand) is dropped
            # and counted, never sent
            sh("ip", "link", "set", HOST_IF, "mtu", "9000", ns=NS_R)
            sh("ping", "-n", "-q", "-c", "1", "-W", "1", "-M", "do", "-s", "4000", "10.71.0.2", ns=NS_R, check=False)
            hp.wait_until("the 4028-byte frame counted from_host_oversize",
                          lambda: host_stats(sock)["from_host_oversize"] >= 1 or None, DEADLINE)
            text = subprocess.run([os.environ["HPCTL"], "-s", sock, "port", "show"], capture_output=True, text=True)
            assert text.returncode == 0 and "hp-p0" in text.stdout, (text.stdout, text.stderr)
            code, _, report = hd.stop()
            assert code == 0, hd.stderr()
            rep = next(p for p in report["ports"] if p["name"] == "p0")["host"]
            assert rep["to_host"] >= st["to_host"], rep
        # a clean exit takes the interface (and the kernel's routes through it) away
        assert link() is None, "hp-p0 left behind after a clean exit"


def test_kill9_reattach(d):
    with Topology() as topo:
        sock, text = config(topo, d)
        with hp.Daemon(HOTPATHD, d, text, netns=NS_R) as hd:
            assert link() is not None, hd.stderr()
            ifindex = link()["ifindex"]
            hpctl(sock, "neigh", "add", "10.71.0.9", "02:00:00:00:71:09", "p0")
            hp.wait_until("10.71.0.9 pushed", lambda: any(n["dst"] == "10.71.0.9" for n in neigh()) or None,
                          DEADLINE)
            # leaving the block with hotpathd running kills it with SIGKILL: no clean-up
        # persistent: the interface, its addresses and the kernel's routes through it stay
        li = link()
        assert li is not None and li["ifindex"] == ifindex, "hp-p0 gone after kill -9"
        assert any(n["dst"] == "10.71.0.9" for n in neigh()), neigh()
        # an address the config does not hold is taken away on the next start
        sh("ip", "addr", "add", "10.99.0.1/24", "dev", HOST_IF, ns=NS_R)
        with hp.Daemon(HOTPATHD, d, text, netns=NS_R, name="hp2") as hd:
            assert "re-attached" in hd.stderr(), hd.stderr()
            li = link()
            assert li["ifindex"] == ifindex, li
            addrs = {a["local"] for a in li["addr_info"]}
            assert "10.99.0.1" not in addrs and "10.71.0.1" in addrs, addrs
            hp.wait_until("hp-p0 has carrier again", lambda: "LOWER_UP" in link()["flags"] or None, DEADLINE)
            # what the killed hotpathd pushed and this one does not have goes (10.71.0.9 was added
            # with hpctl, not in the config)
            hp.wait_until("10.71.0.9 removed from hp-p0 after the restart",
                          lambda: not any(n["dst"] == "10.71.0.9" for n in neigh()) or None, DEADLINE)
            tcp_udp("10.71.0.1")
            code, _, _ = hd.stop()
            assert code == 0, hd.stderr()
        assert link() is None, "hp-p0 left behind after a clean exit"


def setup():
    """test_ports_veth's checks (root, hugepages, ethtool, ping), and a TUN/TAP device"""
    global HOTPATHD
    HOTPATHD = pv.setup()
    if not os.path.exists("/dev/net/tun"):
        print("SKIP: no /dev/net/tun")
        sys.exit(hp.SKIP)


def main():
    setup()
    hp.run([test_exception_path, test_kill9_reattach])


if __name__ == "__main__":
    main()
