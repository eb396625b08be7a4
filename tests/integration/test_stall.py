#!/usr/bin/python3
"""The stall detector (lib/stall.h) through the binary: a worker stopped with SIGSTOP is a stall
every reader sees (latency.show, hpctl latency, /metrics, telemetry, the exit report), with the
right types and consistent values; latency.reset starts it afresh; control.stall_threshold_us.

A stop of S seconds always leaves a poll-loop gap of at least S, whatever the machine does, so
the assertions are about behaviour (a gap >= 50 ms is over 1 ms, its max is >= 40 ms), never about
how quiet the host is: the other stalls it counts are the host's, any number of them."""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402
from test_ctl import Ctl  # noqa: E402
from test_observe import free_tcp_port, http_get, parse_metrics, promtool_check, val  # noqa: E402

BIN = hp.hotpathd_path()
HPCTL = os.path.join(os.path.dirname(BIN), "control", "hpctl", "hpctl")
FIELDS = ("threshold_ns", "count", "over_10us", "over_100us", "over_1ms", "max_ns", "total_ns", "busy")

# idle ports (an empty pcap): every iteration polls only, a stall is the whole gap
CONFIG = """\
control: {{ socket: {d}/ctl.sock, metrics: "127.0.0.1:{port}"{extra} }}
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/empty.pcap,tx_pcap={d}/out0.pcap", mac: "02:00:00:00:00:01",
      ipv4: [10.0.0.1/24] }}
"""


def daemon(d, extra=""):
    hp.write_pcap(os.path.join(d, "empty.pcap"), [])
    port = free_tcp_port()
    return hp.Daemon(BIN, d, CONFIG.format(d=d, port=port, extra=extra), name="stall"), port


def check_view(s, threshold_ns=5000):
    """One worker's stall object: integers, ordered, the max inside the counts it claims."""
    assert set(s) == set(FIELDS), s
    for k in FIELDS:
        assert isinstance(s[k], int) and s[k] >= 0, (k, s)
    assert s["threshold_ns"] == threshold_ns, s
    assert s["count"] >= s["over_10us"] >= s["over_100us"] >= s["over_1ms"] and s["busy"] <= s["count"], s
    assert (s["count"] == 0) == (s["max_ns"] == 0) and s["total_ns"] >= s["max_ns"], s
    if s["count"]:
        assert s["max_ns"] > threshold_ns, s
    assert (s["over_1ms"] > 0) == (s["max_ns"] > 1000000), s


def stop_for(dmn, seconds):
    """Stop every thread of hotpathd for at least `seconds`: its workers' loops cannot run meanwhile."""
    os.kill(dmn.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(dmn.proc.pid, signal.SIGCONT)


def wait_stall(c, longer_than_ns, what, over_1ms_before=-1):
    """latency.show until worker 1 shows a stall of at least longer_than_ns and more than
    over_1ms_before stalls over 1 ms (the stop is counted when the worker runs again, maybe
    after the control thread answers: polled, with a deadline)."""
    got = {}

    def seen():
        got["lat"] = c.ok("latency.show")
        s = got["lat"]["stalls"]["1"]
        return s["max_ns"] >= longer_than_ns and s["over_1ms"] > over_1ms_before
    assert hp.wait_until(what, seen, timeout=30), got
    return got["lat"]


def metrics_stalls(port):
    status, text, _ = http_get(port)
    assert status == 200, status
    m, types = parse_metrics(text)
    for fam, typ in (("hotpath_worker_stall_seconds", "histogram"), ("hotpath_worker_stall_max_seconds", "gauge"),
                     ("hotpath_worker_stall_threshold_seconds", "gauge")):
        assert types.get(fam) == typ, (fam, types.get(fam))
    count = val(m, "hotpath_worker_stall_seconds_count", lcore=1)
    b = [val(m, "hotpath_worker_stall_seconds_bucket", lcore=1, le=le) for le in ("1e-05", "0.0001", "0.001", "+Inf")]
    assert b == sorted(b) and b[-1] == count, (b, count)  # cumulative, +Inf == _count
    assert val(m, "hotpath_worker_stall_threshold_seconds") == 5e-06
    mx = val(m, "hotpath_worker_stall_max_seconds", lcore=1)
    assert val(m, "hotpath_worker_stall_seconds_sum", lcore=1) >= mx - 1e-9
    return {"count": count, "over_10us": count - b[0], "over_100us": count - b[1], "over_1ms": count - b[2],
            "max": mx}, text


def test_sigstop_counted_everywhere(d):
    dmn, port = daemon(d)
    with dmn:
        c = Ctl(dmn.socket_path())
        hp.wait_until("the worker polls", lambda: c.ok("worker.show")[0]["loops"] > 0)
        before = c.ok("latency.show")["stalls"]
        assert set(before) == {"1"}, before
        check_view(before["1"])

        stop_for(dmn, 0.05)
        lat = wait_stall(c, 40000000, "a 50 ms stop counted as a stall", before["1"]["over_1ms"])
        s = lat["stalls"]["1"]
        check_view(s)
        assert s["over_1ms"] >= 1 and s["over_1ms"] > before["1"]["over_1ms"], (before, s)
        assert s["busy"] == 0, s  # nothing received: every stall is of an idle iteration

        # hpctl latency: the same section, human and -j
        r = subprocess.run([HPCTL, "-s", dmn.socket_path(), "latency"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert re.search(r"^stalls:\n  1:\n", r.stdout, re.M), r.stdout
        for k in FIELDS:
            assert re.search(r"^    %s: +\d+$" % k, r.stdout, re.M), (k, r.stdout)
        r = subprocess.run([HPCTL, "-s", dmn.socket_path(), "-j", "latency", "show"], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        j = json.loads(r.stdout)
        check_view(j["stalls"]["1"])
        assert j["stalls"]["1"]["over_1ms"] >= s["over_1ms"], (j, s)

        # /metrics: since start, the names of stall-names.md
        m, text = metrics_stalls(port)
        assert m["over_1ms"] >= 1 and m["max"] >= 0.04, m
        assert m["count"] >= m["over_10us"] >= m["over_100us"] >= m["over_1ms"], m
        promtool_check(text)

        # telemetry: per worker, and all workers as one
        w = hp.telemetry(dmn.prefix, "/hotpath/workers,1")
        assert w["stall_over_1ms"] >= 1 and w["stall_max_ns"] >= 40000000 and w["stall_threshold_ns"] == 5000, w
        for cmd in ("/hotpath/latency", "/hotpath/latency,1", "/hotpath/workers,1"):
            t = hp.telemetry(dmn.prefix, cmd)
            check_view({k: t["stall_" + k] for k in FIELDS})
            assert t["stall_over_1ms"] >= 1, (cmd, t)

        # latency.reset starts the stalls afresh too: the stop before it is gone, a new one counts
        n = c.ok("latency.show")["stalls"]["1"]["over_1ms"]
        stop_for(dmn, 0.2)
        wait_stall(c, 150000000, "a 200 ms stop counted", n)
        assert c.ok("latency.reset") == {}
        since = c.ok("latency.show")["stalls"]["1"]
        check_view(since)
        assert since["max_ns"] < 150000000, since  # the 200 ms gap was before the reset
        n = since["over_1ms"]
        stop_for(dmn, 0.05)
        since = wait_stall(c, 40000000, "a stop after the reset counted", n)["stalls"]["1"]
        check_view(since)
        assert since["over_1ms"] >= 1 and since["max_ns"] < 150000000, since
        m, _ = metrics_stalls(port)  # /metrics is since start: all three stops
        assert m["over_1ms"] >= 3 and m["max"] >= 0.15, m
        c.close()
        rc, _, report = dmn.stop()
    assert rc == 0, dmn.stderr()
    rs = report["workers"][0]["stall"]
    check_view(rs)
    assert rs["over_1ms"] >= 3 and rs["max_ns"] >= 150000000 and rs["count"] >= m["count"], (rs, m)
    assert re.search(r"stalls \(poll-loop gaps over 5\.0 us.*\n.*> 1ms.*\n  lcore 1 +\d+", dmn.out), dmn.out


def test_threshold_config(d):
    """control.stall_threshold_us: the threshold every reader reports; out of range is refused by name."""
    dmn, port = daemon(d, extra=", stall_threshold_us: 1000")
    with dmn:
        c = Ctl(dmn.socket_path())
        n = c.ok("latency.show")["stalls"]["1"]["over_1ms"]
        stop_for(dmn, 0.05)
        s = wait_stall(c, 40000000, "a 50 ms stop over a 1 ms threshold", n)["stalls"]["1"]
        check_view(s, threshold_ns=1000000)
        assert s["over_1ms"] >= 1, s
        status, text, _ = http_get(port)
        m, _ = parse_metrics(text)
        assert val(m, "hotpath_worker_stall_threshold_seconds") == 0.001
        # no stall of 100 us or less: the threshold is 1 ms
        assert val(m, "hotpath_worker_stall_seconds_bucket", lcore=1, le="0.0001") == 0
        dump = c.ok("config.dump")["yaml"]  # a comment line, then JSON
        assert json.loads(dump.split("\n", 1)[1])["control"]["stall_threshold_us"] == 1000, dump
        c.close()
        rc, _, report = dmn.stop()
    assert rc == 0 and report["workers"][0]["stall"]["threshold_ns"] == 1000000, report["workers"][0]
    for bad in ("0", "1000001", "5us", "-1"):
        path = os.path.join(d, "bad.yaml")
        with open(path, "w") as f:
            f.write(CONFIG.format(d=d, port=9, extra=", stall_threshold_us: %s" % bad))
        r = subprocess.run([BIN, "-c", path, "--check"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and "stall_threshold_us" in r.stderr and "between 1 and 1000000" in r.stderr, \
            (bad, r.returncode, r.stderr)


if __name__ == "__main__":
    hp.run([test_sigstop_counted_everywhere, test_threshold_config])
