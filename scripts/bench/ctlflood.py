"""Random and malformed control requests against a running hotpathd (issue 12, point 14).

flood(path, count, seed) sends `count` requests over the control socket: valid requests of
every command in the registry, mutations of them (bytes flipped, inserted, deleted, cut
short), random bytes, huge lines, deeply nested JSON, bad UTF-8, NUL bytes, oversized
numbers. Each is followed by reading exactly one reply line, or the connection closing;
anything else (a reply that is not a JSON object with "ok", two replies, silence) raises.
Requests go in pipelined bursts over many connections, some of which hang up halfway.

state(path) is what the flood must leave as it found (config dump, routes, static
neighbours, ACL rules without their counters, policers, log level). The seeds of the
commands that change state ask for what the daemon must refuse (unknown neighbours,
unreachable next hops...); a mutation can still turn one into a valid request, so
flood() counts the changing requests that were accepted and restore() puts the state
back with config.apply of the dump taken before (then state() must be equal again).

Used by tests/integration/test_harden_ctl.py (random_requests_state_unchanged: 20,000) and
by scripts/bench/ctl_flood.py (the 1,000,000 run of docs/SECURITY.md).
"""
import json
import os
import random
import socket
import time

# One valid request per command (tests/integration/registry.py checks these cover the
# registry). The changing ones name things that do not exist or cannot be reached.
SEEDS = [
    {"cmd": "help"},
    {"cmd": "status"},
    {"cmd": "port.show"},
    {"cmd": "port.stats", "args": {"name": "p0"}},
    {"cmd": "worker.show"},
    {"cmd": "stats"},
    {"cmd": "latency.show"},
    {"cmd": "latency.reset"},
    {"cmd": "route.add", "args": {"prefix": "203.0.113.0/24", "via": ["10.9.9.9"]}},
    {"cmd": "route.add", "args": {"routes": [{"prefix": "203.0.113.0/24", "via": "10.9.9.9"},
                                             {"prefix": "203.0.114.0/24", "action": "bogus"}]}},
    {"cmd": "route.del", "args": {"prefix": "192.0.2.0/24"}},
    {"cmd": "route.show", "args": {"family": 4}},
    {"cmd": "neigh.add", "args": {"ip": "10.9.9.9", "mac": "02:00:00:00:09:09", "port": "p9"}},
    {"cmd": "neigh.del", "args": {"ip": "10.0.1.77", "port": "p1"}},
    {"cmd": "neigh.show"},
    {"cmd": "acl.add", "args": {"priority": 5, "src": "10.0.0.0/8", "action": "police nosuch"}},
    {"cmd": "acl.del", "args": {"index": 4096}},
    {"cmd": "acl.show"},
    {"cmd": "conntrack.show", "args": {"proto": "tcp", "src": "10.0.0.0/8", "port": 80, "state": "established",
                                       "limit": 10}},
    {"cmd": "conntrack.stats"},
    {"cmd": "conntrack.flush"},
    {"cmd": "nat.add", "args": {"type": "snat", "out": "p9", "src": "10.0.0.0/8", "to": ["203.0.113.10"],
                                "ports": "1024-65535"}},
    {"cmd": "nat.del", "args": {"index": 4096}},
    {"cmd": "nat.show"},
    {"cmd": "policer.add", "args": {"name": "pz", "type": "trtcm", "cir": "1M", "cbs": "1k", "pir": "1k",
                                    "pbs": "1k"}},
    {"cmd": "policer.del", "args": {"name": "nosuch"}},
    {"cmd": "policer.show"},
    {"cmd": "config.apply", "args": {"file": "/nonexistent/hotpath.yaml"}},
    {"cmd": "config.dump"},
    {"cmd": "xdp.show"},
    {"cmd": "xdp.block.add", "args": {"prefix": "192.0.2.0/24", "iface": "nosuch0"}},
    {"cmd": "xdp.block.del", "args": {"prefix": "192.0.2.0/24", "iface": "nosuch0"}},
    {"cmd": "xdp.block.show", "args": {"iface": "nosuch0"}},
    {"cmd": "xdp.pass.add", "args": {"class": "tcp/22", "iface": "nosuch0"}},
    {"cmd": "xdp.pass.del", "args": {"class": "tcp/22", "iface": "nosuch0"}},
    {"cmd": "log.level"},
    {"cmd": "linux.show"},
    {"cmd": "lb.show"},
    {"cmd": "lb.stats"},
    {"cmd": "lb.vip.add", "args": {"vip": "192.0.2.10", "proto": "tcp", "port": 80, "encap": "gue",
                                   "backends": [{"ip": "203.0.113.99", "weight": 100}]}},
    {"cmd": "lb.vip.del", "args": {"vip": "192.0.2.99", "proto": "udp"}},
    {"cmd": "lb.backend.add", "args": {"vip": "192.0.2.99", "proto": "tcp", "port": 80, "ip": "10.9.9.9",
                                       "weight": 10}},
    {"cmd": "lb.backend.del", "args": {"vip": "192.0.2.99", "proto": "tcp", "port": 80, "ip": "10.9.9.9"}},
    {"cmd": "lb.backend.set", "args": {"vip": "192.0.2.99", "proto": "tcp", "port": 80, "ip": "10.9.9.9",
                                       "state": "drain"}},
    {"cmd": "runtime.show"},
    {"cmd": "runtime.on", "args": {"sample_every": 64}},
    {"cmd": "runtime.off"},
    {"cmd": "runtime.clear"},
]
READ_ONLY = {"help", "status", "port.show", "port.stats", "worker.show", "stats", "latency.show",
             "route.show", "neigh.show", "acl.show", "policer.show", "config.dump", "xdp.show",
             "xdp.block.show", "linux.show", "latency.reset", "conntrack.show", "conntrack.stats", "nat.show",
             "lb.show", "lb.stats", "runtime.show"}
LINE_MAX = 64 * 1024


class Conn:
    def __init__(self, path, timeout):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def line(self):
        """One reply line, or None when the daemon closed the connection."""
        while b"\n" not in self.buf:
            try:
                chunk = self.s.recv(1 << 20)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def close(self):
        self.s.close()


def request(path, cmd, args=None, timeout=60):
    c = Conn(path, timeout)
    msg = {"id": 1, "cmd": cmd}
    if args is not None:
        msg["args"] = args
    c.s.sendall(json.dumps(msg).encode() + b"\n")
    r = json.loads(c.line())
    c.close()
    if not r.get("ok"):
        raise AssertionError("%s: %s" % (cmd, r))
    return r["result"]


def state(path):
    """What the flood must not change (counters and neighbour states aside)."""
    neigh = [(n.get("ip"), n.get("mac"), n.get("port")) for n in request(path, "neigh.show")]
    acl = [{k: v for k, v in r.items() if k not in ("packets", "bytes")} for r in request(path, "acl.show")]
    return {"dump": request(path, "config.dump")["yaml"], "routes": request(path, "route.show"),
            "neigh": sorted(neigh, key=repr), "acl": acl, "policers": request(path, "policer.show"),
            "log": request(path, "log.level")}


def restore(path, before, workdir):
    """Put the state taken before back (config.apply of its dump, the log level)."""
    f = os.path.join(workdir, "ctlflood-restore.yaml")
    with open(f, "w") as out:
        out.write(before["dump"])
    request(path, "config.apply", {"file": f})
    lvl = before["log"].get("level") if isinstance(before["log"], dict) else None
    if lvl:
        request(path, "log.level", {"level": lvl})


def _mutate(rng, b):
    b = bytearray(b)
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(5)
        if op == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif op == 2 and b:
            del b[rng.randrange(len(b))]
        elif op == 3 and b:
            i = rng.randrange(len(b))
            b[i:i] = b[i:i + rng.randrange(1, 32)]       # repeat a piece
        else:
            b[rng.randrange(len(b) + 1):] = b""          # cut short
    return bytes(b)


def _seed_line(rng, s):
    msg = dict(s)
    msg["id"] = rng.choice([rng.randrange(1 << 31), "s%d" % rng.randrange(1000), None])
    return json.dumps(msg).encode()


def _random_line(rng):
    """One request line (no newline inside) and whether it changes state if valid."""
    kind = rng.randrange(100)
    s = rng.choice(SEEDS)
    if kind < 25:                                                    # valid
        return _seed_line(rng, s)
    if kind < 65:                                                    # a mutation of a valid one
        return _mutate(rng, _seed_line(rng, s))
    if kind < 75:                                                    # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if kind < 80:                                                    # bad UTF-8 in a string
        bad = rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
        return b'{"id":1,"cmd":"port.stats","args":{"name":"p' + bad + b'"}}'
    if kind < 85:                                                    # deep JSON
        depth = rng.choice([64, 2000, 5000, 30000])
        return b'{"id":1,"cmd":"status","args":' + b'[' * depth + b']' * rng.choice([0, depth]) + b'}'
    if kind < 88:                                                    # huge line
        return b'{"id":1,"cmd":"status","x":"' + b"a" * rng.choice([LINE_MAX - 40, LINE_MAX, 3 * LINE_MAX]) + b'"}'
    if kind < 92:                                                    # odd numbers and ids
        return b'{"id":%s,"cmd":"route.show","args":{"family":%s}}' % (
            rng.choice([b"1e999", b"-0", b"18446744073709551616", b"[]", b"{}", b"true", b'"\\u0000"']),
            rng.choice([b"4.0", b"1e1", b"-6", b"9223372036854775808", b"null", b'"4"']))
    if kind < 96:                                                    # NUL and escapes
        return b'{"id":1,"cmd":"' + rng.choice([b"status\\u0000", b"sta\x00tus", b"\\ud800", b"help\\n"]) + b'"}'
    return rng.choice([b"{}", b"[]", b"null", b'{"cmd":null}', b'{"cmd":"status","args":[]}',
                       b'{"cmd":"status","cmd":"help"}', b" ", b"\r"])


def flood(path, count, seed=1, timeout=60, progress=None):
    """Send count requests; returns a dict of counts. Raises AssertionError on a protocol breach."""
    rng = random.Random(seed)
    st = {"sent": 0, "empty": 0, "replies": 0, "closed": 0, "ok": 0, "refused": 0, "changed": 0,
          "hangups": 0, "connections": 0}
    t0 = time.monotonic()
    while st["sent"] < count:
        c = Conn(path, timeout)
        st["connections"] += 1
        alive = True
        for _ in range(rng.randrange(1, 400)):
            if st["sent"] >= count or not alive:
                break
            burst = [_random_line(rng).replace(b"\n", b" ") for _ in range(rng.randrange(1, 33))]
            burst = burst[:count - st["sent"]]
            data = b"".join(line + b"\n" for line in burst)
            try:
                c.s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                alive = False
            # a line over LINE_MAX gets one E2BIG reply; an empty line (only spaces is not empty) none
            for line in burst:
                st["sent"] += 1
                if line == b"":
                    st["empty"] += 1          # an empty line is no request: no reply
                    continue
                r = c.line() if alive else None
                if r is None:
                    st["closed"] += 1
                    alive = False
                    continue
                try:
                    rep = json.loads(r)
                except ValueError:
                    raise AssertionError("reply is not JSON: %r (request %r)" % (r[:200], line[:200]))
                if not isinstance(rep, dict) or "ok" not in rep:
                    raise AssertionError("reply without ok: %r (request %r)" % (r[:200], line[:200]))
                st["replies"] += 1
                if rep["ok"]:
                    st["ok"] += 1
                    try:
                        req = json.loads(line)
                        cmd = req.get("cmd")
                        query = cmd == "log.level" and not (req.get("args") or {}).get("level")
                    except (ValueError, AttributeError):
                        cmd, query = None, False
                    if cmd not in READ_ONLY and not query:
                        st["changed"] += 1
                else:
                    st["refused"] += 1
                    err = rep.get("error")
                    if not isinstance(err, dict) or not err.get("code") or not err.get("message"):
                        raise AssertionError("error reply without code and message: %r" % r[:200])
            if progress and st["sent"] % 100000 < 33:
                progress(st)
        if alive and rng.random() < 0.2:
            try:
                c.s.sendall(b'{"id":1,"cmd":"sta')          # half a line, then hang up
            except OSError:
                pass
            st["hangups"] += 1
        c.close()
    st["seconds"] = round(time.monotonic() - t0, 1)
    return st
