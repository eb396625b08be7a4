#!/usr/bin/python3
"""Observability: Prometheus /metrics (promtool-clean, equal to the exit report, served while
forwarding), the /hotpath/... DPDK telemetry commands, and dpdk-dumpcap capturing a port."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

from scapy.all import IP, UDP, Ether, conf  # noqa: E402

conf.verb = 0
BIN = hp.hotpathd_path()

P0_MAC, P1_MAC, HOST_MAC, GW_MAC = "02:00:00:00:00:01", "02:00:00:00:01:01", "02:00:00:00:00:aa", "02:00:00:00:01:02"

L3_CONFIG = """\
control: {{ socket: {d}/ctl.sock, metrics: "127.0.0.1:{port}" }}
ports:
  - {{ name: p0, device: "net_pcap0,rx_pcap={d}/in0.pcap,tx_pcap={d}/out0.pcap", mac: "{p0}",
      ipv4: [10.0.0.1/24] }}
  - {{ name: p1, device: "net_pcap1,rx_pcap={d}/empty.pcap,tx_pcap={d}/out1.pcap", mac: "{p1}",
      ipv4: [10.0.1.1/24] }}
neighbors:
  - {{ ip: 10.0.0.2, mac: "{host}", port: p0 }}
  - {{ ip: 10.0.1.2, mac: "{gw}", port: p1 }}
routes:
  - {{ prefix: 198.18.0.0/15, via: 10.0.1.2 }}
  - {{ prefix: 203.0.113.0/24, action: drop }}
acl:
  - {{ priority: 10, dst: 198.18.7.0/24, action: deny }}
  - {{ priority: 20, dst: 198.18.0.0/16, action: count }}
"""
ACL_FIRST_LINE = L3_CONFIG.splitlines().index("acl:") + 2  # file line of the first acl rule

# What the finite run sends on p0, by fate.
FORWARDED, DENIED, BLACKHOLED, BAD_CHECKSUM, NOT_OUR_MAC, TTL_EXPIRED = 300, 20, 10, 5, 7, 3

# Every family /metrics exposes for an l3 config with ACL rules (the contract dashboards rely on).
FAMILIES = {
    "hotpath_start_time_seconds": "gauge",
    "hotpath_metrics_renders_total": "counter",
    "hotpath_port_info": "gauge",
    "hotpath_port_rx_packets_total": "counter", "hotpath_port_rx_bytes_total": "counter",
    "hotpath_port_tx_packets_total": "counter", "hotpath_port_tx_bytes_total": "counter",
    "hotpath_port_tx_refused_packets_total": "counter",
    "hotpath_port_device_rx_packets_total": "counter", "hotpath_port_device_rx_bytes_total": "counter",
    "hotpath_port_device_tx_packets_total": "counter", "hotpath_port_device_tx_bytes_total": "counter",
    "hotpath_port_rx_missed_packets_total": "counter", "hotpath_port_rx_errors_total": "counter",
    "hotpath_port_tx_errors_total": "counter", "hotpath_port_rx_nombuf_total": "counter",
    "hotpath_port_queue_rx_packets_total": "counter", "hotpath_port_queue_rx_bytes_total": "counter",
    "hotpath_port_queue_tx_packets_total": "counter", "hotpath_port_queue_tx_bytes_total": "counter",
    "hotpath_port_queue_tx_refused_packets_total": "counter",
    "hotpath_worker_rx_packets_total": "counter", "hotpath_worker_tx_packets_total": "counter",
    "hotpath_worker_tx_refused_packets_total": "counter", "hotpath_worker_injected_packets_total": "counter",
    "hotpath_worker_loops_total": "counter", "hotpath_worker_busy_loops_total": "counter",
    "hotpath_worker_busy_seconds_total": "counter", "hotpath_worker_idle_seconds_total": "counter",
    "hotpath_worker_dropped_packets_total": "counter",
    "hotpath_worker_stall_seconds": "histogram", "hotpath_worker_stall_max_seconds": "gauge",
    "hotpath_worker_stall_threshold_seconds": "gauge",
    "hotpath_dropped_packets_total": "counter",
    "hotpath_punted_packets_total": "counter",
    "hotpath_slowpath_received_packets_total": "counter",
    "hotpath_acl_rule_packets_total": "counter", "hotpath_acl_rule_bytes_total": "counter",
    "hotpath_acl_cache_hits_total": "counter", "hotpath_acl_cache_misses_total": "counter",
    "hotpath_mempool_size_mbufs": "gauge", "hotpath_mempool_available_mbufs": "gauge",
    "hotpath_mempool_in_use_mbufs": "gauge",
    "hotpath_latency_seconds": "histogram",
    "hotpath_latency_max_seconds": "gauge",
    "hotpath_slowpath_latency_seconds": "histogram",
    "hotpath_slowpath_latency_max_seconds": "gauge",
    "hotpath_worker_doorbells_total": "counter",
    "hotpath_control_wakeups_total": "counter",
    "hotpath_control_loop_turns_total": "counter",
    "hotpath_control_cpu_seconds_total": "counter",
}
SLOWPATH = ["arp_replies", "nd_adverts", "echo_replies", "icmp_errors", "solicits", "learned", "held",
            "released", "neigh_queue_full", "neigh_failed", "neigh_hold_full", "neigh_table_full",
            "solicit_ratelimited", "probes", "neigh_reclaimed", "learn_ignored", "ratelimited", "unhandled",
            "malformed", "not_for_us", "inject_full", "too_big", "fragmented", "fragments"]
FAMILIES.update({"hotpath_slowpath_%s_total" % ("for_other_hosts" if s == "not_for_us" else s): "counter"
                 for s in SLOWPATH})
NEIGH_GAUGES = ["neigh_entries", "neigh_entries_peak", "neigh_held", "neigh_held_peak", "neigh_held_cap"]
FAMILIES.update({"hotpath_%s" % g: "gauge" for g in NEIGH_GAUGES})
# hpctl runtime's (docs/OBSERVABILITY.md "Nodes"): the families are there when no worker counts
FAMILIES.update({"hotpath_node_%s_total" % k: "counter" for k in ("calls", "packets", "sampled_packets",
                                                                   "sampled_cycles")})
FAMILIES["hotpath_worker_counting_nodes"] = "gauge"
FAMILIES["hotpath_fast_path_info"] = "gauge"  # which copy of the fast path runs (hotpathd --fast-path)


def skip(why):
    print("SKIP: %s" % why)
    sys.exit(hp.SKIP)


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path="/metrics", method="GET", conn=None):
    """(status, body); conn keeps the connection for the next request."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path)
    r = c.getresponse()
    body = r.read().decode()
    if conn is None:
        c.close()
    return r.status, body, r.getheader("Content-Type")


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """({(name, ((label, value), ...)): float}, {family: type}); every sample's family has a TYPE and HELP."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
        elif line.startswith("# HELP "):
            helps.add(line.split(" ")[2])
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            name = m.group(1)
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            fam = base if types.get(base) == "histogram" else name
            assert fam in types and fam in helps, "%s has no # TYPE / # HELP before it" % name
            samples[(name, tuple(sorted(LABEL.findall(m.group(2) or ""))))] = float(m.group(3))
    return samples, types


def val(m, name, **labels):
    key = (name, tuple(sorted((k, str(v)) for k, v in labels.items())))
    assert key in m, "no sample %s%s" % (name, labels)
    return m[key]


def promtool_check(text):
    """promtool check metrics, no warnings; False if promtool is not installed."""
    exe = shutil.which("promtool")
    if exe is None:
        return False
    r = subprocess.run([exe, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        "promtool check metrics (rc %d): %s%s" % (r.returncode, r.stdout, r.stderr)
    return True


def udp(dst, i, ttl=64, smac=HOST_MAC, dmac=P0_MAC, **ipkw):
    size = (64, 128, 512, 1000)[i % 4]
    f = Ether(src=smac, dst=dmac) / IP(src="10.0.0.2", dst=dst, ttl=ttl, **ipkw) / UDP(sport=1024 + i, dport=9)
    return bytes(f) + bytes(max(0, size - len(f)))


def l3_frames():
    fr = [udp("198.18.0.%d" % (i % 250 + 1), i) for i in range(FORWARDED)]
    fr += [udp("198.18.7.%d" % (i + 1), i) for i in range(DENIED)]
    fr += [udp("203.0.113.%d" % (i + 1), i) for i in range(BLACKHOLED)]
    fr += [udp("198.18.0.1", i, chksum=0x1234) for i in range(BAD_CHECKSUM)]
    fr += [udp("198.18.0.1", i, dmac="02:00:00:00:00:99") for i in range(NOT_OUR_MAC)]
    fr += [udp("198.18.0.1", i, ttl=1) for i in range(TTL_EXPIRED)]
    return fr


def finite_l3_run(d, during):
    """hotpathd routes l3_frames() once; during(daemon, metrics_port) runs once all were received.
    Returns (what during returned, exit report, the frames)."""
    frames = l3_frames()
    hp.write_pcap(os.path.join(d, "in0.pcap"), frames)
    hp.write_pcap(os.path.join(d, "empty.pcap"), [])
    port = free_tcp_port()
    cfg = L3_CONFIG.format(d=d, port=port, p0=P0_MAC, p1=P1_MAC, host=HOST_MAC, gw=GW_MAC)
    with hp.Daemon(BIN, d, cfg) as dmn:
        deadline = time.time() + 60
        while True:
            status, text, _ = http_get(port)
            assert status == 200, "GET /metrics: %d" % status
            m, _ = parse_metrics(text)
            answered = val(m, "hotpath_slowpath_icmp_errors_total")
            # every frame in, every expired TTL answered or refused, the answers out through p0
            if val(m, "hotpath_port_rx_packets_total", port="p0") == len(frames) and \
                    answered + val(m, "hotpath_slowpath_ratelimited_total") >= TTL_EXPIRED and \
                    val(m, "hotpath_port_tx_packets_total", port="p0") >= answered:
                break
            assert time.time() < deadline, "not every frame was received and answered within 60 s:\n%s" % text
            time.sleep(0.1)
        got = during(dmn, port)
        rc, _, report = dmn.stop()
    assert rc == 0, "exit %d: %s" % (rc, dmn.stderr())
    return got, report, frames


def test_metrics_match_exit_report(d):
    """A finite pcap: /metrics (promtool-clean) says what the exit report says, counter by counter."""
    def scrape(dmn, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        first = http_get(port, conn=conn)
        second = http_get(port, conn=conn)  # same keep-alive connection: the server kept serving
        conn.close()
        assert http_get(port, "/")[0] == 404 and http_get(port, "/metricsx")[0] == 404
        return first, second

    (first, second), report, frames = finite_l3_run(d, scrape)
    status, text, ctype = first
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    assert second[0] == 200
    linted = promtool_check(text)
    m, types = parse_metrics(text)
    assert types == FAMILIES, "families differ: missing %s, unexpected %s" % (
        sorted(set(FAMILIES.items()) - set(types.items())), sorted(set(types.items()) - set(FAMILIES.items())))

    # ports: the workers' counts and the device's
    for p in report["ports"]:
        for key in ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "tx_refused"):
            assert val(m, "hotpath_port_%s_total" % key.replace("tx_refused", "tx_refused_packets"),
                       port=p["name"]) == p[key], (p["name"], key)
        ds = p["device_stats"]
        for metric, key in (("device_rx_packets", "ipackets"), ("device_tx_packets", "opackets"),
                            ("device_rx_bytes", "ibytes"), ("device_tx_bytes", "obytes"),
                            ("rx_missed_packets", "imissed"), ("rx_errors", "ierrors"),
                            ("tx_errors", "oerrors"), ("rx_nombuf", "rx_nombuf")):
            assert val(m, "hotpath_port_%s_total" % metric, port=p["name"]) == ds[key], (p["name"], key)
        for q in p["rxq"]:
            assert val(m, "hotpath_port_queue_rx_packets_total", port=p["name"], queue=q["queue"],
                       lcore=q["lcore"]) == q["rx_packets"]
        assert val(m, "hotpath_port_info", port=p["name"], driver="net_pcap", mac=p["mac"], mode="l3") == 1
    assert hp.port(report, "p0")["rx_packets"] == len(frames)
    assert hp.port(report, "p1")["tx_packets"] == FORWARDED

    # drops by reason: all of them, equal; the ones this pcap causes, present
    for reason, n in report["drops"].items():
        assert val(m, "hotpath_dropped_packets_total", reason=reason) == n, reason
    for reason, n in (("acl_deny", DENIED), ("blackhole", BLACKHOLED), ("ipv4_checksum", BAD_CHECKSUM),
                      ("not_our_mac", NOT_OUR_MAC), ("ttl_expired", TTL_EXPIRED)):
        assert val(m, "hotpath_dropped_packets_total", reason=reason) == n, (reason, report["drops"])

    for w in report["workers"]:
        for key in ("rx_packets", "tx_packets", "injected"):
            assert val(m, "hotpath_worker_%s_total" % key.replace("injected", "injected_packets"),
                       lcore=w["lcore"]) == w[key]
        assert val(m, "hotpath_worker_dropped_packets_total", lcore=w["lcore"]) == sum(w["drops"].values())
        busy = val(m, "hotpath_worker_busy_seconds_total", lcore=w["lcore"])
        assert 0 < busy < report["elapsed_s"], busy
        # stalls: one snapshot, cumulative; the report (later) counts at least as many
        count = val(m, "hotpath_worker_stall_seconds_count", lcore=w["lcore"])
        b = [val(m, "hotpath_worker_stall_seconds_bucket", lcore=w["lcore"], le=le)
             for le in ("1e-05", "0.0001", "0.001", "+Inf")]
        assert b == sorted(b) and b[-1] == count <= w["stall"]["count"], (b, count, w["stall"])
        assert count - b[2] <= w["stall"]["over_1ms"], (b, w["stall"])
        assert val(m, "hotpath_worker_stall_max_seconds", lcore=w["lcore"]) <= w["stall"]["max_ns"] / 1e9
    assert val(m, "hotpath_fast_path_info", copy=report["fast_path"]) == 1, report["fast_path"]
    for w in report["runtime"]:  # nobody turned it on: no worker counts, no node has a count
        assert val(m, "hotpath_worker_counting_nodes", lcore=w["lcore"]) == 0 and not w["counting"], w
        assert w["nodes"] == [] and not any(k[0].startswith("hotpath_node_") for k in m), w
    assert val(m, "hotpath_worker_stall_threshold_seconds") == 5e-06
    for reason, n in report["slowpath"]["punted"].items():
        assert val(m, "hotpath_slowpath_received_packets_total", reason=reason) == n
        assert val(m, "hotpath_punted_packets_total", reason=reason) == \
            sum(w["punted"][reason] for w in report["workers"])
    for s in SLOWPATH:
        assert val(m, "hotpath_slowpath_%s_total" % ("for_other_hosts" if s == "not_for_us" else s)) == \
            report["slowpath"][s], s
    for g in NEIGH_GAUGES:
        val(m, "hotpath_%s" % g)  # present (a gauge may move between the scrape and the exit)
    assert val(m, "hotpath_neigh_held_cap") == report["slowpath"]["neigh_held_cap"] > 0
    assert val(m, "hotpath_slowpath_icmp_errors_total") >= 1

    # ACL rules by index and file line
    assert len(report["acl"]) == 2
    for i, r in enumerate(report["acl"]):
        lbl = dict(rule=i, line=ACL_FIRST_LINE + i, priority=r["priority"], action=r["action"])
        assert r["line"] == ACL_FIRST_LINE + i, r
        assert val(m, "hotpath_acl_rule_packets_total", **lbl) == r["packets"]
        assert val(m, "hotpath_acl_rule_bytes_total", **lbl) == r["bytes"]
    assert report["acl"][0]["packets"] == DENIED
    for fam, c in report["acl_cache"].items():
        assert val(m, "hotpath_acl_cache_hits_total", family=fam) == c["hits"]
        assert val(m, "hotpath_acl_cache_misses_total", family=fam) == c["misses"]

    for mp in report["mempools"]:
        assert val(m, "hotpath_mempool_size_mbufs", pool=mp["name"], socket=mp["socket"]) == mp["size"]

    # the histogram: one sample per forwarded packet, cumulative, consistent with the report's percentiles
    lat = report["latency_ns"]
    count = val(m, "hotpath_latency_seconds_count")
    assert count == lat["count"] == FORWARDED, (count, lat["count"])
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in m.items() if k[0] == "hotpath_latency_seconds_bucket")
    assert buckets[-1] == (float("inf"), count) and len(buckets) == 26
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), buckets
    # hp_hist buckets are at most 1/64 wide: every sample is under the first bound >= 1.02 max
    assert next(v for le, v in buckets if le >= lat["max"] * 1.02e-9) == count
    assert next(v for le, v in buckets if le >= lat["p50"] * 1.02e-9) >= count / 2
    below = [v for le, v in buckets if le < lat["min"] * 0.98e-9]
    assert not below or below[-1] == 0, (lat["min"], buckets)
    mean = val(m, "hotpath_latency_seconds_sum") / count * 1e9
    assert abs(mean - lat["mean"]) <= 0.01 * lat["mean"] + 1, (mean, lat["mean"])
    assert abs(val(m, "hotpath_latency_max_seconds") * 1e9 - lat["max"]) < 1
    # the slow path's: one sample per punted packet; the workers rang the control thread's doorbell at
    # most once per packet (none when the punts were in the ring before it first slept: the pcap
    # is read at once; tests/e2e/test_quiet.py has a host ping an idle router)
    punted = sum(sum(w["punted"].values()) for w in report["workers"])
    bells = sum(w["doorbells"] for w in report["workers"])
    assert punted == TTL_EXPIRED, report["workers"]
    assert val(m, "hotpath_slowpath_latency_seconds_count") == report["slowpath_latency_ns"]["count"] == punted, \
        (val(m, "hotpath_slowpath_latency_seconds_count"), report["slowpath_latency_ns"], punted)
    rung = val(m, "hotpath_worker_doorbells_total", lcore=report["workers"][0]["lcore"])
    assert rung <= bells <= punted, (rung, bells, punted)
    assert val(m, "hotpath_control_wakeups_total") <= val(m, "hotpath_control_loop_turns_total")
    assert val(m, "hotpath_control_cpu_seconds_total") > 0, val(m, "hotpath_control_cpu_seconds_total")
    hp.check_mempools_full(report)
    if not linted:
        skip("promtool not installed (scripts/setup.sh installs prometheus): everything but the lint checked")


def test_metrics_while_forwarding(d):
    """Replay forever: every scrape lints, counters only grow, slow and bad clients stall nobody."""
    hp.write_pcap(os.path.join(d, "loop.pcap"), [udp("198.18.0.%d" % (i + 1), i) for i in range(64)])
    port = free_tcp_port()
    cfg = ("control: { socket: %s/ctl.sock, metrics: \"127.0.0.1:%d\" }\n"
           "ports:\n"
           "  - { name: p0, device: \"net_pcap0,rx_pcap=%s/loop.pcap,infinite_rx=1\", mode: xconnect, peer: p1 }\n"
           "  - { name: p1, device: net_null0, mode: xconnect, peer: p0 }\n" % (d, port, d))
    linted = True
    with hp.Daemon(BIN, d, cfg) as dmn:
        # an idle connection and a request cut short must not hold the control thread
        idle = socket.create_connection(("127.0.0.1", port))
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        prev = None

        def scrape():
            status, text, _ = http_get(port)
            assert status == 200, status
            m, _ = parse_metrics(text)
            return text, (val(m, "hotpath_port_rx_packets_total", port="p0"), val(m, "hotpath_latency_seconds_count"),
                          val(m, "hotpath_worker_loops_total", lcore=1))
        for i in range(4):
            # every scrape lints; counters never go back, and each grows (polled: no rate assumed)
            text, now = scrape()
            linted = promtool_check(text) and linted
            if prev is not None:
                assert all(a <= b for a, b in zip(prev, now)), "counters went back: %s -> %s" % (prev, now)
                grown = hp.wait_until("every counter grows", lambda: all(a < b for a, b in zip(prev, scrape()[1])))
                assert grown
            prev = now
        assert http_get(port, "/")[0] == 404
        assert http_get(port, "/metrics", method="POST")[0] == 405
        status, body, _ = http_get(port, "/metrics", method="HEAD")
        assert status == 200 and body == ""
        rc, took, report = dmn.stop()
        idle.close()
        half.close()
    # that it stopped with clients connected is the point (Daemon.stop's deadline), not how fast
    assert rc == 0, "exit %d after %.2f s with HTTP clients connected" % (rc, took)
    assert hp.port(report, "p0")["rx_packets"] >= prev[0]
    assert report["latency_ns"]["count"] >= prev[1]
    hp.check_mempools_full(report)
    if not linted:
        skip("promtool not installed (scripts/setup.sh installs prometheus): everything but the lint checked")


def telemetry_tool(prefix, cmds):
    """Replies of Debian's dpdk-telemetry.py to cmds (one JSON line each, stdin not a tty)."""
    exe = shutil.which("dpdk-telemetry.py")
    if exe is None:
        return None
    r = subprocess.run([exe, "-f", prefix], input="\n".join(cmds) + "\n", capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    replies = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(replies) == len(cmds), r.stdout
    return {c: rep[c.split(",")[0]] for c, rep in zip(cmds, replies)}


def test_telemetry_commands(d):
    """/hotpath/... through dpdk-telemetry.py: the same numbers as the exit report."""
    cmds = ["/hotpath/stats", "/hotpath/latency", "/hotpath/latency,1", "/hotpath/ports", "/hotpath/ports,p1",
            "/hotpath/workers", "/hotpath/workers,1", "/hotpath/acl", "/hotpath/acl,1", "/hotpath/latency,99",
            "/hotpath/acl,x"]

    def ask(dmn, port):
        path = os.path.join("/var/run/dpdk", dmn.prefix, "dpdk_telemetry.v2")
        assert os.path.exists(path), "no telemetry socket %s" % path
        listed = hp.telemetry(dmn.prefix, "/")
        assert {"/hotpath/stats", "/hotpath/ports", "/hotpath/workers", "/hotpath/latency",
                "/hotpath/acl"} <= set(listed), listed
        tool = telemetry_tool(dmn.prefix, cmds)
        direct = {c: hp.telemetry(dmn.prefix, c) for c in cmds}
        return tool, direct

    (tool, direct), report, frames = finite_l3_run(d, ask)
    for answers in filter(None, (tool, direct)):
        s = answers["/hotpath/stats"]
        assert s["rx_packets"] == report["rx_packets"] == len(frames), (s, report["rx_packets"])
        assert s["tx_packets"] == report["tx_packets"]
        assert s["dropped"] == sum(report["drops"].values()) > 0
        assert s["drops"] == report["drops"], s["drops"]
        assert s["drops"]["acl_deny"] == DENIED and s["drops"]["ttl_expired"] == TTL_EXPIRED
        assert s["slowpath"]["icmp_errors"] == report["slowpath"]["icmp_errors"] >= 1
        assert s["slowpath"]["punted_ttl"] == report["slowpath"]["punted"]["ttl"] == TTL_EXPIRED
        assert s["mbufs_available"] + s["mbufs_in_use"] == sum(p["size"] for p in report["mempools"])

        lat, rl = answers["/hotpath/latency"], report["latency_ns"]
        assert lat["count"] == rl["count"] == FORWARDED, lat
        order = [lat[k] for k in ("min_ns", "p50_ns", "p90_ns", "p99_ns", "p99_9_ns", "p99_99_ns", "max_ns")]
        assert 0 < order[0] and order == sorted(order), lat
        assert [lat[k] for k in ("p50_ns", "p99_ns", "p99_9_ns", "p99_99_ns", "max_ns")] == \
            [rl[k] for k in ("p50", "p99", "p99.9", "p99.99", "max")], (lat, rl)
        # one worker: its histogram is everything (its stalls may grow between the two questions)
        nostall = lambda t: {k: v for k, v in t.items() if not k.startswith("stall_")}  # noqa: E731
        assert nostall(answers["/hotpath/latency,1"]) == nostall(lat)
        for t in (lat, answers["/hotpath/latency,1"], answers["/hotpath/workers"]["1"]):
            assert t["stall_threshold_ns"] == 5000 and t["stall_count"] >= t["stall_over_10us"] >= \
                t["stall_over_100us"] >= t["stall_over_1ms"] and t["stall_max_ns"] <= t["stall_total_ns"], t
        assert answers["/hotpath/latency,99"] is None  # no such lcore

        ports = answers["/hotpath/ports"]
        assert set(ports) == {"p0", "p1"}, ports
        for p in report["ports"]:
            t = ports[p["name"]]
            assert (t["rx_packets"], t["tx_packets"], t["device_ipackets"], t["mac"], t["driver"]) == \
                (p["rx_packets"], p["tx_packets"], p["device_stats"]["ipackets"], p["mac"], p["driver"]), t
        assert answers["/hotpath/ports,p1"] == ports["p1"]

        w = answers["/hotpath/workers"]["1"]
        rw = report["workers"][0]
        assert (w["rx_packets"], w["tx_packets"], w["dropped"]) == \
            (rw["rx_packets"], rw["tx_packets"], sum(rw["drops"].values())), w
        one = answers["/hotpath/workers,1"]
        assert one["drops"] == rw["drops"] and one["rx_packets"] == rw["rx_packets"]

        acl = answers["/hotpath/acl"]
        assert acl["rules"] == 2 and acl["first"] == 0 and "next" not in acl, acl
        for i, r in enumerate(report["acl"]):
            assert acl[str(i)] == {"action": r["action"], "line": r["line"], "priority": r["priority"],
                                   "packets": r["packets"], "bytes": r["bytes"]}, (acl, r)
        assert set(answers["/hotpath/acl,1"]) >= {"1", "rules"} and "0" not in answers["/hotpath/acl,1"]
        assert acl["cache_ipv4_hits"] + acl["cache_ipv4_misses"] > 0
        assert answers["/hotpath/acl,x"] is None
    if tool is None:
        skip("dpdk-telemetry.py not installed (package dpdk): checked through the socket only")


def remove_shared_files(prefix):
    """A primary's hugepage files (PREFIXmap_N) and runtime directory."""
    shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    if os.path.isdir("/dev/hugepages"):
        for f in os.listdir("/dev/hugepages"):
            if f.startswith(prefix):
                os.unlink(os.path.join("/dev/hugepages", f))


def test_dumpcap_captures_a_port(d):
    """dpdk-dumpcap, a secondary process, captures 100+ frames of a port into pcapng that tshark reads.
    hotpathd runs without --in-memory (a secondary needs the shared config) on hugepages."""
    for tool in ("dpdk-dumpcap", "tshark"):
        if shutil.which(tool) is None:
            skip("%s not installed (scripts/setup.sh installs it)" % tool)
    if hp.hugepages_free() < 128:
        skip("needs 128 free 2 MiB hugepages for a primary with shared memory (%d free)" % hp.hugepages_free())
    dsts = ["198.18.0.%d" % (i + 1) for i in range(64)]
    hp.write_pcap(os.path.join(d, "loop.pcap"), [udp(dst, i) for i, dst in enumerate(dsts)])
    cfg = ("control: { socket: %s/ctl.sock, metrics: \"127.0.0.1:%d\" }\n"
           "ports:\n"
           # hairpin: what p0 sends (captured too) is what it replays
           "  - { name: p0, device: \"net_pcap0,rx_pcap=%s/loop.pcap,infinite_rx=1\", mode: xconnect, peer: p0 }\n"
           % (d, free_tcp_port(), d))
    dmn = hp.Daemon(BIN, d, cfg, name="pdump")
    # a fixed base above ASan's shadow (which ends at 16 TiB): the secondary must map the
    # primary's memory at the same addresses, and under ASan EAL's default base is taken
    dmn.eal = ["-l", "0-1", "--file-prefix", dmn.prefix, "--no-pci", "--log-level", "lib.eal:error",
               "--base-virtaddr", "0x200000000000"]
    cap = os.path.join(d, "p0.pcapng")
    dumpcap = None
    try:
        with dmn:
            try:
                dumpcap = hp.popen(["dpdk-dumpcap", "--file-prefix=" + dmn.prefix, "-i", "net_pcap0",
                                            "-c", "100", "-w", cap, "-q"],
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                           start_new_session=True)
                out, _ = dumpcap.communicate(timeout=60)
                assert dumpcap.returncode == 0, "dpdk-dumpcap exit %d:\n%s" % (dumpcap.returncode, out)
            finally:
                if dumpcap is not None and dumpcap.poll() is None:
                    os.killpg(dumpcap.pid, signal.SIGKILL)
                    dumpcap.wait()
            rc, _, report = dmn.stop()
            assert rc == 0, "exit %d: %s" % (rc, dmn.stderr())
            # Without --in-memory EAL keeps its runtime files and the hugepage files of memory
            # still allocated at exit (testpmd too): expected here, removed before Daemon checks.
            remove_shared_files(dmn.prefix)
    finally:
        remove_shared_files(dmn.prefix)  # pass or fail
    left = [os.path.join(p, f) for p in ("/dev/hugepages", "/var/run/dpdk") for f in os.listdir(p)
            if f.startswith(dmn.prefix)]
    assert not left, "could not remove %s" % left
    with open(cap, "rb") as f:
        assert f.read(4) == b"\x0a\x0d\x0d\x0a", "not a pcapng file"
    r = subprocess.run(["tshark", "-r", cap, "-T", "fields", "-e", "ip.dst"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    got = r.stdout.split()
    assert len(got) >= 100, "tshark read %d frames" % len(got)
    assert set(got) <= set(dsts), "frames that were not replayed: %s" % (set(got) - set(dsts))
    assert hp.port(report, "p0")["rx_packets"] >= len(got)
    hp.check_mempools_full(report)


if __name__ == "__main__":
    hp.run([test_metrics_match_exit_report, test_metrics_while_forwarding, test_telemetry_commands,
            test_dumpcap_captures_a_port])
