#!/usr/bin/python3
"""Fleet observability end to end: a real Prometheus server (Debian's /usr/bin/prometheus) scrapes a
running hotpathd with docs/prometheus/hotpath-rules.yml loaded, and hotpath's series come back
through its query API with the labels the dashboard and the rules select on."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "monitoring"))
import hp  # noqa: E402
import test_monitoring as mon  # noqa: E402  (the names the dashboard and rules use)
import test_observe as obs  # noqa: E402
from test_observe import free_tcp_port, skip  # noqa: E402

from scapy.all import IP, UDP, Ether  # noqa: E402

BIN = hp.hotpathd_path()
PROMETHEUS = "/usr/bin/prometheus"
P0_MAC, P1_MAC, HOST_MAC, GW_MAC = obs.P0_MAC, obs.P1_MAC, obs.HOST_MAC, obs.GW_MAC
FORWARDED, BLACKHOLED = 40, 6

# test_observe's l3 config: p0 -> p1 through 198.18.0.0/15, 203.0.113.0/24 blackholed, ACL
# rules (a deny of 198.18.7.0/24 that this test's frames never hit, and a count)
CONFIG = obs.L3_CONFIG

PROM_CONFIG = """\
global: {{ scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }}
rule_files: [ "{rules}" ]
scrape_configs:
  - job_name: hotpath
    static_configs: [ {{ targets: [ "127.0.0.1:{port}" ] }} ]
"""


def frame(dst, i):
    f = Ether(src=HOST_MAC, dst=P0_MAC) / IP(src="10.0.0.2", dst=dst) / UDP(sport=1024 + i, dport=9)
    return bytes(f)


class Prometheus:
    """/usr/bin/prometheus on a config in workdir, its TSDB there too; killed on exit, pass or fail."""

    def __init__(self, workdir, config_text):
        self.workdir = workdir
        self.port = free_tcp_port()
        self.config = os.path.join(workdir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.proc = None
        self.log = None

    def __enter__(self):
        self.log = open(os.path.join(self.workdir, "prometheus.log"), "w+")
        cmd = [PROMETHEUS, "--config.file=" + self.config,
               "--storage.tsdb.path=" + os.path.join(self.workdir, "tsdb"),
               "--web.listen-address=127.0.0.1:%d" % self.port]
        # its own session: a kill takes it whole; dies with this test whatever kills the test
        self.proc = hp.popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                             cwd=self.workdir)
        hp.at_term(self.kill)
        hp.wait_until("prometheus ready on port %d" % self.port, self.ready, timeout=60, interval=0.2)
        return self

    def ready(self):
        assert self.proc.poll() is None, "prometheus exited %s:\n%s" % (self.proc.returncode, self.output())
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, q):
        """The instant vector of q: [(labels, value)]."""
        data = self.api("query", query=q)
        assert data["resultType"] == "vector", data
        return [(s["metric"], float(s["value"][1])) for s in data["result"]]

    def output(self):
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read()[-3000:]

    def kill(self):
        hp.no_term(self.kill)
        hp.kill_group(self.proc)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # lets it close its TSDB; killed if it does not
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        if exc[0] is not None:
            print("prometheus log (tail):\n%s" % self.output())
        self.log.close()


def test_prometheus_scrapes_hotpathd(d):
    """Prometheus scrapes hotpathd: worker, port and drop series with their labels, up == 1, the
    rule groups loaded and evaluated (health ok), a recording rule computed from live series, and
    every metric the dashboard and the rules name present in what it scraped."""
    if not os.access(PROMETHEUS, os.X_OK):
        skip("%s not installed (scripts/setup.sh installs prometheus)" % PROMETHEUS)
    frames = [frame("198.18.0.%d" % (i + 1), i) for i in range(FORWARDED)]
    frames += [frame("203.0.113.%d" % (i + 1), i) for i in range(BLACKHOLED)]
    hp.write_pcap(os.path.join(d, "in0.pcap"), frames)
    hp.write_pcap(os.path.join(d, "empty.pcap"), [])
    mport = free_tcp_port()
    cfg = CONFIG.format(d=d, port=mport, p0=P0_MAC, p1=P1_MAC, host=HOST_MAC, gw=GW_MAC)
    target = "127.0.0.1:%d" % mport
    with hp.Daemon(BIN, d, cfg) as dmn:
        hp.wait_stats(dmn, lambda s: s["rx_packets"] == len(frames), "every frame received", timeout=60)
        with Prometheus(d, PROM_CONFIG.format(rules=mon.RULES, port=mport)) as prom:
            # a sample of each worker's loop counter, labelled by the scrape and by hotpathd
            loops = hp.wait_until("hotpath_worker_loops_total scraped",
                                  lambda: prom.query("hotpath_worker_loops_total"), timeout=90, interval=0.5)
            assert [(s["job"], s["instance"], s["lcore"]) for s, _ in loops] == [("hotpath", target, "1")], loops
            assert loops[0][1] > 0, loops
            assert prom.query('up{job="hotpath"}') == [({"__name__": "up", "job": "hotpath", "instance": target},
                                                         1.0)]
            # the finite pcap's counts, one series per port and per drop reason
            rx = {s["port"]: v for s, v in prom.query("hotpath_port_rx_packets_total")}
            assert rx == {"p0": len(frames), "p1": 0}, rx
            tx = {s["port"]: v for s, v in prom.query("hotpath_port_tx_packets_total")}
            assert tx["p1"] == FORWARDED, tx
            drops = {s["reason"]: v for s, v in prom.query("hotpath_dropped_packets_total > 0")}
            assert drops == {"blackhole": BLACKHOLED}, drops
            buckets = prom.query('hotpath_latency_seconds_bucket{le="+Inf"}')
            assert [v for _, v in buckets] == [FORWARDED], buckets

            # both rule groups loaded from the file and evaluated over the scraped series without error:
            # every rule evaluated in a later second than the one the loop counter was seen in
            seen = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())

            def rules_ok():
                groups = prom.api("rules")["groups"]
                state = {(g["name"], r["name"]): r for g in groups for r in g["rules"]}
                bad = {k: r["lastError"] for k, r in state.items() if r["health"] == "err"}
                assert not bad, "rules failed to evaluate: %s" % bad
                fresh = all(r["health"] == "ok" and r["lastEvaluation"][:19] > seen for r in state.values())
                return groups if state and fresh else None
            groups = hp.wait_until("every rule evaluated", rules_ok, timeout=90, interval=0.5)
            assert {g["name"] for g in groups} == {"hotpath.rules", "hotpath.alerts"}, groups
            assert all(g["file"] == mon.RULES for g in groups), groups
            alerts = {r["name"] for g in groups for r in g["rules"] if r["type"] == "alerting"}
            assert alerts == set(re.findall(r"^\s*- alert: (\w+)", open(mon.RULES).read(), re.M)), alerts
            assert {"HotpathTargetDown", "HotpathWorkerStopped", "HotpathDrops", "HotpathPuntRingOverflow",
                    "HotpathStallBurst", "HotpathStallOver1ms", "HotpathLatencyP999High",
                    "HotpathMempoolNearlyExhausted"} <= alerts, alerts

            # a recording rule over live series keeps hotpathd's labels
            ratio = prom.query("hotpath:mempool_in_use:ratio")
            assert ratio and all(s["instance"] == target and s["pool"] and 0 <= v < 1 for s, v in ratio), ratio

            # every metric the dashboard and the rules name is in what Prometheus scraped, but the
            # XDP program's (this config has no xdp:) and the stall detector's until hotpathd has it
            live = set(prom.api("label/__name__/values"))
            used = set()
            for text in (json.dumps(json.load(open(mon.DASHBOARD))), open(mon.RULES).read()):
                used |= set(mon.NAME.findall(text))
            stalls = any(n.startswith("hotpath_worker_stall") for n in live)
            missing = sorted(n for n in used if n not in live and n + "_bucket" not in live  # a histogram's family
                             and not n.startswith("hotpath_xdp_")
                             and (stalls or not n.startswith("hotpath_worker_stall")))
            assert not missing, "named by the dashboard or rules, not scraped from hotpathd: %s" % missing
            if stalls:
                # the stall counters the alerts use: one per worker, from the live histogram
                for rec in ("hotpath:worker_stalls_over_100us:total", "hotpath:worker_stalls_over_1ms:total"):
                    got = hp.wait_until(rec + " recorded", lambda: prom.query(rec), timeout=90, interval=0.5)
                    assert [(s["instance"], s["lcore"]) for s, _ in got] == [(target, "1")], (rec, got)
                    assert all(v >= 0 for _, v in got), (rec, got)

            # every dashboard query runs on this server (its variables given values); the worker
            # and port panels show this hotpathd
            dash = mon.dashboard_exprs(json.load(open(mon.DASHBOARD)))
            for title, e in dash:
                try:
                    prom.api("query", query=mon.promql(e))
                except OSError as err:  # a 400 names the parse error in its body
                    raise AssertionError("%s: %s: %s" % (title, e, getattr(err, "read", lambda: b"")()[:500]))
            for title in ("Worker loops/s", "Packets/s in and out per port", "Worker busy ratio"):
                e = mon.promql(next(e for t, e in dash if t == title))
                got = hp.wait_until("%s shows %s" % (title, target), lambda: prom.query(e), timeout=90, interval=0.5)
                assert all(s["instance"] == target for s, _ in got), (title, got)
        rc, _, report = dmn.stop()
    assert rc == 0, "hotpathd exit %d: %s" % (rc, dmn.stderr()[-2000:])
    hp.check_mempools_full(report)


if __name__ == "__main__":
    hp.run([test_prometheus_scrapes_hotpathd])
