#!/usr/bin/python3
"""End to end: the L4 load balancer (issue 16, docs/lb.md) with real Linux hosts on both sides.

    ns c (client)                       ns hp (hotpathd)                    ns sw (bridge)   ns b20, b21, b22
    eth0 10.0.0.2/24      -- veth --    hp0 = p0 10.0.0.1/24                                 eth0 10.1.0.2X/24
         2001:db8::2/64                          2001:db8::1/64                                   2001:db8:1::2X/64
    default via 10.0.0.1                hp1 = p1 10.1.0.1/24   -- veth --   br0 -- veths --  default via 10.1.0.1
                2001:db8::1                      2001:db8:1::1/64                                    2001:db8:1::1

hotpathd (net_af_packet on hp0/hp1) balances
    192.0.2.10     tcp/80    ipip                   an HTTP server answering with the backend's name
    192.0.2.10     tcp/5201  ipip, no_src_port      iperf3 -s (its control and data connections must
                                                    meet on one backend: hashed without the source port)
    192.0.2.10     tcp/9000  ipip                   an echo server: each line comes back as "NAME line"
    192.0.2.11     udp/7     gue, gue_port 6080     a UDP echo server: "NAME datagram"
    2001:db8:f::10 tcp/80    ipip (IP6IP6)          the HTTP server
over the three backends b20, b21, b22 (10.1.0.20-22, 2001:db8:1::20-22), weight 100 each.

With health checks (test_health), hotpathd's own kernel reaches the backends' segment too: a
management veth mgmt0 (10.1.0.250/24) from ns hp into the bridge, from which the built-in checker
GETs /healthz on port 8080 of each backend, served by a separate process (HEALTH) that the test
stops and starts again.

Each backend runs lb_backend.py (this kernel has no ipip/ip6tnl/fou: the outer header is taken off
in user space and the inner packet written into a TUN device, the VIPs on lo, rp_filter 0) and
real services bound on the VIPs (SERVICES below, iperf3 -s where a test wants it). Their replies
leave from the VIP by their default route: back through hotpathd as plain routed traffic (direct
server return). The hosts whose frames reach hotpathd's af_packet ports send them with their
checksums filled (ethtool -K eth0 tx off, ../shared/FIELD-NOTES.md). Every test builds its own rig
and takes it all down, passed or failed: processes, hotpathd (and its DPDK runtime files), the
namespaces with their veths, bridge and TUN devices. Nothing waits a fixed time: every step polls
for its result up to a generous deadline.

Usage: test_lb.py PATH/TO/hotpathd [TEST]   (HPCTL: hpctl's path, by default beside hotpathd)
"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import lb_backend  # noqa: E402

PY = "/usr/bin/python3"
TAG = "hp-lb-%d" % os.getpid()
DEADLINE = 60  # seconds any one step may take at most; each ends as soon as its result is in
VIP4, VIP_UDP, VIP6 = "192.0.2.10", "192.0.2.11", "2001:db8:f::10"
HTTP, IPERF, ECHO, UDP_ECHO, GUE_PORT = 80, 5201, 9000, 7, 6080
CLIENT4, CLIENT6 = "10.0.0.2", "2001:db8::2"
# backend name -> (IPv4, IPv6)
BACKENDS = {"b%d" % h: ("10.1.0.%d" % h, "2001:db8:1::%d" % h) for h in (20, 21, 22)}
BY_IP = {a: n for n, addrs in BACKENDS.items() for a in addrs}
NS = {n: "%s-%s" % (TAG, n) for n in ["c", "hp", "hp2", "sw"] + list(BACKENDS)}
MAC_P0, MAC_P1 = "02:00:00:0a:00:01", "02:00:00:0a:01:01"
# test_scale_out's second instance, in ns hp2: .3 on both segments (the first is .1)
HP_ADDRS = [("10.0.0.1", "10.1.0.1"), ("10.0.0.3", "10.1.0.3")]
MGMT4, HEALTH_PORT = "10.1.0.250", 8080
# test_health's checks, on VIP4:HTTP and VIP4:IPERF (fast, so that the test is short: the
# deadlines stay generous)
HEALTH = "{ check: http, port: %d, path: /healthz, interval_ms: 200, timeout_ms: 150, rise: 2, fall: 2 }" % HEALTH_PORT
HEALTH_TCP = "{ check: tcp, port: %d, interval_ms: 200, timeout_ms: 150, rise: 2, fall: 2 }" % HEALTH_PORT

CONFIG = """\
ports:
  - {{ name: p0, device: "net_af_packet0,iface=hp0", mode: l3, mac: "{p0}",
      ipv4: [10.0.0.1/24], ipv6: ["2001:db8::1/64"] }}
  - {{ name: p1, device: "net_af_packet1,iface=hp1", mode: l3, mac: "{p1}",
      ipv4: [10.1.0.1/24], ipv6: ["2001:db8:1::1/64"] }}
lb:
  - {{ vip: {vip4}, proto: tcp, port: {http}, encap: ipip,{health} backends: [{b4}] }}
  - {{ vip: {vip4}, proto: tcp, port: {iperf}, encap: ipip, flags: [no_src_port],{health_tcp} backends: [{b4}] }}
  - {{ vip: {vip4}, proto: tcp, port: {echo}, encap: ipip, backends: [{b4}] }}
  - {{ vip: {vip_udp}, proto: udp, port: {udp_echo}, encap: gue, gue_port: {gue}, backends: [{b4}] }}
  - {{ vip: "{vip6}", proto: tcp, port: {http}, encap: ipip, backends: [{b6}] }}
"""


CONFIG = CONFIG.format(health="@HEALTH@", health_tcp="@HEALTH_TCP@", p0=MAC_P0, p1=MAC_P1, vip4=VIP4, vip_udp=VIP_UDP, vip6=VIP6, http=HTTP,
                       iperf=IPERF, echo=ECHO, udp_echo=UDP_ECHO, gue=GUE_PORT,
                       b4=", ".join("{ ip: %s }" % a[0] for a in BACKENDS.values()),
                       b6=", ".join('{ ip: "%s" }' % a[1] for a in BACKENDS.values()))


def config(health=False, second=False):
    """CONFIG, with HEALTH on VIP4:HTTP and HEALTH_TCP on VIP4:IPERF when health; the second instance's addresses (.3) and
    MACs (:03) when second: the same load balancer section, word for word."""
    text = CONFIG.replace("@HEALTH@", " health: %s," % HEALTH if health else "")
    text = text.replace("@HEALTH_TCP@", " health: %s," % HEALTH_TCP if health else "")
    if second:
        for a, b in (("10.0.0.1/24", "10.0.0.3/24"), ("10.1.0.1/24", "10.1.0.3/24"), ("2001:db8::1/64", "2001:db8::3/64"),
                     ("2001:db8:1::1/64", "2001:db8:1::3/64"), (MAC_P0, MAC_P0[:-2] + "03"),
                     (MAC_P1, MAC_P1[:-2] + "03")):
            assert a in text, a
            text = text.replace(a, b)
    return text


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", NS[ns]] if ns else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d: %s %s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def ctl(sock, cmd, **args):
    """One request on hotpathd's control socket; its result (AssertionError when refused)."""
    return hp.request(sock, cmd, args or None, timeout=DEADLINE)


def hpctl(sock, *args):
    r = subprocess.run([HPCTL, "-s", sock] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("hpctl %s: exit %d: %s %s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r.stdout


def vip_stats(st, vip, port):
    v = next((v for v in st["vips"] if v["vip"] == vip and v.get("port") == port), None)
    assert v is not None, "no VIP %s port %s in %s" % (vip, port, json.dumps(st)[:2000])
    return v


def by_backend(v, key):
    """{backend name: key of its entry} of a VIP of lb.show / lb.stats (key: a function)."""
    return {BY_IP[b["ip"]]: key(b) for b in v["backends"]}


# ---- the hosts' programs ----

# A backend's services, bound on the VIPs (on lo): HTTP on both VIPs' port 80 (GET answers the
# backend's name), the line echo on tcp/9000 ("NAME line" for each line), the UDP echo on
# udp/7 ("NAME datagram"). Prints "ready" once every socket listens.
SERVICES = r"""
import socket, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
name, vip4, vip6, vip_udp = sys.argv[1:5]
http, echo, udp_echo = (int(a) for a in sys.argv[5:8])

class Http(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

class Http4(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    def server_bind(self):  # HTTPServer's would look the VIP up in the DNS (getfqdn): none here
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = name, self.server_address[1]

class Http6(Http4):
    address_family = socket.AF_INET6

class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(name.encode() + b" " + line)
            self.wfile.flush()

class Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, s = self.request
        s.sendto(name.encode() + b" " + data, self.client_address)

servers = [Http4((vip4, http), Http), Http6((vip6, http), Http), Tcp((vip4, echo), Echo),
           socketserver.UDPServer((vip_udp, udp_echo), Udp)]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""

# A backend's health endpoint, on its own address (not a VIP: the checker connects to the
# backend itself): GET /healthz answers 200, anything else 404. Prints "ready" once it listens.
HEALTHZ = r"""
import socketserver, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
addr, port = sys.argv[1], int(sys.argv[2])

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass

class S(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    def server_bind(self):  # no getfqdn (no DNS here)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = addr, self.server_address[1]

s = S((addr, port), H)
print("ready", flush=True)
s.serve_forever()
"""

# Short connections to VIP4:80 from distinct, chosen source ports (bound: the kernel cannot reuse
# one), THREADS at a time: one HTTP/1.0 GET each. One JSON list of [source port, body or error].
SHORT = r"""
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor
client, vip = sys.argv[1:3]
port, first, n, timeout = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
def one(sport):
    try:
        with socket.socket() as s:
            s.settimeout(timeout)
            s.bind((client, sport))
            s.connect((vip, port))
            s.sendall(b"GET / HTTP/1.0\r\nHost: lb\r\n\r\n")
            buf = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                buf += b
        head, _, body = buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.0 200"):
            return [sport, "error: %r" % buf[:200]]
        return [sport, body.decode().strip()]
    except Exception as e:
        return [sport, "error: %r" % e]
with ThreadPoolExecutor(8) as ex:
    print(json.dumps(list(ex.map(one, range(first, first + n)))))
"""

# Long-lived connections to the line echo, driven by one JSON command a line on stdin, one JSON
# answer a line on stdout:
#   {"op": "open", "n": N}  N new connections, each learns its backend from the answer to its
#                           first line: {"opened": [[id, backend or "error: ..."], ...]}
#   {"op": "ping"}          a line on every open connection, then each one's answer:
#                           {"pinged": {id: backend | "reset" | "eof" | "timeout" | "error: ..."}}
#                           (a connection that did not answer is closed and not pinged again)
CONNS = r"""
import json, socket, sys, time
vip, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conns = {}
def line(s, deadline):
    buf = b""
    while not buf.endswith(b"\n"):
        s.settimeout(max(0.01, deadline - time.monotonic()))
        b = s.recv(4096)
        if not b:
            return None
        buf += b
    return buf.decode()
def answer(c, msg, deadline):
    try:
        got = line(c, deadline)
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error: %r" % e
    if got is None:
        return "eof"
    who, _, rest = got.rstrip("\n").partition(" ")
    return who if rest == msg else "error: %r" % got
n_opened = 0
for cmd in sys.stdin:
    cmd = json.loads(cmd)
    if cmd["op"] == "open":
        out = []
        for _ in range(cmd["n"]):
            i = n_opened = n_opened + 1
            msg = "hello %d" % i
            try:
                c = socket.create_connection((vip, port), timeout=timeout)
                c.sendall((msg + "\n").encode())
                who = answer(c, msg, time.monotonic() + timeout)
            except OSError as e:
                who = "error: %r" % e
            if who.startswith("b"):
                conns[i] = c
            out.append([i, who])
        print(json.dumps({"opened": out}), flush=True)
    elif cmd["op"] == "ping":
        msgs, res = {}, {}
        for i, c in conns.items():
            msgs[i] = "ping %d %d" % (i, cmd["seq"])
            try:
                c.sendall((msgs[i] + "\n").encode())
            except OSError as e:
                res[i] = "reset" if isinstance(e, ConnectionResetError) else "error: %r" % e
        deadline = time.monotonic() + timeout
        for i, c in conns.items():
            if i not in res:
                res[i] = answer(c, msgs[i], deadline)
        for i, r in res.items():
            if not r.startswith("b"):
                conns.pop(i).close()
        print(json.dumps({"pinged": res}), flush=True)
"""

# One UDP echo request, sent again every second until its answer comes: {"answer", "sent"}.
UDP_CLIENT = r"""
import json, socket, sys, time
vip, port, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
sent, answer = 0, None
while answer is None and time.monotonic() < deadline:
    s.sendto(b"echo-me", (vip, port)); sent += 1
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    if peer == (vip, port):
        answer = data.decode()
print(json.dumps({"answer": answer, "sent": sent}))
"""


class Rig:
    """The namespaces, hotpathd, and on each backend lb_backend.py and SERVICES. close() undoes it
    all, whatever state it was left in; SIGTERM (meson's timeout) too.

    instances=2 (test_scale_out): a second hotpathd in ns hp2 on the same config but for its
    addresses (.3), its worker on the other core; the client reaches both through a second
    bridge in ns sw (brc) instead of a veth to hp0, and nothing routes through the second
    until the test says so."""

    def __init__(self, d, health=False, instances=1):
        self.d, self.health, self.instances = d, health, instances
        self.procs, self.backends, self.hd, self.hds = [], {}, None, []
        self.namespaces = [n for n in NS if n != "hp2" or instances == 2]
        self.healthz = {}  # backend name -> its HEALTHZ process

    def __enter__(self):
        hp.at_term(self.on_term)
        try:
            self.up()
            return self
        except BaseException as e:
            self.close((type(e), e, None))
            raise

    def __exit__(self, *exc):
        for hd in self.hds if exc[0] is not None else []:
            if hd.proc is not None:
                print(hd.stderr()[-3000:])
        self.close(exc)

    def on_term(self):
        self.close((SystemExit, None, None))

    def bridge(self, name, ports):
        """A bridge in ns sw over its ports (no IPv6 of its own on any of them)."""
        sh("ip", "link", "add", name, "type", "bridge", "mcast_snooping", "0", ns="sw")
        for p in [name] + ports:
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % p, ns="sw")
        for p in ports:
            sh("ip", "link", "set", p, "master", name, "up", ns="sw")
        sh("ip", "link", "set", name, "up", ns="sw")

    def veth(self, a, ns_a, b, ns_b, mac=None):
        sh("ip", "link", "add", a, "netns", NS[ns_a], *(["address", mac] if mac else []),
           "type", "veth", "peer", "name", b, "netns", NS[ns_b])

    def host(self, ns, a4, a6, gw4, gw6):
        """eth0 of a host namespace: its addresses, checksums filled in software, default routes."""
        sh("ethtool", "-K", "eth0", "tx", "off", ns=ns)
        sh("ip", "addr", "add", a4, "dev", "eth0", ns=ns)
        sh("ip", "-6", "addr", "add", a6, "dev", "eth0", "nodad", ns=ns)
        sh("ip", "link", "set", "eth0", "up", ns=ns)
        sh("ip", "route", "add", "default", "via", gw4, ns=ns)
        sh("ip", "-6", "route", "add", "default", "via", gw6, ns=ns)

    def up(self):
        self.remove_namespaces()
        for ns in self.namespaces:
            sh("ip", "netns", "add", NS[ns])
            sh("ip", "link", "set", "lo", "up", ns=ns)
        # hotpathd's ports: the kernel of its namespace neither answers nor learns on them
        hps = ["hp", "hp2"][:self.instances]
        for i, h in enumerate(hps):
            if self.instances == 1:
                self.veth("hp0", h, "eth0", "c", MAC_P0)
            else:
                self.veth("hp0", h, "sw-%s-c" % h, "sw", MAC_P0 if i == 0 else MAC_P0[:-2] + "03")
            self.veth("hp1", h, "sw-" + h, "sw", MAC_P1 if i == 0 else MAC_P1[:-2] + "03")
            for p in ("hp0", "hp1"):
                sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % p, ns=h)
                sh("ip", "link", "set", p, "arp", "off", "up", ns=h)
        if self.instances == 2:
            # the client's segment: a bridge with the client and both instances' p0
            self.veth("eth0", "c", "sw-c", "sw")
            self.bridge("brc", ["sw-c"] + ["sw-%s-c" % h for h in hps])
        # the backends' segment: a bridge with hotpathd's p1 and the three backends
        for name in BACKENDS:
            self.veth("eth0", name, "sw-" + name, "sw")
        self.bridge("br0", ["sw-" + h for h in hps] + ["sw-" + name for name in BACKENDS])
        if self.health:
            # hotpathd's own kernel on the backends' segment: where the health checker's probes leave
            self.veth("mgmt0", "hp", "sw-mgmt", "sw")
            sh("sysctl", "-qw", "net.ipv6.conf.sw-mgmt.disable_ipv6=1", ns="sw")
            sh("ip", "link", "set", "sw-mgmt", "master", "br0", "up", ns="sw")
            sh("ip", "addr", "add", MGMT4 + "/24", "dev", "mgmt0", ns="hp")
            sh("ip", "link", "set", "mgmt0", "up", ns="hp")
        self.host("c", CLIENT4 + "/24", CLIENT6 + "/64", "10.0.0.1", "2001:db8::1")
        for name, (a4, a6) in BACKENDS.items():
            self.host(name, a4 + "/24", a6 + "/64", "10.1.0.1", "2001:db8:1::1")
        if self.health:
            for name in BACKENDS:
                self.healthz_start(name)
        for i, h in enumerate(hps):
            # the second's worker on lcore 0, its control thread on 1: one busy poller a core
            eal = hp.eal_args("hp-it-%d-%s" % (os.getpid(), h)) + (["--main-lcore", "1"] if i else [])
            hd = hp.Daemon(HOTPATHD, self.d, config(self.health, second=i > 0), eal=eal, name=h, netns=NS[h])
            self.hds.append(hd)
            hd.start()
        self.hd = self.hds[0]
        self.sock = self.hd.socket_path()
        self.socks = [hd.socket_path() for hd in self.hds]
        for name in BACKENDS:
            b = lb_backend.Backend(NS[name], self.d, tun="lbtun0", vips=(VIP4, VIP_UDP, VIP6), gue_port=GUE_PORT,
                                   ipip=True, name=name)
            self.backends[name] = b
            b.start(DEADLINE)
        for name in BACKENDS:
            p = self.spawn(name, "svc-" + name, PY, "-c", SERVICES, name, VIP4, VIP6, VIP_UDP,
                           str(HTTP), str(ECHO), str(UDP_ECHO))
            line = p.stdout.readline().strip()
            if line != "ready":
                with open(os.path.join(self.d, "svc-%s.log" % name)) as f:
                    raise AssertionError("services on %s: %r %s" % (name, line, f.read()[-2000:]))

    def healthz_start(self, name):
        """HEALTHZ on backend name's own address, listening on return."""
        p = self.spawn(name, "healthz-" + name, PY, "-c", HEALTHZ, BACKENDS[name][0], str(HEALTH_PORT))
        line = p.stdout.readline().strip()
        assert line == "ready", ("healthz on %s" % name, line)
        self.healthz[name] = p

    def healthz_stop(self, name):
        """Backend name's HEALTHZ killed: nothing listens on its port any more (connections refused)."""
        hp.kill_group(self.healthz.pop(name))

    def spawn(self, ns, log, *args, stdin=None, stdout=subprocess.PIPE):
        """A program in a namespace, in its own session (killed with its group by close()), its
        stderr in the work directory."""
        err = open(os.path.join(self.d, log + ".log"), "w")
        try:
            p = hp.popen(["ip", "netns", "exec", NS[ns]] + list(args), stdin=stdin, stdout=stdout, stderr=err,
                         text=True, start_new_session=True)
        finally:
            err.close()
        self.procs.append(p)
        return p

    def backend_counters(self):
        """Stop every lb_backend.py: {name: its counters}; each exited 0 and wrote every inner
        packet it took into its TUN device."""
        out = {}
        for name, b in self.backends.items():
            code, counters = b.stop(DEADLINE)
            assert code == 0 and counters["tun_write_errors"] == 0, (name, code, counters, b.stderr())
            out[name] = counters
        print("  lb_backend counters: %s" % json.dumps({n: {"decap": c["decap"], "malformed": c["malformed"]}
                                                        for n, c in out.items()}))
        return out

    def remove_namespaces(self):
        for ns in NS.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def close(self, exc=(None, None, None)):
        """Everything down, in an order that leaves no namespace held by a process. exc: what is
        unwinding (hotpathd's leftover runtime files are removed either way; with no exception
        they fail the test, as hotpathd stopped by SIGTERM must remove its own). The processes'
        pipes are left to the garbage collector: a signal may have come in the middle of a read
        on one of them."""
        hp.no_term(self.on_term)
        try:
            for p in self.procs:
                hp.kill_group(p)
            self.procs = []
            for b in self.backends.values():
                b.kill()
                if getattr(b, "log", None):
                    b.log.close()
            self.backends = {}
            hds, self.hds, self.hd = self.hds, [], None
            for hd in hds:
                if hd.proc is not None:
                    hd.__exit__(*exc)  # kills it if alive and removes its runtime files
        finally:
            self.remove_namespaces()  # the veths, the bridge and the TUN devices go with them

    def stop(self):
        """hotpathd (each instance) stopped by SIGTERM: exit 0."""
        for hd in self.hds:
            if hd.proc is not None and hd.proc.poll() is None:
                code, _, _ = hd.stop()
                assert code == 0, hd.stderr()[-3000:]


def http_get(ns, url):
    """The body of GET url from ns (curl; python's urllib where there is no curl), or None."""
    if CURL:
        r = sh("curl", "-sS", "-g", "--noproxy", "*", "--max-time", "20", url, ns=ns, check=False,
               timeout=DEADLINE)
        return r.stdout.strip() if r.returncode == 0 else None
    code = ("import sys, urllib.request\n"
            "o = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
            "print(o.open(sys.argv[1], timeout=20).read().decode().strip())\n")
    r = sh(PY, "-c", code, url, ns=ns, check=False, timeout=DEADLINE)
    return r.stdout.strip() if r.returncode == 0 else None


class Conns:
    """CONNS running in the client namespace: long-lived connections to VIP4:ECHO."""

    def __init__(self, rig):
        self.p = rig.spawn("c", "conns", PY, "-c", CONNS, VIP4, str(ECHO), str(DEADLINE), stdin=subprocess.PIPE)
        self.seq = 0

    def cmd(self, **c):
        self.p.stdin.write(json.dumps(c) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        assert line, "the connections' client exited %s" % self.p.poll()
        return json.loads(line)

    def open(self, n):
        """n new connections: {id: backend}; every one must have been answered."""
        got = self.cmd(op="open", n=n)["opened"]
        bad = [o for o in got if o[1] not in BACKENDS]
        assert not bad, "connections to %s:%d not answered: %s" % (VIP4, ECHO, bad)
        return dict(got)

    def open_until(self, each, most):
        """Connections until every backend has at least `each` (at most `most` in all)."""
        conns = {}
        while len(conns) < most:
            conns.update(self.open(3 * each))
            if all(sum(1 for b in conns.values() if b == n) >= each for n in BACKENDS):
                return conns
        raise AssertionError("%d connections, not %d on each backend: %s" % (len(conns), each, spread(conns)))

    def ping(self):
        """A round trip on every open connection: {id: backend or what happened instead}."""
        self.seq += 1
        return {int(i): r for i, r in self.cmd(op="ping", seq=self.seq)["pinged"].items()}


def spread(conns):
    return {n: sum(1 for b in conns.values() if b == n) for n in BACKENDS}


def set_backend(rig, ip, **what):
    ctl(rig.sock, "lb.backend.set", vip=VIP4, proto="tcp", port=ECHO, ip=ip, **what)


# ---- the scenarios ----

def test_http_v4_v6(d):
    """curl to http://192.0.2.10/ and to http://[2001:db8:f::10]/ gets a backend's name: the
    request went in IPIP (IP6IP6 for the IPv6 VIP), the answer came straight from the VIP; the
    answering backend counted the encapsulation."""
    with Rig(d) as rig:
        got = {}
        for key, url in (("ipip", "http://%s/" % VIP4), ("ip6ip6", "http://[%s]/" % VIP6)):
            got[key] = hp.wait_until("GET %s answered" % url, lambda: http_get("c", url), DEADLINE, interval=0.5)
            assert got[key] in BACKENDS, ("GET %s" % url, got[key])
        print("  answered by: %s" % got)
        st = ctl(rig.sock, "lb.stats")
        for vip in (VIP4, VIP6):
            assert vip_stats(st, vip, HTTP)["stats"]["flows"] >= 1, vip_stats(st, vip, HTTP)
        counters = rig.backend_counters()
        for kind, name in got.items():
            assert counters[name]["decap"][kind] > 0, (kind, name, counters[name])
        assert not any(sum(c["malformed"].values()) for c in counters.values()), counters
        rig.stop()


def test_spread_1000(d):
    """1,000 short HTTP connections, each from its own source port, are spread over the three
    backends: every backend serves some, none more than 60 %; lb.stats' new_flows of each backend
    equal the connections the client saw it answer, and the VIP counts 1,000 flows.

    The margin: each backend holds a third of the Maglev ring (within a few entries of 65537 / 3,
    printed), and a flow's entry comes from the hash of its 5-tuple, so a backend's count is
    Binomial(1000, 1/3): mean 333, standard deviation 15. 600 is 18 standard deviations above the
    mean (Chernoff: P(X >= 600) <= exp(-1000 * KL(0.6 || 1/3)) = exp(-148)), and a backend with
    none has probability (2/3)^1000 = exp(-405). The source ports are fixed (20000-20999), so the
    hash is the same every run: this is not a test that could fail by chance either way."""
    n, first = 1000, 20000
    with Rig(d) as rig:
        r = sh(PY, "-c", SHORT, CLIENT4, VIP4, str(HTTP), str(first), str(n), str(DEADLINE), ns="c", check=False,
               timeout=20 * DEADLINE)
        assert r.returncode == 0, ("client", r.stdout[-2000:], r.stderr[-2000:])
        res = json.loads(r.stdout)
        bad = [x for x in res if x[1] not in BACKENDS]
        assert not bad, "%d of %d connections failed: %s" % (len(bad), n, bad[:5])
        assert len({x[0] for x in res}) == n, "source ports not distinct"
        seen = spread(dict(res))
        st = ctl(rig.sock, "lb.stats")
        v = vip_stats(st, VIP4, HTTP)
        ring = by_backend(v, lambda b: b["ring_entries"])
        flows = by_backend(v, lambda b: b["stats"]["new_flows"])
        print("  connections answered per backend: %s; lb.stats new_flows: %s; ring entries: %s" % (
            seen, flows, ring))
        assert all(0 < c <= 0.6 * n for c in seen.values()), ("spread", seen)
        assert flows == seen, ("lb.stats new_flows differ from what the client saw", flows, seen)
        assert v["stats"]["flows"] == n and v["stats"]["moved"] == 0 and v["stats"]["no_backend"] == 0, v["stats"]
        rig.stop()


def test_iperf3(d):
    """iperf3 -c 192.0.2.10 -t 3 through the VIP completes and the server received bytes. Its
    control and data connections reach one backend (the VIP hashes without the source port):
    only one backend's counters move. The client's full-sized segments do not fit in the
    backends' MTU once encapsulated: hotpathd answers them with "fragmentation needed" and the
    client's kernel keeps the path MTU it gives, 1480 (1500 less IPIP's 20)."""
    with Rig(d) as rig:
        for name in BACKENDS:
            rig.spawn(name, "iperf3-" + name, "iperf3", "-s", "-B", VIP4, "-p", str(IPERF), stdout=subprocess.DEVNULL)
        for name in BACKENDS:
            hp.wait_until("iperf3 -s listening on %s" % name, lambda: "%s:%d" % (VIP4, IPERF) in sh(
                "ss", "-Hltn", ns=name).stdout, DEADLINE, interval=0.2)
        r = sh("iperf3", "-c", VIP4, "-p", str(IPERF), "-t", "3", "-J", "--connect-timeout", str(DEADLINE * 1000),
               ns="c", check=False, timeout=4 * DEADLINE)
        try:
            out = json.loads(r.stdout)
        except ValueError:
            out = {}
        assert r.returncode == 0 and "error" not in out, ("iperf3 -c", r.returncode, r.stdout[-2000:], r.stderr)
        received = out["end"]["sum_received"]["bytes"]
        print("  iperf3: %d bytes received" % received)
        assert received > 0, out["end"]
        v = vip_stats(ctl(rig.sock, "lb.stats"), VIP4, IPERF)
        used = [n for n, p in by_backend(v, lambda b: b["stats"]["packets"]).items() if p > 0]
        assert len(used) == 1, ("one backend for the client's connections", v)
        route = sh("ip", "-4", "route", "get", VIP4, ns="c").stdout
        assert "mtu 1480" in route, ("the client's path MTU to the VIP, learnt from hotpathd", route)
        rig.stop()


def test_udp_gue(d):
    """A UDP echo request to 192.0.2.11:7 gets its answer (from the VIP, straight from a backend);
    the request went in GUE: that backend counted gue4, no backend counted one more than the
    requests sent."""
    with Rig(d) as rig:
        r = sh(PY, "-c", UDP_CLIENT, VIP_UDP, str(UDP_ECHO), str(DEADLINE), ns="c", check=False,
               timeout=2 * DEADLINE)
        assert r.returncode == 0, ("UDP client", r.stdout, r.stderr)
        res = json.loads(r.stdout)
        assert res["answer"] is not None, ("no answer from %s:%d" % (VIP_UDP, UDP_ECHO), res)
        who, _, echoed = res["answer"].partition(" ")
        assert who in BACKENDS and echoed == "echo-me", res
        print("  answered by %s after %d request(s)" % (who, res["sent"]))
        v = vip_stats(ctl(rig.sock, "lb.stats"), VIP_UDP, UDP_ECHO)
        assert v["encap"] == "gue" and v["stats"]["packets"] >= 1, v
        counters = rig.backend_counters()
        assert counters[who]["decap"]["gue4"] > 0, counters[who]
        assert sum(c["decap"]["gue4"] for c in counters.values()) <= res["sent"], counters
        rig.stop()


def test_backend_down(d):
    """Connections to the echo VIP (tcp/9000) on every backend; `hpctl lb backend set
    192.0.2.10:9000/tcp 10.1.0.21 state down`. Every connection on b20 and b22 still works (a
    round trip, answered by the same backend), new connections never reach b21. The connections
    that were on b21 move (lb.stats counts each once as moved) to the ring's choice, a backend
    that has no such connection: its kernel answers the client's next segment with a RST, and
    the client's socket is reset. (b21's own sockets stay open: nothing reaches it any more.)"""
    down = "b21"
    with Rig(d) as rig:
        conns = Conns(rig)
        before = conns.open_until(5, 300)
        print("  connections before: %s" % spread(before))
        assert conns.ping() == before, "a round trip on every connection, before"
        out = hpctl(rig.sock, "lb", "backend", "set", "%s:%d/tcp" % (VIP4, ECHO), BACKENDS[down][0], "state", "down")
        print("  hpctl: %s" % " ".join(out.split()))
        v = vip_stats(ctl(rig.sock, "lb.stats"), VIP4, ECHO)
        assert by_backend(v, lambda b: (b["state"], b["ring_entries"] > 0))[down] == ("down", False), v
        new_before = by_backend(v, lambda b: b["stats"]["new_flows"])[down]
        after = conns.ping()
        for i, b in before.items():
            if b == down:
                assert after[i] == "reset", ("connection %d was on %s: %s" % (i, down, after[i]), after)
            else:
                assert after[i] == b, ("connection %d on %s after %s went down: %s" % (i, b, down, after[i]), after)
        new = conns.open(30)
        print("  new connections: %s" % spread(new))
        assert down not in new.values(), ("a new connection reached the downed backend", new)
        # the survivors still answer, the new ones too
        assert conns.ping() == {**{i: b for i, b in before.items() if b != down}, **new}
        v = vip_stats(ctl(rig.sock, "lb.stats"), VIP4, ECHO)
        assert v["stats"]["moved"] == spread(before)[down], ("each of %s's flows moved once" % down, v["stats"])
        assert by_backend(v, lambda b: b["stats"]["new_flows"])[down] == new_before, v
        rig.stop()


def test_drain(d):
    """Connections to the echo VIP on every backend. b20 drained (lb.backend.set state drain),
    then b22 given weight 0 (lb.backend.set weight 0, draining too): after each, every
    established connection, the drained backends' included, still answers from its own
    backend, and new connections avoid the drained ones (after both, all go to b21)."""
    with Rig(d) as rig:
        conns = Conns(rig)
        live = conns.open_until(5, 300)
        print("  connections before: %s" % spread(live))
        assert conns.ping() == live
        drained = []
        for name, what in (("b20", {"state": "drain"}), ("b22", {"weight": 0})):
            set_backend(rig, BACKENDS[name][0], **what)
            drained.append(name)
            v = vip_stats(ctl(rig.sock, "lb.show"), VIP4, ECHO)
            assert by_backend(v, lambda b: (b["state"], b["ring_entries"]))[name] == ("drain", 0), v
            assert conns.ping() == live, ("established connections after draining %s" % name)
            new = conns.open(30)
            print("  new connections with %s drained: %s" % ("+".join(drained), spread(new)))
            assert not set(new.values()) & set(drained), ("a new connection reached a draining backend", new)
            live.update(new)
            assert conns.ping() == live
        assert set(new.values()) == {"b21"}, new
        v = vip_stats(ctl(rig.sock, "lb.stats"), VIP4, ECHO)
        assert v["stats"]["moved"] == 0 and v["stats"]["flows"] == len(live), v["stats"]
        rig.stop()


def short_spread(first, n):
    """n short connections to VIP4:HTTP from source ports first.. (SHORT): {backend: answered}; every
    one must have been answered."""
    r = sh(PY, "-c", SHORT, CLIENT4, VIP4, str(HTTP), str(first), str(n), str(DEADLINE), ns="c", check=False,
           timeout=20 * DEADLINE)
    assert r.returncode == 0, ("client", r.stdout[-2000:], r.stderr[-2000:])
    res = json.loads(r.stdout)
    bad = [x for x in res if x[1] not in BACKENDS]
    assert not bad, "%d of %d connections failed: %s" % (len(bad), n, bad[:5])
    return spread(dict(res))


def test_health(d):
    """The built-in health checker (docs/lb.md "Health checks"): VIP4:80 has an HTTP check of
    /healthz on port 8080 of each backend, VIP4:5201 a TCP connect check of the same port, both
    probed from hotpathd's own namespace through mgmt0. Every backend becomes health up (rise 2)
    on both; the other VIPs, without a check, stay unknown. b21's health endpoint stopped: b21
    becomes down on both (fall 2: its probes refused), lb.stats' check counters say why, and new
    connections avoid it; started again: it becomes up on both and takes new connections again.
    A backend deleted and added back over the socket is checked from scratch (its counters start
    again)."""
    sick, fresh = "b21", "b22"
    with Rig(d, health=True) as rig:
        def backends(cmd="lb.show", port=HTTP):
            return by_backend(vip_stats(ctl(rig.sock, cmd), VIP4, port), lambda b: b)

        def healths(port=HTTP):
            return {n: b["health"] for n, b in backends(port=port).items()}

        for port in (HTTP, IPERF):
            hp.wait_until("every backend's health up (VIP port %d)" % port,
                          lambda: set(healths(port).values()) == {"up"}, DEADLINE, interval=0.1)
        assert {b["health"] for b in backends(port=ECHO).values()} == {"unknown"}, backends(port=ECHO)
        assert not any("check" in b for b in backends("lb.stats", ECHO).values())
        checks = {n: b["check"] for n, b in backends("lb.stats").items()}
        print("  all up: %s" % checks)
        for n, c in checks.items():
            assert c["type"] == "http" and c["probes"] >= 2 and c["transitions"] >= 1, (n, c)
            assert c["last"] == "HTTP 200", (n, c)
        for n, b in backends("lb.stats", IPERF).items():
            c = b["check"]
            assert c["type"] == "tcp" and c["probes"] >= 2 and c["last"] == "connected", (n, c)

        rig.healthz_stop(sick)
        hp.wait_until("%s health down" % sick, lambda: healths()[sick] == "down", DEADLINE, interval=0.1)
        b = backends("lb.stats")[sick]
        print("  %s down: %s" % (sick, b["check"]))
        assert b["state"] == "down" and b["admin"] == "up" and b["ring_entries"] == 0, b
        assert b["check"]["failures"] >= 2 and b["check"]["transitions"] >= 2, b["check"]
        assert "refused" in b["check"]["last"], b["check"]
        hp.wait_until("%s health down (tcp check)" % sick, lambda: healths(IPERF)[sick] == "down", DEADLINE,
                      interval=0.1)
        b = backends("lb.stats", IPERF)[sick]
        assert b["state"] == "down" and b["ring_entries"] == 0 and "refused" in b["check"]["last"], b
        assert {n: h for n, h in healths(IPERF).items() if n != sick} == {"b20": "up", "b22": "up"}
        seen = short_spread(30000, 200)
        print("  new connections with %s down: %s" % (sick, seen))
        assert seen[sick] == 0 and all(c > 0 for n, c in seen.items() if n != sick), seen

        rig.healthz_start(sick)
        hp.wait_until("%s health up again" % sick, lambda: healths()[sick] == "up", DEADLINE, interval=0.1)
        b = backends("lb.stats")[sick]
        assert b["state"] == "up" and b["ring_entries"] > 0 and b["check"]["transitions"] >= 3, b
        hp.wait_until("%s health up again (tcp check)" % sick, lambda: healths(IPERF)[sick] == "up", DEADLINE,
                      interval=0.1)
        b = backends("lb.stats", IPERF)[sick]
        assert b["ring_entries"] > 0 and b["check"]["last"] == "connected", b
        seen = short_spread(31000, 300)
        print("  new connections with %s up again: %s" % (sick, seen))
        assert all(c > 0 for c in seen.values()), seen

        args = dict(vip=VIP4, proto="tcp", port=HTTP, ip=BACKENDS[fresh][0])
        ctl(rig.sock, "lb.backend.del", **args)
        assert fresh not in backends("lb.stats")
        ctl(rig.sock, "lb.backend.add", **args)
        hp.wait_until("%s, added again, health up" % fresh, lambda: healths()[fresh] == "up", DEADLINE,
                      interval=0.1)
        st = backends("lb.stats")
        assert st[fresh]["check"]["probes"] < st["b20"]["check"]["probes"], (st[fresh], st["b20"])
        log = rig.hd.stderr()
        for line in ("lb: VIP %s:%d/tcp backend %s health down (connect: Connection refused)",
                     "lb: VIP %s:%d/tcp backend %s health up (HTTP 200)"):
            assert line % (VIP4, HTTP, BACKENDS[sick][0]) in log, (line, log[-3000:])
        rig.stop()


def route_via(ns, dst, gws):
    """dst routed from ns via gws (two or more: equal-cost multipath, hashed on the 5-tuple)."""
    hops = ["via", gws[0]] if len(gws) == 1 else [w for g in gws for w in ("nexthop", "via", g)]
    sh("ip", "route", "replace", dst, *hops, ns=ns)


def test_scale_out(d):
    """Two hotpathd instances on the same load balancer config (docs/lb.md "Scale-out"): the
    client reaches VIP4 by an equal-cost multipath route over both (hashed on the 5-tuple, as an
    upstream router spreads a VIP announced by several instances), and the backends send their
    replies over both. Both instances build the same Maglev ring. Long-lived connections to the
    echo VIP, opened over both: each instance takes some. Then every path goes through the first
    instance only, then through the second only (as when an instance's announcement is withdrawn):
    every connection still answers, from its own backend: the instance that had never seen a flow
    picked the backend the other had. Each instance has then seen every flow, none moved. The
    first is stopped; 200 short connections through the second are all answered."""
    with Rig(d, instances=2) as rig:
        rings = [by_backend(vip_stats(ctl(s, "lb.show"), VIP4, ECHO), lambda b: b["ring_entries"])
                 for s in rig.socks]
        print("  ring entries per backend, each instance: %s" % rings)
        assert rings[0] == rings[1], rings

        def paths(i=None):
            """the client's VIP and the backends' way back through instance i (None: both)"""
            hops = [a for a in HP_ADDRS if i is None or a == HP_ADDRS[i]]
            route_via("c", VIP4 + "/32", [a[0] for a in hops])
            for name in BACKENDS:
                route_via(name, "10.0.0.0/24", [a[1] for a in hops])

        def flows():
            return [vip_stats(ctl(s, "lb.stats"), VIP4, ECHO)["stats"] for s in rig.socks]

        for ns in ["c"] + list(BACKENDS):
            sh("sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1", ns=ns)
        paths()
        conns = Conns(rig)
        live = {}
        # until each instance holds some (ECMP hashes each new connection to one of the two)
        while len(live) < 300 and not (all(f["flows"] >= 3 for f in flows()) and all(
                c >= 3 for c in spread(live).values())):
            live.update(conns.open(10))
        f = flows()
        print("  %d connections over both instances: %s per backend, %s new flows per instance" % (
            len(live), spread(live), [x["flows"] for x in f]))
        assert all(x["flows"] > 0 for x in f) and sum(x["flows"] for x in f) == len(live), f
        assert conns.ping() == live
        for i in (0, 1):
            paths(i)
            assert conns.ping() == live, "every connection answered by its own backend through instance %d only" % i
            f = flows()[i]
            print("  through instance %d only: %s" % (i, f))
            assert f["flows"] == len(live) and f["moved"] == 0 and f["no_backend"] == 0, (i, f)
        code, _, _ = rig.hds[0].stop()
        assert code == 0, rig.hds[0].stderr()[-3000:]
        assert conns.ping() == live, "connections through the second instance, the first stopped"
        seen = short_spread(32000, 200)
        print("  200 short connections through the second instance: %s" % seen)
        assert all(c > 0 for c in seen.values()), seen
        rig.stop()


def main():
    global HOTPATHD, HPCTL, CURL
    HOTPATHD = hp.hotpathd_path()
    HPCTL = os.environ.get("HPCTL") or os.path.join(os.path.dirname(os.path.abspath(HOTPATHD)),
                                                     "control", "hpctl", "hpctl")
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, TUN, raw sockets)")
        sys.exit(hp.SKIP)
    if hp.hugepages_free() < 64:
        print("SKIP: needs free hugepages")
        sys.exit(hp.SKIP)
    if not os.path.exists("/dev/net/tun"):
        print("SKIP: no /dev/net/tun")
        sys.exit(hp.SKIP)
    name = sys.argv[2] if len(sys.argv) > 2 else None
    tools = ["ethtool", "ss"] + (["iperf3"] if name in (None, "iperf3") else [])
    for tool in tools:
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            print("SKIP: %s is not installed (scripts/setup.sh installs it)" % tool)
            sys.exit(hp.SKIP)
    CURL = subprocess.run(["which", "curl"], capture_output=True).returncode == 0
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    hp.run([test_http_v4_v6, test_spread_1000, test_iperf3, test_udp_gue, test_backend_down, test_drain,
            test_health, test_scale_out])


if __name__ == "__main__":
    main()
