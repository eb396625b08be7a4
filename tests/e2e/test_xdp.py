"""End to end: hotpath's XDP program on veth pairs in network namespaces.

Topology (made and removed by each test, pass or fail):

    netns hp-e2e-PID-h ("the host")               netns hp-e2e-PID-c ("the peer")
      hotpathd: port p0 = net_af_xdp on vh0  <---->  vc0  10.231.0.2/24 (+ .77 to be blocked)
      vh0 10.231.0.1/24 (the kernel's: sshd-like listener on tcp/22)
      vh1 (shield only: an xdp: entry, no port) <-->  vc1  10.232.0.2/24
      vh1 10.232.0.1/24

hotpathd's own address on p0 is 10.231.0.100; the peer knows its MAC statically
(ARP is a pass class: the kernel answers for .1, never for .100).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import hp  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-e2e-%d" % os.getpid()
NS_H, NS_C = TAG + "-h", TAG + "-c"
VH0, VC0, VH1, VC1 = "hpe%dh0" % (os.getpid() % 100000), "hpe%dc0" % (os.getpid() % 100000), \
    "hpe%dh1" % (os.getpid() % 100000), "hpe%dc1" % (os.getpid() % 100000)


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def hpctl(sock, *args, check=True):
    r = subprocess.run([os.environ["HPCTL"], "-s", sock, "-j"] + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError("hpctl %s: rc %d: %s" % (" ".join(args), r.returncode, r.stderr))
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else r


class Topology:
    def __enter__(self):
        hp.at_term(self.down)  # a SIGTERM (meson's timeout) removes the namespaces too
        self.down()
        sh("ip", "netns", "add", NS_H)
        sh("ip", "netns", "add", NS_C)
        for h, c, net in ((VH0, VC0, "10.231.0"), (VH1, VC1, "10.232.0")):
            sh("ip", "link", "add", h, "type", "veth", "peer", "name", c)
            sh("ip", "link", "set", h, "netns", NS_H)
            sh("ip", "link", "set", c, "netns", NS_C)
            sh("ip", "addr", "add", net + ".1/24", "dev", h, ns=NS_H)
            sh("ip", "addr", "add", net + ".2/24", "dev", c, ns=NS_C)
            sh("ip", "link", "set", h, "up", ns=NS_H)
            sh("ip", "link", "set", c, "up", ns=NS_C)
        sh("ip", "link", "set", "lo", "up", ns=NS_H)
        # no IPv6 chatter (RS, MLD, ND) on the AF_XDP link: hotpathd's counters see only the test's packets
        sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % VC0, ns=NS_C)
        sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % VH0, ns=NS_H)
        sh("ip", "addr", "add", "10.231.0.77/24", "dev", VC0, ns=NS_C)
        sh("ip", "-6", "addr", "add", "2001:db8:77::2/64", "dev", VC1, "nodad", ns=NS_C)
        sh("ip", "-6", "addr", "add", "2001:db8:77::1/64", "dev", VH1, "nodad", ns=NS_H)
        self.mac0 = json.loads(sh("ip", "-j", "link", "show", VH0, ns=NS_H).stdout)[0]["address"]
        self.mac1 = json.loads(sh("ip", "-j", "link", "show", VH1, ns=NS_H).stdout)[0]["address"]
        sh("ip", "neigh", "add", "10.231.0.100", "lladdr", self.mac0, "dev", VC0, ns=NS_C)
        sh("ip", "neigh", "replace", "10.232.0.1", "lladdr", self.mac1, "dev", VC1, ns=NS_C)
        sh("ip", "-6", "neigh", "replace", "2001:db8:77::1", "lladdr", self.mac1, "dev", VC1, ns=NS_C)
        return self

    def down(self):
        for ns in (NS_H, NS_C):
            sh("ip", "netns", "del", ns, check=False)  # its veths (and their programs) go with it

    def __exit__(self, *exc):
        hp.no_term(self.down)
        self.down()

    def xdp_progs(self):
        """{iface: prog id} of the XDP programs attached in the host namespace."""
        out = {}
        for link in json.loads(sh("ip", "-j", "-d", "link", "show", ns=NS_H).stdout):
            x = link.get("xdp")
            if x:
                out[link["ifname"]] = x.get("prog", {}).get("id") or x.get("attached", [{}])[0].get("prog", {}).get("id")
        return out


def config(topo, d, extra_xdp=""):
    sock = os.path.join(d, "hp.sock")
    return sock, (
        "control: { socket: %s }\n"  # metrics on the namespace's own 127.0.0.1
        "ports:\n"
        "  - { name: p0, device: \"net_af_xdp0,iface=%s,start_queue=0,queue_count=1\", mode: l3,\n"
        "      mac: \"%s\", ipv4: [10.231.0.100/24] }\n"
        "xdp:\n"
        "  - { iface: %s, pass: [arp, \"tcp/22\"], block: [\"10.231.0.77/32\", \"192.0.2.0/24\"] }\n"
        "%s" % (sock, VH0, topo.mac0, VH0, extra_xdp))


def daemon(d, text):
    return hp.Daemon(HOTPATHD, d, text, netns=NS_H)


def send_udp(src, dst, n, port=5000, ns=NS_C):
    """n UDP datagrams from src to dst:port, sent from inside ns."""
    fam = "AF_INET6" if ":" in dst else "AF_INET"
    sh(PY, "-c", "import socket,time\n"
       "s=socket.socket(socket.%s,socket.SOCK_DGRAM); s.bind((%r,0))\n"
       "for i in range(%d):\n"
       "    s.sendto(b'hotpath-e2e-%%06d' %% i, (%r,%d))\n"
       "    time.sleep(0.0005)\n" % (fam, src, n, dst, port), ns=ns)


def counters(sock, iface):
    for x in hpctl(sock, "xdp", "show"):
        if x["iface"] == iface:
            return x["packets"]
    raise AssertionError("no XDP interface %s in xdp show" % iface)


def port_rx(sock):
    return hpctl(sock, "port", "stats", "p0")[0]["rx_packets"]


def serve(script):
    """A Python server in the host namespace; returns once it printed its first line ("ready")."""
    p = hp.popen(["ip", "netns", "exec", NS_H, PY, "-c", script], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if line != "ready":
        p.kill()
        p.wait()
        raise AssertionError("server did not start: %r" % line)
    return p


def crash(hd):
    """SIGKILL, as a crash; its EAL runtime directory is left for us to remove."""
    hd.kill()
    shutil.rmtree(os.path.join("/var/run/dpdk", hd.prefix), ignore_errors=True)


def wait_for(what, fn, timeout=30.0):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


def test_af_xdp_steer_pass_block(d):
    with Topology() as topo:
        sock, text = config(topo, d)
        with daemon(d, text) as hd:
            progs = topo.xdp_progs()
            assert VH0 in progs, "no XDP program on %s while hotpathd runs: %s" % (VH0, progs)
            show = hpctl(sock, "xdp", "show")
            assert show[0]["role"] == "af_xdp" and show[0]["port"] == "p0", show
            assert show[0]["pass"] == ["arp", "tcp/22"] and show[0]["block4"] == 2, show

            # tcp/22 reaches a listening kernel socket on the host end (ARP passes too)
            listener = serve("import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                             "s.bind(('10.231.0.1', 22)); s.listen(1); print('ready', flush=True)\n"
                             "c,_=s.accept(); c.sendall(c.recv(64).upper()); c.close()\n")
            try:
                sh("ip", "neigh", "flush", "dev", VC0, "10.231.0.1", ns=NS_C, check=False)
                r = sh(PY, "-c", "import socket\nc=socket.create_connection(('10.231.0.1',22),timeout=5)\n"
                       "c.sendall(b'ssh-ish'); print(c.recv(64).decode())\n", ns=NS_C, check=False)
                assert r.returncode == 0 and r.stdout.strip() == "SSH-ISH", \
                    "tcp/22 to the kernel's listener failed: %s %s" % (r.stdout, r.stderr)
            finally:
                listener.kill()
                listener.wait()
            c = counters(sock, VH0)
            assert c["pass_tcp"] >= 3 and c["pass_arp"] >= 1, c

            # data traffic is steered into AF_XDP: hotpathd counts it
            rx0, steer0 = port_rx(sock), c["steer"]
            send_udp("10.231.0.2", "10.231.0.100", 200)
            assert wait_for("rx", lambda: port_rx(sock) - rx0 >= 200), \
                "hotpathd received %d of 200 datagrams" % (port_rx(sock) - rx0)
            c = counters(sock, VH0)
            assert c["steer"] - steer0 >= 200, c

            # a blocked source is dropped in XDP, counted, and never reaches hotpathd
            rx0, drop0 = port_rx(sock), c.get("drop_block4", 0)
            send_udp("10.231.0.77", "10.231.0.100", 100)
            wait_for("drops", lambda: counters(sock, VH0).get("drop_block4", 0) - drop0 >= 100)
            c = counters(sock, VH0)
            assert c["drop_block4"] - drop0 == 100, c
            assert port_rx(sock) == rx0, "blocked packets reached hotpathd"

            # ... until hpctl unblocks it, live
            r = subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp", "block", "del", "10.231.0.77/32"])
            assert r.returncode == 0
            assert "10.231.0.77/32" not in hpctl(sock, "xdp", "block")
            rx0, steer0 = port_rx(sock), c["steer"]
            send_udp("10.231.0.77", "10.231.0.100", 100)
            assert wait_for("rx", lambda: port_rx(sock) - rx0 >= 100), "unblocked source still dropped"
            c = counters(sock, VH0)
            assert c["drop_block4"] - drop0 == 100 and c["steer"] - steer0 >= 100, c

            # the counters are in stats, /metrics (promtool-clean) and DPDK telemetry too
            st = hpctl(sock, "stats")
            assert st["xdp"][VH0]["steer"]["packets"] >= c["steer"], st["xdp"]
            text = sh(PY, "-c", "import urllib.request\n"
                      "print(urllib.request.urlopen('http://127.0.0.1:9469/metrics').read().decode(), end='')",
                      ns=NS_H).stdout
            want = 'hotpath_xdp_packets_total{iface="%s",verdict="drop",reason="drop_block4"} %d' % (
                VH0, c["drop_block4"])
            assert want in text, "%s not in /metrics" % want
            promtool = shutil.which("promtool")
            if promtool:
                r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
                assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
            else:
                print("promtool not installed: /metrics not linted")
            tel = hp.telemetry(hd.prefix, "/hotpath/xdp")
            assert tel[VH0]["drop_block4_packets"] == c["drop_block4"], tel
            assert tel[VH0]["steer_packets"] >= c["steer"], tel
            code, took, _ = hd.stop()
            assert code == 0, hd.stderr()
        assert topo.xdp_progs() == {}, "XDP programs left attached after hotpathd stopped: %s" % topo.xdp_progs()
    if not promtool:
        print("SKIP: promtool not installed (scripts/setup.sh installs prometheus): everything but the lint checked")
        sys.exit(hp.SKIP)


def test_shield_interface(d):
    with Topology() as topo:
        sock, text = config(topo, d, "  - { iface: %s, mode: generic, pass: [arp, nd], block: [\"2001:db8:77::/64\"] }\n"
                                     % VH1)
        with daemon(d, text) as hd:
            show = {x["iface"]: x for x in hpctl(sock, "xdp", "show")}
            assert show[VH1]["role"] == "shield" and show[VH1]["mode"] == "generic", show
            # no socket on a shield interface: what hotpath would take goes to the kernel
            recv = serve("import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.232.0.1',6000))\n"
                         "s.settimeout(3); print('ready', flush=True); n=0\n"
                         "try:\n    while True: s.recv(64); n+=1\nexcept socket.timeout: pass\nprint(n)\n")
            send_udp("10.232.0.2", "10.232.0.1", 50, port=6000)
            got = int(recv.communicate(timeout=10)[0].strip())
            assert got == 50, "kernel received %d of 50 datagrams through the shield" % got
            c = counters(sock, VH1)
            assert c["pass_nosock"] >= 50, c
            # IPv6 from the blocked /64 is dropped in XDP; hpctl adds an IPv4 block live
            send_udp("2001:db8:77::2", "2001:db8:77::1", 20, port=6000)
            assert wait_for("drop6", lambda: counters(sock, VH1)["drop_block6"] >= 20), counters(sock, VH1)
            assert subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp", "block", "add", "10.232.0.2/32",
                                   "dev", VH1]).returncode == 0
            send_udp("10.232.0.2", "10.232.0.1", 30, port=6000)
            assert wait_for("drop4", lambda: counters(sock, VH1)["drop_block4"] == 30), counters(sock, VH1)
            assert counters(sock, VH0).get("drop_block4", 0) == 0  # dev: only that interface
            # a crash leaves nothing on a shield interface: its bpf_link dies with the process
            crash(hd)
        assert VH1 not in topo.xdp_progs(), topo.xdp_progs()


def test_stale_program_replaced(d):
    with Topology() as topo:
        sock, text = config(topo, d)
        with daemon(d, text) as hd:
            first = topo.xdp_progs().get(VH0)
            crash(hd)  # net_af_xdp's netlink attachment outlives it
        assert topo.xdp_progs().get(VH0) == first, "expected the crashed daemon's program to stay"
        with daemon(d, text) as hd:
            assert "detached a stale hotpath program (id %d" % first in hd.stderr() + hd.out, hd.stderr()
            now = topo.xdp_progs().get(VH0)
            assert now and now != first, (first, now)
            send_udp("10.231.0.2", "10.231.0.100", 50)
            assert wait_for("rx", lambda: port_rx(sock) >= 50), "no traffic after the replacement"
            code, _, _ = hd.stop()
            assert code == 0
        assert topo.xdp_progs() == {}, topo.xdp_progs()


def test_foreign_program_kept(d):
    src = os.path.join(d, "foreign.bpf.c")
    obj = os.path.join(d, "foreign.bpf.o")
    with open(src, "w") as f:
        f.write("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                "SEC(\"xdp\") int foreign(struct xdp_md *c) { return XDP_PASS; }\n"
                "char LICENSE[] SEC(\"license\") = \"GPL\";\n")
    subprocess.run(["clang", "-O2", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", src, "-o", obj],
                   check=True)
    with Topology() as topo:
        sh("ip", "link", "set", "dev", VH0, "xdpgeneric", "obj", obj, "sec", "xdp", ns=NS_H)
        before = topo.xdp_progs()[VH0]
        sock, text = config(topo, d)
        hd = daemon(d, text)
        try:
            hd.start(timeout=20)
            raise AssertionError("hotpathd started over a foreign XDP program")
        except AssertionError as e:
            if "started over" in str(e):
                raise
        finally:
            hd.kill()
        assert hd.proc.returncode == 1, hd.proc.returncode
        assert "not hotpath's (id %d, name 'foreign')" % before in hd.stderr() + hd.out, hd.stderr()
        assert topo.xdp_progs() == {VH0: before}, "the foreign program was touched: %s" % topo.xdp_progs()


def test_errors_change_nothing(d):
    """Every refused xdp request, through hpctl and through the raw socket: an error that
    names what is wrong, and the maps as they were."""
    with Topology() as topo:
        sock, text = config(topo, d)
        with daemon(d, text) as hd:
            before = (hpctl(sock, "xdp", "show")[0]["pass"], sorted(hpctl(sock, "xdp", "block")))
            for argv, code, what in [
                    (["block", "add", "10.0.0.1/8"], "EINVAL", "host bits set; did you mean 10.0.0.0/8?"),
                    (["block", "add", "10.0.0.0/33"], "EINVAL", "bad prefix"),
                    (["block", "add", "192.0.2.0/24"], "EEXIST", "already blocked"),
                    (["block", "del", "198.51.100.0/24"], "ENOENT", "not blocked"),
                    (["block", "add", "198.51.100.0/24", "dev", "nosuch0"], "ENOENT", "no XDP interface named nosuch0"),
                    (["block", "show", "dev", "nosuch0"], "ENOENT", "nosuch0"),
                    (["pass", "add", "tcp/0"], "EINVAL", "bad class"),
                    (["pass", "add", "sctp/1"], "EINVAL", "bad class"),
                    (["pass", "add", "tcp/22"], "EEXIST", "already passed"),
                    (["pass", "del", "udp/53"], "ENOENT", "not passed")]:
                r = subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp"] + argv, capture_output=True, text=True)
                assert r.returncode == 1 and ("hpctl: %s:" % code) in r.stderr and what in r.stderr, (argv, r.stderr)
            # usage errors never reach the daemon (exit 2)
            r = subprocess.run([os.environ["HPCTL"], "-s", sock, "xdp", "block", "add"], capture_output=True, text=True)
            assert r.returncode == 2 and "missing PREFIX" in r.stderr, r.stderr
            # the raw socket: wrong types and unknown arguments
            import socket as so
            s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
            s.connect(sock)
            f = s.makefile("rwb")
            for i, (cmd, args, what) in enumerate([("xdp.block.add", {"prefix": 5}, "must be a string"),
                                                   ("xdp.block.add", {"prefix": "192.0.2.0/24", "x": 1}, "unknown argument"),
                                                   ("xdp.pass.add", {}, "missing argument \"class\""),
                                                   ("xdp.show", {"iface": "v0"}, "takes none")]):
                f.write(json.dumps({"id": i, "cmd": cmd, "args": args}).encode() + b"\n")
                f.flush()
                r = json.loads(f.readline())
                assert r["id"] == i and r["ok"] is False and what in r["error"]["message"], (cmd, r)
            s.close()
            after = (hpctl(sock, "xdp", "show")[0]["pass"], sorted(hpctl(sock, "xdp", "block")))
            assert after == before, (before, after)
            code, _, _ = hd.stop()
            assert code == 0


def test_config_dump_and_apply(d):
    with Topology() as topo:
        sock, text = config(topo, d)
        with daemon(d, text) as hd:
            dump = hpctl(sock, "config", "dump")["yaml"]
            xdp = json.loads(dump.split("\n", 1)[1])["xdp"]
            assert len(xdp) == 1 and xdp[0]["iface"] == VH0 and xdp[0]["pass"] == ["arp", "tcp/22"], xdp
            assert sorted(xdp[0]["block"]) == ["10.231.0.77/32", "192.0.2.0/24"], xdp
            # the dump is a config hotpathd accepts
            with open(os.path.join(d, "dump.yaml"), "w") as f:
                f.write(dump)
            r = subprocess.run([HOTPATHD, "-c", os.path.join(d, "dump.yaml"), "--check"], capture_output=True,
                               text=True)
            assert r.returncode == 0, r.stderr
            # apply: the file's pass and block sets replace the running ones as one change
            new = text.replace('pass: [arp, "tcp/22"], block: ["10.231.0.77/32", "192.0.2.0/24"]',
                               'pass: [arp, "udp/5000-5001"], block: ["10.231.0.2/32", "2001:db8::/32"]')
            assert new != text
            with open(os.path.join(d, "new.yaml"), "w") as f:
                f.write(new)
            hpctl(sock, "config", "apply", os.path.join(d, "new.yaml"))
            show = hpctl(sock, "xdp", "show")[0]
            assert show["pass"] == ["arp", "udp/5000-5001"] and show["block4"] == 1 and show["block6"] == 1, show
            assert sorted(hpctl(sock, "xdp", "block")) == ["10.231.0.2/32", "2001:db8::/32"]
            c0 = counters(sock, VH0)
            send_udp("10.231.0.77", "10.231.0.100", 20, port=5001)   # passed to the kernel now
            send_udp("10.231.0.2", "10.231.0.100", 20)               # blocked now
            assert wait_for("c", lambda: counters(sock, VH0)["pass_udp"] - c0["pass_udp"] == 20 and
                            counters(sock, VH0)["drop_block4"] - c0["drop_block4"] == 20), counters(sock, VH0)
            # interfaces are fixed while it runs: a file naming another one changes nothing
            with open(os.path.join(d, "bad.yaml"), "w") as f:
                f.write(new.replace("iface: %s, pass" % VH0, "iface: %s, pass" % VH1))
            r = hpctl(sock, "config", "apply", os.path.join(d, "bad.yaml"), check=False)
            assert r.returncode == 1 and "xdp interface %s is not served now" % VH1 in r.stderr, r.stderr
            assert sorted(hpctl(sock, "xdp", "block")) == ["10.231.0.2/32", "2001:db8::/32"]
            code, _, _ = hd.stop()
            assert code == 0


class Sock:
    """The control socket, raw (JSON lines): many requests without a process each."""

    def __init__(self, path):
        import socket as so
        self.s = so.socket(so.AF_UNIX, so.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf, self.n = b"", 0

    def req(self, cmd, args=None):
        self.n += 1
        self.s.sendall(json.dumps({"id": self.n, "cmd": cmd, "args": args or {}}).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        r = json.loads(line)
        assert r["id"] == self.n, r
        return r

    def ok(self, cmd, args=None):
        r = self.req(cmd, args)
        assert r["ok"], (cmd, args, r)
        return r["result"]


def random_change(rng):
    """One route, neighbour, policer, ACL or xdp change (many of them refused: that must change nothing)."""
    pick = rng.randrange(12)
    via4 = ["10.231.0.%d" % rng.randrange(2, 12) for _ in range(rng.randrange(1, 4))]
    if pick == 0:
        if rng.random() < 0.2:
            return "route.add", {"prefix": "198.18.%d.0/24" % rng.randrange(16), "action": "drop"}
        return "route.add", {"prefix": "198.18.%d.0/24" % rng.randrange(16), "via": sorted(set(via4))}
    if pick == 1:
        return "route.add", {"prefix": "2001:db8:9:%x::/64" % rng.randrange(8),
                             "via": "2001:db8:231::%x" % rng.randrange(2, 9)}
    if pick == 2:
        return "route.del", {"prefix": rng.choice(["198.18.%d.0/24" % rng.randrange(16),
                                                   "2001:db8:9:%x::/64" % rng.randrange(8)])}
    if pick == 3:
        return "neigh.add", {"ip": "10.231.0.%d" % rng.randrange(20, 40),
                             "mac": "02:00:00:00:%02x:%02x" % (rng.randrange(256), rng.randrange(256))}
    if pick == 4:
        return "neigh.del", {"ip": "10.231.0.%d" % rng.randrange(20, 40)}
    if pick == 5:
        name = rng.choice("abcd")
        if rng.random() < 0.5:
            return "policer.add", {"name": name, "type": "srtcm", "cir": "%dM" % rng.randrange(1, 100),
                                   "cbs": "%dk" % rng.randrange(1, 64), "ebs": "%dk" % rng.randrange(1, 64)}
        return "policer.add", {"name": name, "type": "trtcm", "cir": "%dM" % rng.randrange(1, 50),
                               "cbs": "%dk" % rng.randrange(1, 64), "pir": "%dM" % rng.randrange(50, 100),
                               "pbs": "%dk" % rng.randrange(1, 64)}
    if pick == 6:
        return "policer.del", {"name": rng.choice("abcd")}
    if pick in (7, 8):
        rule = {"priority": rng.randrange(1000), "action": rng.choice(["permit", "deny", "count",
                                                                       "police " + rng.choice("abcd")])}
        if rng.random() < 0.5:
            rule["src"] = rng.choice(["10.%d.0.0/16" % rng.randrange(256), "2001:db8:%x::/48" % rng.randrange(99)])
        if rng.random() < 0.3:
            rule["dst"] = "198.%d.0.0/16" % rng.randrange(18, 20)
        if rng.random() < 0.5:
            rule["proto"] = rng.choice(["udp", "tcp", "icmp", "47"])
            if rule["proto"] in ("udp", "tcp") and rng.random() < 0.7:
                lo = rng.randrange(1, 60000)
                rule["dport"] = "%d-%d" % (lo, lo + rng.randrange(100)) if rng.random() < 0.5 else str(lo)
        return "acl.add", rule
    if pick == 9:
        return "acl.del", {"index": rng.randrange(6)}
    iface = rng.choice([None, VH0, VH1])
    args = {} if iface is None else {"iface": iface}
    verb = rng.choice(["add", "add", "del"])
    if pick == 10:
        args["prefix"] = rng.choice(["192.0.2.0/24", "10.231.0.77/32", "198.51.100.%d/32" % rng.randrange(8),
                                     "2001:db8:66:%x::/64" % rng.randrange(4)])
        return "xdp.block." + verb, args
    args["class"] = rng.choice(["arp", "nd", "icmp", "icmpv6", "tcp/22", "udp/%d" % rng.randrange(5000, 5004),
                                "tcp/179", "tcp/sport/179", "udp/sport/%d" % rng.randrange(120, 124)])
    return "xdp.pass." + verb, args


def test_dump_restart_random(d):
    """A random sequence of changes over the socket; config dump; a restart from that dump;
    config dump again: the same text, and the same tables as every show command lists them."""
    import random
    seed = int(os.environ.get("HP_SEED", os.getpid()))
    rng = random.Random(seed)
    shield = "  - { iface: %s, mode: generic, pass: [arp, nd] }\n" % VH1

    def state(c):
        # a route's origin is not part of it here: the socket's (cli) come back from the dump as config
        return {"routes": sorted(json.dumps({k: v for k, v in r.items() if k != "origin"}, sort_keys=True)
                                 for r in c.ok("route.show")),
                "neigh": sorted((r["ip"], r["mac"], r["port"]) for r in c.ok("neigh.show") if r["state"] == "static"),
                "policers": c.ok("policer.show"),
                "acl": [{k: v for k, v in r.items() if k not in ("packets", "bytes")} for r in c.ok("acl.show")],
                "xdp": {x["iface"]: (x["pass"], sorted(c.ok("xdp.block.show", {"iface": x["iface"]})))
                        for x in c.ok("xdp.show")}}

    with Topology() as topo:
        sock, text = config(topo, d, shield)
        text = text.replace("ipv4: [10.231.0.100/24] }", "ipv4: [10.231.0.100/24], ipv6: [\"2001:db8:231::100/64\"] }")
        with daemon(d, text) as hd:
            c = Sock(sock)
            took = 0
            for _ in range(400):
                cmd, args = random_change(rng)
                took += c.req(cmd, args)["ok"]
            assert took >= 100, "only %d of 400 random changes were taken (seed %d)" % (took, seed)
            want = state(c)
            dump1 = c.ok("config.dump")["yaml"]
            code, _, _ = hd.stop()
            assert code == 0
        with open(os.path.join(d, "dump1.yaml"), "w") as f:
            f.write(dump1)
        with daemon(d, dump1) as hd:
            c = Sock(sock)
            dump2 = c.ok("config.dump")["yaml"]
            got = state(c)
            code, _, _ = hd.stop()
            assert code == 0
        assert dump2 == dump1, "seed %d: the dump of a daemon started from a dump differs:\n%s\n---\n%s" % (
            seed, dump1, dump2)
        assert got == want, "seed %d: restarted from the dump:\n%s\nbefore:\n%s" % (seed, got, want)


def xdp_not_permitted():
    """Why namespaces, veths or XDP cannot be used here (None: they can)."""
    ns, obj = TAG + "-probe", "/tmp/%s-probe.bpf.o" % TAG
    try:
        r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
        if r.returncode != 0:
            return "network namespaces not permitted: %s" % r.stderr.strip()
        steps = [["ip", "-n", ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1"],
                 ["clang", "-O2", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", "-x", "c", "-",
                  "-o", obj],
                 ["ip", "-n", ns, "link", "set", "dev", "p0", "xdpgeneric", "obj", obj, "sec", "xdp"]]
        src = ("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
               "SEC(\"xdp\") int p(struct xdp_md *c) { return XDP_PASS; }\n"
               "char LICENSE[] SEC(\"license\") = \"GPL\";\n")
        for cmd in steps:
            r = subprocess.run(cmd, input=src if cmd[0] == "clang" else None, capture_output=True, text=True)
            if r.returncode != 0:
                return "XDP not permitted here (%s): %s" % (" ".join(cmd[:4]), r.stderr.strip()[:200])
        return None
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if os.path.exists(obj):
            os.unlink(obj)


def main():
    global HOTPATHD
    HOTPATHD = hp.hotpathd_path()
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, XDP)")
        sys.exit(hp.SKIP)
    if hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages (net_af_xdp's UMEM)")
        sys.exit(hp.SKIP)
    why = xdp_not_permitted()
    if why:
        print("SKIP: %s" % why)
        sys.exit(hp.SKIP)
    hp.run([test_af_xdp_steer_pass_block, test_shield_interface, test_stale_program_replaced,
            test_foreign_program_kept, test_config_dump_and_apply, test_errors_change_nothing,
            test_dump_restart_random])


if __name__ == "__main__":
    main()
