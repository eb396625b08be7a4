#!/usr/bin/python3
"""Control surfaces under a hostile or careless client (issue 12, points 8-10, 13c, 14):
a client streaming requests does not starve others, replies of any size arrive whole,
config.apply opens only regular files and refuses what needs a restart, the control
socket's path is only taken over when it is a stale socket, the hotpath group runs hpctl,
/metrics is cached and limited per client and ARP is answered while 32 clients hammer
it, SIGTERM in the middle of control work exits cleanly, and 20,000 random requests
leave the running state as it was."""
import grp
import http.client
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "bench"))
import ctlflood  # noqa: E402
import hp  # noqa: E402

BIN = hp.hotpathd_path()
HPCTL = os.path.join(os.path.dirname(BIN), "control", "hpctl", "hpctl")
P0_MAC, P1_MAC, GW = "02:00:00:00:00:01", "02:00:00:00:01:01", "02:00:00:00:01:02"

CONFIG = """\
control: {{ socket: {sock}{metrics} }}
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap,infinite_rx=1", mac: "{p0}",
      ipv4: [10.0.0.1/24] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/in1.pcap", mac: "{p1}", ipv4: [10.0.1.1/24] }}
neighbors:
  - {{ ip: 10.0.1.2, mac: "{gw}", port: p1 }}
policers:
  - {{ name: pol, type: trtcm, cir: 10M, cbs: 10k, pir: 20M, pbs: 20k }}
acl:
  - {{ priority: 10, proto: udp, dport: 9999, action: deny }}
  - {{ priority: 20, dst: 198.18.0.0/16, action: police pol }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
{extra}"""


def udp_frame(i):
    """Ether/IPv4/UDP to 198.18.0.x from p0's subnet (checksummed by hand: no scapy needed)."""
    dst = bytes([198, 18, 0, i % 200 + 1])
    src = bytes([10, 0, 0, 2])
    payload = b"x" * 18
    udp = struct.pack("!HHHH", 1000 + i, 53, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    s = sum(struct.unpack("!10H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    hdr = hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]
    eth = bytes.fromhex(P0_MAC.replace(":", "")) + bytes.fromhex("0200000000aa") + b"\x08\x00"
    return eth + hdr + udp


def daemon(d, name="hc", extra="", metrics="", sock=None):
    hp.write_pcap(os.path.join(d, "in0.pcap"), [udp_frame(i) for i in range(64)])
    hp.write_pcap(os.path.join(d, "in1.pcap"), [])
    sock = sock or os.path.join(d, name + ".sock")
    m = ', metrics: "%s"' % metrics if metrics else ""
    cfg = CONFIG.format(d=d, sock=sock, metrics=m, p0=P0_MAC, p1=P1_MAC, gw=GW, extra=extra)
    return hp.Daemon(BIN, d, cfg, name=name)


class Ctl:
    def __init__(self, path, timeout=60):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def req(self, cmd, args=None):
        msg = {"id": 7, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        return self.line()

    def ok(self, cmd, args=None):
        r = self.req(cmd, args)
        assert r["ok"] is True, "%s %s: %s" % (cmd, args, r)
        return r["result"]

    def err(self, cmd, args, code="EINVAL"):
        r = self.req(cmd, args)
        assert r["ok"] is False and r["error"]["code"] == code, "%s %s: want %s, got %s" % (cmd, args, code, r)
        return r["error"]["message"]

    def close(self):
        self.s.close()


def stop_ok(dm):
    code, _, report = dm.stop()
    assert code == 0, "exit %d: %s" % (code, dm.stderr()[-2000:])
    hp.check_mempools_full(report)
    return report


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("%s: not within %d s" % (what, timeout))


# ---------------------------------------------------------------- point 8: fairness, big replies

def test_streaming_client_does_not_starve_others(d):
    """One client writes status requests as fast as it can (and reads its replies in a thread);
    another client's requests are all answered while the stream is still going, and the streaming
    client loses nothing: every request it sent gets its reply."""
    with daemon(d) as dm:
        path = os.path.join(d, "hc.sock")
        hog = Ctl(path)
        line = b'{"id":1,"cmd":"status"}\n'
        chunk = line * 4096
        stop = threading.Event()
        sent = [0]
        got = [0]
        errors = []

        def writer():
            try:
                while not stop.is_set():
                    hog.s.sendall(chunk)
                    sent[0] += 4096
            except OSError as e:
                errors.append("writer: %r" % e)

        def reader():
            try:
                while not (stop.is_set() and got[0] == sent[0]):
                    r = hog.line()
                    assert r["ok"] is True, r
                    got[0] += 1
            except (OSError, EOFError, AssertionError) as e:
                errors.append("reader: %r" % e)

        tw = threading.Thread(target=writer, daemon=True)
        tr = threading.Thread(target=reader, daemon=True)
        tw.start()
        tr.start()
        try:
            wait_for(lambda: got[0] > 10000, "the streaming client's first replies")
            other = Ctl(path, timeout=30)
            for _ in range(50):
                assert other.ok("status")["ports"] == 2
        except socket.timeout:
            raise AssertionError("another client got no reply within 30 s while one streamed requests")
        finally:
            streaming = tw.is_alive() and not errors
            stop.set()
        tw.join(60)
        tr.join(120)
        assert not errors, errors
        assert streaming, "the stream stopped before the other client was served"
        assert got[0] == sent[0], "the streaming client got %d replies for %d requests" % (got[0], sent[0])
        other.close()
        hog.close()
        stop_ok(dm)


def test_half_closed_client_gets_every_reply(d):
    """5,000 pipelined requests then shutdown(SHUT_WR) (as `nc -N` does): the daemon answers
    them all over its turns, in order, then closes."""
    with daemon(d) as dm:
        c = Ctl(os.path.join(d, "hc.sock"))
        c.s.sendall(b"".join(b'{"id":%d,"cmd":"status"}\n' % i for i in range(5000)))
        c.s.shutdown(socket.SHUT_WR)
        for i in range(5000):
            r = c.line()
            assert r["id"] == i and r["ok"] is True, r
        assert c.s.recv(1) == b"", "the connection stayed open after the last reply"
        c.close()
        stop_ok(dm)


def test_route_show_of_a_big_table(d):
    """300,000 routes: route.show's 20 MB reply (over the old 16 MB cut-off) arrives whole, in
    order, while another client is served before the big reply was read at all."""
    n = 300000
    routes = "".join("  - { prefix: %d.%d.%d.0/24, via: 10.0.1.2 }\n" % (20 + (i >> 16), (i >> 8) & 255, i & 255)
                     for i in range(n))
    with daemon(d, extra=routes) as dm:
        path = os.path.join(d, "hc.sock")
        big = Ctl(path, timeout=120)
        big.s.sendall(b'{"id":1,"cmd":"route.show"}\n{"id":2,"cmd":"status"}\n')
        other = Ctl(path)
        assert other.ok("status")["routes"] == n + 1
        r = big.line()
        assert r["ok"] is True and r["id"] == 1, str(r)[:200]
        got = r["result"]
        assert len(got) == n + 1, len(got)
        assert got[0]["prefix"] == "198.18.0.0/15" and got[1]["prefix"] == "20.0.0.0/24", got[:2]
        assert got[-1] == {"prefix": "24.147.223.0/24", "action": "forward", "via": ["10.0.1.2"],
                           "origin": "config", "active": True}, got[-1]
        assert big.line()["id"] == 2        # the request after it, answered after it
        fam6 = big.req("route.show", {"family": 6})
        assert fam6["ok"] is True and fam6["result"] == [], fam6
        # the real client prints it too
        out = subprocess.run([HPCTL, "-s", path, "-j", "route", "show"], capture_output=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert len(json.loads(out.stdout)) == n + 1
        big.close()
        other.close()
        stop_ok(dm)


# ---------------------------------------------------------------- config.apply: files and refusals

def test_config_apply_regular_files_only(d):
    """A FIFO (no writer: opening it used to block the control thread for good), a directory,
    character devices and a socket are refused with a message; the daemon keeps serving."""
    fifo = os.path.join(d, "fifo.yaml")
    os.mkfifo(fifo)
    sockf = os.path.join(d, "s.yaml")
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(sockf)
    with daemon(d) as dm:
        c = Ctl(os.path.join(d, "hc.sock"), timeout=20)
        before = c.ok("config.dump")
        for f, kind in ((fifo, "a FIFO"), (d, "a directory"), ("/dev/zero", "a character device"),
                        ("/dev/null", "a character device"), (sockf, "a socket")):
            msg = c.err("config.apply", {"file": f})
            assert msg == "%s: not a regular file (%s): refused" % (f, kind), msg
        assert c.ok("status")["routes"] == 1
        assert c.ok("config.dump") == before
        c.close()
        stop_ok(dm)
    ls.close()


def _dump_dict(c):
    text = c.ok("config.dump")["yaml"]
    return json.loads(text[text.index("\n") + 1:])


def test_config_apply_refuses_the_fixed_sections(d):
    """Changing workers, eal, control (socket, metrics, stall_threshold_us), mbufs or a port is refused with a
    message naming it, and nothing changes; the same file without the change applies."""
    with daemon(d) as dm:
        c = Ctl(os.path.join(d, "hc.sock"))
        base = _dump_dict(c)
        state = ctlflood.state(os.path.join(d, "hc.sock"))
        changes = [
            ("the workers", lambda x: x.__setitem__("workers", [{"lcore": 1, "queues": ["p0/0", "p1/0"]}])),
            ("the EAL arguments", lambda x: x.__setitem__("eal", ["-l", "0-1"])),
            ("the control settings", lambda x: x["control"].__setitem__("socket", os.path.join(d, "other.sock"))),
            ("the control settings", lambda x: x["control"].__setitem__("metrics", "127.0.0.1:1")),
            ("the control settings", lambda x: x["control"].__setitem__("stall_threshold_us", 7)),
            ("mbufs", lambda x: x.__setitem__("mbufs", 4096)),
            ("a port", lambda x: x["ports"][0].__setitem__("mac", "02:00:00:00:00:09")),
            ("the number of ports", lambda x: x["ports"].append({"name": "p2", "device": "net_null5",
                                                                  "ipv4": ["10.0.5.1/24"]})),
        ]
        for i, (what, change) in enumerate(changes):
            cfg = json.loads(json.dumps(base))
            cfg["routes"].append({"prefix": "192.0.2.0/24", "via": ["10.0.1.2"]})   # what would apply
            change(cfg)
            f = os.path.join(d, "change%d.yaml" % i)
            with open(f, "w") as out:
                json.dump(cfg, out)
            msg = c.err("config.apply", {"file": f})
            assert "changes %s" % what in msg and "nothing applied" in msg, (what, msg)
            assert ctlflood.state(os.path.join(d, "hc.sock")) == state, what
        cfg = json.loads(json.dumps(base))
        cfg["routes"].append({"prefix": "192.0.2.0/24", "via": ["10.0.1.2"]})
        with open(os.path.join(d, "fine.yaml"), "w") as out:
            json.dump(cfg, out)
        c.ok("config.apply", {"file": os.path.join(d, "fine.yaml")})
        assert c.ok("status")["routes"] == 2
        c.close()
        stop_ok(dm)


# ---------------------------------------------------------------- the socket's path

def _run_second(d, cfg_text, name):
    """A second hotpathd on net_null ports that must refuse to start: (exit code, stderr)."""
    cfgf = os.path.join(d, name + ".yaml")
    with open(cfgf, "w") as f:
        f.write(cfg_text)
    p = subprocess.run([BIN, "-c", cfgf, "--"] + hp.eal_args("hp-it-%d-%s" % (os.getpid(), name)),
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr + p.stdout


NULL_CFG = """\
control: {{ socket: {sock} }}
ports:
  - {{ name: n0, device: net_null0, mode: xconnect, peer: n0 }}
"""


def test_stale_socket_replaced(d):
    """A socket file nobody listens on (a crashed daemon's) is replaced."""
    path = os.path.join(d, "hc.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    with daemon(d) as dm:
        c = Ctl(path)
        assert c.ok("status")["ports"] == 2
        c.close()
        stop_ok(dm)
        assert "removed a stale socket" in dm.stderr(), dm.stderr()[-2000:]
    assert not os.path.exists(path)


def test_non_socket_at_the_path_is_left_alone(d):
    """A regular file, a FIFO, a directory or a symlink at control.socket: hotpathd refuses to
    start, says so, and the file is untouched."""
    for kind in ("file", "fifo", "dir", "symlink"):
        path = os.path.join(d, "taken-%s" % kind)
        if kind == "file":
            with open(path, "w") as f:
                f.write("precious\n")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "dir":
            os.mkdir(path)
        else:
            with open(path + ".target", "w") as f:
                f.write("precious\n")
            os.symlink(path + ".target", path)
        before = os.lstat(path)
        code, err = _run_second(d, NULL_CFG.format(sock=path), "taken" + kind)
        assert code != 0, (kind, err)
        assert "the path exists and is not a socket: left alone" in err, (kind, err[-2000:])
        after = os.lstat(path)
        assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode,
                                                                    before.st_mtime_ns), kind
    with open(os.path.join(d, "taken-file")) as f:
        assert f.read() == "precious\n"


def test_second_daemon_refuses_a_served_socket(d):
    with daemon(d) as dm:
        path = os.path.join(d, "hc.sock")
        code, err = _run_second(d, NULL_CFG.format(sock=path), "second")
        assert code != 0 and "another hotpathd serves it" in err, (code, err[-2000:])
        c = Ctl(path)                       # the first still serves, on the same file
        assert c.ok("status")["ports"] == 2
        c.close()
        stop_ok(dm)


# ---------------------------------------------------------------- point 10: the hotpath group

def _hpctl_as(user, sock):
    return subprocess.run(["runuser", "-u", user, "--", HPCTL, "-s", sock, "status"],
                          capture_output=True, text=True, timeout=30)


def test_hotpath_group_runs_hpctl(d):
    """A user in group hotpath runs hpctl against a socket in a directory hotpathd made (the
    directory gets group hotpath, 0750); a user outside the group cannot. The users (and the
    group, when the test made it) are removed, pass or fail."""
    if os.geteuid() != 0:
        print("SKIP: needs root (useradd)")
        sys.exit(hp.SKIP)
    made_group = False
    users = ["hpt%da" % (os.getpid() % 100000), "hpt%db" % (os.getpid() % 100000)]
    try:
        try:
            grp.getgrnam("hotpath")
        except KeyError:
            subprocess.run(["groupadd", "--system", "hotpath"], check=True)
            made_group = True
        gid = grp.getgrnam("hotpath").gr_gid
        subprocess.run(["useradd", "-M", "-N", "-s", "/bin/sh", "-G", "hotpath", users[0]], check=True)
        subprocess.run(["useradd", "-M", "-N", "-s", "/bin/sh", users[1]], check=True)
        os.chmod(d, 0o755)
        sock = os.path.join(d, "run", "sub", "hc.sock")
        with daemon(d, sock=sock) as dm:
            st = os.stat(os.path.dirname(sock))
            assert st.st_gid == gid and stat.S_IMODE(st.st_mode) == 0o750, (st.st_gid, oct(st.st_mode))
            st = os.stat(sock)
            assert st.st_gid == gid and stat.S_IMODE(st.st_mode) == 0o660, (st.st_gid, oct(st.st_mode))
            ok = _hpctl_as(users[0], sock)
            assert ok.returncode == 0 and "ports" in ok.stdout, (ok.returncode, ok.stdout, ok.stderr)
            no = _hpctl_as(users[1], sock)
            assert no.returncode != 0 and "ermission denied" in no.stderr, (no.returncode, no.stderr)
            stop_ok(dm)
    finally:
        for u in users:
            subprocess.run(["userdel", u], capture_output=True)
        if made_group:
            subprocess.run(["groupdel", "hotpath"], capture_output=True)


# ---------------------------------------------------------------- point 9 and 13c: metrics

def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http_get(port, src="127.0.0.1", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(src, 0))
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def renders(text):
    for line in text.splitlines():
        if line.startswith("hotpath_metrics_renders_total "):
            return int(line.split()[1])
    raise AssertionError("no hotpath_metrics_renders_total")


def test_metrics_bind_failure_runs_without_metrics(d):
    """The metrics port is taken: hotpathd says why, runs on (forwarding, control socket)
    without metrics, and exits cleanly (docs/config.md: control.metrics)."""
    port = free_tcp_port()
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("127.0.0.1", port))
    taken.listen(1)
    try:
        with daemon(d, metrics="127.0.0.1:%d" % port) as dm:
            c = Ctl(os.path.join(d, "hc.sock"))
            wait_for(lambda: c.ok("stats")["tx_packets"] > 1000, "forwarding")
            err = dm.stderr()
            assert "metrics: cannot serve on 127.0.0.1:%d: metrics disabled" % port in err, err[-2000:]
            assert "Address already in use" in err, err[-2000:]
            c.close()
            stop_ok(dm)
    finally:
        taken.close()


def test_metrics_cached_and_limited_per_client(d):
    """Scrapes share a page rendered at most once per 100 ms (renders <= 1 + elapsed / 0.1,
    whatever the number of scrapes); one address gets at most 8 connections, others still get in."""
    port = free_tcp_port()
    with daemon(d, metrics="127.0.0.1:%d" % port) as dm:
        t0 = time.monotonic()   # before the first request: every render counted came after it
        status, text = http_get(port)
        assert status == 200
        r0 = renders(text)
        scrapes = 0
        for _ in range(300):
            status, text = http_get(port)
            assert status == 200
            scrapes += 1
        elapsed = time.monotonic() - t0
        r1 = renders(text)
        assert r1 - r0 <= 1 + elapsed / 0.1, "%d renders for %d scrapes in %.2f s" % (r1 - r0, scrapes, elapsed)
        # 8 connections from 127.0.0.1 held open (half a request each) and a 9th: one of the
        # nine is turned away (the daemon may accept them in any order), 127.0.0.2 is served
        held = []
        for _ in range(8):
            s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.1", 0))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        try:
            ninth_served = http_get(port, timeout=10)[0] == 200
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
            ninth_served = False
        if ninth_served:
            closed = 0
            for s in held:       # then one of the held ones must have been closed at once
                s.settimeout(5)
                try:
                    closed += s.recv(1) == b""
                except (socket.timeout, ConnectionError):
                    closed += isinstance(sys.exc_info()[1], ConnectionError)
            assert closed >= 1, "nine connections from one address were all served"
        assert http_get(port, src="127.0.0.2")[0] == 200
        for s in held:
            s.close()
        wait_for(lambda: _get_ok(port), "127.0.0.1 served again once its connections closed")
        stop_ok(dm)


def _get_ok(port):
    try:
        return http_get(port)[0] == 200
    except (ConnectionError, http.client.HTTPException, OSError):
        return False


def _veth(a, b):
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
    for x in (a, b):
        subprocess.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % x], capture_output=True)
        subprocess.run(["ip", "link", "set", x, "up"], check=True)


def _arp_request(smac, sip, tip):
    return (b"\xff" * 6 + smac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + smac +
            socket.inet_aton(sip) + b"\x00" * 6 + socket.inet_aton(tip)).ljust(60, b"\x00")


def _ns_frame(smac, target):
    from scapy.all import Ether, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6, in6_getnsma, in6_getnsmac, inet_pton
    mac = ":".join("%02x" % x for x in smac)
    nsma = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    return bytes(Ether(src=mac, dst=in6_getnsmac(inet_pton(socket.AF_INET6, nsma))) /
                 IPv6(src="2001:db8:9::2", dst=nsma, hlim=255) / ICMPv6ND_NS(tgt=target) /
                 ICMPv6NDOptSrcLLAddr(lladdr=mac))


def _is_na_for(f, smac, target):
    """An ICMPv6 neighbour advertisement (type 136) to us for target."""
    return (len(f) >= 78 and f[0:6] == smac and f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 136 and
            f[62:78] == socket.inet_pton(socket.AF_INET6, target))


def test_arp_answered_while_metrics_hammered(d):
    """32 clients (each from its own loopback address) scrape /metrics in a loop while ARP
    requests and neighbour solicitations arrive on a live port (net_af_packet on a veth):
    every one gets its reply."""
    a, b = "hpm%da" % (os.getpid() % 10000), "hpm%db" % (os.getpid() % 10000)
    port = free_tcp_port()
    try:
        _veth(a, b)
        cfg = ('control: { socket: %s/hc.sock, metrics: "127.0.0.1:%d" }\n'
               "ports:\n"
               '  - { name: p0, device: "net_af_packet0,iface=%s", ipv4: [10.9.0.1/24], ipv6: ["2001:db8:9::1/64"] }\n'
               % (d, port, a))
        with hp.Daemon(BIN, d, cfg, name="hm") as dm:
            raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            raw.bind((b, 0))
            raw.settimeout(0.5)
            raw6 = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
            raw6.bind((b, 0))
            raw6.settimeout(0.5)
            smac = raw.getsockname()[4]
            stop = threading.Event()
            counts = [0] * 32
            fails = [0] * 32

            def hammer(i):
                while not stop.is_set():
                    try:
                        if http_get(port, src="127.0.0.%d" % (10 + i))[0] == 200:
                            counts[i] += 1
                    except (ConnectionError, http.client.HTTPException, OSError):
                        fails[i] += 1

            threads = [threading.Thread(target=hammer, args=(i,)) for i in range(32)]
            for t in threads:
                t.start()
            try:
                wait_for(lambda: all(counts), "every hammering client served once")
                unanswered = []
                ns = _ns_frame(smac, "2001:db8:9::1")
                for i in range(100):
                    sip = "10.9.0.%d" % (2 + i % 200)
                    v6 = i % 2 == 1
                    sock = raw6 if v6 else raw
                    sock.send(ns if v6 else _arp_request(smac, sip, "10.9.0.1"))
                    deadline = time.time() + 10
                    answered = False
                    while time.time() < deadline and not answered:
                        try:
                            f = sock.recv(2048)
                        except socket.timeout:
                            continue
                        if v6:
                            answered = _is_na_for(f, smac, "2001:db8:9::1")
                        else:   # an ARP reply (op 2) to us, for our sender address
                            answered = (len(f) >= 42 and f[20:22] == b"\x00\x02" and f[0:6] == smac and
                                        f[38:42] == socket.inet_aton(sip))
                    if not answered:
                        unanswered.append("NS" if v6 else sip)
                busy = sum(counts)
            finally:
                stop.set()
                for t in threads:
                    t.join(30)
            assert not unanswered, "ARP requests / solicitations without a reply: %s" % unanswered
            assert busy > 32, busy
            raw.close()
            raw6.close()
            stop_ok(dm)
    finally:
        subprocess.run(["ip", "link", "del", a], capture_output=True)


# ---------------------------------------------------------------- 13c: SIGTERM in the middle

def test_sigterm_during_config_apply(d):
    """SIGTERM while config.apply works through a big file: a clean exit with the exit report
    (the reply came, or the connection closed: never half a line)."""
    n = 200000
    with daemon(d) as dm:
        c = Ctl(os.path.join(d, "hc.sock"))
        cfg = _dump_dict(c)
        cfg["routes"] += [{"prefix": "%d.%d.%d.0/24" % (20 + (i >> 16), (i >> 8) & 255, i & 255),
                           "via": ["10.0.1.2"]} for i in range(n)]
        f = os.path.join(d, "big.yaml")
        with open(f, "w") as out:
            json.dump(cfg, out)
        c.s.sendall(b'{"id":1,"cmd":"config.apply","args":{"file":"%s"}}\n' % f.encode())
        time.sleep(0.2)   # not a timing assertion: most likely mid-apply; either way it must exit cleanly
        code, _, report = dm.stop(timeout=120)
        assert code == 0, dm.stderr()[-2000:]
        hp.check_mempools_full(report)
        try:
            r = c.line()
            assert r["id"] == 1, r
        except (EOFError, OSError):
            pass
        c.close()


def test_sigterm_during_pipelined_batch(d):
    """20,000 pipelined route.add requests, SIGTERM once the first replies came: a clean exit with
    the report; every reply that came is whole and says ok."""
    with daemon(d) as dm:
        c = Ctl(os.path.join(d, "hc.sock"))
        reqs = b"".join(b'{"id":%d,"cmd":"route.add","args":{"prefix":"%d.%d.%d.0/24","via":"10.0.1.2"}}\n' % (
            i, 20 + (i >> 16), (i >> 8) & 255, i & 255) for i in range(20000))
        t = threading.Thread(target=lambda: _send_quietly(c.s, reqs))
        t.start()
        first = c.line()
        assert first["ok"] is True and first["id"] == 0, first
        code, _, report = dm.stop(timeout=60)
        assert code == 0, dm.stderr()[-2000:]
        hp.check_mempools_full(report)
        t.join(60)
        n = 1
        try:
            while True:
                r = c.line()
                assert r["ok"] is True and r["id"] == n, r
                n += 1
        except (EOFError, OSError):
            pass
        c.close()


def _send_quietly(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass


# ---------------------------------------------------------------- point 14: random requests

def test_random_requests_state_unchanged(d):
    """20,000 random and malformed requests (mutations of valid ones of every command, random
    bytes, huge lines, deep JSON, bad UTF-8) while forwarding: each is answered or its
    connection closed, the daemon forwards on, and the state afterwards is the state before
    (requests a mutation made valid are undone by config.apply of the dump taken before)."""
    with daemon(d) as dm:
        path = os.path.join(d, "hc.sock")
        c = Ctl(path)
        wait_for(lambda: c.ok("stats")["tx_packets"] > 1000, "forwarding")
        before = ctlflood.state(path)
        tx0 = c.ok("stats")["tx_packets"]
        st = ctlflood.flood(path, 20000, seed=12)
        assert st["sent"] == 20000 and st["replies"] + st["closed"] + st["empty"] == st["sent"], st
        if st["changed"]:
            ctlflood.restore(path, before, d)
        after = ctlflood.state(path)
        assert after == before, "state changed: %s" % [k for k in before if before[k] != after[k]]
        wait_for(lambda: c.ok("stats")["tx_packets"] > tx0 + 1000, "forwarding after the flood")
        c.close()
        stop_ok(dm)
        print("flood: %s" % json.dumps(st))


def test_seeds_cover_the_registry(d):
    """ctlflood.SEEDS has a request of every command in control/cmd/commands.h (the fuzz corpus
    tests/fuzz/corpus/ctl is made from the same list), and its read-only set is the registry's."""
    import registry
    cmds = registry.load()["commands"]
    missing = {n for n, _ in cmds} - {s["cmd"] for s in ctlflood.SEEDS}
    assert not missing, "commands without a seed: %s" % sorted(missing)
    ro = {n for n, r in cmds if r}
    assert ctlflood.READ_ONLY - {"latency.reset"} == ro, ctlflood.READ_ONLY ^ ro


if __name__ == "__main__":
    hp.run([test_streaming_client_does_not_starve_others, test_half_closed_client_gets_every_reply,
            test_route_show_of_a_big_table,
            test_config_apply_regular_files_only, test_config_apply_refuses_the_fixed_sections,
            test_stale_socket_replaced, test_non_socket_at_the_path_is_left_alone,
            test_second_daemon_refuses_a_served_socket, test_hotpath_group_runs_hpctl,
            test_metrics_bind_failure_runs_without_metrics, test_metrics_cached_and_limited_per_client,
            test_arp_answered_while_metrics_hammered, test_sigterm_during_config_apply,
            test_sigterm_during_pipelined_batch, test_random_requests_state_unchanged,
            test_seeds_cover_the_registry])
