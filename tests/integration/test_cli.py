#!/usr/bin/python3
"""hotpathd's command line and --check: exit codes and FILE:LINE messages for every config error."""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hp  # noqa: E402

BIN = hp.hotpathd_path()
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GOOD = """\
eal: [-l, "0-1", --in-memory]
ports:
  - { name: p0, device: net_null0, mode: xconnect, peer: p1 }
  - { name: p1, device: net_null1, mode: xconnect, peer: p0 }
"""

# (what is wrong, yaml, line, substring of the message, extra hotpathd args)
BAD = [
    ("unknown key", GOOD + "routez: []\n", 5, "routez", []),
    ("unknown port key", GOOD.replace("peer: p1 }", "peer: p1, speed: 10 }"), 3, "speed", []),
    ("missing peer port", GOOD.replace("peer: p0", "peer: p9"), 4, "p9", []),
    ("duplicate port", GOOD.replace("name: p1", "name: p0"), 4, "p0", []),
    ("bad devargs", GOOD.replace("net_null1", '"net_null1,rx pcap=x"'), 4, "net_null1", []),
    ("bad MAC", GOOD.replace("peer: p1 }", 'peer: p1, mac: "02:00:00:00:00" }'), 3, "mac", []),
    ("bad CIDR", GOOD.replace("peer: p1 }", 'peer: p1, ipv4: ["10.0.0.1/33"] }'), 3, "10.0.0.1/33", []),
    ("queue out of range", GOOD + "workers:\n  - { lcore: 1, queues: [p0/0, p1/0, p1/1] }\n", 6, "p1/1", []),
    ("lcore out of range", GOOD + "workers:\n  - { lcore: 5, queues: [p0/0, p1/0] }\n", 6, "lcore 5", []),
    ("queue owned twice", GOOD + "workers:\n  - { lcore: 1, queues: [p0/0, p1/0] }\n"
     "  - { lcore: 2, queues: [p1/0] }\n", 7, "p1/0", ["--", "-l", "0-2"]),
    ("queue not served", GOOD + "workers:\n  - { lcore: 1, queues: [p0/0] }\n", 4, "p1/0", []),
    ("no worker lcore", GOOD, 1, "worker", ["--", "-l", "0"]),
    ("via off-subnet", GOOD + "routes:\n  - { prefix: 198.18.0.0/15, via: 10.9.9.9 }\n", 6, "10.9.9.9", []),
    ("l3 port as peer-less xconnect", GOOD.replace("mode: xconnect, peer: p1", "mode: xconnect"), 3, "peer", []),
]


def hotpathd(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60)


def test_usage_errors(d):
    r = hotpathd()
    assert r.returncode == 2 and "-c FILE" in r.stderr, r
    r = hotpathd("--bogus")
    assert r.returncode == 2, r
    missing = os.path.join(d, "nope.yaml")
    r = hotpathd("-c", missing, "--check")
    assert r.returncode == 2 and r.stderr.startswith(missing + ":"), r.stderr
    r = hotpathd("--help")
    assert r.returncode == 0 and "--check" in r.stdout


def test_check_accepts_shipped_configs(d):
    path = os.path.join(d, "good.yaml")
    with open(path, "w") as f:
        f.write(GOOD)
    r = hotpathd("-c", path, "--check")
    assert r.returncode == 0 and "ok" in r.stdout, r
    shipped = glob.glob(os.path.join(TOP, "configs", "*.yaml"))
    assert shipped, "no configs/*.yaml"
    for c in shipped:
        r = hotpathd("-c", c, "--check")
        assert r.returncode == 0, "%s: %s" % (c, r.stderr)


def test_check_rejects_bad_configs(d):
    for what, text, line, needle, extra in BAD:
        path = os.path.join(d, "bad.yaml")
        with open(path, "w") as f:
            f.write(text)
        r = hotpathd("-c", path, "--check", *extra)
        assert r.returncode == 2, "%s: exit %d, stderr %r" % (what, r.returncode, r.stderr)
        want = "%s:%d: " % (path, line)
        assert r.stderr.startswith(want), "%s: expected %r..., got %r" % (what, want, r.stderr)
        assert needle in r.stderr, "%s: %r does not name %r" % (what, r.stderr, needle)


def test_bad_config_never_starts_eal(d):
    """Without --check a bad config still exits 2 before EAL: no DPDK files appear."""
    path = os.path.join(d, "bad.yaml")
    with open(path, "w") as f:
        f.write(BAD[0][1])
    prefix = "hp-it-%d-bad" % os.getpid()
    r = hotpathd("-c", path, "--", "-l", "0-1", "--file-prefix", prefix)
    assert r.returncode == 2 and r.stderr.startswith(path + ":5: "), r
    assert not os.path.exists("/var/run/dpdk/" + prefix)


if __name__ == "__main__":
    hp.run([test_usage_errors, test_check_accepts_shipped_configs, test_check_rejects_bad_configs,
            test_bad_config_never_starts_eal])
