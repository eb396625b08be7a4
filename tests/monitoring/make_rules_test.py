#!/usr/bin/python3
"""Writes hotpath-rules.test.yml beside it: the promtool unit tests of docs/prometheus/hotpath-rules.yml.
The input series and the expected alerts are here; the expected annotations are the rules' own
templates with the labels and $value filled in (promtool compares them whole). Rerun after changing
an annotation or a threshold, then `promtool test rules hotpath-rules.test.yml`. Needs python3-yaml."""
import os
import re
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
rules = yaml.safe_load(open(os.path.join(HERE, "..", "..", "docs", "prometheus", "hotpath-rules.yml")))
alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}

def render(alert, labels, value):
    out = {}
    for k, t in alerts[alert]["annotations"].items():
        t = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), t)
        t = re.sub(r"\{\{ \$value[^}]*\}\}", value or "", t)
        out[k] = t
    return out

def exp(alert, labels, value=None):
    l = dict(labels)
    l["severity"] = alerts[alert]["labels"]["severity"]
    return {"exp_labels": l, "exp_annotations": render(alert, l, value)}

H = {"job": "hotpath", "instance": "h1:9469"}
H2 = {"job": "hotpath", "instance": "h2:9469"}
def s(name, labels, values):
    return {"series": name + "{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}", "values": values}

tests = []
# --- target down
tests.append({"name": "HotpathTargetDown: a hotpath target down for over a minute; other jobs ignored",
  "interval": "1m", "input_series": [
    s("up", H, "1 1 0 0 0 0"), s("up", H2, "1 1 1 1 1 1"),
    s("up", {"job": "node", "instance": "n1:9100"}, "0 0 0 0 0 0")],
  "alert_rule_test": [
    {"eval_time": "2m", "alertname": "HotpathTargetDown", "exp_alerts": []},  # pending
    {"eval_time": "4m", "alertname": "HotpathTargetDown", "exp_alerts": [exp("HotpathTargetDown", H)]}]})
# --- worker stopped
tests.append({"name": "HotpathWorkerStopped: one worker's loop count flat while the target is up",
  "interval": "1m", "input_series": [
    s("up", H, "1x12"), s("hotpath_worker_loops_total", dict(H, lcore="1"), "0+60000x12"),
    s("hotpath_worker_loops_total", dict(H, lcore="2"), "0+60000x3 180000x8"),
    s("hotpath_worker_loops_total", dict(H, lcore="3"), "0+60x12"),   # slow (1 loop/s), not stopped
    # a target that went down: its last loop counts are flat too, but that is HotpathTargetDown
    s("up", H2, "1 1 1 0x9"), s("hotpath_worker_loops_total", dict(H2, lcore="1"), "0+60000x2 120000x9")],
  "alert_rule_test": [
    {"eval_time": "3m", "alertname": "HotpathWorkerStopped", "exp_alerts": []},
    {"eval_time": "10m", "alertname": "HotpathWorkerStopped",
     "exp_alerts": [exp("HotpathWorkerStopped", dict(H, lcore="2"))]}]})
# --- drops
tests.append({"name": "HotpathDrops: a reason above 100/s for 10 minutes; policy drops and slow rates ignored",
  "interval": "1m", "input_series": [
    s("hotpath_dropped_packets_total", dict(H, reason="no_route"), "0+12000x25"),      # 200/s
    s("hotpath_dropped_packets_total", dict(H, reason="tx_refused"), "0+3000x25"),     # 50/s
    s("hotpath_dropped_packets_total", dict(H, reason="acl_deny"), "0+600000x25"),     # 10000/s, policy
    s("hotpath_dropped_packets_total", dict(H, reason="policer_red"), "0+600000x25"),
    s("hotpath_dropped_packets_total", dict(H, reason="blackhole"), "0+600000x25"),
    s("hotpath_dropped_packets_total", dict(H2, reason="no_route"), "0+12000x5 60000x20")],  # stopped
  "alert_rule_test": [
    {"eval_time": "8m", "alertname": "HotpathDrops", "exp_alerts": []},
    {"eval_time": "20m", "alertname": "HotpathDrops",
     "exp_alerts": [exp("HotpathDrops", dict(H, reason="no_route"), "200")]}]})
# --- punt ring
tests.append({"name": "HotpathPuntRingOverflow: punt_ring_full growing; a flat count does not fire",
  "interval": "1m", "input_series": [
    s("hotpath_dropped_packets_total", dict(H, reason="punt_ring_full"), "0+600x10"),  # 10/s
    s("hotpath_dropped_packets_total", dict(H2, reason="punt_ring_full"), "500x10"),
    s("hotpath_dropped_packets_total", dict(H2, reason="no_route"), "0+600x10")],
  "alert_rule_test": [
    {"eval_time": "1m", "alertname": "HotpathPuntRingOverflow", "exp_alerts": []},
    {"eval_time": "8m", "alertname": "HotpathPuntRingOverflow",
     "exp_alerts": [exp("HotpathPuntRingOverflow", dict(H, reason="punt_ring_full"), "10")]}]})

def stall(labels, count, b10, b100, b1m):
    n = "hotpath_worker_stall_seconds"
    return [s(n + "_count", labels, count), s(n + "_bucket", dict(labels, le="1e-05"), b10),
            s(n + "_bucket", dict(labels, le="0.0001"), b100), s(n + "_bucket", dict(labels, le="0.001"), b1m),
            s(n + "_bucket", dict(labels, le="+Inf"), count)]
# --- stall burst
tests.append({"name": "HotpathStallBurst: over 10 stalls above 100 us a minute for 5 minutes, per worker",
  "interval": "1m", "input_series":
    stall(dict(H, lcore="1"), "0+20x15", "0+2x15", "0+5x15", "0+20x15") +    # 15 a minute over 100 us
    stall(dict(H, lcore="2"), "0+20x15", "0+2x15", "0+15x15", "0+20x15") +   # 5 a minute over 100 us
    stall(dict(H, lcore="3"), "0+20x3 60x12", "0+2x15", "0+5x3 15x12", "0+20x3 60x12"),  # a burst that ended
  "alert_rule_test": [
    {"eval_time": "4m", "alertname": "HotpathStallBurst", "exp_alerts": []},
    {"eval_time": "12m", "alertname": "HotpathStallBurst",
     "exp_alerts": [exp("HotpathStallBurst", dict(H, lcore="1"), "15")]}],
  "promql_expr_test": [
    {"expr": "hotpath:worker_stalls_over_100us:total", "eval_time": "2m", "exp_samples": [
      {"labels": 'hotpath:worker_stalls_over_100us:total{job="hotpath",instance="h1:9469",lcore="%s"}' % c, "value": v}
      for c, v in (("1", 30), ("2", 10), ("3", 30))]}]})
# --- over 1 ms
tests.append({"name": "HotpathStallOver1ms: one stall over 1 ms fires, and clears 5 minutes later",
  "interval": "1m", "input_series":
    stall(dict(H, lcore="1"), "0 0 0 1x12", "0x15", "0x15", "0x15") +          # one 1-ms stall at 3m
    stall(dict(H, lcore="2"), "0+30x15", "0+10x15", "0+28x15", "0+30x15"),    # many, all under 1 ms
  "alert_rule_test": [
    {"eval_time": "2m", "alertname": "HotpathStallOver1ms", "exp_alerts": []},
    {"eval_time": "5m", "alertname": "HotpathStallOver1ms",
     "exp_alerts": [exp("HotpathStallOver1ms", dict(H, lcore="1"))]},
    {"eval_time": "12m", "alertname": "HotpathStallOver1ms", "exp_alerts": []}],
  "promql_expr_test": [
    {"expr": "hotpath:worker_stalls_over_1ms:total", "eval_time": "5m", "exp_samples": [
      {"labels": 'hotpath:worker_stalls_over_1ms:total{job="hotpath",instance="h1:9469",lcore="%s"}' % c, "value": v}
      for c, v in (("1", 1), ("2", 0))]}]})

def lat(labels, per_le):
    return [s("hotpath_latency_seconds_bucket", dict(labels, le=le), v) for le, v in per_le]
# --- p99.9
tests.append({"name": "HotpathLatencyP999High: p99.9 over 200 us for 10 minutes; fast and idle instances quiet",
  "interval": "1m", "input_series":
    # 1000 packets a minute: 990 under 100 us, 5 in (200 us, 500 us], 5 in (500 us, 1 ms]: p99.9 = 900 us
    lat(H, [("0.0001", "0+990x20"), ("0.0002", "0+990x20"), ("0.0005", "0+995x20"),
            ("0.001", "0+1000x20"), ("+Inf", "0+1000x20")]) +
    lat(H2, [("0.0001", "0+1000x20"), ("0.0002", "0+1000x20"), ("0.0005", "0+1000x20"),
             ("0.001", "0+1000x20"), ("+Inf", "0+1000x20")]) +
    lat({"job": "hotpath", "instance": "h3:9469"}, [("0.0001", "7x20"), ("0.0002", "7x20"), ("0.0005", "8x20"),
             ("0.001", "9x20"), ("+Inf", "9x20")]),   # no traffic: NaN, never an alert
  "alert_rule_test": [
    {"eval_time": "8m", "alertname": "HotpathLatencyP999High", "exp_alerts": []},
    {"eval_time": "18m", "alertname": "HotpathLatencyP999High",
     "exp_alerts": [exp("HotpathLatencyP999High", H, "900us")]}],
  "promql_expr_test": [
    {"expr": 'round(hotpath:latency_seconds:p999_5m{instance!="h3:9469"} * 1e7)', "eval_time": "10m", "exp_samples": [  # in 0.1 us
      {"labels": '{job="hotpath",instance="h1:9469"}', "value": 9000},
      {"labels": '{job="hotpath",instance="h2:9469"}', "value": 999}
    ]},
    # an idle histogram gives NaN, which compares false: no alert (the alert test above), no number here
    {"expr": 'hotpath:latency_seconds:p999_5m{instance="h3:9469"} >= 0', "eval_time": "10m", "exp_samples": []}]})
# --- mempool
P = {"pool": "hp_mbuf_s0", "socket": "0"}
tests.append({"name": "HotpathMempoolNearlyExhausted: over 90 % in use for 5 minutes",
  "interval": "1m", "input_series": [
    s("hotpath_mempool_size_mbufs", dict(H, **P), "31157x10"),
    s("hotpath_mempool_in_use_mbufs", dict(H, **P), "29000x10"),
    s("hotpath_mempool_size_mbufs", dict(H2, **P), "31157x10"),
    s("hotpath_mempool_in_use_mbufs", dict(H2, **P), "1000 30000 1000x8")],   # a spike only
  "alert_rule_test": [
    {"eval_time": "3m", "alertname": "HotpathMempoolNearlyExhausted", "exp_alerts": []},
    {"eval_time": "8m", "alertname": "HotpathMempoolNearlyExhausted",
     "exp_alerts": [exp("HotpathMempoolNearlyExhausted", dict(H, **P), "93.08%")]}],
  "promql_expr_test": [
    {"expr": "hotpath:mempool_in_use:ratio", "eval_time": "8m", "exp_samples": [
      {"labels": 'hotpath:mempool_in_use:ratio{job="hotpath",instance="h2:9469",pool="hp_mbuf_s0",socket="0"}',
       "value": 1000 / 31157},
      {"labels": 'hotpath:mempool_in_use:ratio{job="hotpath",instance="h1:9469",pool="hp_mbuf_s0",socket="0"}',
       "value": 29000 / 31157}]}]})

doc = {"rule_files": ["../../docs/prometheus/hotpath-rules.yml"], "evaluation_interval": "1m", "tests": tests}
head = ("# Generated by tests/monitoring/make_rules_test.py: edit that and run it. Unit tests of\n"
        "# docs/prometheus/hotpath-rules.yml (promtool test rules FILE): for every alert, input series where\n"
        "# it fires and, beside them, series where it must not (policy drops, a slow worker, a burst that\n"
        "# ended, an idle histogram, another job's target). The stall series are the stall detector's names\n"
        "# (hotpath_worker_stall_seconds_*), synthetic here.\n")
with open(os.path.join(HERE, "hotpath-rules.test.yml"), "w") as f:
    f.write(head + yaml.safe_dump(doc, sort_keys=False, width=120, default_flow_style=False))
