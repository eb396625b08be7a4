#!/usr/bin/python3
"""hpctl against a fake control socket: the request lines it sends, its tables, -j, --watch and exit codes."""
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
import registry  # noqa: E402


def hpctl_path():
    p = os.environ.get("HPCTL") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not p or not os.access(p, os.X_OK):
        sys.exit("usage: %s PATH/TO/hpctl [TEST]" % sys.argv[0])
    return p


BIN = os.path.abspath(hpctl_path())

CLOSE = object()  # a handler's answer: hang up without replying

PORTS = [
    {"name": "p0", "driver": "net_pcap", "queues": 1, "mac": "02:00:00:00:00:01",
     "ipv4": ["10.0.0.1/24"], "up": True},
    {"name": "uplink1", "driver": "net_null", "queues": 12, "mac": "02:00:00:00:01:01",
     "ipv4": ["10.0.1.1/24", "10.0.2.1/24"], "up": False, "extra": "not a column"},
    {"name": "p2", "driver": "net_null", "queues": 2, "mac": "02:00:00:00:02:01", "up": True},
]
PORTS_TABLE = (
    "NAME     DRIVER    QUEUES  MAC                IPV4                     UP\n"
    "p0       net_pcap       1  02:00:00:00:00:01  10.0.0.1/24              true\n"
    "uplink1  net_null      12  02:00:00:00:01:01  10.0.1.1/24,10.0.2.1/24  false\n"
    "p2       net_null       2  02:00:00:00:02:01  -                        true\n")

WORKERS = [
    {"lcore": 1, "queues": ["p0/0", "p1/0"], "rx_packets": 123456789, "busy": 0.25,
     "hist": {"p50": 3, "p99": 0}},
    {"lcore": 12, "queues": [], "rx_packets": 5, "busy": 1.0, "hist": {}},
]
WORKERS_TABLE = (
    "LCORE  QUEUES     RX_PACKETS  BUSY  HIST\n"
    "    1  p0/0,p1/0   123456789  0.25  p50=3\n"  # counters by name: the ones not 0
    "   12  -                   5     1  {}\n")

STATS = {"uptime_s": 42, "rx": {"packets": 1000, "bytes": 64000},
         "drops": {"acl": 3, "no_route": 0, "by_port": {"p0": 1}},
         "ports": ["p0", "p1"], "rate": 1.5, "last_error": None, "empty": {}, "list": [1, 2]}
STATS_TEXT = (
    "uptime_s:   42\n"
    "rx:\n"
    "  packets: 1000\n"
    "  bytes:   64000\n"
    "drops:\n"
    "  acl:      3\n"
    "  no_route: 0\n"
    "  by_port:\n"
    "    p0: 1\n"
    "ports:      p0,p1\n"
    "rate:       1.5\n"
    "last_error: -\n"
    "empty:      {}\n"
    "list:       [1,2]\n")

YAML = "ports:\n  - { name: p0, device: net_null0 }\n"

CANNED = {
    "status": {"version": "0.1.0", "workers": 1},
    "port.show": PORTS,
    "worker.show": WORKERS,
    "stats": STATS,
    "config.dump": {"yaml": YAML},
    "route.show": [],
}


def reply_ok(req, result):
    return (json.dumps({"id": req["id"], "ok": True, "result": result}) + "\n").encode()


def canned(req):
    """The daemon's part: canned results; route.add of a /33 is refused; mutations return {}."""
    if req["cmd"] == "route.add" and req["args"].get("prefix", "").endswith("/33"):
        return (json.dumps({"id": req["id"], "ok": False, "error": {
            "code": "EINVAL", "message": "prefix: '%s' is not a prefix" % req["args"]["prefix"]}}) + "\n").encode()
    return reply_ok(req, CANNED.get(req["cmd"], {}))


class FakeServer:
    """A Unix socket in d answering one JSON line per request line via handler(request) -> bytes|None|CLOSE."""

    def __init__(self, d, handler=canned):
        self.path = os.path.join(d, "hotpath.sock")
        self.handler = handler
        self.lines = []   # raw request lines, newline stripped
        self.times = []   # when each arrived (monotonic)
        self.connections = 0
        self.stop = threading.Event()
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(self.path)
        self.lsock.listen(4)
        self.lsock.settimeout(0.05)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def requests(self):
        return [json.loads(line) for line in self.lines]

    def _serve(self):
        while not self.stop.is_set():
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            self.connections += 1
            with c:
                try:
                    self._connection(c)
                except OSError:
                    pass  # hpctl hung up (timed out, or died): the test looks at its exit

    def _connection(self, c):
        c.settimeout(0.05)
        buf = b""
        while not self.stop.is_set():
            try:
                data = c.recv(65536)
            except socket.timeout:
                continue
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines.append(line.decode())
                self.times.append(time.monotonic())
                out = self.handler(json.loads(line))
                if out is CLOSE:
                    return
                if out is not None:
                    c.sendall(out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        self.lsock.close()


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("HOTPATH_SOCK", "HPCTL_TIMEOUT_MS")}
    e.update(extra)
    return e


def hpctl(srv, *args, sock=True, **extra):
    argv = [BIN] + (["-s", srv.path] if sock and srv else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env(**extra))


def test_request_lines(d):
    """Each command form sends exactly one line: {"id":1,"cmd":...,"args":...}."""
    cfg = os.path.join(d, "hp.yaml")
    with open(cfg, "w") as f:
        f.write(YAML)
    cases = [
        (["route", "add", "198.18.0.0/15", "via", "10.0.1.2", "10.0.1.3"],
         "route.add", {"prefix": "198.18.0.0/15", "via": ["10.0.1.2", "10.0.1.3"]}),
        (["route", "add", "203.0.113.0/24", "drop"], "route.add", {"prefix": "203.0.113.0/24", "action": "drop"}),
        (["route", "del", "198.18.0.0/15"], "route.del", {"prefix": "198.18.0.0/15"}),
        (["route", "show", "6"], "route.show", {"family": 6}),
        (["route"], "route.show", {}),
        (["route", "show", "origin", "linux", "6"], "route.show", {"origin": "linux", "family": 6}),
        (["neigh", "add", "10.0.1.2", "lladdr", "02:00:00:00:01:02", "dev", "p1"], "neigh.add",
         {"ip": "10.0.1.2", "mac": "02:00:00:00:01:02", "port": "p1"}),
        (["neigh", "del", "10.0.1.2", "p1"], "neigh.del", {"ip": "10.0.1.2", "port": "p1"}),
        (["acl", "add", "prio", "100", "src", "10.0.0.0/8", "proto", "udp", "dport", "5000-5010",
          "action", "police", "gold"], "acl.add",
         {"priority": 100, "src": "10.0.0.0/8", "proto": "udp", "dport": "5000-5010", "action": "police gold"}),
        (["acl", "del", "4"], "acl.del", {"index": 4}),
        (["policer", "add", "gold", "type", "trtcm", "cir", "1M", "cbs", "2k", "pir", "2M", "pbs", "4k"],
         "policer.add", {"name": "gold", "type": "trtcm", "cir": "1M", "cbs": "2k", "pir": "2M", "pbs": "4k"}),
        (["port", "stats", "p0"], "port.stats", {"name": "p0"}),
        (["latency", "reset"], "latency.reset", {}),
        (["log", "level", "debug"], "log.level", {"level": "debug"}),
        (["stats"], "stats", {}),
        (["config", "apply", "hp.yaml"], "config.apply", {"file": os.path.realpath(cfg)}),
    ]
    with FakeServer(d) as srv:
        for argv, cmd, args in cases:
            before = len(srv.lines)
            r = subprocess.run([BIN, "-s", srv.path] + argv, capture_output=True, text=True,
                               timeout=30, env=env(), cwd=d)
            assert r.returncode == 0, (argv, r)
            sent = srv.lines[before:]
            assert len(sent) == 1, (argv, sent)
            assert json.loads(sent[0]) == {"id": 1, "cmd": cmd, "args": args}, (argv, sent[0])
            # compact, as the server reads it: no pretty-printing
            assert "\n" not in sent[0] and ": " not in sent[0], sent[0]
        assert srv.connections == len(cases)


def test_table_output(d):
    with FakeServer(d) as srv:
        r = hpctl(srv, "port", "show")
        assert r.returncode == 0 and r.stderr == "", r
        assert r.stdout == PORTS_TABLE, "\n" + r.stdout
        r = hpctl(srv, "worker")
        assert r.returncode == 0 and r.stdout == WORKERS_TABLE, "\n" + r.stdout
        # an empty array and an empty object print nothing
        for argv in (["route", "show"], ["route", "add", "10.0.0.0/8", "drop"]):
            r = hpctl(srv, *argv)
            assert r.returncode == 0 and r.stdout == "" and r.stderr == "", (argv, r)


def test_object_output(d):
    with FakeServer(d) as srv:
        r = hpctl(srv, "stats")
        assert r.returncode == 0 and r.stdout == STATS_TEXT, "\n" + r.stdout
        r = hpctl(srv, "status")
        assert r.returncode == 0 and r.stdout == "version: 0.1.0\nworkers: 1\n", r.stdout
        # config dump prints the YAML text itself
        r = hpctl(srv, "config", "dump")
        assert r.returncode == 0 and r.stdout == YAML, r.stdout


def test_json_output(d):
    with FakeServer(d) as srv:
        for argv, result in ((["port"], PORTS), (["stats"], STATS), (["config", "dump"], {"yaml": YAML}),
                             (["route", "show"], []), (["acl", "del", "1"], {})):
            r = hpctl(srv, "-j", *argv)
            assert r.returncode == 0, (argv, r)
            assert r.stdout.endswith("\n") and r.stdout.count("\n") == 1, (argv, r.stdout)
            assert json.loads(r.stdout) == result, (argv, r.stdout)
        r = hpctl(srv, "-j", "status")
        assert r.stdout == '{"version":"0.1.0","workers":1}\n', r.stdout


def test_refused_request(d):
    with FakeServer(d) as srv:
        r = hpctl(srv, "route", "add", "10.0.0.0/33", "via", "10.0.1.2")
        assert r.returncode == 1, r
        assert r.stderr == "hpctl: EINVAL: prefix: '10.0.0.0/33' is not a prefix\n", r.stderr
        assert r.stdout == ""
        assert len(srv.lines) == 1


def test_bad_replies(d):
    """No reply in time, a reply that is not JSON, one for another id, a hang-up: exit 1, said on stderr."""
    cases = [
        (lambda req: None, "no reply from"),
        (lambda req: b"this is not json\n", "malformed reply"),
        (lambda req: b'{"id":1,"result":{}}\n', "malformed reply"),
        (lambda req: b'{"ok":true,"result":{}}\n', 'no "id"'),
        (lambda req: reply_ok(dict(req, id=req["id"] + 41), {}), "answers request 42, not 1"),
        (lambda req: CLOSE, "closed the connection"),
    ]
    for i, (handler, needle) in enumerate(cases):
        sub = os.path.join(d, "s%d" % i)
        os.mkdir(sub)
        with FakeServer(sub, handler) as srv:
            t0 = time.monotonic()
            r = hpctl(srv, "status", HPCTL_TIMEOUT_MS="400")
            took = time.monotonic() - t0
            assert r.returncode == 1, (needle, r)
            assert r.stderr.startswith("hpctl: ") and needle in r.stderr, (needle, r.stderr)
            assert r.stdout == "", (needle, r.stdout)
            assert len(srv.lines) == 1
            if needle == "no reply from":
                assert took >= 0.35, took  # it waited its timeout (how much longer is the machine's)
                assert "400 ms" in r.stderr, r.stderr


def test_usage_errors(d):
    """Exit 2 with the reason and the object's usage on stderr; the daemon never hears of it."""
    cases = [
        ([], "hpctl: missing OBJECT\n"),
        (["bogus"], "hpctl: unknown object 'bogus'\n"),
        (["route", "add", "10.0.0.0/8"], "hpctl: route add: missing 'via ADDR' or 'drop'\n"),
        (["acl", "add", "prio", "high", "action", "deny"],
         "hpctl: acl add: prio: 'high' is not a number from 0 to 4294967295\n"),
        (["acl", "del", "x"], "hpctl: acl del: INDEX: 'x' is not a number from 0 to 4294967295\n"),
        (["--watch", "x", "stats"], "hpctl: --watch: 'x' is not a number of seconds from 1 to 86400\n"),
        (["neigh", "add", "10.0.1.2", "02:00:00:00:01:02"], "hpctl: neigh add: missing PORT\n"),
        (["config", "apply", "nope.yaml"], "hpctl: config apply: nope.yaml: No such file or directory\n"),
        (["route", "frob"], "hpctl: route: unknown verb 'frob' (add, del, load, show)\n"),
        (["route", "show", "origin", "kernel"],
         "hpctl: route show: origin must be config, cli or linux, not 'kernel'\n"),
    ]
    with FakeServer(d) as srv:
        for argv, first in cases:
            r = hpctl(srv, *argv)
            assert r.returncode == 2, (argv, r)
            assert r.stderr.startswith(first), (argv, r.stderr)
            assert "usage:" in r.stderr and r.stdout == "", (argv, r)
        # the usage that follows is the object's own
        r = hpctl(srv, "route", "add")
        assert "hpctl route del PREFIX" in r.stderr and "hpctl acl" not in r.stderr, r.stderr
        assert srv.connections == 0 and srv.lines == []


def test_help(d):
    with FakeServer(d) as srv:
        r = hpctl(srv, "help")
        assert r.returncode == 0 and r.stderr == "", r
        assert r.stdout.startswith("usage: hpctl [-s SOCK] [-j] [--watch N] OBJECT"), r.stdout
        for obj in ("status", "stats", "latency", "port", "worker", "route", "neigh", "acl", "policer",
                    "config", "xdp", "linux", "log"):
            assert "  hpctl %s" % obj in r.stdout, obj
        r = hpctl(srv, "route", "help")
        assert r.returncode == 0, r
        assert r.stdout == ("usage:\n"
                            "  hpctl route add PREFIX via ADDR [ADDR...]\n"
                            "  hpctl route add PREFIX drop\n"
                            "  hpctl route del PREFIX\n"
                            "  hpctl route load FILE      (lines as route add's: PREFIX via ADDR... | PREFIX drop)\n"
                            "  hpctl route [show [origin config|cli|linux] [4 | 6]]\n"), r.stdout
        r = hpctl(srv, "--help")
        assert r.returncode == 0 and "--watch N" in r.stdout, r
        assert srv.connections == 0


def test_watch(d):
    """--watch 1 sends a request a second, ids counting up, on one connection; SIGINT ends it with 0.
    Its schedule is a fixed rate: request i never goes out before i seconds after start (no busy
    loop); how late a busy machine lets it be is not asserted."""
    with FakeServer(d) as srv:
        t0 = time.monotonic()
        p = hp.popen([BIN, "-s", srv.path, "--watch", "1", "port"], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True, env=env())
        hp.wait_until("3 requests", lambda: len(srv.lines) >= 3, timeout=60)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, (p.returncode, err)
        n = len(srv.lines)
        assert n >= 3, srv.lines
        assert [q["id"] for q in srv.requests()] == list(range(1, n + 1)), srv.lines
        assert all(q["cmd"] == "port.show" for q in srv.requests())
        early = [(i, round(t - t0, 3)) for i, t in enumerate(srv.times) if t - t0 < i - 0.05]
        assert not early, "requests ahead of the 1 s schedule: %s" % early
        assert srv.connections == 1
        # every answered request printed the table; no screen clearing into a pipe
        assert out == PORTS_TABLE * n, out
        assert err == ""


def test_watch_clears_a_terminal(d):
    with FakeServer(d) as srv:
        master, slave = pty.openpty()
        p = hp.popen([BIN, "-s", srv.path, "--watch", "1", "status"], stdout=slave,
                             stderr=subprocess.PIPE, env=env())
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 60
        while out.count(b"workers") < 2 and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    out += os.read(master, 4096)
                except OSError:  # EIO: hpctl is gone
                    break
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=60) == 0
        os.close(master)
        # each screen (two at least; a slow reader may have let a third in) clears the terminal first
        screens = out.split(b"\033[H\033[2J")
        assert screens[0] == b"" and len(screens) >= 3, out
        head = b"version: 0.1.0\r\n"
        assert all(sc[:len(head)] == head[:len(sc)] for sc in screens[1:]), out


def test_connect_failure(d):
    missing = os.path.join(d, "nobody.sock")
    r = hpctl(None, "-s", missing, "status")
    assert r.returncode == 1, r
    assert r.stderr == "hpctl: cannot connect to %s: No such file or directory\n" % missing, r.stderr
    # a socket file nobody listens on
    dead = os.path.join(d, "dead.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(dead)
    s.close()
    r = hpctl(None, "-s", dead, "status")
    assert r.returncode == 1 and r.stderr == "hpctl: cannot connect to %s: Connection refused\n" % dead, r


def test_socket_path_choice(d):
    """-s beats $HOTPATH_SOCK, which beats the default."""
    with FakeServer(d) as srv:
        r = hpctl(srv, "status", sock=False, HOTPATH_SOCK=srv.path)
        assert r.returncode == 0 and len(srv.lines) == 1, r
        r = hpctl(srv, "-s", os.path.join(d, "other.sock"), "status", sock=False, HOTPATH_SOCK=srv.path)
        assert r.returncode == 1 and "other.sock" in r.stderr, r
        assert len(srv.lines) == 1
    if not os.path.exists("/run/hotpath/hotpath.sock"):
        r = hpctl(None, "status")
        assert r.returncode == 1 and "/run/hotpath/hotpath.sock" in r.stderr, r


# the completion script the build generated from the registry, beside hpctl's binary
COMPLETION = os.path.join(os.path.dirname(BIN), "completion", "hpctl")


def sends(srv, cases):
    """Each (argv, cmd, args) of cases: `hpctl ARGV` exits 0 having sent srv that one request."""
    for argv, cmd, args in cases:
        before = len(srv.lines)
        r = hpctl(srv, *argv)
        assert r.returncode == 0, (argv, r)
        assert [json.loads(x) for x in srv.lines[before:]] == [{"id": 1, "cmd": cmd, "args": args}], \
            (argv, srv.lines[before:])


def complete(*words):
    """The words the generated completion offers after `hpctl WORDS...` (the last one, maybe "", being typed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; '
              'COMP_POINT=${#COMP_LINE}; _hpctl; printf "%s\\n" "${COMPREPLY[@]}"')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "complete", COMPLETION, "hpctl"] + list(words),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stderr == "", r
    return set(r.stdout.split())


def test_registry_everywhere(d):
    """Every object and command of the registry is in hpctl's usage and in the generated completion."""
    reg = registry.load()
    objects = [o for o, _ in reg["objects"]]
    with open(COMPLETION) as f:
        assert "@" not in f.read().replace("$@", "").replace("[@]", ""), "a placeholder left in %s" % COMPLETION
    with FakeServer(d) as srv:
        usage = hpctl(srv, "help").stdout
        for obj in objects:
            assert "  hpctl %s" % obj in usage, obj
        assert set(objects) | {"help"} <= complete(""), complete("")
        assert set(objects) <= complete("help", "")
        for obj, extra in reg["objects"]:
            mine = [(name.split("."), ro) for name, ro in reg["commands"] if name.split(".")[0] == obj]
            assert mine, "object %s sends no command" % obj
            verbs = {parts[1] for parts, _ in mine if len(parts) > 1} | set(extra)
            offered = complete(obj, "")
            assert verbs | {"help"} <= offered, (obj, offered)
            assert ("--watch" in offered) == any(ro for _, ro in mine), (obj, offered)
            own = hpctl(srv, obj, "help").stdout
            for parts, ro in mine:
                for word in parts[1:]:
                    assert re.search(r"\b%s\b" % word, own), (parts, own)
                if len(parts) == 3:
                    assert parts[2] in complete(obj, parts[1], ""), parts
                if len(parts) == 2 and ro:
                    assert "--watch" in complete(obj, parts[1], ""), parts
        # the daemon's own command, answered by hpctl without asking
        assert [name for name, _ in reg["commands"] if name.split(".")[0] not in objects] == ["help"]
        assert srv.lines == [], srv.lines


ROUTES = [
    {"prefix": "198.18.0.0/15", "action": "forward", "via": ["10.0.1.2"], "origin": "config", "active": True},
    {"prefix": "203.0.113.0/24", "action": "drop", "via": [], "origin": "cli", "active": True},
    {"prefix": "198.18.0.0/15", "action": "forward", "via": ["10.0.0.9"], "origin": "linux", "active": False},
]
ROUTES_TABLE = (
    "PREFIX          ACTION   VIA       ORIGIN  ACTIVE\n"
    "198.18.0.0/15   forward  10.0.1.2  config  true\n"
    "203.0.113.0/24  drop     -         cli     true\n"
    "198.18.0.0/15   forward  10.0.0.9  linux   false\n")


def test_route_show_origin(d):
    """route show: an ORIGIN (and ACTIVE) column in the table; origin ORIGIN sent as the filter;
    the completion offers the origins."""
    def handler(req):
        if req["cmd"] != "route.show":
            return canned(req)
        want = req["args"].get("origin")
        return reply_ok(req, [r for r in ROUTES if want is None or r["origin"] == want])
    with FakeServer(d, handler) as srv:
        r = hpctl(srv, "route", "show")
        assert r.returncode == 0 and r.stderr == "", r
        assert r.stdout == ROUTES_TABLE, "\n" + r.stdout
        r = hpctl(srv, "route", "show", "origin", "linux")
        assert r.returncode == 0 and r.stdout == ROUTES_TABLE.splitlines(True)[0].replace(
            "PREFIX          ACTION   VIA       ORIGIN  ACTIVE", "PREFIX         ACTION   VIA       ORIGIN  ACTIVE") + \
            "198.18.0.0/15  forward  10.0.0.9  linux   false\n", "\n" + r.stdout
        assert json.loads(srv.lines[-1])["args"] == {"origin": "linux"}, srv.lines[-1]
    assert {"origin", "4", "6", "--watch"} <= complete("route", "show", ""), complete("route", "show", "")
    assert complete("route", "show", "origin", "") == {"config", "cli", "linux"}
    assert {"origin", "--watch"} <= complete("route", "show", "origin", "linux", "")


CT_SHOW = {"matched": 3, "shown": 2, "truncated": True, "limit": 2, "connections": [
    {"proto": "tcp", "family": 4, "orig": {"src": "10.0.0.2", "dst": "198.18.0.5", "sport": 40000, "dport": 80},
     "reply": {"src": "198.18.0.5", "dst": "203.0.113.10", "sport": 80, "dport": 1024}, "nat": ["snat"],
     "state": "established", "assured": True, "expires_s": 3599, "packets": [5, 4], "worker": 0, "lcore": 1},
    {"proto": "udp", "family": 6, "orig": {"src": "2001:db8::2", "dst": "2001:db8:1::9", "sport": 5, "dport": 53},
     "reply": {"src": "2001:db8:1::9", "dst": "2001:db8::2", "sport": 53, "dport": 5}, "nat": [],
     "state": "new", "assured": False, "expires_s": 30, "packets": [1, 0], "worker": 1, "lcore": 2}]}
CT_SHOW_TEXT = (
    "tcp      6   3599   ESTABLISHED src=10.0.0.2 dst=198.18.0.5 sport=40000 dport=80 packets=5"
    " src=198.18.0.5 dst=203.0.113.10 sport=80 dport=1024 packets=4 [ASSURED] [SNAT] worker=0\n"
    "udp      17  30      src=2001:db8::2 dst=2001:db8:1::9 sport=5 dport=53 packets=1 [UNREPLIED]"
    " src=2001:db8:1::9 dst=2001:db8::2 sport=53 dport=5 packets=0 worker=1\n"
    "2 of 3 connections shown (limit 2: more with limit N)\n")
CT_STATS = {"enabled": True, "count": 2, "max": 1024, "timeouts": {"udp": 30},
            "workers": [{"worker": 0, "lcore": 1, "created": 7}, {"worker": 1, "lcore": 2, "created": 0}]}
CT_STATS_TEXT = ("enabled:  true\ncount:    2\nmax:      1024\ntimeouts:\n  udp: 30\nworkers:\n"
                 "WORKER  LCORE  CREATED\n     0      1        7\n     1      2        0\n")
NAT_SHOW = {"rules": [
    {"index": 0, "type": "snat", "out": "p1", "src": "10.0.0.0/8", "to": ["203.0.113.10", "203.0.113.11"],
     "ports": "1024-65535", "free_ports": {"tcp": 129024, "udp": 129023, "icmp": 129024}},
    {"index": 1, "type": "dnat", "in": "p1", "dst": "203.0.113.10", "proto": "tcp", "dport": 8080,
     "to": "10.0.0.5:80"}], "counters": {"snat_new": 1, "exhausted": 0}}
NAT_SHOW_TEXT = (
    "0  snat out p1 src 10.0.0.0/8 to 203.0.113.10,203.0.113.11 ports 1024-65535"
    "  free tcp=129024 udp=129023 icmp=129024\n"
    "1  dnat in p1 dst 203.0.113.10 proto tcp dport 8080 to 10.0.0.5:80\n"
    "counters:\n  snat_new:  1\n  exhausted: 0\n")


def test_conntrack_and_nat(d):
    """hpctl conntrack and nat: the words each form sends, the lines it prints (conntrack -L's,
    the config's), -j as the reply, and the CLI's refusals (exit 2, nothing sent)."""
    cases = [
        (["conntrack"], "conntrack.show", {}),
        (["conntrack", "show", "proto", "tcp", "src", "10.0.0.0/8", "dst", "198.18.0.5", "port", "80",
          "state", "established", "limit", "5"], "conntrack.show",
         {"proto": "tcp", "src": "10.0.0.0/8", "dst": "198.18.0.5", "port": 80, "state": "established", "limit": 5}),
        (["conntrack", "proto", "17"], "conntrack.show", {"proto": 17}),
        (["conntrack", "stats"], "conntrack.stats", {}),
        (["conntrack", "flush"], "conntrack.flush", {}),
        (["nat"], "nat.show", {}),
        (["nat", "add", "snat", "out", "p1", "src", "10.0.0.0/8", "to", "203.0.113.10,203.0.113.11", "ports",
          "1024-65535"], "nat.add", {"type": "snat", "out": "p1", "src": "10.0.0.0/8",
                                     "to": ["203.0.113.10", "203.0.113.11"], "ports": "1024-65535"}),
        (["nat", "add", "type", "dnat", "in", "p1", "dst", "203.0.113.10", "proto", "tcp", "dport", "8080", "to",
          "10.0.0.5:80"], "nat.add", {"type": "dnat", "in": "p1", "dst": "203.0.113.10", "proto": "tcp",
                                      "dport": 8080, "to": "10.0.0.5:80"}),
        (["nat", "del", "3"], "nat.del", {"index": 3}),
        (["nat", "del", "snat", "out", "p1", "src", "10.0.0.0/8", "to", "203.0.113.10"], "nat.del",
         {"type": "snat", "out": "p1", "src": "10.0.0.0/8", "to": ["203.0.113.10"]}),
    ]
    usage = [
        (["conntrack", "frob"], "hpctl: conntrack: unknown verb 'frob' (show, stats, flush)\n"),
        (["conntrack", "show", "color", "red"],
         "hpctl: conntrack show: unknown keyword 'color' (proto, src, dst, port, state, limit)\n"),
        (["conntrack", "show", "limit", "0"], "hpctl: conntrack show: limit: '0' is not a number from 1 to 100000\n"),
        (["conntrack", "show", "port", "70000"], "hpctl: conntrack show: port: '70000' is not a number from 0 to 65535\n"),
        (["conntrack", "show", "port", "1", "port", "2"], "hpctl: conntrack show: 'port' given twice\n"),
        (["conntrack", "stats", "now"], "hpctl: conntrack stats: unexpected 'now'\n"),
        (["nat", "add"], "hpctl: nat add: missing snat or dnat\n"),
        (["nat", "add", "masq", "out", "p1"], "hpctl: nat add: unknown type 'masq' (snat, dnat)\n"),
        (["nat", "add", "snat", "out", "p1", "src", "10.0.0.0/8"], "hpctl: nat add: missing 'to'\n"),
        (["nat", "add", "snat", "out", "p1", "dport", "80"],
         "hpctl: nat add: unknown keyword 'dport' (snat takes out, src, to, ports)\n"),
        (["nat", "add", "dnat", "in", "p1", "dst", "203.0.113.10", "proto", "icmp"],
         "hpctl: nat add: proto: 'icmp' is neither tcp nor udp\n"),
        (["nat", "add", "dnat", "in", "p1", "dport", "0"], "hpctl: nat add: dport: '0' is not a port from 1 to 65535\n"),
        (["nat", "add", "snat", "to", "1.2.3.4,,5.6.7.8"], "hpctl: nat add: to: empty address in '1.2.3.4,,5.6.7.8'\n"),
        (["nat", "del"], "hpctl: nat del: missing INDEX (or the rule: snat ... | dnat ...)\n"),
        (["nat", "frob"], "hpctl: nat: unknown verb 'frob' (add, del, show)\n"),
    ]

    def handler(req):
        res = {"conntrack.show": CT_SHOW, "conntrack.stats": CT_STATS, "nat.show": NAT_SHOW}.get(req["cmd"])
        return reply_ok(req, res) if res is not None else canned(req)
    with FakeServer(d, handler) as srv:
        sends(srv, cases)
        for argv, text in ((["conntrack"], CT_SHOW_TEXT), (["conntrack", "stats"], CT_STATS_TEXT),
                           (["nat", "show"], NAT_SHOW_TEXT)):
            r = hpctl(srv, *argv)
            assert r.returncode == 0 and r.stderr == "" and r.stdout == text, (argv, "\n" + r.stdout)
        for argv, result in ((["conntrack"], CT_SHOW), (["nat"], NAT_SHOW), (["conntrack", "stats"], CT_STATS)):
            r = hpctl(srv, "-j", *argv)
            assert r.returncode == 0 and json.loads(r.stdout) == result, (argv, r.stdout)
        # --watch: show and stats may be repeated, flush and add may not
        r = hpctl(srv, "conntrack", "flush", "--watch", "1")
        assert r.returncode == 2 and "only commands that show" in r.stderr, r
        n = len(srv.lines)
        for argv, first in usage:
            r = hpctl(srv, *argv)
            assert r.returncode == 2 and r.stderr.startswith(first), (argv, r.stderr)
            assert "usage:" in r.stderr and r.stdout == "", (argv, r)
        assert len(srv.lines) == n



LB_BACKENDS = [
    {"ip": "10.0.1.20", "weight": 100, "state": "up", "admin": "up", "health": "up", "ring_entries": 32769, "id": 0,
     "stats": {"packets": 600, "bytes": 38400, "new_flows": 6}},
    {"ip": "10.0.1.21", "weight": 100, "state": "up", "admin": "up", "health": "unknown", "ring_entries": 32768,
     "id": 1, "stats": {"packets": 400, "bytes": 25600, "new_flows": 4}},
    {"ip": "10.0.1.22", "weight": 0, "state": "drain", "admin": "up", "health": "unknown", "ring_entries": 0, "id": 2,
     "stats": {"packets": 7, "bytes": 448, "new_flows": 0}}]
LB_STATS = {"vips": [
    {"vip": "192.0.2.10", "proto": "tcp", "port": 80, "encap": "gue", "gue_port": 6080, "flags": ["no_src_port"],
     "table_size": 65537, "backends": LB_BACKENDS,
     "stats": {"packets": 1007, "bytes": 64448, "flows": 10, "moved": 1, "no_backend": 0}},
    {"vip": "2001:db8::10", "proto": "tcp", "port": 443, "encap": "ipip", "table_size": 65537, "backends": [
        {"ip": "2001:db8:1::20", "weight": 100, "state": "down", "admin": "down", "health": "unknown",
         "ring_entries": 0, "id": 0, "stats": {"packets": 0, "bytes": 0, "new_flows": 0}}],
     "stats": {"packets": 3, "bytes": 180, "flows": 0, "moved": 0, "no_backend": 3}},
    {"vip": "192.0.2.11", "proto": "udp", "encap": "ipip", "table_size": 251, "backends": [],
     "stats": {"packets": 0, "bytes": 0, "flows": 0, "moved": 0, "no_backend": 0}}],
    "flow_tables": [
        {"size": 65536, "count": 10, "hits": 997, "misses": 10, "inserts": 10, "evictions": 0, "updates": 1},
        {"size": 65536, "count": 0, "hits": 0, "misses": 3, "inserts": 0, "evictions": 0, "updates": 0}],
    "conf": {"flows": 65536, "flow_timeout": 300, "table_size": 65537, "src4": "172.16.0.0/16",
             "src6": "fd00:4c42::/64"}}
LB_SHOW = json.loads(json.dumps(LB_STATS))  # lb.show: the same without the counters
del LB_SHOW["flow_tables"]
for _v in LB_SHOW["vips"]:
    del _v["stats"]
    for _b in _v["backends"]:
        del _b["stats"]
LB_SHOW_TEXT = (
    "VIP 192.0.2.10:80/tcp encap gue gue_port 6080 no_src_port ring 65537\n"
    "  IP         WEIGHT  STATE  ADMIN/HEALTH  ENTRIES  SHARE\n"
    "  10.0.1.20     100  up     up/up           32769   50.0%\n"
    "  10.0.1.21     100  up     up/unknown      32768   50.0%\n"
    "  10.0.1.22       0  drain  up/unknown          0    0.0%\n"
    "VIP [2001:db8::10]:443/tcp encap ipip ring 65537\n"
    "  IP              WEIGHT  STATE  ADMIN/HEALTH  ENTRIES  SHARE\n"
    "  2001:db8:1::20     100  down   down/unknown        0    0.0%\n"
    "VIP 192.0.2.11/udp encap ipip ring 251\n"
    "  no backends\n"
    "lb_conf:\n"
    "  flows:        65536\n"
    "  flow_timeout: 300\n"
    "  table_size:   65537\n"
    "  src4:         172.16.0.0/16\n"
    "  src6:         fd00:4c42::/64\n")
LB_STATS_TEXT = (
    "VIP 192.0.2.10:80/tcp packets 1007 bytes 64448 flows 10 moved 1 no_backend 0\n"
    "  IP         PACKETS  BYTES  NEW_FLOWS\n"
    "  10.0.1.20      600  38400          6\n"
    "  10.0.1.21      400  25600          4\n"
    "  10.0.1.22        7    448          0\n"
    "VIP [2001:db8::10]:443/tcp packets 3 bytes 180 flows 0 moved 0 no_backend 3\n"
    "  IP              PACKETS  BYTES  NEW_FLOWS\n"
    "  2001:db8:1::20        0      0          0\n"
    "VIP 192.0.2.11/udp packets 0 bytes 0 flows 0 moved 0 no_backend 0\n"
    "  no backends\n"
    "flow tables:\n"
    "  WORKER   SIZE  COUNT  HITS  MISSES  INSERTS  EVICTIONS  UPDATES\n"
    "       0  65536     10   997      10       10          0        1\n"
    "       1  65536      0     0       3        0          0        0\n")

def test_lb(d):
    """hpctl lb: the requests each form sends, lb.show's and lb.stats's tables, -j as the reply,
    refusals before anything is sent, and what the completion offers after each word."""
    cases = [
        (["lb"], "lb.show", {}),
        (["lb", "stats"], "lb.stats", {}),
        (["lb", "vip", "add", "[2001:db8::10]:443/tcp", "encap", "gue", "gue_port", "6080", "no_src_port",
          "backends", "2001:db8:1::20@50,10.0.1.20"], "lb.vip.add",
         {"vip": "2001:db8::10", "proto": "tcp", "port": 443, "encap": "gue", "gue_port": 6080,
          "flags": ["no_src_port"], "backends": [{"ip": "2001:db8:1::20", "weight": 50}, {"ip": "10.0.1.20"}]}),
        (["lb", "vip", "del", "192.0.2.10/udp"], "lb.vip.del", {"vip": "192.0.2.10", "proto": "udp"}),
        (["lb", "backend", "add", "192.0.2.10:80/tcp", "10.0.1.23", "weight", "10"], "lb.backend.add",
         {"vip": "192.0.2.10", "proto": "tcp", "port": 80, "ip": "10.0.1.23", "weight": 10}),
        (["lb", "backend", "del", "192.0.2.10:80/tcp", "10.0.1.23"], "lb.backend.del",
         {"vip": "192.0.2.10", "proto": "tcp", "port": 80, "ip": "10.0.1.23"}),
        (["lb", "backend", "set", "192.0.2.10:80/tcp", "10.0.1.20", "state", "drain"], "lb.backend.set",
         {"vip": "192.0.2.10", "proto": "tcp", "port": 80, "ip": "10.0.1.20", "state": "drain"}),
    ]
    usage = [
        (["lb", "vip", "add", "192.0.2.10:80/tcp"],
         "hpctl: lb vip add: missing 'backends IP[@WEIGHT][,IP[@WEIGHT]...]'\n"),
        (["lb", "vip", "add", "[2001:db8::10]443/tcp", "backends", "10.0.1.20"],
         "hpctl: lb vip add: VIP: unexpected '443' after ']'\n"),
        (["lb", "backend", "set", "192.0.2.10:80/tcp", "10.0.1.20", "state", "off"],
         "hpctl: lb backend set: unknown state 'off' (up, down, drain)\n"),
    ]

    def handler(req):
        res = {"lb.show": LB_SHOW, "lb.stats": LB_STATS}.get(req["cmd"])
        return reply_ok(req, res) if res is not None else canned(req)
    with FakeServer(d, handler) as srv:
        sends(srv, cases)
        for argv, text in ((["lb", "show"], LB_SHOW_TEXT), (["lb", "stats"], LB_STATS_TEXT)):
            r = hpctl(srv, *argv)
            assert r.returncode == 0 and r.stderr == "" and r.stdout == text, (argv, "\n" + r.stdout)
        for argv, result in ((["lb"], LB_SHOW), (["lb", "stats"], LB_STATS)):
            r = hpctl(srv, "-j", *argv)
            assert r.returncode == 0 and json.loads(r.stdout) == result, (argv, r.stdout)
        # a change answers with its VIP as it now is: printed as lb show prints that VIP
        srv.handler = lambda req: reply_ok(req, {"vips": LB_SHOW["vips"][:1]})
        shown = hpctl(srv, "lb").stdout
        assert shown.startswith("VIP ") and "lb_conf" not in shown, shown
        for argv in (["lb", "backend", "set", "192.0.2.10:80/tcp", "10.0.1.20", "state", "drain"],
                     ["lb", "backend", "add", "192.0.2.10:80/tcp", "10.0.1.23"],
                     ["lb", "vip", "add", "192.0.2.10:80/tcp", "backends", "10.0.1.20"]):
            r = hpctl(srv, *argv)
            assert r.returncode == 0 and r.stdout == shown, (argv, r.stdout, shown)
        # nothing configured: a line that says so, and lb_conf
        empty = {"vips": [], "conf": LB_SHOW["conf"]}
        srv.handler = lambda req: reply_ok(req, empty)
        r = hpctl(srv, "lb")
        assert r.returncode == 0 and r.stdout == "no lb vips\n" + LB_SHOW_TEXT[LB_SHOW_TEXT.index("lb_conf:"):], r
        n = len(srv.lines)
        for argv, first in usage:
            r = hpctl(srv, *argv)
            assert r.returncode == 2 and r.stderr.startswith(first), (argv, r.stderr)
            assert "usage:\n  hpctl lb [show | stats]" in r.stderr and r.stdout == "", (argv, r)
        r = hpctl(srv, "lb", "vip", "del", "192.0.2.10/udp", "--watch", "1")
        assert r.returncode == 2 and "only commands that show" in r.stderr, r
        assert len(srv.lines) == n
    vip = "192.0.2.10:80/tcp"
    assert {"show", "stats", "vip", "backend", "--watch", "help"} <= complete("lb", ""), complete("lb", "")
    assert complete("lb", "vip", "") == {"add", "del"}
    assert complete("lb", "backend", "") == {"add", "del", "set"}
    assert complete("lb", "vip", "add", "") == set()  # the VIP: nothing to offer
    assert complete("lb", "vip", "add", vip, "") == {"encap", "gue_port", "no_src_port", "backends"}
    assert complete("lb", "vip", "add", vip, "encap", "") == {"ipip", "gue"}
    assert complete("lb", "vip", "add", vip, "backends", "") == set()
    assert complete("lb", "vip", "del", vip, "") == set()
    assert complete("lb", "backend", "add", vip, "") == set()  # the IP
    assert complete("lb", "backend", "add", vip, "10.0.1.20", "") == {"weight"}
    assert complete("lb", "backend", "set", vip, "10.0.1.20", "") == {"weight", "state"}
    assert complete("lb", "backend", "set", vip, "10.0.1.20", "state", "") == {"up", "down", "drain"}
    assert complete("lb", "backend", "del", vip, "10.0.1.20", "") == set()
    assert complete("lb", "stats", "") == {"--watch"}


RUNTIME_SHOW = {"fast_path": "avx2 x8", "workers": [
    {"lcore": 1, "counting": True, "sample_every": 16, "loops": 5000, "busy_loops": 1250, "busy_share": 0.25,
     "seconds": 2.0, "nodes": [
         {"name": "rx", "calls": 1250, "packets": 40000, "packets_per_call": 32.0, "cycles_per_packet": 12.34,
          "sampled_packets": 2496, "sampled_cycles": 30800},
         {"name": "fast-path", "calls": 1250, "packets": 40000, "packets_per_call": 32.0,
          "cycles_per_packet": 61.06, "sampled_packets": 2496, "sampled_cycles": 152405},
         {"name": "tx", "calls": 1250, "packets": 40000, "packets_per_call": 32.0, "cycles_per_packet": 20.0,
          "sampled_packets": 2496, "sampled_cycles": 49920}]},
    {"lcore": 2, "counting": False, "sample_every": 0, "loops": 9000, "busy_loops": 0, "busy_share": 0.0,
     "seconds": 2.0, "nodes": []}]}
RUNTIME_TEXT = (
    "fast path: avx2 x8\n"
    "worker lcore 1: counting, 1 busy loop in 16 timed; 5000 loops in 2.0 s, busy 25.0 %\n"
    "  NODE       CALLS  PACKETS  PACKETS/CALL  CYCLES/PACKET\n"
    "  rx          1250    40000            32           12.3\n"
    "  fast-path   1250    40000            32           61.1\n"
    "  tx          1250    40000            32             20\n"
    "worker lcore 2: not counting (hpctl runtime on); 9000 loops in 2.0 s, busy 0.0 %\n"
    "  no node has run since the last clear\n")


def test_runtime(d):
    """hpctl runtime: the request each form sends, runtime.show as a table per worker (as VPP's show
    runtime), -j as the reply, refusals before anything is sent, and the completion."""
    cases = [(["runtime"], "runtime.show", {}), (["runtime", "show"], "runtime.show", {}),
             (["runtime", "on"], "runtime.on", {}), (["runtime", "on", "every", "8"], "runtime.on", {"sample_every": 8}),
             (["runtime", "off"], "runtime.off", {}), (["runtime", "clear"], "runtime.clear", {})]

    def handler(req):
        return reply_ok(req, RUNTIME_SHOW) if req["cmd"] == "runtime.show" else canned(req)
    with FakeServer(d, handler) as srv:
        sends(srv, cases)
        r = hpctl(srv, "runtime")
        assert r.returncode == 0 and r.stderr == "" and r.stdout == RUNTIME_TEXT, "\n" + r.stdout
        r = hpctl(srv, "-j", "runtime")
        assert r.returncode == 0 and json.loads(r.stdout) == RUNTIME_SHOW, r.stdout
        n = len(srv.lines)
        r = hpctl(srv, "runtime", "on", "every", "0")
        assert r.returncode == 2 and r.stderr.startswith("hpctl: runtime on: every: '0' is not a number"), r.stderr
        assert len(srv.lines) == n
    assert {"show", "clear", "on", "off", "--watch", "help"} <= complete("runtime", ""), complete("runtime", "")
    assert complete("runtime", "on", "") == {"every"}
    assert complete("runtime", "on", "every", "") == set()


TESTS = [test_request_lines, test_table_output, test_object_output, test_json_output, test_refused_request,
         test_bad_replies, test_usage_errors, test_help, test_watch, test_watch_clears_a_terminal,
         test_connect_failure, test_socket_path_choice, test_registry_everywhere, test_route_show_origin,
         test_conntrack_and_nat, test_lb, test_runtime]

if __name__ == "__main__":
    hp.run(TESTS)
