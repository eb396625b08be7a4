#!/usr/bin/python3
"""End to end, as a new user would try it: real Linux hosts on veth, hotpathd routing
between them, host B behind a smaller MTU (issue 12 point 7).

    netns TAG-a (host A)              netns TAG-r (the router)              netns TAG-b (host B)
      a0 10.251.1.2/24, mtu 1500 <-->  ra: hotpathd p0 = net_af_xdp       
                                          10.251.1.1/24, mtu 1500
                                       rb: hotpathd p1 = net_af_xdp  <-->  b0 10.251.2.2/24, mtu 1280
                                          10.251.2.1/24, mtu: 1280

Both hosts run `ethtool -K IF tx off` (veth leaves TCP/UDP checksums to the "NIC": a user-space
router forwards them unfilled). From A: tracepath to B reports pmtu 1280 (ICMP fragmentation
needed from hotpathd), a DF ping too big is refused with that MTU, a 3000-byte ping without DF
crosses (hotpathd cuts A's 1500-byte fragments again), and a TCP transfer both ways works,
including one where B advertises an MSS too big for the path (so A needs path MTU discovery).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-mtu-%d" % os.getpid()
NS_A, NS_R, NS_B = TAG + "-a", TAG + "-r", TAG + "-b"
N = os.getpid() % 100000
A0, RA, RB, B0 = "hpm%da" % N, "hpm%dra" % N, "hpm%drb" % N, "hpm%db" % N
MTU_B = 1280


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: rc %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


class Topology:
    def __enter__(self):
        self.down()
        for ns in (NS_A, NS_R, NS_B):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", "lo", "up", ns=ns)
        for host, hns, rtr, addr, gw, mtu in ((A0, NS_A, RA, "10.251.1.2/24", "10.251.1.1", 1500),
                                            (B0, NS_B, RB, "10.251.2.2/24", "10.251.2.1", MTU_B)):
            sh("ip", "link", "add", host, "type", "veth", "peer", "name", rtr)
            sh("ip", "link", "set", host, "netns", hns)
            sh("ip", "link", "set", rtr, "netns", NS_R)
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % rtr, ns=NS_R)
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % host, ns=hns)
            sh("ip", "link", "set", host, "mtu", str(mtu), ns=hns)
            sh("ip", "addr", "add", addr, "dev", host, ns=hns)
            sh("ip", "link", "set", host, "up", ns=hns)
            sh("ip", "link", "set", rtr, "up", ns=NS_R)
            sh("ip", "route", "add", "default", "via", gw, ns=hns)
            # veth leaves TCP/UDP checksums partial: the hosts fill them themselves
            sh("ethtool", "-K", host, "tx", "off", ns=hns)
        # one address of B per check: A's kernel learns a path MTU per destination
        for a in ("10.251.2.3/24", "10.251.2.4/24", "10.251.2.5/24"):
            sh("ip", "addr", "add", a, "dev", B0, ns=NS_B)
        self.mac_ra = self.mac(NS_R, RA)
        self.mac_rb = self.mac(NS_R, RB)
        return self

    @staticmethod
    def mac(ns, dev):
        return json.loads(sh("ip", "-j", "link", "show", dev, ns=ns).stdout)[0]["address"]

    def down(self):
        for ns in (NS_A, NS_R, NS_B):
            sh("ip", "netns", "del", ns, check=False)  # their veths go with them

    def __exit__(self, *exc):
        self.down()


def daemon(topo, d):
    text = (
        "control: { socket: %s }\n"
        "ports:\n"
        "  - { name: a, device: \"net_af_xdp0,iface=%s,start_queue=0,queue_count=1\", mac: \"%s\",\n"
        "      ipv4: [10.251.1.1/24] }\n"
        "  - { name: b, device: \"net_af_xdp1,iface=%s,start_queue=0,queue_count=1\", mac: \"%s\",\n"
        "      ipv4: [10.251.2.1/24], mtu: %d }\n" % (os.path.join(d, "hp.sock"), RA, topo.mac_ra, RB,
                                                      topo.mac_rb, MTU_B))
    return hp.Daemon(HOTPATHD, d, text, netns=NS_R)


# A TCP server in B: reads a length-prefixed blob, answers its SHA-256 and a blob of its own.
SERVER = r"""
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.251.2.2", int(sys.argv[1])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
c.settimeout(60)
n = int.from_bytes(c.recv(8, socket.MSG_WAITALL), "big")
h, got = hashlib.sha256(), 0
while got < n:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
    got += len(b)
back = bytes((i * 7) & 0xff for i in range(1 << 20))
c.sendall(h.digest() + back)
c.close()
"""

CLIENT = r"""
import hashlib, os, socket, sys
data = os.urandom(int(sys.argv[2]))
c = socket.create_connection(("10.251.2.2", int(sys.argv[1])), timeout=60)
c.sendall(len(data).to_bytes(8, "big") + data)
c.shutdown(socket.SHUT_WR)
buf = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    buf += b
back = bytes((i * 7) & 0xff for i in range(1 << 20))
ok = buf[:32] == hashlib.sha256(data).digest() and buf[32:] == back
print("ok" if ok else "bad %d bytes back" % len(buf))
"""


def transfer(port, size, server_ns=NS_B, client_ns=NS_A):
    srv = subprocess.Popen(["ip", "netns", "exec", server_ns, PY, "-c", SERVER, str(port)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "listening", srv.stderr.read()
        r = sh(PY, "-c", CLIENT, str(port), str(size), ns=client_ns, check=False, timeout=90)
        assert r.returncode == 0 and r.stdout.strip() == "ok", "TCP transfer: %s %s" % (r.stdout, r.stderr)
        srv.wait(timeout=30)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()


def slow(d):
    """The running daemon's slow-path counters (through the control socket)."""
    import socket
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect(os.path.join(d, "hp.sock"))
    c.sendall(b'{"id":1,"cmd":"stats"}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        b = c.recv(1 << 20)
        if not b:
            break
        buf += b
    c.close()
    r = json.loads(buf)
    assert r.get("ok"), r
    return r["result"]["slowpath"]


def wait_ping(src_ns, dst, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sh("ping", "-c", "1", "-W", "1", dst, ns=src_ns, check=False).returncode == 0:
            return
    raise AssertionError("no ping from %s to %s through hotpathd" % (src_ns, dst))


def test_path_mtu_through_hotpathd(d):
    with Topology() as topo, daemon(topo, d) as dmn:
        # the port's MTU is applied to its interface
        assert "mtu %d " % MTU_B in sh("ip", "link", "show", RB, ns=NS_R).stdout
        wait_ping(NS_A, "10.251.2.2")
        # without DF: A fragments at 1500, hotpathd cuts the 1500-byte fragments again for 1280
        r = sh("ping", "-c", "3", "-W", "2", "-M", "dont", "-s", "3000", "10.251.2.5", ns=NS_A, check=False)
        assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout + r.stderr
        fragmented = slow(d)["fragmented"]
        assert fragmented >= 3, slow(d)
        # tracepath from A finds the smaller MTU behind hotpathd and reaches B
        r = sh("tracepath", "-n", "-m", "5", "10.251.2.3", ns=NS_A, check=False, timeout=60)
        assert "pmtu %d" % MTU_B in r.stdout and "reached" in r.stdout, r.stdout + r.stderr
        # a DF ping too big for B's link: refused with the next-hop MTU
        r = sh("ping", "-c", "2", "-W", "2", "-M", "do", "-s", "1400", "10.251.2.4", ns=NS_A, check=False)
        assert r.returncode != 0 and ("mtu = %d" % MTU_B in r.stdout + r.stderr or
                                      "mtu=%d" % MTU_B in r.stdout + r.stderr), r.stdout + r.stderr
        # TCP both ways; B advertises an MSS of 1460 (the route's advmss) so that A's first
        # full segments are too big for B's link: path MTU discovery through hotpathd
        too_big = slow(d)["too_big"]
        sh("ip", "route", "replace", "default", "via", "10.251.2.1", "advmss", "1460", ns=NS_B)
        transfer(5001, 3 << 20)
        assert slow(d)["too_big"] > too_big, "the TCP transfer needed no ICMP too big: %s" % slow(d)
        # and with B's own MSS (1240)
        sh("ip", "route", "replace", "default", "via", "10.251.2.1", ns=NS_B)
        sh("ip", "route", "flush", "cache", ns=NS_B)
        transfer(5002, 3 << 20)
        code, _, report = dmn.stop()
    assert code == 0, dmn.stderr()
    s = report["slowpath"]
    assert s["punted"]["mtu"] >= s["too_big"] + s["fragmented"] and s["fragments"] >= 2 * s["fragmented"], s


def main():
    global HOTPATHD
    HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, AF_XDP)")
        sys.exit(hp.SKIP)
    if hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages (net_af_xdp's UMEM)")
        sys.exit(hp.SKIP)
    for tool in ("tracepath", "ethtool", "ping"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (apt-get install iputils-tracepath ethtool iputils-ping)" % tool)
            sys.exit(hp.SKIP)
    hp.run([test_path_mtu_through_hotpathd])


if __name__ == "__main__":
    main()
