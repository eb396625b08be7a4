#!/usr/bin/python3
"""1,000,000 random and malformed control requests against a hotpathd that forwards (issue 12,
point 14; the result is in docs/SECURITY.md, "Control surfaces").

usage: ctl_flood.py BUILD/hotpathd [COUNT [SEED]]   (run it under flock /tmp/hp-itest.lock)

hotpathd replays a pcap forever on p0 and routes it to p1 while ctlflood.flood() sends COUNT
requests (see scripts/bench/ctlflood.py for the mix). Checked: no crash (the daemon answers
and exits 0 on SIGTERM with every mbuf back), every request answered or its connection
closed, forwarding goes on during and after, and the state (config dump, routes, neighbours,
ACL rules, policers, log level) afterwards equals the state before; requests that a mutation
made valid are counted and undone by config.apply of the dump taken before."""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
import ctlflood  # noqa: E402
import hp  # noqa: E402
from test_harden_ctl import daemon  # noqa: E402  (the same forwarding daemon as the suite's test)


def main():
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 14
    with tempfile.TemporaryDirectory(prefix="hp-flood-") as d:
        with daemon(d, name="flood") as dm:
            path = os.path.join(d, "flood.sock")
            tx = lambda: ctlflood.request(path, "stats")["tx_packets"]  # noqa: E731
            deadline = time.time() + 30
            while tx() < 1000:
                assert time.time() < deadline, "not forwarding"
                time.sleep(0.1)
            before = ctlflood.state(path)
            tx0 = tx()
            st = ctlflood.flood(path, count, seed=seed,
                                progress=lambda s: print("  %d sent, %d replies, %d closed" % (
                                    s["sent"], s["replies"], s["closed"]), flush=True))
            tx1 = tx()
            assert st["replies"] + st["closed"] + st["empty"] == st["sent"] == count, st
            st["equal_before_restore"] = ctlflood.state(path) == before
            if st["changed"]:
                ctlflood.restore(path, before, d)
            after = ctlflood.state(path)
            assert after == before, "state changed: %s" % [k for k in before if before[k] != after[k]]
            deadline = time.time() + 30
            while tx() < tx1 + 1000:
                assert time.time() < deadline, "not forwarding after the flood"
                time.sleep(0.1)
            code, _, report = dm.stop(timeout=60)
            assert code == 0, dm.stderr()[-3000:]
            hp.check_mempools_full(report)
        st.update({"forwarded_during": tx1 - tx0, "state_equal": True, "exit": code, "seed": seed})
        print(json.dumps(st))


if __name__ == "__main__":
    main()
