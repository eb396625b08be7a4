#!/usr/bin/python3
"""The fleet-observability files against hotpath itself (no DPDK, no daemon): the Prometheus rules
pass `promtool check rules` and their unit tests (`promtool test rules`), and the Grafana dashboard
is importable JSON whose PromQL, like the rules', names only metrics and drop reasons hotpathd
exports. A metric renamed in control/ without the dashboard and rules following fails here.

usage: test_monitoring.py NAME   (rules_check | rules_unit | dashboard_lint | names_exist)
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

if sys.flags.optimize:
    sys.exit("refusing to run with Python optimizations on: the asserts would be skipped")

TOP = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES = os.path.join(TOP, "docs", "prometheus", "hotpath-rules.yml")
RULES_TEST = os.path.join(TOP, "tests", "monitoring", "hotpath-rules.test.yml")
DASHBOARD = os.path.join(TOP, "docs", "grafana", "hotpath.json")
GUIDE = os.path.join(TOP, "docs", "OBSERVABILITY.md")
SKIP = 77

# The stall detector's series (issue 13, point 3), named before they were written so that the rules
# and the dashboard could be. They count as exported only while control/ exports no
# hotpath_worker_stall_* name at all; from then on control/ is the only authority, like for the rest.
STALL_NAMES = {"hotpath_worker_stall_seconds", "hotpath_worker_stall_seconds_bucket", "hotpath_worker_stall_seconds_count",
               "hotpath_worker_stall_seconds_sum", "hotpath_worker_stall_max_seconds",
               "hotpath_worker_stall_threshold_seconds"}

# Names built at run time from an X-macro list: (format in control/*.c, macro in dataplane/*.h).
GENERATED = [("hotpath_%s", "DP_NEIGH_GAUGES"), ("hotpath_slowpath_%s_total", "DP_SLOW_COUNTERS"),
             ("hotpath_conntrack_%s_total", "CT_WORKER_COUNTERS"), ("hotpath_nat_%s_total", "DP_NAT_COUNTERS")]

NAME = re.compile(r"\bhotpath_[a-z0-9_]*[a-z0-9]")  # not "hotpath:..." (recorded) nor "hotpathd"


def skip(why):
    print("SKIP: %s" % why)
    sys.exit(SKIP)


def read(path):
    with open(path) as f:
        return f.read()


def promtool():
    exe = shutil.which("promtool")
    if exe is None:
        skip("promtool not installed (scripts/setup.sh installs prometheus)")
    return exe


def exported_names():
    """Metric names hotpathd exports: string literals in control/*.c, the X-macro families, and the
    stall detector's names while control/ has none of them yet."""
    src = "".join(read(p) for p in sorted(glob.glob(os.path.join(TOP, "control", "*.c"))))
    headers = "".join(read(p) for p in sorted(glob.glob(os.path.join(TOP, "dataplane", "*.h"))))
    names = set(re.findall(r'"(hotpath_[a-z0-9_]+)"', src))
    for fmt, macro in GENERATED:
        if '"%s"' % fmt not in src:
            continue
        m = re.search(r"#define %s\(_\)((?:[^\n]*\\\n)*[^\n]*)" % macro, headers)
        assert m, "%s, which control/ formats as %s, is not in dataplane/*.h" % (macro, fmt)
        keys = re.findall(r"_\((\w+),", m.group(1))
        assert len(keys) >= 3, "%s: its entries were not parsed" % macro
        names |= {fmt % k for k in keys}
    if not any(n.startswith("hotpath_worker_stall") for n in names):
        names |= STALL_NAMES
    return names


def known(name, names):
    """Exported as it is, or a histogram's _bucket/_sum/_count of an exported family."""
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return name in names or base in names


def drop_reasons():
    h = read(os.path.join(TOP, "dataplane", "reasons.h"))
    m = re.search(r"#define DP_DROP_REASONS\(_\)((?:[^\n]*\\\n)*[^\n]*)", h)
    reasons = set(re.findall(r'_\(\w+,\s*"(\w+)"', m.group(1)))
    assert len(reasons) > 20, "dataplane/reasons.h: DP_DROP_REASONS not parsed (%d reasons)" % len(reasons)
    return reasons


def dashboard_exprs(d):
    """(panel title, expr) of every query, variables included."""
    out = []
    for p in d["panels"]:
        for t in p.get("targets", []):
            out.append((p["title"], t["expr"]))
    for v in d["templating"]["list"]:
        if v["type"] == "query":
            out.append(("variable " + v["name"], v["query"]["query"] if isinstance(v["query"], dict) else v["query"]))
    return out


def rules_exprs(text):
    """expr: values of the rules file (one line, or a folded block), without a YAML parser."""
    out, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if not m:
            continue
        if m.group(2) not in (">-", ">", "|", "|-"):
            out.append(m.group(2))
            continue
        block = []
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= len(m.group(1)):
                break
            block.append(nxt.strip())
        out.append(" ".join(block).strip())
    return out


def test_rules_check():
    r = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True)
    assert r.returncode == 0, "promtool check rules (rc %d): %s%s" % (r.returncode, r.stdout, r.stderr)
    m = re.search(r"SUCCESS: (\d+) rules found", r.stdout)
    alerts = re.findall(r"^\s*- alert: (\w+)", read(RULES), re.M)
    assert m and int(m.group(1)) >= len(alerts) >= 8, r.stdout
    # every alert: a for:, a severity, a summary and a description linking its section of the guide
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.*)$", read(GUIDE), re.M)}
    for block in re.split(r"\n\s*- (?=alert:|record:)", read(RULES))[1:]:
        if not block.startswith("alert:"):
            continue
        name = block.split()[1]
        for key in ("for:", "severity: ", "summary:", "description:"):
            assert key in block, "%s: no %s" % (name, key)
        assert re.search(r"severity: (critical|warning)\n", block), "%s: severity critical or warning" % name
        links = re.findall(r"docs/OBSERVABILITY\.md#([\w-]+)", block)
        assert links == [name.lower()] and links[0] in anchors, "%s: links %s, guide has %s" % (name, links, anchors)
    print(r.stdout.strip())


def test_rules_unit():
    """Every alert of the rules file has a unit test where it fires and one where it must not."""
    exe = promtool()
    alerts = set(re.findall(r"^\s*- alert: (\w+)", read(RULES), re.M))
    t = read(RULES_TEST)
    for a in sorted(alerts):
        cases = re.findall(r"alertname: %s\n\s*exp_alerts:(.*)" % a, t)
        assert any(c.strip() == "" for c in cases), "%s: no unit test where it fires" % a
        assert any(c.strip() == "[]" for c in cases), "%s: no unit test where it must not fire" % a
    r = subprocess.run([exe, "test", "rules", RULES_TEST], capture_output=True, text=True)
    assert r.returncode == 0, "promtool test rules (rc %d): %s%s" % (r.returncode, r.stdout, r.stderr)
    assert "SUCCESS" in r.stdout, r.stdout
    print(r.stdout.strip())


def test_dashboard_lint():
    """Importable: the fields Grafana needs, a datasource variable every query uses, an instance
    variable every hotpath selector filters on, panels that do not overlap, the issue's panels."""
    d = json.loads(read(DASHBOARD))
    assert d["schemaVersion"] >= 36 and d["uid"] and d["title"], (d.get("schemaVersion"), d.get("uid"))
    assert d.get("id") is None, "an exported dashboard has no id (import assigns one)"
    var = {v["name"]: v for v in d["templating"]["list"]}
    assert var["datasource"]["type"] == "datasource" and var["datasource"]["query"] == "prometheus", var["datasource"]
    assert var["instance"]["type"] == "query" and var["instance"]["datasource"]["uid"] == "${datasource}"
    ids, cells = set(), {}
    for p in d["panels"]:
        assert p["id"] not in ids, "panel id %d twice" % p["id"]
        ids.add(p["id"])
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, (p["title"], g)
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, "%s overlaps %s" % (p["title"], cells[(x, y)])
                cells[(x, y)] = p["title"]
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (p["title"], p["datasource"])
        assert p["targets"] and p.get("description"), p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(set(refs)) == len(refs), (p["title"], refs)
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", (p["title"], t)
            # every selector of a hotpath series (and up) is narrowed to the chosen instances
            for sel in re.finditer(r"\b(hotpath_[a-z0-9_]+|up)\b(\{[^}]*\})?", t["expr"]):
                assert sel.group(2) and 'instance=~"$instance"' in sel.group(2), (p["title"], sel.group(0))
            assert t["expr"].count("(") == t["expr"].count(")"), (p["title"], t["expr"])
    exprs = " ".join(e for _, e in dashboard_exprs(d))
    for q in ("0.5", "0.99", "0.999"):
        assert "histogram_quantile(%s, sum by (instance, le) (rate(hotpath_latency_seconds_bucket" % q in exprs, q
    for le in ("1e-05", "0.0001", "0.001"):  # stalls over 10 us, 100 us, 1 ms
        assert 'hotpath_worker_stall_seconds_bucket{instance=~"$instance", le="%s"}' % le in exprs, le
    for name in ("hotpath_port_rx_packets_total", "hotpath_port_tx_packets_total", "hotpath_dropped_packets_total",
                 "hotpath_punted_packets_total", "hotpath_latency_max_seconds", "hotpath_worker_busy_seconds_total",
                 "hotpath_worker_idle_seconds_total", "hotpath_worker_loops_total", "hotpath_worker_stall_max_seconds",
                 "hotpath_mempool_in_use_mbufs", "hotpath_acl_cache_hits_total", "hotpath_acl_cache_misses_total",
                 "hotpath_xdp_packets_total", "hotpath_metrics_renders_total"):
        assert name in exprs, "no panel shows %s" % name
    # PromQL that parses: each query, its variables given values, as a recording rule for promtool
    exe = shutil.which("promtool")
    if exe is None:
        skip("promtool not installed (scripts/setup.sh installs prometheus): all but the PromQL syntax checked")
    rules = os.path.join(os.environ.get("TMPDIR", "/tmp"), "hp-dashboard-rules-%d.yml" % os.getpid())
    with open(rules, "w") as f:
        f.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, (_, e) in enumerate(dashboard_exprs(d)):
            f.write("      - record: dashboard:query%d\n        expr: %s\n" % (i, json.dumps(promql(e))))
    try:
        r = subprocess.run([exe, "check", "rules", rules], capture_output=True, text=True)
    finally:
        os.unlink(rules)
    assert r.returncode == 0, "dashboard PromQL (rc %d): %s%s" % (r.returncode, r.stdout, r.stderr)
    print("%d panels, %d queries" % (len(d["panels"]), len(dashboard_exprs(d))))


def promql(expr):
    """A dashboard query as Prometheus would get it: Grafana's variables replaced; label_values()
    (a Grafana function of the instance variable) becomes the selector it lists."""
    expr = expr.replace("$__rate_interval", "1m").replace("$instance", ".+")
    m = re.match(r"^label_values\((\w+), *\w+\)$", expr)
    return m.group(1) if m else expr


def test_names_exist():
    """Every hotpath_* name in the dashboard, the rules (expressions and annotations), their unit
    tests' input series and the guide is one hotpathd exports; every drop reason they select is one
    of dataplane/reasons.h."""
    names = exported_names()
    assert len(names) > 40, "control/*.c: only %d metric names found (parsed wrong?)" % len(names)
    d = json.loads(read(DASHBOARD))
    texts = {"docs/grafana/hotpath.json": " ".join(e for _, e in dashboard_exprs(d)),
             "docs/prometheus/hotpath-rules.yml": read(RULES),
             "tests/monitoring/hotpath-rules.test.yml": read(RULES_TEST)}
    if os.path.exists(GUIDE):
        texts["docs/OBSERVABILITY.md"] = read(GUIDE)
    used = 0
    for where, text in texts.items():
        text = re.sub(r"\bhotpath_\w*\*", "", text)  # prefixes written as hotpath_slowpath_* are not names
        bad = sorted({n for n in NAME.findall(text) if not known(n, names)})
        assert not bad, "%s: not exported by hotpathd (control/*.c): %s" % (where, ", ".join(bad))
        used += len(set(NAME.findall(text)))
    reasons = drop_reasons()
    exprs = rules_exprs(read(RULES)) + [e for _, e in dashboard_exprs(d)]
    assert len(exprs) > 20, exprs
    checked = 0
    for e in exprs:
        for sel in re.finditer(r"hotpath_dropped_packets_total\{([^}]*)\}", e):
            for op, val in re.findall(r'reason\s*(=~|!~|=|!=)\s*"([^"]*)"', sel.group(1)):
                for r in val.split("|"):
                    assert r in reasons, "%s: drop reason %r is not in dataplane/reasons.h" % (e, r)
                    checked += 1
    assert checked >= 4, checked  # punt_ring_full and the three policy reasons
    print("%d names used, all exported; %d drop reasons checked" % (used, checked))


def main():
    tests = [test_rules_check, test_rules_unit, test_dashboard_lint, test_names_exist]
    if len(sys.argv) > 1:
        tests = [t for t in tests if t.__name__ == "test_" + sys.argv[1]]
        if not tests:
            sys.exit("no test named %s" % sys.argv[1])
    failed = 0
    for t in tests:
        try:
            t()
            print("ok   %s" % t.__name__)
        except AssertionError as e:
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
