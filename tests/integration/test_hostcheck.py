#!/usr/bin/python3
"""hotpathd --check-host: this machine (plain and -j, exit code = any FAIL), the unit test's fake
tuned host (--host-root; all PASS, then one broken file makes it exit 1), and bad configs/usage
(exit 2 with a message). It touches no hardware: no EAL runtime dir, hugepage file or process is
left, whatever the config says. argv: hotpathd, test name, test_hostcheck (writes the tuned tree)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

BIN = hp.hotpathd_path()
WRITER = sys.argv[3] if len(sys.argv) > 3 else ""
STATUSES = ("PASS", "INFO", "WARN", "FAIL")
SUMMARY = re.compile(r"^check-host: (\d+) PASS, (\d+) WARN, (\d+) FAIL \((\d+) INFO\)$")


def config(d, prefix):
    """A config that would take hugepages and a runtime dir if anything started EAL."""
    path = os.path.join(d, "hc.yaml")
    with open(path, "w") as f:
        f.write('eal: [-l, "0-1", --file-prefix, %s, --no-pci]\n'
                "ports:\n"
                "  - { name: p0, device: net_null0, mode: xconnect, peer: p1 }\n"
                "  - { name: p1, device: \"net_af_packet0,iface=lo\", mode: xconnect, peer: p0 }\n" % prefix)
    return path


def hotpathd(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60)


def parse_table(out):
    """Rows (check, subject, status) of the table, and the summary's counts."""
    lines = out.rstrip("\n").split("\n")
    assert lines[0].split()[:3] == ["CHECK", "SUBJECT", "STATUS"], lines[0]
    m = SUMMARY.match(lines[-1])
    assert m, "summary line: %r" % lines[-1]
    rows = []
    for line in lines[1:-1]:
        if line.lstrip().startswith("fix: "):
            assert rows and rows[-1][2] != "PASS", "a fix under a PASS: %r" % line
            continue
        status = line[27:33].strip()
        assert status in STATUSES, "row %r" % line
        rows.append((line[:15].strip(), line[16:26].strip(), status))
    counts = {"PASS": int(m.group(1)), "WARN": int(m.group(2)), "FAIL": int(m.group(3)), "INFO": int(m.group(4))}
    for s in STATUSES:
        assert counts[s] == sum(1 for r in rows if r[2] == s), (s, counts, rows)
    return rows, counts


def hugepage_files(prefix):
    found = []
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "hugetlbfs" and os.path.isdir(parts[1]):
                found += [n for n in os.listdir(parts[1]) if n.startswith(prefix)]
    return found


def processes_with(word):
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if word.encode() in f.read():
                    pids.append(pid)
        except OSError:
            pass
    return pids


def assert_nothing_started(prefix):
    assert not os.path.exists("/var/run/dpdk/" + prefix), "EAL runtime dir created"
    assert not hugepage_files(prefix), "hugepage files: %s" % hugepage_files(prefix)
    assert not processes_with(prefix), "processes left: %s" % processes_with(prefix)


def test_this_host_plain_and_json(d):
    prefix = "hp-it-%d-hc" % os.getpid()
    path = config(d, prefix)
    r = hotpathd("--check-host", "-c", path)
    assert r.returncode in (0, 1), r
    rows, counts = parse_table(r.stdout)
    assert r.returncode == (1 if counts["FAIL"] else 0), (r.returncode, counts)
    checks = {row[0] for row in rows}
    for c in ("lcore", "isolated", "nohz_full", "rcu_nocbs", "irqs", "smt", "governor", "cstates", "thp",
              "timer_migration", "nmi_watchdog", "watchdog", "numa", "hugepages"):
        assert c in checks, "no %s check in %s" % (c, sorted(checks))
    if os.path.exists("/sys/devices/system/cpu/cpu1"):
        assert ("isolated", "cpu 1") in {(row[0], row[1]) for row in rows}, "worker cpu 1 not checked"
    else:
        assert ("lcore", "lcore 1", "FAIL") in rows, "a worker on a CPU this host lacks must FAIL"
    assert ("numa", "port p0") in {(row[0], row[1]) for row in rows}
    assert_nothing_started(prefix)

    r = hotpathd("--check-host", "-j", "-c", path)
    assert r.returncode in (0, 1), r
    doc = json.loads(r.stdout)
    s = doc["summary"]
    assert r.returncode == (1 if s["fail"] else 0), (r.returncode, s)
    assert len(doc["checks"]) == s["pass"] + s["warn"] + s["fail"] + s["info"], s
    for c in doc["checks"]:
        assert set(c) == {"check", "subject", "status", "detail", "fix"}, c
        assert c["status"] in STATUSES and c["detail"], c
        assert c["status"] in ("PASS", "INFO") or c["fix"], "no fix: %r" % c
    assert sum(1 for c in doc["checks"] if c["status"] == "FAIL") == s["fail"]
    assert_nothing_started(prefix)

    # EAL arguments after -- replace the config's, as for a start: lcores and --no-huge
    r = hotpathd("--check-host", "-j", "-c", path, "--", "-l", "0-1", "--no-huge", "--file-prefix", prefix)
    doc = json.loads(r.stdout)
    huge = [c for c in doc["checks"] if c["check"] == "hugepages"]
    assert len(huge) == 1 and huge[0]["status"] == "INFO" and "--no-huge" in huge[0]["detail"], huge
    assert_nothing_started(prefix)


def write_tuned(d):
    assert WRITER and os.access(WRITER, os.X_OK), "usage: test_hostcheck.py HOTPATHD NAME TEST_HOSTCHECK"
    root = os.path.join(d, "tuned")
    subprocess.run([WRITER, "--write-tuned", root], check=True, timeout=60)
    return root


def test_tuned_tree_passes_and_a_fail_exits_1(d):
    root = write_tuned(d)
    cfg = os.path.join(root, "hotpath.yaml")
    r = hotpathd("--check-host", "--host-root", root, "-c", cfg)
    assert r.returncode == 0, r
    rows, counts = parse_table(r.stdout)
    assert counts["WARN"] == 0 and counts["FAIL"] == 0 and counts["INFO"] == 0, r.stdout
    assert ("lcore", "lcore 2", "PASS") in rows and ("isolated", "cpu 3", "PASS") in rows, rows

    # the ports' node loses its hugepages while the other node keeps them: FAIL, exit 1
    with open(os.path.join(root, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"), "w") as f:
        f.write("0\n")
    r = hotpathd("--check-host", "--host-root", root, "-c", cfg)
    assert r.returncode == 1, r
    rows, counts = parse_table(r.stdout)
    assert ("hugepages", "node 0", "FAIL") in rows and counts["FAIL"] == 1, r.stdout
    r = hotpathd("--check-host", "-j", "--host-root", root, "-c", cfg)
    assert r.returncode == 1 and json.loads(r.stdout)["summary"]["fail"] == 1, r

    # a worker CPU offline: FAIL too
    with open(os.path.join(root, "sys/devices/system/cpu/cpu3/online"), "w") as f:
        f.write("0\n")
    r = hotpathd("--check-host", "--host-root", root, "-c", cfg)
    assert r.returncode == 1 and ("lcore", "lcore 3", "FAIL") in parse_table(r.stdout)[0], r.stdout


def test_bad_config_and_usage(d):
    missing = os.path.join(d, "nope.yaml")
    r = hotpathd("--check-host", "-c", missing)
    assert r.returncode == 2 and r.stderr.startswith(missing + ":") and not r.stdout, r
    bad = os.path.join(d, "bad.yaml")
    with open(bad, "w") as f:
        f.write('eal: [-l, "0-1"]\nports:\n  - { name: p0, device: net_null0, mode: xconnect, peer: p9 }\n')
    r = hotpathd("--check-host", "-c", bad)
    assert r.returncode == 2 and r.stderr.startswith(bad + ":3: ") and "p9" in r.stderr, r
    with open(bad, "w") as f:
        f.write('eal: [-l, "0"]\nports:\n  - { name: p0, device: net_null0, mode: xconnect, peer: p0 }\n')
    r = hotpathd("--check-host", "-j", "-c", bad)
    assert r.returncode == 2 and "worker" in r.stderr and not r.stdout, r
    r = hotpathd("-j", "-c", config(d, "unused"))
    assert r.returncode == 2 and "--check-host" in r.stderr, r
    r = hotpathd("--check", "--check-host", "-c", config(d, "unused"))
    assert r.returncode == 2 and "one" in r.stderr, r
    r = hotpathd("--help")
    assert r.returncode == 0 and "--check-host" in r.stdout, r


if __name__ == "__main__":
    hp.run([test_this_host_plain_and_json, test_tuned_tree_passes_and_a_fail_exits_1, test_bad_config_and_usage])
