#!/usr/bin/python3
"""A load balancer's backend host for the e2e tests (issue 16): decapsulates in user space.

The load balancer sends a client's packet to a backend inside an outer IP header (IPIP:
IPv4 in IPv4, protocol 4; 4in6: IPv4 in IPv6, next header 4; IP6IP6: next header 41) or
inside outer IP + UDP to the GUE port (GUE variant 1: the UDP payload is the inner IP packet
itself), and the backend answers the client directly from the VIP (direct server return).
A real backend lets its kernel take the outer header off; this VM's kernel has no ipip,
ip6tnl, sit or fou device (shared FIELD-NOTES), so this program does it:

  raw socket AF_INET/IPPROTO_IPIP     IPIP    (the outer IPv4 header comes with the data)
  raw socket AF_INET6/IPPROTO_IPIP    4in6    (an AF_INET6 raw socket gives the payload only)
  raw socket AF_INET6/IPPROTO_IPV6    IP6IP6
  UDP sockets on the GUE port         GUE over IPv4 (gue4) and over IPv6 (gue6)

and writes the inner packet, checked, into a TUN device (IFF_TUN | IFF_NO_PI, up,
rp_filter 0: the client's address is not routed through it), with the VIPs on `lo`. The
host's own stack takes the inner packet and answers from the VIP through its normal route.
A raw socket for protocol 4 takes every IPIP packet to the host, whatever its outer
destination; the kernel sends no "protocol unreachable" for what a raw socket took.

The same backend on a real host, with the kernel's modules (not tried on this VM):

  ip link set tunl0 up                           # modprobe ipip: IPIP
  ip -6 tunnel change ip6tnl0 mode any           # modprobe ip6_tunnel: 4in6 and IP6IP6
  ip link set ip6tnl0 up
  ip fou add port 6080 gue                       # modprobe fou: GUE over IPv4
  ip fou add port 6080 gue -6                    #              and over IPv6
  sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0
  ip addr add 192.0.2.10/32 dev lo; ip -6 addr add 2001:db8::10/128 dev lo

Usage (as root, inside the backend's network namespace):
  lb_backend.py --tun lbtun0 [--vip 192.0.2.10] [--vip 2001:db8::10] [--gue-port 6080]
                [--ipip] [--ready-file PATH]
It writes the ready file once every socket listens, runs until SIGTERM or SIGINT, then
removes the TUN device, the VIPs it added and the ready file, puts back rp_filter of `all`,
and prints its counters as one JSON line on stdout (see Counters.report). Exit 0, or 1
when the setup fails (what was set up is undone all the same).

Imported, it gives the tests Backend: the program started in a namespace and stopped.
"""
import argparse
import fcntl
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFNAMSIZ = 16
IPPROTO_IPIP = 4
IPPROTO_IPV6 = 41

# The encapsulations as counted, in the order printed.
KINDS = ("ipip", "4in6", "ip6ip6", "gue4", "gue6")
# The inner IP versions each may carry (GUE variant 1 says which by the first nibble).
INNER = {"ipip": (4,), "4in6": (4,), "ip6ip6": (6,), "gue4": (4, 6), "gue6": (4, 6)}
RECV_MAX = 65535
BURST = 64  # datagrams read from one ready socket before the others get their turn


def inner_problem(kind, pkt):
    """Why the inner packet pkt cannot be handed to the stack, or None. Minimal: the version
    this encapsulation may carry and a length field that matches what arrived."""
    if not pkt:
        return "empty"
    version = pkt[0] >> 4
    if version not in INNER[kind]:
        return "inner version %d" % version
    if version == 4:
        if len(pkt) < 20:
            return "inner IPv4 header cut short (%d bytes)" % len(pkt)
        ihl = (pkt[0] & 0x0F) * 4
        total = struct.unpack_from("!H", pkt, 2)[0]
        if ihl < 20 or total < ihl or total != len(pkt):
            return "inner IPv4 ihl %d, total length %d, %d bytes arrived" % (ihl, total, len(pkt))
        return None
    if len(pkt) < 40:
        return "inner IPv6 header cut short (%d bytes)" % len(pkt)
    payload = struct.unpack_from("!H", pkt, 4)[0]
    if 40 + payload != len(pkt):  # a jumbogram (payload length 0) is refused too
        return "inner IPv6 payload length %d, %d bytes arrived" % (payload, len(pkt))
    return None


def strip_outer_ipv4(data):
    """The payload of what an AF_INET raw socket received (the outer IPv4 header comes with
    it), or None when that header does not hold together."""
    if len(data) < 20 or data[0] >> 4 != 4:
        return None
    ihl = (data[0] & 0x0F) * 4
    if ihl < 20 or len(data) < ihl:
        return None
    return data[ihl:]


class Counters:
    def __init__(self):
        self.decap = dict.fromkeys(KINDS, 0)      # inner packets written into the TUN device
        self.malformed = dict.fromkeys(KINDS, 0)  # refused (inner_problem), not written
        self.inner = {"ipv4": 0, "ipv6": 0}       # written, by the inner version
        self.tun_write_errors = 0                 # the TUN device refused the write
        self.tun_rx = 0                           # packets the stack routed into the TUN (read, dropped)
        self.last_malformed = ""                  # why the last refused one was refused

    def report(self):
        return {"decap": self.decap, "malformed": self.malformed, "inner": self.inner,
                "tun_write_errors": self.tun_write_errors, "tun_rx": self.tun_rx,
                "last_malformed": self.last_malformed}


def open_tun(name):
    """A TUN device of that name (IFF_TUN | IFF_NO_PI), non-persistent: it goes with the fd."""
    if not 0 < len(name.encode()) < IFNAMSIZ:
        raise ValueError("--tun %r: a name of 1 to %d bytes" % (name, IFNAMSIZ - 1))
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
    except OSError:
        os.close(fd)
        raise
    return fd


def ip(*args):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))


def on_lo():
    r = subprocess.run(["ip", "-j", "addr", "show", "dev", "lo"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("ip -j addr show dev lo: %s" % r.stderr.strip())
    return {ipaddress.ip_address(a["local"]) for li in json.loads(r.stdout) for a in li.get("addr_info", [])}


def rp_filter_path(dev):
    return "/proc/sys/net/ipv4/conf/%s/rp_filter" % dev


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


class Host:
    """What the backend set up in its namespace, undone by close() in reverse order."""

    def __init__(self):
        self.undo = []

    def setup(self, args):
        self.tun_fd = open_tun(args.tun)
        self.undo.append(lambda: os.close(self.tun_fd))  # the device goes with its last fd
        # no link-local address on the TUN: nothing of the stack's own chatter is sent into it
        ip("link", "set", "dev", args.tun, "addrgenmode", "none")
        ip("link", "set", "dev", args.tun, "up")
        # the client's address is routed out of the veth, not the TUN: no reverse path check
        # (the stricter of `all` and the device's applies)
        with open(rp_filter_path("all")) as f:
            old = f.read().strip()
        write_file(rp_filter_path("all"), "0")
        self.undo.append(lambda: write_file(rp_filter_path("all"), old))
        write_file(rp_filter_path(args.tun), "0")
        ip("link", "set", "dev", "lo", "up")  # a new namespace's lo is down; left up
        for vip in args.vip:
            self.add_vip(vip)
        self.socks = {}
        if args.ipip:
            self.socks[self.sock(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPIP)] = "ipip"
            self.socks[self.sock(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPIP)] = "4in6"
            self.socks[self.sock(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPV6)] = "ip6ip6"
        if args.gue_port is not None:
            s = self.sock(socket.AF_INET, socket.SOCK_DGRAM, 0)
            s.bind(("0.0.0.0", args.gue_port))
            self.socks[s] = "gue4"
            s = self.sock(socket.AF_INET6, socket.SOCK_DGRAM, 0)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(("::", args.gue_port))
            self.socks[s] = "gue6"

    def add_vip(self, vip):
        addr = ipaddress.ip_address(vip)
        prefix = "%s/%d" % (addr, addr.max_prefixlen)
        fam = "-6" if addr.version == 6 else "-4"
        if addr in on_lo():
            return  # someone else's: left on lo at exit
        ip(fam, "addr", "add", prefix, "dev", "lo")
        self.undo.append(lambda: ip(fam, "addr", "del", prefix, "dev", "lo"))

    def sock(self, family, kind, proto):
        s = socket.socket(family, kind, proto)
        self.undo.append(s.close)
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        return s

    def close(self):
        """Undo everything; the first failure is raised once the rest is undone too."""
        first = None
        for fn in reversed(self.undo):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - undo the rest, then report
                first = first or e
        self.undo = []
        if first:
            raise first


def decapsulate(kind, data, tun_fd, c):
    pkt = strip_outer_ipv4(data) if kind == "ipip" else data
    why = "outer IPv4 header" if pkt is None else inner_problem(kind, pkt)
    if why:
        c.malformed[kind] += 1
        c.last_malformed = "%s: %s" % (kind, why)
        return
    try:
        os.write(tun_fd, pkt)
    except OSError:
        c.tun_write_errors += 1
        return
    c.decap[kind] += 1
    c.inner["ipv4" if pkt[0] >> 4 == 4 else "ipv6"] += 1


def serve(host, c, wake_fd):
    """Until a signal: every ready socket's datagrams (at most BURST at a time) into the TUN."""
    poller = select.poll()
    by_fd = {}
    for s in host.socks:
        poller.register(s.fileno(), select.POLLIN)
        by_fd[s.fileno()] = s
    poller.register(host.tun_fd, select.POLLIN)
    poller.register(wake_fd, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == wake_fd:
                return
            if fd == host.tun_fd:
                drain_tun(host.tun_fd, c)
                continue
            s = by_fd[fd]
            kind = host.socks[s]
            for _ in range(BURST):
                try:
                    data = s.recv(RECV_MAX)
                except BlockingIOError:
                    break
                decapsulate(kind, data, host.tun_fd, c)


def drain_tun(tun_fd, c):
    for _ in range(BURST):
        try:
            os.read(tun_fd, RECV_MAX)
        except BlockingIOError:
            return
        c.tun_rx += 1


def parse_args(argv):
    p = argparse.ArgumentParser(description="decapsulate IPIP/4in6/IP6IP6/GUE into a TUN device")
    p.add_argument("--tun", required=True, help="TUN device to create (IFF_TUN | IFF_NO_PI)")
    p.add_argument("--vip", action="append", default=[], help="a VIP to put on lo (IPv4 or IPv6; repeat)")
    p.add_argument("--gue-port", type=int, help="UDP port of GUE (variant 1), IPv4 and IPv6")
    p.add_argument("--ipip", action="store_true", help="take IPIP, 4in6 and IP6IP6 (raw sockets)")
    p.add_argument("--ready-file", help="written once every socket listens; removed at exit")
    args = p.parse_args(argv)
    if not args.ipip and args.gue_port is None:
        p.error("nothing to decapsulate: give --ipip and/or --gue-port")
    if args.gue_port is not None and not 0 < args.gue_port < 65536:
        p.error("--gue-port %d: not a UDP port" % args.gue_port)
    for v in args.vip:
        try:
            ipaddress.ip_address(v)
        except ValueError:
            p.error("--vip %r: not an IPv4 or IPv6 address" % v)
    return args


def main(argv=None):
    args = parse_args(argv)
    # signals only wake the loop through this pipe: the loop ends, the with/finally undo runs
    rd, wr = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wr)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: None)
    c = Counters()
    host = Host()
    code = 0
    try:
        host.setup(args)
        if args.ready_file:
            tmp = args.ready_file + ".tmp"
            write_file(tmp, json.dumps({"pid": os.getpid(), "tun": args.tun}) + "\n")
            os.rename(tmp, args.ready_file)
            host.undo.append(lambda: os.unlink(args.ready_file))
        serve(host, c, rd)
    except (OSError, RuntimeError, ValueError) as e:
        print("lb_backend: %s" % e, file=sys.stderr)
        code = 1
    finally:
        try:
            host.close()
        except Exception as e:  # noqa: BLE001
            print("lb_backend: cleaning up: %s" % e, file=sys.stderr)
            code = 1
    print(json.dumps(c.report()), flush=True)
    return code


# --- for the tests: the backend started in a namespace, stopped, its counters read ---------------------------

PY = "/usr/bin/python3"
HERE = os.path.abspath(__file__)


class Backend:
    """lb_backend.py (this file, or program) running in network namespace ns; use as a context
    manager (killed on the way out whatever happened). workdir holds its ready file and stderr
    log. Needs tests/integration on sys.path (hp: the child dies with the test, a SIGTERM to the
    test kills it)."""

    def __init__(self, ns, workdir, tun="lbtun0", vips=(), gue_port=None, ipip=False, name="lbb", program=HERE):
        self.ns, self.tun = ns, tun
        self.ready = os.path.join(workdir, name + ".ready")
        self.log_path = os.path.join(workdir, name + ".log")
        self.cmd = ["ip", "netns", "exec", ns, PY, program, "--tun", tun, "--ready-file", self.ready]
        for v in vips:
            self.cmd += ["--vip", v]
        if gue_port is not None:
            self.cmd += ["--gue-port", str(gue_port)]
        if ipip:
            self.cmd.append("--ipip")
        self.proc = None

    def start(self, timeout=60):
        import hp
        self.log = open(self.log_path, "w+")
        # ip netns exec execs the program: the pid signalled is lb_backend's own
        self.proc = hp.popen(self.cmd, stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True)
        hp.at_term(self.kill)

        def up():
            if self.proc.poll() is not None:
                raise AssertionError("lb_backend exited %d before it was ready: %s" % (
                    self.proc.returncode, self.stderr()))
            return os.path.exists(self.ready)
        try:
            hp.wait_until("lb_backend ready in %s" % self.ns, up, timeout)
        except AssertionError:
            self.kill()
            raise
        return self

    def stderr(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self, timeout=60):
        """SIGTERM; (exit code, counters: the JSON line it printed)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("lb_backend did not exit within %d s of SIGTERM" % timeout)
        lines = out.strip().splitlines()
        try:
            counters = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise AssertionError("lb_backend exited %d without its counters: %r %s" % (
                self.proc.returncode, out, self.stderr()))
        return self.proc.returncode, counters

    def kill(self):
        import hp
        hp.no_term(self.kill)
        hp.kill_group(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        self.log.close()


if __name__ == "__main__":
    sys.exit(main())
