"""Helpers for hotpathd integration tests: configs, pcaps, running the daemon, cleanup.

Every run gets its own --file-prefix and --in-memory, is killed with its whole
process group if anything goes wrong, and is checked for leftovers.
"""
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

# Bare asserts are the tests' checks: under python -O / PYTHONOPTIMIZE they would vanish and
# every test would pass. Refuse to run instead.
if sys.flags.optimize:
    sys.exit("%s: refusing to run with Python optimizations on (-O or PYTHONOPTIMIZE): "
             "the tests' asserts would be skipped" % sys.argv[0])

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "bench"))
from benchlib import telemetry  # noqa: E402,F401  (one DPDK telemetry client for tests and benchmarks)
from benchlib import request  # noqa: E402,F401  (one control-socket client for tests and benchmarks)

SKIP = 77

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """preexec_fn for children: SIGKILL when the test process dies, whatever kills it
    (meson's timeout SIGKILLs only the test's process group; daemons run in their own session)."""
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() == 1:  # the parent died before the prctl
        os._exit(1)


def popen(cmd, **kw):
    """subprocess.Popen of a child that dies with this test process."""
    return subprocess.Popen(cmd, preexec_fn=die_with_parent, **kw)


# Cleanups to run when meson (a timeout) or anyone else sends SIGTERM: daemons killed, namespaces
# removed. Each entry is a callable; Daemon and the e2e topology register themselves while alive.
_cleanups = []


def at_term(fn):
    _cleanups.append(fn)
    return fn


def no_term(fn):
    if fn in _cleanups:
        _cleanups.remove(fn)


def _on_term(sig, _frame):
    for fn in reversed(list(_cleanups)):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - clean up what can be cleaned
            print("cleanup after signal %d: %r" % (sig, e), file=sys.stderr)
    del _cleanups[:]
    # unwinds the with blocks too (temporary directories, topology)
    raise SystemExit(128 + sig)


signal.signal(signal.SIGTERM, _on_term)
signal.signal(signal.SIGHUP, _on_term)


def wait_until(what, fn, timeout=30.0, interval=0.05):
    """Poll fn() until it returns something true; its value. A generous deadline: a busy machine
    takes longer, it does not fail. AssertionError naming `what` (and fn's last value) at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %.0f s (last: %r)" % (what, timeout, v))
        time.sleep(interval)


def hotpathd_path():
    p = os.environ.get("HOTPATHD") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not p or not os.access(p, os.X_OK):
        sys.exit("usage: %s PATH/TO/hotpathd" % sys.argv[0])
    return p


def hugepages_free():
    try:
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
            return int(f.read())
    except OSError:
        return 0


def eal_args(prefix, lcores="0-1"):
    """EAL arguments for a test process: its own prefix, no files left behind."""
    args = ["--lcores" if "@" in lcores else "-l", lcores,
            "--file-prefix", prefix, "--no-pci", "--log-level", "lib.eal:error"]
    # --in-memory and --no-huge exclude each other; both leave no hugepage file
    if os.environ.get("HP_TEST_NO_HUGE") or hugepages_free() < 64:
        args += ["--no-huge", "-m", "512", "--no-shconf"]
    else:
        args += ["--in-memory"]
    return args


def read_pcap(path):
    """Raw frames of a pcap file, checking that the file is complete (no torn record)."""
    frames = []
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise AssertionError("%s: truncated pcap header (%d bytes)" % (path, len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise AssertionError("%s: torn record header at byte %d" % (path, off))
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise AssertionError("%s: torn record at byte %d" % (path, off))
        frames.append(data[off:off + incl])
        off += incl
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def kill_group(proc):
    """SIGKILL a process started in its own session, with its whole group, and reap it."""
    if proc and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class Daemon:
    """hotpathd on a config; use as a context manager."""

    def __init__(self, binary, workdir, config_text, eal=None, name="hp", netns=None, args=()):
        self.binary = binary
        self.netns = netns  # run inside this network namespace (ip netns exec)
        self.workdir = workdir
        self.config = os.path.join(workdir, name + ".yaml")
        self.report = os.path.join(workdir, name + "-report.json")
        self.prefix = "hp-it-%d-%s" % (os.getpid(), name)
        # its own control socket unless the test chose one: never the system's default
        if not any(line.startswith("control:") or line.startswith('  "control"') for line in config_text.splitlines()):
            config_text = "control: { socket: %s }\n" % os.path.join(workdir, name + ".sock") + config_text
        m = re.search(r'^control:.*?socket:\s*"?([^",}\s]+)', config_text, re.M)
        self.sock = m.group(1) if m else None
        with open(self.config, "w") as f:
            f.write(config_text)
        self.eal = eal if eal is not None else eal_args(self.prefix)
        self.args = args  # hotpathd's own options, before the EAL's
        self.proc = None
        self.out = ""

    def start(self, timeout=60):
        cmd = [self.binary, "-c", self.config, "--report", self.report] + list(self.args) + ["--"] + self.eal
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd  # ip execs it: same pid, same group
        self.log = open(os.path.join(self.workdir, os.path.basename(self.config) + ".log"), "w+")
        self.proc = popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True)
        at_term(self.kill)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.out += line
            if line.startswith("hotpathd: ready"):
                return self
        self.kill()
        raise AssertionError("hotpathd did not become ready:\n%s\n%s" % (self.out, self.stderr()))

    def socket_path(self):
        assert self.sock, "no control socket in %s" % self.config
        return self.sock

    def stderr(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Signal it; returns (exit code, seconds to exit, report dict). The seconds are for
        printing: the tests assert that it stops (within a generous timeout), never how fast."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("hotpathd did not exit within %ss of signal %d" % (timeout, sig))
        took = time.monotonic() - t0
        self.out += rest
        if not os.path.exists(self.report):
            raise AssertionError("hotpathd exited %s without its report:\n%s\n%s" % (
                self.proc.returncode, self.out[-2000:], self.stderr()[-3000:]))
        with open(self.report) as f:
            report = json.load(f)
        return self.proc.returncode, took, report

    def kill(self):
        no_term(self.kill)
        kill_group(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        killed = self.proc is not None and self.proc.poll() is None
        self.kill()
        if self.log:
            self.log.close()
        leftovers = [p for p in ("/dev/hugepages", "/var/run/dpdk")
                     if os.path.isdir(p) and any(e.startswith(self.prefix) for e in os.listdir(p))]
        # a daemon killed on a failure cannot clean up: do it for it, pass or fail
        for p in leftovers:
            for e in os.listdir(p):
                if e.startswith(self.prefix):
                    shutil.rmtree(os.path.join(p, e), ignore_errors=True)
                    if os.path.exists(os.path.join(p, e)):
                        os.unlink(os.path.join(p, e))
        if leftovers and exc[0] is None and not killed:
            raise AssertionError("files of %s left in %s" % (self.prefix, leftovers))


def check_mempools_full(report):
    for mp in report["mempools"]:
        assert mp["available"] == mp["size"], "mempool %s: %d of %d mbufs back after stop" % (
            mp["name"], mp["available"], mp["size"])


def port(report, name):
    return next(p for p in report["ports"] if p["name"] == name)


def wait_stats(dmn, fn, what, timeout=30.0, cmd="stats"):
    """Poll the daemon's control socket (cmd, "stats" by default) until fn(result) is true; the
    result. For finite pcaps: stop once every frame went through, never after a fixed sleep."""
    import socket
    path = dmn.socket_path()

    def stats():
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                s.connect(path)
                s.sendall(json.dumps({"id": 1, "cmd": cmd}).encode() + b"\n")
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        return None
                    buf += chunk
            r = json.loads(buf)
            return r["result"] if r.get("ok") else None
        except OSError:
            return None

    last = [None]

    def check():
        last[0] = stats()
        return last[0] is not None and fn(last[0])
    try:
        wait_until(what, check, timeout)
    except AssertionError:
        raise AssertionError("%s: not within %.0f s; stats: %s" % (what, timeout, json.dumps(last[0])[:3000]))
    return last[0]


def run(tests):
    """Run the test functions (or the one named by argv[2]); one line each; exit 0 or 1."""
    if sys.flags.optimize:
        sys.exit("refusing to run with Python optimizations on: the asserts would be skipped")
    if len(sys.argv) > 2:
        tests = [t for t in tests if t.__name__ == "test_" + sys.argv[2]]
        if not tests:
            sys.exit("no test named %s" % sys.argv[2])
    failed = 0
    for t in tests:
        with tempfile.TemporaryDirectory(prefix="hp-it-") as d:
            try:
                t(d)
                print("ok   %s" % t.__name__)
            except AssertionError as e:
                failed += 1
                print("FAIL %s: %s" % (t.__name__, e))
    sys.exit(1 if failed else 0)


def scrape(port):
    """hotpathd's /metrics page on 127.0.0.1:port."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    assert r.status == 200, r.status
    return body


def metric(text, name, **labels):
    """The value of one sample of a /metrics page (labels exact), or None."""
    for line in text.splitlines():
        m = re.match(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
        if m and m.group(1) == name and dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")) == \
                {k: str(v) for k, v in labels.items()}:
            return float(m.group(3))
    return None
